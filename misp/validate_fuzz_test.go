package misp

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzNormalizeValue checks, for any type and value, that NormalizeValue either refuses
// the value with ErrInvalidValue or returns a valid UTF-8 value within the size limit that
// normalises to itself, whose composite parts split; and that a freetext guess for the
// value is itself a stable value of its type.
func FuzzNormalizeValue(f *testing.F) {
	types := Types()
	index := func(typ string) uint8 {
		for i, t := range types {
			if t == typ {
				return uint8(i)
			}
		}
		panic("unknown type " + typ)
	}
	for _, s := range []struct{ typ, value string }{
		{"ip-dst", "1.2.3.4/24"},
		{"ip-dst|port", "[2001:db8::1]:80"},
		{"domain", "bücher.example"},
		{"url", "hxxp://evil[.]com/x"},
		{"filename|md5", "a.exe|D41D8CD98F00B204E9800998ECF8427E"},
		{"AS", "AS1.10"},
		{"datetime", "2019-06-25T14:52:53+02:00"},
		{"mac-address", "00-1A-2B-3C-4D-5E"},
		{"phone-number", "0033 (0)1 23 45 67 89"},
		{"hostname|port", "www.example.com:8080"},
	} {
		f.Add(index(s.typ), s.value)
	}
	f.Fuzz(func(t *testing.T, ti uint8, value string) {
		typ := types[int(ti)%len(types)]
		got, err := NormalizeValue(typ, value)
		if err != nil {
			if !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("NormalizeValue(%q, %q): %v does not wrap ErrInvalidValue", typ, value, err)
			}
		} else {
			if !utf8.ValidString(got) || len(got) > MaxValueLength || got == "" {
				t.Fatalf("NormalizeValue(%q, %q) = %q: empty, too long or not UTF-8", typ, value, got)
			}
			again, err := NormalizeValue(typ, got)
			if err != nil || again != got {
				t.Fatalf("NormalizeValue(%q, %q) = %q, but that normalises to %q, %v", typ, value, got, again, err)
			}
			if IsComposite(typ) {
				if _, _, ok := SplitComposite(typ, got); !ok {
					t.Fatalf("NormalizeValue(%q, %q) = %q does not split", typ, value, got)
				}
			}
		}
		if g, ok := GuessAttribute(value); ok {
			nv, err := NormalizeValue(g.Type, g.Value)
			if err != nil || nv != g.Value || g.Types[0] != g.Type {
				t.Fatalf("GuessAttribute(%q) = %+v, which normalises to %q, %v", value, g, nv, err)
			}
		}
	})
}
