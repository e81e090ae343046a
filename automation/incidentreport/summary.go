package incidentreport

import (
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/store"
)

// Summary is the SOC's view of a period: the incidents opened in it, counted by type,
// severity and status; how long they waited for an owner and for their resolution; the SLA
// timers that ran late or are at risk; and the indicators seen in most incidents.
type Summary struct {
	From, To   time.Time
	Generated  time.Time
	Rows       []Row
	ByType     []Count
	BySeverity []Count
	ByStatus   []Count
	// Medians and means over the incidents that reached the milestone; -1 when none did.
	AssignMedian, AssignMean, ResolveMedian, ResolveMean time.Duration
	Assigned, Resolved                                   int
	Late, AtRisk                                         int
	TopIndicators                                        []IndicatorCount
}

// Row is one incident of the period.
type Row struct {
	ID                                  int64
	Name, Type, Severity, Status, Owner string
	Created                             time.Time
	TimeToAssign, TimeToResolve         time.Duration // -1 when not reached
	SLAAssign, SLARemediate             string        // timer states, "" without a timer
	Indicators, Malicious               int
}

// Count is a label and how many incidents carry it; Width is its bar's share of the largest.
type Count struct {
	Label string
	N     int
	Width float64
}

// IndicatorCount is an indicator and the incidents it was seen in.
type IndicatorCount struct {
	Type, Value, Verdict string
	Incidents            int
}

// DefaultTopIndicators is how many indicators the summary lists.
const DefaultTopIndicators = 20

// BuildSummary gathers the incidents created in [from, to).
func BuildSummary(ctx context.Context, s *automation.Incidents, policy automation.SLAPolicy, from, to, now time.Time) (*Summary, error) {
	if !to.After(from) {
		return nil, fmt.Errorf("summary: the period ends (%s) before it starts (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	all, err := s.Store.ListIncidents(ctx, store.IncidentFilter{})
	if err != nil {
		return nil, err
	}
	sum := &Summary{From: from, To: to, Generated: now}
	byType, bySev, byStatus := map[string]int{}, map[string]int{}, map[string]int{}
	var assign, resolve []time.Duration
	type indKey struct{ t, v string }
	inds := map[indKey]*IndicatorCount{}
	for i := len(all) - 1; i >= 0; i-- { // oldest first
		inc := &all[i]
		if inc.Created.Before(from) || !inc.Created.Before(to) {
			continue
		}
		d, err := Build(ctx, s, policy, inc.ID)
		if err != nil {
			return nil, err
		}
		entries, err := s.Store.Journal(ctx, inc.ID)
		if err != nil {
			return nil, err
		}
		m := automation.ReadMilestones(inc, entries)
		row := Row{ID: inc.ID, Name: inc.Name, Type: inc.Type, Severity: automation.SeverityName(inc.Severity), Status: inc.Status,
			Owner: inc.Owner, Created: inc.Created, TimeToAssign: -1, TimeToResolve: -1, Indicators: len(d.Indicators)}
		if !m.Assigned.IsZero() {
			row.TimeToAssign = m.Assigned.Sub(inc.Created)
			assign = append(assign, row.TimeToAssign)
		}
		if !m.Resolved.IsZero() {
			row.TimeToResolve = m.Resolved.Sub(inc.Created)
			resolve = append(resolve, row.TimeToResolve)
		}
		for _, tm := range policy.Timers(inc, m, now) {
			switch tm.State {
			case automation.SLALate:
				sum.Late++
			case automation.SLAAtRisk:
				sum.AtRisk++
			}
			if tm.Name == "assign" {
				row.SLAAssign = tm.State
			} else {
				row.SLARemediate = tm.State
			}
		}
		for _, ind := range d.Indicators {
			k := indKey{ind.Type, ind.Value}
			if inds[k] == nil {
				inds[k] = &IndicatorCount{Type: ind.Type, Value: ind.Value}
			}
			inds[k].Incidents++
			if ind.Verdict != "" {
				inds[k].Verdict = ind.Verdict
			}
			if ind.Verdict == "malicious" {
				row.Malicious++
			}
		}
		typ := inc.Type
		if typ == "" {
			typ = "(none)"
		}
		byType[typ]++
		bySev[row.Severity]++
		byStatus[inc.Status]++
		sum.Rows = append(sum.Rows, row)
	}
	sum.ByType, sum.BySeverity, sum.ByStatus = counts(byType, nil), counts(bySev, []string{"critical", "high", "medium", "low", "info", "unknown"}),
		counts(byStatus, automation.Statuses)
	sum.Assigned, sum.Resolved = len(assign), len(resolve)
	sum.AssignMedian, sum.AssignMean = medianMean(assign)
	sum.ResolveMedian, sum.ResolveMean = medianMean(resolve)
	for _, c := range inds {
		sum.TopIndicators = append(sum.TopIndicators, *c)
	}
	sort.Slice(sum.TopIndicators, func(a, b int) bool {
		x, y := sum.TopIndicators[a], sum.TopIndicators[b]
		if x.Incidents != y.Incidents {
			return x.Incidents > y.Incidents
		}
		if rx, ry := verdictRank(x.Verdict), verdictRank(y.Verdict); rx != ry {
			return rx > ry
		}
		return x.Type+x.Value < y.Type+y.Value
	})
	if len(sum.TopIndicators) > DefaultTopIndicators {
		sum.TopIndicators = sum.TopIndicators[:DefaultTopIndicators]
	}
	return sum, nil
}

// counts orders labels by order (the rest by count, then name) and sizes their bars.
func counts(m map[string]int, order []string) []Count {
	var out []Count
	max := 0
	for l, n := range m {
		out = append(out, Count{Label: l, N: n})
		if n > max {
			max = n
		}
	}
	rank := func(l string) int {
		if i := slices.Index(order, l); i >= 0 {
			return i
		}
		return len(order)
	}
	sort.Slice(out, func(a, b int) bool {
		ra, rb := rank(out[a].Label), rank(out[b].Label)
		if ra != rb {
			return ra < rb
		}
		if out[a].N != out[b].N {
			return out[a].N > out[b].N
		}
		return out[a].Label < out[b].Label
	})
	for i := range out {
		out[i].Width = 100 * float64(out[i].N) / float64(max)
	}
	return out
}

func medianMean(ds []time.Duration) (time.Duration, time.Duration) {
	if len(ds) == 0 {
		return -1, -1
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var total time.Duration
	for _, d := range s {
		total += d
	}
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return med, total / time.Duration(len(s))
}

func span(d time.Duration) string {
	if d < 0 {
		return "—"
	}
	return d.Round(time.Second).String()
}

var summaryPage = template.Must(template.New("summary").Funcs(template.FuncMap{
	"span": span,
	"day":  func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04Z") },
	"pct":  func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SOC summary {{day .From}} – {{day .To}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;color:#1d2330;padding:0 1em}
h2{font-size:1.2em;border-bottom:1px solid #d5d9e2;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #eceff4}
th{background:#f4f6fa} .grid{display:grid;grid-template-columns:repeat(3,1fr);gap:1.5em}
.bar{display:grid;grid-template-columns:7em 1fr 2.5em;align-items:center;gap:.4em;margin:.2em 0}
.bar svg{width:100%;height:14px} .kpi{display:flex;gap:2em;flex-wrap:wrap} .kpi div{background:#f4f6fa;padding:.6em 1em;border-radius:.4em}
.kpi b{display:block;font-size:1.4em} .late{color:#b3261e;font-weight:600} td.mono{font-family:ui-monospace,Menlo,monospace;font-size:12px;word-break:break-all}
</style></head><body>
<h1>SOC summary</h1>
<p>Incidents opened from {{day .From}} to {{day .To}}.</p>
<div class="kpi" id="kpi">
<div><b id="kpi-incidents">{{len .Rows}}</b>incidents</div>
<div><b>{{span .AssignMedian}}</b>median time to assign ({{.Assigned}} assigned)</div>
<div><b>{{span .ResolveMedian}}</b>median time to resolve ({{.Resolved}} resolved)</div>
<div><b class="late" id="kpi-late">{{.Late}}</b>SLA timers late</div>
<div><b>{{.AtRisk}}</b>at risk</div>
</div>
<div class="grid">
<section><h2>By type</h2>{{range .ByType}}<div class="bar"><span>{{.Label}}</span><svg viewBox="0 0 100 10" preserveAspectRatio="none"><rect width="{{pct .Width}}" height="10" fill="#4c6ef5"/></svg><span>{{.N}}</span></div>{{end}}</section>
<section><h2>By severity</h2>{{range .BySeverity}}<div class="bar"><span>{{.Label}}</span><svg viewBox="0 0 100 10" preserveAspectRatio="none"><rect width="{{pct .Width}}" height="10" fill="#e8590c"/></svg><span>{{.N}}</span></div>{{end}}</section>
<section><h2>By status</h2>{{range .ByStatus}}<div class="bar"><span>{{.Label}}</span><svg viewBox="0 0 100 10" preserveAspectRatio="none"><rect width="{{pct .Width}}" height="10" fill="#2f9e44"/></svg><span>{{.N}}</span></div>{{end}}</section>
</div>
<h2>Incidents</h2>
<table id="incidents"><tr><th>#</th><th>Name</th><th>Type</th><th>Severity</th><th>Status</th><th>Owner</th><th>Opened</th><th>To assign</th><th>To resolve</th><th>SLA assign</th><th>SLA remediate</th><th>Indicators</th></tr>
{{range .Rows}}<tr><td>{{.ID}}</td><td>{{.Name}}</td><td>{{.Type}}</td><td>{{.Severity}}</td><td>{{.Status}}</td><td>{{.Owner}}</td><td>{{day .Created}}</td><td>{{span .TimeToAssign}}</td><td>{{span .TimeToResolve}}</td><td{{if eq .SLAAssign "late"}} class="late"{{end}}>{{.SLAAssign}}</td><td{{if eq .SLARemediate "late"}} class="late"{{end}}>{{.SLARemediate}}</td><td>{{.Indicators}}{{if .Malicious}} ({{.Malicious}} malicious){{end}}</td></tr>
{{end}}</table>
<h2>Top indicators</h2>
<table id="indicators"><tr><th>Type</th><th>Value</th><th>Verdict</th><th>Incidents</th></tr>
{{range .TopIndicators}}<tr><td>{{.Type}}</td><td class="mono">{{.Value}}</td><td>{{.Verdict}}</td><td>{{.Incidents}}</td></tr>
{{end}}</table>
<p style="color:#5b6475;font-size:12px">Generated by hunch at {{day .Generated}}.</p>
</body></html>
`))

// SummaryHTML writes the summary as a self-contained page with bar charts.
func SummaryHTML(w io.Writer, s *Summary) error { return summaryPage.Execute(w, s) }

// SummaryCSV writes one row per incident of the period.
func SummaryCSV(w io.Writer, s *Summary) error {
	cw := csv.NewWriter(w)
	secs := func(d time.Duration) string {
		if d < 0 {
			return ""
		}
		return strconv.FormatInt(int64(d/time.Second), 10)
	}
	cw.Write([]string{"id", "name", "type", "severity", "status", "owner", "created", "seconds_to_assign", "seconds_to_resolve",
		"sla_assign", "sla_remediate", "indicators", "malicious"})
	for _, r := range s.Rows {
		cw.Write([]string{strconv.FormatInt(r.ID, 10), csvSafe(r.Name), csvSafe(r.Type), r.Severity, r.Status, csvSafe(r.Owner),
			r.Created.UTC().Format(time.RFC3339), secs(r.TimeToAssign), secs(r.TimeToResolve), r.SLAAssign, r.SLARemediate,
			strconv.Itoa(r.Indicators), strconv.Itoa(r.Malicious)})
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula (CSV injection).
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

// verdictRank orders verdicts worst first.
func verdictRank(v string) int {
	return map[string]int{"malicious": 3, "suspicious": 2, "benign": 1}[v]
}
