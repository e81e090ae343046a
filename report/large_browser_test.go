package report_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hunchsec/hunch/internal/browsertest"
	"github.com/hunchsec/hunch/report"
)

// TestBrowserLarge opens a report of DefaultMaxRecords records and requires every view drawn within the browser
// timeout, without console errors, and logs how long it took.
func TestBrowserLarge(t *testing.T) {
	chromium, driver := browsertest.Find(t)
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	rs := benchRecords(report.DefaultMaxRecords)
	data, err := report.Build(stream(rs...), report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "large.html")
	f, err := os.Create(page)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Render(f, data, report.Options{}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	d := browsertest.Start(t, chromium, driver, t.TempDir())
	start := time.Now()
	d.Open("file://" + page)
	d.Wait("the views to draw", func() bool {
		var ok bool
		d.JS(`return document.documentElement.getAttribute("data-report-ready") === "1";`, &ok)
		return ok
	})
	took := time.Since(start)
	if n := d.Count("#timeline circle.tl-mark"); n != len(rs) {
		t.Errorf("timeline marks: %d, want %d", n, len(rs))
	}
	if n := d.Count("#records-table tbody tr"); n != 200 {
		t.Errorf("table page: %d rows", n)
	}
	d.CheckConsole("large")
	t.Logf("%d records: drawn in %v", len(rs), took.Round(time.Millisecond))
}
