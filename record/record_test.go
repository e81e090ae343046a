package record

import "testing"

func TestLookup(t *testing.T) {
	var inner Record
	inner.Append("command_line", String("whoami"))
	inner.Append("a.b", Int(2))
	var r Record
	r.Append("process", Object(inner))
	r.Append("x.y", String("dotted name"))
	r.Append("flat", Int(1))
	for _, c := range []struct {
		name, want string
		ok         bool
	}{
		{"process.command_line", "whoami", true},
		{"process.a.b", "2", true},
		{"x.y", "dotted name", true},
		{"flat", "1", true},
		{"flat.no", "", false},
		{"process.missing", "", false},
		{"nope", "", false},
	} {
		v, ok := r.Lookup(c.name)
		if ok != c.ok || v.Text() != c.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", c.name, v.Text(), ok, c.want, c.ok)
		}
	}
}

func TestEventTimeAndNumber(t *testing.T) {
	var r Record
	r.Append("UtcTime", String("2026-03-14 08:03:45.227"))
	r.Append("other", String("2026-03-14T09:00:00+01:00"))
	if got, ok := r.EventTime(""); !ok || got.Format("2006-01-02T15:04:05.000Z07:00") != "2026-03-14T08:03:45.227Z" {
		t.Errorf("UtcTime: %v %v", got, ok)
	}
	if got, ok := r.EventTime("other"); !ok || got.UTC().Hour() != 8 {
		t.Errorf("other: %v %v", got, ok)
	}
	if _, ok := r.EventTime("nope"); ok {
		t.Error("missing field has a time")
	}
	for _, c := range []struct {
		v    Value
		want float64
		ok   bool
	}{
		{Int(3), 3, true}, {Float(2.5), 2.5, true}, {Bool(true), 1, true}, {String(" 7.5 "), 7.5, true},
		{String("0x3e7"), 999, true}, {String("lots"), 0, false}, {String("NaN"), 0, false}, {Null(), 0, false},
	} {
		if got, ok := c.v.Number(); ok != c.ok || (ok && got != c.want) {
			t.Errorf("%v.Number() = %v, %v", c.v, got, ok)
		}
	}
}
