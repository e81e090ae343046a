package incidentreport

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/automation/playbook"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/sqlite"
)

func setup(t *testing.T) (*automation.Incidents, *time.Time) {
	t.Helper()
	s, clock, _ := setupAt(t, filepath.Join(t.TempDir(), "h.db"))
	return s, clock
}

func setupAt(t *testing.T, path string) (*automation.Incidents, *time.Time, string) {
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	return &automation.Incidents{Store: db, Chain: journal.Chain{Key: []byte("k")}, Now: func() time.Time { return clock }}, &clock, path
}

func TestIncidentReport(t *testing.T) {
	c := context.Background()
	s, clock, path := setupAt(t, filepath.Join(t.TempDir(), "h.db"))
	inc := &store.Incident{Name: `phish <script>alert(1)</script>`, Type: "phishing", Severity: 3}
	if err := s.Open(c, inc, "mail-gw"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Ingest(c, automation.Alert{Name: inc.Name, Key: "k1", Indicators: []automation.Indicator{{Type: "domain", Value: "evil.example"}}}, "mail-gw"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddEvidence(c, inc.ID, "alice", "file", "mail.eml", []byte("From: x\r\n")); err != nil {
		t.Fatal(err)
	}
	e := &playbook.Engine{Incidents: s, Runs: s.Store, Actions: map[string]playbook.Action{
		"look": func(context.Context, playbook.Call) (map[string]any, error) {
			return map[string]any{"results": []any{map[string]any{"indicator": "evil.example", "type": "domain", "verdict": "malicious", "dbot_score": 3}}}, nil
		}}}
	pb, err := playbook.Parse([]byte("name: enrich\ntasks:\n  - {id: look, type: action, action: look}\n"), e.ActionNames())
	if err != nil {
		t.Fatal(err)
	}
	run, _ := e.Start(c, pb, inc.ID, nil, "")
	if err := e.Drive(c, run.ID); err != nil {
		t.Fatal(err)
	}
	*clock = clock.Add(30 * time.Minute)
	var b bytes.Buffer
	if err := Write(c, &b, s, automation.DefaultSLAPolicy, inc.ID); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"Incident 1: phish &lt;script&gt;", `id="journal-status">intact`, "evil.example", "v-malicious", "mail.eml",
		"Run 1: enrich — done", "SLA assign", "SLA remediate"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("the report must be self-contained and escape what it shows")
	}
	// A tampered journal shows in the report.
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE journal SET actor = 'mallory' WHERE seq = 2 AND incident_id = ?`, inc.ID); err != nil {
		t.Fatal(err)
	}
	d, err := Build(c, s, automation.DefaultSLAPolicy, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Intact || len(d.Problems) == 0 || !strings.Contains(d.Problems[0], "entry 2") {
		t.Errorf("tampering not reported: %v", d.Problems)
	}
}

func TestSummary(t *testing.T) {
	c := context.Background()
	s, clock := setup(t)
	start := *clock
	open := func(name, typ string, sev float64) int64 {
		inc := &store.Incident{Name: name, Type: typ, Severity: sev}
		if err := s.Open(c, inc, "siem"); err != nil {
			t.Fatal(err)
		}
		return inc.ID
	}
	owner, done := "alice", "done"
	a := open("=cmd|' /C calc'!A0", "malware", 4) // assigned after 10 min (met), resolved after 5 h (late)
	*clock = start.Add(10 * time.Minute)
	s.Update(c, a, "lead", automation.Change{Owner: &owner})
	*clock = start.Add(5 * time.Hour)
	s.Update(c, a, "alice", automation.Change{Status: &done})
	b := open("scan", "recon", 1) // assigned after 20 min; open
	*clock = start.Add(5*time.Hour + 20*time.Minute)
	s.Update(c, b, "lead", automation.Change{Owner: &owner})
	*clock = start.Add(6 * time.Hour)
	open("phish", "malware", 3) // nobody yet
	*clock = start.Add(30 * 24 * time.Hour)
	open("later", "malware", 2) // outside the period

	now := start.Add(8 * time.Hour)
	sum, err := BuildSummary(c, s, automation.DefaultSLAPolicy, start, start.Add(24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Rows) != 3 || sum.Rows[0].ID != a {
		t.Fatalf("rows %+v", sum.Rows)
	}
	if sum.ByType[0] != (Count{Label: "malware", N: 2, Width: 100}) || sum.ByType[1].N != 1 || sum.BySeverity[0].Label != "critical" {
		t.Errorf("counts %+v %+v", sum.ByType, sum.BySeverity)
	}
	if sum.Assigned != 2 || sum.AssignMedian != 15*time.Minute || sum.Resolved != 1 || sum.ResolveMedian != 5*time.Hour {
		t.Errorf("times: %d assigned, median %v; %d resolved, median %v", sum.Assigned, sum.AssignMedian, sum.Resolved, sum.ResolveMedian)
	}
	// late: a's remediation (5 h > 4 h) and c's assignment (high: 1 h, 2 h ago)
	if sum.Late != 2 || sum.Rows[0].SLARemediate != automation.SLALate || sum.Rows[0].SLAAssign != automation.SLAMet || sum.Rows[2].SLAAssign != automation.SLALate {
		t.Errorf("late %d: %+v", sum.Late, sum.Rows)
	}
	var h bytes.Buffer
	if err := SummaryHTML(&h, sum); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.String(), `<b id="kpi-incidents">3</b>`) || !strings.Contains(h.String(), `<b class="late" id="kpi-late">2</b>`) {
		t.Error("summary page lacks its figures")
	}
	var cb bytes.Buffer
	if err := SummaryCSV(&cb, sum); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&cb).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("csv %v %v", rows, err)
	}
	if rows[1][1] != "'=cmd|' /C calc'!A0" || rows[1][7] != "600" || rows[1][8] != "18000" || rows[3][7] != "" {
		t.Errorf("csv row %q", rows[1])
	}
	if _, err := BuildSummary(c, s, automation.DefaultSLAPolicy, now, start, now); err == nil {
		t.Error("a period ending before it starts was accepted")
	}
}
