package enrich_test

import (
	"strings"
	"testing"

	"github.com/hunchsec/hunch/enrich"
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
		{"relative", "/api", def, `p: base URL "/api" is not an http(s) URL, or not an absolute http(s) URL`, true},
		{"no scheme", "api.example", def, `"api.example" is not an http(s) URL`, true},
		{"other scheme", "ftp://api.example", def, "use an http:// or https:// URL", true},
		{"no host", "https:///v1", def, "not an absolute http(s) URL", true},
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
