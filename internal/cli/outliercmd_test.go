package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAnalyzeOutlier(t *testing.T) {
	var in strings.Builder
	for i := range 200 {
		fmt.Fprintf(&in, `{"host":"h%d","bytes_out":%d,"logons":%d}`+"\n", i, 1000+(i*37)%300, 3+i%4)
	}
	in.WriteString(`{"host":"exfil","bytes_out":5000000,"logons":40}` + "\n")
	code, out, errOut := runHunch(t, in.String(), "analyze", "outlier", "--features", "bytes_out,logons", "--contamination", "0.005",
		"--seed", "3", "--outliers", "-o", "csv", "--columns", "host,outlier")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "host,outlier" || len(lines) < 2 || len(lines) > 3 || !strings.Contains(out, "exfil,true") {
		t.Errorf("outliers:\n%s", out)
	}
	// Fit on a baseline file, score new rows.
	base := filepath.Join(t.TempDir(), "base.ndjson")
	if err := os.WriteFile(base, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runHunch(t, `{"host":"new","bytes_out":1100,"logons":4}`+"\n"+`{"host":"odd","bytes_out":9000000,"logons":90}`+"\n",
		"analyze", "outlier", "--train", base, "--features", "bytes_out,logons", "--contamination", "0.01", "-o", "csv", "--columns", "host,outlier")
	if code != ExitOK || out != "host,outlier\nnew,false\nodd,true\n" {
		t.Errorf("--train: exit %d %s\n%s", code, errOut, out)
	}
	for _, c := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{}, "--features is required", ExitUsage},
		{[]string{"--features", "x", "--contamination", "0.7"}, "want auto or a fraction", ExitUsage},
		{[]string{"--features", "x", "--max-samples", "0"}, "want auto or a positive count", ExitUsage},
		{[]string{"--features", "x", "--trees", "0"}, "--trees must be at least 1", ExitUsage},
		{[]string{"--features", "x", "--missing", "none"}, "--missing", ExitUsage},
		{[]string{"--features", "host"}, `field "host" is not a number`, ExitFailure},
		{[]string{"--features", "bytes_out", "--max-records", "10"}, "too many records: more than 10", ExitFailure},
	} {
		code, _, errOut := runHunch(t, in.String(), append([]string{"analyze", "outlier"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", c.args, code, errOut, c.code, c.want)
		}
	}
}
