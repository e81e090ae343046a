package misp

import (
	"slices"
	"strings"
	"testing"
)

func TestGuessAttribute(t *testing.T) {
	md5 := "d41d8cd98f00b204e9800998ecf8427e"
	sha1 := "da39a3ee5e6b4b0d3255bfef95601890afd80709"
	sha256 := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	tests := []struct {
		in, typ, value, comment string // typ "" means no guess
	}{
		{"1.2.3.4", "ip-dst", "1.2.3.4", ""},
		{"  (1.2.3.4),", "ip-dst", "1.2.3.4", ""},
		{"2001:DB8::1", "ip-dst", "2001:db8::1", ""},
		{"1[.]2[.]3[.]4", "ip-dst", "1.2.3.4", ""},
		{"10.0.0.0/8", "ip-dst", "10.0.0.0/8", ""},
		{"1.2.3.4:8080", "ip-dst|port", "1.2.3.4|8080", "On port 8080"},
		{"[2001:db8::1]:443", "ip-dst|port", "2001:db8::1|443", "On port 443"},
		{"1[.]2[.]3[.]4:80", "ip-dst|port", "1.2.3.4|80", "On port 80"},
		{strings.ToUpper(md5), "md5", md5, ""},
		{sha1, "sha1", sha1, ""},
		{strings.Repeat("a", 56), "sha224", strings.Repeat("a", 56), ""},
		{sha256, "sha256", sha256, ""},
		{strings.Repeat("b", 96), "sha384", strings.Repeat("b", 96), ""},
		{strings.Repeat("c", 128), "sha512", strings.Repeat("c", 128), ""},
		{"invoice.exe|" + md5, "filename|md5", "invoice.exe|" + md5, ""},
		{"invoice.exe|" + sha256, "filename|sha256", "invoice.exe|" + sha256, ""},
		{"invoice.exe|3:abc:def", "filename|ssdeep", "invoice.exe|3:abc:def", ""},
		{"96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWX:sF1LjEtHHlZDrUFvL8/Qs4", "ssdeep", "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWX:sF1LjEtHHlZDrUFvL8/Qs4", ""},
		{"12:30:45", "", "", ""},
		{"John.Doe@Example.com", "email-src", "john.doe@example.com", ""},
		{"john[at]evil[.]com", "email-src", "john@evil.com", ""},
		{"example.com", "domain", "example.com", ""},
		{"EXAMPLE.CO.UK", "domain", "example.co.uk", ""},
		{"System.IO", "filename", "System.IO", ""}, // code-like: the scanner does not call it a domain
		{"www.example.com", "hostname", "www.example.com", ""},
		{"evil[.]com", "domain", "evil.com", ""},
		{"c2.evil.com:8443", "hostname", "c2.evil.com", "On port 8443"},
		{"http://evil.com/a.php?x=1", "url", "http://evil.com/a.php?x=1", ""},
		{"hxxps://evil[.]com/a", "url", "https://evil.com/a", ""},
		{"evil.com/gate.php", "url", "evil.com/gate.php", ""},
		{"https://www.virustotal.com/gui/file/" + sha256, "link", "https://www.virustotal.com/gui/file/" + sha256, ""},
		{"cve-2021-44228", "vulnerability", "CVE-2021-44228", ""},
		{`C:\Windows\System32\evil.dll`, "filename", `C:\Windows\System32\evil.dll`, ""},
		{"/tmp/.x/payload.sh", "filename", "/tmp/.x/payload.sh", ""},
		{"evil.exe", "filename", "evil.exe", ""},
		{"invoice.zip", "filename", "invoice.zip", ""},
		{`HKLM\Software\Microsoft\Windows\CurrentVersion\Run`, "regkey", `HKLM\Software\Microsoft\Windows\CurrentVersion\Run`, ""},
		{"AS15169", "AS", "15169", ""},
		{"as15169", "AS", "15169", ""},
		{"+33 1 23 45 67 89", "", "", ""},
		{"+33123456789", "phone-number", "+33123456789", ""},
		{"+44(0)20-7946-0958", "phone-number", "+442079460958", ""},
		{"2024-01-31", "", "", ""},
		{"1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", ""},
		{"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "btc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", ""},
		{"T1059.001", "", "", ""},
		{"hello", "", "", ""},
		{"", "", "", ""},
		{"...", "", "", ""},
		{"version 1.2", "", "", ""},
		{"two\nlines.com", "", "", ""},
	}
	for _, tc := range tests {
		g, ok := GuessAttribute(tc.in)
		if tc.typ == "" {
			if ok {
				t.Errorf("GuessAttribute(%q) = %+v, want no guess", tc.in, g)
			}
			continue
		}
		if !ok {
			t.Errorf("GuessAttribute(%q): no guess, want %s", tc.in, tc.typ)
			continue
		}
		if g.Type != tc.typ || g.Value != tc.value || g.Comment != tc.comment {
			t.Errorf("GuessAttribute(%q) = %s %q %q, want %s %q %q", tc.in, g.Type, g.Value, g.Comment, tc.typ, tc.value, tc.comment)
		}
		if len(g.Types) == 0 || g.Types[0] != g.Type {
			t.Errorf("GuessAttribute(%q): Types %v does not start with %s", tc.in, g.Types, g.Type)
		}
		for _, typ := range g.Types {
			if !ValidType(typ) {
				t.Errorf("GuessAttribute(%q): offers unknown type %q", tc.in, typ)
			}
		}
		if g.Category != DefaultCategory(g.Type) || g.ToIDS != DefaultToIDS(g.Type) {
			t.Errorf("GuessAttribute(%q): category %q to_ids %v, want the type's defaults", tc.in, g.Category, g.ToIDS)
		}
		if nv, err := NormalizeValue(g.Type, g.Value); err != nil || nv != g.Value {
			t.Errorf("GuessAttribute(%q): value %q does not normalise to itself: %q, %v", tc.in, g.Value, nv, err)
		}
	}
}

func TestGuessType(t *testing.T) {
	tests := []struct {
		in, typ, category string
		toIDS, ok         bool
	}{
		{"8.8.8.8", "ip-dst", "Network activity", true, true},
		{"d41d8cd98f00b204e9800998ecf8427e", "md5", "Payload delivery", true, true},
		{"CVE-2017-0144", "vulnerability", "External analysis", false, true},
		{"bad@evil.com", "email-src", "Payload delivery", true, true},
		{"nothing here", "", "", false, false},
	}
	for _, tc := range tests {
		typ, cat, ids, ok := GuessType(tc.in)
		if typ != tc.typ || cat != tc.category || ids != tc.toIDS || ok != tc.ok {
			t.Errorf("GuessType(%q) = %q, %q, %v, %v; want %q, %q, %v, %v", tc.in, typ, cat, ids, ok, tc.typ, tc.category, tc.toIDS, tc.ok)
		}
	}
	if !slices.Contains(NonCorrelatingTypes(), "comment") {
		t.Error("comment is not in NonCorrelatingTypes")
	}
}
