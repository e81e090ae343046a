package record

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// refValue decodes the next value from dec token by token: the reference the hand-written
// parser is checked against (slow, but built on encoding/json's own scanner).
func refValue(dec *json.Decoder) (Value, error) {
	tok, err := dec.Token()
	if err != nil {
		return Value{}, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			list := []Value{}
			for dec.More() {
				v, err := refValue(dec)
				if err != nil {
					return Value{}, err
				}
				list = append(list, v)
			}
			_, err := dec.Token()
			return List(list...), err
		}
		var fs fieldSet
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return Value{}, err
			}
			v, err := refValue(dec)
			if err != nil {
				return Value{}, err
			}
			fs.set(k.(string), v)
		}
		_, err := dec.Token()
		return objectOf(fs.fields), err
	case string:
		return String(t), nil
	case json.Number:
		return numberValue([]byte(t), !strings.ContainsAny(string(t), ".eE")), nil
	case bool:
		return Bool(t), nil
	}
	return Null(), nil
}

// fixUTF8 returns r with every invalid UTF-8 byte in names and strings replaced by U+FFFD,
// which is what JSON output does with it (text and CSV readers keep bytes as they are).
func fixUTF8(r Record) Record {
	var fs fieldSet
	for _, f := range r.fields {
		// Names that differ only in invalid bytes become one name: the last value wins.
		fs.set(fixString(f.Name), fixValue(f.Value))
	}
	return Record{Meta: r.Meta, fields: fs.fields}
}

func fixValue(v Value) Value {
	switch v.kind {
	case KindString:
		return String(fixString(v.str()))
	case KindList:
		l := make([]Value, len(v.list()))
		for i, e := range v.list() {
			l[i] = fixValue(e)
		}
		return List(l...)
	case KindObject:
		if o, ok := v.Object(); ok {
			return Object(fixUTF8(o))
		}
	}
	return v
}

func fixString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// roundTrip checks that recs written as NDJSON read back Equal (up to invalid UTF-8).
func roundTrip(t *testing.T, recs []Record) {
	t.Helper()
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, OutNDJSON, WriteOptions{})
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for back, err := range Read(context.Background(), &buf, "rt", ReadOptions{Format: FormatNDJSON}) {
		if err != nil {
			t.Fatalf("reading back record %d: %v", n, err)
		}
		if n >= len(recs) {
			t.Fatalf("round trip gave more than %d records", len(recs))
		}
		if want := fixUTF8(recs[n]); !back.Equal(want) {
			t.Fatalf("round trip changed record %d:\n was %s\n now %s", n, recs[n].AppendJSON(nil), back.AppendJSON(nil))
		}
		n++
	}
	if n != len(recs) {
		t.Fatalf("round trip gave %d records, want %d", n, len(recs))
	}
}

// checkStream reads data and checks that every item is a record or a *ParseError, that
// records carry increasing positions, and that the records survive an NDJSON round trip.
func checkStream(t *testing.T, data []byte, opts ReadOptions) []Record {
	t.Helper()
	var recs []Record
	lastLine, items := 0, 0
	for r, err := range Read(context.Background(), bytes.NewReader(data), "fuzz", opts) {
		items++
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("non-parse error from in-memory input: %v", err)
			}
			if pe.Source != "fuzz" || pe.Reason == "" {
				t.Fatalf("ParseError without source or reason: %#v", pe)
			}
			continue
		}
		if r.Meta.N != items || r.Meta.Line < lastLine || r.Meta.Line < 1 {
			t.Fatalf("record %d: Meta %+v after line %d", len(recs)+1, r.Meta, lastLine)
		}
		lastLine = r.Meta.Line
		recs = append(recs, r)
	}
	roundTrip(t, recs)
	return recs
}

func FuzzReadJSON(f *testing.F) {
	for _, s := range []string{
		`[{"a":1},{"b":[1,2,{"c":null}]}]`,
		"{\n \"a\": 1.5e3,\n \"b\": \"\\ud83d\\ude00\"\n}\n{\"a\":-0}",
		`[1,"x",{"a":{}},[]]`,
		`{"a":1,"a":2}`,
		"[{\"a\":\"\xff\"},",
		`{"n":12345678901234567890,"f":0.1,"e":1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		recs := checkStream(t, data, ReadOptions{Format: FormatJSON})
		// A single valid object must come back as encoding/json decodes it.
		trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, utf8BOM))
		if len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed) {
			dec := json.NewDecoder(bytes.NewReader(trimmed))
			dec.UseNumber()
			want, err := refValue(dec)
			if err != nil {
				t.Fatalf("reference decoder: %v", err)
			}
			wr, _ := want.Object()
			if len(recs) != 1 || !recs[0].Equal(wr) {
				t.Fatalf("got %d records, want %s", len(recs), wr.AppendJSON(nil))
			}
		}
	})
}

func FuzzReadNDJSON(f *testing.F) {
	for _, s := range []string{
		"{\"a\":1}\n{\"a\":\"x\",\"b\":[true,null]}\n",
		"{\"a\":1}\r\n\r\n{bad}\n[1]\n{\"z\":{\"y\":{}}}",
		"{\"s\":\"\\u00e9\\ud800\\n\\\"\"}\n",
		"{\"a\":1e400,\"b\":-0.0,\"c\":9223372036854775808}\n",
		"{\"a\":\"\xed\xa0\x80\"}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		recs := checkStream(t, data, ReadOptions{Format: FormatNDJSON})
		// Each line is a record exactly when encoding/json accepts it as an object, and then
		// holds what encoding/json decodes.
		var want []Record
		for _, line := range bytes.Split(bytes.TrimPrefix(data, utf8BOM), []byte("\n")) {
			line = bytes.TrimSpace(line)
			if len(line) == 0 || line[0] != '{' || !json.Valid(line) {
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.UseNumber()
			v, err := refValue(dec)
			if err != nil {
				t.Fatalf("reference decoder: %v", err)
			}
			r, _ := v.Object()
			want = append(want, r)
		}
		if len(recs) != len(want) {
			t.Fatalf("got %d records, encoding/json accepts %d lines", len(recs), len(want))
		}
		for i := range want {
			if !recs[i].Equal(want[i]) {
				t.Fatalf("line record %d: got %s, want %s", i, recs[i].AppendJSON(nil), want[i].AppendJSON(nil))
			}
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n3,4\n",
		"a,a,\n\"x\ny\",\"q\"\"\",z\n1,2\n",
		"\ufeffh1;h2\r\n1;2\r\n\"open\n",
		"a\tb\n\"x\"y\"\tz\n",
		"a\n\"\"\n\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Add([]byte("a,b\nsay \"hi\",2\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, strict bool) {
		recs := checkStream(t, data, ReadOptions{Format: FormatCSV, StrictQuotes: strict})
		if len(recs) == 0 {
			return
		}
		// All values are strings, every record has the header's fields, and writing the
		// records as CSV and reading them back gives them again.
		names := recs[0].Names()
		var buf bytes.Buffer
		w, _ := NewWriter(&buf, OutCSV, WriteOptions{})
		for _, r := range recs {
			if r.Len() != len(names) {
				t.Fatalf("record has %d fields, header %d", r.Len(), len(names))
			}
			for _, fl := range r.Fields() {
				if fl.Value.Kind() != KindString {
					t.Fatalf("field %q is %s", fl.Name, fl.Value.Kind())
				}
			}
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		i := 0
		for back, err := range Read(context.Background(), bytes.NewReader(buf.Bytes()), "rt", ReadOptions{Format: FormatCSV, Comma: ','}) {
			if err != nil {
				t.Fatalf("reading back %q: %v", buf.String(), err)
			}
			if i >= len(recs) || !back.Equal(recs[i]) {
				t.Fatalf("csv round trip of record %d changed it:\n%q", i, buf.String())
			}
			i++
		}
		if i != len(recs) {
			t.Fatalf("csv round trip gave %d records, want %d:\n%q", i, len(recs), buf.String())
		}
	})
}
