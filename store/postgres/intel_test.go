package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/internal/testpg"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/sqlite"
)

// corpusEvents decodes every MISP event of the shared corpus, afresh on each call.
func corpusEvents(t testing.TB) []*misp.Event {
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
		e, err := misp.DecodeEvent(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// The exports' org ids are their instance's; the store finds or creates the organisations by uuid and
		// name, as an import does.
		e.OrgID, e.OrgcID = 0, 0
		out = append(out, e)
	}
	if len(out) == 0 {
		t.Fatal("no events in the corpus")
	}
	return out
}

// pair is the same store on both backends, for checking that PostgreSQL answers as SQLite does.
type pair struct {
	pg *DB
	sq *sqlite.DB
}

func newPair(t *testing.T) pair {
	t.Helper()
	sq, err := sqlite.OpenTemp(context.Background(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sq.Close() })
	return pair{pg: openTest(t, Options{}), sq: sq}
}

// same fails the test when the two backends' results differ: both errors nil with equal JSON, or both errors.
func same[T any](t *testing.T, what string, pgV T, pgErr error, sqV T, sqErr error) {
	t.Helper()
	if (pgErr == nil) != (sqErr == nil) {
		t.Fatalf("%s: postgres error %v, sqlite error %v", what, pgErr, sqErr)
	}
	if pgErr != nil {
		for _, s := range []error{store.ErrNotFound, store.ErrConflict, store.ErrNotNewer, store.ErrClosed} {
			if errors.Is(pgErr, s) != errors.Is(sqErr, s) {
				t.Errorf("%s: postgres error %v, sqlite error %v: differ on %v", what, pgErr, sqErr, s)
			}
		}
		return
	}
	a, b := jsonOf(t, pgV), jsonOf(t, sqV)
	if !bytes.Equal(a, b) {
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		t.Errorf("%s differs at byte %d:\npostgres …%s\nsqlite   …%s", what, i, clip(a, i), clip(b, i))
	}
}

func jsonOf(t *testing.T, v any) []byte {
	t.Helper()
	var b []byte
	var err error
	switch x := v.(type) {
	case *misp.Event:
		b, err = misp.EncodeEvent(x)
	default:
		b, err = jsonMarshal(v)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// clip returns the part of a JSON document around byte i, where two documents first differ.
func clip(b []byte, i int) string {
	return string(b[max(0, i-200):min(len(b), i+200)])
}

func collect[T any](seq iter.Seq2[*T, error]) ([]*T, error) {
	var out []*T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// TestCorpusMatchesSQLite saves every corpus event in both backends and checks that what each hands back —
// the ids written into the event, the loaded aggregate, searches — is the same, byte for byte in MISP JSON.
func TestCorpusMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	p := newPair(t)
	pgEvents, sqEvents := corpusEvents(t), corpusEvents(t)
	// Events that SQLite refuses go last: a refused insert still uses up ids from PostgreSQL's sequences
	// (SQLite reuses them), and the events after it would then be numbered differently.
	scratch, err := sqlite.OpenTemp(ctx, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var accepted, refusedFirst []int
	for i, e := range corpusEvents(t) {
		if scratch.SaveEvent(ctx, e) == nil {
			accepted = append(accepted, i)
		} else {
			refusedFirst = append(refusedFirst, i)
		}
	}
	scratch.Close()
	order := append(accepted, refusedFirst...)
	attrs, saved, refused := 0, 0, 0
	for _, i := range order {
		pe, se := pgEvents[i], sqEvents[i]
		perr, serr := p.pg.SaveEvent(ctx, pe), p.sq.SaveEvent(ctx, se)
		same(t, "saved "+se.UUID, pe, perr, se, serr)
		if perr != nil {
			// Some exports repeat an attribute, which MISP refuses as the store does; both must refuse it alike.
			var de *store.DuplicateAttributeError
			if !errors.As(perr, &de) {
				t.Fatalf("save %s: %v", pe.UUID, perr)
			}
			refused++
			continue
		}
		saved++
		attrs += pe.AllAttributes()
		pl, perr := p.pg.Event(ctx, int64(pe.ID))
		sl, serr := p.sq.Event(ctx, int64(se.ID))
		same(t, "loaded "+se.UUID, pl, perr, sl, serr)
		pl, perr = p.pg.EventByUUID(ctx, strings.ToUpper(pe.UUID))
		sl, serr = p.sq.EventByUUID(ctx, strings.ToUpper(se.UUID))
		same(t, "loaded by upper-case uuid "+se.UUID, pl, perr, sl, serr)
	}
	t.Logf("%d events saved with %d attributes, %d refused as repeating an attribute", saved, attrs, refused)
	if saved < len(pgEvents)/2 {
		t.Fatalf("only %d of %d events saved", saved, len(pgEvents))
	}

	// Saving an event again is a uuid conflict on both, and writes nothing.
	again := corpusEvents(t)[0]
	again.Attribute = nil // keep clear of repeated attributes
	perr := p.pg.SaveEvent(ctx, again)
	if !errors.Is(perr, store.ErrConflict) {
		t.Errorf("saving an event twice: %v, want store.ErrConflict", perr)
	}

	all := acl.Conditions{Unrestricted: true}
	yes := true
	eventFilters := map[string]store.EventFilter{
		"all metadata":        {Conditions: all, Metadata: true},
		"all":                 {Conditions: all},
		"nobody":              {Conditions: acl.Conditions{Nothing: true}},
		"page 2 of 3":         {Conditions: all, Metadata: true, Limit: 3, Page: 2},
		"value wildcard":      {Conditions: all, Metadata: true, Value: store.Any("%.com%")},
		"type and not value":  {Conditions: all, Metadata: true, Type: store.Any("sha256"), Value: store.Match{NOT: []string{"%a%"}}},
		"info wildcard, case": {Conditions: all, Metadata: true, Info: store.Any("%ZEBROCY%")},
		"tags":                {Conditions: all, Metadata: true, Tags: store.Any("tlp:%")},
		"attribute tags":      {Conditions: all, Metadata: true, Tags: store.Any("%"), AttributeTags: true},
		"published":           {Conditions: all, Metadata: true, Published: &yes},
		"date":                {Conditions: all, Metadata: true, Date: store.TimeRange{From: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}},
		"org restricted": {Conditions: acl.Conditions{OwnerOrgID: 99, EventDistributions: []acl.Distribution{1, 2, 3},
			ElementDistributions: []acl.Distribution{1, 2, 3, 5}}},
	}
	for name, f := range eventFilters {
		pgList, perr := collect(p.pg.SearchEvents(ctx, f))
		sqList, serr := collect(p.sq.SearchEvents(ctx, f))
		same(t, "events "+name, pgList, perr, sqList, serr)
		pn, perr := p.pg.CountEvents(ctx, f)
		sn, serr := p.sq.CountEvents(ctx, f)
		same(t, "count events "+name, pn, perr, sn, serr)
	}
	attrFilters := map[string]store.AttributeFilter{
		"all":                 {Conditions: all},
		"composite part":      {Conditions: all, Value: store.Any("%|%")},
		"md5 to_ids":          {Conditions: all, Type: store.Any("md5"), ToIDS: &yes},
		"event tags included": {Conditions: all, IncludeEventTags: true, IncludeEventUUID: true, Limit: 50, Page: 3},
		"tags":                {Conditions: all, Tags: store.Any("%")},
		"info and category":   {Conditions: all, EventInfo: store.Any("%turla%"), Category: store.Any("Network activity")},
		"deleted only":        {Conditions: all, Deleted: store.DeletedOnly},
	}
	for name, f := range attrFilters {
		pgList, perr := collect(p.pg.SearchAttributes(ctx, f))
		sqList, serr := collect(p.sq.SearchAttributes(ctx, f))
		same(t, "attributes "+name, pgList, perr, sqList, serr)
		pn, perr := p.pg.CountAttributes(ctx, f)
		sn, serr := p.sq.CountAttributes(ctx, f)
		same(t, "count attributes "+name, pn, perr, sn, serr)
		if name == "all" && pn != int64(attrs) {
			t.Errorf("count of every attribute = %d, want the %d saved", pn, attrs)
		}
	}
}

// TestEditsMatchSQLite applies the same sequence of edits to both backends and compares every answer and the
// event after each step.
func TestEditsMatchSQLite(t *testing.T) {
	ctx := context.Background()
	p := newPair(t)
	base := time.Unix(1_700_000_000, 0)
	org := func() *misp.Organisation {
		return &misp.Organisation{Name: "ACME", UUID: "5D2E6C7E-0000-4000-8000-00000000A0A0"}
	}
	newEvent := func() *misp.Event {
		return &misp.Event{
			UUID: "eeeeeeee-0000-4000-8000-000000000001", Info: "edits", Date: misp.DateOf(base), Timestamp: misp.TimestampOf(base), Orgc: org(), Org: org(),
			Distribution: misp.DistributionCommunity, Tag: []misp.Tag{{Name: "tlp:amber"}},
			Attribute: []misp.Attribute{
				{Type: "ip-dst", Category: "Network activity", Value: "192.0.2.1", UUID: "aaaaaaaa-0000-4000-8000-000000000001", Timestamp: misp.TimestampOf(base), Tag: []misp.Tag{{Name: "kill-chain:c2"}}},
				{Type: "domain|ip", Category: "Network activity", Value: "evil.example|192.0.2.2", UUID: "aaaaaaaa-0000-4000-8000-000000000002", Timestamp: misp.TimestampOf(base)},
			},
			Object: []misp.Object{{Name: "file", UUID: "bbbbbbbb-0000-4000-8000-000000000001", Timestamp: misp.TimestampOf(base),
				Attribute:       []misp.Attribute{{UUID: "aaaaaaaa-0000-4000-8000-000000000009", Type: "md5", Category: "Payload delivery", ObjectRelation: "md5", Value: "d41d8cd98f00b204e9800998ecf8427e", Timestamp: misp.TimestampOf(base)}},
				ObjectReference: []misp.ObjectReference{{UUID: "dddddddd-0000-4000-8000-000000000001", ReferencedUUID: "AAAAAAAA-0000-4000-8000-000000000001", RelationshipType: "communicates-with", Timestamp: misp.TimestampOf(base)}}}},
			EventReport: []misp.EventReport{{UUID: "ffffffff-0000-4000-8000-000000000001", Name: "r", Content: "# report", Timestamp: misp.TimestampOf(base)}},
		}
	}
	pe, se := newEvent(), newEvent()
	if perr, serr := p.pg.SaveEvent(ctx, pe), p.sq.SaveEvent(ctx, se); perr != nil || serr != nil {
		t.Fatalf("save: postgres %v, sqlite %v", perr, serr)
	}
	same(t, "save", pe, nil, se, nil)
	id := int64(pe.ID)
	check := func(step string) {
		t.Helper()
		a, aerr := p.pg.Event(ctx, id)
		b, berr := p.sq.Event(ctx, id)
		same(t, step, a, aerr, b, berr)
	}
	check("after save")

	dup := func() *misp.Attribute {
		return &misp.Attribute{Type: "ip-dst", Category: "Network activity", Value: "192.0.2.1", Timestamp: misp.TimestampOf(base)}
	}
	perr, serr := p.pg.AddAttribute(ctx, id, dup()), p.sq.AddAttribute(ctx, id, dup())
	same(t, "duplicate attribute", 0, perr, 0, serr)
	var de *store.DuplicateAttributeError
	if !errors.As(perr, &de) {
		t.Errorf("duplicate attribute: %v, want *store.DuplicateAttributeError", perr)
	}

	steps := []struct {
		name string
		do   func(s store.Intel) (any, error)
	}{
		{"add attribute", func(s store.Intel) (any, error) {
			a := &misp.Attribute{Type: "url", Category: "Network activity", Value: "http://evil.example/x", Timestamp: misp.TimestampOf(base), UUID: "aaaaaaaa-0000-4000-8000-000000000003"}
			return a, s.AddAttribute(ctx, id, a)
		}},
		{"edit not newer", func(s store.Intel) (any, error) {
			return nil, s.EditAttribute(ctx, &misp.Attribute{ID: 1, Type: "ip-dst", Category: "Network activity", Value: "192.0.2.9", Timestamp: misp.TimestampOf(base)})
		}},
		{"edit newer", func(s store.Intel) (any, error) {
			a := &misp.Attribute{UUID: "AAAAAAAA-0000-4000-8000-000000000001", Type: "ip-dst", Category: "Network activity", Value: "192.0.2.9", Timestamp: misp.TimestampOf(base.Add(time.Hour))}
			return a, s.EditAttribute(ctx, a)
		}},
		{"soft delete", func(s store.Intel) (any, error) { return nil, s.DeleteAttribute(ctx, 2, false, base.Add(2*time.Hour)) }},
		{"restore", func(s store.Intel) (any, error) { return nil, s.RestoreAttribute(ctx, 2, base.Add(3*time.Hour)) }},
		{"sighting", func(s store.Intel) (any, error) {
			sg := &misp.Sighting{AttributeUUID: "aaaaaaaa-0000-4000-8000-000000000002", UUID: "cccccccc-0000-4000-8000-000000000001", DateSighting: misp.TimestampOf(base.Add(time.Minute)), Source: "x"}
			return sg, s.AddSighting(ctx, sg)
		}},
		{"sightings by event", func(s store.Intel) (any, error) { return s.SightingsByEvent(ctx, id) }},
		{"attach tag", func(s store.Intel) (any, error) {
			tg := &misp.Tag{Name: "misp-galaxy:threat-actor=\"X\"", Colour: "#ffffff"}
			if err := s.CreateTag(ctx, tg); err != nil {
				return nil, err
			}
			return tg, s.AttachAttributeTag(ctx, 2, int64(tg.ID), true, "targets")
		}},
		{"tags", func(s store.Intel) (any, error) { return s.ListTags(ctx) }},
		{"detach missing", func(s store.Intel) (any, error) { return nil, s.DetachEventTag(ctx, id, 99) }},
		{"update event not newer", func(s store.Intel) (any, error) {
			return nil, s.UpdateEvent(ctx, &misp.Event{ID: misp.FlexInt(id), Info: "x", Timestamp: misp.TimestampOf(base)})
		}},
		{"update event", func(s store.Intel) (any, error) {
			e := newEvent()
			e.ID, e.Info, e.Timestamp = misp.FlexInt(id), "edited", misp.TimestampOf(base.Add(5*time.Hour))
			e.Attribute[1].Timestamp = misp.TimestampOf(base.Add(5 * time.Hour))
			e.Attribute[1].Comment = "newer"
			e.Tag = []misp.Tag{{Name: "tlp:green"}}
			return e, s.UpdateEvent(ctx, e)
		}},
		{"object", func(s store.Intel) (any, error) { return s.Object(ctx, 1) }},
		{"soft delete object", func(s store.Intel) (any, error) { return nil, s.DeleteObject(ctx, 1, false, base.Add(6*time.Hour)) }},
		{"hard delete reference", func(s store.Intel) (any, error) { return nil, s.DeleteObjectReference(ctx, 1, true, base) }},
		{"publish", func(s store.Intel) (any, error) { return nil, s.PublishEvent(ctx, id, base.Add(7*time.Hour)) }},
		{"delete org in use", func(s store.Intel) (any, error) { return nil, s.DeleteOrg(ctx, 1) }},
		{"orgs", func(s store.Intel) (any, error) { return s.ListOrgs(ctx) }},
		{"org by uuid", func(s store.Intel) (any, error) { return s.OrgByUUID(ctx, "5d2e6c7e-0000-4000-8000-00000000a0a0") }},
		{"hard delete attribute", func(s store.Intel) (any, error) { return nil, s.DeleteAttribute(ctx, 1, true, base) }},
		{"missing attribute", func(s store.Intel) (any, error) { return s.Attribute(ctx, 1) }},
	}
	for _, st := range steps {
		a, aerr := st.do(p.pg)
		b, berr := st.do(p.sq)
		same(t, st.name, a, aerr, b, berr)
		check("after " + st.name)
	}
	same(t, "delete event", 0, p.pg.DeleteEvent(ctx, id), 0, p.sq.DeleteEvent(ctx, id))
	_, perr = p.pg.Event(ctx, id)
	if !errors.Is(perr, store.ErrNotFound) {
		t.Errorf("event after delete: %v, want store.ErrNotFound", perr)
	}
}

// TestAdminMatchesSQLite compares organisations, users, API keys and sharing groups.
func TestAdminMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	p := newPair(t)
	created := time.Unix(1_700_000_000, 0).UTC()
	steps := []struct {
		name string
		do   func(s store.Intel) (any, error)
	}{
		{"org", func(s store.Intel) (any, error) {
			o := &misp.Organisation{Name: "ACME", UUID: "11111111-0000-4000-8000-000000000001", Sector: "x"}
			return o, s.CreateOrg(ctx, o)
		}},
		{"org 2", func(s store.Intel) (any, error) {
			o := &misp.Organisation{Name: "Other", UUID: "11111111-0000-4000-8000-000000000002"}
			return o, s.CreateOrg(ctx, o)
		}},
		{"org name taken", func(s store.Intel) (any, error) { return nil, s.CreateOrg(ctx, &misp.Organisation{Name: "ACME"}) }},
		{"user", func(s store.Intel) (any, error) {
			u := &misp.User{Email: "Alice@Example.org", OrgID: 1, RoleID: 3}
			return u, s.CreateUser(ctx, u)
		}},
		{"user e-mail taken in other case", func(s store.Intel) (any, error) {
			return nil, s.CreateUser(ctx, &misp.User{Email: "alice@example.ORG", OrgID: 1})
		}},
		{"user of unknown org", func(s store.Intel) (any, error) {
			return nil, s.CreateUser(ctx, &misp.User{Email: "b@example.org", OrgID: 42})
		}},
		{"user by e-mail", func(s store.Intel) (any, error) { return s.UserByEmail(ctx, "ALICE@example.org") }},
		{"key", func(s store.Intel) (any, error) {
			k := &store.AuthKey{UUID: "22222222-0000-4000-8000-000000000001", UserID: 1, Hash: "$2a$10$x", Start: "abcd", End: "wxyz", Created: created, Expiration: created.Add(time.Hour)}
			return k, s.AddAuthKey(ctx, k)
		}},
		{"keys by fragment", func(s store.Intel) (any, error) { return s.KeysByFragment(ctx, "abcd", "wxyz") }},
		{"sharing group", func(s store.Intel) (any, error) {
			sg := &misp.SharingGroup{Name: "sg", UUID: "33333333-0000-4000-8000-000000000001", OrgID: 1,
				SharingGroupOrg: []misp.SharingGroupOrg{{OrgID: 2, Extend: true}}, SharingGroupServer: []misp.SharingGroupServer{{ServerID: 0, AllOrgs: true}}}
			return sg, s.CreateSharingGroup(ctx, sg)
		}},
		{"add sg org again", func(s store.Intel) (any, error) { return nil, s.AddSharingGroupOrg(ctx, 1, 2, false) }},
		{"sg by uuid", func(s store.Intel) (any, error) {
			return s.SharingGroupByUUID(ctx, "33333333-0000-4000-8000-000000000001")
		}},
		{"remove missing sg server", func(s store.Intel) (any, error) { return nil, s.RemoveSharingGroupServer(ctx, 1, 7) }},
		{"delete org in use", func(s store.Intel) (any, error) { return nil, s.DeleteOrg(ctx, 2) }},
		{"delete user", func(s store.Intel) (any, error) { return nil, s.DeleteUser(ctx, 1) }},
		{"keys after user deleted", func(s store.Intel) (any, error) { return s.ListAuthKeys(ctx, 1) }},
		{"users", func(s store.Intel) (any, error) { return s.ListUsers(ctx, 0) }},
		{"sharing groups", func(s store.Intel) (any, error) { return s.ListSharingGroups(ctx) }},
	}
	for _, st := range steps {
		a, aerr := st.do(p.pg)
		b, berr := st.do(p.sq)
		same(t, st.name, a, aerr, b, berr)
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// TestConcurrentSaves saves events from several goroutines at once, each naming the same organisation and tags,
// none stored yet: PostgreSQL runs the writers side by side, and each must find the rows another created instead
// of failing on the unique constraints.
func TestConcurrentSaves(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, Options{MaxConns: 8})
	const writers, rounds = 8, 5
	errs := make(chan error, writers*rounds)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				e := &misp.Event{Info: "race", Timestamp: 1700000000,
					Org:  &misp.Organisation{Name: "Race Org", UUID: "99999999-0000-4000-8000-000000000001"},
					Orgc: &misp.Organisation{Name: "Race Org", UUID: "99999999-0000-4000-8000-000000000001"},
					Tag:  []misp.Tag{{Name: "tlp:clear"}, {Name: fmt.Sprintf("round:%d", r)}},
					Attribute: []misp.Attribute{{Type: "domain", Category: "Network activity",
						Value: fmt.Sprintf("w%d-r%d.example", w, r), Tag: []misp.Tag{{Name: "shared"}}}}}
				if err := db.SaveEvent(ctx, e); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	orgs, err := db.ListOrgs(ctx)
	if err != nil || len(orgs) != 1 {
		t.Errorf("organisations after the race: %d, %v; want 1", len(orgs), err)
	}
	tags, err := db.ListTags(ctx)
	if err != nil || len(tags) != 2+rounds {
		t.Errorf("tags after the race: %d, %v; want %d", len(tags), err, 2+rounds)
	}
	n, err := db.CountEvents(ctx, store.EventFilter{Conditions: acl.Conditions{Unrestricted: true}})
	if err != nil || n != writers*rounds {
		t.Errorf("events after the race: %d, %v; want %d", n, err, writers*rounds)
	}
}

// TestConcurrentAttributeWrites adds attributes to one event from several goroutines at once: every add is
// counted in the event's attribute_count, and of the goroutines adding the same value exactly one succeeds, as
// with SQLite's single writer.
func TestConcurrentAttributeWrites(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, Options{MaxConns: 8})
	e := &misp.Event{Info: "target", Org: &misp.Organisation{Name: "O"}, Orgc: &misp.Organisation{Name: "O"}}
	if err := db.SaveEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	const writers, adds = 8, 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	var dupOK, dupRefused int
	for w := range writers {
		wg.Go(func() {
			for i := range adds {
				a := &misp.Attribute{Type: "domain", Category: "Network activity", Value: fmt.Sprintf("w%d-%d.example", w, i)}
				if err := db.AddAttribute(ctx, int64(e.ID), a); err != nil {
					t.Error(err)
				}
			}
			err := db.AddAttribute(ctx, int64(e.ID), &misp.Attribute{Type: "domain", Category: "Network activity", Value: "same.example"})
			var de *store.DuplicateAttributeError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				dupOK++
			case errors.As(err, &de):
				dupRefused++
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if dupOK != 1 || dupRefused != writers-1 {
		t.Errorf("the same value added %d times: %d stored, %d refused; want 1 stored", writers, dupOK, dupRefused)
	}
	got, err := db.Event(ctx, int64(e.ID))
	if err != nil {
		t.Fatal(err)
	}
	if want := writers*adds + 1; int(got.AttributeCount) != want || len(got.Attribute) != want {
		t.Errorf("attribute_count %d with %d attributes stored, want %d", got.AttributeCount, len(got.Attribute), want)
	}
}

// TestOptionsNow checks that unset timestamps are stamped with Options.Now.
func TestOptionsNow(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	db, err := Open(ctx, testpg.DSN(t), Options{MaxConns: 2, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := &misp.Event{Info: "clock", Org: &misp.Organisation{Name: "O"}, Orgc: &misp.Organisation{Name: "O"},
		Attribute: []misp.Attribute{{Type: "domain", Category: "Network activity", Value: "a.example"}},
		Object:    []misp.Object{{Name: "file", Attribute: []misp.Attribute{{Type: "md5", Category: "Payload delivery", Value: "d41d8cd98f00b204e9800998ecf8427e"}}}}}
	if err := db.SaveEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	s := &misp.Sighting{AttributeID: e.Attribute[0].ID}
	if err := db.AddSighting(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := db.Event(ctx, int64(e.ID))
	if err != nil {
		t.Fatal(err)
	}
	want := misp.TimestampOf(at)
	for what, ts := range map[string]misp.Timestamp{"event": got.Timestamp, "attribute": got.Attribute[0].Timestamp,
		"object": got.Object[0].Timestamp, "object attribute": got.Object[0].Attribute[0].Timestamp,
		"sighting": s.DateSighting, "event sighting_timestamp": got.SightingTimestamp} {
		if ts != want {
			t.Errorf("%s timestamp %d, want %d", what, ts, want)
		}
	}
}
