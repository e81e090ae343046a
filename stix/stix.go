// Package stix converts between MISP events and STIX 2.1: it reads bundles into events (ParseBundle: indicator
// patterns, observables, reports and groupings, galaxy objects as cluster tags) and writes MISP events and
// attributes as STIX 2.1 bundles (DESIGN: "MISP ⇄ STIX
// 2.1 conversion"), after the mapping of MISP's own converter (misp-stix, misp_to_stix21):
// the creator organisation becomes an identity, an event a report (published) or a grouping,
// an attribute flagged to_ids an indicator with a STIX pattern, any other attribute an
// observed-data with its cyber-observable objects, a type with no STIX equivalent an
// x-misp-attribute custom object, a MISP object an indicator, observed-data or
// x-misp-object, object references and galaxy attachments relationships, and galaxy
// clusters attack-pattern, malware, threat-actor, intrusion-set, tool or course-of-action
// objects (x-misp-galaxy-cluster for other galaxies); TLP tags become marking definitions.
//
// The bundle is written as it goes: one event (or attribute) at a time is held in memory,
// never the bundle.
package stix

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hunchsec/hunch/misp"
)

// Options tune a BundleWriter.
type Options struct {
	// BundleID is the uuid of the bundle (its id is "bundle--<BundleID>"); a random one when
	// empty.
	BundleID string
}

// EventContext is what an attribute written on its own (attributes/restSearch) needs of its
// event: the creator organisation and the event's identity.
type EventContext struct {
	// UUID and Info identify the event.
	UUID string
	Info string
	// Orgc is the organisation that created the event; its identity is written once per
	// bundle and referenced as created_by_ref.
	Orgc *misp.Organisation
	// Timestamp is the event's last change, used for the identity's created/modified.
	Timestamp misp.Timestamp
}

// ContextOf returns the context of the event e.
func ContextOf(e *misp.Event) *EventContext {
	return &EventContext{UUID: e.UUID, Info: e.Info, Orgc: e.Orgc, Timestamp: e.Timestamp}
}

// BundleWriter writes one STIX 2.1 bundle to an io.Writer, object by object.
type BundleWriter struct {
	w        *bufio.Writer
	bundleID string
	err      error
	started  bool
	closed   bool
	e        enc
	types    map[string]mapping
	// identities and clusters hold the ids already written, so that an organisation or a
	// galaxy cluster shared by many events is written once.
	identities map[string]bool
	clusters   map[string]bool
	tlpWritten map[string]bool
	// marks are the marking definitions of the object being written (its TLP tags)
	marks []string
	// the last time formatted, as STIX timestamps (most objects of an event share one)
	lastTime             time.Time
	lastMillis, lastSecs string
	// per event, reused
	refs   []string
	stixID map[string]string
}

// NewBundleWriter returns a writer of one bundle to w. Nothing is written before the first
// object or Close.
func NewBundleWriter(w io.Writer, opts Options) *BundleWriter {
	u := opts.BundleID
	if u == "" {
		u = uuid4()
	}
	return &BundleWriter{
		w:          bufio.NewWriterSize(w, 64<<10),
		bundleID:   id("bundle", u),
		types:      mappings(),
		identities: map[string]bool{},
		clusters:   map[string]bool{},
		tlpWritten: map[string]bool{},
		stixID:     map[string]string{},
	}
}

var errClosed = errors.New("stix: bundle writer is closed")

// flushObject writes the object built in b.e as the next element of the bundle.
func (b *BundleWriter) flushObject() {
	if b.err != nil {
		return
	}
	if !b.started {
		b.started = true
		_, b.err = b.w.WriteString(`{"type":"bundle","id":"` + b.bundleID + `","objects":[`)
	} else {
		b.err = b.w.WriteByte(',')
	}
	if b.err == nil {
		_, b.err = b.w.Write(b.e.b)
	}
}

// begin starts an object of type typ and identifier oid in b.e.
func (b *BundleWriter) begin(typ, oid string) {
	b.e.reset()
	b.e.open("")
	b.e.str("type", typ)
	b.e.str("spec_version", "2.1")
	b.e.str("id", oid)
}

func (b *BundleWriter) end() {
	b.e.closeObj()
	b.flushObject()
}

// common writes created_by_ref, created, modified and object_marking_refs.
func (b *BundleWriter) common(creator string, t time.Time) {
	b.e.optStr("created_by_ref", creator)
	if len(b.marks) > 0 {
		b.e.strs("object_marking_refs", b.marks)
	}
	m := b.millis(t)
	b.e.str("created", m)
	b.e.str("modified", m)
}

// tlp is one of the TLP marking definitions STIX 2.1 defines.
type tlp struct{ id, level string }

// tlpLevels are the TLP levels by MISP tag (TLP 2.0's clear and amber+strict as their TLP
// 1.0 equivalents, the only ones STIX 2.1 defines).
var tlpLevels = map[string]tlp{
	"tlp:white":        {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "white"},
	"tlp:clear":        {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "white"},
	"tlp:green":        {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "green"},
	"tlp:amber":        {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "amber"},
	"tlp:amber+strict": {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "amber"},
	"tlp:red":          {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red"},
}

// markings sets b.marks to the TLP markings of tags, writing each marking definition once
// per bundle.
func (b *BundleWriter) markings(tags []misp.Tag) {
	b.marks = b.marks[:0]
	for i := range tags {
		l, ok := tlpLevels[strings.ToLower(tags[i].Name)]
		if !ok || bool(tags[i].Local) || slices.Contains(b.marks, l.id) {
			continue
		}
		b.marks = append(b.marks, l.id)
		if b.tlpWritten[l.id] {
			continue
		}
		b.tlpWritten[l.id] = true
		b.e.reset()
		b.e.open("")
		b.e.str("type", "marking-definition")
		b.e.str("spec_version", "2.1")
		b.e.str("id", l.id)
		b.e.str("created", "2017-01-20T00:00:00.000Z")
		b.e.str("definition_type", "tlp")
		b.e.str("name", "TLP:"+strings.ToUpper(l.level))
		b.e.open("definition")
		b.e.str("tlp", l.level)
		b.e.closeObj()
		b.end()
	}
}

// millis formats t with milliseconds (created, modified).
func (b *BundleWriter) millis(t time.Time) string {
	b.format(t)
	return b.lastMillis
}

// seconds formats t to the second (valid_from, first_observed…).
func (b *BundleWriter) seconds(t time.Time) string {
	b.format(t)
	return b.lastSecs
}

func (b *BundleWriter) format(t time.Time) {
	if !t.Equal(b.lastTime) || b.lastMillis == "" {
		b.lastTime, b.lastMillis, b.lastSecs = t, stamp(t), stampSeconds(t)
	}
}

// identity writes the identity of org once per bundle and returns its id ("" without an
// organisation).
func (b *BundleWriter) identity(org *misp.Organisation, t time.Time) string {
	if org == nil || (org.UUID == "" && org.Name == "") {
		return ""
	}
	u := org.UUID
	if u == "" {
		u = "org:" + org.Name
	}
	oid := id("identity", u)
	if b.identities[oid] {
		return oid
	}
	b.identities[oid] = true
	b.begin("identity", oid)
	b.common("", t)
	name := org.Name
	if name == "" {
		name = org.UUID
	}
	b.e.str("name", name)
	b.e.str("identity_class", "organization")
	b.end()
	return oid
}

// WriteEvent writes the event e: its creator's identity, a report (published event) or a
// grouping (unpublished) referring to everything else it becomes, its attributes, objects,
// object references and galaxy clusters. Deleted attributes and objects are left out.
func (b *BundleWriter) WriteEvent(e *misp.Event) error {
	if b.closed {
		return errClosed
	}
	if b.err != nil {
		return b.err
	}
	t := e.Timestamp.Time()
	creator := b.identity(e.Orgc, t)
	b.refs = b.refs[:0]
	// identifiers are remembered only for what object references join, not per attribute
	clear(b.stixID)
	for i := range e.Object {
		for j := range e.Object[i].ObjectReference {
			b.stixID[e.Object[i].UUID] = ""
			b.stixID[e.Object[i].ObjectReference[j].ReferencedUUID] = ""
		}
	}
	remember := func(u, oid string) {
		if _, ok := b.stixID[u]; ok {
			b.stixID[u] = oid
		}
	}
	for i := range e.Attribute {
		a := &e.Attribute[i]
		if a.Deleted {
			continue
		}
		if oid := b.attribute(a, creator); oid != "" {
			b.refs = append(b.refs, oid)
			remember(a.UUID, oid)
		}
	}
	for i := range e.Object {
		o := &e.Object[i]
		if o.Deleted {
			continue
		}
		oid := b.object(o, creator)
		b.refs = append(b.refs, oid)
		remember(o.UUID, oid)
	}
	for i := range e.Object {
		o := &e.Object[i]
		if o.Deleted {
			continue
		}
		for j := range o.ObjectReference {
			r := &o.ObjectReference[j]
			src, tgt := b.stixID[o.UUID], b.stixID[r.ReferencedUUID]
			if r.Deleted || src == "" || tgt == "" {
				continue
			}
			u := r.UUID
			if u == "" {
				u = o.UUID + "|" + r.ReferencedUUID + "|" + r.RelationshipType
			}
			b.refs = append(b.refs, b.relationship(id("relationship", u), src, tgt, r.RelationshipType, creator, r.Timestamp.Time()))
		}
	}
	for _, g := range e.Galaxy {
		for j := range g.GalaxyCluster {
			c := &g.GalaxyCluster[j]
			if c.Local {
				continue
			}
			b.refs = append(b.refs, b.cluster(&g, c, creator, t))
		}
	}
	typ := "grouping"
	if e.Published {
		typ = "report"
	}
	oid := id(typ, e.UUID)
	b.markings(e.Tag)
	defer func() { b.marks = b.marks[:0] }()
	if len(b.refs) == 0 {
		// report and grouping refer to at least one object: misp-stix writes a note
		b.refs = append(b.refs, b.note(e, oid, creator, t))
	}
	b.begin(typ, oid)
	b.common(creator, t)
	b.e.str("name", e.Info)
	if e.Published {
		pub := e.PublishTimestamp.Time()
		if e.PublishTimestamp == 0 {
			pub = t
		}
		b.e.str("published", b.seconds(pub))
	} else {
		b.e.str("context", "suspicious-activity")
	}
	b.labels(tagLabels(nil, e.Tag))
	// object_refs go straight to the output: an event of 100 000 attributes has as many
	b.e.key("object_refs")
	b.e.b = append(b.e.b, '[')
	b.flushObject()
	for i, r := range b.refs {
		if b.err != nil {
			break
		}
		b.e.b = b.e.b[:0]
		if i > 0 {
			b.e.b = append(b.e.b, ',')
		}
		b.e.b = appendString(b.e.b, r)
		_, b.err = b.w.Write(b.e.b)
	}
	if b.err == nil {
		_, b.err = b.w.WriteString("]}")
	}
	return b.err
}

// note writes the note an event with nothing in it gets, as misp-stix does, and returns
// its id.
func (b *BundleWriter) note(e *misp.Event, about, creator string, t time.Time) string {
	oid := id("note", e.UUID)
	b.begin("note", oid)
	b.common(creator, t)
	b.e.str("content", "This MISP Event is empty and contains no attribute, object or galaxy.")
	b.e.strs("object_refs", []string{about})
	b.end()
	return oid
}

// WriteAttribute writes one attribute as attributes/restSearch asks for it: the identity
// of its event's creator (from ev, or else from the attribute's own Event summary) and the
// objects it becomes, without a report or grouping.
func (b *BundleWriter) WriteAttribute(a *misp.Attribute, ev *EventContext) error {
	if b.closed {
		return errClosed
	}
	if b.err != nil {
		return b.err
	}
	if ev == nil && a.Event != nil {
		ev = &EventContext{UUID: a.Event.UUID, Info: a.Event.Info, Orgc: a.Event.Orgc, Timestamp: a.Event.Timestamp}
	}
	creator := ""
	if ev != nil {
		t := ev.Timestamp
		if t == 0 {
			t = a.Timestamp
		}
		creator = b.identity(ev.Orgc, t.Time())
	}
	b.attribute(a, creator)
	return b.err
}

// Close ends the bundle and flushes it; it does not close the underlying writer. A bundle
// with no object is written without "objects" (the schema wants at least one when present).
func (b *BundleWriter) Close() error {
	if b.closed {
		return b.err
	}
	b.closed = true
	if b.err != nil {
		return b.err
	}
	if b.started {
		_, b.err = b.w.WriteString("]}")
	} else {
		_, b.err = b.w.WriteString(`{"type":"bundle","id":"` + b.bundleID + `"}`)
	}
	if b.err == nil {
		b.err = b.w.Flush()
	}
	if b.err != nil {
		b.err = fmt.Errorf("write stix bundle: %w", b.err)
	}
	return b.err
}

// labels writes the labels member when there are any.
func (b *BundleWriter) labels(l []string) {
	if len(l) > 0 {
		b.e.strs("labels", l)
	}
}

// tagLabels appends the names of the exportable, non-galaxy tags (misp-stix writes tags as
// labels; galaxy clusters become objects of their own).
func tagLabels(l []string, tags []misp.Tag) []string {
	for i := range tags {
		t := &tags[i]
		if bool(t.Local) || bool(t.IsGalaxy) || strings.HasPrefix(t.Name, "misp-galaxy:") || t.Name == "" {
			continue
		}
		l = append(l, t.Name)
	}
	return l
}

// attrLabels returns the labels misp-stix puts on an attribute's object.
func attrLabels(a *misp.Attribute, toIDS bool) []string {
	l := make([]string, 0, 3+len(a.Tag))
	l = append(l, `misp:type="`+a.Type+`"`, `misp:category="`+a.Category+`"`)
	if toIDS {
		l = append(l, `misp:to_ids="True"`)
	}
	return tagLabels(l, a.Tag)
}

// seen returns the valid_from/first_observed and valid_until/last_observed of an attribute or object:
// first_seen and last_seen when set, the attribute's timestamp otherwise.
func seen(ts misp.Timestamp, first, last misp.MicroTime) (time.Time, time.Time) {
	from, until := ts.Time(), ts.Time()
	if !first.IsZero() {
		from = first.Time.UTC()
		until = from
	}
	if !last.IsZero() && !last.Time.Before(from) {
		until = last.Time.UTC()
	}
	return from, until
}

func killChain(e *enc, category string) {
	if category == "" {
		return
	}
	e.openList("kill_chain_phases")
	e.open("")
	e.str("kill_chain_name", "misp-category")
	e.str("phase_name", category)
	e.closeObj()
	e.closeList()
}

// cveID is the form of a CVE identifier STIX accepts in an external reference from "cve".
var cveID = regexp.MustCompile(`^CVE-\d{4}-(0\d{3}|[1-9]\d{3,})$`)

// attackID is the form of an ATT&CK technique identifier (a cluster's external_id may also
// be a CAPEC one).
var attackID = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)

// attribute writes the objects attribute a becomes and returns the id of its main object.
func (b *BundleWriter) attribute(a *misp.Attribute, creator string) string {
	toIDS := a.ToIDS.Or(misp.DefaultToIDS(a.Type)).Bool()
	t := a.Timestamp.Time()
	b.markings(a.Tag)
	var oid string
	switch a.Type {
	case "vulnerability":
		oid = id("vulnerability", a.UUID)
		b.begin("vulnerability", oid)
		b.common(creator, t)
		b.e.str("name", a.Value)
		b.e.optStr("description", a.Comment)
		b.labels(attrLabels(a, toIDS))
		if cveID.MatchString(a.Value) {
			b.e.openList("external_references")
			b.e.open("")
			b.e.str("source_name", "cve")
			b.e.str("external_id", a.Value)
			b.e.closeObj()
			b.e.closeList()
		}
		b.end()
	case "campaign-name":
		oid = id("campaign", a.UUID)
		b.begin("campaign", oid)
		b.common(creator, t)
		b.e.str("name", a.Value)
		b.e.optStr("description", a.Comment)
		b.labels(attrLabels(a, toIDS))
		b.end()
	default:
		oid = b.indicatorOrObserved(a, creator, toIDS)
	}
	b.marks = b.marks[:0]
	b.attributeGalaxies(a, oid, creator)
	return oid
}

func (b *BundleWriter) indicatorOrObserved(a *misp.Attribute, creator string, toIDS bool) string {
	m, ok := b.types[a.Type]
	from, until := seen(a.Timestamp, a.FirstSeen, a.LastSeen)
	if ok && toIDS && m.pattern != nil {
		if p, pok := m.pattern(a.Value); pok {
			oid := id("indicator", a.UUID)
			lang := m.patternType
			if lang == "" {
				lang, p = "stix", "["+p+"]"
			}
			b.indicator(oid, p, lang, creator, a.Timestamp.Time(), from, until, a.Comment, a.Category, attrLabels(a, true))
			return oid
		}
	}
	if ok && !toIDS && m.observe != nil {
		if scos, sok := m.observe(a.Value); sok {
			ids := make([]string, len(scos))
			for i, s := range scos {
				ids[i] = id(s.typ, a.UUID)
			}
			oid := id("observed-data", a.UUID)
			b.observed(oid, ids, creator, a.Timestamp.Time(), from, until, attrLabels(a, false))
			b.scos(scos, ids)
			return oid
		}
	}
	oid := id("x-misp-attribute", a.UUID)
	b.begin("x-misp-attribute", oid)
	b.common(creator, a.Timestamp.Time())
	b.labels(attrLabels(a, toIDS))
	b.e.str("x_misp_type", a.Type)
	b.e.str("x_misp_category", a.Category)
	b.e.str("x_misp_value", a.Value)
	b.e.optStr("x_misp_comment", a.Comment)
	b.end()
	return oid
}

func (b *BundleWriter) indicator(oid, pattern, lang, creator string, t, from, until time.Time, description, category string, labels []string) {
	b.begin("indicator", oid)
	b.common(creator, t)
	b.e.optStr("description", description)
	b.e.str("pattern", pattern)
	b.e.str("pattern_type", lang)
	if lang == "stix" {
		b.e.str("pattern_version", "2.1")
	}
	b.e.str("valid_from", b.seconds(from))
	if until.After(from) {
		b.e.str("valid_until", b.seconds(until))
	}
	killChain(&b.e, category)
	b.labels(labels)
	b.end()
}

func (b *BundleWriter) observed(oid string, ids []string, creator string, t, from, until time.Time, labels []string) {
	b.begin("observed-data", oid)
	b.common(creator, t)
	b.e.str("first_observed", b.seconds(from))
	b.e.str("last_observed", b.seconds(until))
	b.e.num("number_observed", 1)
	b.e.strs("object_refs", ids)
	b.labels(labels)
	b.end()
}

func (b *BundleWriter) scos(scos []sco, ids []string) {
	for i, s := range scos {
		b.e.reset()
		b.e.open("")
		b.e.str("type", s.typ)
		b.e.str("spec_version", "2.1")
		b.e.str("id", ids[i])
		s.write(&b.e, ids)
		b.end()
	}
}

// object writes MISP object o: an indicator whose pattern joins those of its attributes when
// one of them is flagged to_ids, else an observed-data over its attributes' observables,
// else (none of its attributes has a STIX mapping) an x-misp-object.
func (b *BundleWriter) object(o *misp.Object, creator string) string {
	t := o.Timestamp.Time()
	from, until := seen(o.Timestamp, o.FirstSeen, o.LastSeen)
	labels := []string{`misp:name="` + o.Name + `"`, `misp:meta-category="` + o.MetaCategory + `"`}
	toIDS := false
	for i := range o.Attribute {
		a := &o.Attribute[i]
		if !bool(a.Deleted) && a.ToIDS.Or(misp.DefaultToIDS(a.Type)).Bool() {
			toIDS = true
		}
	}
	if toIDS {
		var groups []string // comparison expressions by SCO type, in order of appearance
		byType := map[string]int{}
		for i := range o.Attribute {
			a := &o.Attribute[i]
			m, ok := b.types[a.Type]
			if bool(a.Deleted) || !ok || m.pattern == nil || m.patternType != "" {
				continue
			}
			p, ok := m.pattern(a.Value)
			if !ok {
				continue
			}
			root, _, _ := strings.Cut(p, ":")
			if k, seen := byType[root]; seen {
				groups[k] += " AND " + p
			} else {
				byType[root] = len(groups)
				groups = append(groups, p)
			}
		}
		if len(groups) > 0 {
			oid := id("indicator", o.UUID)
			b.indicator(oid, "["+strings.Join(groups, "] AND [")+"]", "stix", creator, t, from, until, o.Comment, o.MetaCategory,
				append(labels, `misp:to_ids="True"`))
			return oid
		}
	} else {
		var all []sco
		var ids []string
		for i := range o.Attribute {
			a := &o.Attribute[i]
			m, ok := b.types[a.Type]
			if bool(a.Deleted) || !ok || m.observe == nil {
				continue
			}
			scos, ok := m.observe(a.Value)
			if !ok {
				continue
			}
			base := len(all)
			for _, s := range scos {
				ids = append(ids, id(s.typ, a.UUID))
			}
			all = append(all, scos...)
			// each attribute's SCOs refer to each other by their own positions
			for k := range scos {
				w := scos[k].write
				own := ids[base : base+len(scos)]
				all[base+k].write = func(e *enc, _ []string) { w(e, own) }
			}
		}
		if len(all) > 0 {
			oid := id("observed-data", o.UUID)
			b.observed(oid, ids, creator, t, from, until, labels)
			b.scos(all, ids)
			return oid
		}
	}
	oid := id("x-misp-object", o.UUID)
	b.begin("x-misp-object", oid)
	b.common(creator, t)
	b.labels(labels)
	b.e.str("x_misp_name", o.Name)
	b.e.str("x_misp_meta_category", o.MetaCategory)
	b.e.optStr("x_misp_comment", o.Comment)
	n := 0
	for i := range o.Attribute {
		a := &o.Attribute[i]
		if a.Deleted {
			continue
		}
		if n++; n == 1 {
			b.e.openList("x_misp_attributes")
		}
		b.e.open("")
		b.e.str("type", a.Type)
		b.e.str("object_relation", string(a.ObjectRelation))
		b.e.str("value", a.Value)
		b.e.boolean("to_ids", a.ToIDS.Bool())
		b.e.str("uuid", a.UUID)
		b.e.closeObj()
	}
	if n > 0 {
		b.e.closeList()
	}
	b.end()
	return oid
}

// relationshipType brings a MISP relationship name to the STIX form ([a-z0-9-]+):
// lower case, anything else turned into '-'; "related-to" when empty.
func relationshipType(s string) string {
	if s == "" {
		return "related-to"
	}
	r := []byte(strings.ToLower(s))
	for i, c := range r {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			r[i] = '-'
		}
	}
	return string(r)
}

func (b *BundleWriter) relationship(oid, src, tgt, typ, creator string, t time.Time) string {
	b.begin("relationship", oid)
	b.common(creator, t)
	b.e.str("relationship_type", relationshipType(typ))
	b.e.str("source_ref", src)
	b.e.str("target_ref", tgt)
	b.end()
	return oid
}

// attributeGalaxies writes the clusters attached to a and a relationship from a's object to
// each: "indicates" from an indicator, "related-to" otherwise.
func (b *BundleWriter) attributeGalaxies(a *misp.Attribute, oid, creator string) {
	rel := "related-to"
	if strings.HasPrefix(oid, "indicator--") {
		rel = "indicates"
	}
	t := a.Timestamp.Time()
	for _, g := range a.Galaxy {
		for j := range g.GalaxyCluster {
			c := &g.GalaxyCluster[j]
			if c.Local {
				continue
			}
			cid := b.cluster(&g, c, creator, t)
			b.relationship(id("relationship", uuid5(oid+"|"+rel+"|"+cid)), oid, cid, rel, creator, t)
		}
	}
}

// clusterType returns the STIX type a cluster of galaxy type gt becomes.
func clusterType(gt string) string {
	switch {
	case strings.Contains(gt, "attack-pattern"):
		return "attack-pattern"
	case strings.Contains(gt, "intrusion-set"):
		return "intrusion-set"
	case strings.Contains(gt, "course-of-action"):
		return "course-of-action"
	case gt == "threat-actor" || strings.HasSuffix(gt, "-threat-actor"):
		return "threat-actor"
	case strings.Contains(gt, "malware") || strings.Contains(gt, "ransomware"):
		return "malware"
	case gt == "malpedia" || gt == "botnet" || gt == "rat" || gt == "banker" || gt == "stealer" ||
		gt == "backdoor" || gt == "exploit-kit" || gt == "android" || gt == "tds":
		return "malware"
	case strings.Contains(gt, "tool"):
		return "tool"
	}
	return "x-misp-galaxy-cluster"
}

// cluster writes galaxy cluster c of galaxy g once per bundle and returns its id.
func (b *BundleWriter) cluster(g *misp.Galaxy, c *misp.GalaxyCluster, creator string, t time.Time) string {
	gt := g.Type
	if gt == "" {
		gt = c.Type
	}
	typ := clusterType(gt)
	u := c.UUID
	if u == "" {
		u = c.TagName + "|" + c.Value
	}
	oid := id(typ, u)
	if b.clusters[oid] {
		return oid
	}
	b.clusters[oid] = true
	b.begin(typ, oid)
	b.common(creator, t)
	name := c.Value
	if name == "" {
		name = c.TagName
	}
	if typ == "x-misp-galaxy-cluster" {
		b.e.str("x_misp_name", name)
		b.e.optStr("x_misp_description", c.Description)
		b.e.str("x_misp_galaxy_type", gt)
	} else {
		b.e.str("name", name)
		b.e.optStr("description", c.Description)
		if typ == "malware" {
			b.e.boolean("is_family", true)
		}
		if syn := c.Meta["synonyms"]; len(syn) > 0 && (typ == "threat-actor" || typ == "intrusion-set" || typ == "malware" || typ == "tool") {
			key := "aliases"
			if typ == "tool" {
				key = "x_misp_synonyms"
			}
			b.e.strs(key, syn)
		}
		if typ == "attack-pattern" {
			for _, ext := range c.Meta["external_id"] {
				if attackID.MatchString(ext) {
					b.e.openList("external_references")
					b.e.open("")
					b.e.str("source_name", "mitre-attack")
					b.e.str("external_id", ext)
					b.e.closeObj()
					b.e.closeList()
					break
				}
			}
		}
	}
	l := []string{`misp:galaxy-name="` + g.Name + `"`, `misp:galaxy-type="` + gt + `"`}
	b.labels(l)
	b.end()
	return oid
}
