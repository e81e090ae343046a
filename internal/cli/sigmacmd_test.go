package cli

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSigmaScan(t *testing.T) {
	code, out, errOut := runHunch(t, "", "sigma", "scan", "-o", "csv", "--columns", "sigma_title,sigma_author,sigma_level",
		"../../examples/sigma", "--", "../../examples/events.ndjson")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := strings.Count(out, "PowerShell Started With an Encoded Command,hunch demo,high\n"); n != 10 {
		t.Errorf("%d encoded-command hits, want the 10 planted:\n%s", n, out)
	}
	if n := strings.Count(out, "Signed Windows Binary Fetching a Remote File,hunch demo,medium\n"); n != 3 {
		t.Errorf("%d download hits, want 3 (certutil, bitsadmin, curl)", n)
	}
	if !strings.Contains(errOut, "sigma: 2 rules, 13 matches from 2 rules") || !strings.Contains(errOut, "by hunch demo") {
		t.Errorf("summary: %s", errOut)
	}
	// Rules from a file, events on stdin, a level filter, and a rule that does not load (exit 3).
	dir := t.TempDir()
	data, _ := os.ReadFile("../../examples/sigma/lolbin_download.yml")
	os.WriteFile(filepath.Join(dir, "a.yml"), data, 0o644)
	os.WriteFile(filepath.Join(dir, "broken.yml"), []byte("title: x\ndetection:\n  s:\n    A|nope: 1\n  condition: s\n"), 0o644)
	events, _ := os.ReadFile("../../examples/events.ndjson")
	code, out, errOut = runHunch(t, string(events), "sigma", "scan", "-o", "csv", "--columns", "sigma_title", dir)
	if code != ExitPartial || strings.Count(out, "\n") != 4 || !strings.Contains(errOut, `broken.yml: search s: field A: unknown modifier "nope"`) {
		t.Errorf("partial: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runHunch(t, string(events), "sigma", "scan", "--min-level", "high", "-o", "csv", "--columns", "sigma_title", filepath.Join(dir, "a.yml"))
	if code != ExitOK || out != "sigma_title\n" {
		t.Errorf("--min-level high kept a medium rule: exit %d %q", code, out)
	}
	for _, c := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"--min-level", "urgent", dir}, "--min-level", ExitUsage},
		{[]string{"--mapping", "nope", dir}, "unknown field mapping", ExitUsage},
		{[]string{"--data", t.TempDir()}, "none installed", ExitUsage},
		{[]string{t.TempDir()}, "no Sigma rules found", ExitFailure},
		{[]string{"--max-rule-size", "10", filepath.Join(dir, "a.yml")}, "more than the 10", ExitFailure},
	} {
		args := append([]string{"sigma", "scan"}, c.args...)
		if c.args[0] == "--data" {
			args = append([]string{"--data", c.args[1], "sigma", "scan"}, c.args[2:]...)
		}
		code, _, errOut := runHunch(t, "", args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %q, want %d with %q", c.args, code, errOut, c.code, c.want)
		}
	}
}

func TestSigmaConvert(t *testing.T) {
	code, out, errOut := runHunch(t, "", "sigma", "convert", "--to", "spl", "--source", "index=win", "../../examples/sigma/lolbin_download.yml")
	want := "``` \"Signed Windows Binary Fetching a Remote File\" (0b7d7c8e-5d43-4e0a-8d2f-3e1c9a6b2f02) by hunch demo — ../../examples/sigma/lolbin_download.yml ```\n" +
		`index=win ((process="*bitsadmin*" process="*/transfer*") OR (process="*certutil*" process="*urlcache*" process="*http*") OR (process_path="*\\curl.exe" process="*http*")) NOT process="*windowsupdate.com*"` + "\n\n"
	if code != ExitOK || out != want {
		t.Errorf("exit %d %s\n got %s\nwant %s", code, errOut, out, want)
	}
	code, out, _ = runHunch(t, "", "sigma", "convert", "--to", "esql", "-o", "csv", "--columns", "title,language", "../../examples/sigma")
	if code != ExitOK || out != "title,language\nPowerShell Started With an Encoded Command,esql\nSigned Windows Binary Fetching a Remote File,esql\n" {
		t.Errorf("records: exit %d\n%s", code, out)
	}
	code, out, _ = runHunch(t, "", "sigma", "convert", "--to", "kql", "--mapping", "sysmon", "--source", "SecurityEvent", "../../examples/sigma/lolbin_download.yml")
	if code != ExitOK || !strings.Contains(out, "SecurityEvent\n| where ((CommandLine contains @\"bitsadmin\"") {
		t.Errorf("kql: exit %d\n%s", code, out)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "kw.yml"), []byte("title: kw\nlogsource:\n  product: windows\ndetection:\n  k:\n    - mimikatz\n  condition: k\n"), 0o644)
	code, _, errOut = runHunch(t, "", "sigma", "convert", "--to", "kql", dir)
	if code != ExitPartial || !strings.Contains(errOut, "keyword search") {
		t.Errorf("unexpressible rule: exit %d %s", code, errOut)
	}
	if code, _, errOut := runHunch(t, "", "sigma", "convert", "--to", "sql", dir); code != ExitUsage || !strings.Contains(errOut, "want spl, kql or esql") {
		t.Errorf("bad --to: exit %d %s", code, errOut)
	}
}

func TestSigmaUpdate(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	rule, _ := os.ReadFile("../../examples/sigma/encoded_powershell.yml")
	for name, body := range map[string][]byte{
		"rules/windows/process_creation/proc_creation_win_enc.yml": rule,
		"LICENSE.Detection.Rules.md":                               []byte("Detection Rule License 1.1"),
		"../escape.yml":                                            rule,
	} {
		w, _ := zw.Create(name)
		w.Write(body)
	}
	zw.Close()
	escaping := buf.Bytes()
	buf = bytes.Buffer{}
	zw = zip.NewWriter(&buf)
	for name, body := range map[string][]byte{
		"rules/windows/process_creation/proc_creation_win_enc.yml": rule,
		"LICENSE.Detection.Rules.md":                               []byte("Detection Rule License 1.1"),
	} {
		w, _ := zw.Create(name)
		w.Write(body)
	}
	zw.Close()
	good := buf.Bytes()
	serve := good
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(serve) }))
	defer srv.Close()
	data := t.TempDir()
	code, out, errOut := runHunch(t, "", "--data", data, "sigma", "update", "--url", srv.URL)
	if code != ExitOK || !strings.Contains(out, "installed 2 files") || !strings.Contains(out, "1 rules load, 0 do not") || !strings.Contains(out, "Detection Rule License 1.1") {
		t.Fatalf("exit %d %s\n%s", code, errOut, out)
	}
	code, out, _ = runHunch(t, "", "--data", data, "sigma", "scan", "-o", "csv", "--columns", "sigma_title", "--", "../../examples/events.ndjson")
	if code != ExitOK || strings.Count(out, "\n") != 11 {
		t.Errorf("scan with the installed set: exit %d\n%s", code, out)
	}
	serve = escaping
	if code, _, errOut := runHunch(t, "", "--data", data, "sigma", "update", "--url", srv.URL); code != ExitFailure || !strings.Contains(errOut, "outside the archive") {
		t.Errorf("escaping archive: exit %d %s", code, errOut)
	}
	serve = good
	if code, _, errOut := runHunch(t, "", "--data", data, "sigma", "update", "--url", srv.URL, "--max-size", "100"); code != ExitFailure || !strings.Contains(errOut, "raise --max-size") {
		t.Errorf("size limit: exit %d %s", code, errOut)
	}
	if code, _, errOut := runHunch(t, "", "--data", data, "sigma", "update", "--url", srv.URL, "--max-files", "1"); code != ExitFailure || !strings.Contains(errOut, "more than 1 files") {
		t.Errorf("file limit: exit %d %s", code, errOut)
	}
	// The refused updates left the installed rules in place.
	if _, err := os.Stat(filepath.Join(data, "sigma", "rules", "windows", "process_creation", "proc_creation_win_enc.yml")); err != nil {
		t.Error(err)
	}
}
