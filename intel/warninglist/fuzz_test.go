package warninglist

import "testing"

// FuzzParse feeds arbitrary documents to the list parser; what it accepts must index and match without failing.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"name":"n","description":"d","version":1,"type":"cidr","list":["10.0.0.0/8","::1","x"],"matching_attributes":["ip-src"]}`), "ip-src", "10.1.1.1")
	f.Add([]byte(`{"name":"n","description":"d","version":1,"type":"hostname","list":[".a.com","b."]}`), "url", "http://x.a.com:80/")
	f.Add([]byte(`{"name":"n","description":"d","version":1,"type":"regex","list":["/^a$/i","(b)","/(?<=a)/"]}`), "", "A")
	f.Add([]byte(`{"name":"n","description":"d","version":1,"type":"substring","list":["he","she","hers",""]}`), "email-src", "ushers")
	f.Add([]byte(`{"name":"n","description":"d","version":1,"type":"string","list":["a|b"]}`), "domain|ip", "a|b")
	f.Add([]byte(`{"name":"n","description":"d","version":"1","type":"string","list":[]}`), "", "")
	f.Fuzz(func(t *testing.T, data []byte, typ, value string) {
		l, err := Parse(data)
		if err != nil {
			return
		}
		if l.Name == "" || !l.Type.Valid() {
			t.Fatalf("accepted %+v", l)
		}
		s, err := NewSet([]*List{l})
		if err != nil {
			t.Fatal(err)
		}
		hits := s.Match(typ, value, nil)
		if len(hits) > 1 {
			t.Fatalf("one list hit %d times", len(hits))
		}
		if (len(hits) == 1) != s.Filter(nil).Hit(typ, value) {
			t.Fatal("Hit and Match disagree")
		}
	})
}
