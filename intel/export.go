package intel

// Exports: restSearch results written as MISP writes them (JSON, CsvExport, TextExport), streamed row by row.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/stix"
	"github.com/hunchsec/hunch/store"
)

// Scope says what a restSearch searches: events (events/restSearch) or attributes (attributes/restSearch).
type Scope int

// The scopes.
const (
	ScopeAttributes Scope = iota
	ScopeEvents
)

// String names the scope as MISP's controllers do.
func (s Scope) String() string {
	if s == ScopeEvents {
		return "events"
	}
	return "attributes"
}

// CountSearch counts what q selects for u in scope, ignoring q.Limit and q.Page: restSearch's X-Result-Count.
func (s *Service) CountSearch(ctx context.Context, u acl.User, scope Scope, q Search) (int64, error) {
	if scope == ScopeEvents {
		_, count := s.SearchEvents(ctx, u, q)
		return count()
	}
	_, count := s.SearchAttributes(ctx, u, q)
	return count()
}

// Export writes what q selects for u in scope to w in q.Format (json, csv, text, suricata, snort, hashes, rpz,
// zeek or stix2), as MISP's restSearch answers it. It streams: each event or attribute is written as it is read
// from the store, through a small buffer, so memory does not grow with the result (the text, rpz and zeek
// exports remember a 64-bit hash of each distinct value or line to write it once; rpz reads the selection
// once per zone section). On an error part of the output may have been written already.
func (s *Service) Export(ctx context.Context, u acl.User, scope Scope, q Search, w io.Writer) error {
	q = q.effective()
	bw := bufio.NewWriterSize(w, 32<<10)
	var err error
	switch {
	case q.Format == FormatRPZ:
		err = s.exportRPZ(ctx, u, scope, q, bw)
	case q.Format == FormatZeek || q.Format == FormatBro:
		err = s.exportZeek(ctx, u, scope, q, bw)
	case scope == ScopeEvents:
		err = s.exportEvents(ctx, u, q, bw)
	default:
		err = s.exportAttributes(ctx, u, q, bw)
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("intel: write export: %w", err)
	}
	return nil
}

func (s *Service) exportAttributes(ctx context.Context, u acl.User, q Search, w io.Writer) error {
	switch q.Format {
	case FormatCSV:
		// The CSV lists each attribute's own tags; its event's tags go to the event_tag column (with
		// includeContext), so they are not merged in, and the context columns come from the event.
		ctxCols := q.IncludeContext
		q.IncludeEventTags, q.IncludeContext = false, false
		attrs, _ := s.SearchAttributes(ctx, u, q)
		cw := NewCSVWriter(w, CSVOptions{Columns: q.RequestedAttributes, Headerless: q.Headerless, IncludeContext: ctxCols})
		if err := cw.WriteHeader(); err != nil {
			return err
		}
		events := newEventCache(s.st)
		objects := newObjectCache(s.st)
		for a, err := range attrs {
			if err != nil {
				return err
			}
			rec := CSVRecord{Attribute: a}
			if ctxCols {
				if rec.Event, err = events.get(ctx, int64(a.EventID)); err != nil {
					return err
				}
			}
			if a.ObjectID != 0 {
				if rec.Object, err = objects.get(ctx, int64(a.ObjectID)); err != nil {
					return err
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		return cw.Close()
	case FormatText:
		attrs, _ := s.SearchAttributes(ctx, u, q)
		tw := NewTextWriter(w)
		for a, err := range attrs {
			if err != nil {
				return err
			}
			if err := tw.Write(a.Value); err != nil {
				return err
			}
		}
		return tw.Close()
	case FormatSuricata, FormatSnort:
		opts, err := s.nidsOptions(ctx, u, q.Format)
		if err != nil {
			return err
		}
		attrs, _ := s.SearchAttributes(ctx, u, q)
		nw := NewNIDSWriter(w, opts)
		if err := nw.WriteHeader(); err != nil {
			return err
		}
		events := newEventCache(s.st)
		var tags []string
		for a, err := range attrs {
			if err != nil {
				return err
			}
			e, err := events.get(ctx, int64(a.EventID))
			if err != nil {
				return err
			}
			tags = appendTagNames(tags[:0], a.Tag)
			if err := nw.WriteAttribute(a, NIDSEvent{ID: int64(e.ID), ThreatLevel: e.ThreatLevel}, tags); err != nil {
				return err
			}
		}
		return nil
	case FormatHashes:
		attrs, _ := s.SearchAttributes(ctx, u, q)
		hw := NewHashesWriter(w)
		for a, err := range attrs {
			if err != nil {
				return err
			}
			if err := hw.Write(a.Type, a.Value); err != nil {
				return err
			}
		}
		return hw.Close()
	case FormatSTIX2:
		attrs, _ := s.SearchAttributes(ctx, u, q)
		bw := stix.NewBundleWriter(w, stix.Options{})
		events := newEventCache(s.st)
		for a, err := range attrs {
			if err != nil {
				return err
			}
			e, err := events.get(ctx, int64(a.EventID))
			if err != nil {
				return err
			}
			if err := bw.WriteAttribute(a, stix.ContextOf(e)); err != nil {
				return err
			}
		}
		return bw.Close()
	}
	attrs, _ := s.SearchAttributes(ctx, u, q)
	return misp.WriteAttributes(w, attrs)
}

func (s *Service) exportEvents(ctx context.Context, u acl.User, q Search, w io.Writer) error {
	switch q.Format {
	case FormatCSV:
		q.Metadata = false
		events, _ := s.SearchEvents(ctx, u, q)
		cw := NewCSVWriter(w, CSVOptions{Columns: q.RequestedAttributes, Headerless: q.Headerless,
			IncludeContext: q.IncludeContext, EventScope: true})
		if err := cw.WriteHeader(); err != nil {
			return err
		}
		for e, err := range events {
			if err != nil {
				return err
			}
			for _, a := range eventAttributes(e, q) {
				if err := cw.Write(CSVRecord{Attribute: a.attr, Object: a.obj, Event: e}); err != nil {
					return err
				}
			}
		}
		return cw.Close()
	case FormatText:
		q.Metadata = false
		events, _ := s.SearchEvents(ctx, u, q)
		tw := NewTextWriter(w)
		for e, err := range events {
			if err != nil {
				return err
			}
			for _, a := range eventAttributes(e, q) {
				if err := tw.Write(a.attr.Value); err != nil {
					return err
				}
			}
		}
		return tw.Close()
	case FormatSuricata, FormatSnort:
		opts, err := s.nidsOptions(ctx, u, q.Format)
		if err != nil {
			return err
		}
		q.Metadata = false
		events, _ := s.SearchEvents(ctx, u, q)
		nw := NewNIDSWriter(w, opts)
		if err := nw.WriteHeader(); err != nil {
			return err
		}
		for e, err := range events {
			if err != nil {
				return err
			}
			if err := writeEventNIDS(nw, e, q); err != nil {
				return err
			}
		}
		return nil
	case FormatHashes:
		q.Metadata = false
		events, _ := s.SearchEvents(ctx, u, q)
		hw := NewHashesWriter(w)
		for e, err := range events {
			if err != nil {
				return err
			}
			for _, a := range eventAttributes(e, q) {
				if err := hw.Write(a.attr.Type, a.attr.Value); err != nil {
					return err
				}
			}
		}
		return hw.Close()
	case FormatSTIX2:
		q.Metadata = false
		events, _ := s.SearchEvents(ctx, u, q)
		bw := stix.NewBundleWriter(w, stix.Options{})
		for e, err := range events {
			if err != nil {
				return err
			}
			if err := bw.WriteEvent(e); err != nil {
				return err
			}
		}
		return bw.Close()
	}
	events, _ := s.SearchEvents(ctx, u, q)
	return misp.WriteEvents(w, events)
}

type eventAttr struct {
	attr *misp.Attribute
	obj  *misp.Object
}

// eventAttributes lists the attributes of e a CSV or text export of events writes: the event's, then each
// object's (MISP flattens objects into these exports), keeping only those q's attribute filters select.
func eventAttributes(e *misp.Event, q Search) []eventAttr {
	var out []eventAttr
	keep := func(a *misp.Attribute) bool {
		if q.ToIDS != nil && bool(a.ToIDS == misp.BoolTrue) != *q.ToIDS {
			return false
		}
		return true
	}
	for i := range e.Attribute {
		if a := &e.Attribute[i]; keep(a) {
			out = append(out, eventAttr{attr: a})
		}
	}
	for i := range e.Object {
		o := &e.Object[i]
		for j := range o.Attribute {
			if a := &o.Attribute[j]; keep(a) {
				out = append(out, eventAttr{attr: a, obj: o})
			}
		}
	}
	return out
}

// objectCache holds the last objects read for the object columns of a CSV export: attributes come in id
// order, so those of one object mostly follow one another. Its size is bounded.
type objectCache struct {
	st   store.Intel
	byID map[int64]*misp.Object
}

func newObjectCache(st store.Intel) *objectCache {
	return &objectCache{st: st, byID: map[int64]*misp.Object{}}
}

func (c *objectCache) get(ctx context.Context, id int64) (*misp.Object, error) {
	if o, ok := c.byID[id]; ok {
		return o, nil
	}
	o, err := c.st.Object(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil // deleted since the attribute was read: its object columns stay empty
	}
	if err != nil {
		return nil, fmt.Errorf("intel: read object %d: %w", id, err)
	}
	o.Attribute = nil // only the object's own fields are written
	if len(c.byID) >= eventCacheSize {
		clear(c.byID)
	}
	c.byID[id] = o
	return o, nil
}

// CSV columns MISP's CsvExport writes by default, the object columns it appends, and the event columns it
// appends with includeContext.
var (
	CSVDefaultColumns = []string{"uuid", "event_id", "category", "type", "value", "comment", "to_ids", "timestamp",
		"object_relation", "attribute_tag"}
	CSVObjectColumns  = []string{"object_uuid", "object_name", "object_meta-category"}
	CSVContextColumns = []string{"event_info", "event_member_org", "event_source_org", "event_distribution",
		"event_threat_level_id", "event_analysis", "event_date", "event_tag", "event_timestamp"}
)

// CSVOptions shape a CSV export.
type CSVOptions struct {
	// Columns are the attribute fields to write (restSearch's requested_attributes); nil means
	// CSVDefaultColumns followed by CSVObjectColumns.
	Columns []string
	// Headerless leaves out the header line.
	Headerless bool
	// IncludeContext appends CSVContextColumns.
	IncludeContext bool
	// EventScope writes an events/restSearch export, where MISP gives event_threat_level_id as the level's
	// name instead of its number.
	EventScope bool
}

// CSVRecord is one line of a CSV export: an attribute, its object (nil outside objects) and its event (needed
// for the event columns only).
type CSVRecord struct {
	Attribute *misp.Attribute
	Object    *misp.Object
	Event     *misp.Event
}

// CSVWriter writes MISP's CSV export (CsvExport): a header line naming the columns (with "timestamp" shown as
// "date" and '-' as '_'), one line per attribute, and an empty line at the end. Numbers are written bare,
// flags as 1 or 0, everything else in double quotes with quotes doubled, and a field the attribute lacks as "".
type CSVWriter struct {
	w    io.Writer
	opts CSVOptions
	cols []string
	line []byte
}

// NewCSVWriter returns a CSVWriter writing to w.
func NewCSVWriter(w io.Writer, opts CSVOptions) *CSVWriter {
	var cols []string
	if opts.Columns != nil {
		cols = append(cols, opts.Columns...)
	} else {
		cols = append(append(cols, CSVDefaultColumns...), CSVObjectColumns...)
	}
	if opts.IncludeContext {
		cols = append(cols, CSVContextColumns...)
	}
	return &CSVWriter{w: w, opts: opts, cols: cols}
}

// Columns returns the fields each line holds, in order.
func (c *CSVWriter) Columns() []string { return c.cols }

// WriteHeader writes the header line (nothing when the options say headerless).
func (c *CSVWriter) WriteHeader() error {
	if c.opts.Headerless {
		return nil
	}
	names := make([]string, len(c.cols))
	for i, col := range c.cols {
		if col == "timestamp" {
			names[i] = "date"
		} else {
			names[i] = strings.ReplaceAll(col, "-", "_")
		}
	}
	return c.write(strings.Join(names, ",") + "\n")
}

// Write writes r's line.
func (c *CSVWriter) Write(r CSVRecord) error {
	c.line = c.line[:0]
	for i, col := range c.cols {
		if i > 0 {
			c.line = append(c.line, ',')
		}
		c.line = appendCSVField(c.line, c.field(r, col))
	}
	c.line = append(c.line, '\n')
	if _, err := c.w.Write(c.line); err != nil {
		return fmt.Errorf("intel: write csv: %w", err)
	}
	return nil
}

// Close writes the export's final empty line.
func (c *CSVWriter) Close() error { return c.write("\n") }

func (c *CSVWriter) write(s string) error {
	if _, err := io.WriteString(c.w, s); err != nil {
		return fmt.Errorf("intel: write csv: %w", err)
	}
	return nil
}

// csvField is one field's value: absent (written ""), a flag, or text (written bare when numeric).
type csvField struct {
	set  bool
	flag bool
	isB  bool
	text string
}

func csvText(s string) csvField { return csvField{set: true, text: s} }
func csvFlag(b bool) csvField   { return csvField{set: true, isB: true, flag: b} }

// field returns column col of r as MISP's CsvExport reads it from the attribute row.
func (c *CSVWriter) field(r CSVRecord, col string) csvField {
	a, o, e := r.Attribute, r.Object, r.Event
	switch col {
	case "id":
		return csvText(a.ID.String())
	case "uuid":
		return csvText(a.UUID)
	case "event_id":
		return csvText(a.EventID.String())
	case "object_id":
		return csvText(a.ObjectID.String())
	case "category":
		return csvText(a.Category)
	case "type":
		return csvText(a.Type)
	case "value":
		return csvText(a.Value)
	case "value1", "value2":
		v1, v2, _ := strings.Cut(a.Value, "|")
		if col == "value1" {
			return csvText(v1)
		}
		return csvText(v2)
	case "comment":
		return csvText(a.Comment)
	case "to_ids":
		return csvFlag(a.ToIDS == misp.BoolTrue)
	case "timestamp":
		return csvText(strconv.FormatInt(int64(a.Timestamp), 10))
	case "distribution":
		return csvText(strconv.Itoa(a.Distribution.Level()))
	case "sharing_group_id":
		return csvText(a.SharingGroupID.String())
	case "deleted":
		return csvFlag(bool(a.Deleted))
	case "disable_correlation":
		return csvFlag(bool(a.DisableCorrelation))
	case "object_relation":
		if a.ObjectRelation == "" {
			return csvField{} // null in MISP's row
		}
		return csvText(string(a.ObjectRelation))
	case "first_seen", "last_seen":
		t := a.FirstSeen
		if col == "last_seen" {
			t = a.LastSeen
		}
		if t.IsZero() {
			return csvField{}
		}
		return csvText(t.String())
	case "attribute_tag":
		if len(a.Tag) == 0 {
			return csvField{}
		}
		return csvText(joinTagNames(a.Tag))
	case "object_uuid", "object_name", "object_meta-category":
		if o == nil || o.UUID == "" {
			return csvField{}
		}
		switch col {
		case "object_uuid":
			return csvText(o.UUID)
		case "object_name":
			return csvText(o.Name)
		}
		return csvText(o.MetaCategory)
	}
	if e == nil || !strings.HasPrefix(col, "event_") {
		return csvField{}
	}
	switch col {
	case "event_info":
		return csvText(e.Info)
	case "event_member_org":
		if e.Org == nil {
			return csvField{}
		}
		return csvText(e.Org.Name)
	case "event_source_org":
		if e.Orgc == nil {
			return csvField{}
		}
		return csvText(e.Orgc.Name)
	case "event_distribution":
		return csvText(strconv.Itoa(e.Distribution.Level()))
	case "event_threat_level_id":
		if c.opts.EventScope {
			return csvText(e.ThreatLevel.String())
		}
		return csvText(strconv.Itoa(int(e.ThreatLevel)))
	case "event_analysis":
		return csvText(strconv.Itoa(int(e.Analysis)))
	case "event_date":
		return csvText(e.Date.String())
	case "event_tag":
		if len(e.Tag) == 0 {
			return csvField{}
		}
		return csvText(joinTagNames(e.Tag))
	case "event_timestamp":
		return csvText(strconv.FormatInt(int64(e.Timestamp), 10))
	case "event_uuid":
		return csvText(e.UUID)
	}
	return csvField{}
}

func appendTagNames(names []string, tags []misp.Tag) []string {
	for _, t := range tags {
		names = append(names, t.Name)
	}
	return names
}

func joinTagNames(tags []misp.Tag) string {
	var b strings.Builder
	for i, t := range tags {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(t.Name)
	}
	return b.String()
}

// appendCSVField appends f as MISP's CsvExport escapes it.
func appendCSVField(b []byte, f csvField) []byte {
	switch {
	case !f.set:
		return append(b, `""`...)
	case f.isB:
		if f.flag {
			return append(b, '1')
		}
		return append(b, '0')
	case phpNumeric(f.text):
		return append(b, f.text...)
	}
	b = append(b, '"')
	for i := 0; i < len(f.text); i++ {
		if f.text[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, f.text[i])
	}
	return append(b, '"')
}

// phpNumeric reports whether PHP 8's is_numeric holds for s: optional surrounding whitespace, an optional
// sign, digits with at most one decimal point (at least one digit), and an optional exponent.
func phpNumeric(s string) bool {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' }
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	s = s[i:j]
	if s == "" {
		return false
	}
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	digits, dot, k := 0, false, 0
	for ; k < len(s); k++ {
		c := s[k]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			goto exp
		}
	}
exp:
	if digits == 0 {
		return false
	}
	if k == len(s) {
		return true
	}
	if s[k] != 'e' && s[k] != 'E' {
		return false
	}
	k++
	if k < len(s) && (s[k] == '+' || s[k] == '-') {
		k++
	}
	if k == len(s) {
		return false
	}
	for ; k < len(s); k++ {
		if s[k] < '0' || s[k] > '9' {
			return false
		}
	}
	return true
}

// TextWriter writes MISP's text export (TextExport): each distinct value once, in the order first seen, one
// per line. It remembers a 64-bit hash of each value written rather than the value, so its memory grows by
// about 16 bytes per distinct value; two values whose hashes collide (odds about n²/2⁶⁵ for n values) would
// lose the second.
type TextWriter struct {
	w    io.Writer
	seed maphash.Seed
	seen map[uint64]struct{}
	line []byte
}

// NewTextWriter returns a TextWriter writing to w.
func NewTextWriter(w io.Writer) *TextWriter {
	return &TextWriter{w: w, seed: maphash.MakeSeed(), seen: map[uint64]struct{}{}}
}

// Write writes v unless it was written before.
func (t *TextWriter) Write(v string) error {
	h := maphash.String(t.seed, v)
	if _, ok := t.seen[h]; ok {
		return nil
	}
	t.seen[h] = struct{}{}
	t.line = append(append(t.line[:0], v...), '\n')
	if _, err := t.w.Write(t.line); err != nil {
		return fmt.Errorf("intel: write text: %w", err)
	}
	return nil
}

// Close ends the export. MISP ends it with a newline even when it is empty; the lines already end in one.
func (t *TextWriter) Close() error {
	if len(t.seen) > 0 {
		return nil
	}
	if _, err := io.WriteString(t.w, "\n"); err != nil {
		return fmt.Errorf("intel: write text: %w", err)
	}
	return nil
}
