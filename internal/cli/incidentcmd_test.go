package cli

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestIncidentJournal opens an incident, works it, then tampers with its journal in the database file in each
// of the ways the issue names and checks that verify fails and names the entry.
func TestIncidentJournal(t *testing.T) {
	data := t.TempDir()
	run := func(args ...string) (int, string, string) {
		return runHunchEnv(t, map[string]string{"HUNCH_ACTOR": "alice"}, "", append([]string{"--data", data}, args...)...)
	}
	code, out, errOut := run("incident", "new", "--name", "Encoded PowerShell on WKS-014", "--type", "Malware", "--severity", "high",
		"--label", "splunk,edr", "-o", "ndjson")
	if code != ExitOK {
		t.Fatalf("new: exit %d %s", code, errOut)
	}
	var inc map[string]any
	if err := json.Unmarshal([]byte(out), &inc); err != nil || inc["severity"] != "high" || inc["status"] != "pending" || inc["journal_entries"] != 1.0 {
		t.Fatalf("new: %s", out)
	}
	run("incident", "note", "1", "decoded:", "a download cradle to 198.51.100.23")
	code, out, _ = run("incident", "set", "1", "--status", "active", "--owner", "bob", "--severity", "critical", "-o", "ndjson")
	if code != ExitOK || !strings.Contains(out, `"status":"active"`) || !strings.Contains(out, `"severity":"critical"`) {
		t.Fatalf("set: %s", out)
	}
	run("incident", "note", "1", "contained")
	code, out, _ = run("incident", "journal", "1", "-o", "csv", "--columns", "seq,kind,actor")
	if code != ExitOK || out != "seq,kind,actor\n1,status,cli:alice\n2,note,cli:alice\n3,status,cli:alice\n4,note,cli:alice\n" {
		t.Fatalf("journal:\n%s", out)
	}
	code, out, _ = run("incident", "verify", "1")
	if code != ExitOK || out != "incident 1: journal intact, 4 entries\n" {
		t.Fatalf("verify: exit %d %s", code, out)
	}
	if key, err := os.Stat(filepath.Join(data, "journal.key")); err != nil || key.Mode().Perm() != 0o600 {
		t.Fatalf("journal key: %v", err)
	}
	code, out, _ = run("incident", "list", "--status", "active", "-o", "csv", "--columns", "id,owner")
	if code != ExitOK || out != "id,owner\n1,bob\n" {
		t.Errorf("list: %s", out)
	}

	db, err := sql.Open("sqlite", filepath.Join(data, "hunch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	type row struct {
		seq                           int64
		time                          int64
		kind, actor, body, prev, hash string
	}
	snapshot := func() []row {
		rows, err := db.Query(`SELECT seq, time, kind, actor, body, prev, hash FROM journal ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			rows.Scan(&r.seq, &r.time, &r.kind, &r.actor, &r.body, &r.prev, &r.hash)
			out = append(out, r)
		}
		return out
	}
	restore := func(rs []row) {
		exec(`DELETE FROM journal`)
		for _, r := range rs {
			exec(`INSERT INTO journal (incident_id, seq, time, kind, actor, body, prev, hash) VALUES (1, ?, ?, ?, ?, ?, ?, ?)`,
				r.seq, r.time, r.kind, r.actor, r.body, r.prev, r.hash)
		}
	}
	orig := snapshot()
	for _, c := range []struct {
		name   string
		tamper func()
		want   string
	}{
		{"note rewritten", func() { exec(`UPDATE journal SET body = '{"text":"nothing found"}' WHERE seq = 2`) }, "entry 2 modified"},
		{"status change removed", func() { exec(`DELETE FROM journal WHERE seq = 3`) }, "entry 3 removed"},
		{"last note removed", func() { exec(`DELETE FROM journal WHERE seq = 4`) }, "entry 4 truncated"},
		{"reordered", func() {
			rs := snapshot()
			rs[1], rs[2] = rs[2], rs[1]
			restore(rs)
		}, "entry 3 reordered"},
		{"actor changed", func() { exec(`UPDATE journal SET actor = 'cli:mallory' WHERE seq = 1`) }, "entry 1 modified"},
	} {
		restore(orig)
		c.tamper()
		code, out, errOut := run("incident", "verify", "1")
		if code != ExitFailure || !strings.Contains(out, "journal TAMPERED") || !strings.Contains(out, c.want) || !strings.Contains(errOut, "1 of 1 journals failed") {
			t.Errorf("%s: exit %d\n%s%s", c.name, code, out, errOut)
		}
	}
	restore(orig)
	if code, _, _ := run("incident", "verify", "1"); code != ExitOK {
		t.Error("restored journal does not verify")
	}
	// A different key: every entry fails.
	code, out, _ = runHunchEnv(t, map[string]string{"HUNCH_JOURNAL_KEY_FILE": writeTemp(t, strings.Repeat("k", 64))}, "", "--data", data, "incident", "verify", "1")
	if code != ExitFailure || strings.Count(out, "modified") < 4 {
		t.Errorf("other key: exit %d\n%s", code, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"incident", "new"}, "--name is required"},
		{[]string{"incident", "new", "--name", "x", "--severity", "apocalyptic"}, "severity"},
		{[]string{"incident", "verify", "one"}, "want its number"},
	} {
		if code, _, errOut := run(c.args...); code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %s", c.args, code, errOut)
		}
	}
	if code, _, errOut := run("incident", "set", "1", "--status", "closed"); code != ExitFailure || !strings.Contains(errOut, "want one of pending") {
		t.Errorf("bad status: exit %d %s", code, errOut)
	}
	if code, _, errOut := run("incident", "verify", "7"); code != ExitFailure || !strings.Contains(errOut, "not found") {
		t.Errorf("missing incident: exit %d %s", code, errOut)
	}
}

func writeTemp(t *testing.T, content string) string {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIncidentIngest(t *testing.T) {
	data := t.TempDir()
	run := func(stdin string, args ...string) (int, string, string) {
		return runHunch(t, stdin, append([]string{"--data", data, "incident", "ingest"}, args...)...)
	}
	code, out, errOut := run("", "--format", "splunk", "-o", "csv", "--columns", "id,name,severity,merged", "../../examples/alerts/splunk_webhook.json")
	if code != ExitOK || out != "id,name,severity,merged\n1,Encoded PowerShell,high,false\n" {
		t.Fatalf("first: exit %d %s\n%s", code, errOut, out)
	}
	payload, _ := os.ReadFile("../../examples/alerts/splunk_webhook.json")
	code, out, _ = run(string(payload), "--format", "splunk", "-o", "csv", "--columns", "id,merged,journal_entries")
	if code != ExitOK || out != "id,merged,journal_entries\n1,true,3\n" {
		t.Fatalf("merged: exit %d\n%s", code, out)
	}
	code, out, _ = run(`{"rule":{"name":"Beacon","id":"r9"},"level":"low"}`, "--format", "json", "--name", "rule.name", "--key", "rule.id",
		"--severity", "level", "-o", "csv", "--columns", "id,name,severity")
	if code != ExitOK || out != "id,name,severity\n2,Beacon,low\n" {
		t.Fatalf("json: exit %d\n%s", code, out)
	}
	if code, out, _ := runHunch(t, "", "--data", data, "incident", "verify", "1", "2"); code != ExitOK || strings.Count(out, "intact") != 2 {
		t.Errorf("verify: %s", out)
	}
	for _, c := range []struct {
		args  []string
		stdin string
		code  int
		want  string
	}{
		{[]string{"--format", "xml"}, "", ExitUsage, "want splunk, sentinel, json"},
		{[]string{"--format", "sentinel"}, `{"object":{}}`, ExitFailure, "no title"},
		{[]string{"--format", "json"}, `{}`, ExitFailure, "needs a mapping for the name"},
	} {
		if code, _, errOut := run(c.stdin, c.args...); code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %s", c.args, code, errOut)
		}
	}
}
