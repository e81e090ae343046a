// Package chat is hunch's chat bot, independent of the chat system: it reads the messages of
// the channels it was invited to, answers commands (!ip, !url, !domain, !file, !email,
// !verbose) with reputation lines, works incidents (!incident new, show, note, assign,
// severity, close — journaled with the speaker as actor), starts playbooks and answers their manual tasks
// (!playbook, !task), and — in channels where verbose is on — extracts the
// indicators of every message with the ioc scanner and answers with their reputation, one line
// per indicator in one reply. Transports (chat/irc) carry messages in and replies out.
package chat

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/playbook"
	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
	"github.com/hunchsec/hunch/pipeline/pivot"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/store"
)

// Message is one chat message.
type Message struct {
	Channel string // where it was said ("" or the bot's nick for a private message)
	Nick    string // who said it
	Text    string
}

// Reputation answers one line per indicator, in the order given.
type Reputation func(ctx context.Context, inds []enrich.Indicator) ([]string, error)

// DefaultMaxIndicators bounds the indicators one message may ask about.
const DefaultMaxIndicators = 50

// Bot decides what to answer.
type Bot struct {
	Rep Reputation
	// Incidents, when set, enables the !incident commands; what they do is journaled with the
	// speaker as actor ("chat:<nick>").
	Incidents *automation.Incidents
	// Playbooks, when set, enables !playbook run and !task list|done: a run started here is
	// driven by the server's engine (hunch serve), which also continues a run once its manual
	// task is answered.
	Playbooks *playbook.Engine
	// Pivot, when set, enables !pivot KIND VALUE [FUNCTION [ARGS…]]: it runs a function of the
	// pivot registry (package pipeline/pivot) and returns its records.
	Pivot func(ctx context.Context, kind, value, function string, args []string) ([]record.Record, error)
	// Extractor finds indicators (ioc's defaults when nil).
	Extractor *ioc.Extractor
	// MaxIndicators bounds the indicators answered per message; default DefaultMaxIndicators.
	MaxIndicators int

	mu      sync.Mutex
	verbose map[string]bool
}

// commands maps a command to the indicator types it accepts.
var commands = map[string][]ioc.Type{
	"!ip":     {ioc.IPv4, ioc.IPv6},
	"!url":    {ioc.URL},
	"!domain": {ioc.Domain},
	"!file":   {ioc.MD5, ioc.SHA1, ioc.SHA256, ioc.SHA512},
	"!email":  {ioc.Email},
}

// Help is the bot's answer to !help.
var Help = "hunch: !ip !url !domain !file !email VALUE… for reputation; !verbose on|off to answer every indicator said here; " +
	"!incident new NAME | show N | note N TEXT | assign N NICK | severity N LEVEL | close N; " +
	"!playbook list | run NAME INCIDENT; !task list | done RUN TASK [ANSWER] [COMMENT…]; " +
	"!pivot KIND VALUE [FUNCTION] (kinds: " + strings.Join(pivot.Kinds, ", ") + "); !help"

// SetVerbose turns indicator answers on or off for a channel.
func (b *Bot) SetVerbose(channel string, on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.verbose == nil {
		b.verbose = map[string]bool{}
	}
	b.verbose[strings.ToLower(channel)] = on
}

func (b *Bot) isVerbose(channel string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.verbose[strings.ToLower(channel)]
}

// extractor returns the bot's extractor, made on first use under the bot's lock: transports
// handle messages concurrently.
func (b *Bot) extractor() (*ioc.Extractor, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Extractor != nil {
		return b.Extractor, nil
	}
	ex, err := ioc.NewExtractor(ioc.Options{})
	if err != nil {
		return nil, err
	}
	b.Extractor = ex
	return ex, nil
}

// Handle returns the lines to answer m with (none for a message that needs no answer).
func (b *Bot) Handle(ctx context.Context, m Message) ([]string, error) {
	text := strings.TrimSpace(m.Text)
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return nil, nil
	}
	cmd := strings.ToLower(fields[0])
	switch {
	case cmd == "!help":
		return []string{Help}, nil
	case cmd == "!verbose":
		if len(fields) != 2 || (fields[1] != "on" && fields[1] != "off") {
			return []string{"usage: !verbose on|off"}, nil
		}
		b.SetVerbose(m.Channel, fields[1] == "on")
		return []string{fmt.Sprintf("verbose is %s in %s", fields[1], m.Channel)}, nil
	case commands[cmd] != nil:
		if len(fields) < 2 {
			return []string{"usage: " + cmd + " VALUE…"}, nil
		}
		inds, bad, err := b.indicators(strings.Join(fields[1:], " "), commands[cmd])
		if err != nil {
			return nil, err
		}
		var out []string
		for _, v := range bad {
			out = append(out, fmt.Sprintf("%s: not %s", v, strings.TrimPrefix(cmd, "!")))
		}
		if len(inds) == 0 {
			return out, nil
		}
		lines, err := b.Rep(ctx, inds)
		return append(out, lines...), err
	case cmd == "!incident" && b.Incidents != nil:
		return b.incident(ctx, m, fields[1:])
	case cmd == "!playbook" && b.Playbooks != nil:
		return b.playbook(ctx, m, fields[1:])
	case cmd == "!task" && b.Playbooks != nil:
		return b.task(ctx, m, fields[1:])
	case cmd == "!pivot" && b.Pivot != nil:
		return b.pivot(ctx, fields[1:])
	case strings.HasPrefix(cmd, "!"):
		return nil, nil // another bot's command
	}
	if !b.isVerbose(m.Channel) {
		return nil, nil
	}
	inds, _, err := b.indicators(text, nil)
	if err != nil || len(inds) == 0 {
		return nil, err
	}
	return b.Rep(ctx, inds)
}

// incident runs an !incident command.
func (b *Bot) incident(ctx context.Context, m Message, args []string) ([]string, error) {
	usage := []string{"usage: !incident new NAME | show N | note N TEXT | assign N NICK | severity N LEVEL | close N"}
	if len(args) < 2 {
		return usage, nil
	}
	actor := "chat:" + m.Nick
	if args[0] == "new" {
		inc := &store.Incident{Name: strings.Join(args[1:], " "), Labels: []string{"chat:" + m.Channel}}
		if err := b.Incidents.Open(ctx, inc, actor); err != nil {
			return []string{"error: " + err.Error()}, nil
		}
		return []string{fmt.Sprintf("incident %d opened: %s", inc.ID, inc.Name)}, nil
	}
	id, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil {
		return usage, nil
	}
	var ch automation.Change
	switch args[0] {
	case "show":
		inc, err := b.Incidents.Store.Incident(ctx, id)
		if err != nil {
			return []string{"error: " + err.Error()}, nil
		}
		return []string{summary(inc)}, nil
	case "note":
		if len(args) < 3 {
			return usage, nil
		}
		e, err := b.Incidents.Note(ctx, id, actor, strings.Join(args[2:], " "))
		if err != nil {
			return []string{"error: " + err.Error()}, nil
		}
		return []string{fmt.Sprintf("incident %d: note %d journaled", id, e.Seq)}, nil
	case "assign":
		if len(args) != 3 {
			return usage, nil
		}
		ch.Owner = &args[2]
	case "severity":
		if len(args) != 3 {
			return usage, nil
		}
		v, err := automation.ParseSeverity(args[2])
		if err != nil {
			return []string{"error: " + err.Error()}, nil
		}
		ch.Severity = &v
	case "close":
		done := "done"
		ch.Status = &done
	default:
		return usage, nil
	}
	inc, err := b.Incidents.Update(ctx, id, actor, ch)
	if err != nil {
		return []string{"error: " + err.Error()}, nil
	}
	return []string{summary(inc)}, nil
}

func summary(inc *store.Incident) string {
	owner := inc.Owner
	if owner == "" {
		owner = "nobody"
	}
	return fmt.Sprintf("incident %d: %s — %s, %s, owner %s, %d journal entries", inc.ID, inc.Name,
		automation.SeverityName(inc.Severity), inc.Status, owner, inc.JournalCount)
}

// indicators finds the indicators in text (of types, when given), each once; with types, the
// words that are none of them are returned in bad.
func (b *Bot) indicators(text string, types []ioc.Type) (inds []enrich.Indicator, bad []string, err error) {
	ex, err := b.extractor()
	if err != nil {
		return nil, nil, err
	}
	limit := b.MaxIndicators
	if limit <= 0 {
		limit = DefaultMaxIndicators
	}
	seen := map[enrich.Indicator]bool{}
	add := func(t ioc.Type, v string) {
		i := enrich.Indicator{Type: t, Value: v}
		if !seen[i] && len(inds) < limit {
			seen[i] = true
			inds = append(inds, i)
		}
	}
	if types == nil {
		for _, m := range ex.Extract(text) {
			add(m.Type, m.Value)
		}
		return inds, nil, nil
	}
	for _, w := range strings.Fields(text) {
		found := false
		for _, m := range ex.Extract(w) {
			if slices.Contains(types, m.Type) && m.Start == 0 && m.End == len(w) {
				add(m.Type, m.Value)
				found = true
				break
			}
		}
		if !found {
			bad = append(bad, w)
		}
	}
	return inds, bad, nil
}

// playbook runs a !playbook command.
func (b *Bot) playbook(ctx context.Context, m Message, args []string) ([]string, error) {
	usage := []string{"usage: !playbook list | run NAME INCIDENT"}
	switch {
	case len(args) == 1 && args[0] == "list":
		names := make([]string, 0, len(b.Playbooks.Library))
		for n := range b.Playbooks.Library {
			names = append(names, n)
		}
		slices.Sort(names)
		if len(names) == 0 {
			return []string{"no playbooks in the library"}, nil
		}
		return []string{"playbooks: " + strings.Join(names, ", ")}, nil
	case len(args) == 3 && args[0] == "run":
		pb := b.Playbooks.Library[args[1]]
		if pb == nil {
			return []string{fmt.Sprintf("no playbook %q (!playbook list)", args[1])}, nil
		}
		id, err := strconv.ParseInt(args[2], 10, 64)
		if err != nil {
			return usage, nil
		}
		run, err := b.Playbooks.Start(ctx, pb, id, nil, "chat:"+m.Nick)
		if err != nil {
			return []string{"error: " + err.Error()}, nil
		}
		return []string{fmt.Sprintf("run %d: %s started on incident %d", run.ID, pb.Name, id)}, nil
	}
	return usage, nil
}

// task runs a !task command.
func (b *Bot) task(ctx context.Context, m Message, args []string) ([]string, error) {
	usage := []string{"usage: !task list | done RUN TASK [ANSWER] [COMMENT…]"}
	switch {
	case len(args) == 1 && args[0] == "list":
		ws, err := b.Playbooks.Waiting(ctx)
		if err != nil {
			return nil, err
		}
		if len(ws) == 0 {
			return []string{"no task is waiting"}, nil
		}
		var out []string
		for _, w := range ws {
			line := fmt.Sprintf("run %d task %s (incident %d): %s", w.Run, w.Task, w.Incident, w.Prompt)
			if len(w.Options) > 0 {
				line += " [" + strings.Join(w.Options, "|") + "]"
			}
			out = append(out, line)
		}
		return out, nil
	case len(args) >= 3 && args[0] == "done":
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			return usage, nil
		}
		answer, comment := "", ""
		if len(args) > 3 {
			answer = args[3]
		}
		if len(args) > 4 {
			comment = strings.Join(args[4:], " ")
		}
		if err := b.Playbooks.Complete(ctx, id, args[2], answer, "chat:"+m.Nick, comment); err != nil {
			return []string{"error: " + err.Error()}, nil
		}
		line := fmt.Sprintf("run %d: task %s done", id, args[2])
		if answer != "" {
			line += " (" + answer + ")"
		}
		return []string{line + ", by " + m.Nick}, nil
	}
	return usage, nil
}

// ReadPost reads the body of a POST a chat system sends a transport's endpoint, at most max
// bytes; anything else is answered (405, 413) and ok is false.
func ReadPost(w http.ResponseWriter, r *http.Request, max int64) (body []byte, ok bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	return body, true
}

// DefaultPivotLines bounds the lines a !pivot answers with.
const DefaultPivotLines = 20

// pivot runs a !pivot command: the functions for an entity, or one of them (not a response
// action, which needs its confirmation elsewhere).
func (b *Bot) pivot(ctx context.Context, args []string) ([]string, error) {
	if len(args) < 2 {
		return []string{"usage: !pivot KIND VALUE [FUNCTION [ARGS…]] — kinds: " + strings.Join(pivot.Kinds, ", ")}, nil
	}
	kind, value := args[0], args[1]
	v, err := pivot.Check(kind, value)
	if err != nil {
		return []string{"error: " + err.Error()}, nil
	}
	reg := pivot.Default()
	if len(args) == 2 {
		var names []string
		for _, f := range reg.For(kind) {
			n := f.Name
			if f.Destructive {
				n += "*"
			}
			names = append(names, n)
		}
		return []string{fmt.Sprintf("%s %s: %s (* response actions: hunch respond, or a playbook)", kind, v, strings.Join(names, " "))}, nil
	}
	f := reg.Get(kind, args[2])
	switch {
	case f == nil:
		return []string{fmt.Sprintf("no pivot %q for %s (!pivot %s %s lists them)", args[2], kind, kind, v)}, nil
	case f.Destructive:
		return []string{f.Name + " is a response action: run it with hunch respond, or in a playbook, with its confirmation"}, nil
	}
	recs, err := b.Pivot(ctx, kind, v, f.Name, args[3:])
	if err != nil {
		return []string{"error: " + err.Error()}, nil
	}
	if len(recs) == 0 {
		return []string{fmt.Sprintf("%s %s %s: nothing", kind, v, f.Name)}, nil
	}
	var out []string
	for i, r := range recs {
		if i == DefaultPivotLines {
			out = append(out, fmt.Sprintf("… %d more (hunch pivot %s %s %s)", len(recs)-i, kind, v, f.Name))
			break
		}
		var parts []string
		for _, fl := range r.Fields() {
			if t := fl.Value.Text(); t != "" && len(parts) < 8 && fl.Name != "raw" && fl.Name != "results" {
				parts = append(parts, fl.Name+"="+t)
			}
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out, nil
}
