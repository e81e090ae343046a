package mispapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/server/mispapi"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/sqlite"
)

// The three organisations every instance of the sync tests knows, by fixed uuids: each instance is run by one.
var syncOrgs = []struct{ name, uuid string }{
	{"Org A", "aaaaaaaa-0000-4000-8000-000000000001"},
	{"Org B", "bbbbbbbb-0000-4000-8000-000000000002"},
	{"Org C", "cccccccc-0000-4000-8000-000000000003"},
}

// syncInstance is one hunch instance of the sync tests: a real SQLite store, the intel service and the MISP API
// on a loopback httptest server.
type syncInstance struct {
	name  string
	svc   *intel.Service
	st    store.Intel
	srv   *httptest.Server
	orgs  map[string]*misp.Organisation // by name
	admin acl.User
}

// newSyncInstance builds an instance run by organisation host, with a site admin of it.
func newSyncInstance(t testing.TB, name, host string) *syncInstance {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "hunch.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	in := &syncInstance{name: name, st: db, orgs: map[string]*misp.Organisation{}}
	for _, o := range syncOrgs {
		org := &misp.Organisation{Name: o.name, UUID: o.uuid, Local: true}
		if err := db.CreateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		in.orgs[o.name] = org
	}
	if err := db.PutSetting(ctx, intel.SettingHostOrgID, in.orgs[host].ID.String()); err != nil {
		t.Fatal(err)
	}
	in.svc, err = intel.New(ctx, db, intel.Options{ServerKeyFile: filepath.Join(dir, "server.key")})
	if err != nil {
		t.Fatal(err)
	}
	in.admin = in.addUser(t, "admin@"+name, host, acl.RoleAdmin)
	in.srv = httptest.NewServer(mispapi.New(mispapi.Deps{Intel: in.svc}))
	t.Cleanup(in.srv.Close)
	return in
}

// addUser adds a user and returns it as the service sees it; key receives its API key when not nil.
func (in *syncInstance) addUser(t testing.TB, email, org string, role int64, key ...*string) acl.User {
	t.Helper()
	ctx := context.Background()
	u := &misp.User{Email: email, OrgID: in.orgs[org].ID, RoleID: misp.FlexInt(role)}
	k, err := in.svc.AddUser(ctx, intel.System, u)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) > 0 {
		*key[0] = k
	}
	if err := in.svc.FillUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := in.svc.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	return intel.ACLUser(u, false)
}

// link makes a sync user of organisation asOrg on remote and a server entry on in pointing at it.
func (in *syncInstance) link(t *testing.T, remote *syncInstance, asOrg, remoteOrg string, push, pull bool) int64 {
	t.Helper()
	var key string
	remote.addUser(t, "sync-"+in.name+"@"+remote.name, asOrg, acl.RoleSyncUser, &key)
	sv, err := in.svc.AddServer(context.Background(), in.admin, &misp.Server{Name: remote.name, URL: remote.srv.URL,
		Authkey: key, RemoteOrgID: in.orgs[remoteOrg].ID, Push: misp.FlexBool(push), Pull: misp.FlexBool(pull)})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sv.Authkey, key[4:36]) {
		t.Fatalf("AddServer answered the key in clear: %q", sv.Authkey)
	}
	return int64(sv.ID)
}

// sharingGroup makes a sharing group on in with the given member organisations and servers.
func (in *syncInstance) sharingGroup(t *testing.T, name string, orgs []string, servers ...int64) *misp.SharingGroup {
	t.Helper()
	sg := &misp.SharingGroup{Name: name, Releasability: "test"}
	for _, o := range orgs {
		sg.SharingGroupOrg = append(sg.SharingGroupOrg, misp.SharingGroupOrg{OrgID: in.orgs[o].ID})
	}
	for _, s := range servers {
		sg.SharingGroupServer = append(sg.SharingGroupServer, misp.SharingGroupServer{ServerID: misp.FlexInt(s)})
	}
	if err := in.svc.AddSharingGroup(context.Background(), in.admin, sg); err != nil {
		t.Fatal(err)
	}
	return sg
}

func dist(n int) misp.Distribution {
	d, ok := misp.DistributionOf(n)
	if !ok {
		panic(n)
	}
	return d
}

// syncEvent is one event of the table: its distribution, sharing group, published flag and tags.
type syncEvent struct {
	info      string
	dist      int
	sg        *misp.SharingGroup
	published bool
	tags      []string
	// attrDists, when set, gives the event one attribute per distribution (4 uses sg4).
	attrDists []int
	sg4       *misp.SharingGroup
}

// addEvent stores ev on in as its admin and returns its uuid.
func (in *syncInstance) addEvent(t *testing.T, ev syncEvent) string {
	t.Helper()
	e := &misp.Event{Info: ev.info, Distribution: dist(ev.dist), Published: misp.FlexBool(ev.published)}
	if ev.sg != nil {
		e.SharingGroupID = ev.sg.ID
	}
	for _, tag := range ev.tags {
		e.Tag = append(e.Tag, misp.Tag{Name: tag})
	}
	e.Attribute = append(e.Attribute, misp.Attribute{Type: "domain", Value: strings.ReplaceAll(ev.info, " ", "-") + ".example"})
	for i, d := range ev.attrDists {
		a := misp.Attribute{Type: "ip-dst", Value: "198.51.100." + string(rune('1'+i)), Distribution: dist(d),
			Comment: "attr-dist-" + string(rune('0'+d))}
		if d == 4 {
			a.SharingGroupID = ev.sg4.ID
		}
		e.Attribute = append(e.Attribute, a)
	}
	saved, err := in.svc.AddEvent(context.Background(), in.admin, e, false)
	if err != nil {
		t.Fatalf("%s: add event %q: %v", in.name, ev.info, err)
	}
	return saved.UUID
}

// held is what an instance holds of one event.
type held struct {
	dist      int
	sgUUID    string
	orgcUUID  string
	timestamp misp.Timestamp
	attrs     []string // comments of the attributes, sorted
	locked    bool
}

// holdings reads every event of in by uuid.
func (in *syncInstance) holdings(t *testing.T) map[string]held {
	t.Helper()
	out := map[string]held{}
	f := store.EventFilter{Conditions: acl.Conditions{Unrestricted: true}, Deleted: store.LiveAndDeleted}
	for e, err := range in.st.SearchEvents(context.Background(), f) {
		if err != nil {
			t.Fatal(err)
		}
		full, err := in.st.Event(context.Background(), int64(e.ID))
		if err != nil {
			t.Fatal(err)
		}
		h := held{dist: full.Distribution.Level(), timestamp: full.Timestamp, locked: bool(full.Locked)}
		if full.Orgc != nil {
			h.orgcUUID = full.Orgc.UUID
		}
		if full.SharingGroupID != 0 {
			sg, err := in.st.SharingGroup(context.Background(), int64(full.SharingGroupID))
			if err != nil {
				t.Fatal(err)
			}
			h.sgUUID = sg.UUID
		}
		for _, a := range full.Attribute {
			c := a.Comment
			if c == "" {
				c = "main"
			}
			h.attrs = append(h.attrs, c+"@"+string(rune('0'+a.Distribution.Level())))
		}
		sort.Strings(h.attrs)
		out[full.UUID] = h
	}
	return out
}

// TestSync is the acceptance table of synchronisation between real instances on loopback: which event
// arrives where, with which distribution, after a push A→B, a pull B←A, and a pull C←B after that; a second
// run of each changes nothing.
func TestSync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three instances")
	}
	ctx := context.Background()

	// Push: A → B.
	a := newSyncInstance(t, "A", "Org A")
	b := newSyncInstance(t, "B", "Org B")
	c := newSyncInstance(t, "C", "Org C")
	aToB := a.link(t, b, "Org A", "Org B", true, true) // A pushes to B as B's sync user of Org A
	sgIn := a.sharingGroup(t, "sg-in", []string{"Org A", "Org B"}, aToB)
	sgOut := a.sharingGroup(t, "sg-out", []string{"Org A", "Org C"})
	// Push rules of A's link to B: nothing tagged tlp:red.
	sv, err := a.svc.EditServer(ctx, a.admin, aToB, &misp.Server{PushRules: misp.SyncRules{Tags: misp.RuleList{NOT: []string{"tlp:red"}}}}, []string{"push_rules"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sv.PushRules.Tags.NOT) != 1 {
		t.Fatalf("push rules not saved: %+v", sv.PushRules)
	}

	events := []syncEvent{
		{info: "d0", dist: 0, published: true},
		{info: "d1", dist: 1, published: true},
		{info: "d2", dist: 2, published: true},
		{info: "d3", dist: 3, published: true},
		{info: "d4 in", dist: 4, sg: sgIn, published: true},
		{info: "d4 out", dist: 4, sg: sgOut, published: true},
		{info: "d3 unpublished", dist: 3, published: false},
		{info: "d3 red", dist: 3, published: true, tags: []string{"tlp:red"}},
		{info: "d3 mixed", dist: 3, published: true, attrDists: []int{0, 1, 2, 3, 4, 5}, sg4: sgOut},
	}
	uuids := map[string]string{}
	for _, ev := range events {
		uuids[ev.info] = a.addEvent(t, ev)
	}
	aHeld := a.holdings(t)

	// B pulls from A as A's sync user of Org B; C pulls from B as B's sync user of Org C.
	bFromA := b.link(t, a, "Org B", "Org A", false, true)
	cFromB := c.link(t, b, "Org C", "Org B", false, true)

	type want struct {
		dist  int      // -1: absent
		attrs []string // when set, the attributes expected (comment@distribution)
	}
	absent := want{dist: -1}
	table := []struct {
		info       string
		push, pull want // B after A's push; B after its pull from A (on a fresh B′, below)
		chain      want // C after pulling from B′
	}{
		{"d0", absent, absent, absent},
		{"d1", absent, want{dist: 0}, absent},
		{"d2", want{dist: 1}, want{dist: 1}, want{dist: 0}},
		{"d3", want{dist: 3}, want{dist: 3}, want{dist: 3}},
		{"d4 in", want{dist: 4}, want{dist: 4}, absent},
		{"d4 out", absent, absent, absent},
		{"d3 unpublished", absent, absent, absent},
		{"d3 red", absent, want{dist: 3}, want{dist: 3}},
		{"d3 mixed",
			want{dist: 3, attrs: []string{"attr-dist-2@1", "attr-dist-3@3", "attr-dist-5@5", "main@5"}},
			want{dist: 3, attrs: []string{"attr-dist-1@0", "attr-dist-2@1", "attr-dist-3@3", "attr-dist-5@5", "main@5"}},
			want{dist: 3, attrs: []string{"attr-dist-2@0", "attr-dist-3@3", "attr-dist-5@5", "main@5"}}},
	}
	check := func(t *testing.T, in *syncInstance, col func(i int) want) map[string]held {
		t.Helper()
		got := in.holdings(t)
		for i, row := range table {
			w := col(i)
			h, ok := got[uuids[row.info]]
			switch {
			case w.dist < 0 && ok:
				t.Errorf("%s holds %q (distribution %d), want it absent", in.name, row.info, h.dist)
			case w.dist < 0:
			case !ok:
				t.Errorf("%s lacks %q, want it at distribution %d", in.name, row.info, w.dist)
			default:
				if h.dist != w.dist {
					t.Errorf("%s holds %q at distribution %d, want %d", in.name, row.info, h.dist, w.dist)
				}
				src := aHeld[uuids[row.info]]
				if h.orgcUUID != syncOrgs[0].uuid || h.timestamp != src.timestamp || !h.locked {
					t.Errorf("%s holds %q with orgc %s timestamp %d locked %v, want orgc %s timestamp %d locked",
						in.name, row.info, h.orgcUUID, h.timestamp, h.locked, syncOrgs[0].uuid, src.timestamp)
				}
				if row.info == "d4 in" && h.sgUUID != sgIn.UUID {
					t.Errorf("%s holds %q with sharing group %q, want %q", in.name, row.info, h.sgUUID, sgIn.UUID)
				}
				if w.attrs != nil && strings.Join(h.attrs, " ") != strings.Join(w.attrs, " ") {
					t.Errorf("%s holds %q with attributes %v, want %v", in.name, row.info, h.attrs, w.attrs)
				}
			}
		}
		return got
	}

	t.Run("push", func(t *testing.T) {
		res, err := a.svc.PushServer(ctx, a.admin, aToB, intel.TechniqueFull)
		if err != nil {
			t.Fatalf("push: %v (%+v)", err, res)
		}
		if len(res.Failed) != 0 {
			t.Fatalf("push failures: %v", res.Failed)
		}
		first := check(t, b, func(i int) want { return table[i].push })
		again, err := a.svc.PushServer(ctx, a.admin, aToB, intel.TechniqueFull)
		if err != nil || len(again.Done) != 0 || again.UpToDate != len(res.Done) {
			t.Fatalf("second push: done %v, up to date %d, err %v; want nothing done and %d up to date",
				again.Done, again.UpToDate, err, len(res.Done))
		}
		if second := b.holdings(t); !sameHoldings(first, second) {
			t.Errorf("a second push changed B:\n%v\n%v", first, second)
		}
		srv, err := a.st.Server(ctx, aToB)
		if err != nil {
			t.Fatal(err)
		}
		if srv.LastPushedID == 0 {
			t.Error("push saved no progress")
		}
	})

	t.Run("pull and chain", func(t *testing.T) {
		// B pulls what A shows B's organisation; the events pushed above are there already at the same
		// timestamp and stay as they are (loop prevention). Compare on a B without the pushed events: remove them.
		pushed := b.holdings(t)
		for uuid := range pushed {
			e, err := b.st.EventByUUID(ctx, uuid)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.st.DeleteEvent(ctx, int64(e.ID)); err != nil {
				t.Fatal(err)
			}
		}
		res, err := b.svc.PullServer(ctx, b.admin, bFromA, intel.TechniqueFull)
		if err != nil {
			t.Fatalf("pull: %v (%+v)", err, res)
		}
		if len(res.Failed) != 0 {
			t.Fatalf("pull failures: %v", res.Failed)
		}
		first := check(t, b, func(i int) want { return table[i].pull })
		again, err := b.svc.PullServer(ctx, b.admin, bFromA, intel.TechniqueFull)
		if err != nil || len(again.Done) != 0 {
			t.Fatalf("second pull: done %v, err %v; want nothing done", again.Done, err)
		}
		if second := b.holdings(t); !sameHoldings(first, second) {
			t.Errorf("a second pull changed B")
		}
		// A pushing to B now sends nothing: B holds everything at A's timestamps.
		push, err := a.svc.PushServer(ctx, a.admin, aToB, intel.TechniqueFull)
		if err != nil || len(push.Done) != 0 {
			t.Errorf("push after pull: done %v, err %v; want nothing", push.Done, err)
		}

		res, err = c.svc.PullServer(ctx, c.admin, cFromB, intel.TechniqueFull)
		if err != nil {
			t.Fatalf("chain pull: %v", err)
		}
		check(t, c, func(i int) want { return table[i].chain })
		again, err = c.svc.PullServer(ctx, c.admin, cFromB, intel.TechniqueFull)
		if err != nil || len(again.Done) != 0 {
			t.Fatalf("second chain pull: done %v, err %v; want nothing done", again.Done, err)
		}
	})
}

func sameHoldings(x, y map[string]held) bool {
	if len(x) != len(y) {
		return false
	}
	for k, v := range x {
		w, ok := y[k]
		if !ok || v.dist != w.dist || v.timestamp != w.timestamp || strings.Join(v.attrs, " ") != strings.Join(w.attrs, " ") {
			return false
		}
	}
	return true
}

// failingRemote forwards to next until it has passed pushes event adds, then answers mode (403, 500 or garbage).
type failingRemote struct {
	next   http.Handler
	pushes atomic.Int64
	after  int64
	mode   atomic.Value // string: "", "403", "500", "garbage"
}

func (f *failingRemote) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mode, _ := f.mode.Load().(string)
	isAdd := strings.HasPrefix(r.URL.Path, "/events/add") || strings.HasPrefix(r.URL.Path, "/events/index")
	if mode != "" && isAdd && f.pushes.Load() >= f.after {
		switch mode {
		case "403":
			http.Error(w, `{"name":"Authentication failed.","message":"Authentication failed.","url":"/"}`, http.StatusForbidden)
		case "500":
			http.Error(w, `{"name":"An Internal Error Has Occurred.","message":"An Internal Error Has Occurred.","url":"/"}`, http.StatusInternalServerError)
		case "garbage":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`<html>proxy error</html>`))
		}
		return
	}
	if strings.HasPrefix(r.URL.Path, "/events/add") {
		f.pushes.Add(1)
	}
	f.next.ServeHTTP(w, r)
}

// TestSyncRemoteFailures: a remote answering 403, 500 or garbage part-way gives an error naming the server, the
// progress saved so far stays, and a resumed run delivers the rest exactly once.
func TestSyncRemoteFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds instances")
	}
	ctx := context.Background()
	for _, mode := range []string{"500", "403", "garbage"} {
		t.Run(mode, func(t *testing.T) {
			a := newSyncInstance(t, "A", "Org A")
			b := newSyncInstance(t, "B", "Org B")
			fr := &failingRemote{next: b.srv.Config.Handler, after: 3}
			proxy := httptest.NewServer(fr)
			t.Cleanup(proxy.Close)
			var key string
			b.addUser(t, "sync@b", "Org A", acl.RoleSyncUser, &key)
			sv, err := a.svc.AddServer(ctx, a.admin, &misp.Server{Name: "flaky B", URL: proxy.URL, Authkey: key,
				RemoteOrgID: a.orgs["Org B"].ID, Push: true, Pull: true})
			if err != nil {
				t.Fatal(err)
			}
			var all []string
			for i := range 8 {
				all = append(all, a.addEvent(t, syncEvent{info: "event " + string(rune('a'+i)), dist: 3, published: true}))
			}
			fr.mode.Store(mode)
			res, err := a.svc.PushServer(ctx, a.admin, int64(sv.ID), intel.TechniqueFull)
			if mode == "403" {
				// A refused event is reported and the run goes on; the progress stops before it.
				if err != nil {
					t.Fatalf("push: %v", err)
				}
				if len(res.Failed) != 5 || !strings.Contains(strings.Join(values(res.Failed), " "), "flaky B") {
					t.Fatalf("push failures %v, want 5 naming the server", res.Failed)
				}
			} else if err == nil || !strings.Contains(err.Error(), `"flaky B"`) {
				t.Fatalf("push error %v, want one naming the server", err)
			}
			stored, err := a.st.Server(ctx, int64(sv.ID))
			if err != nil {
				t.Fatal(err)
			}
			first, _ := a.st.EventByUUID(ctx, all[0])
			if int64(stored.LastPushedID) != int64(first.ID)+2 {
				t.Errorf("progress %d after 3 delivered events, want %d", stored.LastPushedID, int64(first.ID)+2)
			}
			if got := len(b.holdings(t)); got != 3 {
				t.Errorf("B holds %d events after the failure, want 3", got)
			}
			// The pull side of the same remote fails on its index with an error naming it.
			if _, err := a.svc.PullServer(ctx, a.admin, int64(sv.ID), intel.TechniqueFull); err == nil ||
				!strings.Contains(err.Error(), `"flaky B"`) {
				t.Errorf("pull error %v, want one naming the server", err)
			}
			fr.mode.Store("")
			res, err = a.svc.PushServer(ctx, a.admin, int64(sv.ID), intel.TechniqueIncremental)
			if err != nil || len(res.Done) != 5 {
				t.Fatalf("resumed push: done %d, err %v; want the 5 left", len(res.Done), err)
			}
			got := b.holdings(t)
			for _, u := range all {
				if _, ok := got[u]; !ok {
					t.Errorf("B lacks %s after the resumed push", u)
				}
			}
			if len(got) != len(all) {
				t.Errorf("B holds %d events, want %d", len(got), len(all))
			}
		})
	}
}

func values(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestServersAPI drives servers/add, edit, index, testConnection and delete over HTTP as PyMISP's test_servers
// does, and checks that only site admins get in and that the remote key never comes back in full.
func TestServersAPI(t *testing.T) {
	a := newSyncInstance(t, "A", "Org A")
	b := newSyncInstance(t, "B", "Org B")
	var adminKey, orgAdminKey, syncKey string
	a.addUser(t, "root@a", "Org A", acl.RoleAdmin, &adminKey)
	a.addUser(t, "oa@a", "Org A", acl.RoleOrgAdmin, &orgAdminKey)
	b.addUser(t, "sync@b", "Org A", acl.RoleSyncUser, &syncKey)
	call := func(key, method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, a.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", key)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var sb strings.Builder
		_, _ = io.Copy(&sb, resp.Body)
		return resp.StatusCode, sb.String()
	}
	add := `{"Server":{"name":"Test Server","url":"` + b.srv.URL + `","remote_org_id":` + a.orgs["Org B"].ID.String() +
		`,"authkey":"` + syncKey + `","push":true}}`
	if code, _ := call(orgAdminKey, http.MethodPost, "/servers/add", add); code != http.StatusForbidden {
		t.Errorf("org admin servers/add: %d, want 403", code)
	}
	code, body := call(adminKey, http.MethodPost, "/servers/add", add)
	if code != http.StatusOK || strings.Contains(body, syncKey) || !strings.Contains(body, `"name":"Test Server"`) {
		t.Fatalf("servers/add: %d %s", code, body)
	}
	var added struct {
		Server misp.Server `json:"Server"`
	}
	if err := json.Unmarshal([]byte(body), &added); err != nil {
		t.Fatal(err)
	}
	id := added.Server.ID.String()
	// PyMISP's update_server sends back what it read: the masked key must not replace the stored one.
	added.Server.Name = "Updated name"
	edit, _ := json.Marshal(map[string]any{"Server": added.Server})
	if code, body := call(adminKey, http.MethodPost, "/servers/edit/"+id, string(edit)); code != http.StatusOK ||
		!strings.Contains(body, `"name":"Updated name"`) {
		t.Fatalf("servers/edit: %d %s", code, body)
	}
	if code, body := call(adminKey, http.MethodPost, "/servers/testConnection/"+id, ""); code != http.StatusOK ||
		!strings.Contains(body, `"status":1`) || !strings.Contains(body, `"perm_sync":true`) {
		t.Fatalf("servers/testConnection after the edit: %d %s", code, body)
	}
	code, body = call(adminKey, http.MethodGet, "/servers/index", "")
	if code != http.StatusOK || strings.Contains(body, "authkey") || !strings.Contains(body, `"RemoteOrg":{"id":"`) {
		t.Fatalf("servers/index: %d %s", code, body)
	}
	if code, _ := call(orgAdminKey, http.MethodGet, "/servers/index", ""); code != http.StatusForbidden {
		t.Errorf("org admin servers/index: %d, want 403", code)
	}
	if code, body := call(adminKey, http.MethodGet, "/servers/pull/"+id, ""); code != http.StatusForbidden ||
		!strings.Contains(body, "Pull setting not enabled") {
		t.Errorf("servers/pull without pull: %d %s", code, body)
	}
	if code, body := call(adminKey, http.MethodGet, "/servers/push/"+id+"/full", ""); code != http.StatusOK ||
		!strings.Contains(body, "Push complete. 0 events pushed") {
		t.Errorf("servers/push: %d %s", code, body)
	}
	if code, body := call(adminKey, http.MethodPost, "/events/filterEventIdsForPush", `[{"Event":{"uuid":"5f0e4a4c-0000-4000-8000-000000000001","timestamp":"1"}}]`); code != http.StatusOK ||
		!strings.Contains(body, "5f0e4a4c-0000-4000-8000-000000000001") {
		t.Errorf("filterEventIdsForPush: %d %s", code, body)
	}
	if code, body := call(adminKey, http.MethodPost, "/servers/delete/"+id, ""); code != http.StatusOK ||
		!strings.Contains(body, `"name":"Server deleted"`) {
		t.Fatalf("servers/delete: %d %s", code, body)
	}
	if code, _ := call(adminKey, http.MethodPost, "/servers/delete/"+id, ""); code != http.StatusNotFound {
		t.Errorf("deleting twice: %d, want 404", code)
	}
}

// BenchmarkSyncPush measures a full push of syncBenchEvents published events of syncBenchAttrs attributes each
// from one instance to a fresh one over loopback HTTP, SQLite on both sides.
func BenchmarkSyncPush(b *testing.B) {
	const syncBenchEvents, syncBenchAttrs = 500, 10
	ctx := context.Background()
	a := newSyncInstance(b, "A", "Org A")
	for i := range syncBenchEvents {
		e := &misp.Event{Info: "bench " + strconv.Itoa(i), Distribution: dist(3), Published: true}
		for j := range syncBenchAttrs {
			e.Attribute = append(e.Attribute, misp.Attribute{Type: "ip-dst", Value: fmt.Sprintf("10.%d.%d.%d", i/250, i%250, j)})
		}
		if _, err := a.svc.AddEvent(ctx, a.admin, e, true); err != nil {
			b.Fatal(err)
		}
	}
	var events, attrs int
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		r := newSyncInstance(b, "B", "Org B")
		var key string
		r.addUser(b, "sync@b", "Org A", acl.RoleSyncUser, &key)
		sv, err := a.svc.AddServer(ctx, a.admin, &misp.Server{Name: "B", URL: r.srv.URL, Authkey: key,
			RemoteOrgID: a.orgs["Org B"].ID, Push: true})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		res, err := a.svc.PushServer(ctx, a.admin, int64(sv.ID), intel.TechniqueFull)
		elapsed += time.Since(start)
		if err != nil || len(res.Done) != syncBenchEvents {
			b.Fatalf("push: %d events, %v", len(res.Done), err)
		}
		events += len(res.Done)
		attrs += res.Attributes
	}
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(attrs)/elapsed.Seconds(), "attributes/s")
}
