package report_test

// The acceptance test of the report: render the example events into one HTML file, open it in a real headless
// Chromium (chromedriver over WebDriver), wait for every view to draw, use the interactive parts, and require a
// console without errors.

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/enrich/geoip"
	"github.com/hunchsec/hunch/internal/browsertest"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/report"
)

func TestBrowser(t *testing.T) {
	chromium, driver := browsertest.Find(t)
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	db, err := geoip.Open(cityDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	in := pipeline.CmdlineRisk(context.Background(), readFiles(t, "../examples/events.ndjson", "testdata/network.ndjson"), pipeline.CmdlineOptions{})
	opts := report.Options{Title: `Example hunt </script> "quoted"`, GeoIP: db, Decompose: movingAverage,
		Columns: []string{"EventID", "Computer", "Image", "CommandLine", "cmdline_score"}}
	data, err := report.Build(in, opts)
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Render(f, data, opts); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	d := browsertest.Start(t, chromium, driver, t.TempDir())
	d.ScreenshotDir = os.Getenv("HUNCH_SCREENSHOTS")
	if d.ScreenshotDir == "" {
		d.ScreenshotDir = t.TempDir()
	}
	d.Open("file://" + page)
	d.Wait("the views to draw", func() bool {
		var ok bool
		d.JS(`return document.documentElement.getAttribute("data-report-ready") === "1";`, &ok)
		return ok
	})
	d.WaitText("#report-title", `Example hunt </script> "quoted"`)
	d.CheckConsole("load")

	// 1. Timeline: one mark per timed record; zooming in shows fewer; lanes switch to event types.
	if n := d.Count("#timeline circle.tl-mark"); n != len(data.Events) || n != 45 {
		t.Errorf("timeline marks: %d, data has %d events (want 45)", n, len(data.Events))
	}
	d.WaitText("#timeline-status", "45 of 45 events")
	// Hovering a mark shows what happened.
	d.JS(`var m = document.querySelector('#timeline circle.tl-mark[data-i="12"]'); m.dispatchEvent(new MouseEvent("mouseover", {bubbles: true})); return null;`, nil)
	if tip := d.Text("#timeline-tip"); !strings.Contains(tip, data.Events[12].Host) || !strings.Contains(tip, data.Events[12].Label) {
		t.Errorf("tooltip of mark 12: %q, event %+v", tip, data.Events[12])
	}
	d.Screenshot("report-timeline", "#timeline")
	d.Click(`#timeline [data-zoom="in"]`)
	d.Click(`#timeline [data-zoom="in"]`)
	if n := d.Count("#timeline circle.tl-mark"); n >= 45 || n == 0 {
		t.Errorf("timeline zoomed in shows %d marks", n)
	}
	d.Click(`#timeline [data-zoom="all"]`)
	d.WaitText("#timeline-status", "45 of 45 events")
	// The wheel zooms around the pointer: three notches in at the middle of the axis.
	for range 3 {
		d.JS(`var s = document.getElementById("timeline-svg"), r = s.getBoundingClientRect();
s.dispatchEvent(new WheelEvent("wheel", {deltaY: -100, clientX: r.left + 190 + (r.width - 206) / 2, clientY: r.top + 20, bubbles: true, cancelable: true})); return null;`, nil)
	}
	if n := d.Count("#timeline circle.tl-mark"); n >= 45 || n == 0 {
		t.Errorf("timeline after wheel zoom shows %d marks", n)
	}
	d.Click(`#timeline [data-zoom="all"]`)
	d.WaitText("#timeline-status", "45 of 45 events")
	d.JS(`var s = document.getElementById("timeline-group"); s.value = "type"; s.dispatchEvent(new Event("change")); return null;`, nil)
	d.Wait("lanes by event type", func() bool { return strings.Contains(d.Text("#timeline-svg-box"), "4688") })

	// 2. Process trees: every process, the macro-launched PowerShell highlighted as risky.
	if n := d.Count("#proctree li.pt-node"); n != len(data.Tree) || n == 0 {
		t.Errorf("process tree nodes: %d, data has %d", n, len(data.Tree))
	}
	tree := d.Text("#proctree-body")
	for _, want := range []string{"OUTLOOK.EXE", "powershell.exe", "WKS-022.corp.example.com"} {
		if !strings.Contains(tree, want) {
			t.Errorf("process tree lacks %q", want)
		}
	}
	if risky := d.Text("#proctree .pt-risky"); !strings.Contains(risky, "powershell.exe") {
		t.Errorf("risky process: %q", risky)
	}
	d.Screenshot("report-proctree", "#proctree")
	d.Click(`#proctree [data-tree="collapse"]`)
	var open int
	d.JS(`return document.querySelectorAll("#proctree details[open]").length;`, &open)
	if open != 0 {
		t.Errorf("%d trees still open after collapse", open)
	}
	d.Click(`#proctree [data-tree="expand"]`)

	// 3. Time series: counts, trend, seasonal part and residual, with the anomalies marked.
	if n := d.Count("#series polyline.ts-line"); n != 4 {
		t.Errorf("series panels: %d, want 4", n)
	}
	if n := d.Count("#series circle.ts-anomaly"); n != len(data.Series[0].Anomalies) {
		t.Errorf("anomaly marks: %d, data has %d", n, len(data.Series[0].Anomalies))
	}
	d.Screenshot("report-series", "#series")

	// 4. Map: three addresses located through the database, two from the records' own coordinates.
	if n := d.Count("#map circle.map-point"); n != 5 || len(data.Points) != 5 {
		t.Errorf("map points: %d drawn, %d in the data, want 5", n, len(data.Points))
	}
	if s := d.Text("#map-points"); !strings.Contains(s, "Changchun") || !strings.Contains(s, "Seattle") {
		t.Errorf("map point titles: %q", s)
	}
	d.Screenshot("report-map", "#map")

	// 5. Entity graph.
	if n := d.Count("#entities g.eg-node"); n != len(data.Graph.Nodes) || n < 10 {
		t.Errorf("graph nodes: %d drawn, %d in the data", n, len(data.Graph.Nodes))
	}
	if n := d.Count("#entities line.eg-edge"); n != len(data.Graph.Edges) || n == 0 {
		t.Errorf("graph edges: %d drawn, %d in the data", n, len(data.Graph.Edges))
	}
	for _, want := range []string{"81.2.69.142", "asmith", "powershell.exe", "update-check.example.com"} {
		if !strings.Contains(d.Text("#entities-svg"), want) {
			t.Errorf("graph lacks %q", want)
		}
	}
	// Hovering a node brings its neighbourhood forward: the node, its neighbours, its edges.
	var near struct{ Nodes, Edges int }
	d.JS(`var g = document.querySelector("#entities-svg g.eg-node"); g.dispatchEvent(new MouseEvent("mouseenter"));
return {Nodes: document.querySelectorAll("#entities-svg g.eg-node.eg-near").length, Edges: document.querySelectorAll("#entities-svg line.eg-edge.eg-near").length};`, &near)
	deg := 0
	for _, e := range data.Graph.Edges {
		if e.Source == 0 || e.Target == 0 {
			deg++
		}
	}
	if near.Edges != deg || near.Nodes != deg+1 || deg == 0 {
		t.Errorf("hover on the first node: %d nodes, %d edges near; it has %d edges", near.Nodes, near.Edges, deg)
	}
	d.Screenshot("report-graph-focus", "#entities")
	d.JS(`document.querySelector("#entities-svg g.eg-node").dispatchEvent(new MouseEvent("mouseleave")); return null;`, nil)
	d.Screenshot("report-graph", "#entities")

	// 6. Heatmap: host × hour.
	if n := d.Count("#heatmap td.hm-cell:not(.hm-zero)"); n == 0 {
		t.Error("heatmap has no filled cell")
	}
	d.WaitText("#heatmap-table thead", "08")
	d.Screenshot("report-heatmap", "#heatmap")

	// 7. Records: sort by clicking a header (twice for descending), filter by typing.
	d.WaitText("#records-status", "1–45 of 45 rows")
	d.Click(`#records-table th[data-col="4"]`) // cmdline_score, ascending
	d.Click(`#records-table th[data-col="4"]`) // descending: the riskiest first
	best := 0.0
	for _, r := range data.Table.Rows {
		if v, err := strconv.ParseFloat(r[4], 64); err == nil && v > best {
			best = v
		}
	}
	var top string
	d.JS(`return document.querySelector("#records-table tbody tr td:nth-child(5)").textContent;`, &top)
	if got, err := strconv.ParseFloat(top, 64); err != nil || got != best || best < 50 {
		t.Errorf("first score after sorting descending: %q, want the highest, %v", top, best)
	}
	d.TypeInto("#records-filter", "chrome.exe")
	want := 0
	for _, r := range data.Table.Rows {
		for _, c := range r {
			if strings.Contains(strings.ToLower(c), "chrome.exe") {
				want++
				break
			}
		}
	}
	d.WaitText("#records-status", " matching (45 in all)")
	if n := d.Count("#records-table tbody tr"); n != want || want == 0 {
		t.Errorf("filtered rows: %d, want %d", n, want)
	}
	d.Screenshot("report-records", "#records")
	d.Screenshot("report-page")
	d.CheckConsole("views")

	// The two weeks of logons, hourly, decomposed with a daily season: the spray and the outage are marked.
	logons, err := report.Build(readFiles(t, "../examples/logons.ndjson"), report.Options{Title: "Logons, 1–14 March", Decompose: report.STL(true, 0), AnomalyZ: 5})
	if err != nil {
		t.Fatal(err)
	}
	page2 := filepath.Join(t.TempDir(), "logons.html")
	var b strings.Builder
	if err := report.Render(&b, logons, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page2, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	d.Open("file://" + page2)
	d.WaitText("#series-status", "events per 1h: 336 buckets")
	if n := d.Count("#series circle.ts-anomaly.ts-high"); n == 0 {
		t.Error("no high anomaly drawn")
	}
	if n := d.Count("#series circle.ts-anomaly"); n != len(logons.Series[0].Anomalies) {
		t.Errorf("anomaly marks: %d, data has %d", n, len(logons.Series[0].Anomalies))
	}
	d.Screenshot("report-series-logons", "#series")
	// Edge cases draw without errors: no records at all, and records with neither time nor entities.
	for name, in := range map[string]string{"empty": "", "timeless": `{"a":1}` + "\n" + `{"b":"x"}` + "\n"} {
		data, err := report.Build(readString(in), report.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := report.Render(&b, data, report.Options{}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), name+".html")
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		d.Open("file://" + p)
		d.Wait(name+" views", func() bool {
			var ok bool
			d.JS(`return document.documentElement.getAttribute("data-report-ready") === "1";`, &ok)
			return ok
		})
		d.WaitText("#timeline-status", "No record has a time.")
		d.WaitText("#entities-status", "No entities found.")
		d.CheckConsole(name)
	}
	d.Screenshot("report-heatmap-logons", "#heatmap")
	d.CheckConsole("logons")
	t.Logf("screenshots in %s; %d console entries", d.ScreenshotDir, len(d.Console))
}
