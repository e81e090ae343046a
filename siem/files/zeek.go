package files

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/record"
)

// zeekHeader is the state of a Zeek TSV log's # headers.
type zeekHeader struct {
	sep, setSep   string
	empty, unset  string
	path          string
	fields, types []string
}

func newZeekHeader() zeekHeader {
	return zeekHeader{sep: "\t", setSep: ",", empty: "(empty)", unset: "-"}
}

// header applies one # line; it returns an error for a malformed known header.
func (h *zeekHeader) header(line string) error {
	if v, ok := strings.CutPrefix(line, "#separator "); ok {
		s, err := zeekUnescape(v)
		if err != nil || s == "" {
			return fmt.Errorf("bad #separator %q", v)
		}
		h.sep = s
		return nil
	}
	key, val, _ := strings.Cut(line[1:], h.sep)
	parts := strings.Split(val, h.sep)
	switch key {
	case "set_separator":
		s, err := zeekUnescape(val)
		if err != nil || s == "" {
			return fmt.Errorf("bad #set_separator %q", val)
		}
		h.setSep = s
	case "empty_field":
		h.empty = val
	case "unset_field":
		h.unset = val
	case "path":
		h.path = val
	case "fields":
		h.fields = parts
	case "types":
		h.types = parts
	}
	if len(h.fields) > 0 && len(h.types) > 0 && len(h.fields) != len(h.types) {
		return fmt.Errorf("#fields has %d names but #types %d", len(h.fields), len(h.types))
	}
	return nil
}

// zeekUnescape decodes Zeek's \xHH escapes (and \\).
func zeekUnescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\\' {
			b.WriteByte('\\')
			i++
			continue
		}
		if i+3 < len(s) && s[i+1] == 'x' {
			n, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		return "", fmt.Errorf("bad escape at byte %d", i)
	}
	return b.String(), nil
}

// value converts one field by its Zeek type.
func (h *zeekHeader) value(typ, s string) (record.Value, error) {
	if s == h.unset {
		return record.Null(), nil
	}
	if inner, ok := containerType(typ); ok {
		if s == h.empty {
			return record.List(), nil
		}
		parts := strings.Split(s, h.setSep)
		vs := make([]record.Value, len(parts))
		for i, p := range parts {
			v, err := h.value(inner, p)
			if err != nil {
				return record.Value{}, err
			}
			vs[i] = v
		}
		return record.List(vs...), nil
	}
	switch typ {
	case "time":
		t, err := epochTime(s)
		if err != nil {
			return record.Value{}, fmt.Errorf("bad time %q", s)
		}
		return record.Time(t), nil
	case "int", "count", "port":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			if u, uerr := strconv.ParseUint(s, 10, 64); uerr == nil {
				return record.Float(float64(u)), nil
			}
			return record.Value{}, fmt.Errorf("bad %s %q", typ, s)
		}
		return record.Int(n), nil
	case "double", "interval":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return record.Value{}, fmt.Errorf("bad %s %q", typ, s)
		}
		return record.Float(f), nil
	case "bool":
		switch s {
		case "T":
			return record.Bool(true), nil
		case "F":
			return record.Bool(false), nil
		}
		return record.Value{}, fmt.Errorf("bad bool %q", s)
	}
	if s == h.empty {
		return record.String(""), nil
	}
	u, err := zeekUnescape(s)
	if err != nil {
		return record.String(s), nil
	}
	return record.String(u), nil
}

func containerType(t string) (string, bool) {
	for _, p := range []string{"set[", "vector["} {
		if strings.HasPrefix(t, p) && strings.HasSuffix(t, "]") {
			return t[len(p) : len(t)-1], true
		}
	}
	return "", false
}

// epochTime reads seconds since the epoch with a fraction, as Zeek writes ts.
func epochTime(s string) (time.Time, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
		return time.Time{}, fmt.Errorf("bad epoch time %q", s)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC(), nil
}

// row turns a data line into a record.
func (h *zeekHeader) row(line string) (record.Record, error) {
	if len(h.fields) == 0 {
		return record.Record{}, fmt.Errorf("data line before #fields")
	}
	vals := strings.Split(line, h.sep)
	if len(vals) != len(h.fields) {
		return record.Record{}, fmt.Errorf("%d values for %d fields", len(vals), len(h.fields))
	}
	var r record.Record
	r.Grow(len(vals))
	for i, s := range vals {
		typ := "string"
		if i < len(h.types) {
			typ = h.types[i]
		}
		v, err := h.value(typ, s)
		if err != nil {
			return record.Record{}, fmt.Errorf("field %s: %w", h.fields[i], err)
		}
		r.Append(h.fields[i], v)
	}
	if h.path != "" {
		r.Set("_path", record.String(h.path))
	}
	return r, nil
}

func readZeek(ctx context.Context, rd io.Reader, name string, opts Options) record.Stream {
	return func(yield func(record.Record, error) bool) {
		h := newZeekHeader()
		recs := 0
		eachLine(ctx, rd, name, opts, yield, func(n int, line []byte) bool {
			if len(line) == 0 {
				return true
			}
			if line[0] == '#' {
				if bytes.HasPrefix(line, []byte("#close")) || bytes.HasPrefix(line, []byte("#open")) {
					return true
				}
				if err := h.header(string(line)); err != nil {
					return yield(record.Record{}, &record.ParseError{Source: name, Line: n, Reason: err.Error()})
				}
				return true
			}
			recs++
			r, err := h.row(string(line))
			if err != nil {
				return yield(record.Record{}, &record.ParseError{Source: name, Line: n, Reason: err.Error()})
			}
			r.Meta = record.Meta{Source: name, Line: n, N: recs}
			return yield(r, nil)
		})
	}
}

// readZeekJSON reads NDJSON and turns a numeric or RFC 3339 ts into a time.
func readZeekJSON(ctx context.Context, rd io.Reader, name string, opts Options) record.Stream {
	return func(yield func(record.Record, error) bool) {
		for r, err := range record.Read(ctx, rd, name, record.ReadOptions{Format: record.FormatNDJSON, MaxLineBytes: opts.MaxLineBytes}) {
			if err == nil {
				if v, ok := r.Get("ts"); ok {
					if t, ok := jsonTime(v); ok {
						r.Set("ts", record.Time(t))
					}
				}
			}
			if !yield(r, err) {
				return
			}
		}
	}
}

func jsonTime(v record.Value) (time.Time, bool) {
	if f, ok := v.Float(); ok {
		t, err := epochTime(strconv.FormatFloat(f, 'f', -1, 64))
		return t, err == nil
	}
	if s, ok := v.Str(); ok {
		t, err := time.Parse(time.RFC3339Nano, s)
		return t, err == nil
	}
	return time.Time{}, false
}
