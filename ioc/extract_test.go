package ioc

import (
	"slices"
	"strings"
	"testing"
)

type want struct {
	typ Type
	val string
}

func got(ms []Match) []want {
	var out []want
	for _, m := range ms {
		out = append(out, want{m.Type, m.Value})
	}
	return out
}

func TestExtractTable(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []want
	}{
		{"ipv4", "src 10.0.0.1 dst 8.8.8.8:53", []want{{IPv4, "10.0.0.1"}, {IPv4, "8.8.8.8"}}},
		{"ipv4 out of range", "999.1.1.1", nil},
		{"ipv4 five digits", "11.22.33.4444", nil},
		{"ipv4 left digit boundary", "1234.5.6.7", nil},
		{"dotted version", "5.1.19041.3803 and 1.2.3.4.5", nil},
		{"letters are a digit boundary", "ip1.2.3.4x words127.0.0.1words", []want{{IPv4, "1.2.3.4"}, {IPv4, "127.0.0.1"}}},
		{"letters then too many digits", "ab1234.5.6.7 1.2.3.4567x", nil},
		{"user agent version", "Chrome/120.0.0.0 Safari/537.36", nil},
		{"squid hierarchy is an address", "HIER_DIRECT/217.82.210.200", []want{{IPv4, "217.82.210.200"}}},
		{"defanged ipv4", "1.2.3[.]4 and 5(.)6{.}7[dot]8", []want{{IPv4, "1.2.3.4"}, {IPv4, "5.6.7.8"}}},
		{"domain", "resolve Evil.Example.com and EVIL.ORG now", []want{{Domain, "evil.example.com"}, {Domain, "evil.org"}}},
		{"domain right boundary", "a.ps1", nil},
		{"file names", "invoice.zip run.py lib.so start.sh s.Read System.IO $wc.Download", nil},
		{"not a tld", "cmd.exe report.docx", nil},
		{"backslash dot", `evil\.com`, []want{{Domain, "evil.com"}}},
		{"spaced bracket dot", "evil[ . ]com", []want{{Domain, "evil.com"}}},
		{"ipv6 forms", "fe80::1%eth0 ::1 2001:db8::1 ::ffff:192.0.2.1", []want{{IPv6, "fe80::1%eth0"}, {IPv6, "::1"}, {IPv6, "2001:db8::1"}, {IPv6, "::ffff:192.0.2.1"}}},
		{"ipv6 canonical", "2001:0DB8:0000:0000:0000:0000:0000:0001", []want{{IPv6, "2001:db8::1"}}},
		{"times are not ipv6", "Nov 22 12:34:56 host 12:34:56.789", nil},
		{"mac is not ipv6", "00:11:22:33:44:55", nil},
		{"url", "get https://en.wikipedia.org/wiki/Foo_(bar).", []want{{URL, "https://en.wikipedia.org/wiki/Foo_(bar)"}, {Domain, "en.wikipedia.org"}}},
		{"url trailing quote", "'http://x.com/a.ps1'", []want{{URL, "http://x.com/a.ps1"}, {Domain, "x.com"}}},
		{"url trailing paren", "(see http://x.com/a)", []want{{URL, "http://x.com/a"}, {Domain, "x.com"}}},
		{"url hxxps keeps https", "hxxps://evil[.]com/x", []want{{URL, "https://evil.com/x"}, {Domain, "evil.com"}}},
		{"url tcp", "tcp://192.168.1.1:4444", []want{{URL, "tcp://192.168.1.1:4444"}, {IPv4, "192.168.1.1"}}},
		{"url userinfo", "ftp://user:pw@files.example.org:21/a", []want{{URL, "ftp://user:pw@files.example.org:21/a"}, {Domain, "files.example.org"}}},
		{"url ipv6 host", "http://[2001:db8::1]:8080/x", []want{{URL, "http://[2001:db8::1]:8080/x"}, {IPv6, "2001:db8::1"}}},
		{"url defanged separators", "hxxp[://]evil[.]com[:]8080/a", []want{{URL, "http://evil.com:8080/a"}, {Domain, "evil.com"}}},
		{"url invalid host", "http://example/x http://a.a/", nil},
		{"email", "mail John.Doe+x@Example.org.", []want{{Email, "John.Doe+x@example.org"}, {Domain, "example.org"}}},
		{"email defanged", "bob[at]evil[.]com and al(at)x(dot)ru", []want{{Email, "bob@evil.com"}, {Domain, "evil.com"}, {Email, "al@x.ru"}, {Domain, "x.ru"}}},
		{"hashes", "D41D8CD98F00B204E9800998ECF8427E", []want{{MD5, "d41d8cd98f00b204e9800998ecf8427e"}}},
		{"hashes one apart", "d41d8cd98f00b204e9800998ecf8427e:d41d8cd98f00b204e9800998ecf8427f", []want{{MD5, "d41d8cd98f00b204e9800998ecf8427e"}, {MD5, "d41d8cd98f00b204e9800998ecf8427f"}}},
		{"hash lengths", "da39a3ee5e6b4b0d3255bfef95601890afd80709 " + strings.Repeat("a", 64) + " " + strings.Repeat("b", 128), []want{{SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"}, {SHA256, strings.Repeat("a", 64)}, {SHA512, strings.Repeat("b", 128)}}},
		{"other hex lengths", strings.Repeat("a", 33) + " " + strings.Repeat("a", 31), nil},
		{"cve", "patch cve-2021-44228!", []want{{CVE, "CVE-2021-44228"}}},
		{"attack", "T1059 T1059.001 XT1059 T10590", []want{{AttackTechnique, "T1059"}, {AttackTechnique, "T1059.001"}}},
		{"windows paths", `C:\Windows\System32\cmd.exe /c "C:\Program Files (x86)\App\a b.exe" \\srv\share\x.dll %APPDATA%\evil.exe`, []want{{WindowsPath, `C:\Windows\System32\cmd.exe`}, {WindowsPath, `C:\Program Files (x86)\App\a`}, {WindowsPath, `\\srv\share\x.dll`}, {WindowsPath, `%APPDATA%\evil.exe`}}},
		{"json escaped windows path", `"C:\\Users\\bob\\x.exe"`, []want{{WindowsPath, `C:\Users\bob\x.exe`}}},
		{"linux paths", "exec /usr/bin/curl >/dev/null; /tmp/.x/kinsing", []want{{LinuxPath, "/usr/bin/curl"}, {LinuxPath, "/dev/null"}, {LinuxPath, "/tmp/.x/kinsing"}}},
		{"not linux paths", "12/31/2024 3/4 /c /24 GET /a/b HTTP/1.1 text/html", nil},
		{"registry", `HKLM\Software\Microsoft\Windows NT\CurrentVersion\Run /v x Registry::HKEY_CURRENT_USER\Software\X HKCU:\Env`, []want{{RegistryKey, `HKLM\Software\Microsoft\Windows NT\CurrentVersion\Run`}, {RegistryKey, `Registry::HKEY_CURRENT_USER\Software\X`}, {RegistryKey, `HKCU:\Env`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := Extract(tt.in)
			if g := got(ms); !slices.Equal(g, tt.want) {
				t.Errorf("Extract(%q)\n got %v\nwant %v", tt.in, g, tt.want)
			}
			for _, m := range ms {
				if tt.in[m.Start:m.End] != m.Raw {
					t.Errorf("%v: Raw %q != text[%d:%d] %q", m.Type, m.Raw, m.Start, m.End, tt.in[m.Start:m.End])
				}
			}
		})
	}
}
