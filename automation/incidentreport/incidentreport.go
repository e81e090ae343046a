// Package incidentreport writes an incident's report: its summary, whether its journal is
// intact, the journal as a timeline, the indicators it touched with their verdicts, its
// evidence with SHA-256 digests, and every playbook run task by task — one self-contained HTML
// file (no script, no external resource) that prints to PDF as it shows.
package incidentreport

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/playbook"
	"github.com/hunchsec/hunch/store"
)

// Data is what the report shows.
type Data struct {
	Incident   *store.Incident
	Severity   string
	Journal    []Entry
	Intact     bool
	Problems   []string
	Evidence   []store.Evidence
	Runs       []Run
	Indicators []Indicator
	SLA        []automation.Timer
	// IntelEvents are the UUIDs of the intel events the incident is linked to.
	IntelEvents []string
	Generated   time.Time
}

// Entry is one journal entry as shown.
type Entry struct {
	Seq   int64
	Time  time.Time
	Kind  string
	Actor string
	Text  string
	Hash  string
}

// Run is one playbook run with its tasks.
type Run struct {
	ID       int64
	Playbook string
	Status   string
	Error    string
	Tasks    []playbook.TaskView
}

// Indicator is an indicator seen in the incident, with its verdict when one was looked up.
type Indicator struct {
	Type, Value, Verdict string
	Score                int
	From                 string
}

// Build gathers incident id's report, its SLA timers under policy.
func Build(ctx context.Context, s *automation.Incidents, policy automation.SLAPolicy, id int64) (*Data, error) {
	inc, err := s.Store.Incident(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &Data{Incident: inc, Severity: automation.SeverityName(inc.Severity), Generated: time.Now().UTC()}
	entries, err := s.Store.Journal(ctx, id)
	if err != nil {
		return nil, err
	}
	_, problems, err := s.Verify(ctx, id)
	if err != nil {
		return nil, err
	}
	d.Intact = len(problems) == 0
	for _, l := range inc.Labels {
		if u, ok := strings.CutPrefix(l, automation.IntelEventLabel("")); ok {
			d.IntelEvents = append(d.IntelEvents, u)
		}
	}
	d.SLA = policy.Timers(inc, automation.ReadMilestones(inc, entries), d.Generated)
	for _, p := range problems {
		d.Problems = append(d.Problems, p.String())
	}
	inds := map[string]*Indicator{}
	addInd := func(typ, val, from string) *Indicator {
		if val == "" {
			return nil
		}
		k := typ + "\x00" + val
		if inds[k] == nil {
			inds[k] = &Indicator{Type: typ, Value: val, From: from, Score: -1}
		}
		return inds[k]
	}
	for _, e := range entries {
		d.Journal = append(d.Journal, Entry{Seq: e.Seq, Time: e.Time, Kind: e.Kind, Actor: e.Actor, Text: automation.EntryText(e.Body, 600), Hash: e.Hash})
		var b struct {
			Alert *struct {
				Indicators []struct{ Type, Value string } `json:"indicators"`
			} `json:"alert"`
		}
		if json.Unmarshal(e.Body, &b) == nil && b.Alert != nil {
			for _, i := range b.Alert.Indicators {
				addInd(i.Type, i.Value, "alert")
			}
		}
	}
	if d.Evidence, err = s.Store.ListEvidence(ctx, id); err != nil {
		return nil, err
	}
	runs, err := s.Store.ListRuns(ctx, store.RunFilter{IncidentID: id})
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		tasks, err := playbook.Tasks(&r)
		if err != nil {
			return nil, fmt.Errorf("run %d: %w", r.ID, err)
		}
		d.Runs = append(d.Runs, Run{ID: r.ID, Playbook: r.Playbook, Status: r.Status, Error: r.Error, Tasks: tasks})
		for _, t := range tasks {
			out, _ := t.Output.(map[string]any)
			if l, ok := out["indicators"].([]any); ok {
				for _, x := range l {
					if m, ok := x.(map[string]any); ok {
						addInd(fmt.Sprint(m["type"]), fmt.Sprint(m["value"]), "playbook "+r.Playbook+", task "+t.ID)
					}
				}
			}
			if l, ok := out["results"].([]any); ok {
				for _, x := range l {
					m, ok := x.(map[string]any)
					if !ok || m["verdict"] == nil {
						continue
					}
					i := addInd(fmt.Sprint(m["type"]), fmt.Sprint(m["indicator"]), "playbook "+r.Playbook+", task "+t.ID)
					if i == nil {
						continue
					}
					i.Verdict = fmt.Sprint(m["verdict"])
					if f, ok := m["dbot_score"].(float64); ok {
						i.Score = int(f)
					}
				}
			}
		}
	}
	for _, i := range inds {
		d.Indicators = append(d.Indicators, *i)
	}
	sort.Slice(d.Indicators, func(a, b int) bool {
		x, y := d.Indicators[a], d.Indicators[b]
		if x.Score != y.Score {
			return x.Score > y.Score
		}
		return x.Type+x.Value < y.Type+y.Value
	})
	return d, nil
}

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12]
		}
		return s
	},
	"json": func(v any) string {
		if v == nil {
			return ""
		}
		b, _ := json.Marshal(v)
		s := string(b)
		if len(s) > 400 {
			s = s[:400] + "…"
		}
		return s
	},
	"lower": strings.ToLower,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Incident {{.Incident.ID}}: {{.Incident.Name}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;color:#1d2330;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.2em;border-bottom:1px solid #d5d9e2;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:.5em 0} th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #eceff4;vertical-align:top}
th{background:#f4f6fa;font-weight:600} td.mono,span.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
.badge{display:inline-block;padding:.05em .5em;border-radius:.8em;font-size:12px;font-weight:600;background:#e4e7ee}
.sev-critical,.v-malicious{background:#b3261e;color:#fff}.sev-high{background:#e8590c;color:#fff}.sev-medium,.v-suspicious{background:#f2c94c}
.sev-low,.v-benign,.sla-met,.sla-within{background:#cfe8d5}.sla-late{background:#b3261e;color:#fff}.sla-at{background:#f2c94c}.ok{color:#1e7b34;font-weight:600}.bad{color:#b3261e;font-weight:600}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em} dt{color:#5b6475}
@media print{body{margin:0;max-width:none} h2{break-after:avoid} tr{break-inside:avoid}}
</style></head><body>
<h1>Incident {{.Incident.ID}}: {{.Incident.Name}}</h1>
<p><span class="badge sev-{{.Severity}}">{{.Severity}}</span> <span class="badge">{{.Incident.Status}}</span></p>
<h2>Summary</h2>
<dl>
<dt>Type</dt><dd>{{or .Incident.Type "—"}}</dd>
<dt>Owner</dt><dd>{{or .Incident.Owner "nobody"}}</dd>
<dt>Labels</dt><dd>{{range .Incident.Labels}}<span class="badge">{{.}}</span> {{else}}—{{end}}</dd>
{{with .IntelEvents}}<dt>Intel events</dt><dd id="intel-events">{{range .}}<span class="mono">{{.}}</span> {{end}}</dd>{{end}}
<dt>Opened</dt><dd>{{time .Incident.Created}}</dd>
<dt>Last change</dt><dd>{{time .Incident.Updated}}</dd>
{{range .SLA}}<dt>SLA {{.Name}}</dt><dd><span class="badge sla-{{.State}}">{{.State}}</span> due {{time .Due}}{{if not .Stopped.IsZero}}, met {{time .Stopped}}{{end}}</dd>
{{end}}<dt>Journal</dt><dd>{{len .Journal}} entries, {{if .Intact}}<span class="ok" id="journal-status">intact</span> (every hash checks){{else}}<span class="bad" id="journal-status">tampered</span>{{end}}</dd>
</dl>
{{if .Problems}}<ul>{{range .Problems}}<li class="bad">{{.}}</li>{{end}}</ul>{{end}}
<h2>Indicators</h2>
{{if .Indicators}}<table id="indicators"><tr><th>Type</th><th>Value</th><th>Verdict</th><th>DBotScore</th><th>Seen in</th></tr>
{{range .Indicators}}<tr><td>{{.Type}}</td><td class="mono">{{.Value}}</td><td>{{if .Verdict}}<span class="badge v-{{lower .Verdict}}">{{.Verdict}}</span>{{else}}not looked up{{end}}</td><td>{{if ge .Score 0}}{{.Score}}{{end}}</td><td>{{.From}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}
<h2>Playbook runs</h2>
{{range .Runs}}<h3>Run {{.ID}}: {{.Playbook}} — {{.Status}}{{if .Error}}: {{.Error}}{{end}}</h3>
<table class="run"><tr><th>Task</th><th>Type</th><th>Status</th><th>Branch / by</th><th>Attempts</th><th>Finished</th><th>Output</th></tr>
{{range .Tasks}}<tr><td>{{.ID}}</td><td>{{.Type}}{{if .Action}} {{.Action}}{{end}}</td><td>{{.Status}}{{if .Error}}: {{.Error}}{{end}}</td><td>{{.Branch}}{{if .By}} by {{.By}}{{end}}</td><td>{{if .Attempts}}{{.Attempts}}{{end}}</td><td>{{time .Finished}}</td><td class="mono">{{json .Output}}</td></tr>
{{end}}</table>
{{else}}<p>No playbook ran.</p>{{end}}
<h2>Evidence</h2>
{{if .Evidence}}<table id="evidence"><tr><th>Name</th><th>Kind</th><th>Size</th><th>SHA-256</th><th>Added by</th><th>When</th><th>Journal entry</th></tr>
{{range .Evidence}}<tr><td>{{.Name}}</td><td>{{.Kind}}</td><td>{{.Size}}</td><td class="mono">{{.SHA256}}</td><td>{{.Actor}}</td><td>{{time .Created}}</td><td>{{.Entry}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}
<h2>Journal</h2>
<table id="journal"><tr><th>#</th><th>Time</th><th>Kind</th><th>Actor</th><th>Entry</th><th>Hash</th></tr>
{{range .Journal}}<tr><td>{{.Seq}}</td><td>{{time .Time}}</td><td>{{.Kind}}</td><td>{{.Actor}}</td><td class="mono">{{.Text}}</td><td class="mono">{{short .Hash}}</td></tr>
{{end}}</table>
<p style="color:#5b6475;font-size:12px">Generated by hunch at {{time .Generated}}.</p>
</body></html>
`))

// HTML writes d as the report page.
func HTML(w io.Writer, d *Data) error { return page.Execute(w, d) }

// Write builds and writes incident id's report.
func Write(ctx context.Context, w io.Writer, s *automation.Incidents, policy automation.SLAPolicy, id int64) error {
	d, err := Build(ctx, s, policy, id)
	if err != nil {
		return err
	}
	return HTML(w, d)
}
