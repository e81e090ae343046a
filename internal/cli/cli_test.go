package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runHunch runs the CLI in-process with the given stdin and a clean environment.
func runHunch(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runHunchEnv(t, nil, stdin, args...)
}

// runHunchEnv runs hunch with an environment of only vars (and an empty config home).
func runHunchEnv(t *testing.T, vars map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	cfgHome := t.TempDir()
	getenv := func(k string) string {
		if k == "XDG_CONFIG_HOME" {
			return cfgHome
		}
		return vars[k]
	}
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb, getenv)
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.ndjson")
	if err := os.WriteFile(bad, []byte("{\"a\":\"198.51.100.7\"}\n{not json\n{\"a\":\"203.0.113.9\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		stdin    string
		code     int
		stdout   string // substring expected in stdout
		stderr   string // substring expected in stderr
		noStdout string // substring that must not be in stdout
	}{
		{name: "ok", args: []string{"extract", "-o", "ndjson"}, stdin: "see 198.51.100.7\n", code: ExitOK, stdout: `"value":"198.51.100.7"`},
		{name: "usage unknown flag", args: []string{"extract", "--bogus"}, code: ExitUsage, stderr: "unknown flag"},
		{name: "usage bad output", args: []string{"extract", "-o", "xml"}, stdin: "x", code: ExitUsage, stderr: "xml"},
		{name: "usage bad type", args: []string{"extract", "--types", "ipv5"}, code: ExitUsage, stderr: "ipv5"},
		{name: "usage bad unique", args: []string{"extract", "--unique", "sometimes"}, code: ExitUsage, stderr: "sometimes"},
		{name: "usage bad custom", args: []string{"extract", "--custom", "x=("}, code: ExitUsage},
		{name: "usage bad size", args: []string{"unpack", "--max-decoded", "lots"}, code: ExitUsage, stderr: "invalid size"},
		{name: "missing file", args: []string{"extract", filepath.Join(dir, "nope.txt")}, code: ExitFailure, stderr: "no such file"},
		{name: "partial", args: []string{"extract", "-o", "ndjson", bad}, code: ExitPartial,
			stdout: "203.0.113.9", stderr: "bad.ndjson:2"},
		{name: "strict stops", args: []string{"extract", "-o", "ndjson", "--strict", bad}, code: ExitFailure,
			stdout: "198.51.100.7", noStdout: "203.0.113.9", stderr: "bad.ndjson:2"},
		{name: "missing config", args: []string{"extract", "--config", filepath.Join(dir, "none.yaml")}, code: ExitFailure, stderr: "config"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runHunch(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if !strings.Contains(out, tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, out)
			}
			if !strings.Contains(errOut, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, errOut)
			}
			if tc.noStdout != "" && strings.Contains(out, tc.noStdout) {
				t.Errorf("stdout has %q:\n%s", tc.noStdout, out)
			}
		})
	}
}

func TestConfigCustomTypes(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hunch.yaml")
	if err := os.WriteFile(cfg, []byte("ioc:\n  custom:\n    - name: ticket\n      pattern: 'INC-[0-9]{6}'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runHunch(t, "see INC-123456 and 198.51.100.7\n", "--config", cfg, "extract", "-o", "ndjson", "--types", "ticket")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"type":"ticket"`) || !strings.Contains(out, "INC-123456") {
		t.Errorf("custom type not extracted:\n%s", out)
	}
	if strings.Contains(out, "198.51.100.7") {
		t.Errorf("--types ticket still reported an ipv4:\n%s", out)
	}

	// An invalid config names the field.
	if err := os.WriteFile(cfg, []byte("ioc:\n  custom:\n    - name: Bad Name\n      pattern: '('\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runHunch(t, "", "--config", cfg, "extract")
	if code != ExitFailure || !strings.Contains(errOut, "ioc.custom[0].name") || !strings.Contains(errOut, "ioc.custom[0].pattern") {
		t.Errorf("exit %d, stderr %q; want field-scoped errors", code, errOut)
	}
	// Unknown keys are refused.
	if err := os.WriteFile(cfg, []byte("ioc:\n  custon: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runHunch(t, "", "--config", cfg, "extract")
	if code != ExitFailure || !strings.Contains(errOut, "custon") {
		t.Errorf("exit %d, stderr %q; want unknown-key error", code, errOut)
	}
}
