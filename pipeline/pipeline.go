// Package pipeline holds hunch's record-stream transforms (extract, unpack, …) over the byte-level
// packages ioc and unpack. The CLI verbs, the server, playbooks and the Splunk command all take
// their transforms from here, so each behaves the same wherever it runs.
package pipeline

import (
	"context"

	"github.com/hunchsec/hunch/record"
)

// textField is one string found in a record, with the (dotted) name of the field it came from.
type textField struct {
	name string
	text string
}

// texts returns the strings to scan in r: the named fields (dotted names reach into nested
// objects; a list contributes each element), or, when names is empty, every string in the record.
func texts(r record.Record, names []string, dst []textField) []textField {
	if len(names) == 0 {
		return walk(r, "", dst)
	}
	for _, n := range names {
		v, ok := lookup(r, n)
		if !ok {
			continue
		}
		dst = appendValue(dst, n, v)
	}
	return dst
}

func walk(r record.Record, prefix string, dst []textField) []textField {
	for _, f := range r.Fields() {
		dst = appendValue(dst, prefix+f.Name, f.Value)
	}
	return dst
}

func appendValue(dst []textField, name string, v record.Value) []textField {
	switch v.Kind() {
	case record.KindString:
		s, _ := v.Str()
		if s != "" {
			dst = append(dst, textField{name, s})
		}
	case record.KindList:
		for _, e := range v.List() {
			dst = appendValue(dst, name, e)
		}
	case record.KindObject:
		o, _ := v.Object()
		dst = walk(o, name+".", dst)
	}
	return dst
}

// lookup finds a field by exact name, or by a dotted path into nested objects.
func lookup(r record.Record, name string) (record.Value, bool) { return r.Lookup(name) }

// appendSource adds the fields of src that are not among skip to out, renaming a field whose
// name is already taken in out to "src_<name>", so nothing of the source record is lost.
func appendSource(out *record.Record, src record.Record, skip []string) {
	for _, f := range src.Fields() {
		if contains(skip, f.Name) {
			continue
		}
		name := f.Name
		for out.Index(name) >= 0 {
			name = "src_" + name
		}
		out.Append(name, f.Value) // name is free: Set would scan for it again
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// canceled reports whether ctx is done, without blocking.
func canceled(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

// failed returns a stream that yields only err.
func failed(err error) record.Stream {
	return func(yield func(record.Record, error) bool) { yield(record.Record{}, err) }
}

// fieldSlab hands out empty field slices of a given capacity carved from one buffer, so the
// records a transform builds for one input record cost one allocation rather than one each.
// Size buf for all of them up front; take allocates a new chunk only when it runs out.
// A slab is used by one goroutine at a time.
type fieldSlab struct{ buf []record.Field }

func (s *fieldSlab) take(n int) []record.Field {
	if cap(s.buf)-len(s.buf) < n {
		s.buf = make([]record.Field, 0, n)
	}
	start := len(s.buf)
	s.buf = s.buf[:start+n]
	return s.buf[start : start : start+n]
}
