package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/report"
)

// reportData decodes the data block of a rendered report.
func reportData(t *testing.T, html string) report.Data {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="report-data">(.*?)</script>`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no data block in %.300s", html)
	}
	var d report.Data
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.html")
	code, stdout, errOut := runHunch(t, "", "report", "--title", "Hunt <1>", "--group-by", "type", "--heatmap", "type,hour",
		"--columns", "EventID,Computer", "--interval", "10m", "-o", out, "../../examples/events.ndjson")
	if code != ExitOK || stdout != "" {
		t.Fatalf("exit %d: %s %s", code, errOut, stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	if !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.Contains(html, "<title>Hunt &lt;1&gt;</title>") || strings.Contains(html, `src="http`) {
		t.Errorf("report: %.300s", html)
	}
	d := reportData(t, html)
	if d.Records != 40 || d.GroupBy != "type" || d.Heatmap.X != "type" || d.Heatmap.Y != "hour" ||
		strings.Join(d.Table.Columns, ",") != "EventID,Computer" || d.Series[0].Step.Minutes() != 10 || len(d.Tree) == 0 {
		t.Errorf("data: records %d, group %s, heatmap %s×%s, columns %v, series %v, tree %d",
			d.Records, d.GroupBy, d.Heatmap.X, d.Heatmap.Y, d.Table.Columns, d.Series[0].Step, len(d.Tree))
	}

	// Standard output, a record limit, and a malformed line: the report is written, the result partial.
	in := `{"UtcTime":"2026-03-14 08:00:00","Computer":"A"}` + "\n" + `{broken` + "\n" + `{"UtcTime":"2026-03-14 08:01:00","Computer":"B"}` + "\n" +
		`{"UtcTime":"2026-03-14 08:02:00","Computer":"C"}` + "\n"
	code, stdout, errOut = runHunch(t, in, "report", "--max-records", "2")
	if code != ExitPartial || !strings.Contains(errOut, "1 malformed record(s) skipped") || !strings.Contains(errOut, "1 more were left out") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if d := reportData(t, stdout); d.Records != 2 || d.Skipped != 1 {
		t.Errorf("limited report: %d records, %d skipped", d.Records, d.Skipped)
	}
}

func TestReportErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-o", "ndjson"}, ExitUsage, "report writes HTML"},
		{[]string{"--heatmap", "host"}, ExitUsage, "want two fields"},
		{[]string{"--heatmap", "a,b,c"}, ExitUsage, "want two fields"},
		{[]string{"--group-by", "user"}, ExitUsage, "want host or type"},
		{[]string{"--max-records", "0"}, ExitUsage, "--max-records must be positive"},
		{[]string{"--max-nodes", "-1"}, ExitUsage, "--max-nodes must be positive"},
		{[]string{"--entity", "host"}, ExitUsage, "want KIND=FIELD"},
		{[]string{"--entity", "file=x"}, ExitUsage, "entity kind"},
		{[]string{"--interval", "-5m"}, ExitUsage, "must not be negative"},
		{[]string{"--geoip", "/nonexistent/x.mmdb"}, ExitFailure, "opening --geoip"},
		{[]string{"/nonexistent/events.ndjson"}, ExitFailure, "no such file"},
		{[]string{"-o", "/nonexistent/dir/r.html", "../../examples/events.ndjson"}, ExitFailure, "writing report"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, _, errOut := runHunch(t, `{"a":1}`+"\n", append([]string{"report"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d (want %d): %s", code, tc.code, errOut)
			}
		})
	}
}
