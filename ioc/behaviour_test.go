package ioc

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestTypesAndParseType(t *testing.T) {
	want := []Type{IPv4, IPv6, Domain, URL, Email, MD5, SHA1, SHA256, SHA512, WindowsPath, LinuxPath, CVE, AttackTechnique, RegistryKey}
	if got := Types(); !slices.Equal(got, want) {
		t.Fatalf("Types() = %v", got)
	}
	for _, ty := range want {
		if got, err := ParseType(" " + strings.ToUpper(string(ty)) + " "); err != nil || got != ty {
			t.Errorf("ParseType(%q) = %q, %v", ty, got, err)
		}
	}
	_, err := ParseType("dns")
	if err == nil || !strings.Contains(err.Error(), "windows_path") {
		t.Errorf("ParseType(dns) error %v should list the valid names", err)
	}
}

func TestNewExtractorValidation(t *testing.T) {
	bad := []Options{
		{Types: []Type{"nope"}},
		{Custom: []Custom{{Name: "x", Pattern: "("}}},
		{Custom: []Custom{{Name: "", Pattern: "a"}}},
		{Custom: []Custom{{Name: "Bad Name", Pattern: "a"}}},
		{Custom: []Custom{{Name: "url", Pattern: "a"}}},
		{Custom: []Custom{{Name: "x", Pattern: "a"}, {Name: "x", Pattern: "b"}}},
		{Custom: []Custom{{Name: "x", Pattern: ""}}},
	}
	for _, o := range bad {
		if _, err := NewExtractor(o); err == nil {
			t.Errorf("NewExtractor(%+v) accepted", o)
		}
	}
}

func TestOptionsTypes(t *testing.T) {
	e, err := NewExtractor(Options{Types: []Type{Domain, "ticket"}, Custom: []Custom{
		{Name: "ticket", Pattern: `INC-\d+`}, {Name: "other", Pattern: `x`}}})
	if err != nil {
		t.Fatal(err)
	}
	got := got(e.Extract("INC-7 hxxp://evil[.]com/x 10.0.0.1 xx"))
	want := []want{{"ticket", "INC-7"}, {Domain, "evil.com"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestIPFlags(t *testing.T) {
	tests := []struct {
		ip   string
		want []string
	}{
		{"10.1.2.3", []string{"private"}},
		{"172.31.0.1", []string{"private"}},
		{"192.168.1.1", []string{"private"}},
		{"127.0.0.1", []string{"loopback"}},
		{"169.254.1.1", []string{"link-local"}},
		{"224.0.0.251", []string{"multicast"}},
		{"240.1.2.3", []string{"reserved"}},
		{"192.0.2.10", []string{"documentation"}},
		{"198.51.100.1", []string{"documentation"}},
		{"203.0.113.9", []string{"documentation"}},
		{"0.0.0.0", []string{"unspecified"}},
		{"255.255.255.255", []string{"reserved", "broadcast"}},
		{"100.64.1.1", []string{"shared"}},
		{"198.18.0.1", []string{"benchmarking"}},
		{"8.8.8.8", nil},
		{"2001:db8::1", []string{"documentation"}},
		{"fd00::1", []string{"private"}},
		{"::1", []string{"loopback"}},
		{"fe80::1", []string{"link-local"}},
		{"ff02::1", []string{"multicast"}},
		{"2606:4700::1111", nil},
	}
	for _, tt := range tests {
		ms := Extract("addr " + tt.ip + " end")
		if len(ms) != 1 {
			t.Errorf("%s: %v", tt.ip, ms)
			continue
		}
		if got := ms[0].IPFlags.Strings(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: flags %v, want %v", tt.ip, got, tt.want)
		}
	}
}

func TestDefangedForms(t *testing.T) {
	tests := []struct {
		in   string
		want []want
	}{
		{"evil(.)com", []want{{Domain, "evil.com"}}},
		{"evil{.}com", []want{{Domain, "evil.com"}}},
		{"evil[dot]com", []want{{Domain, "evil.com"}}},
		{"evil(dot)com", []want{{Domain, "evil.com"}}},
		{"evil[ . ]com", []want{{Domain, "evil.com"}}},
		{"evil [.] com", []want{{Domain, "evil.com"}}},
		{`evil\.com`, []want{{Domain, "evil.com"}}},
		{"evil[.com", []want{{Domain, "evil.com"}}},
		{"hXXp://evil.com", []want{{URL, "http://evil.com"}, {Domain, "evil.com"}}},
		{"HXXPS://evil.com", []want{{URL, "https://evil.com"}, {Domain, "evil.com"}}},
		{"fxp://evil.com/f", []want{{URL, "ftp://evil.com/f"}, {Domain, "evil.com"}}},
		{"http[:]//evil.com", []want{{URL, "http://evil.com"}, {Domain, "evil.com"}}},
		{"http[://]evil.com", []want{{URL, "http://evil.com"}, {Domain, "evil.com"}}},
		{"a[@]evil.com", []want{{Email, "a@evil.com"}, {Domain, "evil.com"}}},
		{"a[at]evil.com", []want{{Email, "a@evil.com"}, {Domain, "evil.com"}}},
		{"a(at)evil.com", []want{{Email, "a@evil.com"}, {Domain, "evil.com"}}},
		{"a [at] evil [dot] com", []want{{Email, "a@evil.com"}, {Domain, "evil.com"}}},
	}
	for _, tt := range tests {
		ms := Extract(tt.in)
		if g := got(ms); !slices.Equal(g, tt.want) {
			t.Errorf("Extract(%q) = %v, want %v", tt.in, g, tt.want)
			continue
		}
		if !ms[0].Defanged && tt.in != "hXXp://evil.com" && !strings.HasPrefix(tt.in, "HXXPS") && !strings.HasPrefix(tt.in, "fxp") {
			t.Errorf("Extract(%q): Defanged not set", tt.in)
		}
	}
}

func TestURLSchemesAndHosts(t *testing.T) {
	tests := []struct{ in, want string }{
		{"wss://chat.evil.com:8443/ws", "wss://chat.evil.com:8443/ws"},
		{"smb://fileserver.corp.net/share", "smb://fileserver.corp.net/share"},
		{"ldap://dc.corp.org/dc=corp", "ldap://dc.corp.org/dc=corp"},
		{"rdp://1.2.3.4:3389", "rdp://1.2.3.4:3389"},
		{"HTTP://EVIL.COM/Path", "http://evil.com/Path"},
		{"http://user:pw@evil.com:81/a?b=c#d", "http://user:pw@evil.com:81/a?b=c#d"},
		{"<a href=\"http://evil.com/x\">", "http://evil.com/x"},
		{"http://evil.com/a,b;c", "http://evil.com/a,b;c"},
		{"[http://evil.com/x]", "http://evil.com/x"},
		{"http://fe80::1/x", ""},
		{"http://999.1.1.1/x", ""},
	}
	for _, tt := range tests {
		g := values(Extract(tt.in), URL)
		var want []string
		if tt.want != "" {
			want = []string{tt.want}
		}
		if !slices.Equal(g, want) {
			t.Errorf("Extract(%q) urls = %q, want %q", tt.in, g, want)
		}
	}
}

func TestNoDoubleReporting(t *testing.T) {
	// A URL's path is neither a Linux path nor a source of IPs or hashes; only its host is
	// reported again, with Within set.
	ms := Extract("http://evil.com/tmp/x/1.2.3.4/d41d8cd98f00b204e9800998ecf8427e.bin")
	if len(ms) != 2 || ms[0].Type != URL || ms[1].Type != Domain || ms[1].Within != URL {
		t.Errorf("got %v", ms)
	}
	ms = Extract("mail a.b@evil.co.uk")
	if len(ms) != 2 || ms[0].Type != Email || ms[1].Within != Email || ms[1].Registrable != "evil.co.uk" {
		t.Errorf("got %v", ms)
	}
	ms = Extract(`net use \\10.1.2.3\C$`)
	if len(ms) != 2 || ms[0].Type != WindowsPath || ms[1].Type != IPv4 || ms[1].Within != WindowsPath {
		t.Errorf("got %v", ms)
	}
	if ms := Extract("1.2.3.4.5 10.0.0.1.2"); len(ms) != 0 {
		t.Errorf("longer dotted numbers: %v", ms)
	}
}

func TestRegistrable(t *testing.T) {
	ms := Extract("a.b.evil.co.uk x.evil.blogspot.com s3.amazonaws.com")
	want := []string{"evil.co.uk", "evil.blogspot.com", "amazonaws.com"}
	var g []string
	for _, m := range ms {
		g = append(g, m.Registrable)
	}
	if !slices.Equal(g, want) {
		t.Errorf("registrable %q, want %q", g, want)
	}
	e, _ := NewExtractor(Options{ICANNOnly: true})
	ms = e.Extract("x.evil.blogspot.com")
	if len(ms) != 1 || ms[0].Registrable != "blogspot.com" {
		t.Errorf("ICANNOnly: %v", ms)
	}
	if ms := Extract("co.uk and .com"); len(ms) != 0 {
		t.Errorf("bare public suffixes: %v", ms)
	}
}

func TestDomainValidation(t *testing.T) {
	long := strings.Repeat("a", 64) + ".com"
	for _, in := range []string{long, "-evil.com", "evil-.com", "evil.local", "host.corp", "a_b.com", "x.c0m", `CORP\report.pdf`} {
		if got := values(Extract(in), Domain); len(got) != 0 {
			t.Errorf("Extract(%q) domains = %q", in, got)
		}
	}
	for _, in := range []string{"xn--80ak6aa92e.com", "_dmarc.example.com", "a-b.example.museum"} {
		if got := values(Extract(in), Domain); !slices.Equal(got, []string{in}) {
			t.Errorf("Extract(%q) domains = %q, want one", in, got)
		}
	}
	if got := values(Extract("user@evil.notatld"), Email); len(got) != 0 {
		t.Errorf("email with an invalid domain: %q", got)
	}
}

func TestRegistryHives(t *testing.T) {
	for _, h := range []string{"HKLM", "HKCU", "HKU", "HKCR", "HKCC", "HKEY_LOCAL_MACHINE", "HKEY_USERS", "HKEY_CLASSES_ROOT", "HKEY_CURRENT_CONFIG", "hklm"} {
		in := `reg add ` + h + `\Software\Evil /v x`
		if got := values(Extract(in), RegistryKey); !slices.Equal(got, []string{h + `\Software\Evil`}) {
			t.Errorf("%s: %q", h, got)
		}
	}
}

func TestAppendMatchesMatchesExtract(t *testing.T) {
	in := "hxxps://evil[.]com/a 10.0.0.1 C:\\x\\y.exe d41d8cd98f00b204e9800998ecf8427e"
	a := Extract(in)
	b := defaultExtractor().AppendMatches([]Match{{Type: "keep"}}, []byte(in))
	if len(b) != len(a)+1 || b[0].Type != "keep" {
		t.Fatalf("AppendMatches did not append: %v", b)
	}
	for i := range a {
		if a[i] != b[i+1] {
			t.Errorf("%d: %+v != %+v", i, a[i], b[i+1])
		}
	}
}

// TestIPv4FlagsMatchRanges checks the integer fast path against the prefix table.
func TestIPv4FlagsMatchRanges(t *testing.T) {
	for x := 0; x < 256; x++ {
		for _, y := range []byte{0, 1, 16, 18, 19, 31, 32, 51, 63, 64, 127, 128, 168, 254, 255} {
			for _, z := range []byte{0, 2, 100, 113, 255} {
				b := [4]byte{byte(x), y, z, 7}
				if x == 255 && y == 255 && z == 255 {
					b[3] = 255
				}
				a := netip.AddrFrom4(b)
				var want IPFlags
				if a.IsUnspecified() {
					want |= Unspecified
				}
				for _, r := range specialRanges {
					if r.p.Contains(a) {
						want |= r.f
					}
				}
				if want&Unspecified != 0 {
					want &^= Reserved
				}
				if got := ipv4Flags(b); got != want {
					t.Fatalf("%v: fast path %v, table %v", a, got.Strings(), want.Strings())
				}
			}
		}
	}
}
