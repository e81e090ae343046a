package intel_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/feed"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// mispFeedDir writes a MISP-format feed (manifest.json, hashes.csv, <uuid>.json) of events into dir.
func mispFeedDir(t testing.TB, dir string, events []*misp.Event) {
	t.Helper()
	manifest := map[string]misp.FeedManifestEntry{}
	var hashes strings.Builder
	for _, e := range events {
		data, err := misp.EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.UUID+".json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		manifest[e.UUID] = misp.FeedManifestEntry{Info: e.Info, Date: e.Date.Format("2006-01-02"), Timestamp: e.Timestamp,
			Analysis: misp.FlexInt(e.Analysis), ThreatLevelID: misp.FlexInt(e.ThreatLevel), Orgc: e.Orgc, Tag: e.Tag}
		for _, a := range e.Attribute {
			for _, h := range feed.ValueHashes(a.Value) {
				fmt.Fprintf(&hashes, "%s,%s\n", h, e.UUID)
			}
		}
	}
	data, err := json.Marshal(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hashes.csv"), []byte(hashes.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// corpusEvents decodes the MISP events of the test corpus.
func corpusEvents(t *testing.T) []*misp.Event {
	t.Helper()
	dir := filepath.Dir(testcorpus.Path(t, "misp_events/MANIFEST.json"))
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []*misp.Event
	for _, f := range files {
		if filepath.Base(f) == "MANIFEST.json" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		events, err := misp.DecodeEvents(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, events...)
	}
	if len(out) == 0 {
		t.Skip("no corpus events")
	}
	return out
}

// eventStamps returns the timestamp of each stored event by uuid.
func eventStamps(t *testing.T, st store.Intel) map[string]misp.Timestamp {
	t.Helper()
	out := map[string]misp.Timestamp{}
	for e, err := range st.SearchEvents(context.Background(), store.EventFilter{Conditions: acl.Conditions{Unrestricted: true}, Metadata: true}) {
		if err != nil {
			t.Fatal(err)
		}
		out[e.UUID] = e.Timestamp
	}
	return out
}

func attrCount(t *testing.T, st store.Intel) int64 {
	t.Helper()
	n, err := st.CountAttributes(context.Background(), store.AttributeFilter{Conditions: acl.Conditions{Unrestricted: true}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func addFeed(t *testing.T, fx *inteltest.Fixture, f *misp.Feed) *misp.Feed {
	t.Helper()
	if err := fx.Svc.AddFeed(context.Background(), fx.ACL("admin"), f, map[string]bool{"fixed_event": true}); err != nil {
		t.Fatalf("add feed %s: %v", f.Name, err)
	}
	return f
}

// TestFeedMISPAcceptance builds a MISP feed of the corpus events, serves it over HTTP, fetches it (every event
// there), fetches again (nothing added or changed), updates one event (updated), caches it and shows the hit on
// an event of the instance's own.
func TestFeedMISPAcceptance(t *testing.T) {
	ctx := context.Background()
	events := corpusEvents(t)
	dir := t.TempDir()
	mispFeedDir(t, dir, events)
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("Authorization") != "secret-token" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		http.FileServer(http.Dir(dir)).ServeHTTP(w, r)
	}))
	defer srv.Close()
	fx := inteltest.New(t, inteltest.Options{})
	admin := fx.ACL("admin")
	tag := &misp.Tag{Name: "feed:test", Colour: "#123456", Exportable: true}
	if err := fx.Store.CreateTag(ctx, tag); err != nil {
		t.Fatal(err)
	}
	f := addFeed(t, fx, &misp.Feed{Name: "corpus", Provider: "ESET", URL: srv.URL, SourceFormat: misp.FeedFormatMISP,
		Enabled: true, Distribution: misp.DistributionCommunity, TagID: tag.ID, Headers: "Authorization: secret-token",
		CachingEnabled: true, LookupVisible: true})

	if _, err := fx.Svc.FetchFeed(ctx, fx.ACL("user"), int64(f.ID)); !errors.Is(err, acl.ErrForbidden) {
		t.Errorf("a user fetched a feed: %v", err)
	}
	res, err := fx.Svc.FetchFeed(ctx, admin, int64(f.ID))
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if res.Added != len(events) || res.Updated != 0 {
		t.Errorf("first fetch: %+v, want %d added", res, len(events))
	}
	stamps := eventStamps(t, fx.Store)
	for _, e := range events {
		got, ok := stamps[strings.ToLower(e.UUID)]
		if !ok {
			t.Errorf("event %s (%s) not imported", e.UUID, e.Info)
		} else if e.Timestamp != 0 && got != e.Timestamp {
			// The feed's timestamp is kept, so that the next fetch compares like with like.
			t.Errorf("event %s stored with timestamp %d, the feed's is %d", e.UUID, got, e.Timestamp)
		}
	}
	if len(stamps) != len(events) {
		t.Errorf("%d events stored, want %d", len(stamps), len(events))
	}
	attrs := attrCount(t, fx.Store)
	// The feed's settings apply: its distribution, its tag, locked.
	first, err := fx.Store.EventByUUID(ctx, events[0].UUID)
	if err != nil {
		t.Fatal(err)
	}
	if first.Distribution != misp.DistributionCommunity || !bool(first.Locked) ||
		!slices.ContainsFunc(first.Tag, func(tg misp.Tag) bool { return tg.Name == "feed:test" }) {
		t.Errorf("imported event: distribution %s, locked %v, tags %v", first.Distribution, first.Locked, first.Tag)
	}

	// Fetching the unchanged feed again adds and changes nothing.
	res, err = fx.Svc.FetchFeed(ctx, admin, int64(f.ID))
	if err != nil {
		t.Fatalf("second fetch: %v", err)
	}
	if res.Added != 0 || res.Updated != 0 || res.Unchanged != len(events) {
		t.Errorf("second fetch: %+v", res)
	}
	if again := eventStamps(t, fx.Store); !mapsEqual(again, stamps) {
		t.Errorf("second fetch changed timestamps")
	}
	if n := attrCount(t, fx.Store); n != attrs {
		t.Errorf("second fetch: %d attributes, was %d", n, attrs)
	}

	// A newer timestamp updates the event.
	upd := events[0]
	upd.Timestamp = misp.TimestampOf(time.Now().Add(time.Hour))
	upd.Attribute = append(upd.Attribute, misp.Attribute{Type: "domain", Category: "Network activity",
		Value: "feed-update.example", UUID: misp.NewUUID(), Timestamp: upd.Timestamp, Distribution: misp.DistributionInherit})
	mispFeedDir(t, dir, events)
	res, err = fx.Svc.FetchFeed(ctx, admin, int64(f.ID))
	if err != nil {
		t.Fatalf("third fetch: %v", err)
	}
	if res.Added != 0 || res.Updated != 1 || res.Unchanged != len(events)-1 {
		t.Errorf("fetch of an updated event: %+v", res)
	}
	if n := attrCount(t, fx.Store); n != attrs+1 {
		t.Errorf("after the update: %d attributes, want %d", n, attrs+1)
	}

	// Caching fills the value index without importing; an own event sharing a value shows the hit.
	n, err := fx.Svc.CacheFeed(ctx, admin, int64(f.ID))
	if err != nil || n == 0 {
		t.Fatalf("cache: %d, %v", n, err)
	}
	shared, sharedType := "", ""
	for _, e := range events[1:] {
		for _, a := range e.Attribute {
			if slices.Contains([]string{"ip-dst", "domain", "sha256", "sha1", "md5", "hostname"}, a.Type) && !bool(a.Deleted) {
				shared, sharedType = a.Value, a.Type
				break
			}
		}
		if shared != "" {
			break
		}
	}
	if shared == "" {
		t.Fatal("no corpus attribute to share")
	}
	mine := corrEvent(t, fx, "user", misp.DistributionCommunity, "mine",
		attr(sharedType, shared), attr("domain", "not-in-any-feed.example"))
	view, err := fx.Svc.ViewEvent(ctx, fx.ACL("admin"), fmt.Sprint(mine.ID), intel.EventViewOptions{FeedHits: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range view.Attribute {
		hit := len(a.Feed) == 1 && a.Feed[0].ID == f.ID && a.Feed[0].Name == "corpus" && a.Feed[0].SourceFormat == "misp"
		if (a.Value == shared) != hit {
			t.Errorf("attribute %s: feed hits %+v", a.Value, a.Feed)
		}
	}
	// Without the option, or for a user without perm_view_feed_correlations, no hits.
	view, err = fx.Svc.ViewEvent(ctx, fx.ACL("admin"), fmt.Sprint(mine.ID), intel.EventViewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range view.Attribute {
		if len(a.Feed) > 0 {
			t.Errorf("hits without includeFeedCorrelations: %+v", a.Feed)
		}
	}
	// restSearch with includeFeedCorrelations.
	q := intel.Search{Value: store.Any(shared), IncludeFeedCorrelations: true}
	seq, _ := fx.Svc.SearchAttributes(ctx, fx.ACL("admin"), q)
	found := 0
	for a, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Feed) == 1 && a.Feed[0].ID == f.ID {
			found++
		}
	}
	if found == 0 {
		t.Error("restSearch includeFeedCorrelations found no hit")
	}
	// Disabling the feed hides its hits.
	if _, err := fx.Svc.EditFeed(ctx, admin, int64(f.ID), map[string]json.RawMessage{"enabled": json.RawMessage("false"),
		"caching_enabled": json.RawMessage("false")}); err != nil {
		t.Fatal(err)
	}
	hits, err := fx.Svc.FeedHits(ctx, admin, []intel.TypedValue{{Type: sharedType, Value: shared}})
	if err != nil || len(hits) != 0 {
		t.Errorf("a disabled feed still hits: %v %v", hits, err)
	}
}

func mapsEqual(a, b map[string]misp.Timestamp) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// textServer serves body (changeable) at /list.
type textServer struct {
	body atomic.Value
	srv  *httptest.Server
}

func newTextServer(t *testing.T, body string) *textServer {
	ts := &textServer{}
	ts.body.Store(body)
	ts.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/list" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, ts.body.Load().(string))
	}))
	t.Cleanup(ts.srv.Close)
	return ts
}

func liveValues(t *testing.T, fx *inteltest.Fixture, id int64) []string {
	t.Helper()
	e, err := fx.Store.Event(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range e.Attribute {
		if !a.Deleted {
			out = append(out, a.Value)
		}
	}
	slices.Sort(out)
	return out
}

func TestFeedFreetextFixedEventDeltaMerge(t *testing.T) {
	ctx := context.Background()
	ts := newTextServer(t, "# a comment line\n198.51.100.1\nevil.example\nhttps://bad.example.com/x.php\n198.51.100.1\n")
	fx := inteltest.New(t, inteltest.Options{})
	admin := fx.ACL("admin")
	f := addFeed(t, fx, &misp.Feed{Name: "text", URL: ts.srv.URL + "/list", SourceFormat: misp.FeedFormatFreetext,
		Enabled: true, FixedEvent: true, DeltaMerge: true, OverrideIDs: true,
		Settings: misp.FeedSettings{Common: struct {
			ExcludeRegex string `json:"excluderegex"`
		}{ExcludeRegex: "/^#/"}}})
	res, err := fx.Svc.FetchFeed(ctx, admin, int64(f.ID))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"198.51.100.1", "evil.example", "https://bad.example.com/x.php"}
	if got := liveValues(t, fx, res.EventID); !slices.Equal(got, want) || res.New != 3 {
		t.Fatalf("first fetch: %v (%+v), want %v", got, res, want)
	}
	e, _ := fx.Store.Event(ctx, res.EventID)
	if e.Info != "text feed" || e.Attribute[0].ToIDS.Bool() {
		t.Errorf("event %q, to_ids %v (override_ids)", e.Info, e.Attribute[0].ToIDS)
	}
	// Same content: nothing changes.
	res2, err := fx.Svc.FetchFeed(ctx, admin, int64(f.ID))
	if err != nil || res2.EventID != res.EventID || res2.New != 0 || res2.Removed != 0 || res2.Updated != 0 {
		t.Errorf("second fetch: %+v %v", res2, err)
	}
	// One value gone, one new: delta_merge deletes the gone one in the same fixed event.
	ts.body.Store("198.51.100.1\nevil.example\n203.0.113.5\n")
	res3, err := fx.Svc.FetchFeed(ctx, admin, int64(f.ID))
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"198.51.100.1", "203.0.113.5", "evil.example"}
	if got := liveValues(t, fx, res.EventID); res3.EventID != res.EventID || res3.New != 1 || res3.Removed != 1 || !slices.Equal(got, want) {
		t.Errorf("delta merge: %+v, values %v, want %v", res3, got, want)
	}
	stored, _ := fx.Svc.Feed(ctx, admin, int64(f.ID))
	if int64(stored.EventID) != res.EventID {
		t.Errorf("feed event_id %d, want %d", stored.EventID, res.EventID)
	}
}

func TestFeedCSVNewEventPerFetch(t *testing.T) {
	ctx := context.Background()
	ts := newTextServer(t, "first_seen;ip;port\n2024-01-01;192.0.2.10;443\n2024-01-02;192.0.2.11;80\n#2024;192.0.2.99;1\n")
	fx := inteltest.New(t, inteltest.Options{})
	admin := fx.ACL("admin")
	f := &misp.Feed{Name: "csv", URL: ts.srv.URL + "/list", SourceFormat: misp.FeedFormatCSV, Enabled: true,
		Distribution: misp.DistributionAll}
	f.Settings.CSV.Value, f.Settings.CSV.Delimiter = "2", ";"
	if err := fx.Svc.AddFeed(ctx, admin, f, map[string]bool{"fixed_event": true}); err != nil {
		t.Fatal(err)
	}
	r1, err := fx.Svc.FetchFeed(ctx, admin, int64(f.ID))
	if err != nil {
		t.Fatal(err)
	}
	if got := liveValues(t, fx, r1.EventID); !slices.Equal(got, []string{"192.0.2.10", "192.0.2.11"}) {
		t.Errorf("csv values %v", got)
	}
	r2, err := fx.Svc.FetchFeed(ctx, admin, int64(f.ID))
	if err != nil || r2.EventID == r1.EventID || r2.Added != 1 {
		t.Errorf("a feed without a fixed event makes a new event per fetch: %+v then %+v (%v)", r1, r2, err)
	}
	// Caching a CSV feed indexes its values.
	if n, err := fx.Svc.CacheFeed(ctx, admin, int64(f.ID)); err != nil || n != 2 {
		t.Errorf("cache: %d %v", n, err)
	}
}

func TestFeedLocal(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	local := filepath.Join(data, "feeds")
	if err := os.MkdirAll(filepath.Join(local, "misp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(local, "list.txt"), []byte("192.0.2.50\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(data, "secret.txt")
	if err := os.WriteFile(outside, []byte("192.0.2.66\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := &misp.Event{UUID: misp.NewUUID(), Info: "local event", Timestamp: 1700000000, Date: misp.DateOf(time.Unix(1700000000, 0)),
		Attribute: []misp.Attribute{{Type: "ip-dst", Category: "Network activity", Value: "192.0.2.77", UUID: misp.NewUUID()}}}
	mispFeedDir(t, filepath.Join(local, "misp"), []*misp.Event{e})
	fx := inteltest.New(t, inteltest.Options{DataDir: data})
	admin := fx.ACL("admin")
	tests := []struct {
		name, url, format, wantErr string
	}{
		{"freetext file", "list.txt", misp.FeedFormatFreetext, ""},
		{"misp directory", filepath.Join(local, "misp"), misp.FeedFormatMISP, ""},
		{"outside the directory", outside, misp.FeedFormatFreetext, "outside the local feed directory"},
		{"dot-dot", "../secret.txt", misp.FeedFormatFreetext, "outside the local feed directory"},
		{"missing", "absent.txt", misp.FeedFormatFreetext, "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := addFeed(t, fx, &misp.Feed{Name: tc.name, URL: tc.url, SourceFormat: tc.format, InputSource: misp.FeedInputLocal, Enabled: true})
			_, err := fx.Svc.FetchFeed(ctx, admin, int64(f.ID))
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("fetch: %v, want %q", err, tc.wantErr)
			}
		})
	}
	if _, err := fx.Store.EventByUUID(ctx, e.UUID); err != nil {
		t.Errorf("local MISP feed event not imported: %v", err)
	}
	// delete_local_file removes a local freetext feed's file once its values are saved.
	if err := os.WriteFile(filepath.Join(local, "once.txt"), []byte("192.0.2.51\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	once := addFeed(t, fx, &misp.Feed{Name: "once", URL: "once.txt", SourceFormat: misp.FeedFormatFreetext,
		InputSource: misp.FeedInputLocal, Enabled: true, DeleteLocal: true})
	if _, err := fx.Svc.FetchFeed(ctx, admin, int64(once.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(local, "once.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("delete_local_file left the file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(local, "list.txt")); err != nil {
		t.Errorf("a feed without delete_local_file lost its file: %v", err)
	}
	// "-" refuses local feeds altogether.
	fx2 := inteltest.New(t, inteltest.Options{DataDir: data, Feeds: intel.FeedOptions{LocalDir: "-"}})
	f := addFeed(t, fx2, &misp.Feed{Name: "l", URL: "list.txt", SourceFormat: misp.FeedFormatFreetext, InputSource: misp.FeedInputLocal, Enabled: true})
	if _, err := fx2.Svc.FetchFeed(ctx, fx2.ACL("admin"), int64(f.ID)); err == nil || !strings.Contains(err.Error(), "not allowed") {
		t.Errorf("local feed with local feeds off: %v", err)
	}
}

// TestFeedErrors checks that a feed that cannot be read or breaks a limit fails with a clear message and imports
// nothing.
func TestFeedErrors(t *testing.T) {
	ctx := context.Background()
	good := &misp.Event{UUID: misp.NewUUID(), Info: "good", Timestamp: 1700000000, Date: misp.DateOf(time.Unix(1700000000, 0)),
		Attribute: []misp.Attribute{{Type: "ip-dst", Category: "Network activity", Value: "192.0.2.1", UUID: misp.NewUUID()}}}
	other := &misp.Event{UUID: misp.NewUUID(), Info: "other", Timestamp: 1700000000, Date: misp.DateOf(time.Unix(1700000000, 0))}
	feedDir := func(t *testing.T, mutate func(dir string)) string {
		dir := t.TempDir()
		mispFeedDir(t, dir, []*misp.Event{good, other})
		if mutate != nil {
			mutate(dir)
		}
		return dir
	}
	tests := []struct {
		name    string
		dir     string
		opts    intel.FeedOptions
		slow    bool
		format  string
		path    string
		wantErr string
	}{
		{name: "404 manifest", dir: feedDir(t, func(d string) { os.Remove(filepath.Join(d, "manifest.json")) }), wantErr: "404 Not Found"},
		{name: "404 event", dir: feedDir(t, func(d string) { os.Remove(filepath.Join(d, other.UUID+".json")) }), wantErr: "404 Not Found"},
		{name: "bad manifest", dir: feedDir(t, func(d string) { os.WriteFile(filepath.Join(d, "manifest.json"), []byte("{not json"), 0o644) }),
			wantErr: "not a MISP feed manifest"},
		{name: "bad event", dir: feedDir(t, func(d string) { os.WriteFile(filepath.Join(d, other.UUID+".json"), []byte(`{"Event": [`), 0o644) }),
			wantErr: "not a MISP event"},
		{name: "oversize file", dir: feedDir(t, nil), opts: intel.FeedOptions{MaxFileBytes: 100}, wantErr: "more than 100 bytes"},
		{name: "events per fetch", dir: feedDir(t, nil), opts: intel.FeedOptions{MaxEventsPerFetch: 1}, wantErr: "more than 1"},
		{name: "timeout", dir: feedDir(t, nil), opts: intel.FeedOptions{Timeout: 50 * time.Millisecond}, slow: true,
			wantErr: "deadline exceeded"},
		{name: "values per feed", dir: feedDir(t, func(d string) {
			os.WriteFile(filepath.Join(d, "list"), []byte("192.0.2.1\n192.0.2.2\n192.0.2.3\n"), 0o644)
		}), opts: intel.FeedOptions{MaxValues: 2}, format: misp.FeedFormatFreetext, path: "/list", wantErr: "more than 2 values"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.slow {
					select {
					case <-time.After(2 * time.Second):
					case <-r.Context().Done():
						return
					}
				}
				http.FileServer(http.Dir(tc.dir)).ServeHTTP(w, r)
			}))
			defer srv.Close()
			fx := inteltest.New(t, inteltest.Options{Feeds: tc.opts})
			format := tc.format
			if format == "" {
				format = misp.FeedFormatMISP
			}
			f := addFeed(t, fx, &misp.Feed{Name: tc.name, URL: srv.URL + tc.path, SourceFormat: format, Enabled: true})
			_, err := fx.Svc.FetchFeed(ctx, fx.ACL("admin"), int64(f.ID))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), tc.name) {
				t.Errorf("fetch: %v, want an error naming the feed and %q", err, tc.wantErr)
			}
			if n := len(eventStamps(t, fx.Store)); n != 0 {
				t.Errorf("a failed fetch stored %d events", n)
			}
		})
	}
}

func TestFeedAdminOnlyAndEdit(t *testing.T) {
	ctx := context.Background()
	fx := inteltest.New(t, inteltest.Options{})
	for _, u := range []string{"user", "orgadmin", "sync", "publisher"} {
		if _, err := fx.Svc.Feeds(ctx, fx.ACL(u)); !errors.Is(err, acl.ErrForbidden) {
			t.Errorf("%s lists feeds: %v", u, err)
		}
		if err := fx.Svc.AddFeed(ctx, fx.ACL(u), &misp.Feed{Name: "x", URL: "https://x.example"}, nil); !errors.Is(err, acl.ErrForbidden) {
			t.Errorf("%s adds a feed: %v", u, err)
		}
	}
	admin := fx.ACL("admin")
	f := &misp.Feed{Name: "TestFeed", Provider: "TestFeed - Provider", URL: "http://example.com"}
	if err := fx.Svc.AddFeed(ctx, admin, f, nil); err != nil {
		t.Fatal(err)
	}
	// MISP's REST defaults: freetext, a fixed event, distribution 0, network.
	if f.SourceFormat != "freetext" || !f.FixedEvent || f.Distribution != misp.DistributionOrganisation || f.InputSource != "network" {
		t.Errorf("defaults: %+v", f)
	}
	bad := []struct {
		name string
		f    misp.Feed
	}{
		{"no name", misp.Feed{URL: "https://x.example"}},
		{"no url", misp.Feed{Name: "x"}},
		{"not http", misp.Feed{Name: "x", URL: "ftp://x.example"}},
		{"format", misp.Feed{Name: "x", URL: "https://x.example", SourceFormat: "xml"}},
		{"regex", misp.Feed{Name: "x", URL: "https://x.example", Settings: misp.FeedSettings{Common: struct {
			ExcludeRegex string `json:"excluderegex"`
		}{"/(?<=a)b/"}}}},
		{"sharing group", misp.Feed{Name: "x", URL: "https://x.example", Distribution: misp.DistributionSharingGroup, SharingGroupID: 999}},
	}
	for _, b := range bad {
		var inv *intel.InvalidError
		if err := fx.Svc.AddFeed(ctx, admin, &b.f, nil); !errors.As(err, &inv) {
			t.Errorf("%s: %v, want an *InvalidError", b.name, err)
		}
	}
	// A partial edit (PyMISP's enable_feed) changes only what it names.
	got, err := fx.Svc.EditFeed(ctx, admin, int64(f.ID), map[string]json.RawMessage{"id": json.RawMessage(`"1"`), "enabled": json.RawMessage("true")})
	if err != nil || !got.Enabled || got.Name != "TestFeed" || got.URL != "http://example.com" {
		t.Errorf("enable: %+v %v", got, err)
	}
	got, err = fx.Svc.EditFeed(ctx, admin, int64(f.ID), map[string]json.RawMessage{"name": json.RawMessage(`"TestFeed - Update"`),
		"settings": json.RawMessage(`{"csv":{"value":"2","delimiter":";"},"common":{"excluderegex":""}}`)})
	if err != nil || got.Name != "TestFeed - Update" || !got.Enabled || got.Settings.CSV.Value != "2" {
		t.Errorf("edit: %+v %v", got, err)
	}
	if err := fx.Svc.DeleteFeed(ctx, admin, int64(f.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.Svc.Feed(ctx, admin, int64(f.ID)); !errors.Is(err, acl.ErrNotFound) {
		t.Errorf("deleted feed: %v", err)
	}
	// A disabled feed is not fetched.
	g := addFeed(t, fx, &misp.Feed{Name: "off", URL: "https://off.example"})
	var inv *intel.InvalidError
	if _, err := fx.Svc.FetchFeed(ctx, admin, int64(g.ID)); !errors.As(err, &inv) {
		t.Errorf("fetch of a disabled feed: %v", err)
	}
}

func TestLoadDefaultFeeds(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	fx := inteltest.New(t, inteltest.Options{DataDir: data})
	admin := fx.ACL("admin")
	if _, err := fx.Svc.LoadDefaultFeeds(ctx, admin); err == nil || !strings.Contains(err.Error(), "hunch intel update") {
		t.Errorf("without the file: %v", err)
	}
	src, err := os.ReadFile("testdata/feeds/defaults.json")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(data, filepath.FromSlash(intel.FeedDefaultsFile))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, src, 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := fx.Svc.LoadDefaultFeeds(ctx, admin)
	if err != nil || n != 3 {
		t.Fatalf("load: %d %v", n, err)
	}
	if n, err := fx.Svc.LoadDefaultFeeds(ctx, admin); err != nil || n != 0 {
		t.Errorf("second load added %d (%v)", n, err)
	}
	list, err := fx.Svc.Feeds(ctx, admin)
	if err != nil || len(list) != 3 {
		t.Fatalf("feeds: %v %v", list, err)
	}
	byName := map[string]misp.Feed{}
	for _, f := range list {
		byName[f.Name] = f
	}
	b := byName["The Botvrij.eu Data"]
	if b.URL != "https://www.botvrij.eu/data/feed-osint" || b.SourceFormat != "misp" || !b.Default || b.TagID == 0 || b.Enabled {
		t.Errorf("botvrij: %+v", b)
	}
	c := byName["blockrules of rules.emergingthreats.net"]
	if c.SourceFormat != "csv" || c.Settings.CSV.Delimiter != "," {
		t.Errorf("csv default: %+v", c)
	}
}

func TestCompareFeeds(t *testing.T) {
	ctx := context.Background()
	a := newTextServer(t, "192.0.2.1\n192.0.2.2\n192.0.2.3\n192.0.2.4\n")
	b := newTextServer(t, "192.0.2.1\n192.0.2.9\n")
	fx := inteltest.New(t, inteltest.Options{})
	admin := fx.ACL("admin")
	fa := addFeed(t, fx, &misp.Feed{Name: "a", URL: a.srv.URL + "/list", Enabled: true})
	fb := addFeed(t, fx, &misp.Feed{Name: "b", URL: b.srv.URL + "/list", Enabled: true})
	if n, err := fx.Svc.CacheFeeds(ctx, admin, "all"); err != nil || n != 2 {
		t.Fatalf("cache all: %d %v", n, err)
	}
	cmp, err := fx.Svc.CompareFeeds(ctx, admin)
	if err != nil || len(cmp) != 2 {
		t.Fatalf("compare: %+v %v", cmp, err)
	}
	if c := cmp[0]; c.Feed.ID != fa.ID || c.ComparedFeed[0].ID != fb.ID || c.ComparedFeed[0].OverlapCount != 1 || c.ComparedFeed[0].OverlapPercentage != 25 {
		t.Errorf("compare a: %+v", c)
	}
	if c := cmp[1]; c.ComparedFeed[0].OverlapPercentage != 50 {
		t.Errorf("compare b: %+v", c)
	}
}

func TestRunFeeds(t *testing.T) {
	ts := newTextServer(t, "192.0.2.1\n")
	fx := inteltest.New(t, inteltest.Options{})
	f := addFeed(t, fx, &misp.Feed{Name: "sched", URL: ts.srv.URL + "/list", Enabled: true, CachingEnabled: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { fx.Svc.RunFeeds(ctx, time.Hour); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		g, err := fx.Store.Feed(context.Background(), int64(f.ID))
		if err != nil {
			t.Fatal(err)
		}
		if len(eventStamps(t, fx.Store)) == 1 && g.CacheTimestamp != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scheduler did not fetch and cache: %+v", g)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
}

// TestFeedRules checks a MISP feed's pull rules: events whose tags or creator the rules leave out are not fetched.
func TestFeedRules(t *testing.T) {
	ctx := context.Background()
	mk := func(info, org, tag string) *misp.Event {
		e := &misp.Event{UUID: misp.NewUUID(), Info: info, Timestamp: 1700000000, Date: misp.DateOf(time.Unix(1700000000, 0)),
			Orgc: &misp.Organisation{Name: org, UUID: misp.NewUUID()}}
		if tag != "" {
			e.Tag = []misp.Tag{{Name: tag}}
		}
		return e
	}
	events := []*misp.Event{mk("red", "CIRCL", "tlp:red"), mk("green", "CIRCL", "tlp:green"), mk("other org", "Other", "tlp:green")}
	dir := t.TempDir()
	mispFeedDir(t, dir, events)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	tests := []struct {
		rules string
		want  []string
	}{
		{`{"tags":{"OR":[],"NOT":["tlp:red"]},"orgs":{"OR":[],"NOT":[]}}`, []string{"green", "other org"}},
		{`{"tags":{"OR":["tlp:red"]}}`, []string{"red"}},
		{`{"orgs":{"OR":["CIRCL"],"NOT":[]},"tags":{"NOT":{"0":"tlp:red"}}}`, []string{"green"}},
		{``, []string{"green", "other org", "red"}},
	}
	for _, tc := range tests {
		t.Run(tc.rules, func(t *testing.T) {
			fx := inteltest.New(t, inteltest.Options{})
			f := addFeed(t, fx, &misp.Feed{Name: "rules", URL: srv.URL, SourceFormat: misp.FeedFormatMISP, Enabled: true, Rules: misp.JSONText(tc.rules)})
			res, err := fx.Svc.FetchFeed(ctx, fx.ACL("admin"), int64(f.ID))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for e, err := range fx.Store.SearchEvents(ctx, store.EventFilter{Conditions: acl.Conditions{Unrestricted: true}, Metadata: true}) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, e.Info)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) || res.Blocked != len(events)-len(tc.want) {
				t.Errorf("fetched %v (%+v), want %v", got, res, tc.want)
			}
		})
	}
	fx := inteltest.New(t, inteltest.Options{})
	var inv *intel.InvalidError
	if err := fx.Svc.AddFeed(ctx, fx.ACL("admin"), &misp.Feed{Name: "x", URL: srv.URL, Rules: `{"tags": 5}`}, nil); !errors.As(err, &inv) {
		t.Errorf("bad rules: %v", err)
	}
}
