package abusech

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

const testKey = "test-auth-key-0123"

func ind(t ioc.Type, v string) enrich.Indicator { return enrich.Indicator{Type: t, Value: v} }

// checkCommon asserts what every abuse.ch request carries: POST to the expected path under the
// base URL's path, no query string, the Auth-Key header and the content type.
func checkCommon(t *testing.T, r enrichtest.Request, path, contentType string) {
	t.Helper()
	if r.Method != http.MethodPost {
		t.Errorf("method %s, want POST", r.Method)
	}
	if r.Path != path {
		t.Errorf("path %q, want %q", r.Path, path)
	}
	if len(r.Query) != 0 {
		t.Errorf("query %v, want none", r.Query)
	}
	if got := r.Header.Get("Auth-Key"); got != testKey {
		t.Errorf("Auth-Key %q, want %q", got, testKey)
	}
	if got := r.Header.Get("Content-Type"); got != contentType {
		t.Errorf("Content-Type %q, want %q", got, contentType)
	}
}

// checkForm asserts a form body holds exactly want.
func checkForm(t *testing.T, body string, want url.Values) {
	t.Helper()
	got, err := url.ParseQuery(body)
	if err != nil {
		t.Fatalf("body %q is not a form: %v", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("form %v, want %v", got, want)
	}
}

// rawKept asserts the raw reply is the served file.
func rawKept(t *testing.T, r enrich.Result) {
	t.Helper()
	if !json.Valid(r.Raw) || !strings.Contains(string(r.Raw), `"query_status"`) {
		t.Errorf("raw reply not kept: %.80s", r.Raw)
	}
}

func TestNewRequiresKeyAndHTTP(t *testing.T) {
	h := &enrich.HTTP{}
	tests := []struct {
		name, want string
		o          Options
	}{
		{"no key", "an API key is required", Options{HTTP: h}},
		{"blank key", "an API key is required", Options{HTTP: h, Key: "  "}},
		{"no http", "an HTTP request path is required", Options{Key: testKey}},
		{"relative base", "not an http(s) URL with a host", Options{HTTP: h, Key: testKey, BaseURL: "/v1"}},
		{"ftp base", "not an http(s) URL with a host", Options{HTTP: h, Key: testKey, BaseURL: "ftp://mirror.example/v1"}},
	}
	for _, tt := range tests {
		for _, name := range Names() {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				p, err := New(name, tt.o)
				if err == nil {
					t.Fatalf("New(%q) = %v, want an error", name, p)
				}
				if !strings.HasPrefix(err.Error(), name+": ") || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %q, want %q prefixed by the provider name", err, tt.want)
				}
			})
		}
	}
}

func TestNewByName(t *testing.T) {
	o := Options{HTTP: &enrich.HTTP{}, Key: testKey}
	tests := []struct {
		name  string
		base  string
		types []ioc.Type
	}{
		{URLhausName, DefaultURLhausBaseURL, []ioc.Type{ioc.URL, ioc.IPv4, ioc.Domain, ioc.MD5, ioc.SHA256}},
		{ThreatFoxName, DefaultThreatFoxBaseURL, []ioc.Type{ioc.IPv4, ioc.Domain, ioc.URL, ioc.MD5, ioc.SHA256}},
		{MalwareBazaarName, DefaultMalwareBazaarBaseURL, []ioc.Type{ioc.MD5, ioc.SHA1, ioc.SHA256}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.name, o)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name() != tt.name {
				t.Errorf("Name() = %q", p.Name())
			}
			if !reflect.DeepEqual(p.Types(), tt.types) {
				t.Errorf("Types() = %v, want %v", p.Types(), tt.types)
			}
			var base string
			switch c := p.(type) {
			case *URLhaus:
				base = c.api.base
			case *ThreatFox:
				base = c.api.base
			case *MalwareBazaar:
				base = c.api.base
			}
			if base != tt.base {
				t.Errorf("base URL %q, want the default %q", base, tt.base)
			}
		})
	}
	if _, err := New("feodo", o); err == nil || !strings.Contains(err.Error(), "urlhaus, threatfox, malwarebazaar") {
		t.Errorf("New(feodo) error %v, want the list of names", err)
	}
}

// TestLookupBatch checks one result per indicator in order, unsupported types refused without a
// request, and a cancelled context failing the rest.
func TestLookupBatch(t *testing.T) {
	var srv *enrichtest.Server
	srv = enrichtest.NewServer(t, nil, func(_ *http.Request, n int) enrichtest.Reply {
		if strings.Contains(srv.Requests()[n].Body, "094fd325") {
			return enrichtest.File("malwarebazaar_get_info.json")
		}
		return enrichtest.File("malwarebazaar_hash_not_found.json")
	})
	p, err := NewMalwareBazaar(Options{HTTP: &enrich.HTTP{Provider: MalwareBazaarName, Client: srv.Client()}, BaseURL: srv.URL + "/api/v1/", Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	batch := []enrich.Indicator{
		ind(ioc.SHA256, "094fd325049b8a9cf6d3e5ef2a6d4cc6a567d7d49c35f8bb8dd9e3c6acf3d78d"),
		ind(ioc.Domain, "example.com"),
		ind(ioc.MD5, "00000000000000000000000000000000"),
	}
	res := enrichtest.Lookup(t, p, batch)
	if res[0].Verdict != enrich.Malicious || res[0].Err != nil {
		t.Errorf("result 0: %v %v", res[0].Verdict, res[0].Err)
	}
	if !errors.Is(res[1].Err, enrich.ErrUnsupported) || !strings.Contains(res[1].Err.Error(), "domain") {
		t.Errorf("result 1 error %v, want unsupported domain", res[1].Err)
	}
	if res[2].Verdict != enrich.Unknown || res[2].Err != nil || res[2].Summary != "not found" {
		t.Errorf("result 2: %v %q %v", res[2].Verdict, res[2].Summary, res[2].Err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2 (the domain is not sent)", n)
	}
	for _, r := range srv.Requests() {
		if r.Path != "/api/v1/" {
			t.Errorf("path %q: a trailing slash on the base URL must not double", r.Path)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := len(srv.Requests())
	for i, r := range p.Lookup(ctx, batch) {
		if !errors.Is(r.Err, context.Canceled) || r.Indicator != batch[i] {
			t.Errorf("cancelled result %d: %v %v", i, r.Indicator, r.Err)
		}
	}
	if len(srv.Requests()) != before {
		t.Errorf("a cancelled lookup sent requests")
	}
}

func TestTextAndStrs(t *testing.T) {
	var v struct {
		A, B, C, D text
		E, F, G    strs
	}
	in := `{"A":"120","B":120,"C":null,"D":true,"E":["x",null,"","y"],"F":"one","G":null}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != "120" || v.B != "120" || v.C != "" || v.D != "true" {
		t.Errorf("text: %q %q %q %q", v.A, v.B, v.C, v.D)
	}
	if !reflect.DeepEqual([]string(v.E), []string{"x", "y"}) || !reflect.DeepEqual([]string(v.F), []string{"one"}) || len(v.G) != 0 {
		t.Errorf("strs: %q %q %q", v.E, v.F, v.G)
	}
	if err := json.Unmarshal([]byte(`{"A":{"x":1}}`), &v); err == nil {
		t.Errorf("an object read as text")
	}
}

func TestSummary(t *testing.T) {
	tests := []struct {
		parts, tags []string
		want        string
	}{
		{nil, nil, "listed"},
		{[]string{"", "exe"}, nil, "listed: exe"},
		{[]string{"a"}, []string{"t1", "t2"}, "listed: a, tags t1, t2"},
		{nil, []string{"1", "2", "3", "4", "5", "6"}, "listed: tags 1, 2, 3, 4, 5, …"},
	}
	for _, tt := range tests {
		if got := summary(tt.parts, tt.tags); got != tt.want {
			t.Errorf("summary(%q, %q) = %q, want %q", tt.parts, tt.tags, got, tt.want)
		}
	}
}
