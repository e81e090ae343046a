package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// hourlyEvents writes four weeks of events for two hosts with a daily cycle; host B has a
// burst at hour 300 and host A is silent at hour 450 (a busy hour).
func hourlyEvents() string {
	var b strings.Builder
	t0 := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	for h := range 24 * 28 {
		base := 20 + int(10*math.Sin(2*math.Pi*float64(h%24-6)/24)) + int((uint32(h)*2654435761)>>29)
		for _, host := range []string{"A", "B"} {
			n := base
			if host == "B" && h == 300 {
				n += 60
			}
			if host == "A" && h == 450 {
				n = 0
			}
			for i := range n {
				at := t0.Add(time.Duration(h)*time.Hour + time.Duration(i)*time.Second)
				fmt.Fprintf(&b, `{"UtcTime":%q,"Computer":%q,"bytes":%d}`+"\n", at.Format("2006-01-02 15:04:05.000"), host, 100)
			}
		}
	}
	return b.String()
}

type tsRow struct {
	Time     time.Time `json:"time"`
	Computer string    `json:"Computer"`
	Count    *float64  `json:"count"`
	Sum      *float64  `json:"sum"`
	Trend    float64   `json:"trend"`
	Seasonal float64   `json:"seasonal"`
	Resid    float64   `json:"resid"`
	Weight   float64   `json:"weight"`
	Score    float64   `json:"score"`
	Anomaly  *string   `json:"anomaly"`
}

func tsRows(t *testing.T, out string) []tsRow {
	t.Helper()
	var rows []tsRow
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r tsRow
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		rows = append(rows, r)
	}
	return rows
}

func TestAnalyzeTimeseries(t *testing.T) {
	in := hourlyEvents()
	t0 := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	code, out, errOut := runHunch(t, in, "analyze", "timeseries", "--by", "Computer", "--seasonal", "21", "--anomalies", "-o", "ndjson")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows := tsRows(t, out)
	want := []struct {
		host, dir string
		at        time.Time
		count     float64
	}{{"A", "low", t0.Add(450 * time.Hour), 0}, {"B", "high", t0.Add(300 * time.Hour), 0}}
	if len(rows) != len(want) {
		t.Fatalf("flagged:\n%s", out)
	}
	for i, w := range want {
		r := rows[i]
		if r.Computer != w.host || r.Anomaly == nil || *r.Anomaly != w.dir || !r.Time.Equal(w.at) || r.Count == nil {
			t.Errorf("row %d = %+v, want %s %s at %s", i, r, w.host, w.dir, w.at)
		}
		if math.Abs(r.Trend+r.Seasonal+r.Resid-*r.Count) > 1e-9 || r.Weight != 1 {
			t.Errorf("row %d parts: %+v", i, r)
		}
	}

	// Ungrouped, every bucket comes out; the two hosts' series are summed.
	code, out, errOut = runHunch(t, in, "analyze", "timeseries", "-o", "ndjson")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows = tsRows(t, out)
	if len(rows) != 24*28 || !rows[0].Time.Equal(t0) || rows[0].Computer != "" || *rows[0].Count != 2*float64(20+int(10*math.Sin(-math.Pi/2))) {
		t.Fatalf("%d rows, first %+v", len(rows), rows[0])
	}
	if rows[300].Anomaly == nil || *rows[300].Anomaly != "high" {
		t.Errorf("burst in the total: %+v", rows[300])
	}
	count300 := *rows[300].Count

	// --value-field sums, and the column is sum; --robust sets weights.
	code, out, errOut = runHunch(t, in, "analyze", "timeseries", "--value-field", "bytes", "--robust", "-o", "ndjson")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows = tsRows(t, out)
	if rows[300].Sum == nil || *rows[300].Sum != 100*count300 || rows[300].Count != nil {
		t.Errorf("sum row %+v", rows[300])
	}
	low := 0
	for _, r := range rows {
		if r.Weight < 1 {
			low++
		}
	}
	if low == 0 {
		t.Error("--robust: every weight is 1")
	}
}

func TestAnalyzeTimeseriesErrors(t *testing.T) {
	in := hourlyEvents()
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"interval", in, []string{"--interval", "0s"}, ExitUsage, "--interval 0s"},
		{"period", in, []string{"--period", "1"}, ExitUsage, "--period 1"},
		{"seasonal", in, []string{"--seasonal", "8"}, ExitUsage, "--seasonal 8"},
		{"threshold", in, []string{"--threshold", "0"}, ExitUsage, "--threshold 0"},
		{"max buckets flag", in, []string{"--max-buckets", "0"}, ExitUsage, "--max-buckets"},
		{"max buckets hit", in, []string{"--max-buckets", "671"}, ExitFailure, "span 672 buckets of 1h0m0s, more than 671"},
		{"max series hit", in, []string{"--by", "Computer", "--max-series", "1"}, ExitFailure, "more than 1 groups of Computer"},
		{"max points hit", in, []string{"--by", "Computer", "--max-points", "1343"}, ExitFailure, "2 series of 672 buckets are 1344 points, more than 1343"},
		{"too short", in, []string{"--interval", "24h", "--period", "24"}, ExitFailure, "the events span 28 buckets of 24h0m0s and period 24 needs at least 48: series shorter than two periods (use a shorter --interval"},
		{"no time", `{"x":1}` + "\n", nil, ExitFailure, "no records with a time"},
		{"no value", in, []string{"--value-field", "nope"}, ExitFailure, "no records with a time and a number in nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runHunch(t, tc.stdin, append([]string{"analyze", "timeseries", "-o", "ndjson"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tc.code, tc.want)
			}
		})
	}
	// Records without a time are skipped with a note; the run still succeeds.
	code, out, errOut := runHunch(t, in+`{"Computer":"A"}`+"\n", "analyze", "timeseries", "--anomalies", "-o", "ndjson")
	if code != ExitOK || !strings.Contains(errOut, "1 record(s) without a time skipped") || !strings.Contains(out, `"anomaly":"high"`) {
		t.Errorf("exit %d, stderr %q, out %q", code, errOut, out)
	}
}
