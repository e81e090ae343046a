package ioc

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

func TestRefang(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hxxps://evil[.]com/a", "https://evil.com/a"},
		{"hXXp://evil(.)com", "http://evil.com"},
		{"fxp://files{.}example[dot]org", "ftp://files.example.org"},
		{"evil[ . ]com", "evil.com"},
		{`evil\.com`, "evil.com"},
		{"hxxp[://]evil[.]com[:]8080[/]x", "http://evil.com:8080/x"},
		{"user[@]evil[.]com", "user@evil.com"},
		{"user[at]evil(dot)com", "user@evil.com"},
		{"user(at)evil.com", "user@evil.com"},
		{"1.2.3[.]4", "1.2.3.4"},
		{"http://example.com/x", "http://example.com/x"},
		{"[dotnet]", "[dotnet]"},
		{`C:\Program Files\x.exe`, `C:\Program Files\x.exe`},
	}
	for _, tt := range tests {
		if got := Refang(tt.in); got != tt.want {
			t.Errorf("Refang(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDefang(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://evil.com/a.php", "hxxps://evil[.]com/a.php"},
		{"ftp://1.2.3.4/", "fxp://1[.]2[.]3[.]4/"},
		{"user@evil.com", "user[@]evil[.]com"},
		{"evil.com", "evil[.]com"},
		{"tcp://evil.com:4444", "tcp://evil[.]com:4444"},
	}
	for _, tt := range tests {
		if got := Defang(tt.in); got != tt.want {
			t.Errorf("Defang(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := Refang(Defang(tt.in)); got != tt.in {
			t.Errorf("Refang(Defang(%q)) = %q", tt.in, got)
		}
	}
}

// refangPeerErrors are refang vectors of python-iocextract where its expected output is
// wrong, with the reason.
var refangPeerErrors = map[string]string{
	"CDATA[^h00ps://test.com/]]>": "the peer's output 'http://CDATA^h00ps://test.com/>' glues the markup to the " +
		"scheme and keeps the defanged scheme; the URL in the text is https://test.com/",
}

// TestIocextractRefangCases runs python-iocextract's refang and defang vectors through
// Refang and Defang.
func TestIocextractRefangCases(t *testing.T) {
	f, err := os.Open(testcorpus.Path(t, "ioc/iocextract_refang_cases.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, agree := 0, 0
	for sc.Scan() {
		var c struct {
			Source string `json:"source"`
			Op     string `json:"op"`
			Input  string `json:"input"`
			Expect string `json:"expect_output"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		n++
		var got string
		if c.Op == "defang" {
			got = Defang(c.Input)
		} else {
			got = Refang(c.Input)
		}
		if reason, ok := refangPeerErrors[c.Input]; ok {
			if got == c.Expect {
				t.Errorf("%s: listed as a peer error (%s) but hunch agrees", c.Source, reason)
			}
			agree++
			continue
		}
		if got != c.Expect {
			t.Errorf("%s: %s(%q) = %q, peer expects %q", c.Source, c.Op, c.Input, got, c.Expect)
			continue
		}
		agree++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no refang cases read")
	}
	t.Logf("refang/defang agreement %d/%d", agree, n)
}

// TestIocextractCorpusRecord0 checks the peer's whole-corpus test: every expect_contains
// value is found (as written or refanged) and no expect_absent string is reported.
func TestIocextractCorpusRecord0(t *testing.T) {
	c := readPeerCases(t)[0]
	ms := Extract(c.Input)
	found := map[string]bool{}
	for _, m := range ms {
		found[string(m.Type)+"\x00"+m.Raw] = true
		found[string(m.Type)+"\x00"+m.Value] = true
	}
	// record0Peer lists expect_contains URL values that are peer errors.
	record0Peer := map[string]string{
		"http://[example.com":                            "'[example.com' is not a host",
		"http://example,com/":                            "'example,com' is not a host (a comma is no dot)",
		"192[.]168[.]0[.]1:80/path":                      "no scheme: the address is reported as ipv4, not as a URL",
		"192[.]168[.]0[.]1:9090/url":                     "no scheme: the address is reported as ipv4, not as a URL",
		"192[.]168[dot]0[.]1":                            "no scheme: the address is reported as ipv4, not as a URL",
		"192[.]188[dot]0[.]1:9090/url":                   "no scheme: the address is reported as ipv4, not as a URL",
		"example[.]com":                                  "no scheme: reported as a domain, not as a URL",
		"example[.]com/":                                 "no scheme: reported as a domain, not as a URL",
		"short[.]is":                                     "no scheme: reported as a domain, not as a URL",
		"http://fdc4:2581:575b:5a72:0000:0000:0000:0001": "an IPv6 host must be in brackets (RFC 3986); hunch reports the address as ipv6",
	}
	total, ok := 0, 0
	for st, vals := range c.ExpectContains {
		ty := peerTypes[st]
		for _, v := range vals {
			total++
			cands := []string{v, canonPeer(ty, Refang(v))}
			hit := false
			for _, cv := range cands {
				hit = hit || found[string(ty)+"\x00"+cv]
			}
			if _, isErr := record0Peer[v]; isErr && ty == URL {
				if hit {
					t.Errorf("record 0: %q listed as a peer error but found", v)
				}
				ok++
				continue
			}
			if !hit {
				t.Errorf("record 0: %s %q not found", st, v)
				continue
			}
			ok++
		}
	}
	for _, a := range c.ExpectAbsent {
		for _, m := range ms {
			if m.Raw == a || m.Value == a || strings.EqualFold(m.Value, a) {
				t.Errorf("record 0: %q must be absent, found as %s", a, m.Type)
			}
		}
	}
	t.Logf("record 0: %d/%d expected values found or listed as peer errors", ok, total)
}
