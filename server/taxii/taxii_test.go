package taxii_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	taxiisrv "github.com/hunchsec/hunch/server/taxii"
	"github.com/hunchsec/hunch/taxii"
)

const instance = "0d6c8a5e-6b0a-4c3e-9a57-8d5a3c1e2f40"

type fixture struct {
	*inteltest.Fixture
	srv  *httptest.Server
	root string
	now  time.Time
}

func newFixture(t *testing.T, d taxiisrv.Deps) *fixture {
	t.Helper()
	f := &fixture{Fixture: inteltest.New(t, inteltest.Options{})}
	d.Intel, d.InstanceUUID = f.Svc, instance
	mux := http.NewServeMux()
	mux.Handle(taxiisrv.Prefix, taxiisrv.New(d))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	f.root = f.srv.URL + taxiisrv.APIRoot
	return f
}

func (f *fixture) client(user string) *taxii.Client {
	return taxii.New(taxii.Options{User: user, Password: f.Keys[user], HTTPClient: f.srv.Client()})
}

// addEvent adds and publishes an event of user with n ip-dst attributes.
func (f *fixture) addEvent(t *testing.T, user, info string, n int, mod func(*misp.Event)) *misp.Event {
	t.Helper()
	ctx := context.Background()
	e := &misp.Event{Info: info, Distribution: misp.Distribution("1")}
	for i := range n {
		e.Attribute = append(e.Attribute, misp.Attribute{Type: "ip-dst", Category: "Network activity",
			Value: fmt.Sprintf("198.51.%d.%d", len(info)%200, i+1), ToIDS: misp.OptBoolOf(true)})
	}
	if mod != nil {
		mod(e)
	}
	got, err := f.Svc.AddEvent(ctx, f.ACL(user), e, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.PublishEvent(ctx, f.ACL(user), strconv.FormatInt(int64(got.ID), 10)); err != nil {
		t.Fatal(err)
	}
	return got
}

func published(t *testing.T, c *taxii.Client, root string) string {
	t.Helper()
	cs, err := c.Collections(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range cs {
		if col.Alias == "published" {
			return col.ID
		}
	}
	t.Fatalf("no published collection in %+v", cs)
	return ""
}

type stixObj struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Modified string `json:"modified"`
	Pattern  string `json:"pattern"`
}

func decode(t *testing.T, raw []json.RawMessage) []stixObj {
	t.Helper()
	out := make([]stixObj, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestPagingEveryObjectOnce: discovery → collections → objects in pages of 7 over 40 events; every object comes
// exactly once (objects shared between events, the creator's identity, come once per event that carries them,
// identical), and an event added while paging comes after the position reached.
func TestPagingEveryObjectOnce(t *testing.T) {
	f := newFixture(t, taxiisrv.Deps{})
	ctx := context.Background()
	for i := range 40 {
		f.addEvent(t, "admin", fmt.Sprintf("event %02d", i), 1+i%4, nil)
	}
	c := f.client("user")
	d, err := c.Discover(ctx, f.srv.URL+taxiisrv.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.APIRoots) != 1 || d.APIRoots[0] != f.root || d.Default != f.root {
		t.Fatalf("discovery %+v", d)
	}
	ar, err := c.APIRoot(ctx, d.APIRoots[0])
	if err != nil || ar.Versions[0] != taxii.MediaTAXII || ar.MaxContentLength != taxiisrv.DefaultMaxBodyBytes {
		t.Fatalf("api root %+v, %v", ar, err)
	}
	col := published(t, c, f.root)
	if got, err := c.Collection(ctx, f.root, col); err != nil || !got.CanRead || !got.CanWrite {
		t.Fatalf("collection %+v, %v", got, err)
	}
	seen := map[string]json.RawMessage{}
	dups, pages, total := 0, 0, 0
	addedDuring := false
	err = c.AllObjects(ctx, f.root, col, taxii.Query{Limit: 7}, func(p *taxii.Page) error {
		pages++
		if len(p.Objects) > 7 {
			t.Errorf("page of %d objects, limit 7", len(p.Objects))
		}
		if p.DateAddedFirst.IsZero() || p.DateAddedLast.Before(p.DateAddedFirst) {
			t.Errorf("date added headers %v %v", p.DateAddedFirst, p.DateAddedLast)
		}
		for i, o := range decode(t, p.Objects) {
			total++
			key := o.ID + "@" + o.Modified
			if prev, ok := seen[key]; ok {
				if o.Type != "identity" || !bytes.Equal(prev, p.Objects[i]) {
					t.Errorf("%s served twice", key)
				}
				dups++
			}
			seen[key] = p.Objects[i]
		}
		if pages == 3 && !addedDuring {
			addedDuring = true
			f.addEvent(t, "admin", "added while paging", 2, nil)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// each event: identity, indicators, report
	want := 0
	for i := range 40 {
		want += 2 + 1 + i%4
	}
	want += 2 + 2
	if total != want {
		t.Errorf("%d objects over %d pages, want %d", total, pages, want)
	}
	reports := 0
	for k := range seen {
		if strings.HasPrefix(k, "report--") {
			reports++
		}
	}
	if reports != 41 {
		t.Errorf("%d reports, want 41", reports)
	}
	t.Logf("%d objects in %d pages (%d repeated identities)", total, pages, dups)

	// added_after: only what came after
	p, err := c.Objects(ctx, f.root, col, taxii.Query{})
	if err != nil {
		t.Fatal(err)
	}
	last := p.DateAddedLast
	time.Sleep(1100 * time.Millisecond) // timestamps are MISP's seconds
	late := f.addEvent(t, "admin", "late event", 1, nil)
	var after []stixObj
	if err := c.AllObjects(ctx, f.root, col, taxii.Query{AddedAfter: maxTime(t, c, f.root, col)}, func(p *taxii.Page) error {
		after = append(after, decode(t, p.Objects)...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(after) != 0 {
		t.Errorf("added_after the last date: %d objects", len(after))
	}
	_ = last
	after = nil
	if err := c.AllObjects(ctx, f.root, col, taxii.Query{AddedAfter: time.Unix(int64(late.Timestamp)-1, 0)}, func(p *taxii.Page) error {
		after = append(after, decode(t, p.Objects)...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(after) != 3 || after[2].ID != "report--"+late.UUID {
		t.Errorf("added_after before the late event: %+v", after)
	}
}

// maxTime is the last date_added of the collection.
func maxTime(t *testing.T, c *taxii.Client, root, col string) time.Time {
	t.Helper()
	var last time.Time
	if err := c.AllObjects(context.Background(), root, col, taxii.Query{Limit: 1000}, func(p *taxii.Page) error {
		if p.DateAddedLast.After(last) {
			last = p.DateAddedLast
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return last
}

// TestACL: users of two organisations see different objects; a sharing group's collection is listed and readable
// only by its members; no key is 401, a wrong key 401, a wrong Accept 406, a wrong Content-Type 415.
func TestACL(t *testing.T) {
	f := newFixture(t, taxiisrv.Deps{})
	ctx := context.Background()
	orgOnly := f.addEvent(t, "admin", "host org only", 1, func(e *misp.Event) { e.Distribution = misp.Distribution("0") })
	community := f.addEvent(t, "admin", "community", 1, nil)
	two := f.addEvent(t, "publisher2", "org two only", 1, func(e *misp.Event) { e.Distribution = misp.Distribution("0") })
	sg := &misp.SharingGroup{Name: "host and two", Releasability: "test", Active: true}
	if err := f.Svc.AddSharingGroup(ctx, f.ACL("admin"), sg); err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.AddSharingGroupOrg(ctx, f.ACL("admin"), sg.UUID, inteltest.OrgTwo, false); err != nil {
		t.Fatal(err)
	}
	shared := f.addEvent(t, "admin", "shared with group", 1, func(e *misp.Event) {
		e.Distribution = misp.Distribution("4")
		e.SharingGroupID = sg.ID
	})
	reports := func(user, col string) []string {
		c := f.client(user)
		var out []string
		err := c.AllObjects(ctx, f.root, col, taxii.Query{Types: []string{"report"}}, func(p *taxii.Page) error {
			for _, o := range decode(t, p.Objects) {
				out = append(out, strings.TrimPrefix(o.ID, "report--"))
			}
			return nil
		})
		if err != nil {
			var te *taxii.Error
			if errors.As(err, &te) {
				return []string{strconv.Itoa(te.StatusCode)}
			}
			t.Fatal(err)
		}
		return out
	}
	col := PublishedID()
	for _, tc := range []struct {
		user, col string
		want      []string
	}{
		{"user", col, []string{orgOnly.UUID, community.UUID, shared.UUID}},
		{"user2", col, []string{community.UUID, two.UUID, shared.UUID}},
		{"user3", col, []string{community.UUID}},
		{"user", sg.UUID, []string{shared.UUID}},
		{"user2", sg.UUID, []string{shared.UUID}},
		{"user3", sg.UUID, []string{"404"}},
	} {
		got := reports(tc.user, tc.col)
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s in %s: %v, want %v", tc.user, tc.col, got, tc.want)
		}
	}
	cs, err := f.client("user3").Collections(ctx, f.root)
	if err != nil || len(cs) != 1 {
		t.Errorf("user3 collections %+v, %v", cs, err)
	}
	if cs, _ := f.client("user2").Collections(ctx, f.root); len(cs) != 2 {
		t.Errorf("user2 collections %+v", cs)
	}
	if cs, _ := f.client("readonly").Collections(ctx, f.root); len(cs) == 0 || cs[0].CanWrite {
		t.Errorf("readonly may write: %+v", cs)
	}

	for _, tc := range []struct {
		name, method, path, accept, ctype, auth string
		status                                  int
	}{
		{"no key", "GET", taxiisrv.APIRoot, taxii.MediaTAXII, "", "", 401},
		{"wrong key", "GET", taxiisrv.APIRoot, taxii.MediaTAXII, "", "Basic " + basic("x", strings.Repeat("a", 40)), 401},
		{"key header", "GET", taxiisrv.APIRoot, taxii.MediaTAXII, "", f.Keys["user"], 200},
		{"wrong accept", "GET", taxiisrv.APIRoot, "application/json", "", f.Keys["user"], 406},
		{"taxii 2.0 accept", "GET", taxiisrv.APIRoot, "application/vnd.oasis.taxii+json; version=2.0", "", f.Keys["user"], 406},
		{"any accept", "GET", taxiisrv.APIRoot, "*/*", "", f.Keys["user"], 200},
		{"wrong content type", "POST", taxiisrv.APIRoot + "collections/" + col + "/objects/", taxii.MediaTAXII, "application/json", f.Keys["user"], 415},
		{"read only key may not add", "POST", taxiisrv.APIRoot + "collections/" + col + "/objects/", taxii.MediaTAXII, taxii.MediaTAXII, f.Keys["readonly"], 403},
		{"unknown collection", "GET", taxiisrv.APIRoot + "collections/nope/", taxii.MediaTAXII, "", f.Keys["user"], 404},
		{"method", "DELETE", taxiisrv.APIRoot + "collections/", taxii.MediaTAXII, "", f.Keys["user"], 405},
		{"bad limit", "GET", taxiisrv.APIRoot + "collections/" + col + "/objects/?limit=x", taxii.MediaTAXII, "", f.Keys["user"], 400},
		{"bad next", "GET", taxiisrv.APIRoot + "collections/" + col + "/objects/?next=!!", taxii.MediaTAXII, "", f.Keys["user"], 400},
	} {
		req, _ := http.NewRequest(tc.method, f.srv.URL+tc.path, strings.NewReader(`{"objects":[]}`))
		req.Header.Set("Accept", tc.accept)
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e taxiisrv.Error
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d (%+v)", tc.name, resp.StatusCode, tc.status, e)
		}
		if ct := resp.Header.Get("Content-Type"); ct != taxii.MediaTAXII {
			t.Errorf("%s: content type %q", tc.name, ct)
		}
		if tc.status >= 400 && (e.Title == "" || e.HTTPStatus != strconv.Itoa(tc.status)) {
			t.Errorf("%s: error resource %+v", tc.name, e)
		}
		if tc.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no challenge", tc.name)
		}
	}
}

func basic(u, p string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(u, p)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// PublishedID is the published collection's id in these tests.
func PublishedID() string { return taxiisrv.PublishedCollectionID(instance) }

// TestAddObjects: a bundle posted to a collection becomes an event of the poster's organisation; the status is
// complete and can be read again; the objects can be read back; a body over the limit is 413.
func TestAddObjects(t *testing.T) {
	f := newFixture(t, taxiisrv.Deps{MaxBodyBytes: 4096})
	ctx := context.Background()
	c := f.client("publisher")
	objs := []json.RawMessage{
		json.RawMessage(`{"type":"identity","spec_version":"2.1","id":"identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Partner CERT","identity_class":"organization"}`),
		json.RawMessage(`{"type":"report","spec_version":"2.1","id":"report--5e1c7d2a-9b8f-4c3e-a1d2-3f4e5a6b7c8d","created_by_ref":"identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"Posted over TAXII","published":"2024-01-01T00:00:00Z","object_refs":["indicator--6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0","relationship--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]}`),
		json.RawMessage(`{"type":"indicator","spec_version":"2.1","id":"indicator--6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[domain-name:value = 'posted.example.org']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}`),
		json.RawMessage(`{"type":"relationship","spec_version":"2.1","id":"relationship--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","relationship_type":"indicates","source_ref":"indicator--6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0","target_ref":"malware--1"}`),
	}
	st, err := c.AddObjects(ctx, f.root, PublishedID(), objs)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != "complete" || st.TotalCount != 4 || st.SuccessCount != 3 || st.FailureCount != 1 ||
		!strings.Contains(st.Failures[0].Message, "relationship") {
		t.Errorf("status %+v", st)
	}
	again, err := c.Status(ctx, f.root, st.ID)
	if err != nil || again.ID != st.ID || again.SuccessCount != 3 {
		t.Errorf("status again %+v, %v", again, err)
	}
	if _, err := f.client("user2").Status(ctx, f.root, st.ID); err == nil {
		t.Error("another user read the status")
	}
	e, err := f.Svc.ViewEvent(ctx, f.ACL("admin"), "5e1c7d2a-9b8f-4c3e-a1d2-3f4e5a6b7c8d", intelView())
	if err != nil {
		t.Fatal(err)
	}
	if e.Info != "Posted over TAXII" || len(e.Attribute) != 1 || e.Attribute[0].Value != "posted.example.org" ||
		int64(e.OrgID) != int64(f.Orgs[inteltest.HostOrg].ID) || !bool(e.Published) {
		t.Errorf("stored event %+v", e)
	}
	p, err := c.Object(ctx, f.root, PublishedID(), "report--5e1c7d2a-9b8f-4c3e-a1d2-3f4e5a6b7c8d", taxii.Query{})
	if err != nil || len(p.Objects) != 1 {
		t.Fatalf("object %+v, %v", p, err)
	}
	v, err := c.ObjectVersions(ctx, f.root, PublishedID(), "report--5e1c7d2a-9b8f-4c3e-a1d2-3f4e5a6b7c8d", taxii.Query{})
	if err != nil || len(v.Versions) != 1 {
		t.Errorf("versions %+v, %v", v, err)
	}
	m, err := c.Manifest(ctx, f.root, PublishedID(), taxii.Query{})
	if err != nil || len(m.Objects) != 3 || m.Objects[0].MediaType != "application/stix+json;version=2.1" {
		t.Errorf("manifest %+v, %v", m, err)
	}
	if _, err := c.Object(ctx, f.root, PublishedID(), "indicator--00000000-0000-4000-8000-000000000000", taxii.Query{}); !isStatus(err, 404) {
		t.Errorf("missing object: %v", err)
	}
	big := []json.RawMessage{json.RawMessage(`{"type":"note","id":"note--1","content":"` + strings.Repeat("x", 5000) + `"}`)}
	if _, err := c.AddObjects(ctx, f.root, PublishedID(), big); !isStatus(err, 413) {
		t.Errorf("body over the limit: %v", err)
	}
}

func isStatus(err error, status int) bool {
	var te *taxii.Error
	return errors.As(err, &te) && te.StatusCode == status
}

// TestPageSizeLimits: without limit a page holds PageSize objects; a limit above MaxPageSize is cut to it.
func TestPageSizeLimits(t *testing.T) {
	f := newFixture(t, taxiisrv.Deps{PageSize: 3, MaxPageSize: 5})
	for i := range 4 {
		f.addEvent(t, "admin", fmt.Sprintf("e%d", i), 2, nil)
	}
	c := f.client("user")
	for _, tc := range []struct{ limit, want int }{{0, 3}, {4, 4}, {50, 5}} {
		p, err := c.Objects(context.Background(), f.root, PublishedID(), taxii.Query{Limit: tc.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Objects) != tc.want || !p.More || p.Next == "" {
			t.Errorf("limit %d: %d objects (more %v), want %d", tc.limit, len(p.Objects), p.More, tc.want)
		}
	}
}

func intelView() intel.EventViewOptions { return intel.EventViewOptions{} }

// TestMatchFilters: match[type], match[id], match[spec_version] and match[version] select among a collection's
// objects, on the objects and manifest endpoints alike.
func TestMatchFilters(t *testing.T) {
	f := newFixture(t, taxiisrv.Deps{})
	ctx := context.Background()
	var evs []*misp.Event
	for i := range 3 {
		evs = append(evs, f.addEvent(t, "admin", fmt.Sprintf("match %d", i), 2, nil))
	}
	c := f.client("user")
	count := func(q taxii.Query) (objects, manifest int) {
		t.Helper()
		p, err := c.Objects(ctx, f.root, PublishedID(), q)
		if err != nil {
			t.Fatal(err)
		}
		m, err := c.Manifest(ctx, f.root, PublishedID(), q)
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Objects), len(m.Objects)
	}
	report := "report--" + evs[1].UUID
	for _, tc := range []struct {
		name string
		q    taxii.Query
		want int
	}{
		{"all", taxii.Query{}, 12},
		{"type", taxii.Query{Types: []string{"indicator"}}, 6},
		{"types", taxii.Query{Types: []string{"indicator", "report"}}, 9},
		{"id", taxii.Query{IDs: []string{report}}, 1},
		{"spec 2.1", taxii.Query{SpecVersions: []string{"2.1"}}, 12},
		{"spec 2.0", taxii.Query{SpecVersions: []string{"2.0"}}, 0},
		{"version all", taxii.Query{IDs: []string{report}, Versions: []string{"all"}}, 1},
		{"version first", taxii.Query{IDs: []string{report}, Versions: []string{"first"}}, 1},
		{"version at", taxii.Query{IDs: []string{report}, Versions: []string{evs[1].Timestamp.Time().Format("2006-01-02T15:04:05.000Z")}}, 1},
		{"version other", taxii.Query{IDs: []string{report}, Versions: []string{"2001-01-01T00:00:00.000Z"}}, 0},
	} {
		o, m := count(tc.q)
		if o != tc.want || m != tc.want {
			t.Errorf("%s: %d objects, %d manifest rows, want %d", tc.name, o, m, tc.want)
		}
	}
	if _, err := c.Objects(ctx, f.root, PublishedID(), taxii.Query{Versions: []string{"newest"}}); !isStatus(err, 400) {
		t.Errorf("bad match[version]: %v", err)
	}
}

// TestEditedEventMovesToTheEnd: an event edited while a client pages comes again after the position reached,
// as its newer version; nothing else repeats.
func TestEditedEventMovesToTheEnd(t *testing.T) {
	f := newFixture(t, taxiisrv.Deps{})
	ctx := context.Background()
	var evs []*misp.Event
	for i := range 4 {
		evs = append(evs, f.addEvent(t, "admin", fmt.Sprintf("edit %d", i), 1, nil))
	}
	c := f.client("user")
	var reports []string
	page := 0
	err := c.AllObjects(ctx, f.root, PublishedID(), taxii.Query{Limit: 3, Types: []string{"report"}}, func(p *taxii.Page) error {
		page++
		for _, o := range decode(t, p.Objects) {
			reports = append(reports, o.ID)
		}
		if page == 1 {
			time.Sleep(1100 * time.Millisecond)
			e := *evs[0]
			e.Info = "edited"
			e.Timestamp = 0
			if _, err := f.Svc.EditEvent(ctx, f.ACL("admin"), evs[0].UUID, &e, true); err != nil {
				t.Fatal(err)
			}
			if _, err := f.Svc.PublishEvent(ctx, f.ACL("admin"), evs[0].UUID); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"report--" + evs[0].UUID, "report--" + evs[1].UUID, "report--" + evs[2].UUID, "report--" + evs[3].UUID,
		"report--" + evs[0].UUID}
	if strings.Join(reports, " ") != strings.Join(want, " ") {
		t.Errorf("reports in order %v, want %v", reports, want)
	}
}

// BenchmarkObjectsPage serves the first page (of 100, and of 1000 objects) of a collection of 200 events with
// 4 attributes each (10 objects an event: identity, report, 2 indicators, 2 observed-data with their network
// traffic and address), and the whole collection in pages of 100: the figure to watch is
// objects/s.
func BenchmarkObjectsPage(b *testing.B) {
	f := &fixture{Fixture: inteltest.New(b, inteltest.Options{})}
	mux := http.NewServeMux()
	mux.Handle(taxiisrv.Prefix, taxiisrv.New(taxiisrv.Deps{Intel: f.Svc, InstanceUUID: instance}))
	f.srv = httptest.NewServer(mux)
	defer f.srv.Close()
	f.root = f.srv.URL + taxiisrv.APIRoot
	ctx := context.Background()
	for i := range 200 {
		e := &misp.Event{Info: fmt.Sprintf("bench %d", i), Distribution: misp.Distribution("3")}
		for j := range 4 {
			e.Attribute = append(e.Attribute, misp.Attribute{Type: "ip-dst", Category: "Network activity",
				Value: fmt.Sprintf("10.%d.%d.%d", i/250, i%250, j), ToIDS: misp.OptBoolOf(j%2 == 0)})
		}
		got, err := f.Svc.AddEvent(ctx, f.ACL("admin"), e, false)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Svc.PublishEvent(ctx, f.ACL("admin"), got.UUID); err != nil {
			b.Fatal(err)
		}
	}
	c := f.client("user")
	for _, limit := range []int{100, 1000} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
			n := 0
			for b.Loop() {
				p, err := c.Objects(ctx, f.root, PublishedID(), taxii.Query{Limit: limit})
				if err != nil {
					b.Fatal(err)
				}
				n += len(p.Objects)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "objects/s")
		})
	}
	b.Run("whole collection, limit=100", func(b *testing.B) {
		n := 0
		for b.Loop() {
			if err := c.AllObjects(ctx, f.root, PublishedID(), taxii.Query{Limit: 100}, func(p *taxii.Page) error {
				n += len(p.Objects)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		if n%2000 != 0 {
			b.Fatalf("%d objects pulled, not a multiple of the collection's 2000", n)
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "objects/s")
	})
}
