package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/enrich/geoip"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/report"
)

func stream(rs ...record.Record) record.Stream {
	return func(yield func(record.Record, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func str(name, v string) record.Field { return record.Field{Name: name, Value: record.String(v)} }

// proc is a Sysmon process creation on host at minute m.
func proc(host string, m int, guid, parent, image, cmd string) record.Record {
	return record.New(str("UtcTime", fmt.Sprintf("2026-03-14 08:%02d:00.000", m)), record.Field{Name: "EventID", Value: record.Int(1)},
		str("Computer", host), str("User", "CORP\\u"+guid), str("Image", image), str("CommandLine", cmd),
		str("ProcessGuid", guid), str("ParentProcessGuid", parent), record.Field{Name: "ProcessId", Value: record.Int(int64(m + 100))})
}

// dataBlock extracts and decodes the JSON data block of a rendered report.
func dataBlock(t *testing.T, html string) report.Data {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="report-data">(.*?)</script>`).FindStringSubmatch(html)
	if m == nil {
		t.Fatal("no data block")
	}
	var d report.Data
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatalf("data block: %v", err)
	}
	return d
}

func TestRenderSelfContainedAndEscaped(t *testing.T) {
	evil := `</script><script>alert("x")</script><!-- ' " & \u2028` + "\u2028"
	in := stream(
		proc("WKS-1", 1, "a", "", `C:\Windows\explorer.exe`, "explorer.exe"),
		proc("WKS-1", 2, "b", "a", `C:\Windows\System32\cmd.exe`, evil),
		record.New(str("UtcTime", "2026-03-14 08:03:00"), str("Computer", evil), str("DestinationIp", "192.0.2.1"),
			record.Field{Name: "lat", Value: record.Float(10)}, record.Field{Name: "lon", Value: record.Float(20)}, str("ip", evil)),
	)
	d, err := report.Build(in, report.Options{Title: evil})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.Render(&buf, d, report.Options{}); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, bad := range []string{`src="http`, `href="http`, `src='http`, `href='http`, "tile.", "<script src", "<link ", "@import", "url(http"} {
		if strings.Contains(html, bad) {
			t.Errorf("the report holds %q: not self-contained", bad)
		}
	}
	if n := strings.Count(html, "<script"); n != 2 {
		t.Errorf("%d script elements, want the data block and the inlined script", n)
	}
	if n := strings.Count(html, "</script>"); n != 2 {
		t.Errorf("%d </script>: a value ended a script element", n)
	}
	if strings.Contains(html, `<script>alert`) || strings.Contains(html, "<!-- '") {
		t.Error("a field value came out unescaped")
	}
	got := dataBlock(t, html)
	if got.Title != evil || !containsRow(got.Table.Rows, evil) {
		t.Errorf("values do not survive the round trip: title %q", got.Title)
	}
	if len(got.Points) != 1 || got.Points[0].IP != evil || got.Points[0].Lat != 10 {
		t.Errorf("points: %+v", got.Points)
	}
	for _, id := range []string{"timeline", "proctree", "series", "map", "entities", "heatmap", "records"} {
		if !strings.Contains(html, `<section class="hr-view" id="`+id+`">`) {
			t.Errorf("no section %s", id)
		}
	}
	if !strings.Contains(html, `<title>&lt;/script&gt;&lt;script&gt;alert(&#34;x&#34;)`) {
		t.Errorf("title not escaped: %.200s", html[strings.Index(html, "<title>"):])
	}
}

func containsRow(rows [][]string, v string) bool {
	for _, r := range rows {
		for _, c := range r {
			if c == v {
				return true
			}
		}
	}
	return false
}

func TestFragment(t *testing.T) {
	d, err := report.Build(stream(proc("WKS-1", 1, "a", "", `C:\x.exe`, "x")), report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := report.Fragment(d)
	if err != nil {
		t.Fatal(err)
	}
	s := string(f)
	// The fragment runs under the web UI's CSP: no executable inline script, no inline style.
	if strings.Count(s, "<script") != 1 || !strings.Contains(s, `<script type="application/json" id="report-data">`) {
		t.Error("the fragment must hold the data block and no other script")
	}
	if strings.Contains(s, "<style") || strings.Contains(s, "style=") {
		t.Error("the fragment holds inline style")
	}
}

func TestBuildViews(t *testing.T) {
	in := stream(
		proc("WKS-1", 1, "a", "", `C:\Windows\explorer.exe`, "explorer.exe"),
		proc("WKS-1", 2, "b", "a", `C:\Windows\System32\cmd.exe`, "cmd.exe /c whoami"),
		proc("WKS-2", 3, "c", "z", `C:\Windows\System32\whoami.exe`, "whoami"),
		// ECS, nested: host.name and source.ip through dotted paths.
		record.New(str("@timestamp", "2026-03-14T09:00:00Z"), record.Field{Name: "host", Value: record.Object(record.New(str("name", "ecs-host")))},
			record.Field{Name: "source", Value: record.Object(record.New(str("ip", "198.51.100.7")))}, str("event.code", "4624")),
		// Zeek: epoch seconds.
		record.New(record.Field{Name: "ts", Value: record.Float(1773478800.5)}, str("_path", "dns"), str("id.orig_h", "10.0.0.1"), str("query", "example.org")),
		record.New(str("message", "no time at all")),
	)
	d, err := report.Build(in, report.Options{Now: func() time.Time { return time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	if d.Records != 6 || len(d.Events) != 5 || d.Table.Total != 6 || len(d.Table.Rows) != 6 {
		t.Fatalf("records %d, events %d, table %d/%d", d.Records, len(d.Events), len(d.Table.Rows), d.Table.Total)
	}
	if d.Events[3].Host != "ecs-host" || d.Events[3].Type != "4624" || d.Events[4].Type != "dns" || d.Events[4].Time != 1773478800500 {
		t.Errorf("events: %+v", d.Events[3:])
	}
	// Process forest: explorer → cmd, and whoami under an inferred parent.
	if len(d.Tree) != 4 {
		t.Fatalf("tree: %+v", d.Tree)
	}
	if d.Tree[1].Parent != d.Tree[0].ID || d.Tree[1].Image != `C:\Windows\System32\cmd.exe` || !d.Tree[2].Inferred ||
		d.Tree[2].Time != 0 || d.Tree[3].Time == 0 {
		t.Errorf("tree: %+v", d.Tree)
	}
	kinds := map[string]bool{}
	for _, n := range d.Graph.Nodes {
		kinds[n.Kind+":"+n.Value] = true
	}
	for _, want := range []string{"host:WKS-1", "host:ecs-host", "account:CORP\\ua", "process:cmd.exe", "ip:198.51.100.7", "ip:10.0.0.1", "domain:example.org"} {
		if !kinds[want] {
			t.Errorf("graph lacks %s: %v", want, kinds)
		}
	}
	if len(d.Heatmap.XKeys) != 24 || d.Heatmap.X != "hour" || d.Heatmap.Y != "host" {
		t.Errorf("heatmap axes: %v × %v", d.Heatmap.XKeys, d.Heatmap.YKeys)
	}
	if len(d.Series) != 1 || d.Series[0].Trend != nil || !strings.Contains(d.SeriesNote, "no decomposition") {
		t.Errorf("series without Decompose: %+v %q", d.Series, d.SeriesNote)
	}
	var sum float64
	for _, v := range d.Series[0].Values {
		sum += v
	}
	if sum != 5 {
		t.Errorf("series counts add up to %v, want 5", sum)
	}
}

func TestBuildLimits(t *testing.T) {
	var rs []record.Record
	for i := range 50 {
		r := proc(fmt.Sprintf("H%02d", i), i, fmt.Sprintf("g%d", i), "", fmt.Sprintf(`C:\p%d.exe`, i), "x")
		r.Append("lat", record.Float(float64(i)))
		r.Append("lon", record.Float(float64(i)))
		r.Append("ip", record.String(fmt.Sprintf("192.0.2.%d", i)))
		rs = append(rs, r)
	}
	for _, tc := range []struct {
		name  string
		opts  report.Options
		check func(d report.Data) error
	}{
		{"records", report.Options{MaxRecords: 20}, func(d report.Data) error {
			if d.Records != 20 || d.Skipped != 30 || len(d.Events) != 20 {
				return fmt.Errorf("records %d skipped %d events %d", d.Records, d.Skipped, len(d.Events))
			}
			return nil
		}},
		{"rows", report.Options{MaxRows: 7}, func(d report.Data) error {
			if len(d.Table.Rows) != 7 || d.Table.Total != 50 {
				return fmt.Errorf("rows %d of %d", len(d.Table.Rows), d.Table.Total)
			}
			return nil
		}},
		{"nodes", report.Options{MaxNodes: 9}, func(d report.Data) error {
			if len(d.Graph.Nodes) != 9 || d.Graph.Total <= 9 {
				return fmt.Errorf("nodes %d of %d", len(d.Graph.Nodes), d.Graph.Total)
			}
			for _, e := range d.Graph.Edges {
				if e.Source >= 9 || e.Target >= 9 {
					return fmt.Errorf("edge %+v to a dropped node", e)
				}
			}
			return nil
		}},
		{"tree", report.Options{MaxTreeEvents: 5}, func(d report.Data) error {
			if len(d.Tree) != 5 || !d.TreeTruncated {
				return fmt.Errorf("tree %d truncated %v", len(d.Tree), d.TreeTruncated)
			}
			return nil
		}},
		{"points", report.Options{MaxPoints: 4}, func(d report.Data) error {
			if len(d.Points) != 4 || !d.PointsTruncated {
				return fmt.Errorf("points %d truncated %v", len(d.Points), d.PointsTruncated)
			}
			return nil
		}},
		{"heat keys", report.Options{MaxHeatKeys: 5, HeatmapX: "Computer", HeatmapY: "type"}, func(d report.Data) error {
			if len(d.Heatmap.XKeys) != 5 || d.Heatmap.XKeys[4] != "(other)" || d.Heatmap.Cells[0][4] != 46 {
				return fmt.Errorf("heat keys %v cells %v", d.Heatmap.XKeys, d.Heatmap.Cells)
			}
			return nil
		}},
		{"columns", report.Options{Columns: []string{"Computer", "nope"}}, func(d report.Data) error {
			if len(d.Table.Columns) != 2 || d.Table.Rows[3][0] != "H03" || d.Table.Rows[3][1] != "" {
				return fmt.Errorf("columns %v row %v", d.Table.Columns, d.Table.Rows[3])
			}
			return nil
		}},
		{"default columns", report.Options{}, func(d report.Data) error {
			if len(d.Table.Columns) != report.DefaultMaxColumns || len(d.Table.Rows[0]) != report.DefaultMaxColumns {
				return fmt.Errorf("columns %v", d.Table.Columns)
			}
			return nil
		}},
		{"interval", report.Options{Interval: 10 * time.Minute}, func(d report.Data) error {
			if s := d.Series[0]; s.Step != 10*time.Minute || len(s.Values) != 5 || s.Name != "events per 10m" {
				return fmt.Errorf("series %s step %v, %d values", s.Name, s.Step, len(s.Values))
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := report.Build(stream(rs...), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.check(d); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	one := stream(proc("H", 1, "g", "", `C:\a.exe`, "a"))
	bad := errors.New("disk on fire")
	for _, tc := range []struct {
		name string
		in   record.Stream
		opts report.Options
		want string
	}{
		{"group-by", one, report.Options{GroupBy: "user"}, "group-by"},
		{"entity kind", one, report.Options{Entities: map[string][]string{"file": {"x"}}}, "entity kind"},
		{"stream", func(yield func(record.Record, error) bool) { yield(record.Record{}, bad) }, report.Options{}, "disk on fire"},
		{"decompose length", one, report.Options{Decompose: func(v []float64, _ time.Duration) ([]float64, []float64, []float64, error) {
			return nil, nil, nil, nil
		}}, "decompose returned"},
		{"buckets", stream(proc("H", 1, "g", "", "a", "a"), record.New(str("UtcTime", "2030-01-01 00:00:00"))), report.Options{Interval: time.Second}, "buckets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report.Build(tc.in, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	// A failing decomposition leaves the counts and says why.
	d, err := report.Build(one, report.Options{Decompose: func(v []float64, _ time.Duration) ([]float64, []float64, []float64, error) {
		return nil, nil, nil, errors.New("too short for a season")
	}})
	if err != nil || !strings.Contains(d.SeriesNote, "too short for a season") || d.Series[0].Trend != nil {
		t.Errorf("failed decomposition: %v %q", err, d.SeriesNote)
	}
}

func TestDecomposeAndAnomalies(t *testing.T) {
	var rs []record.Record
	for m := range 60 {
		n := 2
		if m == 30 {
			n = 20
		}
		for range n {
			rs = append(rs, record.New(str("UtcTime", fmt.Sprintf("2026-03-14 08:%02d:10", m))))
		}
	}
	d, err := report.Build(stream(rs...), report.Options{Interval: time.Minute, Decompose: movingAverage})
	if err != nil {
		t.Fatal(err)
	}
	s := d.Series[0]
	if len(s.Values) != 60 || len(s.Trend) != 60 || d.SeriesNote != "" {
		t.Fatalf("series: %d values, %d trend, note %q", len(s.Values), len(s.Trend), d.SeriesNote)
	}
	found := false
	for _, a := range s.Anomalies {
		if a.Index == 30 && a.Direction == "high" {
			found = true
		}
	}
	if !found {
		t.Errorf("the burst at minute 30 is not marked high: %+v", s.Anomalies)
	}
}

func TestAnomalies(t *testing.T) {
	for _, tc := range []struct {
		name  string
		resid []float64
		z     float64
		want  []report.Anomaly
	}{
		{"empty", nil, 3.5, []report.Anomaly{}},
		{"flat", []float64{1, 1, 1, 1}, 3.5, []report.Anomaly{}},
		{"one high", []float64{0, 1, -1, 0, 1, -1, 0, 10}, 3.5, []report.Anomaly{{Index: 7, Score: 6.74, Direction: "high"}}},
		{"one low", []float64{0, 1, -1, 0, 1, -1, 0, -10}, 3.5, []report.Anomaly{{Index: 7, Score: -6.74, Direction: "low"}}},
		// MAD is zero: the mean absolute deviation stands in.
		{"zero MAD", []float64{0, 0, 0, 0, 0, 0, 0, 5}, 2, []report.Anomaly{{Index: 7, Score: 6.38, Direction: "high"}}},
		{"threshold", []float64{0, 1, -1, 0, 1, -1, 0, 10}, 7, []report.Anomaly{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := report.Anomalies(tc.resid, tc.z)
			for i := range got {
				got[i].Score = math.Trunc(got[i].Score*100) / 100
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestGeoIP(t *testing.T) {
	db, err := geoip.Open(cityDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	in := stream(
		record.New(str("DestinationIp", "81.2.69.142"), str("SourceIp", "10.0.0.1")),
		record.New(str("DestinationIp", "81.2.69.142")),
		record.New(str("src_ip", "175.16.199.7"), str("dst_ip", "not an address")),
		// Coordinates in the record win over the database.
		record.New(str("dst_ip", "89.160.20.113"), record.Field{Name: "dst_ip_lat", Value: record.Float(1)}, record.Field{Name: "dst_ip_lon", Value: record.Float(2)}),
	)
	d, err := report.Build(in, report.Options{GeoIP: db})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(d.Points)
	want := "[{81.2.69.142 51.5142 -0.0931 GB London 0  2} {175.16.199.7 43.88 125.3228 CN Changchun 0  1} {89.160.20.113 1 2   0  1}]"
	if got != want {
		t.Errorf("points\n got %s\nwant %s", got, want)
	}
}

// TestLogonAnomalies: over the example's two weeks of logons the series is hourly, and with robust STL (the
// CLI's hook) the planted password spray (2026-03-10 03:00) is marked high and the collector outage
// (2026-03-08 10:00) low — and nothing else.
func TestLogonAnomalies(t *testing.T) {
	d, err := report.Build(readFiles(t, "../examples/logons.ndjson"), report.Options{Decompose: report.STL(true, 0), AnomalyZ: 5})
	if err != nil {
		t.Fatal(err)
	}
	s := d.Series[0]
	if s.Step != time.Hour || s.Name != "events per 1h" || !s.Start.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("series %s from %v", s.Name, s.Start)
	}
	at := func(ts time.Time) int { return int(ts.Sub(s.Start) / s.Step) }
	spray, outage := at(time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)), at(time.Date(2026, 3, 8, 10, 0, 0, 0, time.UTC))
	marked := map[int]string{}
	for _, a := range s.Anomalies {
		marked[a.Index] = a.Direction
	}
	if marked[spray] != "high" || marked[outage] != "low" || s.Values[outage] != 0 {
		t.Errorf("spray %q, outage %q (%v events); anomalies %+v", marked[spray], marked[outage], s.Values[outage], s.Anomalies)
	}
	if len(s.Anomalies) != 2 {
		t.Errorf("anomalies beyond the planted two: %+v", s.Anomalies)
	}
	// A step with no daily period leaves the counts alone, and says why.
	d, err = report.Build(readFiles(t, "../examples/logons.ndjson"), report.Options{Decompose: report.STL(true, 0), Interval: 7 * time.Minute})
	if err != nil || d.Series[0].Trend != nil || !strings.Contains(d.SeriesNote, "no daily or weekly period for 7m buckets") {
		t.Errorf("7m buckets: %v %q", err, d.SeriesNote)
	}
}
