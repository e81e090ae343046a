// Package playbook runs hunch's playbooks: YAML files of tasks (actions, conditions, manual
// tasks that wait for a person, sub-playbooks and section titles) joined by named branches, with
// inputs taken from the incident by expressions, for-each loops, retries, timeouts and an error
// branch. The executor keeps every run's state in the store (store.Playbooks) after each step,
// so a restarted server resumes what was running; each action runs under an idempotency key and
// is not run again once its completion is recorded. Every action, its output, every wait and
// every answer is journaled on the incident.
//
// The schema is documented in docs/automation.md ("Playbooks"); Parse checks a file against it
// and Check is what `hunch playbook check` prints.
package playbook

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"

	"go.yaml.in/yaml/v3"
)

// Task types.
const (
	TypeAction    = "action"
	TypeCondition = "condition"
	TypeManual    = "manual"
	TypePlaybook  = "playbook"
	TypeTitle     = "title"
)

// Limits of a playbook file.
const (
	DefaultMaxBytes = 1 << 20
	DefaultMaxTasks = 500
)

// Playbook is a parsed, checked playbook.
type Playbook struct {
	Name        string    `yaml:"name"`
	Description string    `yaml:"description"`
	Triggers    []Trigger `yaml:"triggers"`
	// Inputs are evaluated once when a run starts, against the incident (and the alert that
	// started it); tasks see them as .inputs.NAME.
	Inputs []Input `yaml:"inputs"`
	// Start is the first task; the first task listed when empty.
	Start string  `yaml:"start"`
	Tasks []*Task `yaml:"tasks"`

	// Source is the file's text, kept with every run.
	Source []byte `yaml:"-"`
	byID   map[string]*Task
}

// Trigger says when a playbook starts by itself: on a new incident of a type or with a label,
// on a cron schedule (opening an incident for the run), or on a call of its webhook.
type Trigger struct {
	IncidentType string `yaml:"incident_type"`
	Label        string `yaml:"label"`
	Cron         string `yaml:"cron"`
	Webhook      bool   `yaml:"webhook"`

	schedule *Schedule
}

// Input is a named value computed when a run starts.
type Input struct {
	Name     string `yaml:"name"`
	Value    string `yaml:"value"`
	Required bool   `yaml:"required"`
}

// Task is one step.
type Task struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	Type string `yaml:"type"`

	// Action and With: what an action task does, with which arguments (expressions).
	Action string         `yaml:"action"`
	With   map[string]any `yaml:"with"`
	// ForEach runs the action once per item of a list (an expression giving a list); the
	// task's output is then {results: [...]}, and .item and .index are the current item.
	ForEach string `yaml:"for_each"`
	// Retries, RetryDelay and Timeout bound each attempt of an action.
	Retries    int      `yaml:"retries"`
	RetryDelay Duration `yaml:"retry_delay"`
	Timeout    Duration `yaml:"timeout"`
	// OnError is the task run when the action fails for good; without it the run fails.
	OnError string `yaml:"on_error"`

	// Cases of a condition: the first whose When is true picks its branch; "else" otherwise.
	Cases []Case `yaml:"cases"`

	// Prompt, Options, Channel and Assignee of a manual task: what is asked, the answers
	// (branches) allowed, the chat channel it is announced in, and who should answer.
	Prompt   string   `yaml:"prompt"`
	Options  []string `yaml:"options"`
	Channel  string   `yaml:"channel"`
	Assignee string   `yaml:"assignee"`

	// Playbook is the sub-playbook a playbook task runs (by name); With are its inputs.
	Playbook string `yaml:"playbook"`

	// Next lists the tasks that follow, by branch ("" for a task without branches).
	Next Next `yaml:"next"`
}

// Case is one branch of a condition.
type Case struct {
	Branch string `yaml:"branch"`
	When   string `yaml:"when"`
}

// Next maps a branch to the tasks that follow it. In YAML it is a task id, a list of ids, or
// a map from branch to an id or a list.
type Next map[string][]string

// UnmarshalYAML reads the three forms.
func (n *Next) UnmarshalYAML(v *yaml.Node) error {
	*n = Next{}
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Value != "" {
			(*n)[""] = []string{v.Value}
		}
		return nil
	case yaml.SequenceNode:
		var ids []string
		if err := v.Decode(&ids); err != nil {
			return err
		}
		(*n)[""] = ids
		return nil
	case yaml.MappingNode:
		for i := 0; i+1 < len(v.Content); i += 2 {
			branch := v.Content[i].Value
			var ids []string
			switch val := v.Content[i+1]; val.Kind {
			case yaml.ScalarNode:
				ids = []string{val.Value}
			case yaml.SequenceNode:
				if err := val.Decode(&ids); err != nil {
					return err
				}
			default:
				return fmt.Errorf("line %d: next %q: want a task id or a list of them", val.Line, branch)
			}
			(*n)[branch] = ids
		}
		return nil
	}
	return fmt.Errorf("line %d: next: want a task id, a list, or a map of branches", v.Line)
}

// Duration is a time.Duration read from "30s", "5m" or "2h".
type Duration time.Duration

// UnmarshalYAML reads a Go duration.
func (d *Duration) UnmarshalYAML(v *yaml.Node) error {
	x, err := time.ParseDuration(v.Value)
	if err != nil || x < 0 {
		return fmt.Errorf("line %d: %q is not a duration such as 30s or 5m", v.Line, v.Value)
	}
	*d = Duration(x)
	return nil
}

// Task returns the task with id, or nil.
func (p *Playbook) Task(id string) *Task { return p.byID[id] }

// Parse reads and checks a playbook. actions lists the action names the executor knows (nil
// skips that check); every problem found is reported, one per line.
func Parse(src []byte, actions []string) (*Playbook, error) {
	if len(src) > DefaultMaxBytes {
		return nil, fmt.Errorf("playbook: %d bytes, more than the limit of %d", len(src), DefaultMaxBytes)
	}
	var p Playbook
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("playbook: %w", err)
	}
	p.Source = slices.Clone(src)
	if errs := p.check(actions); len(errs) > 0 {
		name := p.Name
		if name == "" {
			name = "playbook"
		}
		return nil, fmt.Errorf("%s: %d problems:\n  %s", name, len(errs), strings.Join(errs, "\n  "))
	}
	return &p, nil
}

// check validates the playbook and indexes its tasks.
func (p *Playbook) check(actions []string) []string {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	if strings.TrimSpace(p.Name) == "" {
		bad("no name")
	}
	if len(p.Tasks) == 0 {
		bad("no tasks")
	}
	if len(p.Tasks) > DefaultMaxTasks {
		bad("%d tasks, more than the limit of %d", len(p.Tasks), DefaultMaxTasks)
	}
	for i := range p.Triggers {
		t := &p.Triggers[i]
		n := 0
		for _, set := range []bool{t.IncidentType != "", t.Label != "", t.Cron != "", t.Webhook} {
			if set {
				n++
			}
		}
		if n != 1 {
			bad("trigger %d: give exactly one of incident_type, label, cron, webhook", i+1)
		}
		if t.Cron != "" {
			s, err := ParseSchedule(t.Cron)
			if err != nil {
				bad("trigger %d: %v", i+1, err)
			}
			t.schedule = s
		}
	}
	seenInput := map[string]bool{}
	for i, in := range p.Inputs {
		if !validID(in.Name) {
			bad("input %d: name %q: use letters, digits, _ and -", i+1, in.Name)
		}
		if seenInput[in.Name] {
			bad("input %q: given twice", in.Name)
		}
		seenInput[in.Name] = true
		if err := checkExpr(in.Value); err != nil {
			bad("input %q: %v", in.Name, err)
		}
	}
	p.byID = map[string]*Task{}
	for i, t := range p.Tasks {
		if t == nil {
			bad("task %d: empty", i+1)
			continue
		}
		if !validID(t.ID) {
			bad("task %d: id %q: use letters, digits, _ and -", i+1, t.ID)
			continue
		}
		if p.byID[t.ID] != nil {
			bad("task %q: id used twice", t.ID)
		}
		p.byID[t.ID] = t
	}
	if p.Start == "" && len(p.Tasks) > 0 && p.Tasks[0] != nil {
		p.Start = p.Tasks[0].ID
	}
	if p.Start != "" && p.byID[p.Start] == nil {
		bad("start: no task %q", p.Start)
	}
	for _, t := range p.Tasks {
		if t == nil || p.byID[t.ID] != t {
			continue
		}
		errs = append(errs, t.check(p, actions)...)
	}
	if len(errs) == 0 {
		if cyc := p.cycle(); cyc != nil {
			bad("tasks loop: %s (use for_each to repeat an action)", strings.Join(cyc, " → "))
		}
	}
	return errs
}

func (t *Task) check(p *Playbook, actions []string) []string {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, fmt.Sprintf("task %q: ", t.ID)+fmt.Sprintf(f, a...)) }
	branches := []string{""}
	only := func(field string, set bool, types ...string) {
		if set && !slices.Contains(types, t.Type) {
			bad("%s is for %s tasks", field, strings.Join(types, " and "))
		}
	}
	switch t.Type {
	case TypeAction:
		if t.Action == "" {
			bad("an action task needs action")
		} else if actions != nil && !slices.Contains(actions, t.Action) {
			bad("unknown action %q (known: %s)", t.Action, strings.Join(actions, ", "))
		}
	case TypeCondition:
		if len(t.Cases) == 0 {
			bad("a condition needs cases")
		}
		branches = nil
		for i, c := range t.Cases {
			if c.Branch == "" || c.Branch == "else" {
				bad("case %d: branch must be named, and not else", i+1)
			}
			if strings.TrimSpace(c.When) == "" {
				bad("case %d: no when", i+1)
			} else if err := checkExpr(c.When); err != nil {
				bad("case %d: %v", i+1, err)
			}
			branches = append(branches, c.Branch)
		}
		branches = append(branches, "else")
	case TypeManual:
		if strings.TrimSpace(t.Prompt) == "" {
			bad("a manual task needs a prompt")
		}
		if len(t.Options) > 0 {
			branches = append(branches, t.Options...)
		}
	case TypePlaybook:
		if t.Playbook == "" {
			bad("a playbook task needs playbook (a name)")
		}
	case TypeTitle:
	default:
		bad("type %q: want action, condition, manual, playbook or title", t.Type)
	}
	only("action", t.Action != "", TypeAction)
	only("for_each", t.ForEach != "", TypeAction)
	only("retries", t.Retries != 0, TypeAction)
	only("cases", len(t.Cases) > 0, TypeCondition)
	only("prompt", t.Prompt != "", TypeManual)
	only("options", len(t.Options) > 0, TypeManual)
	only("playbook", t.Playbook != "", TypePlaybook)
	only("with", len(t.With) > 0, TypeAction, TypePlaybook)
	if t.Retries < 0 || t.Retries > 100 {
		bad("retries %d: want 0 to 100", t.Retries)
	}
	if t.OnError != "" && p.byID[t.OnError] == nil {
		bad("on_error: no task %q", t.OnError)
	}
	for _, s := range append([]string{t.ForEach, t.Prompt, t.Channel}, withStrings(t.With)...) {
		if err := checkExpr(s); err != nil {
			bad("%v", err)
		}
	}
	for b, ids := range t.Next {
		if !slices.Contains(branches, b) {
			if b == "" {
				bad("next: name the branch (%s)", strings.Join(branches, ", "))
			} else {
				bad("next: no branch %q here (branches: %s)", b, strings.Join(nonEmpty(branches), ", "))
			}
		}
		for _, id := range ids {
			if p.byID[id] == nil {
				bad("next: no task %q", id)
			}
		}
	}
	return errs
}

func nonEmpty(s []string) []string {
	return slices.DeleteFunc(slices.Clone(s), func(x string) bool { return x == "" })
}

func withStrings(m map[string]any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, y := range x {
				walk(y)
			}
		case map[string]any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(m)
	return out
}

func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// successors lists every task that may follow t.
func (p *Playbook) successors(t *Task) []string {
	var out []string
	keys := make([]string, 0, len(t.Next))
	for b := range t.Next {
		keys = append(keys, b)
	}
	sort.Strings(keys)
	for _, b := range keys {
		out = append(out, t.Next[b]...)
	}
	if t.OnError != "" {
		out = append(out, t.OnError)
	}
	return out
}

// cycle returns a loop among the tasks, or nil.
func (p *Playbook) cycle() []string {
	const (
		unseen = iota
		open
		closed
	)
	mark := map[string]int{}
	var stack []string
	var visit func(id string) []string
	visit = func(id string) []string {
		mark[id] = open
		stack = append(stack, id)
		for _, n := range p.successors(p.byID[id]) {
			switch mark[n] {
			case open:
				i := slices.Index(stack, n)
				return append(slices.Clone(stack[i:]), n)
			case unseen:
				if c := visit(n); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		mark[id] = closed
		return nil
	}
	for _, t := range p.Tasks {
		if mark[t.ID] == unseen {
			if c := visit(t.ID); c != nil {
				return c
			}
		}
	}
	return nil
}

// checkExpr parses an expression: ${path} or a template.
func checkExpr(s string) error {
	if _, ok := pathRef(s); ok || !strings.Contains(s, "{{") {
		return nil
	}
	if _, err := template.New("").Funcs(funcs).Parse(s); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "template: :"))
	}
	return nil
}

// Summary describes p for `hunch playbook check`.
func (p *Playbook) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d tasks, starts at %s\n", p.Name, len(p.Tasks), p.Start)
	for _, tr := range p.Triggers {
		switch {
		case tr.IncidentType != "":
			fmt.Fprintf(&b, "  trigger: incidents of type %q\n", tr.IncidentType)
		case tr.Label != "":
			fmt.Fprintf(&b, "  trigger: incidents labelled %q\n", tr.Label)
		case tr.Cron != "":
			fmt.Fprintf(&b, "  trigger: cron %q\n", tr.Cron)
		case tr.Webhook:
			fmt.Fprintf(&b, "  trigger: webhook /api/playbooks/%s/webhook\n", p.Name)
		}
	}
	for _, in := range p.Inputs {
		fmt.Fprintf(&b, "  input %s = %s\n", in.Name, in.Value)
	}
	for _, t := range p.Tasks {
		what := t.Type
		switch t.Type {
		case TypeAction:
			what += " " + t.Action
			if t.ForEach != "" {
				what += " for each of " + t.ForEach
			}
		case TypeManual:
			what += " (" + strings.Join(t.Options, "/") + ")"
		case TypePlaybook:
			what += " " + t.Playbook
		}
		var next []string
		keys := make([]string, 0, len(t.Next))
		for k := range t.Next {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ids := strings.Join(t.Next[k], ", ")
			if k != "" {
				ids = k + ": " + ids
			}
			next = append(next, ids)
		}
		if t.OnError != "" {
			next = append(next, "error: "+t.OnError)
		}
		line := fmt.Sprintf("  %-16s %s", t.ID, what)
		if len(next) > 0 {
			line += " → " + strings.Join(next, "; ")
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
