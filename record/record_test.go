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
