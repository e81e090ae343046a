package web_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/internal/browsertest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/web"
)

// TestBrowserAnalyze walks the analysis page in a real Chromium under the UI's CSP: upload the example events,
// see every view drawn, use the table, then analyse an intel event; any console error or CSP violation fails.
func TestBrowserAnalyze(t *testing.T) {
	chromium, driver := browsertest.Find(t)
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	f := inteltest.New(t, inteltest.Options{})
	admin := f.Users["admin"]
	const password = "browser test passphrase"
	if err := f.Svc.SetPassword(t.Context(), intel.System, int64(admin.ID), password); err != nil {
		t.Fatal(err)
	}
	dist, _ := misp.DistributionOf(1)
	e := &misp.Event{Info: "Infrastructure to look at", Distribution: dist}
	for _, a := range []struct{ typ, value string }{{"ip-dst", "203.0.113.45"}, {"domain", "update-check.example.com"}, {"ip-dst", "198.51.100.7"}} {
		e.Attribute = append(e.Attribute, misp.Attribute{Type: a.typ, Category: "Network activity", Value: a.value, ToIDS: misp.OptBoolOf(true)})
	}
	if _, err := f.Svc.AddEvent(t.Context(), f.ACL("admin"), e, false); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(web.Prefix, web.New(web.Deps{Intel: f.Svc}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	d := browsertest.Start(t, chromium, driver, t.TempDir())
	d.ScreenshotDir = *screenshots
	d.Open(srv.URL + "/ui/login")
	d.TypeInto("#email", admin.Email)
	d.TypeInto("#password", password)
	d.Click("#login-submit")
	d.WaitText("#who", admin.Email)

	// Upload the example events.
	d.Click(`nav a[href="/ui/analyze"]`)
	d.Find("#analyze-upload")
	events, err := filepath.Abs("../examples/events.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	d.TypeInto("#analyze-file", events)
	d.Click("#analyze-submit")
	ready := func() {
		d.Wait("the views to draw", func() bool {
			var ok bool
			d.JS(`return document.documentElement.getAttribute("data-report-ready") === "1";`, &ok)
			return ok
		})
	}
	ready()
	d.WaitText("#analyze-source", "events.ndjson")
	if n := d.Count("#timeline circle.tl-mark"); n != 40 {
		t.Errorf("timeline marks: %d, want 40", n)
	}
	if n := d.Count("#proctree li.pt-node"); n < 20 {
		t.Errorf("process tree nodes: %d", n)
	}
	if !strings.Contains(d.Text("#proctree-body"), "OUTLOOK.EXE") {
		t.Error("process tree lacks OUTLOOK.EXE")
	}
	if n := d.Count("#series polyline.ts-line"); n != 1 || !strings.Contains(d.Text("#series-note"), "series shorter than two periods") { // 40 events over three hours
		t.Errorf("series: %d lines, note %q", n, d.Text("#series-note"))
	}
	if n := d.Count("#entities g.eg-node"); n < 10 {
		t.Errorf("graph nodes: %d", n)
	}
	if n := d.Count("#heatmap td.hm-cell:not(.hm-zero)"); n == 0 {
		t.Error("heatmap is empty")
	}
	// The heatmap colours its cells through the CSSOM, which the CSP allows.
	var bg string
	d.JS(`return getComputedStyle(document.querySelector("#heatmap td.hm-cell:not(.hm-zero)")).backgroundColor;`, &bg)
	if !strings.Contains(bg, "200, 60, 30") {
		t.Errorf("heatmap cell colour: %q", bg)
	}
	d.WaitText("#records-status", "1–40 of 40 rows")
	d.Click(`#records-table th[data-col="1"]`)
	var first, last string
	d.JS(`var r = document.querySelectorAll("#records-table tbody tr"); return r[0].children[1].textContent;`, &first)
	d.JS(`var r = document.querySelectorAll("#records-table tbody tr"); return r[r.length-1].children[1].textContent;`, &last)
	if first > last {
		t.Errorf("column 1 not sorted ascending: %q … %q", first, last)
	}
	d.TypeInto("#records-filter", "powershell")
	d.WaitText("#records-status", "matching (40 in all)")
	d.Screenshot("analyze")
	d.Screenshot("analyze-graph", "#entities")
	d.CheckConsole("analyze a file")

	// An intel event: its attributes on the timeline, linked to the event in the graph.
	d.Click(`nav a[href="/ui/analyze"]`)
	d.Find("#analyze-event-form")
	d.JS(`var s = document.getElementById("analyze-event"); s.selectedIndex = 0; return null;`, nil)
	d.Click("#analyze-event-submit")
	ready()
	d.WaitText("#report-title", "Infrastructure to look at")
	if n := d.Count("#timeline circle.tl-mark"); n != 3 {
		t.Errorf("event timeline marks: %d, want 3", n)
	}
	d.WaitText("#entities-status", "4 nodes, 3 edges")
	d.Screenshot("analyze-event")
	d.CheckConsole("analyze an event")
}
