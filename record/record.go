// Package record is hunch's unit of data: one event or row as ordered, named, typed fields,
// streamed from sources through transforms to sinks as an iter.Seq2[Record, error]. It also
// holds the readers and writers for the plain formats (text lines, CSV, JSON, NDJSON, table).
package record

import (
	"iter"
	"slices"
	"strings"
)

// Field is one named value of a Record.
type Field struct {
	Name  string
	Value Value
}

// Meta says where a record came from. It is carried beside the fields, never written out as one.
type Meta struct {
	Source string // file name, "-" for standard input, or the name of the producing transform
	Line   int    // 1-based line in Source where the record starts; 0 when not line-based
	N      int    // 1-based position of the record within Source, malformed records counted
}

// Record is one event or row: fields in source order, new fields appended.
// The zero Record is empty and ready to use. Records are values; Set on a copy may share
// the underlying array with the original, so use Clone before modifying a record you did not make.
type Record struct {
	Meta   Meta
	fields []Field
}

// Stream is a sequence of records. A reader yields (Record{}, err) for a malformed row and
// goes on when err is a *ParseError; any other error ends the stream.
type Stream = iter.Seq2[Record, error]

// New returns a record holding the given fields in order.
func New(fields ...Field) Record {
	return Record{fields: slices.Clone(fields)}
}

// WithFields returns a record that uses fields as its storage, without copying: the caller gives
// the slice up. It lets a transform carve many records from one allocation; New copies instead.
func WithFields(fields []Field) Record { return Record{fields: fields} }

// Len returns the number of fields.
func (r Record) Len() int { return len(r.fields) }

// Field returns the i-th field.
func (r Record) Field(i int) Field { return r.fields[i] }

// Fields returns the fields in order. The slice must not be modified.
func (r Record) Fields() []Field { return r.fields }

// Names returns the field names in order.
func (r Record) Names() []string {
	names := make([]string, len(r.fields))
	for i, f := range r.fields {
		names[i] = f.Name
	}
	return names
}

// Index returns the position of the named field, or -1.
func (r Record) Index(name string) int {
	for i := range r.fields {
		if r.fields[i].Name == name {
			return i
		}
	}
	return -1
}

// Get returns the named field's value and whether it exists.
func (r Record) Get(name string) (Value, bool) {
	if i := r.Index(name); i >= 0 {
		return r.fields[i].Value, true
	}
	return Value{}, false
}

// FirstText returns the text of the first of names the record has with a non-null value, or "".
func (r Record) FirstText(names ...string) string {
	for _, n := range names {
		if v, ok := r.Get(n); ok && !v.IsNull() {
			return v.Text()
		}
	}
	return ""
}

// Lookup finds a field by exact name, or by a dotted path into nested objects
// ("process.command_line" in {"process": {"command_line": …}}). The longest matching prefix
// wins at each level, so field names that themselves contain dots still resolve.
func (r Record) Lookup(name string) (Value, bool) {
	if v, ok := r.Get(name); ok {
		return v, true
	}
	cur := r
	for {
		head, rest, found := strings.Cut(name, ".")
		if !found {
			return cur.Get(name)
		}
		v, ok := cur.Get(head)
		if !ok {
			return Value{}, false
		}
		o, isObj := v.Object()
		if !isObj {
			return Value{}, false
		}
		if v2, ok := o.Get(rest); ok {
			return v2, true
		}
		cur, name = o, rest
	}
}

// Set replaces the named field's value in place, or appends the field when it is new.
func (r *Record) Set(name string, v Value) {
	if i := r.Index(name); i >= 0 {
		r.fields[i].Value = v
		return
	}
	r.fields = append(r.fields, Field{Name: name, Value: v})
}

// Append adds a field at the end without looking for one of the same name. Use it only when
// building a record whose field names are known to be distinct; otherwise use Set.
func (r *Record) Append(name string, v Value) {
	r.fields = append(r.fields, Field{Name: name, Value: v})
}

// Grow makes room for n more fields, so that the next n Set or Append calls do not reallocate.
func (r *Record) Grow(n int) { r.fields = slices.Grow(r.fields, n) }

// Delete removes the named field, keeping the order of the others.
func (r *Record) Delete(name string) {
	if i := r.Index(name); i >= 0 {
		r.fields = slices.Delete(slices.Clone(r.fields), i, i+1)
	}
}

// Clone returns a copy whose fields can be changed without touching r.
// Nested objects and lists are copied too.
func (r Record) Clone() Record {
	c := Record{Meta: r.Meta, fields: make([]Field, len(r.fields))}
	for i, f := range r.fields {
		c.fields[i] = Field{Name: f.Name, Value: f.Value.clone()}
	}
	return c
}
