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
