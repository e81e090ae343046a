package misp

import (
	"os"
	"testing"
	"testing/fstest"
)

// FuzzLoadTemplate feeds arbitrary bytes to the template loader as a definition file:
// it must not panic, and a template it accepts must be consistent enough to validate
// objects against.
func FuzzLoadTemplate(f *testing.F) {
	for _, p := range []string{
		"testdata/templates/objects/test-conn/definition.json",
		"testdata/templates/objects/test-note/definition.json",
	} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"name":"x","uuid":"u","attributes":{"a":{"misp-attribute":"md5","multiple":true}},"required":["a"]}`))
	f.Add([]byte(`{"name":"x","uuid":"u","attributes":{"a":{"misp-attribute":"ipv4"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := LoadTemplates(fstest.MapFS{"objects/x/definition.json": {Data: data}})
		if err != nil {
			return
		}
		tpl, ok := ts.Get("x")
		if !ok || ts.Len() != 1 {
			t.Fatalf("loaded, but template x is not there")
		}
		var attrs []ObjAttr
		for rel, a := range tpl.Attributes {
			if !ValidType(a.Type) {
				t.Fatalf("relation %q has unknown type %q", rel, a.Type)
			}
			attrs = append(attrs, ObjAttr{Relation: rel, Type: a.Type, Value: "x"})
		}
		// Any outcome is fine; it must not panic.
		_, _ = ts.ValidateObject("x", attrs)
		_, _ = ts.ValidateObject("x", nil)
	})
}
