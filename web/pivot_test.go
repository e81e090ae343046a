package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/hunchsec/hunch/pipeline/pivot"
	"github.com/hunchsec/hunch/record"
)

// TestPivotPages: every function of the registry is reachable from the entity pages — listed,
// and run through RunPivot (the CLI's runner in hunch serve, whose test runs each one for real),
// except the response actions, which are listed and refused here.
func TestPivotPages(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	u := newUI(t, Deps{RunPivot: func(_ context.Context, kind, value, fn string, args []string) ([]record.Record, string, error) {
		mu.Lock()
		calls = append(calls, kind+" "+fn+" "+strings.Join(args, " "))
		mu.Unlock()
		return []record.Record{record.New(record.Field{Name: "ip", Value: record.String("198.51.100.23")},
			record.Field{Name: "note", Value: record.String(`<script>alert(1)</script>`)})}, "", nil
	}}, "user")
	c := u.client(t)
	u.login(t, c, "user")
	samples := map[string]string{pivot.IP: "198.51.100.23", pivot.Domain: "c2.example.com", pivot.URL: "http://198.51.100.23/a.ps1",
		pivot.Hash: strings.Repeat("b", 64), pivot.Email: "a@b.example.com", pivot.Host: "WKS-014", pivot.Account: "jdoe", pivot.Process: "powershell -enc AA=="}
	runs := 0
	for _, kind := range pivot.Kinds {
		q := "/ui/pivot/" + kind + "?value=" + url.QueryEscape(samples[kind])
		code, body, _ := get(t, c, u.srv.URL, q)
		if code != 200 {
			t.Fatalf("%s page: %d", kind, code)
		}
		for _, f := range pivot.Default().For(kind) {
			if !strings.Contains(body, ">"+f.Name) {
				t.Errorf("%s page lacks %s", kind, f.Name)
			}
			code, page, _ := get(t, c, u.srv.URL, q+"&function="+f.Name+"&args="+url.QueryEscape("files.x --files y"))
			switch {
			case f.Destructive && code != http.StatusForbidden:
				t.Errorf("%s %s (a response action) ran from the web: %d", kind, f.Name, code)
			case !f.Destructive && (code != 200 || !strings.Contains(page, `href="/ui/pivot/ip?value=198.51.100.23"`) || strings.Contains(page, "<script>alert")):
				t.Errorf("%s %s: %d", kind, f.Name, code)
			case !f.Destructive:
				runs++
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != runs || runs < 25 || calls[0] != "ip geoip files.x --files y" && !strings.HasPrefix(calls[0], "ip ") {
		t.Errorf("%d runs, %d calls: %v", runs, len(calls), calls)
	}
	if code, _, _ := get(t, c, u.srv.URL, "/ui/pivot/ip?value=not-an-ip"); code != http.StatusNotFound {
		t.Errorf("a bad entity: %d", code)
	}
}
