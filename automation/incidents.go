// Package automation is hunch's Demisto side: incidents with a tamper-evident journal (package
// automation/journal), and — growing on them — playbooks, evidence, chat and reports. The
// journal of every incident records who did what and when; Verify tells whether anyone changed
// it behind hunch's back.
package automation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/store"
)

// Statuses an incident moves through, as XSOAR names them.
var Statuses = []string{"pending", "active", "done", "archived", "on hold"}

// Severities by name, on XSOAR's scale.
var Severities = map[string]float64{"unknown": 0, "info": 0.5, "low": 1, "medium": 2, "high": 3, "critical": 4}

// ParseSeverity reads a severity name or number (0, 0.5, 1…4).
func ParseSeverity(s string) (float64, error) {
	if v, ok := Severities[strings.ToLower(strings.TrimSpace(s))]; ok {
		return v, nil
	}
	var f float64
	if _, err := fmt.Sscanf(s, "%g", &f); err == nil {
		for _, v := range Severities {
			if v == f {
				return f, nil
			}
		}
	}
	return 0, fmt.Errorf("severity %q: want unknown, info, low, medium, high, critical or 0, 0.5, 1, 2, 3, 4", s)
}

// SeverityName is the name of a severity value.
func SeverityName(v float64) string {
	for n, x := range Severities {
		if x == v {
			return n
		}
	}
	return fmt.Sprint(v)
}

// Incidents opens incidents and keeps their journals.
type Incidents struct {
	Store store.Cases
	// Chain hashes the journal; its Key is the server's journal secret.
	Chain journal.Chain
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

func (s *Incidents) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Open stores inc (status pending when empty) and journals its creation by actor.
func (s *Incidents) Open(ctx context.Context, inc *store.Incident, actor string) error {
	if inc.Status == "" {
		inc.Status = "pending"
	}
	if !slices.Contains(Statuses, inc.Status) {
		return fmt.Errorf("status %q: want one of %s", inc.Status, strings.Join(Statuses, ", "))
	}
	if strings.TrimSpace(inc.Name) == "" {
		return fmt.Errorf("an incident needs a name")
	}
	inc.Created = s.now()
	if err := s.Store.CreateIncident(ctx, inc); err != nil {
		return err
	}
	_, err := s.Append(ctx, inc.ID, journal.KindStatus, actor, map[string]any{"opened": map[string]any{
		"name": inc.Name, "type": inc.Type, "severity": inc.Severity, "status": inc.Status, "owner": inc.Owner, "labels": inc.Labels}})
	return err
}

// Append adds an entry to incident id's journal.
func (s *Incidents) Append(ctx context.Context, id int64, kind, actor string, body any) (store.JournalEntry, error) {
	at := s.now()
	return s.Store.AppendJournal(ctx, id, func(last *store.JournalEntry) (store.JournalEntry, error) {
		var prev *journal.Entry
		if last != nil {
			p := toEntry(*last)
			prev = &p
			if at.Before(last.Time) {
				at = last.Time // a clock stepping back keeps the journal in time order
			}
		}
		e, err := s.Chain.Next(prev, at, kind, actor, body)
		if err != nil {
			return store.JournalEntry{}, err
		}
		return store.JournalEntry{Seq: e.Seq, Time: e.Time, Kind: e.Kind, Actor: e.Actor, Body: e.Body, Prev: e.Prev, Hash: e.Hash}, nil
	})
}

func toEntry(e store.JournalEntry) journal.Entry {
	return journal.Entry{Seq: e.Seq, Time: e.Time, Kind: e.Kind, Actor: e.Actor, Body: json.RawMessage(e.Body), Prev: e.Prev, Hash: e.Hash}
}

// Note journals an analyst's note.
func (s *Incidents) Note(ctx context.Context, id int64, actor, text string) (store.JournalEntry, error) {
	if strings.TrimSpace(text) == "" {
		return store.JournalEntry{}, fmt.Errorf("an empty note")
	}
	return s.Append(ctx, id, journal.KindNote, actor, map[string]string{"text": text})
}

// Change is a change to an incident's fields; nil fields stay as they are.
//
// An incident is linked to intel events by labels IntelEventLabel makes.
type Change struct {
	Status   *string
	Severity *float64
	Owner    *string
	// AddLabels are labels to add (those it has already are skipped).
	AddLabels []string
}

// Update applies ch to incident id and journals what changed, from and to.
func (s *Incidents) Update(ctx context.Context, id int64, actor string, ch Change) (*store.Incident, error) {
	inc, err := s.Store.Incident(ctx, id)
	if err != nil {
		return nil, err
	}
	diff := map[string][2]any{}
	if ch.Status != nil && *ch.Status != inc.Status {
		if !slices.Contains(Statuses, *ch.Status) {
			return nil, fmt.Errorf("status %q: want one of %s", *ch.Status, strings.Join(Statuses, ", "))
		}
		diff["status"] = [2]any{inc.Status, *ch.Status}
		inc.Status = *ch.Status
	}
	if ch.Severity != nil && *ch.Severity != inc.Severity {
		diff["severity"] = [2]any{inc.Severity, *ch.Severity}
		inc.Severity = *ch.Severity
	}
	if ch.Owner != nil && *ch.Owner != inc.Owner {
		diff["owner"] = [2]any{inc.Owner, *ch.Owner}
		inc.Owner = *ch.Owner
	}
	var added []string
	for _, l := range ch.AddLabels {
		if l != "" && !slices.Contains(inc.Labels, l) && !slices.Contains(added, l) {
			added = append(added, l)
		}
	}
	if len(added) > 0 {
		diff["labels"] = [2]any{slices.Clone(inc.Labels), append(slices.Clone(inc.Labels), added...)}
		inc.Labels = append(inc.Labels, added...)
	}
	if len(diff) == 0 {
		return inc, nil
	}
	inc.Updated = s.now()
	if err := s.Store.UpdateIncident(ctx, inc); err != nil {
		return nil, err
	}
	if _, err := s.Append(ctx, id, journal.KindStatus, actor, map[string]any{"changed": diff}); err != nil {
		return nil, err
	}
	return s.Store.Incident(ctx, id)
}

// Verify checks incident id's journal against its hashes and the head the incident keeps.
func (s *Incidents) Verify(ctx context.Context, id int64) (entries int, problems []journal.Problem, err error) {
	inc, err := s.Store.Incident(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	stored, err := s.Store.Journal(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	es := make([]journal.Entry, len(stored))
	for i, e := range stored {
		es[i] = toEntry(e)
	}
	return len(es), s.Chain.Verify(es, &journal.Head{Count: inc.JournalCount, Hash: inc.JournalHead}), nil
}

// DefaultMaxEvidenceBytes bounds one piece of evidence.
const DefaultMaxEvidenceBytes = 64 << 20

// AddEvidence keeps content (a file's bytes or a value) with incident id: its SHA-256, size, who and when are
// journaled, and the evidence row names that journal entry.
func (s *Incidents) AddEvidence(ctx context.Context, id int64, actor, kind, name string, content []byte) (*store.Evidence, error) {
	if kind != "file" && kind != "value" {
		return nil, fmt.Errorf("evidence kind %q: want file or value", kind)
	}
	if strings.TrimSpace(name) == "" {
		return nil, fmt.Errorf("evidence needs a name")
	}
	if len(content) > DefaultMaxEvidenceBytes {
		return nil, fmt.Errorf("evidence %s: %d bytes, more than the limit of %d", name, len(content), DefaultMaxEvidenceBytes)
	}
	sum := sha256.Sum256(content)
	ev := &store.Evidence{IncidentID: id, Kind: kind, Name: name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(content)),
		Content: content, Actor: actor}
	body := map[string]any{"evidence": map[string]any{"kind": kind, "name": name, "sha256": ev.SHA256, "size": ev.Size}}
	if kind == "value" && len(content) <= 4096 {
		body["evidence"].(map[string]any)["value"] = string(content)
	}
	e, err := s.Append(ctx, id, journal.KindEvidence, actor, body)
	if err != nil {
		return nil, err
	}
	ev.Entry, ev.Created = e.Seq, e.Time
	if err := s.Store.AddEvidence(ctx, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// MayWork reports whether u may change incidents (open, note, answer tasks, start playbooks): an enabled user whose
// role may add events, on a key that is not read-only. Every user may read them. The API and the web UI both ask
// here.
func MayWork(u acl.User) bool {
	return !u.Disabled && !u.ReadOnlyKey && u.EffectiveRole().PermAdd
}

// IntelEventLabel is the label linking an incident to an intel event (by UUID).
func IntelEventLabel(uuid string) string { return "intel-event:" + uuid }

// EntryText shows a journal entry's body in a line: a note's text as it is, anything else as
// compact JSON (an alert without its payload), cut at max bytes.
func EntryText(body []byte, max int) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return string(body)
	}
	if t, ok := m["text"].(string); ok && len(m) == 1 {
		return t
	}
	if a, ok := m["alert"].(map[string]any); ok {
		delete(a, "payload")
	}
	b, _ := json.Marshal(m)
	s := string(b)
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
