package stix

// STIX 2.1 import: a bundle (or the objects of a TAXII envelope) read into MISP events, after the reverse of the
// mapping the writer follows. Whatever is not imported is counted with its reason, never dropped silently.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hunchsec/hunch/misp"
)

// DefaultMaxObjects bounds how many objects one bundle may hold when ParseOptions.MaxObjects is zero.
const DefaultMaxObjects = 1_000_000

// ParseOptions tune ParseBundle and ParseObjects.
type ParseOptions struct {
	// MaxObjects bounds the objects read; a bundle with more is refused. Zero means DefaultMaxObjects.
	MaxObjects int
	// Cluster names the MISP galaxy tag of a malware, threat-actor, attack-pattern, intrusion-set, tool or
	// course-of-action object named name (misp-galaxy:threat-actor="APT 28"), when a known cluster matches;
	// nil, or false, leaves the object as a tag "<stix type>:<name>". Objects written by hunch or MISP carry
	// their galaxy type in a misp:galaxy-type label, which is used first.
	Cluster func(stixType, name string) (tag string, ok bool)
}

// Skipped is one STIX object that was not imported, and why.
type Skipped struct {
	ID     string
	Type   string
	Reason string
}

// Result is what a bundle was read into.
type Result struct {
	// Events are the events: one per report or grouping, and one for the objects no report or grouping refers
	// to (named after the bundle).
	Events []*misp.Event
	// Objects is how many objects the bundle held; Skipped those not imported, with the reason.
	Objects int
	Skipped []Skipped
	// Sources holds, for each event of Events, the ids of the objects read into it.
	Sources [][]string
}

// SkippedReasons counts the skipped objects by reason.
func (r *Result) SkippedReasons() map[string]int {
	m := map[string]int{}
	for _, s := range r.Skipped {
		m[s.Reason]++
	}
	return m
}

// ErrNotBundle is the error of a body that is not a STIX bundle.
var ErrNotBundle = errors.New("not a stix bundle")

// ParseBundle reads a STIX 2.x bundle ({"type":"bundle","objects":[…]}) into MISP events.
func ParseBundle(data []byte, opts ParseOptions) (*Result, error) {
	var b struct {
		Type    string            `json:"type"`
		ID      string            `json:"id"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("read stix bundle: %w", err)
	}
	if b.Type != "bundle" {
		return nil, fmt.Errorf("read stix bundle: type %q: %w", b.Type, ErrNotBundle)
	}
	return ParseObjects(b.ID, b.Objects, opts)
}

// object is the part of any STIX object the import reads; raw keeps the whole of it.
type object struct {
	Type          string   `json:"type"`
	ID            string   `json:"id"`
	Created       string   `json:"created"`
	Modified      string   `json:"modified"`
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	Labels        []string `json:"labels"`
	CreatedByRef  string   `json:"created_by_ref"`
	ObjectRefs    []string `json:"object_refs"`
	MarkingRefs   []string `json:"object_marking_refs"`
	Published     string   `json:"published"`
	Pattern       string   `json:"pattern"`
	SourceRef     string   `json:"source_ref"`
	TargetRef     string   `json:"target_ref"`
	PatternType   string   `json:"pattern_type"`
	ValidFrom     string   `json:"valid_from"`
	FirstObserved string   `json:"first_observed"`
	KillChain     []struct {
		Name  string `json:"kill_chain_name"`
		Phase string `json:"phase_name"`
	} `json:"kill_chain_phases"`
	Definition struct {
		TLP string `json:"tlp"`
	} `json:"definition"`
	// observed-data of STIX 2.0 embeds its observables by key
	Embedded map[string]json.RawMessage `json:"objects"`
	// x-misp-attribute and x-misp-object, as misp-stix writes them
	XType       string `json:"x_misp_type"`
	XCategory   string `json:"x_misp_category"`
	XValue      string `json:"x_misp_value"`
	XComment    string `json:"x_misp_comment"`
	XName       string `json:"x_misp_name"`
	XMetaCat    string `json:"x_misp_meta_category"`
	XAttributes []struct {
		Type     string `json:"type"`
		Relation string `json:"object_relation"`
		Value    string `json:"value"`
		ToIDS    bool   `json:"to_ids"`
		UUID     string `json:"uuid"`
	} `json:"x_misp_attributes"`

	raw map[string]json.RawMessage
}

// scoTypes are the STIX 2.1 cyber-observable object types.
var scoTypes = map[string]bool{"artifact": true, "autonomous-system": true, "directory": true, "domain-name": true,
	"email-addr": true, "email-message": true, "file": true, "ipv4-addr": true, "ipv6-addr": true, "mac-addr": true,
	"mutex": true, "network-traffic": true, "process": true, "software": true, "url": true, "user-account": true,
	"windows-registry-key": true, "x509-certificate": true}

// clusterTypes are the STIX domain objects imported as galaxy tags, with the MISP galaxy their clusters are
// looked for in when the object does not say.
var clusterTypes = map[string]string{"malware": "malpedia", "threat-actor": "threat-actor", "attack-pattern": "mitre-attack-pattern",
	"intrusion-set": "mitre-intrusion-set", "tool": "tool", "course-of-action": "mitre-course-of-action",
	"x-misp-galaxy-cluster": ""}

// importer holds one bundle being read.
type importer struct {
	opts    ParseOptions
	byID    map[string]*object
	order   []*object
	res     *Result
	used    map[string]bool
	hashes  map[string]string
	types   map[string]mapping
	tlpTags map[string]string // marking-definition id → tlp tag
	sources map[*misp.Event][]string
	// attrs are the attributes each object was read into, by its STIX id (relationships to galaxy objects tag them)
	attrs map[string][]attrRef
	// deferred are the relationships a report refers to, read with the others at the end
	deferred map[string]bool
}

// attrRef is an attribute of an event being read.
type attrRef struct {
	ev  *misp.Event
	idx int
}

// ParseObjects reads the objects of a bundle (or of a TAXII envelope) into MISP events; bundleID names the
// event of the objects no report or grouping refers to (its uuid is the bundle's, or without one derived from
// the objects' ids).
func ParseObjects(bundleID string, objects []json.RawMessage, opts ParseOptions) (*Result, error) {
	max := opts.MaxObjects
	if max <= 0 {
		max = DefaultMaxObjects
	}
	if len(objects) > max {
		return nil, fmt.Errorf("read stix bundle: %d objects, more than the limit of %d", len(objects), max)
	}
	im := &importer{opts: opts, byID: map[string]*object{}, res: &Result{Objects: len(objects)}, used: map[string]bool{},
		hashes: hashTypes(), types: mappings(), tlpTags: map[string]string{},
		sources: map[*misp.Event][]string{}, attrs: map[string][]attrRef{}, deferred: map[string]bool{}}
	for i, raw := range objects {
		o := &object{}
		if err := json.Unmarshal(raw, o); err != nil {
			im.skip(&object{ID: fmt.Sprintf("objects[%d]", i)}, "malformed object: "+err.Error())
			continue
		}
		if err := json.Unmarshal(raw, &o.raw); err != nil {
			im.skip(o, "malformed object: "+err.Error())
			continue
		}
		if o.Type == "" || o.ID == "" {
			im.skip(o, "object without type or id")
			continue
		}
		if _, dup := im.byID[o.ID]; dup {
			prev := im.byID[o.ID]
			if o.Modified <= prev.Modified {
				im.skip(o, "older or equal version of an object given twice")
				continue
			}
			im.skip(prev, "older version of an object given twice")
			im.order = slices.DeleteFunc(im.order, func(x *object) bool { return x == prev })
		}
		im.byID[o.ID] = o
		im.order = append(im.order, o)
	}
	for _, o := range im.order {
		if o.Type == "marking-definition" {
			im.used[o.ID] = true
			if o.Definition.TLP != "" {
				im.tlpTags[o.ID] = "tlp:" + strings.ToLower(o.Definition.TLP)
			} else if tag, ok := tlpByID(o.ID); ok {
				im.tlpTags[o.ID] = tag
			}
		}
	}
	// events of the reports and groupings, in bundle order
	var containers []*object
	for _, o := range im.order {
		if o.Type == "report" || o.Type == "grouping" {
			containers = append(containers, o)
		}
	}
	claimed := map[string]bool{}
	for _, c := range containers {
		ev := im.event(c)
		for _, ref := range c.ObjectRefs {
			if claimed[ref] {
				continue
			}
			if o := im.byID[ref]; o != nil {
				claimed[ref] = true
				im.add(ev, o)
			}
		}
		im.res.Events = append(im.res.Events, ev)
	}
	// galaxy objects that relationships attach to attributes become those attributes' tags
	tagging := map[string]bool{}
	for _, o := range im.order {
		if o.Type == "relationship" && im.isCluster(im.byID[o.TargetRef]) && attributeSource(im.byID[o.SourceRef]) {
			tagging[o.TargetRef] = true
		}
	}
	// what no report refers to goes to one event named after the bundle
	var rest *misp.Event
	var restIDs []string
	for _, o := range im.order {
		if claimed[o.ID] || im.used[o.ID] || o.Type == "report" || o.Type == "grouping" || o.Type == "identity" ||
			o.Type == "marking-definition" || o.Type == "relationship" || (scoTypes[o.Type] && im.referenced(o.ID)) ||
			tagging[o.ID] {
			continue
		}
		if rest == nil {
			rest = &misp.Event{Info: "STIX 2.1 bundle " + bundleID}
			if bundleID == "" {
				rest.Info = "STIX 2.1 import"
			}
		}
		restIDs = append(restIDs, o.ID)
		im.add(rest, o)
	}
	if rest != nil {
		// the bundle's uuid, or one made of the objects' ids: the same objects sent again are the same event
		u, ok := uuidOf(bundleID)
		if !ok {
			slices.Sort(restIDs)
			u = uuid5("stix import|" + strings.Join(restIDs, "|"))
		}
		rest.UUID = u
		im.finishEvent(rest)
		im.res.Events = append(im.res.Events, rest)
	}
	im.relationships()
	for _, o := range im.order {
		switch {
		case im.used[o.ID]:
		case o.Type == "identity":
			im.skip(o, "identity not the creator of a report")
		case o.Type == "relationship":
			im.skip(o, "relationships are not imported")
		case scoTypes[o.Type]:
			im.skip(o, "observable referred to by nothing imported")
		}
	}
	for _, ev := range im.res.Events {
		im.res.Sources = append(im.res.Sources, im.sources[ev])
	}
	slices.SortStableFunc(im.res.Skipped, func(a, b Skipped) int { return strings.Compare(a.Reason, b.Reason) })
	return im.res, nil
}

// referenced reports whether some observed-data or another observable refers to the observable id (it is then
// imported through them).
func (im *importer) referenced(id string) bool {
	for _, o := range im.order {
		if o.Type == "observed-data" && slices.Contains(o.ObjectRefs, id) {
			return true
		}
		if scoTypes[o.Type] && o.ID != id && bytes.Contains(rawRefs(o), []byte(`"`+id+`"`)) {
			return true
		}
	}
	return false
}

func rawRefs(o *object) []byte {
	var b []byte
	for k, v := range o.raw {
		if strings.HasSuffix(k, "_ref") || strings.HasSuffix(k, "_refs") || k == "body_multipart" {
			b = append(b, v...)
		}
	}
	return b
}

func (im *importer) skip(o *object, reason string) {
	im.res.Skipped = append(im.res.Skipped, Skipped{ID: o.ID, Type: o.Type, Reason: reason})
	im.used[o.ID] = true
}

// tlpByID knows the STIX 2.1 TLP marking definitions by id.
func tlpByID(id string) (string, bool) {
	for name, l := range tlpLevels {
		if l.id == id && !strings.Contains(name, "clear") && !strings.Contains(name, "strict") {
			return name, true
		}
	}
	return "", false
}

var uuidPart = regexp.MustCompile(`--([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$`)

// uuidOf returns the uuid of a STIX identifier.
func uuidOf(stixID string) (string, bool) {
	m := uuidPart.FindStringSubmatch(stixID)
	if m == nil {
		return "", false
	}
	return strings.ToLower(m[1]), true
}

func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err == nil
}

func timestamp(s ...string) misp.Timestamp {
	for _, v := range s {
		if t, ok := parseTime(v); ok {
			return misp.TimestampOf(t)
		}
	}
	return 0
}

// mispLabel returns the value of a label misp:key="value".
func mispLabel(labels []string, key string) (string, bool) {
	for _, l := range labels {
		if v, ok := strings.CutPrefix(l, "misp:"+key+"=\""); ok && strings.HasSuffix(v, `"`) {
			return strings.TrimSuffix(v, `"`), true
		}
	}
	return "", false
}

// tags returns the tags of an object: its labels that are not misp:… ones, and its TLP markings.
func (im *importer) tags(o *object) []misp.Tag {
	var tags []misp.Tag
	for _, l := range o.Labels {
		if strings.HasPrefix(l, "misp:") || l == "" {
			continue
		}
		tags = append(tags, misp.Tag{Name: l})
	}
	for _, m := range o.MarkingRefs {
		if t, ok := im.tlpTags[m]; ok && !slices.ContainsFunc(tags, func(x misp.Tag) bool { return x.Name == t }) {
			tags = append(tags, misp.Tag{Name: t})
		}
	}
	return tags
}

// event starts the event of report or grouping c.
func (im *importer) event(c *object) *misp.Event {
	im.used[c.ID] = true
	u, _ := uuidOf(c.ID)
	ev := &misp.Event{UUID: u, Info: c.Name, Published: c.Type == "report", Timestamp: timestamp(c.Modified, c.Created)}
	im.sources[ev] = append(im.sources[ev], c.ID)
	if idn := im.byID[c.CreatedByRef]; idn != nil {
		im.sources[ev] = append(im.sources[ev], idn.ID)
	}
	if ev.Info == "" {
		ev.Info = c.Description
	}
	if ev.Info == "" {
		ev.Info = "STIX 2.1 " + c.Type + " " + c.ID
	}
	if c.Type == "report" {
		ev.PublishTimestamp = timestamp(c.Published)
	}
	if t, ok := parseTime(firstNonEmpty(c.Published, c.Created, c.Modified)); ok {
		ev.Date = misp.Date{Time: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
	}
	ev.Tag = im.tags(c)
	if idn := im.byID[c.CreatedByRef]; idn != nil && idn.Type == "identity" {
		im.used[idn.ID] = true
		org := &misp.Organisation{Name: idn.Name}
		if u, ok := uuidOf(idn.ID); ok {
			org.UUID = u
		}
		ev.Orgc = org
	}
	return ev
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func (im *importer) finishEvent(ev *misp.Event) {
	var latest misp.Timestamp
	for _, a := range ev.Attribute {
		latest = max(latest, a.Timestamp)
	}
	if ev.Timestamp == 0 {
		ev.Timestamp = latest
	}
}

// add imports object o into event ev, remembering the attributes it becomes.
func (im *importer) add(ev *misp.Event, o *object) {
	if im.used[o.ID] {
		return
	}
	im.sources[ev] = append(im.sources[ev], o.ID)
	before := len(ev.Attribute)
	im.addObject(ev, o)
	for i := before; i < len(ev.Attribute); i++ {
		im.attrs[o.ID] = append(im.attrs[o.ID], attrRef{ev, i})
	}
}

// attributeSource reports whether o is of a type imported as attributes.
func attributeSource(o *object) bool {
	if o == nil {
		return false
	}
	switch o.Type {
	case "indicator", "observed-data", "vulnerability", "campaign", "x-misp-attribute":
		return true
	}
	return scoTypes[o.Type]
}

// isCluster reports whether o is imported as a galaxy tag.
func (im *importer) isCluster(o *object) bool {
	return o != nil && (clusterTypes[o.Type] != "" || o.Type == "x-misp-galaxy-cluster")
}

// relationships reads the relationships: one from an object imported as attributes to a galaxy object tags those
// attributes with the galaxy object's tag (as MISP attaches clusters to attributes); the others are not imported.
func (im *importer) relationships() {
	for _, r := range im.order {
		if r.Type != "relationship" || im.used[r.ID] && !im.deferred[r.ID] {
			continue
		}
		src, tgt := im.attrs[r.SourceRef], im.byID[r.TargetRef]
		if len(src) == 0 || !im.isCluster(tgt) {
			im.skip(r, "relationships are not imported")
			continue
		}
		tag, ok := im.clusterTag(tgt)
		if !ok {
			im.skip(r, "relationship to a "+tgt.Type+" without a name")
			continue
		}
		im.used[r.ID], im.used[tgt.ID] = true, true
		for _, a := range src {
			at := &a.ev.Attribute[a.idx]
			if !slices.ContainsFunc(at.Tag, func(t misp.Tag) bool { return t.Name == tag }) {
				at.Tag = append(at.Tag, misp.Tag{Name: tag})
			}
		}
	}
}

// addObject imports object o into event ev.
func (im *importer) addObject(ev *misp.Event, o *object) {
	switch {
	case o.Type == "indicator":
		im.indicator(ev, o)
	case o.Type == "observed-data":
		im.observedData(ev, o)
	case scoTypes[o.Type]:
		im.used[o.ID] = true
		n, err := im.scoNode(o, 0)
		if err != nil {
			im.skip(o, err.Error())
			return
		}
		im.nodesInto(ev, o, []*node{n}, false)
	case o.Type == "vulnerability":
		im.single(ev, o, "vulnerability", o.Name)
	case o.Type == "campaign":
		im.single(ev, o, "campaign-name", o.Name)
	case o.Type == "x-misp-attribute":
		if o.XType == "" || o.XValue == "" {
			im.skip(o, "x-misp-attribute without x_misp_type or x_misp_value")
			return
		}
		a := im.attribute(o, o.XType, o.XValue, false)
		a.Category = firstNonEmpty(o.XCategory, a.Category)
		a.Comment = o.XComment
		a.ToIDS = misp.OptBoolOf(slices.Contains(o.Labels, `misp:to_ids="True"`))
		ev.Attribute = append(ev.Attribute, a)
		im.used[o.ID] = true
	case o.Type == "x-misp-object":
		im.mispObject(ev, o)
	case o.Type == "note":
		im.used[o.ID] = true
		if !strings.HasPrefix(rawString(o.raw["content"]), "This MISP Event is empty") {
			im.skip(o, "notes are not imported")
		}
	case o.Type == "identity" || o.Type == "marking-definition":
		// creators and markings are read where they are referred to
	case clusterTypes[o.Type] != "" || o.Type == "x-misp-galaxy-cluster":
		im.cluster(ev, o)
	case o.Type == "report" || o.Type == "grouping":
		im.skip(o, "a report or grouping inside another is not imported")
	case o.Type == "relationship":
		// read once every object is: see relationships
		im.used[o.ID], im.deferred[o.ID] = true, true
	default:
		im.skip(o, "object type "+o.Type+" is not imported")
	}
}

// single imports an object whose name is one attribute of type typ.
func (im *importer) single(ev *misp.Event, o *object, typ, value string) {
	im.used[o.ID] = true
	if value == "" {
		im.skip(o, o.Type+" without a name")
		return
	}
	a := im.attribute(o, typ, value, slices.Contains(o.Labels, `misp:to_ids="True"`))
	a.Comment = o.Description
	ev.Attribute = append(ev.Attribute, a)
}

// attribute makes an attribute of object o, with its uuid (the object's own for the first, derived ones after),
// category (from its labels or kill chain, else the type's default), timestamp and tags.
func (im *importer) attribute(o *object, typ, value string, toIDS bool) misp.Attribute {
	a := misp.Attribute{Type: typ, Value: value, ToIDS: misp.OptBoolOf(toIDS), Timestamp: timestamp(o.Modified, o.Created)}
	u, ok := uuidOf(o.ID)
	if !ok || im.used[o.ID+"|"+u] {
		u = uuid5(o.ID + "|" + typ + "|" + value)
	}
	im.used[o.ID+"|"+u] = true
	a.UUID = u
	if c, ok := mispLabel(o.Labels, "category"); ok {
		a.Category = c
	}
	for _, k := range o.KillChain {
		if a.Category == "" && k.Name == "misp-category" {
			a.Category = k.Phase
		}
	}
	if a.Category == "" {
		a.Category = misp.DefaultCategory(typ)
	}
	a.Tag = im.tags(o)
	return a
}

// refine returns the MISP type the object's misp:type label names when it writes value the same way as typ (a
// hostname is a domain-name, a malware-sample a file with a name and an MD5), else typ.
func (im *importer) refine(o *object, typ, value string) string {
	want, ok := mispLabel(o.Labels, "type")
	if !ok || want == typ {
		return typ
	}
	m, mok := im.types[want]
	g, gok := im.types[typ]
	if !mok || !gok {
		return typ
	}
	if m.pattern != nil && g.pattern != nil {
		p1, ok1 := m.pattern(value)
		p2, ok2 := g.pattern(value)
		if ok1 && ok2 && p1 == p2 {
			return want
		}
	}
	if m.observe != nil && g.observe != nil {
		s1, ok1 := m.observe(value)
		s2, ok2 := g.observe(value)
		if ok1 && ok2 && len(s1) == len(s2) && len(s1) > 0 && s1[0].typ == s2[0].typ && scosEqual(s1, s2) {
			return want
		}
	}
	return typ
}

// scosEqual compares what two SCO lists write.
func scosEqual(a, b []sco) bool {
	ids := []string{"x--1", "x--2", "x--3"}
	for i := range a {
		var ea, eb enc
		ea.open("")
		a[i].write(&ea, ids)
		eb.open("")
		b[i].write(&eb, ids)
		if a[i].typ != b[i].typ || !bytes.Equal(ea.b, eb.b) {
			return false
		}
	}
	return true
}

// indicator imports an indicator: a STIX pattern of MISP's shapes as its attributes (to_ids), any other STIX
// pattern as a stix2-pattern attribute, a yara, sigma, snort or suricata rule as an attribute of that type.
func (im *importer) indicator(ev *misp.Event, o *object) {
	im.used[o.ID] = true
	lang := strings.ToLower(firstNonEmpty(o.PatternType, "stix"))
	if o.Pattern == "" {
		im.skip(o, "indicator without a pattern")
		return
	}
	switch lang {
	case "yara", "sigma", "snort", "suricata":
		a := im.attribute(o, lang, o.Pattern, true)
		a.Comment = o.Description
		ev.Attribute = append(ev.Attribute, a)
		return
	case "stix":
		if typ, _ := mispLabel(o.Labels, "type"); typ == "stix2-pattern" {
			// MISP's own stix2-pattern attribute: the pattern is its value, whatever it says
			a := im.attribute(o, typ, o.Pattern, true)
			a.Comment = o.Description
			ev.Attribute = append(ev.Attribute, a)
			return
		}
	default:
		im.skip(o, "pattern type "+lang+" is not imported")
		return
	}
	pat, err := ParsePattern(o.Pattern)
	var nodes []*node
	if err == nil {
		nodes, err = patternNodes(pat)
	}
	if err == nil {
		var attrs []misp.Attribute
		attrs, err = im.nodeAttributes(o, nodes, true)
		if err == nil {
			ev.Attribute = append(ev.Attribute, attrs...)
			return
		}
	}
	var perr *PatternError
	if errors.As(err, &perr) {
		im.skip(o, "malformed pattern: "+perr.Reason)
		return
	}
	// valid STIX that MISP attributes do not express: kept whole, as MISP does
	a := im.attribute(o, "stix2-pattern", o.Pattern, true)
	a.Comment = o.Description
	ev.Attribute = append(ev.Attribute, a)
}

// nodeAttributes turns the observables of object o into attributes.
func (im *importer) nodeAttributes(o *object, nodes []*node, toIDS bool) ([]misp.Attribute, error) {
	var attrs []misp.Attribute
	var from, until misp.MicroTime
	if t, ok := parseTime(firstNonEmpty(o.ValidFrom, o.FirstObserved)); ok {
		from = misp.MicroTime{Time: t}
	}
	if t, ok := parseTime(firstNonEmpty(rawString(o.raw["valid_until"]), rawString(o.raw["last_observed"]))); ok && !from.IsZero() && t.After(from.Time) {
		until = misp.MicroTime{Time: t}
	}
	for _, n := range nodes {
		as, err := attrsOf(n, im.hashes)
		if err != nil {
			return nil, err
		}
		for _, x := range as {
			typ := x.typ
			if len(nodes) == 1 && len(as) == 1 {
				typ = im.refine(o, typ, x.value)
			}
			a := im.attribute(o, typ, x.value, toIDS)
			if _, isName := mispLabel(o.Labels, "name"); !isName {
				a.Comment = o.Description
			}
			if !until.IsZero() {
				a.FirstSeen, a.LastSeen = from, until
			}
			attrs = append(attrs, a)
		}
	}
	return attrs, nil
}

func rawString(r json.RawMessage) string {
	var s string
	if json.Unmarshal(r, &s) != nil {
		return ""
	}
	return s
}

func (im *importer) nodesInto(ev *misp.Event, o *object, nodes []*node, toIDS bool) {
	attrs, err := im.nodeAttributes(o, nodes, toIDS)
	if err != nil {
		im.skip(o, err.Error())
		return
	}
	ev.Attribute = append(ev.Attribute, attrs...)
}

// observedData imports an observed-data's observables (object_refs in STIX 2.1, embedded objects in 2.0): the
// observables no other one of them refers to, each with those it refers to.
func (im *importer) observedData(ev *misp.Event, o *object) {
	im.used[o.ID] = true
	var scos []*object
	if len(o.ObjectRefs) > 0 {
		for _, r := range o.ObjectRefs {
			s := im.byID[r]
			if s == nil {
				im.res.Skipped = append(im.res.Skipped, Skipped{ID: r, Reason: "observable referred to by observed-data is missing"})
				continue
			}
			scos = append(scos, s)
		}
	} else {
		for _, k := range sortedKeys(o.Embedded) {
			s := &object{}
			if err := json.Unmarshal(o.Embedded[k], s); err != nil || json.Unmarshal(o.Embedded[k], &s.raw) != nil {
				im.res.Skipped = append(im.res.Skipped, Skipped{ID: o.ID + "/" + k, Reason: "malformed embedded observable"})
				continue
			}
			s.ID = o.ID + "/" + k
			scos = append(scos, s)
			im.byID[s.ID] = s
			im.embedded(s, o.ID)
		}
	}
	var roots []*node
	for _, s := range scos {
		if im.refersToIt(s, scos) {
			im.used[s.ID] = true
			continue
		}
		n, err := im.scoNode(s, 0)
		im.used[s.ID] = true
		if err != nil {
			im.skip(s, err.Error())
			continue
		}
		roots = append(roots, n)
	}
	if len(roots) == 0 {
		if len(scos) == 0 {
			im.skip(o, "observed-data without observables")
		}
		return
	}
	// each observable on its own: one that has no MISP type does not lose the others
	for i, n := range roots {
		attrs, err := im.nodeAttributes(o, []*node{n}, false)
		if err != nil {
			im.res.Skipped = append(im.res.Skipped, Skipped{ID: o.ID, Type: o.Type, Reason: err.Error()})
			continue
		}
		if len(roots) > 1 {
			for j := range attrs {
				attrs[j].UUID = uuid5(fmt.Sprintf("%s|%d|%s", o.ID, i, attrs[j].Value))
			}
		}
		ev.Attribute = append(ev.Attribute, attrs...)
	}
}

// embedded rewrites the references of a STIX 2.0 embedded observable ("0", "1") to the ids given to its siblings.
func (im *importer) embedded(s *object, parent string) {
	for k, v := range s.raw {
		if strings.HasSuffix(k, "_ref") {
			var r string
			if json.Unmarshal(v, &r) == nil {
				s.raw[k], _ = json.Marshal(parent + "/" + r)
			}
		}
		if strings.HasSuffix(k, "_refs") {
			var rs []string
			if json.Unmarshal(v, &rs) == nil {
				for i := range rs {
					rs[i] = parent + "/" + rs[i]
				}
				s.raw[k], _ = json.Marshal(rs)
			}
		}
	}
}

// refersToIt reports whether another observable of list refers to s.
func (im *importer) refersToIt(s *object, list []*object) bool {
	for _, o := range list {
		if o != s && bytes.Contains(rawRefs(o), []byte(`"`+s.ID+`"`)) {
			return true
		}
	}
	return false
}

// maxRefDepth bounds how deep references between observables are followed.
const maxRefDepth = 4

// scoNode reads an observable object into a node, following its references.
func (im *importer) scoNode(o *object, depth int) (*node, error) {
	n := newNode(o.Type)
	for _, k := range sortedKeys(o.raw) {
		if err := im.nodeValue(n, k, o.raw[k], depth); err != nil {
			return nil, fmt.Errorf("%s property %s: %w", o.Type, k, err)
		}
	}
	return n, nil
}

func (im *importer) nodeValue(n *node, path string, v json.RawMessage, depth int) error {
	switch path {
	case "type", "id", "spec_version", "object_marking_refs", "granular_markings", "defanged":
		return nil
	}
	last := path[strings.LastIndexByte(path, '.')+1:]
	if strings.HasSuffix(last, "_ref") || strings.HasSuffix(last, "_refs") {
		var ids []string
		var one string
		if json.Unmarshal(v, &one) == nil {
			ids = []string{one}
		} else if err := json.Unmarshal(v, &ids); err != nil {
			return fmt.Errorf("reference is not an id or a list of ids")
		}
		if depth >= maxRefDepth {
			return nil
		}
		for _, id := range ids {
			r := im.byID[id]
			if r == nil {
				continue
			}
			c, err := im.scoNode(r, depth+1)
			if err != nil {
				return err
			}
			n.refs[path] = append(n.refs[path], c)
		}
		return nil
	}
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return nil
	}
	switch v[0] {
	case '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v, &m); err != nil {
			return err
		}
		for _, k := range sortedKeys(m) {
			if err := im.nodeValue(n, path+"."+k, m[k], depth); err != nil {
				return err
			}
		}
	case '[':
		var l []json.RawMessage
		if err := json.Unmarshal(v, &l); err != nil {
			return err
		}
		for _, e := range l {
			if err := im.nodeValue(n, path, e, depth); err != nil {
				return err
			}
		}
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return err
		}
		n.props[path] = append(n.props[path], s)
	default:
		n.props[path] = append(n.props[path], string(v))
	}
	return nil
}

// mispObject imports an x-misp-object as a MISP object with its attributes.
func (im *importer) mispObject(ev *misp.Event, o *object) {
	im.used[o.ID] = true
	if o.XName == "" || len(o.XAttributes) == 0 {
		im.skip(o, "x-misp-object without x_misp_name or attributes")
		return
	}
	u, _ := uuidOf(o.ID)
	obj := misp.Object{Name: o.XName, MetaCategory: o.XMetaCat, UUID: u, Comment: o.XComment, Timestamp: timestamp(o.Modified, o.Created)}
	for _, x := range o.XAttributes {
		a := misp.Attribute{Type: x.Type, Value: x.Value, ObjectRelation: misp.NullString(x.Relation), ToIDS: misp.OptBoolOf(x.ToIDS),
			UUID: x.UUID, Category: misp.DefaultCategory(x.Type), Timestamp: obj.Timestamp}
		obj.Attribute = append(obj.Attribute, a)
	}
	ev.Object = append(ev.Object, obj)
}

// cluster imports a malware, threat-actor, attack-pattern… as a tag on the event: the galaxy tag its misp
// labels or the Cluster option name, else "<type>:<name>".
func (im *importer) cluster(ev *misp.Event, o *object) {
	im.used[o.ID] = true
	tag, ok := im.clusterTag(o)
	if !ok {
		im.skip(o, o.Type+" without a name")
		return
	}
	if !slices.ContainsFunc(ev.Tag, func(t misp.Tag) bool { return t.Name == tag }) {
		ev.Tag = append(ev.Tag, misp.Tag{Name: tag})
	}
}

// clusterTag is the tag of a galaxy object: the galaxy tag its misp labels or the Cluster option name, else
// "<type>:<name>"; false without a name.
func (im *importer) clusterTag(o *object) (string, bool) {
	name := firstNonEmpty(o.Name, o.XName)
	if name == "" {
		return "", false
	}
	tag := ""
	if gt, ok := mispLabel(o.Labels, "galaxy-type"); ok && gt != "" {
		tag = misp.ClusterTagName(gt, name)
	} else if im.opts.Cluster != nil {
		if t, ok := im.opts.Cluster(o.Type, name); ok {
			tag = t
		}
	}
	if tag == "" {
		tag = o.Type + ":" + name
	}
	return tag, true
}
