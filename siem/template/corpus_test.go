package template

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

// TestEncodedPowerShellPatterns checks the encoded-PowerShell patterns of the built-ins against
// real command lines: every one in the corpus (Unit 42's wild samples and the EVTX/JSON logs)
// must match the files template's default regular expression, and the Splunk and Sentinel
// expressions that find the encoded argument.
func TestEncodedPowerShellPatterns(t *testing.T) {
	type unit42 struct {
		CommandLine string `json:"command_line"`
	}
	type logged struct {
		Value string `json:"value"`
		B64   string `json:"b64"`
	}
	var lines []string
	for _, c := range testcorpus.ReadJSONL[unit42](t, testcorpus.Path(t, "powershell/unit42_encodedcommand_cases.jsonl")) {
		lines = append(lines, c.CommandLine)
	}
	// Log entries where the base64 follows an -e… flag; one (an Empire stager logged by
	// PowerShell 800) is stored cut short, before its base64, with no flag to find.
	flagged := 0
	for _, c := range testcorpus.ReadJSONL[logged](t, testcorpus.Path(t, "logs/encoded_commands.jsonl")) {
		i := strings.Index(c.Value, c.B64[:min(len(c.B64), 32)])
		if i < 0 {
			continue
		}
		before := strings.Fields(c.Value[:i])
		if len(before) > 0 && (strings.HasPrefix(strings.ToLower(before[len(before)-1]), "-e") || strings.HasPrefix(strings.ToLower(before[len(before)-1]), "/e")) {
			lines = append(lines, c.Value)
			flagged++
		}
	}
	if flagged != 18 {
		t.Errorf("%d log entries with an -e flag, want 18 of 19", flagged)
	}
	lib, err := Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := lib.Get("files.encoded_powershell")
	splunk, _ := lib.Get("splunk.encoded_powershell")
	sentinel, _ := lib.Get("sentinel.encoded_powershell")
	patterns := map[string]*regexp.Regexp{
		"files":    regexp.MustCompile(*files.Params[0].Default),
		"splunk":   regexp.MustCompile(regexp.MustCompile(`regex process="(.*)"`).FindStringSubmatch(splunk.Body)[1]),
		"sentinel": regexp.MustCompile(regexp.MustCompile(`extract\(@"(.*)", 1,`).FindStringSubmatch(sentinel.Body)[1]),
	}
	for name, re := range patterns {
		missed := 0
		for _, l := range lines {
			if !re.MatchString(l) {
				if missed++; missed <= 5 {
					t.Errorf("%s pattern misses %q", name, trunc(l))
				}
			}
		}
		if missed > 0 {
			t.Errorf("%s pattern misses %d of %d command lines", name, missed, len(lines))
		}
	}
	for _, benign := range []string{`powershell.exe -ExecutionPolicy Bypass -File C:\scripts\backup.ps1`, `powershell -e`, `cmd.exe /c echo hello`} {
		if patterns["files"].MatchString(benign) {
			t.Errorf("files pattern matches %q", benign)
		}
	}
}

func trunc(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return strings.TrimSpace(s)
}
