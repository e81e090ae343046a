package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQueryIntoIncidents is the scheduled-query path: a query's records become incidents (one per
// host, the rest merged), a new incident starts the playbook its type triggers, and that
// playbook queries the SIEM connection for the host's other encoded commands.
func TestQueryIntoIncidents(t *testing.T) {
	dir := t.TempDir()
	events, _ := filepath.Abs("../../examples/events.ndjson")
	cfg := writeConfig(t, "siem:\n  connections:\n    events:\n      kind: files\n      paths: ["+events+"]\n")
	books := filepath.Join(dir, "playbooks")
	os.MkdirAll(books, 0o755)
	os.WriteFile(filepath.Join(books, "sweep.yaml"), []byte(`
name: sweep
triggers: [{incident_type: "1"}, {incident_type: "4688"}]
tasks:
  - id: others
    type: action
    action: query
    with: {connection: events, query: 'Computer = "{{ .alert.Computer }}" and CommandLine ~ "(?i)\\s-e(nc|ncodedcommand)?\\s"', limit: 50}
    next: note
  - {id: note, type: action, action: note, with: {text: "{{ .tasks.others.output.count }} encoded commands on {{ .alert.Computer }}"}}
`), 0o644)
	data := filepath.Join(dir, "data")
	code, hits, errOut := runHunch(t, "", "query", "run", "--files", events, "--text", `CommandLine ~ "(?i)\\s-e(nc|ncodedcommand)?\\s"`, "-o", "ndjson")
	if code != ExitOK || strings.Count(hits, "\n") != 6 {
		t.Fatalf("query: %d %s %s", code, hits, errOut)
	}
	code, out, errOut := runHunch(t, hits, "incident", "ingest", "--data", data, "--config", cfg, "--playbooks", books, "--format", "json", "--each",
		"--name", "Computer", "--key", "Computer", "--type", "EventID", "-o", "ndjson")
	if code != ExitOK {
		t.Fatalf("ingest: %s", errOut)
	}
	var opened, merged, runs int
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct {
			Merged bool
			Runs   []string
		}
		json.Unmarshal([]byte(l), &r)
		if r.Merged {
			merged++
		} else {
			opened++
		}
		runs += len(r.Runs)
	}
	if opened != 2 || merged != 4 || runs != 2 {
		t.Fatalf("%d incidents, %d merged, %d runs:\n%s", opened, merged, runs, out)
	}
	// the runs were started, not driven: resume drives them here (as hunch serve would)
	code, out, errOut = runHunch(t, "", "playbook", "resume", "--data", data, "--config", cfg, "--playbooks", books)
	if code != ExitOK || strings.Count(out, "note             action     done") != 2 || !strings.Contains(out, "run 2: sweep on incident 2, done") {
		t.Fatalf("playbook run: %d %s %s", code, out, errOut)
	}
	code, out, _ = runHunch(t, "", "incident", "journal", "1", "--data", data, "-o", "ndjson")
	if !strings.Contains(out, `3 encoded commands on WKS-014.corp.example.com`) {
		t.Errorf("journal lacks the query's count:\n%s", out)
	}
}

func TestCheckCommands(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: x\ntasks:\n  - {id: a, type: action, action: launch-missiles}\n"), 0o644)
	code, out, errOut := runHunch(t, "", "playbook", "check", "../../examples/playbooks/triage-encoded-powershell.yaml", bad)
	if code != ExitFailure || !strings.Contains(out, "triage-encoded-powershell.yaml: ok") || !strings.Contains(errOut, `unknown action "launch-missiles"`) ||
		!strings.Contains(errOut, "1 of 2 playbooks have problems") {
		t.Errorf("playbook check: %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runHunch(t, "", "hunt", "check", "../../examples/hunts/encoded-powershell.yaml", bad)
	if code != ExitFailure || !strings.Contains(out, "-p host=string") || !strings.Contains(errOut, "field tasks not found") {
		t.Errorf("hunt check: %d\n%s\n%s", code, out, errOut)
	}
}
