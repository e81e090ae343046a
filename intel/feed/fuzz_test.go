package feed

import (
	"testing"

	"github.com/hunchsec/hunch/misp"
)

// FuzzParseManifest checks that any manifest either parses into valid uuids within the limit or is an error.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d": {"info": "a", "timestamp": "1700000000", "Orgc": {"name": "o"}, "Tag": [{"name": "t"}]}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseManifest(data, 100)
		if err != nil {
			return
		}
		if len(got) > 100 {
			t.Fatalf("%d entries over the limit", len(got))
		}
		for _, m := range got {
			if !misp.ValidUUID(m.UUID) {
				t.Fatalf("invalid uuid %q", m.UUID)
			}
		}
	})
}

// FuzzParseEvent checks that an event file either parses into an event with the asked uuid or is an error.
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"Event": {"uuid": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "info": "x", "Attribute": [{"type": "ip-dst", "value": "1.2.3.4"}]}}`))
	f.Add([]byte(`{"response": [{"Event": {"uuid": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEvent(data, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", misp.DefaultLimits())
		if err == nil && e.UUID == "" {
			t.Fatal("an event without a uuid was accepted")
		}
	})
}

// FuzzCSVValues checks that CSV feeds never return more values than the limit or empty values.
func FuzzCSVValues(f *testing.F) {
	f.Add([]byte("a,1.2.3.4\n\"q,uoted\",x\n# c\n"), "2", ",", "/^#/")
	f.Add([]byte("x;y;z\n"), "1,3", ";", "")
	f.Fuzz(func(t *testing.T, data []byte, cols, delim, exclude string) {
		var s misp.FeedSettings
		s.CSV.Value = cols
		c, err := s.Columns()
		if err != nil {
			return
		}
		re, err := CompileExclude(exclude)
		if err != nil {
			return
		}
		got, err := CSVValues(data, c, delim, re, 50)
		if err != nil {
			return
		}
		if len(got) > 50 {
			t.Fatalf("%d values over the limit", len(got))
		}
		for _, v := range got {
			if v == "" {
				t.Fatal("an empty value")
			}
		}
	})
}

// FuzzFreetextLines checks freetext feeds' line splitting and exclusion.
func FuzzFreetextLines(f *testing.F) {
	f.Add([]byte("# comment\n1.2.3.4\n\nevil.example\n"), "/^#/")
	f.Add([]byte("a\r\nb\r\n"), "#b#i")
	f.Fuzz(func(t *testing.T, data []byte, exclude string) {
		re, err := CompileExclude(exclude)
		if err != nil {
			return
		}
		got, err := Lines(data, re, 50)
		if err != nil {
			return
		}
		for _, l := range got {
			if l == "" || re != nil && re.MatchString(l) {
				t.Fatalf("line %q kept", l)
			}
		}
	})
}

// FuzzParseHashes checks that hashes.csv digests are always 32 lower-case hex digits.
func FuzzParseHashes(f *testing.F) {
	f.Add([]byte("d41d8cd98f00b204e9800998ecf8427e,0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseHashes(data, 50)
		if err != nil {
			return
		}
		for _, h := range got {
			if len(h) != 32 || h != lower(h) {
				t.Fatalf("digest %q", h)
			}
		}
	})
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// FuzzParseRules checks that feed rules either parse or are an error, and that no rules allow everything.
func FuzzParseRules(f *testing.F) {
	f.Add(`{"tags":{"OR":["tlp:green"],"NOT":[]},"orgs":{"OR":[],"NOT":{"0":"x"}}}`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRules(s)
		if err != nil {
			return
		}
		if len(r.Tags.OR)+len(r.Tags.NOT)+len(r.Orgs.OR)+len(r.Orgs.NOT) == 0 && !r.Allows(nil, "", "") {
			t.Fatal("empty rules refused an event")
		}
	})
}
