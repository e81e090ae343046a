package ioc

import (
	"fmt"
	"slices"
	"testing"
)

// TestPlainWordEdges covers the words the scan loop steps over without reading a token
// (letters, digits and hyphens before a byte that ends them) next to the ones it must not:
// CVE identifiers, ATT&CK techniques, hashes, and words that a dot, a defanged dot, an
// at-sign or a colon continues.
func TestPlainWordEdges(t *testing.T) {
	md5 := "d41d8cd98f00b204e9800998ecf8427e"
	cases := []struct {
		in   string
		want []string // "type value"
	}{
		{"fw-edge WKS-030 Microsoft-Windows-Sysmon 2024-07-04 done.", nil},
		{"Tango-5 T105 T10590 Chrome CORP Cmd cve 2021", nil},
		{"seen T1059 and T1059.001.", []string{"attack_technique T1059", "attack_technique T1059.001"}},
		{"cve-2021-44228 CVE-2024-3094.", []string{"cve CVE-2021-44228", "cve CVE-2024-3094"}},
		{"Hashes: " + md5 + ".", []string{"md5 " + md5}},
		{"go to evil-site.com. now", []string{"domain evil-site.com"}},
		{"go to evil-site.com now", []string{"domain evil-site.com"}},
		{"host evil-site[.]com or evil-site .]com", []string{"domain evil-site.com"}},
		{"mail a-b@evil-site.com", []string{"email a-b@evil-site.com", "domain evil-site.com"}},
		{"mail a-b [at] evil-site.com", []string{"email a-b@evil-site.com", "domain evil-site.com"}},
		{"end-of-text", nil},
		{"x-1.2.3.4 is 1.2.3.4", []string{"ipv4 1.2.3.4", "ipv4 1.2.3.4"}},
		{"see hxxp-x:1 and http://a-b.example.org/x", []string{"url http://a-b.example.org/x", "domain a-b.example.org"}},
	}
	for _, c := range cases {
		var got []string
		for _, m := range Extract(c.in) {
			got = append(got, fmt.Sprintf("%s %s", m.Type, m.Value))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Extract(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
