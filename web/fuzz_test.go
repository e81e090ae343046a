package web

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/intel"
)

// FuzzSafeNext checks that the login page's redirect target is a path of the UI or nothing, whatever it is given.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/ui/events", "//evil.example/", "/ui/../x", "https://evil.example/ui/", "/ui/\\evil", "/ui/%0d%0aSet-Cookie:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got == "" {
			return
		}
		if got != next || !strings.HasPrefix(got, Prefix) || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n") {
			t.Fatalf("safeNext(%q) = %q", next, got)
		}
		u, err := url.Parse(got)
		if err == nil && (u.Scheme != "" || u.Host != "") {
			t.Fatalf("safeNext(%q) kept a URL with scheme %q host %q", next, u.Scheme, u.Host)
		}
	})
}

// FuzzSearchParams reads any query string the search and export forms may send: the parameters it makes are
// restSearch's, and ParseSearch either reads them or refuses them with its own errors, never otherwise.
func FuzzSearchParams(f *testing.F) {
	for _, s := range []string{"value=8.8.8.8", "type=ip-dst,+domain&tags=tlp:white,!tlp:red", "to_ids=1&published=0&from=2024-01-01",
		"eventid=12&org=ORGNAME&eventinfo=%25phish%25", "value=%00&type=,,,", "from=yesterday&to=5d"} {
		f.Add(s)
	}
	known := map[string]bool{"value": true, "type": true, "category": true, "tags": true, "eventinfo": true, "org": true,
		"from": true, "to": true, "eventid": true, "to_ids": true, "published": true, "limit": true}
	f.Fuzz(func(t *testing.T, raw string) {
		qs, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p := searchParams(qs, 10)
		for k := range p {
			if !known[k] {
				t.Fatalf("searchParams made parameter %q", k)
			}
		}
		body, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = intel.ParseSearch(body)
		if err != nil {
			var se *intel.SearchError
			var fe *intel.FormatError
			if !errorsAs(err, &se) && !errorsAs(err, &fe) {
				t.Fatalf("ParseSearch(%s) = %v", body, err)
			}
		}
	})
}

func errorsAs[T any](err error, target *T) bool { return errors.As(err, target) }
