package storetest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// sampleEvent is an event with every kind of element: attributes (one composite, one with first/last seen, one
// deleted), an object with attributes and a reference to an attribute and to another object, tags on the event
// and on attributes (one local, one with a relationship type), galaxies and an event report.
func sampleEvent(org *misp.Organisation) *misp.Event {
	num := misp.FlexInt(3)
	return &misp.Event{
		UUID: uuid(100), OrgID: org.ID, OrgcID: org.ID, Date: date("2023-04-05"), ThreatLevel: misp.ThreatLevelHigh,
		Info: "Sample event", Published: true, Analysis: misp.AnalysisCompleted, Timestamp: 1700000000,
		Distribution: dist(3), PublishTimestamp: 1700000100, ExtendsUUID: uuid(999), EventCreatorEmail: "a@example.org",
		UserID: 7, DisableCorrelation: true,
		Tag: []misp.Tag{
			{Name: "tlp:green", Colour: "#33ff00", Exportable: true},
			{Name: "custom:local", Colour: "#000000", Exportable: true, Local: true, NumericalValue: &num},
			{Name: "rel:x", Exportable: true, RelationshipType: "targets"},
		},
		Galaxy: []misp.Galaxy{{UUID: uuid(500), Name: "Threat Actor", Type: "threat-actor", Namespace: "misp",
			GalaxyCluster: misp.GalaxyClusterList{{UUID: uuid(501), Type: "threat-actor", Value: "APT 28",
				TagName: `misp-galaxy:threat-actor="APT 28"`, Authors: []string{"x"}, Meta: misp.GalaxyMeta{"synonyms": {"Sofacy"}}}}}},
		Attribute: []misp.Attribute{
			{UUID: uuid(101), Type: "ip-dst", Category: "Network activity", Value: "203.0.113.5", ToIDS: misp.BoolTrue,
				Timestamp: 1700000001, Distribution: dist(5), Comment: "c2",
				FirstSeen: misp.MicroTimeOf(time.Date(2023, 1, 2, 3, 4, 5, 123456000, time.UTC)),
				LastSeen:  misp.MicroTimeOf(time.Date(2023, 2, 2, 3, 4, 5, 0, time.UTC)),
				Tag:       []misp.Tag{{Name: "tlp:green", Colour: "#33ff00", Exportable: true}, {Name: "attr:local", Local: true}}},
			{UUID: uuid(102), Type: "filename|sha256", Category: "Payload delivery",
				Value: "a.exe|" + strings.Repeat("ab", 32), ToIDS: misp.BoolFalse, Timestamp: 1700000002, Distribution: dist(1),
				DisableCorrelation: true},
			{UUID: uuid(103), Type: "text", Category: "Other", Value: "gone", Timestamp: 1700000003, Deleted: true,
				Distribution: dist(0)},
			{UUID: uuid(104), Type: "domain", Category: "Network activity", Value: "unset-ids.example",
				Timestamp: 1700000004},
		},
		Object: []misp.Object{
			{UUID: uuid(110), Name: "domain-ip", MetaCategory: "network", Description: "A domain and its IP",
				TemplateUUID: uuid(900), TemplateVersion: 9, Timestamp: 1700000010, Distribution: dist(5), Comment: "obj",
				FirstSeen: misp.MicroTimeOf(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)),
				Attribute: misp.AttributeList{
					{UUID: uuid(111), Type: "domain", Category: "Network activity", Value: "c2.example", ObjectRelation: "domain",
						ToIDS: misp.BoolTrue, Timestamp: 1700000011, Distribution: dist(5)},
					{UUID: uuid(112), Type: "ip-dst", Category: "Network activity", Value: "203.0.113.5", ObjectRelation: "ip",
						ToIDS: misp.BoolTrue, Timestamp: 1700000012, Distribution: dist(5)},
				},
				ObjectReference: misp.ObjectReferenceList{
					{UUID: uuid(113), Timestamp: 1700000013, ObjectUUID: uuid(110), ReferencedUUID: uuid(101),
						ReferencedType: misp.ReferencedAttribute, RelationshipType: "connects-to", Comment: "ref"},
					{UUID: uuid(114), Timestamp: 1700000014, ObjectUUID: uuid(110), ReferencedUUID: uuid(120),
						ReferencedType: misp.ReferencedObject, RelationshipType: "related-to"},
				},
			},
			{UUID: uuid(120), Name: "file", MetaCategory: "file", Timestamp: 1700000020, Distribution: dist(4), SharingGroupID: 0,
				Attribute: misp.AttributeList{
					{UUID: uuid(121), Type: "md5", Category: "Payload delivery", Value: strings.Repeat("0f", 16),
						ObjectRelation: "md5", ToIDS: misp.BoolTrue, Timestamp: 1700000021, Distribution: dist(5)},
				}},
		},
		EventReport: []misp.EventReport{{UUID: uuid(130), Name: "report", Content: "# hi @[attribute](" + uuid(101) + ")",
			Distribution: dist(5), Timestamp: 1700000030}},
	}
}

// clone copies e deeply through its JSON encoding, so that saving one copy leaves the other as it was.
func clone(t *testing.T, e *misp.Event) *misp.Event {
	t.Helper()
	b, err := misp.EncodeEvent(e)
	must(t, err)
	c, err := misp.DecodeEvent(b)
	must(t, err)
	return c
}

// normalise clears what a store assigns (ids and the ids that point at them, attribute_count) and what it does
// not keep (RelatedEvent, derived by correlation; the summaries of referenced elements, derived from the
// referenced rows), so that an event as sent and as loaded can be compared.
func normalise(e *misp.Event) {
	e.ID, e.OrgID, e.OrgcID, e.AttributeCount, e.RelatedEvent = 0, 0, 0, 0, nil
	if e.Org != nil {
		e.Org.ID = 0
	}
	if e.Orgc != nil {
		e.Orgc.ID = 0
	}
	for i := range e.Tag {
		e.Tag[i].ID = 0
	}
	attrs := func(list []misp.Attribute) {
		for i := range list {
			a := &list[i]
			a.ID, a.EventID, a.ObjectID = 0, 0, 0
			for j := range a.Tag {
				a.Tag[j].ID = 0
			}
		}
	}
	attrs(e.Attribute)
	for i := range e.Object {
		o := &e.Object[i]
		o.ID, o.EventID = 0, 0
		attrs(o.Attribute)
		for j := range o.ObjectReference {
			r := &o.ObjectReference[j]
			r.ID, r.ObjectID, r.EventID, r.ReferencedID = 0, 0, 0, 0
		}
	}
	for i := range e.EventReport {
		e.EventReport[i].ID, e.EventReport[i].EventID = 0, 0
	}
}

// sameEvent compares two events by misp.EncodeEvent after normalise.
func sameEvent(t *testing.T, what string, want, got *misp.Event) {
	t.Helper()
	w, g := clone(t, want), clone(t, got)
	normalise(w)
	normalise(g)
	wb, err := misp.EncodeEvent(w)
	must(t, err)
	gb, err := misp.EncodeEvent(g)
	must(t, err)
	if d := firstDiff(wb, gb); d != "" {
		t.Errorf("%s: loaded event differs from the saved one %s", what, d)
	}
}

func testEventRoundTrip(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-A", 1)
	want := sampleEvent(org)
	want.Org, want.Orgc = org, org
	e := clone(t, want)
	must(t, b.SaveEvent(c, e))
	if e.ID == 0 || e.Attribute[0].ID == 0 || e.Object[0].ID == 0 || e.Object[0].Attribute[0].ID == 0 ||
		e.Object[0].ObjectReference[0].ID == 0 || e.EventReport[0].ID == 0 || e.Tag[0].ID == 0 {
		t.Fatalf("SaveEvent left ids unset: %+v", e)
	}
	if e.Attribute[0].EventID != e.ID || e.Object[0].Attribute[0].ObjectID != e.Object[0].ID {
		t.Errorf("SaveEvent did not set event and object ids on attributes")
	}
	got, err := b.Event(c, int64(e.ID))
	must(t, err)
	if got.ID != e.ID || got.AttributeCount != 6 {
		t.Errorf("loaded id %d, attribute_count %d; want %d, 6", got.ID, got.AttributeCount, e.ID)
	}
	// The reference summaries are derived from the referenced rows.
	refs := got.Object[0].ObjectReference
	if len(refs) != 2 || refs[0].Attribute == nil || refs[0].Attribute.Value != "203.0.113.5" ||
		refs[0].ReferencedID != e.Attribute[0].ID || refs[1].Object == nil || refs[1].Object.Name != "file" ||
		refs[1].ReferencedID != e.Object[1].ID {
		t.Errorf("references = %+v", refs)
	}
	for i := range want.Object {
		for j := range want.Object[i].ObjectReference {
			r := &want.Object[i].ObjectReference[j]
			r.Object, r.Attribute = got.Object[i].ObjectReference[j].Object, got.Object[i].ObjectReference[j].Attribute
		}
	}
	sameEvent(t, "Event", want, got)
	byUUID, err := b.EventByUUID(c, strings.ToUpper(want.UUID))
	must(t, err)
	sameEvent(t, "EventByUUID", want, byUUID)

	_, err = b.Event(c, 999)
	wantErr(t, "missing event", err, store.ErrNotFound)
	_, err = b.EventByUUID(c, uuid(4242))
	wantErr(t, "missing event uuid", err, store.ErrNotFound)

	// Organisations named only by their blocks are found, or created.
	e2 := &misp.Event{Info: "by blocks", Timestamp: 5, Distribution: dist(0),
		Org: &misp.Organisation{Name: "ORG-A", UUID: org.UUID}, Orgc: &misp.Organisation{Name: "New creator", UUID: uuid(77)}}
	must(t, b.SaveEvent(c, e2))
	if e2.OrgID != org.ID || e2.OrgcID == 0 || e2.OrgcID == org.ID {
		t.Errorf("org ids from blocks = %d, %d", e2.OrgID, e2.OrgcID)
	}
	if o, err := b.OrgByUUID(c, uuid(77)); err != nil || o.Name != "New creator" {
		t.Errorf("creator organisation: %+v, %v", o, err)
	}
}

// testCorpus saves every event of the ESET corpus into a fresh store and loads it back field by field.
func testCorpus(t *testing.T, open func(t *testing.T) Backend) {
	dir := filepath.Dir(testcorpus.Path(t, "misp_events/MANIFEST.json"))
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	must(t, err)
	n := 0
	for _, f := range files {
		if filepath.Base(f) == "MANIFEST.json" {
			continue
		}
		data, err := os.ReadFile(f)
		must(t, err)
		events, err := misp.DecodeEvents(data)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		for _, want := range events {
			n++
			t.Run(filepath.Base(f)+"/"+want.UUID, func(t *testing.T) {
				b := open(t)
				c := ctx(t)
				e := clone(t, want)
				e.OrgID, e.OrgcID = 0, 0 // the file's ids are another instance's: organisations go by their blocks
				must(t, b.SaveEvent(c, e))
				got, err := b.Event(c, int64(e.ID))
				must(t, err)
				if int(got.AttributeCount) != liveAttributes(want) {
					t.Errorf("attribute_count = %d, want %d", got.AttributeCount, liveAttributes(want))
				}
				sameEvent(t, "corpus event", want, got)
			})
		}
	}
	if n == 0 {
		t.Fatal("no corpus events")
	}
}

func liveAttributes(e *misp.Event) int {
	n := 0
	for _, a := range e.Attribute {
		if !a.Deleted {
			n++
		}
	}
	for _, o := range e.Object {
		for _, a := range o.Attribute {
			if !a.Deleted {
				n++
			}
		}
	}
	return n
}

func testTimestampRule(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-A", 1)
	e := sampleEvent(org)
	must(t, b.SaveEvent(c, e))

	for _, incoming := range []misp.Timestamp{e.Timestamp, e.Timestamp - 1} {
		edit := &misp.Event{ID: e.ID, Info: "stale", Timestamp: incoming}
		err := b.UpdateEvent(c, edit)
		wantErr(t, "stale edit", err, store.ErrNotNewer)
		var nn *store.NotNewerError
		if !errors.As(err, &nn) || nn.Error() != "Event in the request not newer than the local copy." ||
			nn.Stored != e.Timestamp {
			t.Errorf("stale edit error = %#v", err)
		}
	}
	if got, _ := b.Event(c, int64(e.ID)); got.Info != "Sample event" {
		t.Errorf("a refused edit changed info to %q", got.Info)
	}

	// A newer edit by uuid: the event's fields change, an older attribute is skipped, a newer one replaced, a
	// new one added, absent ones kept, tags replaced.
	edit := &misp.Event{UUID: strings.ToUpper(e.UUID), Info: "edited", Timestamp: e.Timestamp + 10,
		Distribution: dist(2), Date: e.Date, Tag: []misp.Tag{{Name: "tlp:amber"}},
		Attribute: []misp.Attribute{
			{UUID: uuid(101), Type: "ip-dst", Category: "Network activity", Value: "198.51.100.1", Timestamp: e.Attribute[0].Timestamp},
			{UUID: uuid(102), Type: "filename|sha256", Category: "Payload delivery", Value: "b.exe|" + strings.Repeat("cd", 32),
				Timestamp: e.Attribute[1].Timestamp + 1},
			{UUID: uuid(150), Type: "domain", Category: "Network activity", Value: "new.example", Timestamp: e.Timestamp + 10},
		}}
	must(t, b.UpdateEvent(c, edit))
	got, err := b.Event(c, int64(e.ID))
	must(t, err)
	if got.Info != "edited" || got.Distribution != dist(2) || got.Timestamp != e.Timestamp+10 || got.OrgID != org.ID {
		t.Errorf("after edit: info %q distribution %q timestamp %d org %d", got.Info, got.Distribution, got.Timestamp, got.OrgID)
	}
	values := map[string]string{}
	for _, a := range got.Attribute {
		values[a.UUID] = a.Value
	}
	for u, want := range map[string]string{uuid(101): "203.0.113.5", uuid(102): "b.exe|" + strings.Repeat("cd", 32),
		uuid(150): "new.example", uuid(104): "unset-ids.example"} {
		if values[u] != want {
			t.Errorf("after edit attribute %s = %q, want %q", u, values[u], want)
		}
	}
	if len(got.Tag) != 1 || got.Tag[0].Name != "tlp:amber" {
		t.Errorf("tags after edit = %+v", got.Tag)
	}
	if got.AttributeCount != 7 {
		t.Errorf("attribute_count after edit = %d, want 7", got.AttributeCount)
	}

	// An unset timestamp is always accepted and stamped.
	before := time.Now().Unix()
	must(t, b.UpdateEvent(c, &misp.Event{ID: e.ID, Info: "stamped", Distribution: dist(2)}))
	got, err = b.Event(c, int64(e.ID))
	must(t, err)
	if got.Info != "stamped" || int64(got.Timestamp) < before {
		t.Errorf("unset timestamp: info %q timestamp %d (before %d)", got.Info, got.Timestamp, before)
	}
	wantErr(t, "edit of a missing event", b.UpdateEvent(c, &misp.Event{ID: 999, Info: "x"}), store.ErrNotFound)

	// Attributes follow the same rule.
	a, err := b.AttributeByUUID(c, uuid(150))
	must(t, err)
	a.Value = "stale.example"
	err = b.EditAttribute(c, a)
	var nn *store.NotNewerError
	if !errors.As(err, &nn) || nn.What != "Attribute" || !errors.Is(err, store.ErrNotNewer) {
		t.Errorf("stale attribute edit error = %v", err)
	}
	a.Timestamp++
	a.Comment = "fresh"
	must(t, b.EditAttribute(c, a))
	if got, err := b.Attribute(c, int64(a.ID)); err != nil || got.Value != "stale.example" || got.Comment != "fresh" ||
		got.EventID != e.ID {
		t.Errorf("after EditAttribute: %+v, %v", got, err)
	}
	a.Timestamp = 0
	a.Value = "zero.example"
	must(t, b.EditAttribute(c, a))
	if got, _ := b.Attribute(c, int64(a.ID)); got.Value != "zero.example" || int64(got.Timestamp) < before {
		t.Errorf("attribute edit with unset timestamp: %+v", got)
	}
	wantErr(t, "edit of a missing attribute", b.EditAttribute(c, &misp.Attribute{ID: 999, Timestamp: 1}), store.ErrNotFound)
}

func testDuplicates(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-A", 1)
	dup := func(n int) misp.Attribute {
		return misp.Attribute{UUID: uuid(n), Type: "domain", Category: "Network activity", Value: "dup.example", Timestamp: 10}
	}

	// A whole event is stored as its source held it, repeats included.
	e := &misp.Event{UUID: uuid(20), OrgID: org.ID, OrgcID: org.ID, Info: "repeats", Timestamp: 10, Distribution: dist(0),
		Attribute: []misp.Attribute{dup(21), dup(22)}}
	must(t, b.SaveEvent(c, e))
	if got, err := b.Event(c, int64(e.ID)); err != nil || len(got.Attribute) != 2 {
		t.Errorf("event with repeated attributes: %v", err)
	}
	must(t, b.UpdateEvent(c, &misp.Event{ID: e.ID, Info: "repeats", Timestamp: 11, Distribution: dist(0),
		Attribute: []misp.Attribute{dup(21), dup(22), dup(23)}}))
	var de *store.DuplicateAttributeError
	err := b.AddAttribute(c, int64(e.ID), &misp.Attribute{Type: "domain", Category: "Network activity", Value: "dup.example"})
	if !errors.As(err, &de) || !errors.Is(err, store.ErrConflict) || de.Error() != store.MsgDuplicateAttribute {
		t.Errorf("duplicate AddAttribute: %v", err)
	}
	// A refused write leaves nothing behind.
	if n, _ := b.CountAttributes(c, store.AttributeFilter{Conditions: all(), EventIDs: []int64{int64(e.ID)}}); n != 3 {
		t.Errorf("after a refused add the event has %d attributes, want 3", n)
	}

	// Same value in another category or type, inside an object, or deleted: all allowed.
	other := dup(13)
	other.Category = "External analysis"
	deleted := dup(14)
	deleted.Deleted = true
	e = &misp.Event{UUID: uuid(10), OrgID: org.ID, OrgcID: org.ID, Info: "dup", Timestamp: 10, Distribution: dist(0),
		Attribute: []misp.Attribute{dup(11), other, deleted},
		Object:    []misp.Object{{Name: "domain-ip", Attribute: misp.AttributeList{dup(15)}}}}
	must(t, b.SaveEvent(c, e))

	err = b.AddAttribute(c, int64(e.ID), &misp.Attribute{Type: "domain", Category: "Network activity", Value: "dup.example"})
	if !errors.As(err, &de) || !strings.Contains(err.Error(), store.MsgDuplicateAttribute) {
		t.Errorf("duplicate AddAttribute: %v", err)
	}
	wantErr(t, "restore of a duplicate", b.RestoreAttribute(c, int64(e.Attribute[2].ID), time.Now()), store.ErrConflict)
	a := &misp.Attribute{Type: "domain", Category: "Network activity", Value: "fresh.example"}
	must(t, b.AddAttribute(c, int64(e.ID), a))
	a.Value, a.Timestamp = "dup.example", a.Timestamp+1
	wantErr(t, "edit into a duplicate", b.EditAttribute(c, a), store.ErrConflict)

	// Duplicate uuids, across events too.
	wantErr(t, "duplicate event uuid", b.SaveEvent(c, &misp.Event{UUID: uuid(10), OrgID: org.ID, Info: "again"}), store.ErrConflict)
	e2 := &misp.Event{OrgID: org.ID, Info: "steals a uuid", Attribute: []misp.Attribute{{UUID: uuid(11), Type: "domain",
		Category: "Network activity", Value: "other.example"}}}
	wantErr(t, "duplicate attribute uuid", b.SaveEvent(c, e2), store.ErrConflict)
	wantErr(t, "add to a missing event", b.AddAttribute(c, 999, &misp.Attribute{Type: "domain", Value: "x.example"}),
		store.ErrNotFound)
}

func testSoftDelete(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-A", 1)
	e := sampleEvent(org)
	must(t, b.SaveEvent(c, e))
	id := int64(e.Attribute[0].ID)
	at := unix(1800000000)
	must(t, b.DeleteAttribute(c, id, false, at))
	a, err := b.Attribute(c, id)
	must(t, err)
	if !bool(a.Deleted) || a.Timestamp != misp.TimestampOf(at) {
		t.Errorf("after soft delete: deleted %v timestamp %d", a.Deleted, a.Timestamp)
	}
	count := func() int64 {
		n, err := b.CountAttributes(c, store.AttributeFilter{Conditions: all(), EventIDs: []int64{int64(e.ID)}})
		must(t, err)
		return n
	}
	if n := count(); n != 5 {
		t.Errorf("live attributes after soft delete = %d, want 5", n)
	}
	if got, _ := b.Event(c, int64(e.ID)); got.AttributeCount != 5 {
		t.Errorf("attribute_count after soft delete = %d, want 5", got.AttributeCount)
	}
	must(t, b.RestoreAttribute(c, id, at.Add(time.Second)))
	a, err = b.Attribute(c, id)
	must(t, err)
	if bool(a.Deleted) || a.Timestamp != misp.TimestampOf(at)+1 {
		t.Errorf("after restore: deleted %v timestamp %d", a.Deleted, a.Timestamp)
	}
	if n := count(); n != 6 {
		t.Errorf("live attributes after restore = %d, want 6", n)
	}
	must(t, b.DeleteAttribute(c, id, true, at))
	_, err = b.Attribute(c, id)
	wantErr(t, "hard-deleted attribute", err, store.ErrNotFound)
	wantErr(t, "delete a missing attribute", b.DeleteAttribute(c, id, false, at), store.ErrNotFound)
	wantErr(t, "restore a missing attribute", b.RestoreAttribute(c, id, at), store.ErrNotFound)
}

func testObjects(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-A", 1)
	e := sampleEvent(org)
	e.Object = nil
	must(t, b.SaveEvent(c, e))
	o := &misp.Object{Name: "file", MetaCategory: "file", Distribution: dist(5),
		Attribute: misp.AttributeList{
			{Type: "filename", Category: "Payload delivery", Value: "x.exe", ObjectRelation: "filename",
				Tag: []misp.Tag{{Name: "tlp:green"}}},
			{Type: "md5", Category: "Payload delivery", Value: strings.Repeat("1a", 16), ObjectRelation: "md5"},
		},
		ObjectReference: misp.ObjectReferenceList{{ReferencedUUID: strings.ToUpper(uuid(101)), RelationshipType: "drops"}}}
	must(t, b.AddObject(c, int64(e.ID), o))
	if o.ID == 0 || o.UUID == "" || o.Timestamp == 0 || o.Attribute[0].ObjectID != o.ID || o.ObjectReference[0].ID == 0 {
		t.Fatalf("AddObject left ids unset: %+v", o)
	}
	got, err := b.Object(c, int64(o.ID))
	must(t, err)
	if got.EventID != e.ID || len(got.Attribute) != 2 || got.Attribute[0].ObjectRelation != "filename" ||
		len(got.Attribute[0].Tag) != 1 || len(got.ObjectReference) != 1 ||
		got.ObjectReference[0].ReferencedID != e.Attribute[0].ID || got.ObjectReference[0].ReferencedType != misp.ReferencedAttribute {
		t.Errorf("Object = %+v", got)
	}
	if byUUID, err := b.ObjectByUUID(c, o.UUID); err != nil || byUUID.ID != o.ID {
		t.Errorf("ObjectByUUID = %+v, %v", byUUID, err)
	}

	r := &misp.ObjectReference{ObjectUUID: o.UUID, ReferencedUUID: uuid(102), RelationshipType: "related-to"}
	must(t, b.AddObjectReference(c, r))
	if r.ObjectID != o.ID || r.ReferencedID != e.Attribute[1].ID || r.EventID != e.ID {
		t.Errorf("AddObjectReference = %+v", r)
	}
	wantErr(t, "reference from a missing object", b.AddObjectReference(c, &misp.ObjectReference{ObjectID: 999}), store.ErrNotFound)
	must(t, b.DeleteObjectReference(c, int64(r.ID), false, unix(1800000000)))
	got, _ = b.Object(c, int64(o.ID))
	if len(got.ObjectReference) != 2 || !bool(got.ObjectReference[1].Deleted) {
		t.Errorf("references after soft delete = %+v", got.ObjectReference)
	}
	must(t, b.DeleteObjectReference(c, int64(r.ID), true, unix(1800000000)))
	got, _ = b.Object(c, int64(o.ID))
	if len(got.ObjectReference) != 1 {
		t.Errorf("references after hard delete = %+v", got.ObjectReference)
	}
	wantErr(t, "delete a missing reference", b.DeleteObjectReference(c, int64(r.ID), true, time.Now()), store.ErrNotFound)

	at := unix(1800000001)
	must(t, b.DeleteObject(c, int64(o.ID), false, at))
	got, _ = b.Object(c, int64(o.ID))
	if !bool(got.Deleted) || got.Timestamp != misp.TimestampOf(at) || !bool(got.Attribute[0].Deleted) || !bool(got.Attribute[1].Deleted) {
		t.Errorf("after soft delete: %+v", got)
	}
	ev, _ := b.Event(c, int64(e.ID))
	if ev.AttributeCount != 3 {
		t.Errorf("attribute_count after object soft delete = %d, want 3", ev.AttributeCount)
	}
	must(t, b.DeleteObject(c, int64(o.ID), true, at))
	_, err = b.Object(c, int64(o.ID))
	wantErr(t, "hard-deleted object", err, store.ErrNotFound)
	_, err = b.Attribute(c, int64(o.Attribute[0].ID))
	wantErr(t, "attribute of a hard-deleted object", err, store.ErrNotFound)
	wantErr(t, "delete a missing object", b.DeleteObject(c, int64(o.ID), true, at), store.ErrNotFound)
	wantErr(t, "add to a missing event", b.AddObject(c, 999, &misp.Object{Name: "x"}), store.ErrNotFound)
}

func testSightings(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-A", 1)
	e := sampleEvent(org)
	must(t, b.SaveEvent(c, e))
	s1 := &misp.Sighting{AttributeID: e.Attribute[0].ID, OrgID: org.ID, Source: "ids", DateSighting: 1800000000}
	s2 := &misp.Sighting{AttributeUUID: strings.ToUpper(uuid(111)), OrgID: org.ID, Type: misp.SightingFalsePositive}
	must(t, b.AddSighting(c, s1))
	must(t, b.AddSighting(c, s2))
	if s1.ID == 0 || s1.UUID == "" || s1.EventID != e.ID || s2.AttributeID != e.Object[0].Attribute[0].ID || s2.DateSighting == 0 {
		t.Errorf("AddSighting: %+v %+v", s1, s2)
	}
	wantErr(t, "sighting of a missing attribute", b.AddSighting(c, &misp.Sighting{AttributeID: 999}), store.ErrNotFound)
	list, err := b.SightingsByAttribute(c, int64(e.Attribute[0].ID))
	must(t, err)
	if len(list) != 1 || list[0].Source != "ids" || list[0].DateSighting != 1800000000 || list[0].AttributeUUID != uuid(101) {
		t.Errorf("SightingsByAttribute = %+v", list)
	}
	list, err = b.SightingsByEvent(c, int64(e.ID))
	must(t, err)
	if len(list) != 2 || list[1].Type != misp.SightingFalsePositive {
		t.Errorf("SightingsByEvent = %+v", list)
	}
	if got, _ := b.Event(c, int64(e.ID)); got.SightingTimestamp < 1800000000 {
		t.Errorf("sighting_timestamp = %d", got.SightingTimestamp)
	}
	must(t, b.DeleteSighting(c, int64(s1.ID)))
	wantErr(t, "delete a missing sighting", b.DeleteSighting(c, int64(s1.ID)), store.ErrNotFound)
	if list, _ := b.SightingsByEvent(c, int64(e.ID)); len(list) != 1 {
		t.Errorf("sightings after delete = %+v", list)
	}
}

func testPublish(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-A", 1)
	e := sampleEvent(org)
	e.Published, e.PublishTimestamp = false, 0
	must(t, b.SaveEvent(c, e))
	must(t, b.PublishEvent(c, int64(e.ID), unix(1900000000)))
	got, _ := b.Event(c, int64(e.ID))
	if !bool(got.Published) || got.PublishTimestamp != 1900000000 {
		t.Errorf("after publish: %v %d", got.Published, got.PublishTimestamp)
	}
	must(t, b.UnpublishEvent(c, int64(e.ID)))
	got, _ = b.Event(c, int64(e.ID))
	if bool(got.Published) || got.PublishTimestamp != 1900000000 {
		t.Errorf("after unpublish: %v %d", got.Published, got.PublishTimestamp)
	}
	wantErr(t, "publish a missing event", b.PublishEvent(c, 999, time.Now()), store.ErrNotFound)
	wantErr(t, "unpublish a missing event", b.UnpublishEvent(c, 999), store.ErrNotFound)
}

func testDeleteEvent(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-A", 1)
	e := sampleEvent(org)
	must(t, b.SaveEvent(c, e))
	must(t, b.AddSighting(c, &misp.Sighting{AttributeID: e.Attribute[0].ID, OrgID: org.ID}))
	must(t, b.DeleteEvent(c, int64(e.ID)))
	_, err := b.Event(c, int64(e.ID))
	wantErr(t, "deleted event", err, store.ErrNotFound)
	for _, id := range []misp.FlexInt{e.Attribute[0].ID, e.Object[0].Attribute[0].ID} {
		_, err := b.Attribute(c, int64(id))
		wantErr(t, "attribute of a deleted event", err, store.ErrNotFound)
	}
	_, err = b.Object(c, int64(e.Object[0].ID))
	wantErr(t, "object of a deleted event", err, store.ErrNotFound)
	if list, err := b.SightingsByEvent(c, int64(e.ID)); err != nil || len(list) != 0 {
		t.Errorf("sightings of a deleted event: %v, %v", list, err)
	}
	wantErr(t, "delete a missing event", b.DeleteEvent(c, int64(e.ID)), store.ErrNotFound)
	// The uuids are free again.
	must(t, b.SaveEvent(c, sampleEvent(org)))
}

// testEventTimestampFollowsElements: a change to an attribute or object moves its event's timestamp up to the
// change's time, never down, as MISP's does.
func testEventTimestampFollowsElements(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-TS", 1)
	e := &misp.Event{OrgID: org.ID, OrgcID: org.ID, Info: "ts", Timestamp: 10, Distribution: dist(1),
		Attribute: []misp.Attribute{{Type: "domain", Category: "Network activity", Value: "ts.example.org", Timestamp: 10}}}
	must(t, b.SaveEvent(c, e))
	ts := func() int64 {
		got, err := b.Event(c, int64(e.ID))
		must(t, err)
		return int64(got.Timestamp)
	}
	if got := ts(); got != 10 {
		t.Fatalf("saved event timestamp %d, want 10", got)
	}
	attr := int64(e.Attribute[0].ID)
	must(t, b.DeleteAttribute(c, attr, false, time.Unix(1000, 0)))
	if got := ts(); got != 1000 {
		t.Errorf("after a delete at 1000: event timestamp %d", got)
	}
	must(t, b.RestoreAttribute(c, attr, time.Unix(900, 0)))
	if got := ts(); got != 1000 {
		t.Errorf("after a restore at 900 the timestamp must not go back: %d", got)
	}
	o := &misp.Object{Name: "domain-ip", MetaCategory: "network", TemplateUUID: "43b3b146-77eb-4931-b4cc-b66c60f28734",
		Timestamp: 20, Attribute: []misp.Attribute{{Type: "domain", Category: "Network activity", Value: "o.example.org",
			ObjectRelation: "domain", Timestamp: 20}}}
	before := time.Now().Add(-time.Hour).Unix()
	must(t, b.AddObject(c, int64(e.ID), o))
	if got := ts(); got < before {
		t.Errorf("after adding an object now: event timestamp %d", got)
	}
	must(t, b.DeleteObject(c, int64(o.ID), false, time.Unix(2000, 0)))
	if got := ts(); got < before {
		t.Errorf("a delete dated earlier moved the timestamp back to %d", got)
	}
}
