package store

import (
	"context"
	"time"
)

// Incident is a case under investigation: what it is, how bad, where it stands, who has it, and the head of its
// journal (how many entries, the last one's hash), which lets a journal cut short at the end be noticed.
type Incident struct {
	ID       int64
	Name     string
	Type     string
	Severity float64 // 0 unknown, 0.5 informational, 1 low, 2 medium, 3 high, 4 critical
	Status   string  // pending, active, done, archived, on hold
	Owner    string
	Labels   []string
	Created  time.Time
	Updated  time.Time
	// JournalCount and JournalHead are kept by AppendJournal.
	JournalCount int64
	JournalHead  string
}

// JournalEntry is one stored journal entry of an incident (see package automation/journal for what the fields mean
// and how Hash is computed).
type JournalEntry struct {
	IncidentID int64
	Seq        int64
	Time       time.Time
	Kind       string
	Actor      string
	Body       []byte
	Prev       string
	Hash       string
}

// IncidentFilter selects incidents for ListIncidents.
type IncidentFilter struct {
	Status string // "" for every status
	Limit  int    // 0 for no limit
}

// Incidents persists incidents and their append-only journals.
type Incidents interface {
	// CreateIncident stores inc (Created and Updated stamped when zero) and sets its ID.
	CreateIncident(ctx context.Context, inc *Incident) error
	// Incident returns incident id, or an error wrapping ErrNotFound.
	Incident(ctx context.Context, id int64) (*Incident, error)
	// ListIncidents returns incidents, newest first.
	ListIncidents(ctx context.Context, f IncidentFilter) ([]Incident, error)
	// UpdateIncident stores inc's name, type, severity, status, owner, labels and Updated time.
	UpdateIncident(ctx context.Context, inc *Incident) error
	// AppendJournal appends the entry next builds from the incident's last entry (nil for the first) in one
	// transaction, so concurrent appends chain one after the other, and moves the incident's journal head to it.
	AppendJournal(ctx context.Context, incidentID int64, next func(last *JournalEntry) (JournalEntry, error)) (JournalEntry, error)
	// Journal returns the incident's entries in the order they were written.
	Journal(ctx context.Context, incidentID int64) ([]JournalEntry, error)
}

// PlaybookRun is one run of a playbook on an incident, as the executor (package automation/playbook) keeps it: the
// playbook's text as it was when the run started, so a restarted server resumes what was running and not a later
// edit, and the executor's state (which tasks are done, their outputs, what waits for whom) as JSON.
type PlaybookRun struct {
	ID         int64
	IncidentID int64
	Playbook   string
	Source     []byte
	Status     string // running, waiting, done, failed, cancelled
	State      []byte
	Error      string
	// Version is bumped by every UpdateRun; an update carrying a stale one is refused with ErrConflict, so that
	// two writers (a server's executor and 'hunch task complete') never overwrite each other.
	Version          int64
	Created, Updated time.Time
}

// RunFilter selects playbook runs for ListRuns.
type RunFilter struct {
	Status     []string // any of these statuses; empty for every one
	IncidentID int64    // 0 for every incident
	Limit      int      // 0 for no limit
}

// Evidence is a file or a value kept with an incident: its SHA-256, who added it, when, and the journal entry that
// records it.
type Evidence struct {
	ID         int64
	IncidentID int64
	Kind       string // file or value
	Name       string
	SHA256     string
	Size       int64
	Content    []byte // filled by EvidenceContent only
	Actor      string
	Entry      int64 // the journal entry's seq
	Created    time.Time
}

// Playbooks persists playbook runs and evidence.
type Playbooks interface {
	// CreateRun stores run (Version 1) and sets its ID.
	CreateRun(ctx context.Context, run *PlaybookRun) error
	// PlaybookRun returns run id, or an error wrapping ErrNotFound.
	PlaybookRun(ctx context.Context, id int64) (*PlaybookRun, error)
	// ListRuns returns runs, oldest first.
	ListRuns(ctx context.Context, f RunFilter) ([]PlaybookRun, error)
	// UpdateRun stores run's status, state and error if its Version is the stored one, and bumps Version; a stale
	// Version gives an error wrapping ErrConflict.
	UpdateRun(ctx context.Context, run *PlaybookRun) error
	// LeaseRun gives owner the run until the given time when nobody else holds it (or their lease ended before now),
	// and reports whether owner holds it; an owner renews its own lease the same way.
	LeaseRun(ctx context.Context, id int64, owner string, until, now time.Time) (bool, error)
	// ReleaseRun ends owner's lease on the run.
	ReleaseRun(ctx context.Context, id int64, owner string) error
	// AddEvidence stores ev (its content included) and sets its ID.
	AddEvidence(ctx context.Context, ev *Evidence) error
	// ListEvidence returns an incident's evidence without content, oldest first.
	ListEvidence(ctx context.Context, incidentID int64) ([]Evidence, error)
	// EvidenceContent returns evidence id with its content.
	EvidenceContent(ctx context.Context, id int64) (*Evidence, error)
}

// Cases is what incident work needs of a store: incidents, their journals, playbook runs and evidence.
type Cases interface {
	Incidents
	Playbooks
}
