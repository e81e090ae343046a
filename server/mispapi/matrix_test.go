package mispapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/sqlite"
)

// The access-control matrix through the API: three organisations, a user of each of the six roles in each,
// events of every owner × distribution 0–4 (two sharing groups) × published or not, each holding attributes of
// every distribution 0–5 and an object; every read path (events/view, events/index, events/restSearch,
// attributes/restSearch as json, csv and text, sightings/listSightings) must return exactly what acl's pure
// decisions allow, and every write (attributes/add, events/edit, events/publish) must be answered as the policy
// decides, with MISP's status and message, writing nothing when refused.

type matrixInstance struct {
	a      *api
	st     store.Intel
	users  []matrixUser
	events []*misp.Event
	orgs   [3]*misp.Organisation
	sgs    [2]*misp.SharingGroup
	// byValue maps an attribute value to its uuid (values are unique).
	byValue map[string]string
}

type matrixUser struct {
	name string
	user *misp.User
	key  string
}

func (m *matrixInstance) acl(u matrixUser) acl.User { return intel.ACLUser(u.user, false) }

func newMatrix(t *testing.T) *matrixInstance {
	ctx := t.Context()
	db, err := sqlite.OpenTemp(ctx, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	m := &matrixInstance{st: db, byValue: map[string]string{}}
	for i, name := range []string{"Host Org", "Partner Org", "Other Org"} {
		o := &misp.Organisation{Name: name, Local: true}
		if err := db.CreateOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
		m.orgs[i] = o
	}
	if err := db.PutSetting(ctx, intel.SettingHostOrgID, m.orgs[0].ID.String()); err != nil {
		t.Fatal(err)
	}
	// Sharing group 1: host and partner; 2: other only (created by host, which therefore does not read it).
	m.sgs[0] = &misp.SharingGroup{Name: "Host and partner", OrgID: m.orgs[0].ID, Active: true,
		SharingGroupOrg: []misp.SharingGroupOrg{{OrgID: m.orgs[0].ID}, {OrgID: m.orgs[1].ID}}}
	m.sgs[1] = &misp.SharingGroup{Name: "Other only", OrgID: m.orgs[0].ID, Active: true,
		SharingGroupOrg: []misp.SharingGroupOrg{{OrgID: m.orgs[2].ID}}}
	for _, sg := range m.sgs {
		if err := db.CreateSharingGroup(ctx, sg); err != nil {
			t.Fatal(err)
		}
	}
	roleNames := map[int64]string{1: "admin", 2: "orgadmin", 3: "user", 4: "publisher", 5: "sync", 6: "readonly"}
	for oi, o := range m.orgs {
		for role := int64(1); role <= 6; role++ {
			name := fmt.Sprintf("%s%d", roleNames[role], oi)
			u := &misp.User{Email: name + "@matrix.test", OrgID: o.ID, RoleID: misp.FlexInt(role)}
			if err := db.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprintf("Mx%02d", oi*6+int(role)) + strings.Repeat("k", 36)
			hash, err := acl.HashKey(key)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.AddAuthKey(ctx, &store.AuthKey{UserID: int64(u.ID), Hash: hash, Start: acl.KeyStart(key),
				End: acl.KeyEnd(key)}); err != nil {
				t.Fatal(err)
			}
			m.users = append(m.users, matrixUser{name: name, user: u, key: key})
		}
	}
	// Events: owner × distribution (4 twice, one per sharing group) × published.
	n := 0
	dists := []struct {
		d  int
		sg int // index+1 into m.sgs, 0 for none
	}{{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 1}, {4, 2}}
	for oi, o := range m.orgs {
		for _, ed := range dists {
			for _, pub := range []bool{false, true} {
				n++
				ev := &misp.Event{Info: fmt.Sprintf("matrix event %d", n), OrgID: o.ID, OrgcID: o.ID,
					Distribution: mdist(ed.d), Published: misp.FlexBool(pub), ThreatLevel: 3, Date: misp.DateOf(fixedNow)}
				if ed.sg > 0 {
					ev.SharingGroupID = m.sgs[ed.sg-1].ID
				}
				ev.UserID = m.users[oi*6+2].user.ID // the org's "user"
				for ai, ad := range append(dists, struct{ d, sg int }{5, 0}) {
					a := misp.Attribute{Type: "ip-dst", Category: "Network activity", ToIDS: misp.OptBoolOf(true),
						Value: fmt.Sprintf("10.%d.%d.1", n, ai), Distribution: mdist(ad.d)}
					if ad.sg > 0 {
						a.SharingGroupID = m.sgs[ad.sg-1].ID
					}
					ev.Attribute = append(ev.Attribute, a)
				}
				// An object only its owner can read (distribution 0) holding an inheriting attribute.
				ev.Object = []misp.Object{{Name: "domain-ip", MetaCategory: "network", Distribution: mdist(0),
					Attribute: []misp.Attribute{{Type: "domain", Category: "Network activity", ObjectRelation: "domain",
						Value: fmt.Sprintf("obj%d.matrix.test", n), Distribution: mdist(5), ToIDS: misp.OptBoolOf(true)}}}}
				if err := db.SaveEvent(ctx, ev); err != nil {
					t.Fatal(err)
				}
				for _, a := range ev.Attribute {
					m.byValue[a.Value] = a.UUID
				}
				for _, a := range ev.Object[0].Attribute {
					m.byValue[a.Value] = a.UUID
				}
				// A sighting of the inheriting attribute from every organisation.
				for _, so := range m.orgs {
					if err := db.AddSighting(ctx, &misp.Sighting{AttributeID: ev.Attribute[len(ev.Attribute)-1].ID,
						OrgID: so.ID, Source: so.Name}); err != nil {
						t.Fatal(err)
					}
				}
				m.events = append(m.events, ev)
			}
		}
	}
	svc, err := intel.New(ctx, db, intel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m.a = &api{h: New(Deps{Intel: svc})}
	return m
}

func mdist(n int) misp.Distribution {
	d, _ := misp.DistributionOf(n)
	return d
}

func (m *matrixInstance) do(t *testing.T, u matrixUser, method, path string, body any) (int, []byte) {
	t.Helper()
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req, _ := http.NewRequest(method, path, bytes.NewReader(data))
	req.Header.Set("Authorization", u.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	rec := &recorder{header: http.Header{}}
	m.a.h.ServeHTTP(rec, req)
	if rec.code >= 500 {
		t.Fatalf("%s %s as %s: %d %s", method, path, u.name, rec.code, rec.body.String())
	}
	return rec.code, rec.body.Bytes()
}

// recorder is a minimal ResponseWriter (httptest's would do; this one keeps the matrix loop light).
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(c int) {
	if r.code == 0 {
		r.code = c
	}
}
func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.body.Write(p)
}

// expected returns, for user u, the uuids of the events and attributes acl lets u read.
func (m *matrixInstance) expected(u matrixUser, pol *acl.Policy) (events map[string]bool, attrs map[string]bool) {
	au := m.acl(u)
	events, attrs = map[string]bool{}, map[string]bool{}
	for _, e := range m.events {
		ev := intel.ACLEvent(e)
		if pol.CanReadEvent(au, ev) != nil {
			continue
		}
		events[e.UUID] = true
		for _, a := range e.Attribute {
			if pol.CanReadElement(au, ev, intel.ACLElement(acl.KindAttribute, a.Distribution, a.SharingGroupID)) == nil {
				attrs[a.UUID] = true
			}
		}
		for _, o := range e.Object {
			oe := intel.ACLElement(acl.KindObject, o.Distribution, o.SharingGroupID)
			for _, a := range o.Attribute {
				if pol.CanReadObjectAttribute(au, ev, oe, intel.ACLElement(acl.KindAttribute, a.Distribution, a.SharingGroupID)) == nil {
					attrs[a.UUID] = true
				}
			}
		}
	}
	return events, attrs
}

func sameSet(t *testing.T, what string, got, want map[string]bool) {
	t.Helper()
	if maps.Equal(got, want) {
		return
	}
	var leaked, missing []string
	for k := range got {
		if !want[k] {
			leaked = append(leaked, k)
		}
	}
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	slices.Sort(leaked)
	slices.Sort(missing)
	t.Errorf("%s: %d leaked %v, %d missing %v", what, len(leaked), first5(leaked), len(missing), first5(missing))
}

func first5(s []string) []string { return s[:min(len(s), 5)] }

type wireAttr struct {
	UUID  string `json:"uuid"`
	Value string `json:"value"`
}

type wireEvent struct {
	UUID      string     `json:"uuid"`
	Attribute []wireAttr `json:"Attribute"`
	Object    []struct {
		Attribute []wireAttr `json:"Attribute"`
	} `json:"Object"`
}

func (e *wireEvent) attrs(into map[string]bool) {
	for _, a := range e.Attribute {
		into[a.UUID] = true
	}
	for _, o := range e.Object {
		for _, a := range o.Attribute {
			into[a.UUID] = true
		}
	}
}

func TestAccessMatrixReadPaths(t *testing.T) {
	if testing.Short() {
		t.Skip("the access matrix makes about 2,000 requests; skipped with -short")
	}
	m := newMatrix(t)
	pol := m.a.h.(*handler).svc.Policy()
	for _, u := range m.users {
		t.Run(u.name, func(t *testing.T) {
			wantEvents, wantAttrs := m.expected(u, pol)
			allInRestSearch := map[string]any{"returnFormat": "json", "published": []int{0, 1}, "to_ids": []int{0, 1}}

			// events/view, one event at a time: readable events answer 200 with exactly the readable elements.
			gotEvents, gotAttrs := map[string]bool{}, map[string]bool{}
			for _, e := range m.events {
				code, body := m.do(t, u, "GET", "/events/view/"+e.UUID, nil)
				switch code {
				case http.StatusOK:
					var v struct{ Event wireEvent }
					if err := json.Unmarshal(body, &v); err != nil {
						t.Fatalf("events/view %s: %v", e.UUID, err)
					}
					gotEvents[v.Event.UUID] = true
					v.Event.attrs(gotAttrs)
				case http.StatusNotFound:
				default:
					t.Fatalf("events/view %s: %d %s", e.UUID, code, body)
				}
				if hc, _ := m.do(t, u, "HEAD", "/events/view/"+e.UUID, nil); hc != code {
					t.Errorf("HEAD events/view %s = %d, GET = %d", e.UUID, hc, code)
				}
			}
			sameSet(t, "events/view events", gotEvents, wantEvents)
			sameSet(t, "events/view attributes", gotAttrs, wantAttrs)

			// events/index.
			code, body := m.do(t, u, "GET", "/events/index", nil)
			if code != http.StatusOK {
				t.Fatalf("events/index: %d %s", code, body)
			}
			var index []struct {
				UUID string `json:"uuid"`
			}
			if err := json.Unmarshal(body, &index); err != nil {
				t.Fatalf("events/index: %v", err)
			}
			got := map[string]bool{}
			for _, e := range index {
				got[e.UUID] = true
			}
			sameSet(t, "events/index", got, wantEvents)

			// events/restSearch json.
			code, body = m.do(t, u, "POST", "/events/restSearch", allInRestSearch)
			if code != http.StatusOK {
				t.Fatalf("events/restSearch: %d %s", code, body)
			}
			var es struct {
				Response []struct{ Event wireEvent } `json:"response"`
			}
			if err := json.Unmarshal(body, &es); err != nil {
				t.Fatalf("events/restSearch: %v", err)
			}
			gotEvents, gotAttrs = map[string]bool{}, map[string]bool{}
			for _, e := range es.Response {
				gotEvents[e.Event.UUID] = true
				e.Event.attrs(gotAttrs)
			}
			sameSet(t, "events/restSearch events", gotEvents, wantEvents)
			sameSet(t, "events/restSearch attributes", gotAttrs, wantAttrs)

			// attributes/restSearch json, csv and text.
			code, body = m.do(t, u, "POST", "/attributes/restSearch", allInRestSearch)
			if code != http.StatusOK {
				t.Fatalf("attributes/restSearch: %d %s", code, body)
			}
			var as struct {
				Response struct{ Attribute []wireAttr } `json:"response"`
			}
			if err := json.Unmarshal(body, &as); err != nil {
				t.Fatalf("attributes/restSearch: %v", err)
			}
			got = map[string]bool{}
			for _, a := range as.Response.Attribute {
				got[a.UUID] = true
			}
			sameSet(t, "attributes/restSearch json", got, wantAttrs)

			csvQuery := maps.Clone(allInRestSearch)
			csvQuery["returnFormat"] = "csv"
			code, body = m.do(t, u, "POST", "/attributes/restSearch", csvQuery)
			if code != http.StatusOK {
				t.Fatalf("attributes/restSearch csv: %d %s", code, body)
			}
			rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
			if err != nil || len(rows) == 0 || rows[0][0] != "uuid" {
				t.Fatalf("csv export: %v, %d rows", err, len(rows))
			}
			got = map[string]bool{}
			for _, r := range rows[1:] {
				got[r[0]] = true
			}
			sameSet(t, "attributes/restSearch csv", got, wantAttrs)

			textQuery := maps.Clone(allInRestSearch)
			textQuery["returnFormat"] = "text"
			code, body = m.do(t, u, "POST", "/attributes/restSearch", textQuery)
			if code != http.StatusOK {
				t.Fatalf("attributes/restSearch text: %d %s", code, body)
			}
			got = map[string]bool{}
			for line := range strings.SplitSeq(strings.TrimSpace(string(body)), "\n") {
				if line = strings.TrimSpace(line); line != "" {
					uuid, ok := m.byValue[line]
					if !ok {
						t.Fatalf("text export line %q is no value of the instance", line)
					}
					got[uuid] = true
				}
			}
			sameSet(t, "attributes/restSearch text", got, wantAttrs)

			// sightings/listSightings of each event's inheriting attribute.
			au := m.acl(u)
			for _, e := range m.events {
				a := e.Attribute[len(e.Attribute)-1]
				ev, el := intel.ACLEvent(e), intel.ACLElement(acl.KindAttribute, a.Distribution, a.SharingGroupID)
				code, body := m.do(t, u, "POST", "/sightings/listSightings", map[string]any{"context": "attribute", "id": a.ID})
				want := map[string]bool{}
				if pol.CanReadElement(au, ev, el) == nil {
					for _, o := range m.orgs {
						if pol.CanSeeSighting(au, ev, el, acl.Sighting{OrgID: int64(o.ID)}, true) {
							want[o.ID.String()] = true
						}
					}
				}
				got := map[string]bool{}
				if code == http.StatusOK {
					var list []struct {
						Sighting struct {
							OrgID misp.FlexInt `json:"org_id"`
						}
					}
					if err := json.Unmarshal(body, &list); err != nil {
						t.Fatalf("listSightings: %v: %s", err, body)
					}
					for _, s := range list {
						got[s.Sighting.OrgID.String()] = true
					}
				} else if code != http.StatusMethodNotAllowed || !strings.Contains(string(body), "Invalid object.") {
					// MISP refuses a missing or unreadable attribute alike: 405 "Invalid object.".
					t.Fatalf("listSightings: %d %s", code, body)
				}
				sameSet(t, "sightings of "+a.UUID, got, want)
			}
		})
	}
}

func TestAccessMatrixWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("the access matrix makes about 2,000 requests; skipped with -short")
	}
	m := newMatrix(t)
	pol := m.a.h.(*handler).svc.Policy()
	allowedAdds := 0
	for ui, u := range m.users {
		au := m.acl(u)
		for ei, e := range m.events {
			ev := intel.ACLEvent(e)
			check := func(what string, code int, body []byte, decision error) {
				t.Helper()
				if decision == nil {
					if code != http.StatusOK {
						t.Errorf("%s as %s on event %d: %d %s, want 200", what, u.name, ei, code, body)
					}
					return
				}
				var ae *acl.Error
				if !errors.As(decision, &ae) {
					t.Fatalf("policy decision %v is not an *acl.Error", decision)
				}
				var reply struct {
					Message string `json:"message"`
				}
				_ = json.Unmarshal(body, &reply)
				if code != ae.Status() || reply.Message != ae.Message() {
					t.Errorf("%s as %s on event %d: %d %q, want %d %q", what, u.name, ei, code, reply.Message, ae.Status(), ae.Message())
				}
			}
			value := fmt.Sprintf("192.0.2.%d", (ui*len(m.events)+ei)%250+1)
			code, body := m.do(t, u, "POST", "/attributes/add/"+e.ID.String(),
				map[string]any{"type": "comment", "category": "Other", "value": fmt.Sprintf("write %s %d %s", u.name, ei, value)})
			decision := pol.CanAddAttribute(au, ev)
			check("attributes/add", code, body, decision)
			if decision == nil && code == http.StatusOK {
				allowedAdds++
			}
			code, body = m.do(t, u, "POST", "/events/publish/"+e.ID.String(), nil)
			check("events/publish", code, body, pol.CanPublish(au, ev))
		}
	}
	total, err := m.st.CountAttributes(t.Context(), store.AttributeFilter{Conditions: acl.Conditions{Unrestricted: true},
		Deleted: store.LiveAndDeleted})
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(m.events)*8 + allowedAdds); total != want {
		t.Errorf("%d attributes stored after the writes, want %d (refused writes must write nothing)", total, want)
	}
	if allowedAdds == 0 {
		t.Error("no write was allowed: the matrix tests nothing")
	}
}
