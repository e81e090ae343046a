package playbook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/store"
)

// Run statuses.
const (
	RunRunning   = "running"
	RunWaiting   = "waiting"
	RunDone      = "done"
	RunFailed    = "failed"
	RunCancelled = "cancelled"
)

// Task statuses in a run's state.
const (
	taskRunning = "running"
	taskDone    = "done"
	taskFailed  = "failed"
	taskWaiting = "waiting"
)

// DefaultLease is how long a run's lease lasts without renewal.
const DefaultLease = time.Minute

// DefaultPoll is how often Serve looks for runs to resume and schedules to fire.
const DefaultPoll = 2 * time.Second

// Engine starts and drives playbook runs.
type Engine struct {
	// Incidents opens incidents and journals; its Store must also be a store.Playbooks.
	Incidents *automation.Incidents
	Runs      store.Playbooks
	// Library holds the playbooks by name: triggers, sub-playbooks and `!playbook run` find
	// them here.
	Library map[string]*Playbook
	// Actions are the actions tasks may name (Builtins plus the ones the caller adds).
	Actions map[string]Action
	// Actor journals the engine's own entries ("playbook" when empty).
	Actor string
	// Announce, when set, posts a waiting manual task's prompt to its channel.
	Announce func(ctx context.Context, channel string, lines []string) error
	Log      *slog.Logger
	Now      func() time.Time
	// Owner names this engine among the servers sharing a store: with it, the engine drives a
	// run only while it holds the run's lease (renewed at every step, for Lease), so two servers
	// never drive one run. Without it the engine assumes it is alone.
	Owner string
	// Lease is how long a lease lasts without renewal; DefaultLease when zero. A server that dies
	// leaves its runs to another once their leases run out.
	Lease time.Duration

	mu     sync.Mutex
	active map[int64]bool
	wake   chan struct{}
}

// Call is what an action gets.
type Call struct {
	Args map[string]any
	// Key identifies this execution (run, task, for-each index): an action with effects outside
	// hunch passes it on (an Idempotency-Key header, an event UUID) so a repeat is recognised.
	Key string
	// Resumed is set when this execution started before and its end was never recorded (the
	// server stopped in the middle of it): the action should check whether its effect exists.
	Resumed  bool
	Incident *store.Incident
	Run      int64
	Task     string
	Engine   *Engine
}

// Action performs one task and returns its output (JSON-encodable).
type Action func(ctx context.Context, c Call) (map[string]any, error)

// state is a run's progress, stored as JSON with the run.
type state struct {
	Inputs map[string]any        `json:"inputs"`
	Alert  any                   `json:"alert,omitempty"`
	Queue  []string              `json:"queue"`
	Tasks  map[string]*taskState `json:"tasks"`
	Parent *parentRef            `json:"parent,omitempty"`
}

type parentRef struct {
	Run  int64  `json:"run"`
	Task string `json:"task"`
}

type taskState struct {
	Status   string    `json:"status"`
	Attempts int       `json:"attempts,omitempty"`
	Output   any       `json:"output,omitempty"`
	Error    string    `json:"error,omitempty"`
	Branch   string    `json:"branch,omitempty"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
	// For-each progress: the results so far.
	Results []any `json:"results,omitempty"`
	Items   int   `json:"items,omitempty"`
	// Manual tasks: what is asked, the answers allowed, who should and who did answer.
	Prompt   string   `json:"prompt,omitempty"`
	Options  []string `json:"options,omitempty"`
	Assignee string   `json:"assignee,omitempty"`
	By       string   `json:"by,omitempty"`
	// Child is the sub-playbook's run.
	Child int64 `json:"child,omitempty"`
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

func (e *Engine) actor() string {
	if e.Actor != "" {
		return e.Actor
	}
	return "playbook"
}

func (e *Engine) log() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.New(slog.DiscardHandler)
}

// ActionNames lists the actions tasks may name, sorted.
func (e *Engine) ActionNames() []string {
	names := make([]string, 0, len(e.Actions))
	for n := range e.Actions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Start begins a run of pb on incident id with the alert that opened it (nil: the payload of
// the last alert journaled on the incident, if any): the inputs are evaluated and the run
// stored; Drive (or a serving engine) executes it.
func (e *Engine) Start(ctx context.Context, pb *Playbook, incidentID int64, alert any, actor string) (*store.PlaybookRun, error) {
	return e.start(ctx, pb, incidentID, alert, nil, nil, actor)
}

func (e *Engine) start(ctx context.Context, pb *Playbook, incidentID int64, alert any, given map[string]any, parent *parentRef, actor string) (*store.PlaybookRun, error) {
	inc, err := e.Incidents.Store.Incident(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	if alert == nil {
		if alert, err = e.lastAlert(ctx, incidentID); err != nil {
			return nil, err
		}
	}
	st := &state{Inputs: map[string]any{}, Alert: alert, Tasks: map[string]*taskState{}, Queue: []string{pb.Start}, Parent: parent}
	c := e.context(inc, st, 0)
	for _, in := range pb.Inputs {
		if v, ok := given[in.Name]; ok {
			st.Inputs[in.Name] = v
			continue
		}
		v, err := eval(in.Value, c)
		if err != nil && in.Required {
			return nil, fmt.Errorf("playbook %s: input %s: %w", pb.Name, in.Name, err)
		}
		if in.Required && (v == nil || v == "") {
			return nil, fmt.Errorf("playbook %s: input %s is required and empty", pb.Name, in.Name)
		}
		st.Inputs[in.Name] = v
	}
	for k, v := range given {
		if _, ok := st.Inputs[k]; !ok {
			st.Inputs[k] = v
		}
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	run := &store.PlaybookRun{IncidentID: incidentID, Playbook: pb.Name, Source: pb.Source, Status: RunRunning, State: raw}
	if err := e.Runs.CreateRun(ctx, run); err != nil {
		return nil, err
	}
	body := map[string]any{"playbook": pb.Name, "run": run.ID, "started": true, "inputs": st.Inputs}
	if parent != nil {
		body["parent_run"] = parent.Run
	}
	if _, err := e.Incidents.Append(ctx, incidentID, journal.KindAction, actorOr(actor, e.actor()), body); err != nil {
		return nil, err
	}
	e.poke()
	return run, nil
}

func actorOr(a, def string) string {
	if a != "" {
		return a
	}
	return def
}

// context is what expressions see.
func (e *Engine) context(inc *store.Incident, st *state, runID int64) map[string]any {
	incident := map[string]any{"id": inc.ID, "name": inc.Name, "type": inc.Type, "severity": inc.Severity,
		"severity_name": automation.SeverityName(inc.Severity), "status": inc.Status, "owner": inc.Owner, "labels": toAny(inc.Labels)}
	tasks := map[string]any{}
	for id, ts := range st.Tasks {
		t := map[string]any{"status": ts.Status, "error": ts.Error, "branch": ts.Branch}
		if ts.Output != nil {
			t["output"] = ts.Output
		} else {
			t["output"] = map[string]any{}
		}
		tasks[id] = t
	}
	return map[string]any{"incident": incident, "alert": st.Alert, "inputs": st.Inputs, "tasks": tasks, "run": map[string]any{"id": runID}}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// loaded is a run being driven.
type loaded struct {
	run *store.PlaybookRun
	pb  *Playbook
	st  *state
}

func (e *Engine) load(ctx context.Context, id int64) (*loaded, error) {
	run, err := e.Runs.PlaybookRun(ctx, id)
	if err != nil {
		return nil, err
	}
	pb, err := Parse(run.Source, nil)
	if err != nil {
		return nil, fmt.Errorf("run %d: its playbook no longer parses: %w", id, err)
	}
	var st state
	if err := json.Unmarshal(run.State, &st); err != nil {
		return nil, fmt.Errorf("run %d: state: %w", id, err)
	}
	if st.Tasks == nil {
		st.Tasks = map[string]*taskState{}
	}
	return &loaded{run: run, pb: pb, st: &st}, nil
}

// save stores l's state; a concurrent change (ErrConflict) is returned for the caller to
// reload.
func (e *Engine) save(ctx context.Context, l *loaded) error {
	raw, err := json.Marshal(l.st)
	if err != nil {
		return err
	}
	l.run.State = raw
	return e.Runs.UpdateRun(ctx, l.run)
}

func (e *Engine) journal(ctx context.Context, l *loaded, kind string, body map[string]any) {
	body["run"] = l.run.ID
	body["playbook"] = l.pb.Name
	if _, err := e.Incidents.Append(ctx, l.run.IncidentID, kind, e.actor(), body); err != nil {
		e.log().Error("journal", "run", l.run.ID, "error", err.Error())
	}
}

// Drive executes run id until it finishes, fails, or waits for a person or a sub-playbook. It
// is safe to call again on a run interrupted at any point: completed actions are not repeated.
func (e *Engine) Drive(ctx context.Context, id int64) error {
	if !e.claim(id) {
		return nil // another goroutine of this engine drives it
	}
	defer e.release(id)
	if e.Owner != "" {
		if held, err := e.lease(ctx, id); err != nil || !held {
			return err // another server drives it
		}
		defer e.Runs.ReleaseRun(context.WithoutCancel(ctx), id, e.Owner)
		// Renew the lease while an action runs; losing it stops the run here (the new holder
		// resumes it).
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go e.keepLease(ctx, cancel, id)
	}
	for {
		if held, err := e.lease(ctx, id); err != nil || !held {
			return err // another server drives it
		}
		l, err := e.load(ctx, id)
		if err != nil {
			return err
		}
		if l.run.Status != RunRunning {
			return nil
		}
		if len(l.st.Queue) == 0 {
			return e.finish(ctx, l, RunDone, "")
		}
		err = e.step(ctx, l)
		if errors.Is(err, store.ErrConflict) {
			continue // changed under us (a task completed meanwhile): reload
		}
		if err != nil {
			return err
		}
	}
}

// keepLease renews run id's lease a few times per lease period until ctx ends, and calls lost
// when it cannot.
func (e *Engine) keepLease(ctx context.Context, lost context.CancelFunc, id int64) {
	d := e.Lease
	if d <= 0 {
		d = DefaultLease
	}
	t := time.NewTicker(d / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if held, err := e.lease(ctx, id); (err != nil || !held) && ctx.Err() == nil {
				e.log().Warn("playbook run lease lost", "run", id, "owner", e.Owner)
				lost()
				return
			}
		}
	}
}

// lease takes or renews the run's lease (always held without an Owner).
func (e *Engine) lease(ctx context.Context, id int64) (bool, error) {
	if e.Owner == "" {
		return true, nil
	}
	d := e.Lease
	if d <= 0 {
		d = DefaultLease
	}
	now := time.Now()
	return e.Runs.LeaseRun(ctx, id, e.Owner, now.Add(d), now)
}

func (e *Engine) claim(id int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.active == nil {
		e.active = map[int64]bool{}
	}
	if e.active[id] {
		return false
	}
	e.active[id] = true
	return true
}

func (e *Engine) release(id int64) {
	e.mu.Lock()
	delete(e.active, id)
	e.mu.Unlock()
}

// step runs the first queued task.
func (e *Engine) step(ctx context.Context, l *loaded) error {
	id := l.st.Queue[0]
	t := l.pb.Task(id)
	if t == nil {
		return e.finish(ctx, l, RunFailed, fmt.Sprintf("task %q is not in the playbook", id))
	}
	ts := l.st.Tasks[id]
	if ts == nil {
		ts = &taskState{}
		l.st.Tasks[id] = ts
	}
	if ts.Status == taskDone || ts.Status == taskFailed {
		l.st.Queue = l.st.Queue[1:] // reached twice: runs once
		return e.save(ctx, l)
	}
	inc, err := e.Incidents.Store.Incident(ctx, l.run.IncidentID)
	if err != nil {
		return err
	}
	switch t.Type {
	case TypeTitle:
		return e.complete(ctx, l, t, ts, "", nil)
	case TypeCondition:
		c := e.context(inc, l.st, l.run.ID)
		branch := "else"
		for _, cs := range t.Cases {
			v, err := eval(cs.When, c)
			var ok bool
			if err == nil {
				ok, err = truth(v)
			}
			if err != nil {
				return e.fail(ctx, l, t, ts, fmt.Errorf("case %s: %w", cs.Branch, err))
			}
			if ok {
				branch = cs.Branch
				break
			}
		}
		e.journal(ctx, l, journal.KindAction, map[string]any{"task": t.ID, "condition": branch})
		return e.complete(ctx, l, t, ts, branch, map[string]any{"branch": branch})
	case TypeManual:
		if ts.Status == taskWaiting {
			l.run.Status = RunWaiting
			return e.save(ctx, l)
		}
		c := e.context(inc, l.st, l.run.ID)
		prompt, err := eval(t.Prompt, c)
		if err != nil {
			return e.fail(ctx, l, t, ts, err)
		}
		ts.Status, ts.Started, ts.Prompt, ts.Options, ts.Assignee = taskWaiting, e.now(), fmt.Sprint(prompt), t.Options, t.Assignee
		l.run.Status = RunWaiting
		if err := e.save(ctx, l); err != nil {
			return err
		}
		e.journal(ctx, l, journal.KindAction, map[string]any{"task": t.ID, "waiting": ts.Prompt, "options": t.Options, "assignee": t.Assignee})
		channel, err := eval(t.Channel, c)
		if err != nil {
			e.log().Warn("manual task channel", "run", l.run.ID, "task", t.ID, "error", err.Error())
		}
		if ch, _ := channel.(string); ch != "" && e.Announce != nil {
			line := fmt.Sprintf("incident %d, playbook %s: %s", inc.ID, l.pb.Name, ts.Prompt)
			how := fmt.Sprintf("answer with: !task done %d %s", l.run.ID, t.ID)
			if len(t.Options) > 0 {
				how += " " + strings.Join(t.Options, "|")
			}
			if err := e.Announce(ctx, ch, []string{line, how}); err != nil {
				e.log().Warn("announcing a manual task", "run", l.run.ID, "task", t.ID, "error", err.Error())
			}
		}
		return nil
	case TypePlaybook:
		return e.subPlaybook(ctx, l, t, ts, inc)
	}
	return e.action(ctx, l, t, ts, inc)
}

func anyMap(m map[string]any) any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// action runs an action task: each attempt (and each for-each item) is recorded as started
// before it runs and as done after, so an interrupted run repeats only what never finished.
func (e *Engine) action(ctx context.Context, l *loaded, t *Task, ts *taskState, inc *store.Incident) error {
	fn := e.Actions[t.Action]
	if fn == nil {
		return e.fail(ctx, l, t, ts, fmt.Errorf("unknown action %q", t.Action))
	}
	c := e.context(inc, l.st, l.run.ID)
	var items []any
	if t.ForEach != "" {
		v, err := eval(t.ForEach, c)
		if err != nil {
			return e.fail(ctx, l, t, ts, fmt.Errorf("for_each: %w", err))
		}
		switch x := v.(type) {
		case []any:
			items = x
		case nil:
		case string:
			if x != "" {
				return e.fail(ctx, l, t, ts, fmt.Errorf("for_each: %s gave text, not a list (use ${path})", t.ForEach))
			}
		default:
			return e.fail(ctx, l, t, ts, fmt.Errorf("for_each: %s gave a %T, not a list", t.ForEach, v))
		}
		ts.Items = len(items)
	}
	for {
		idx := len(ts.Results)
		if t.ForEach != "" && idx >= len(items) {
			return e.complete(ctx, l, t, ts, "", map[string]any{"results": ts.Results, "count": len(ts.Results)})
		}
		key := fmt.Sprintf("run-%d/%s", l.run.ID, t.ID)
		if t.ForEach != "" {
			c["item"], c["index"] = items[idx], idx
			key += fmt.Sprintf("/%d", idx)
		}
		resumed := ts.Status == taskRunning
		args, err := evalArgs(anyMap(t.With), c)
		if err != nil {
			return e.fail(ctx, l, t, ts, err)
		}
		var out map[string]any
		for {
			ts.Status, ts.Attempts = taskRunning, ts.Attempts+1
			if ts.Started.IsZero() {
				ts.Started = e.now()
			}
			if err := e.save(ctx, l); err != nil {
				return err
			}
			body := map[string]any{"task": t.ID, "action": t.Action, "key": key, "args": args, "attempt": ts.Attempts}
			if resumed {
				body["resumed"] = true
			}
			e.journal(ctx, l, journal.KindAction, body)
			actx, cancel := ctx, context.CancelFunc(func() {})
			if t.Timeout > 0 {
				actx, cancel = context.WithTimeout(ctx, time.Duration(t.Timeout))
			}
			out, err = fn(actx, Call{Args: args.(map[string]any), Key: key, Resumed: resumed, Incident: inc, Run: l.run.ID, Task: t.ID, Engine: e})
			cancel()
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return ctx.Err() // stopping: the attempt is retried on resume
			}
			e.journal(ctx, l, journal.KindOutput, map[string]any{"task": t.ID, "key": key, "error": err.Error(), "attempt": ts.Attempts})
			if ts.Attempts > t.Retries {
				return e.fail(ctx, l, t, ts, err)
			}
			resumed = false
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(t.RetryDelay)):
			}
		}
		e.journal(ctx, l, journal.KindOutput, map[string]any{"task": t.ID, "key": key, "output": out})
		if t.ForEach == "" {
			return e.complete(ctx, l, t, ts, "", out)
		}
		ts.Results = append(ts.Results, out)
		ts.Attempts = 0
		if err := e.save(ctx, l); err != nil {
			return err
		}
		// refresh the incident: an item may have changed it
		if inc, err = e.Incidents.Store.Incident(ctx, l.run.IncidentID); err != nil {
			return err
		}
		nc := e.context(inc, l.st, l.run.ID)
		c = nc
	}
}

// complete marks t done with out, queues what follows branch, and saves.
func (e *Engine) complete(ctx context.Context, l *loaded, t *Task, ts *taskState, branch string, out map[string]any) error {
	ts.Status, ts.Branch, ts.Finished, ts.Error = taskDone, branch, e.now(), ""
	if out != nil {
		ts.Output = jsonRound(out)
	}
	ts.Results = nil
	l.st.Queue = append(slices.Clone(l.st.Queue[1:]), t.Next[branch]...)
	if branch != "" && len(t.Next[branch]) == 0 {
		l.st.Queue = append(l.st.Queue, t.Next[""]...)
	}
	return e.save(ctx, l)
}

// jsonRound gives out as it reads back from the store, so that expressions see the same
// values before and after a restart.
func jsonRound(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{"unencodable": err.Error()}
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil
	}
	return out
}

// fail ends t with err: its error branch follows, or the run fails.
func (e *Engine) fail(ctx context.Context, l *loaded, t *Task, ts *taskState, err error) error {
	ts.Status, ts.Error, ts.Finished = taskFailed, err.Error(), e.now()
	e.journal(ctx, l, journal.KindOutput, map[string]any{"task": t.ID, "failed": err.Error()})
	if t.OnError != "" {
		l.st.Queue = append(slices.Clone(l.st.Queue[1:]), t.OnError)
		return e.save(ctx, l)
	}
	return e.finish(ctx, l, RunFailed, fmt.Sprintf("task %s: %v", t.ID, err))
}

// finish ends the run and tells its parent, if any.
func (e *Engine) finish(ctx context.Context, l *loaded, status, msg string) error {
	l.run.Status, l.run.Error = status, msg
	if err := e.save(ctx, l); err != nil {
		return err
	}
	body := map[string]any{"finished": status}
	if msg != "" {
		body["error"] = msg
	}
	e.journal(ctx, l, journal.KindOutput, body)
	if l.st.Parent != nil {
		return e.tellParent(ctx, l)
	}
	return nil
}

// tellParent hands a finished sub-playbook's outputs (or its failure) to the task that ran it.
func (e *Engine) tellParent(ctx context.Context, l *loaded) error {
	outputs := map[string]any{}
	for id, ts := range l.st.Tasks {
		outputs[id] = ts.Output
	}
	var err error
	if l.run.Status != RunDone {
		err = errors.New(l.run.Error)
	}
	return e.childDone(ctx, l.st.Parent.Run, l.st.Parent.Task, outputs, err)
}

// repair finishes what a stop between two writes can leave undone: a run waiting on a
// sub-playbook that ended without telling it. Only waiting runs are read.
func (e *Engine) repair(ctx context.Context) error {
	waiting, err := e.Runs.ListRuns(ctx, store.RunFilter{Status: []string{RunWaiting}})
	if err != nil {
		return err
	}
	for _, p := range waiting {
		var pst state
		if json.Unmarshal(p.State, &pst) != nil {
			continue
		}
		for _, ts := range pst.Tasks {
			if ts.Status != taskWaiting || ts.Child == 0 {
				continue
			}
			l, err := e.load(ctx, ts.Child)
			if err != nil {
				return err
			}
			switch l.run.Status {
			case RunDone, RunFailed, RunCancelled:
				if err := e.tellParent(ctx, l); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// childDone resumes a parent whose sub-playbook ended.
func (e *Engine) childDone(ctx context.Context, parent int64, task string, outputs map[string]any, cerr error) error {
	err := e.update(ctx, parent, func(l *loaded) error {
		t, ts := l.pb.Task(task), l.st.Tasks[task]
		if t == nil || ts == nil || ts.Status != taskWaiting {
			return errNoChange
		}
		if len(l.st.Queue) == 0 || l.st.Queue[0] != task {
			return fmt.Errorf("run %d: task %s is not next", parent, task)
		}
		l.run.Status = RunRunning
		if cerr != nil {
			ts.Status, ts.Error, ts.Finished = taskFailed, cerr.Error(), e.now()
			if t.OnError == "" {
				l.run.Status, l.run.Error = RunFailed, fmt.Sprintf("task %s: %v", task, cerr)
				l.st.Queue = nil
				return nil
			}
			l.st.Queue = append(slices.Clone(l.st.Queue[1:]), t.OnError)
			return nil
		}
		ts.Status, ts.Output, ts.Finished = taskDone, jsonRound(map[string]any{"tasks": outputs}), e.now()
		l.st.Queue = append(slices.Clone(l.st.Queue[1:]), t.Next[""]...)
		return nil
	})
	if errors.Is(err, errNoChange) {
		return nil
	}
	e.poke()
	return err
}

var errNoChange = errors.New("no change")

// update applies fn to run id's stored state, retrying on a concurrent change.
func (e *Engine) update(ctx context.Context, id int64, fn func(*loaded) error) error {
	for range 20 {
		l, err := e.load(ctx, id)
		if err != nil {
			return err
		}
		if err := fn(l); err != nil {
			return err
		}
		err = e.save(ctx, l)
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("run %d: kept changing under the update", id)
}

// ErrNotWaiting is returned when a task answered is not waiting for an answer.
var ErrNotWaiting = errors.New("not waiting for an answer")

// Complete answers the manual task of run id: answer must be one of its options when it has
// some. The run continues on the answer's branch (Serve or Drive picks it up).
func (e *Engine) Complete(ctx context.Context, id int64, task, answer, by, comment string) error {
	var incident int64
	var pbName string
	err := e.update(ctx, id, func(l *loaded) error {
		t, ts := l.pb.Task(task), l.st.Tasks[task]
		if t == nil {
			return fmt.Errorf("run %d has no task %q", id, task)
		}
		if t.Type != TypeManual || ts == nil || ts.Status != taskWaiting {
			return fmt.Errorf("run %d, task %s: %w", id, task, ErrNotWaiting)
		}
		if len(t.Options) > 0 && !slices.Contains(t.Options, answer) {
			return fmt.Errorf("run %d, task %s: answer %q: want one of %s", id, task, answer, strings.Join(t.Options, ", "))
		}
		ts.Status, ts.By, ts.Finished, ts.Branch = taskDone, by, e.now(), answer
		ts.Output = map[string]any{"answer": answer, "by": by, "comment": comment}
		l.st.Queue = append(slices.Clone(l.st.Queue[1:]), t.Next[answer]...)
		if answer == "" || len(t.Next[answer]) == 0 {
			l.st.Queue = append(l.st.Queue, t.Next[""]...)
		}
		l.run.Status = RunRunning
		incident, pbName = l.run.IncidentID, l.pb.Name
		return nil
	})
	if err != nil {
		return err
	}
	if _, err := e.Incidents.Append(ctx, incident, journal.KindAction, by, map[string]any{"run": id, "playbook": pbName, "task": task,
		"answered": answer, "comment": comment}); err != nil {
		return err
	}
	e.poke()
	return nil
}

// Waiting is a manual task waiting for an answer.
type Waiting struct {
	Run      int64
	Incident int64
	Playbook string
	Task     string
	Prompt   string
	Options  []string
	Assignee string
	Since    time.Time
}

// Waiting lists the manual tasks waiting for an answer.
func (e *Engine) Waiting(ctx context.Context) ([]Waiting, error) {
	runs, err := e.Runs.ListRuns(ctx, store.RunFilter{Status: []string{RunWaiting}})
	if err != nil {
		return nil, err
	}
	var out []Waiting
	for _, r := range runs {
		var st state
		if err := json.Unmarshal(r.State, &st); err != nil {
			continue
		}
		for id, ts := range st.Tasks {
			if ts.Status == taskWaiting && ts.Prompt != "" {
				out = append(out, Waiting{Run: r.ID, Incident: r.IncidentID, Playbook: r.Playbook, Task: id, Prompt: ts.Prompt,
					Options: ts.Options, Assignee: ts.Assignee, Since: ts.Started})
			}
		}
	}
	return out, nil
}

// TaskView is one task of a run as reports show it.
type TaskView struct {
	ID, Type, Action, Status, Branch, Error, By string
	Attempts                                    int
	Started, Finished                           time.Time
	Output                                      any
}

// Tasks returns run's tasks in playbook order, with what each did.
func Tasks(run *store.PlaybookRun) ([]TaskView, error) {
	pb, err := Parse(run.Source, nil)
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(run.State, &st); err != nil {
		return nil, err
	}
	var out []TaskView
	for _, t := range pb.Tasks {
		v := TaskView{ID: t.ID, Type: t.Type, Action: t.Action, Status: "not reached"}
		if ts := st.Tasks[t.ID]; ts != nil {
			v.Status, v.Branch, v.Error, v.By, v.Attempts, v.Started, v.Finished, v.Output =
				ts.Status, ts.Branch, ts.Error, ts.By, ts.Attempts, ts.Started, ts.Finished, ts.Output
		}
		out = append(out, v)
	}
	return out, nil
}

func (e *Engine) poke() {
	e.mu.Lock()
	w := e.wake
	e.mu.Unlock()
	if w != nil {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// Resume drives every running run this engine is not already driving, each in its own
// goroutine, after handing any sub-playbook that ended unheard to its parent.
func (e *Engine) Resume(ctx context.Context, wg *sync.WaitGroup) error {
	if err := e.repair(ctx); err != nil {
		return err
	}
	runs, err := e.Runs.ListRuns(ctx, store.RunFilter{Status: []string{RunRunning}})
	if err != nil {
		return err
	}
	for _, r := range runs {
		e.mu.Lock()
		busy := e.active[r.ID]
		e.mu.Unlock()
		if busy {
			continue
		}
		wg.Add(1)
		go func(id int64) {
			defer wg.Done()
			if err := e.Drive(ctx, id); err != nil && ctx.Err() == nil {
				e.log().Error("playbook run", "run", id, "error", err.Error())
			}
		}(r.ID)
	}
	return nil
}

// Serve resumes runs (at start, when poked, and every poll) and fires cron triggers until ctx
// ends; it then waits for the runs it drives to stop at their next step.
func (e *Engine) Serve(ctx context.Context, poll time.Duration) error {
	if poll <= 0 {
		poll = DefaultPoll
	}
	e.mu.Lock()
	e.wake = make(chan struct{}, 1)
	e.mu.Unlock()
	var wg sync.WaitGroup
	defer wg.Wait()
	next := map[string]time.Time{}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		if err := e.Resume(ctx, &wg); err != nil && ctx.Err() == nil {
			e.log().Error("resuming playbook runs", "error", err.Error())
		}
		e.cron(ctx, next)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-e.wake:
		}
	}
}

// cron starts the playbooks whose schedule came due, each on a new incident.
func (e *Engine) cron(ctx context.Context, next map[string]time.Time) {
	now := e.now()
	for name, pb := range e.Library {
		for i, tr := range pb.Triggers {
			if tr.schedule == nil {
				continue
			}
			k := fmt.Sprintf("%s/%d", name, i)
			due, ok := next[k]
			if !ok {
				next[k] = tr.schedule.Next(now)
				continue
			}
			if now.Before(due) {
				continue
			}
			next[k] = tr.schedule.Next(now)
			inc := &store.Incident{Name: pb.Name + " (scheduled)", Type: "job", Labels: []string{"playbook:" + pb.Name}}
			if err := e.Incidents.Open(ctx, inc, e.actor()); err != nil {
				e.log().Error("scheduled playbook", "playbook", name, "error", err.Error())
				continue
			}
			if _, err := e.Start(ctx, pb, inc.ID, nil, ""); err != nil {
				e.log().Error("scheduled playbook", "playbook", name, "error", err.Error())
			}
		}
	}
}

// Triggered starts every playbook of the library triggered by inc's type or labels and
// returns the runs.
func (e *Engine) Triggered(ctx context.Context, inc *store.Incident, alert any, actor string) ([]*store.PlaybookRun, error) {
	var runs []*store.PlaybookRun
	names := make([]string, 0, len(e.Library))
	for n := range e.Library {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		pb := e.Library[n]
		for _, tr := range pb.Triggers {
			if (tr.IncidentType != "" && strings.EqualFold(tr.IncidentType, inc.Type)) || (tr.Label != "" && slices.Contains(inc.Labels, tr.Label)) {
				run, err := e.Start(ctx, pb, inc.ID, alert, actor)
				if err != nil {
					return runs, err
				}
				runs = append(runs, run)
				break
			}
		}
	}
	return runs, nil
}

// lastAlert is the payload of the last alert journaled on an incident, or nil.
func (e *Engine) lastAlert(ctx context.Context, id int64) (any, error) {
	entries, err := e.Incidents.Store.Journal(ctx, id)
	if err != nil {
		return nil, err
	}
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].Kind != journal.KindAlert {
			continue
		}
		var b struct {
			Alert struct {
				Payload any `json:"payload"`
			} `json:"alert"`
		}
		if json.Unmarshal(entries[i].Body, &b) == nil && b.Alert.Payload != nil {
			return b.Alert.Payload, nil
		}
	}
	return nil, nil
}

// subPlaybook runs a playbook task. The task is marked waiting (the run still running) before
// the child run is stored, and the run waits only once the child is recorded on the task; a
// run resumed in between finds the child it had started by its parent reference, or starts it.
func (e *Engine) subPlaybook(ctx context.Context, l *loaded, t *Task, ts *taskState, inc *store.Incident) error {
	if ts.Status == taskWaiting && ts.Child != 0 {
		l.run.Status = RunWaiting
		return e.save(ctx, l)
	}
	var child int64
	if ts.Status == taskWaiting { // stopped after marking the task: was the child stored?
		runs, err := e.Runs.ListRuns(ctx, store.RunFilter{IncidentID: l.run.IncidentID})
		if err != nil {
			return err
		}
		for _, r := range runs {
			var st state
			if json.Unmarshal(r.State, &st) == nil && st.Parent != nil && st.Parent.Run == l.run.ID && st.Parent.Task == t.ID {
				child = r.ID
			}
		}
	}
	if child == 0 {
		sub := e.Library[t.Playbook]
		if sub == nil {
			return e.fail(ctx, l, t, ts, fmt.Errorf("no playbook %q in the library", t.Playbook))
		}
		args, err := evalArgs(anyMap(t.With), e.context(inc, l.st, l.run.ID))
		if err != nil {
			return e.fail(ctx, l, t, ts, err)
		}
		if ts.Status != taskWaiting {
			ts.Status, ts.Started = taskWaiting, e.now()
			if err := e.save(ctx, l); err != nil {
				return err
			}
		}
		run, err := e.start(ctx, sub, inc.ID, l.st.Alert, args.(map[string]any), &parentRef{Run: l.run.ID, Task: t.ID}, "")
		if err != nil {
			return e.childDone(ctx, l.run.ID, t.ID, nil, err)
		}
		child = run.ID
	}
	err := e.update(ctx, l.run.ID, func(p *loaded) error {
		pts := p.st.Tasks[t.ID]
		if pts == nil || pts.Status != taskWaiting {
			return errNoChange // the child ended already and resumed this run
		}
		pts.Child = child
		p.run.Status = RunWaiting
		return nil
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return err
	}
	cl, err := e.load(ctx, child)
	if err != nil {
		return err
	}
	if cl.run.Status == RunDone || cl.run.Status == RunFailed || cl.run.Status == RunCancelled {
		return e.tellParent(ctx, cl) // it ended before this run heard
	}
	return e.Drive(ctx, child) // its end resumes this run, which Drive's loop then reloads
}
