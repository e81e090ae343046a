package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/demogeo"
)

// TestRep asks for the reputation of the demo's indicators with the demo's configuration (two
// local lists), a generated GeoIP database, the demo MISP event in the intel store and the demo
// warninglist enabled: every source shows in the answer.
func TestRep(t *testing.T) {
	data := t.TempDir()
	if err := demogeo.Write(filepath.Join(data, "geoip", "demo-geo.mmdb")); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		return runHunch(t, "", append([]string{"--config", "../../examples/hunch.yaml", "--data", data}, args...)...)
	}
	if code, _, errOut := run("intel", "import", "../../examples/intel/phishing-wave.json"); code != ExitOK {
		t.Fatalf("import: %s", errOut)
	}
	lists := filepath.Join(data, "misp", "warninglists", "lists")
	if err := os.MkdirAll(lists, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-R", "../../examples/intel/warninglists/lists/.", lists).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	if code, _, errOut := run("intel", "warninglist", "enable", "Demo:%"); code != ExitOK {
		t.Fatalf("enable: %s", errOut)
	}
	code, out, errOut := run("rep", "ip", "-o", "ndjson", "198.51.100.23", "192.0.2.10")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if len(got) != 2 {
		t.Fatalf("%d answers", len(got))
	}
	bad, good := got[0], got[1]
	for k, want := range map[string]any{"verdict": "malicious", "dbot_score": 3.0, "decided_by": "threatintel", "country": "NL",
		"as_org": "Bulletproof Hosting Example BV", "intel_to_ids": true, "intel_sightings": 0.0} {
		if bad[k] != want {
			t.Errorf("198.51.100.23 %s = %v, want %v", k, bad[k], want)
		}
	}
	if ev, _ := bad["intel_events"].([]any); len(ev) != 1 {
		t.Errorf("intel_events %v", bad["intel_events"])
	}
	if good["dbot_score"] != 1.0 || good["verdict"] != "benign" || len(good["intel_events"].([]any)) != 0 {
		t.Errorf("192.0.2.10: %v", good)
	}
	code, out, _ = run("rep", "domain", "-o", "csv", "--columns", "indicator,dbot_score,warninglists", "cdn[.]example[.]net")
	if code != ExitOK || out != "indicator,dbot_score,warninglists\ncdn.example.net,0,Demo: shared infrastructure\n" {
		t.Errorf("domain on a warninglist: exit %d\n%s", code, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"rep", "ip", "c2.example.com"}, `"c2.example.com" is a domain, not one of IP addresses`},
		{[]string{"rep", "file", "nothing"}, "is nothing hunch recognises"},
		{[]string{"rep", "url"}, "rep url: give at least one value"},
	} {
		code, _, errOut := run(c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %q", c.args, code, errOut)
		}
	}
}
