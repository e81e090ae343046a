package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHuntTwoParameterSets runs the README's hunt over the bundled events for two hosts: each run
// keeps its own records, report and run.json, and they differ as the hosts' events do.
func TestHuntTwoParameterSets(t *testing.T) {
	data := t.TempDir()
	type result struct {
		events, indicators int
		records            []map[string]any
		report             string
		run                huntRun
	}
	hunt := func(host string) result {
		dir := filepath.Join(t.TempDir(), "run")
		code, out, errOut := runHunch(t, "", "hunt", "run", "../../examples/hunts/encoded-powershell.yaml", "--config", "../../examples/hunch.yaml",
			"--data", data, "-p", "host="+host, "-p", "files=../../examples/events.ndjson", "--dir", dir)
		if code != ExitOK || !strings.Contains(out, "report "+filepath.Join(dir, "report.html")) {
			t.Fatalf("hunt for %s: exit %d\n%s\n%s", host, code, out, errOut)
		}
		var r result
		b, _ := os.ReadFile(filepath.Join(dir, "run.json"))
		if err := json.Unmarshal(b, &r.run); err != nil {
			t.Fatal(err)
		}
		r.events, r.indicators = r.run.Steps[0].Records, r.run.Steps[1].Records
		lines, _ := os.ReadFile(filepath.Join(dir, "records.ndjson"))
		for _, l := range strings.Split(strings.TrimSpace(string(lines)), "\n") {
			var m map[string]any
			json.Unmarshal([]byte(l), &m)
			r.records = append(r.records, m)
		}
		page, _ := os.ReadFile(filepath.Join(dir, "report.html"))
		r.report = string(page)
		return r
	}
	a, b := hunt("WKS-014.corp.example.com"), hunt("WKS-040.corp.example.com")
	if a.events != 3 || b.events != 3 || a.indicators != 7 || b.indicators != 6 || len(a.records) != 7 || len(b.records) != 6 {
		t.Fatalf("WKS-014: %d events, %d indicators; WKS-040: %d, %d", a.events, a.indicators, b.events, b.indicators)
	}
	verdict := func(r result, ind string) string {
		for _, m := range r.records {
			if m["indicator"] == ind {
				return m["verdict"].(string)
			}
		}
		return "absent"
	}
	if verdict(a, "c2.example.com") != "malicious" || verdict(b, "c2.example.com") != "absent" || verdict(b, "198.51.100.61") != "suspicious" {
		t.Errorf("verdicts: %v / %v", a.records, b.records)
	}
	if !strings.Contains(a.report, "Encoded PowerShell on WKS-014.corp.example.com") || !strings.Contains(b.report, "Encoded PowerShell on WKS-040.corp.example.com") {
		t.Error("each report carries its own host in its title")
	}
	if a.run.Params["host"] != "WKS-014.corp.example.com" || a.run.Params["types"] != "network" || len(a.run.Steps[0].Command) == 0 {
		t.Errorf("run.json %+v", a.run)
	}
	// Every run is listed from the data directory when no --dir is given.
	if code, _, errOut := runHunch(t, "", "hunt", "run", "../../examples/hunts/encoded-powershell.yaml", "--config", "../../examples/hunch.yaml",
		"--data", data, "-p", "files=../../examples/events.ndjson"); code != ExitOK {
		t.Fatal(errOut)
	}
	code, out, _ := runHunch(t, "", "hunt", "runs", "--data", data, "-o", "ndjson")
	if code != ExitOK || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"hunt":"encoded-powershell"`) {
		t.Errorf("hunt runs: %s", out)
	}
	// Bad parameters are refused before anything runs.
	code, _, errOut := runHunch(t, "", "hunt", "run", "../../examples/hunts/encoded-powershell.yaml", "-p", "types=some", "-p", "colour=red")
	if code != ExitUsage || !strings.Contains(errOut, `"some": want one of network, all`) || !strings.Contains(errOut, `no parameter "colour"`) {
		t.Errorf("bad parameters: %d %s", code, errOut)
	}
	// A failing step stops the hunt, says which, and keeps run.json with the error.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: bad\nsteps:\n  - {id: q, run: query run, input: none, with: {files: nothing-here/*.ndjson, text: 'x ='}}\n"), 0o644)
	dir := t.TempDir()
	code, _, errOut = runHunch(t, "", "hunt", "run", bad, "--dir", dir)
	if code != ExitFailure || !strings.Contains(errOut, "step q (hunch query run) failed") {
		t.Errorf("failing step: %d %s", code, errOut)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "run.json")); !strings.Contains(string(b), `"error": "step q`) {
		t.Errorf("run.json of a failed run: %s", b)
	}
}
