package server

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzRedactURL checks that whatever the URL, no value of a parameter whose name suggests a
// secret survives into the log, in the query or as a CakePHP named parameter in the path.
func FuzzRedactURL(f *testing.F) {
	f.Add("/events/index?apikey=SECRET&limit=5")
	f.Add("/events/view/1/apikey:SECRET/noSightings:1")
	f.Add("/x?%61pikey=SECRET&token&=v&&pass%=SECRET")
	f.Add("/a:b/c?d=e;f=g")
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.ParseRequestURI(raw)
		if err != nil {
			return
		}
		path, query := redactURL(u)
		for _, seg := range strings.Split(path, "/") {
			if name, val, ok := strings.Cut(seg, ":"); ok && sensitiveName(name) && val != "REDACTED" {
				t.Fatalf("%q: named parameter %q kept", raw, seg)
			}
		}
		if query == "" {
			if u.RawQuery != "" {
				t.Fatalf("%q: query dropped", raw)
			}
			return
		}
		for _, p := range strings.Split(query, "&") {
			name, val, _ := strings.Cut(p, "=")
			if dec, err := url.QueryUnescape(name); err == nil {
				name = dec
			}
			if sensitiveName(name) && val != "REDACTED" {
				t.Fatalf("%q: parameter %q kept in %q", raw, p, query)
			}
		}
	})
}
