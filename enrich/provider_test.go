package enrich_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

func TestRequireHTTP(t *testing.T) {
	if err := enrich.RequireHTTP("p", &enrich.HTTP{}); err != nil {
		t.Errorf("with a request path: %v", err)
	}
	err := enrich.RequireHTTP("p", nil)
	if err == nil || err.Error() != "p: an HTTP request path is required (Options.HTTP)" {
		t.Errorf("without a request path: %v", err)
	}
}

func TestBaseURL(t *testing.T) {
	const def = "https://api.example/v1"
	tests := []struct {
		name, given, def string
		want             string // the base, or with wantErr the text the error must contain
		wantErr          bool
	}{
		{"empty gives the default", "", def, def, false},
		{"blank gives the default", "  ", def, def, false},
		{"slashes alone give the default", "//", def, def, false},
		{"default loses its trailing slash", "", def + "/", def, false},
		{"given", "http://127.0.0.1:8080/api/", def, "http://127.0.0.1:8080/api", false},
		{"given with white space", " https://mirror.example// ", def, "https://mirror.example", false},
		{"relative", "/api", def, `p: base URL "/api" is not an http(s) URL with a host`, true},
		{"no scheme", "api.example", def, `"api.example" is not an http(s) URL`, true},
		{"other scheme", "ftp://api.example", def, `"ftp://api.example" is not an http(s) URL with a host`, true},
		{"no host", "https:///v1", def, "not an http(s) URL with a host", true},
		{"unparsable", "http://[::1", def, `base URL "http://[::1"`, true},
		{"no default", "", "", `p: base URL ""`, true},
		{"bad default", "", "api.example", `base URL "api.example"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := enrich.BaseURL("p", tt.given, tt.def)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), tt.want) || got != "" {
					t.Errorf("BaseURL(%q, %q) = %q, %v; want an error saying %q", tt.given, tt.def, got, err, tt.want)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("BaseURL(%q, %q) = %q, %v; want %q", tt.given, tt.def, got, err, tt.want)
			}
		})
	}
}

// message reads {"message": …}, as a provider's explain function does.
func message(body string) string {
	var v struct{ Message string }
	if json.Unmarshal([]byte(body), &v) != nil {
		return ""
	}
	return v.Message
}

func TestExplain(t *testing.T) {
	tests := []struct {
		name   string
		reply  enrichtest.Reply
		wrap   func(error) error // nil: the error as HTTP returns it
		want   string            // the explained message
		sentry error             // a sentinel the explained error must still wrap
		detail string            // the Detail errors.As must find
	}{
		{"status", enrichtest.Reply{Status: 400, Body: `{"message":" bad value "}`}, nil,
			"p: HTTP 400: bad value", nil, "bad value"},
		{"auth keeps its advice", enrichtest.Reply{Status: 401, Body: `{"message":"key expired"}`}, nil,
			"p: HTTP 401: check the API key for p: key expired", enrich.ErrAuth, "key expired"},
		{"wrapped", enrichtest.Reply{Status: 403, Body: `{"message":"no plan"}`},
			func(err error) error { return fmt.Errorf("looking up x: %w (twice)", err) },
			"looking up x: p: HTTP 403: check the API key for p: no plan (twice)", enrich.ErrAuth, "no plan"},
		{"no explanation", enrichtest.Reply{Status: 400, Body: `{"error":"bad value"}`}, nil,
			`p: HTTP 400: {"error":"bad value"}`, nil, ""},
		{"blank explanation", enrichtest.Reply{Status: 400, Body: `{"message":"  "}`}, nil,
			`p: HTTP 400: {"message":" "}`, nil, ""},
		{"not JSON", enrichtest.Reply{Status: 400, Body: `Bad Request`}, nil, "p: HTTP 400: Bad Request", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := enrichtest.NewServer(t, nil, enrichtest.Sequence(tt.reply))
			h := &enrich.HTTP{Provider: "p", Client: srv.Client(), Retries: -1}
			_, err := h.GetJSON(context.Background(), srv.URL, nil, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wrap != nil {
				err = tt.wrap(err)
			}
			before := err.Error()
			got := enrich.Explain(err, message)
			if got.Error() != tt.want {
				t.Errorf("message %q, want %q", got, tt.want)
			}
			if err.Error() != before {
				t.Errorf("the original error changed to %q", err)
			}
			if tt.sentry != nil && !errors.Is(got, tt.sentry) {
				t.Errorf("%q does not wrap %v", got, tt.sentry)
			}
			var se *enrich.StatusError
			if !errors.As(got, &se) || se.Status != tt.reply.Status || se.Detail != tt.detail || se.Body == "" {
				t.Errorf("errors.As found %+v", se)
			}
		})
	}
	plain := errors.New("p: no reply")
	if got := enrich.Explain(plain, message); got != plain {
		t.Errorf("an error without a status became %v", got)
	}
}

func TestLookupEach(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	batch := []enrich.Indicator{
		{Type: ioc.IPv4, Value: "192.0.2.1"},
		{Type: ioc.Email, Value: "a@example.com"},
		{Type: ioc.Domain, Value: "stop.example"},
		{Type: ioc.IPv4, Value: "192.0.2.2"},
		{Type: ioc.Email, Value: "b@example.com"},
	}
	var asked []enrich.Indicator
	out := enrich.LookupEach(ctx, "p", []ioc.Type{ioc.IPv4, ioc.Domain}, batch,
		func(ctx context.Context, ind enrich.Indicator) enrich.Result {
			asked = append(asked, ind)
			if ind.Value == "stop.example" {
				cancel()
			}
			// The indicator is left out on purpose: LookupEach sets it.
			return enrich.Result{Verdict: enrich.Suspicious, Summary: ind.Value}
		})
	if len(out) != len(batch) {
		t.Fatalf("%d results for %d indicators", len(out), len(batch))
	}
	if len(asked) != 2 || asked[0] != batch[0] || asked[1] != batch[2] {
		t.Errorf("asked about %v", asked)
	}
	for i, r := range out {
		if r.Indicator != batch[i] {
			t.Errorf("result %d is about %v, want %v", i, r.Indicator, batch[i])
		}
	}
	for _, i := range []int{0, 2} {
		if out[i].Err != nil || out[i].Verdict != enrich.Suspicious || out[i].Summary != batch[i].Value {
			t.Errorf("result %d: %+v", i, out[i])
		}
	}
	if r := out[1]; !errors.Is(r.Err, enrich.ErrUnsupported) || r.Err.Error() != "p: type not supported: email" {
		t.Errorf("unsupported type: %v", r.Err)
	}
	for _, i := range []int{3, 4} {
		if r := out[i]; !errors.Is(r.Err, context.Canceled) || r.Err.Error() != "p: context canceled" || r.Verdict != enrich.Unknown {
			t.Errorf("result %d after cancellation: %v %v", i, r.Verdict, r.Err)
		}
	}
}

func TestRequireKey(t *testing.T) {
	for _, key := range []string{"", " ", "\t\n"} {
		if err := enrich.RequireKey("p", key); err == nil || err.Error() != "p: an API key is required" {
			t.Errorf("key %q: %v", key, err)
		}
	}
	if err := enrich.RequireKey("p", "k"); err != nil {
		t.Errorf("with a key: %v", err)
	}
}

func TestNotFound(t *testing.T) {
	ind := enrich.Indicator{Type: ioc.Domain, Value: "example.com"}
	tests := []struct {
		name    string
		rep     *enrich.Reply
		wantRaw string
	}{
		{"no reply", nil, ""},
		{"JSON reply kept", &enrich.Reply{Status: 404, Body: []byte(`{"error":"NotFound"}`)}, `{"error":"NotFound"}`},
		{"other reply dropped", &enrich.Reply{Status: 404, Body: []byte(`<html>not found</html>`)}, ""},
		{"empty reply", &enrich.Reply{Status: 404}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := enrich.NotFound(ind, "https://ref.example/x", tt.rep)
			if r.Indicator != ind || r.Verdict != enrich.Unknown || r.Summary != "not found" ||
				r.Reference != "https://ref.example/x" || r.Err != nil || r.Details != nil {
				t.Errorf("result %+v", r)
			}
			if string(r.Raw) != tt.wantRaw {
				t.Errorf("raw %q, want %q", r.Raw, tt.wantRaw)
			}
		})
	}
}
