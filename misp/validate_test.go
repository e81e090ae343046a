package misp

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestEveryTypeHasARule(t *testing.T) {
	for _, typ := range Types() {
		if kindOf(typ) == kUnknown {
			t.Errorf("type %q has no value rule", typ)
		}
		if (kindOf(typ) == kComposite) != IsComposite(typ) {
			t.Errorf("type %q: composite rule %v, IsComposite %v", typ, kindOf(typ) == kComposite, IsComposite(typ))
		}
	}
}

func TestNormalizeValue(t *testing.T) {
	md5 := "d41d8cd98f00b204e9800998ecf8427e"
	sha1 := "da39a3ee5e6b4b0d3255bfef95601890afd80709"
	sha256 := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	sha512 := strings.Repeat("cf83e1357eefb8bd", 8)
	tests := []struct {
		typ, in, want string // want "" means the value is refused
	}{
		// hashes: lower-cased, exact length, hex only
		{"md5", strings.ToUpper(md5), md5},
		{"md5", "  " + md5 + "\n", md5},
		{"md5", md5[:31], ""},
		{"md5", md5 + "0", ""},
		{"md5", md5[:31] + "g", ""},
		{"sha1", sha1, sha1},
		{"sha1", sha1[:39], ""},
		{"sha224", strings.Repeat("a", 56), strings.Repeat("a", 56)},
		{"sha224", strings.Repeat("a", 64), ""},
		{"sha256", strings.ToUpper(sha256), sha256},
		{"sha256", sha1, ""},
		{"sha384", strings.Repeat("B", 96), strings.Repeat("b", 96)},
		{"sha512", sha512, sha512},
		{"sha512", sha512[:127], ""},
		{"sha512/256", sha256, sha256},
		{"sha3-512", sha512, sha512},
		{"imphash", md5, md5},
		{"authentihash", sha256, sha256},
		{"authentihash", md5, ""},
		{"pehash", sha1, sha1},
		{"jarm-fingerprint", strings.Repeat("2a", 31), strings.Repeat("2a", 31)},
		{"jarm-fingerprint", md5, ""},
		{"git-commit-id", strings.ToUpper(sha1), sha1},
		{"x509-fingerprint-sha1", "DA:39:A3:EE:5E:6B:4B:0D:32:55:BF:EF:95:60:18:90:AF:D8:07:09", sha1},
		{"x509-fingerprint-md5", md5, md5},
		{"cdhash", strings.ToUpper(sha1) + "ab", sha1 + "ab"},
		{"cdhash", md5, ""},
		{"tlsh", "T1" + strings.Repeat("A", 70), "t1" + strings.Repeat("a", 70)},
		{"tlsh", strings.Repeat("a", 35), ""},
		{"tlsh", strings.Repeat("a", 36), strings.Repeat("a", 36)},
		{"telfhash", strings.Repeat("A", 70), strings.Repeat("a", 70)},
		{"telfhash", strings.Repeat("a", 71), ""},
		{"vhash", "016076651d1bz4dz", "016076651d1bz4dz"},
		{"vhash", "a\nb", ""},
		{"ssdeep", "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrUFvL8/Qs4", "96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrUFvL8/Qs4"},
		{"ssdeep", "3::", "3::"},
		{"ssdeep", "x:abc:def", ""},
		{"ssdeep", "3:abc", ""},
		{"ssdeep", "3:ab-c:def", ""},
		{"impfuzzy", "48:xyz:abc", "48:xyz:abc"},
		{"impfuzzy", "x:xyz:abc", ""},
		{"impfuzzy", "48:xyz", ""},

		// IP addresses and CIDR blocks
		{"ip-dst", "1.2.3.4", "1.2.3.4"},
		{"ip-src", " 10.0.0.1 ", "10.0.0.1"},
		{"ip-dst", "1.2.3.4/24", "1.2.3.4/24"},
		{"ip-dst", "1.2.3.4/32", "1.2.3.4"},
		{"ip-dst", "1.2.3.4/032", "1.2.3.4"},
		{"ip-dst", "1.2.3.0/08", "1.2.3.0/8"},
		{"ip-dst", "1.2.3.4/33", ""},
		{"ip-dst", "1.2.3.4/", ""},
		{"ip-dst", "1.2.3.4/a", ""},
		{"ip-dst", "1.2.3.4/24/1", ""},
		{"ip-dst", "1.2.3.4/99999999999999999999", ""},
		{"ip-dst", "2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
		{"ip-dst", "2001:0db8::0001/64", "2001:db8::1/64"},
		{"ip-dst", "2001:db8::1/128", "2001:db8::1"},
		{"ip-dst", "2001:db8::1/129", ""},
		{"ip-dst", "::ffff:1.2.3.4", "::ffff:1.2.3.4"},
		{"ip-dst", "fe80::1%eth0", ""},
		{"ip-dst", "1.2.3.256", ""},
		{"ip-dst", "01.2.3.4", ""},
		{"ip-dst", "1.2.3", ""},
		{"ip-dst", "1[.]2[.]3[.]4", "1.2.3.4"},
		{"ip-dst", "example.com", ""},

		// domains and hostnames
		{"domain", "Example.COM", "example.com"},
		{"domain", ".example.com.", "example.com"},
		{"domain", "evil[.]com", "evil.com"},
		{"domain", "evil(dot)com", "evil.com"},
		{"domain", "bücher.example", "xn--bcher-kva.example"},
		{"domain", "BÜCHER.example", "xn--bcher-kva.example"},
		{"domain", "_dmarc.example.com", "_dmarc.example.com"},
		{"domain", "example", ""},
		{"domain", "example.c", ""},
		{"domain", "exa mple.com", ""},
		{"domain", "example.com/path", ""},
		{"domain", "exa_mple.c_m", ""},
		{"hostname", "WWW.Example.com", "www.example.com"},
		{"hostname", "www.example.com.", "www.example.com"},
		{"hostname", "münchen.example.de", "xn--mnchen-3ya.example.de"},
		{"hostname", "localhost", ""},

		// e-mail addresses (MISP's loose rule: partial addresses pass)
		{"email", "John.Doe@Example.COM", "john.doe@example.com"},
		{"email-src", "a@b.c", "a@b.c"},
		{"email-dst", "john[at]example[.]com", "john@example.com"},
		{"email-dst", "john[@]example.com", "john@example.com"},
		{"target-email", "x@y", ""},
		{"email", "no-at-sign.example.com", ""},
		{"email", "jo hn@example.com", ""},
		{"email", "@example.com", ""},
		{"email", "a@b\n.com", ""},
		{"whois-registrant-email", "ADMIN@EXAMPLE.ORG", "admin@example.org"},
		{"eppn", "User@Example.org", "User@Example.org"},
		{"jabber-id", "bob@xmpp.example", "bob@xmpp.example"},

		// urls and links
		{"url", "  http://example.com/a?b=c  ", "http://example.com/a?b=c"},
		{"url", "example.com/path", "example.com/path"},
		{"url", "hxxp://evil[.]com/x", "http://evil.com/x"},
		{"url", "hXXps://evil[.]com[:]8080/x", "https://evil.com:8080/x"},
		{"url", "meow://evil.com", "http://evil.com"},
		{"url", "[hxxp://]evil.com", "http://evil.com"},
		{"url", "http://a.com/\nx", ""},
		{"uri", "/index.php?id=1", "/index.php?id=1"},
		{"link", "https://www.virustotal.com/gui/file/abc", "https://www.virustotal.com/gui/file/abc"},
		{"link", "example.com/no-scheme", ""},
		{"link", "http://exa mple.com", ""},
		{"link", "mailto:a@b.c", "mailto:a@b.c"},

		// ports and AS numbers
		{"port", "80", "80"},
		{"port", "065535", "65535"},
		{"port", "65536", ""},
		{"port", "0", ""},
		{"port", "-1", ""},
		{"port", "http", ""},
		{"port", "999999999999999999999", ""},
		{"AS", "AS15169", "15169"},
		{"AS", "as15169", "15169"},
		{"AS", "15169", "15169"},
		{"AS", "AS015169", "15169"},
		{"AS", "1.10", "65546"},
		{"AS", "AS1.10", "65546"},
		{"AS", "4294967295", "4294967295"},
		{"AS", "4294967296", ""},
		{"AS", "ASN15169", ""},
		{"AS", "1.70000", ""},
		{"AS", "AS", ""},

		// composite types: each part checked by its own type
		{"filename|md5", "Invoice.PDF|" + strings.ToUpper(md5), "Invoice.PDF|" + md5},
		{"filename|md5", "invoice.pdf | " + md5, "invoice.pdf|" + md5},
		{"filename|md5", "|" + md5, ""},
		{"filename|md5", "invoice.pdf|" + sha1, ""},
		{"filename|md5", "invoice.pdf", ""},
		{"filename|md5", "a|b|" + md5, ""},
		{"filename|md5", "in\nvoice.pdf|" + md5, ""},
		{"filename|sha1", `C:\Windows\x.exe|` + sha1, `C:\Windows\x.exe|` + sha1},
		{"filename|sha256", "x.exe|" + sha256, "x.exe|" + sha256},
		{"filename|sha256", "x.exe|" + sha1, ""},
		{"filename|sha512", "x|" + sha512, "x|" + sha512},
		{"filename|sha224", "x|" + strings.Repeat("a", 56), "x|" + strings.Repeat("a", 56)},
		{"filename|ssdeep", "x|3:abc:def", "x|3:abc:def"},
		{"filename|ssdeep", "x|abc", ""},
		{"filename|tlsh", "x|T1" + strings.Repeat("A", 70), "x|t1" + strings.Repeat("a", 70)},
		{"filename|vhash", "x|016076651d1bz4dz", "x|016076651d1bz4dz"},
		{"filename|impfuzzy", "x|48:a:b", "x|48:a:b"},
		{"filename|pehash", "x|" + sha1, "x|" + sha1},
		{"filename|authentihash", "x|" + sha256, "x|" + sha256},
		{"ip-dst|port", "1.2.3.4|80", "1.2.3.4|80"},
		{"ip-dst|port", "1.2.3.4:443", "1.2.3.4|443"},
		{"ip-src|port", "1.2.3.4|0080", "1.2.3.4|80"},
		{"ip-dst|port", "1.2.3.4|70000", ""},
		{"ip-dst|port", "1.2.3.4/24|80", ""},
		{"ip-dst|port", "1.2.3.4", ""},
		{"ip-dst|port", "2001:DB8::1|80", "2001:db8::1|80"},
		{"ip-dst|port", "[2001:db8::1]:80", "2001:db8::1|80"},
		{"ip-dst|port", "2001:db8::1.80", "2001:db8::1|80"},
		{"ip-dst|port", "2001:db8::1 port 80", "2001:db8::1|80"},
		{"ip-dst|port", "2001:db8::1p80", "2001:db8::1|80"},
		{"ip-dst|port", "2001:db8::1#80", "2001:db8::1|80"},
		{"ip-dst|port", "2001:db8::1:80", "2001:db8::1|80"},
		{"ip-dst|port", "example.com|80", ""},
		{"hostname|port", "WWW.Example.com:8080", "www.example.com|8080"},
		{"hostname|port", "www.example.com|8080", "www.example.com|8080"},
		{"hostname|port", "www.example.com|x", ""},
		{"domain|ip", "Example.COM|1.2.3.4", "example.com|1.2.3.4"},
		{"domain|ip", "example[.]com|1[.]2[.]3[.]4", "example.com|1.2.3.4"},
		{"domain|ip", "example.com|2001:DB8::1", "example.com|2001:db8::1"},
		{"domain|ip", "example.com|1.2.3.4/24", ""},
		{"domain|ip", "example|1.2.3.4", ""},
		{"domain|ip", "example.com|", ""},
		{"regkey|value", `HKLM\Software\Run|evil.exe`, `HKLM\Software\Run|evil.exe`},
		{"regkey|value", `HKLM\Software\Run|`, `HKLM\Software\Run|`},
		{"regkey|value", `|evil.exe`, ""},
		{"malware-sample", "x.exe|" + md5, "x.exe|" + md5},

		// financial and personal data
		{"cc-number", "4111 1111-1111 1111", "4111111111111111"},
		{"cc-number", "no digits", ""},
		{"bin", "411111", "411111"},
		{"iban", "de89 3704 0044 0532 0130 00", "DE89370400440532013000"},
		{"bic", "deut-de-ff", "DEUTDEFF"},
		{"bic", "-- --", ""},
		{"phone-number", "0033 (0)1 23 45 67 89", "+33123456789"},
		{"phone-number", "+1-202-555-0123", "+12025550123"},
		{"phone-number", "call me", ""},
		{"phone-number", "1+2", ""},
		{"prtn", "555 1234", "5551234"},
		{"float", "1.5e3", "1.5e3"},
		{"float", "-.5", "-.5"},
		{"float", "1.5.3", ""},
		{"float", "e3", ""},
		{"aba-rtn", "011000015", "011000015"},
		{"bank-account-nr", "12x", ""},
		{"btc", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT"},
		{"btc", "1Boat SLR", ""},
		{"xmr", "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx", "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx"},

		// numbers, booleans, dates
		{"counter", "42", "42"},
		{"counter", "-1", ""},
		{"size-in-bytes", "1.5", ""},
		{"integer", "-42", "-42"},
		{"integer", "+7", "+7"},
		{"integer", "--7", ""},
		{"integer", "4.2", ""},
		{"boolean", "TRUE", "1"},
		{"boolean", "false", "0"},
		{"boolean", "0", "0"},
		{"boolean", "1", "1"},
		{"boolean", "yes", "1"},
		{"datetime", "2019-06-25T14:52:53Z", "2019-06-25T14:52:53.000000+0000"},
		{"datetime", "2019-06-25T14:52:53.123456+02:00", "2019-06-25T14:52:53.123456+0200"},
		{"datetime", "2019-06-25 14:52:53", "2019-06-25T14:52:53.000000+0000"},
		{"datetime", "2019-06-25", "2019-06-25T00:00:00.000000+0000"},
		{"datetime", "@1561474373", "2019-06-25T14:52:53.000000+0000"},
		{"datetime", "yesterday-ish", ""},
		{"datetime", "2019-13-45", ""},

		// identifiers with fixed shapes
		{"vulnerability", "cve-2021-44228", "CVE-2021-44228"},
		{"vulnerability", "CVE–2021–44228", "CVE-2021-44228"},
		{"vulnerability", "CVE-2021-123", ""},
		{"vulnerability", "CVE-21-1234", ""},
		{"weakness", "cwe-79", "CWE-79"},
		{"weakness", "CWE-", ""},
		{"mac-address", "00-1A-2B-3C-4D-5E", "00:1a:2b:3c:4d:5e"},
		{"mac-address", "001a.2b3c.4d5e", "00:1a:2b:3c:4d:5e"},
		{"mac-address", "00:1a:2b:3c:4d", ""},
		{"mac-address", "00:1a:2b:3c:4d:5g", ""},
		{"mac-eui-64", "00:1a:2b:ff:fe:3c:4d:5e", "00:1a:2b:ff:fe:3c:4d:5e"},
		{"http-method", "get", "GET"},
		{"http-method", "FETCH", ""},
		{"hex", "deadBEEF", "DEADBEEF"},
		{"hex", "0xdead", ""},
		{"uuid", "5E4E8C8E-3B4A-4C1B-9E8F-0A1B2C3D4E5F", "5e4e8c8e-3b4a-4c1b-9e8f-0a1b2c3d4e5f"},
		{"uuid", "5e4e8c8e3b4a4c1b9e8f0a1b2c3d4e5f", ""},
		{"ssh-fingerprint", "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8", "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"},
		{"ssh-fingerprint", "MD5:" + "16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48", "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48"},
		{"ssh-fingerprint", "SHA256:short", ""},
		{"cortex", `{"a": 1}`, `{"a": 1}`},
		{"cortex", `{"a": `, ""},
		{"windows-service-name", "EvilSvc", "EvilSvc"},
		{"windows-service-name", `Evil\Svc`, ""},
		{"windows-service-displayname", strings.Repeat("a", 257), ""},

		// free text
		{"text", "  line one\nline two  ", "line one\nline two"},
		{"comment", "anything 🙂 goes", "anything 🙂 goes"},
		{"yara", "rule x {\n condition: true\n}", "rule x {\n condition: true\n}"},
		{"filename", "evil.exe", "evil.exe"},
		{"filename", "evil\n.exe", ""},
		{"regkey", `HKLM\Software\Microsoft\Windows\CurrentVersion\Run`, `HKLM\Software\Microsoft\Windows\CurrentVersion\Run`},
		{"user-agent", "Mozilla/5.0 (Windows NT 10.0)", "Mozilla/5.0 (Windows NT 10.0)"},
		{"anonymised", "ABC", "abc"},

		// values that are empty, control characters or not UTF-8
		{"text", "   ", ""},
		{"text", "\x01\x02", ""},
		{"text", "a\xffb", ""},
		{"filename|md5", "\x01|" + md5, ""},
	}
	for _, tc := range tests {
		got, err := NormalizeValue(tc.typ, tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("NormalizeValue(%q, %q) = %q, want an error", tc.typ, tc.in, got)
				continue
			}
			if !errors.Is(err, ErrInvalidValue) {
				t.Errorf("NormalizeValue(%q, %q): error %v does not wrap ErrInvalidValue", tc.typ, tc.in, err)
			}
			if !strings.Contains(err.Error(), tc.typ) {
				t.Errorf("NormalizeValue(%q, %q): error %q does not name the type", tc.typ, tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("NormalizeValue(%q, %q): %v", tc.typ, tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("NormalizeValue(%q, %q) = %q, want %q", tc.typ, tc.in, got, tc.want)
		}
		// A normalised value is a fixed point.
		again, err := NormalizeValue(tc.typ, got)
		if err != nil || again != got {
			t.Errorf("NormalizeValue(%q, %q) = %q, %v; want the value unchanged", tc.typ, got, again, err)
		}
	}
}

func TestNormalizeValueErrors(t *testing.T) {
	_, err := NormalizeValue("ipv4", "1.2.3.4")
	if !errors.Is(err, ErrUnknownType) || !strings.Contains(err.Error(), `"ipv4"`) {
		t.Errorf("unknown type: got %v, want ErrUnknownType naming the type", err)
	}
	_, err = NormalizeValue("ip-dst", "1.2.3.999")
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Type != "ip-dst" || ve.Value != "1.2.3.999" || ve.Reason != "IP address has an invalid format." {
		t.Fatalf("got %#v, want a *ValueError with MISP's reason", err)
	}
	if want := `invalid ip-dst value "1.2.3.999": IP address has an invalid format`; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	long := strings.Repeat("é", 100)
	_, err = NormalizeValue("ip-dst", long)
	if msg := err.Error(); len(msg) > 200 || !strings.Contains(msg, "…") {
		t.Errorf("long value not shortened in %q", msg)
	}
}

func TestNormalizeValueSizeLimit(t *testing.T) {
	tests := []struct {
		name   string
		value  string
		maxLen int
		ok     bool
	}{
		{"default limit, at it", strings.Repeat("a", MaxValueLength), 0, true},
		{"default limit, over it", strings.Repeat("a", MaxValueLength+1), 0, false},
		{"surrounding space does not count", " " + strings.Repeat("a", MaxValueLength) + " ", 0, true},
		{"custom limit", "abcdef", 5, false},
		{"custom limit, at it", "abcde", 5, true},
		{"no limit", strings.Repeat("a", MaxValueLength+10), -1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.maxLen == 0 {
				_, err = NormalizeValue("text", tc.value)
			} else {
				_, err = NormalizeValueMax("text", tc.value, tc.maxLen)
			}
			if tc.ok && err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if !tc.ok && !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("got %v, want ErrInvalidValue", err)
			}
		})
	}
	// Growth by normalisation counts too: a MAC address gains colons.
	if _, err := NormalizeValueMax("mac-address", "001a2b3c4d5e", 12); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("a value that outgrows the limit: got %v, want ErrInvalidValue", err)
	}
}

func TestNormalizeAttribute(t *testing.T) {
	tests := []struct {
		category, typ, value string
		wantCat, wantValue   string
		wantErr              error
	}{
		{"", "ip-dst", "1.2.3.4", "Network activity", "1.2.3.4", nil},
		{"", "md5", "D41D8CD98F00B204E9800998ECF8427E", "Payload delivery", "d41d8cd98f00b204e9800998ecf8427e", nil},
		{"External analysis", "domain", "Example.com", "External analysis", "example.com", nil},
		{"Financial fraud", "ip-dst", "1.2.3.4", "", "", ErrInvalidCategory},
		{"Network Activity", "ip-dst", "1.2.3.4", "", "", ErrInvalidCategory},
		{"Network activity", "ipv4", "1.2.3.4", "", "", ErrUnknownType},
		{"Network activity", "ip-dst", "nope", "", "", ErrInvalidValue},
	}
	for _, tc := range tests {
		cat, v, err := NormalizeAttribute(tc.category, tc.typ, tc.value)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("NormalizeAttribute(%q, %q, %q): got %v, want %v", tc.category, tc.typ, tc.value, err, tc.wantErr)
			}
			continue
		}
		if err != nil || cat != tc.wantCat || v != tc.wantValue {
			t.Errorf("NormalizeAttribute(%q, %q, %q) = %q, %q, %v; want %q, %q", tc.category, tc.typ, tc.value, cat, v, err, tc.wantCat, tc.wantValue)
		}
	}
}

func TestSplitComposite(t *testing.T) {
	tests := []struct {
		typ, value    string
		first, second string
		ok            bool
	}{
		{"filename|md5", "a.exe|d41d8cd98f00b204e9800998ecf8427e", "a.exe", "d41d8cd98f00b204e9800998ecf8427e", true},
		{"ip-dst|port", "1.2.3.4|80", "1.2.3.4", "80", true},
		{"malware-sample", "a.exe|d41d8cd98f00b204e9800998ecf8427e", "a.exe", "d41d8cd98f00b204e9800998ecf8427e", true},
		{"regkey|value", `HKLM\x|`, `HKLM\x`, "", true},
		{"filename|md5", "a|b|c", "", "", false},
		{"filename|md5", "abc", "", "", false},
		{"md5", "a|b", "", "", false},
		{"nonsense|type", "a|b", "", "", false},
	}
	for _, tc := range tests {
		a, b, ok := SplitComposite(tc.typ, tc.value)
		if a != tc.first || b != tc.second || ok != tc.ok {
			t.Errorf("SplitComposite(%q, %q) = %q, %q, %v; want %q, %q, %v", tc.typ, tc.value, a, b, ok, tc.first, tc.second, tc.ok)
		}
	}
}

// TestMISPEdgeCases holds the cases of MISP's own AttributeValidationToolTest.
func TestMISPEdgeCases(t *testing.T) {
	valid := map[string][]string{
		"filename|md5": {"cmd.exe|0cc175b9c0f1b6a831c399e269772661", "cmd.com|0cc175b9c0f1b6a831c399e269772661"},
		"tlsh": {"b2317c38fac0333c8ff7d3ff31fcf3b7fb3f9a3ef3bf3c880cfc43ebf97f3cc73fbfc",
			"t1fdd4e000b6a1c034f1f612f849b6a3a4b53f7ea1677481cf12d916ea4a79af1ed31317"},
		"filename|tlsh": {"cmd.exe|b2317c38fac0333c8ff7d3ff31fcf3b7fb3f9a3ef3bf3c880cfc43ebf97f3cc73fbfc",
			"cmd.exe|t1fdd4e000b6a1c034f1f612f849b6a3a4b53f7ea1677481cf12d916ea4a79af1ed31317"},
		"ssdeep": {"96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO",
			"384:EWo4X1WaPW9ZWhWzLo+lWpct/fWbkWsWIwW0/S7dZhgG8:EWo4X1WmW9ZWhWH/WpchfWgWsWTWtf8",
			"6144:3wSQSlrBHFjOvwYAU/Fsgi/2WDg5+YaNk5xcHrYw+Zg+XrZsGEREYRGAFU25ttR/:ctM7E0L4q",
			"768:+OFu8Q3w6QzfR5Jni6SQD7qSFDs6P93/q0XIc/UB5EPABWX:RFu8QAFzffJui79f13/AnB5EPAkX"},
		"filename|ssdeep": {"ahoj.txt|96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO"},
		"dom-hash":        {"0cc175b9c0f1b6a831c399e269772661"},
		"ip-src":          {"127.0.0.1", "127.0.0.1/32", "::1", "::1/128"},
		"ip-dst":          {"127.0.0.1", "127.0.0.1/32", "::1", "::1/128"},
		"port":            {"1", "80"},
		"ssh-fingerprint": {"7b:e5:6f:a7:f4:f9:81:62:5c:e3:1f:bf:8b:57:6c:5a", "MD5:7b:e5:6f:a7:f4:f9:81:62:5c:e3:1f:bf:8b:57:6c:5a", "SHA256:mVPwvezndPv/ARoIadVY98vAC0g+P/5633yTC4d/wXE"},
		"domain|ip":       {"example.com|127.0.0.1", "example.com|::1"},
		"filename":        {"cmd.exe", "cmd.com"},
		"AS":              {"0", "1", "4294967295"},
	}
	invalid := map[string][]string{
		"filename|md5":  {"cmd.exe|86f7e437faa5a7fce15d1ddcb9eaeaea377667b8", "cmd.exe\ncmd.com|0cc175b9c0f1b6a831c399e269772661"},
		"ip-src":        {"127", "127.0.0.", "127.0.0.1/", "127.0.0.1/32/1", "127.0.0.1/128", "::1/257", "::1/128/1"},
		"ip-dst":        {"127", "127.0.0.", "127.0.0.1/", "127.0.0.1/32/1", "127.0.0.1/128", "::1/257", "::1/128/1"},
		"port":          {"-80"},
		"domain|ip":     {"example.com|127", "example.com|1"},
		"filename":      {"cmd.exe\ncmd.com"},
		"AS":            {"1.2.3.4"},
		"ssdeep":        {"768:+OFu8Q3w6QzfR5Jni6SQD7qSFDs6P93/q0XIc/UB5EPABWX\n\n:RFu8QAFzffJui79f13/AnB5EPAkX"},
		"ip-src|port":   {"1234:0fd2:5621:0001:0089:0000:0000:4500/127|80"},
		"filename|tlsh": {"cmd.exe|" + strings.Repeat("a", 35)},
	}
	for typ, vs := range valid {
		for _, v := range vs {
			if _, err := NormalizeValue(typ, v); err != nil {
				t.Errorf("%s %q: %v", typ, v, err)
			}
		}
	}
	for typ, vs := range invalid {
		for _, v := range vs {
			if got, err := NormalizeValue(typ, v); err == nil {
				t.Errorf("%s %q = %q, want an error", typ, v, got)
			}
		}
	}
	modified := []struct{ typ, in, want string }{
		{"ip-src", "127.0.0.1/32", "127.0.0.1"},
		{"ip-src", "127.0.0.1/31", "127.0.0.1/31"},
		{"domain|ip", "example.com|1234:0fd2:5621:0001:0089:0000:0000:4500/128", "example.com|1234:fd2:5621:1:89::4500"},
		{"ip-src|port", "1234:0fd2:5621:0001:0089:0000:0000:4500/128|80", "1234:fd2:5621:1:89::4500|80"},
		{"ip-src", "1234:0fd2:5621:0001:0089:0000:0000:4500", "1234:fd2:5621:1:89::4500"},
		{"domain|ip", "example.com|1234:0fd2:5621:0001:0089:0000:0000:4500", "example.com|1234:fd2:5621:1:89::4500"},
		{"ip-src|port", "1234:0fd2:5621:0001:0089:0000:0000:4500|80", "1234:fd2:5621:1:89::4500|80"},
		{"filename|md5", "CMD.EXE|0CC175B9C0F1B6A831C399E269772661", "CMD.EXE|0cc175b9c0f1b6a831c399e269772661"},
		{"domain", "EXAMPLE.COM", "example.com"},
		{"domain|ip", "EXAMPLE.COM|127.0.0.1", "example.com|127.0.0.1"},
		{"domain", "háčkyčárky.cz", "xn--hkyrky-ptac70bc.cz"},
		{"domain", "HÁČKYČÁRKY.CZ", "xn--hkyrky-ptac70bc.cz"},
		{"domain|ip", "háčkyčárky.cz|127.0.0.1", "xn--hkyrky-ptac70bc.cz|127.0.0.1"},
		{"domain|ip", "HÁČKYČÁRKY.CZ|127.0.0.1", "xn--hkyrky-ptac70bc.cz|127.0.0.1"},
	}
	for _, tc := range modified {
		if got, err := NormalizeValue(tc.typ, tc.in); err != nil || got != tc.want {
			t.Errorf("NormalizeValue(%q, %q) = %q, %v; want %q", tc.typ, tc.in, got, err, tc.want)
		}
	}
}

// TestLongValuesStayLinear runs every type over values at the size limit built from the
// characters the rules look for. A rule that rescans the value per character (as a
// naive e-mail check would per '@') takes minutes here; linear rules take well under a
// second, so the generous bound only trips on a quadratic rule.
func TestLongValuesStayLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("slow under -short")
	}
	start := time.Now()
	for _, p := range []string{"a", "[.]", "[[.].]", "|", "(0)", "1", ":", "0", ".", "a.", "1.", "[at]",
		"hxxp", "-", "@", `\`, "/", "é", "a:", "1:", "a@", "1.2.3.4 ", "x.com/"} {
		v := strings.Repeat(p, MaxValueLength/len(p))
		for _, typ := range Types() {
			_, _ = NormalizeValue(typ, v)
		}
		GuessAttribute(v)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("long values took %v", d)
	}
}
