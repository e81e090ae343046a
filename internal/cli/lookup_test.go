package cli

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hunchsec/hunch/internal/demogeo"
)

// lookupRow is the part of a lookup output row the tests read.
type lookupRow struct {
	Indicator   string `json:"indicator"`
	Type        string `json:"type"`
	Verdict     string `json:"verdict"`
	DecidedBy   string `json:"decided_by"`
	Threatintel string `json:"threatintel"`
	Virustotal  string `json:"virustotal"`
	Country     string `json:"country"`
	ASOrg       string `json:"as_org"`
	Errors      int    `json:"errors"`
	Results     []struct {
		Provider string `json:"provider"`
		Cached   bool   `json:"cached"`
		Error    string `json:"error"`
	} `json:"results"`
}

func rows(t *testing.T, out string) map[string]lookupRow {
	t.Helper()
	m := map[string]lookupRow{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r lookupRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		if _, dup := m[r.Indicator]; dup {
			t.Errorf("%s reported twice", r.Indicator)
		}
		m[r.Indicator] = r
	}
	return m
}

// TestDemoLookup runs the README demo's second step in-process: the indicators extracted from
// the demo events, looked up in the two example lists with the generated GeoIP database.
func TestDemoLookup(t *testing.T) {
	data := t.TempDir()
	if err := demogeo.Write(filepath.Join(data, "geoip", "demo.mmdb")); err != nil {
		t.Fatal(err)
	}
	code, extracted, errOut := runHunch(t, "", "extract", "--unpack", "-f", "CommandLine", "--unique", "global",
		"--types", "ipv4,ipv6,domain,email", "-o", "ndjson", "../../examples/events.ndjson")
	if code != ExitOK {
		t.Fatalf("extract: exit %d: %s", code, errOut)
	}
	code, out, errOut := runHunch(t, extracted, "lookup", "--config", "../../examples/hunch.yaml", "--data", data, "-f", "value", "-o", "ndjson")
	if code != ExitOK {
		t.Fatalf("lookup: exit %d: %s", code, errOut)
	}
	got := rows(t, out)
	if n := strings.Count(extracted, "\n"); len(got) != n {
		t.Errorf("%d rows for %d distinct indicators", len(got), n)
	}
	for ind, want := range map[string][4]string{ // verdict, decided_by, country, as_org
		"c2.example.com":           {"malicious", "threatintel", "", ""},
		"203.0.113.77":             {"malicious", "threatintel", "SG", "Example VPS Pte Ltd"},
		"198.51.100.140":           {"suspicious", "threatintel", "NL", "Bulletproof Hosting Example BV"}, // the /24 entry
		"2001:db8:4f::53":          {"malicious", "threatintel", "US", "Example Cloud Inc"},
		"192.0.2.10":               {"benign", "allowlist", "DE", "Example Corp internal"},
		"www.example.com":          {"benign", "allowlist", "", ""},
		"exfil-drop@example.net":   {"malicious", "threatintel", "", ""},
		"login-verify.example.com": {"malicious", "threatintel", "", ""},
		"cdn.example.net":          {"unknown", "", "", ""},
	} {
		r, ok := got[ind]
		if !ok {
			t.Errorf("%s: no row", ind)
			continue
		}
		if r.Verdict != want[0] || r.DecidedBy != want[1] || r.Country != want[2] || r.ASOrg != want[3] {
			t.Errorf("%s: %s by %q in %q (%q); want %v", ind, r.Verdict, r.DecidedBy, r.Country, r.ASOrg, want)
		}
		if len(r.Results) != 2 {
			t.Errorf("%s: %d provider answers in results, want 2", ind, len(r.Results))
		}
	}
}

// vtServer serves recorded VirusTotal v3 replies: 203.0.113.9 is malicious, every other address
// unknown (404), and any request without the expected key is refused with 401.
func vtServer(t *testing.T, key string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	malicious, err := os.ReadFile("../../enrich/virustotal/testdata/ip_malicious.json")
	if err != nil {
		t.Fatal(err)
	}
	notFound, _ := os.ReadFile("../../enrich/virustotal/testdata/domain_notfound.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		switch {
		case r.Header.Get("x-apikey") != key:
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":{"code":"WrongCredentialsError","message":"Wrong API key"}}`))
		case r.URL.Path == "/ip_addresses/203.0.113.9":
			w.Write(malicious)
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write(notFound)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hunch.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLookupRemoteProviderAndCache drives the production VirusTotal client through the CLI: the
// key comes from a file, the second run is answered from the cache in the data directory, and
// purging the cache sends the next run to the provider again.
func TestLookupRemoteProviderAndCache(t *testing.T) {
	srv, requests := vtServer(t, "k-123")
	keyFile := filepath.Join(t.TempDir(), "vt.key")
	os.WriteFile(keyFile, []byte("k-123\n"), 0o600)
	cfg := writeConfig(t, "enrich:\n  providers:\n    virustotal:\n      key: file:"+keyFile+"\n      base_url: "+srv.URL+"\n")
	data := t.TempDir()
	look := func() map[string]lookupRow {
		code, out, errOut := runHunch(t, "", "lookup", "--config", cfg, "--data", data, "-o", "ndjson", "203.0.113.9", "198.51.100.1")
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		return rows(t, out)
	}
	got := look()
	if r := got["203.0.113.9"]; r.Verdict != "malicious" || r.DecidedBy != "virustotal" || !strings.HasPrefix(r.Virustotal, "malicious: ") || r.Results[0].Cached {
		t.Errorf("first run: %+v", r)
	}
	if r := got["198.51.100.1"]; r.Verdict != "unknown" || r.Errors != 0 {
		t.Errorf("404 must be unknown without error: %+v", r)
	}
	if n := requests.Load(); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
	got = look()
	if !got["203.0.113.9"].Results[0].Cached || !got["198.51.100.1"].Results[0].Cached || requests.Load() != 2 {
		t.Errorf("second run not from the cache: %d requests, %+v", requests.Load(), got)
	}
	code, out, _ := runHunch(t, "", "cache", "stats", "--data", data, "-o", "ndjson")
	if code != ExitOK || !strings.Contains(out, `"provider":"virustotal","entries":2,"expired":0`) || !strings.Contains(out, `"malicious":1`) {
		t.Errorf("cache stats: exit %d: %s", code, out)
	}
	code, out, _ = runHunch(t, "", "cache", "purge", "--data", data, "--provider", "virustotal")
	if code != ExitOK || out != "purged 2 cached answer(s)\n" {
		t.Errorf("purge: exit %d: %q", code, out)
	}
	look()
	if n := requests.Load(); n != 4 {
		t.Errorf("after purge: %d requests in all, want 4", n)
	}
	// --no-cache asks again without touching the cache; --refresh asks again and keeps the answer.
	runHunch(t, "", "lookup", "--config", cfg, "--data", data, "--no-cache", "203.0.113.9")
	runHunch(t, "", "lookup", "--config", cfg, "--data", data, "--refresh", "203.0.113.9")
	if n := requests.Load(); n != 6 {
		t.Errorf("no-cache + refresh: %d requests in all, want 6", n)
	}
}

// TestLookupFailureIsReported: a refused key yields a row whose provider column says what to do,
// a summary on stderr, and exit code 3; the key never appears in any output.
func TestLookupFailureIsReported(t *testing.T) {
	srv, _ := vtServer(t, "the-right-key")
	cfg := writeConfig(t, "enrich:\n  providers:\n    virustotal:\n      key: env:VT_KEY\n      base_url: "+srv.URL+"\n")
	code, out, errOut := runHunchEnv(t, map[string]string{"VT_KEY": "wrong-key-s3cr3t"}, "", "lookup", "--config", cfg, "--no-cache", "-o", "ndjson", "203.0.113.9")
	if code != ExitPartial {
		t.Fatalf("exit %d, want 3: %s", code, errOut)
	}
	r := rows(t, out)["203.0.113.9"]
	if r.Verdict != "unknown" || !strings.Contains(r.Virustotal, "check the API key for virustotal") || r.Errors != 1 {
		t.Errorf("row: %+v", r)
	}
	if !strings.Contains(errOut, "1 lookup(s) failed") {
		t.Errorf("stderr: %s", errOut)
	}
	if strings.Contains(out+errOut, "s3cr3t") {
		t.Error("the key leaked into the output")
	}
}

func TestLookupArgsAndFilters(t *testing.T) {
	cfg := "../../examples/hunch.yaml"
	code, out, errOut := runHunch(t, "", "lookup", "--config", cfg, "--no-cache", "--no-geoip", "--min-verdict", "suspicious", "-o", "csv",
		"--columns", "indicator,type,verdict", "c2[.]example[.]com", "www.example.com", "198.51.100.200", "not-an-indicator")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "indicator,type,verdict\nc2.example.com,domain,malicious\n198.51.100.200,ipv4,suspicious\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	// --keep enriches each record in place, --providers narrows the columns.
	in := `{"host":"ws1","dst":"203.0.113.77"}` + "\n" + `{"host":"ws2"}` + "\n"
	code, out, errOut = runHunch(t, in, "lookup", "--config", cfg, "--no-cache", "--no-geoip", "--keep", "-f", "dst",
		"--providers", "threatintel", "--details", "never", "-o", "ndjson")
	if code != ExitOK {
		t.Fatalf("keep: exit %d: %s", code, errOut)
	}
	want = `{"host":"ws1","dst":"203.0.113.77","verdict":"malicious","decided_by":"threatintel","threatintel":"malicious: stage-two payload server"}` + "\n" + `{"host":"ws2"}` + "\n"
	if out != want {
		t.Errorf("keep: got\n%s\nwant\n%s", out, want)
	}
	for _, args := range [][]string{
		{"lookup", "--config", cfg, "--no-cache", "--providers", "nope", "8.8.8.8"},
		{"lookup", "--config", cfg, "--no-cache", "--min-verdict", "evil", "8.8.8.8"},
		{"lookup", "--no-cache", "8.8.8.8"}, // no configuration: no providers
	} {
		if code, _, errOut := runHunch(t, "", args...); code == ExitOK || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestConfigCheck(t *testing.T) {
	cfg := writeConfig(t, `enrich:
  providers:
    virustotal:
      key: env:VT_KEY
    otx:
      key: env:OTX_KEY
    greynoise: {}
    tor:
      enabled: false
    mylist:
      type: local
      files: [missing.csv]
`)
	code, out, errOut := runHunchEnv(t, map[string]string{"VT_KEY": "vt-s3cr3t"}, "", "config", "check", "--config", cfg, "-o", "ndjson")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		`{"name":"virustotal","type":"virustotal","enabled":true,"usable":true,"offline":false}`,
		`{"name":"otx","type":"otx","enabled":true,"usable":false,"offline":false,"reason":"an API key is required (key: env:NAME or file:PATH): secret unavailable: environment variable OTX_KEY is not set"}`,
		`{"name":"greynoise","type":"greynoise","enabled":true,"usable":true,"offline":false}`,
		`{"name":"tor","type":"tor","enabled":false,"usable":false,"offline":false,"reason":"disabled in the configuration"}`,
		`"name":"mylist","type":"local","enabled":true,"usable":false,"offline":true,"reason":`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, "s3cr3t") {
		t.Error("a secret leaked")
	}
	bad := writeConfig(t, "enrich:\n  providers:\n    vt:\n      type: virustotl\n      rate: {per_minute: -1}\n      reliability: Z\n")
	code, _, errOut = runHunch(t, "", "config", "check", "--config", bad)
	if code == ExitOK || !strings.Contains(errOut, "reliability") {
		t.Errorf("bad config: exit %d: %s", code, errOut)
	}
	bad = writeConfig(t, "enrich:\n  providers:\n    vt:\n      type: virustotl\n      rate: {per_minute: -1}\n")
	code, _, errOut = runHunch(t, "", "config", "check", "--config", bad)
	if code == ExitOK || !strings.Contains(errOut, `enrich.providers.vt.type: unknown provider type "virustotl"`) || !strings.Contains(errOut, "enrich.providers.vt.rate.per_minute: must not be negative") {
		t.Errorf("bad config: exit %d: %s", code, errOut)
	}
}

func TestGeoIPCommand(t *testing.T) {
	data := t.TempDir()
	code, _, errOut := runHunch(t, "", "geoip", "--data", data, "198.51.100.7")
	if code != ExitFailure || !strings.Contains(errOut, "no GeoIP databases") {
		t.Errorf("without databases: exit %d: %s", code, errOut)
	}
	if err := demogeo.Write(filepath.Join(data, "geoip", "demo.mmdb")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runHunch(t, "", "geoip", "--data", data, "-o", "csv", "--columns", "ip,found,country,city,asn,as_org,network", "198.51.100.7", "10.0.0.1", "bogus")
	want := "ip,found,country,city,asn,as_org,network\n198.51.100.7,true,NL,Amsterdam,64500,Bulletproof Hosting Example BV,198.51.100.0/24\n10.0.0.1,false,,,,,\n"
	if code != ExitPartial || out != want || !strings.Contains(errOut, `"bogus": not an IP address`) {
		t.Errorf("exit %d\n%s\nwant\n%s\nstderr %s", code, out, want, errOut)
	}
	code, _, errOut = runHunch(t, "", "geoip", "update", "--data", data)
	if code != ExitFailure || !strings.Contains(errOut, "geoip.account_id and geoip.license_key") {
		t.Errorf("update without credentials: exit %d: %s", code, errOut)
	}
}
