package cmdline

import (
	"testing"

	"golang.org/x/net/idna"
)

func TestWatchlist(t *testing.T) {
	w := NewWatchlist([]string{"example.com", "paypal.com", "www.microsoft.com", "corp-bank.co.uk", "not a domain"})
	cyrillic, err := idna.ToASCII("pаypal.com") // the first a is Cyrillic U+0430
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		domain, watched, kind string
	}{
		{"paypa1.com", "paypal.com", "homoglyph"},
		{cyrillic, "paypal.com", "homoglyph"},
		{"rnicrosoft.com", "microsoft.com", "homoglyph"},
		{"login.examp1e.com", "example.com", "homoglyph"},
		{"corpbank.co.uk", "corp-bank.co.uk", "homoglyph"},
		{"exmaple.com", "example.com", "typo"},
		{"exampel.com", "example.com", "typo"},
		{"examplee.com", "example.com", "typo"},
		{"exampe.com", "example.com", "typo"},
		{"paypal.co", "paypal.com", "tld_swap"},
		{"example-login.com", "example.com", "embedded"},
		{"example.com.evil.net", "example.com", "embedded"},
		// Not lookalikes.
		{"example.com", "", ""},
		{"mail.example.com", "", ""},
		{"EXAMPLE.COM.", "", ""},
		{"google.com", "", ""},
		{"papaya.com", "", ""},
		{"co.uk", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		got, ok := w.Check(tt.domain)
		if ok != (tt.kind != "") || got.Watched != tt.watched || got.Kind != tt.kind {
			t.Errorf("Check(%q) = %+v, %v; want %s of %s", tt.domain, got, ok, tt.kind, tt.watched)
		}
		if ok && got.Reason == "" {
			t.Errorf("Check(%q): no reason", tt.domain)
		}
	}
}

func TestDGAScore(t *testing.T) {
	for _, d := range []string{"qjbfxnkwuo.info", "kd8f7h3l2mzq.net", "zrtwpxcvbnmq.com", "xj3k9q2t7vwp.biz", "a8f3k2l9x7.ru"} {
		if s := DGAScore(d); s < 0.5 {
			t.Errorf("DGAScore(%s) = %.2f, want ≥ 0.5", d, s)
		}
	}
	for _, d := range []string{"google.com", "wikipedia.org", "stackoverflow.com", "microsoft.com", "cloudflare.com", "amazonaws.com", "bbc.co.uk", "example.co.uk", "github.io", "office365.com"} {
		if s := DGAScore(d); s >= 0.3 {
			t.Errorf("DGAScore(%s) = %.2f, want < 0.3", d, s)
		}
	}
}

func TestEditDistance1(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"abc", "abc", false}, {"abc", "abd", true}, {"abc", "acb", true}, {"abc", "ab", true}, {"abc", "abcd", true},
		{"abc", "xbc", true}, {"abc", "cba", false}, {"abc", "a", false}, {"", "a", true}, {"ab", "ba", true},
	} {
		if got := editDistance1(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance1(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

func FuzzWatchlist(f *testing.F) {
	for _, s := range []string{"paypa1.com", "xn--pypal-4ve.com", "example.com.evil.net", "", ".", "a..b", "kd8f7h3l2mzq.net", "\xff.com"} {
		f.Add(s)
	}
	w := NewWatchlist([]string{"example.com", "paypal.com", "microsoft.com"})
	f.Fuzz(func(t *testing.T, d string) {
		if l, ok := w.Check(d); ok && (l.Watched == "" || l.Kind == "" || l.Reason == "") {
			t.Fatalf("Check(%q) = %+v", d, l)
		}
		if s := DGAScore(d); s < 0 || s > 1 {
			t.Fatalf("DGAScore(%q) = %v", d, s)
		}
	})
}
