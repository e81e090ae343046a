package automation

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/store"
)

// SLA is how long an incident of one severity may wait for an owner (Assign) and for its
// remediation (Remediate, until done or archived). Zero means no timer.
type SLA struct {
	Assign    time.Duration `yaml:"assign"`
	Remediate time.Duration `yaml:"remediate"`
}

// SLAPolicy gives each severity its SLA; a timer is at risk once AtRisk of its time has passed.
type SLAPolicy struct {
	BySeverity map[string]SLA `yaml:"by_severity"` // keys: unknown, info, low, medium, high, critical
	AtRisk     float64        `yaml:"at_risk"`     // fraction of the time, default 0.75
}

// DefaultSLAPolicy is a common SOC baseline: critical incidents are owned within 15 minutes
// and remediated within 4 hours, and so on down to low (a day, a week).
var DefaultSLAPolicy = SLAPolicy{AtRisk: 0.75, BySeverity: map[string]SLA{
	"critical": {Assign: 15 * time.Minute, Remediate: 4 * time.Hour},
	"high":     {Assign: time.Hour, Remediate: 24 * time.Hour},
	"medium":   {Assign: 4 * time.Hour, Remediate: 72 * time.Hour},
	"low":      {Assign: 24 * time.Hour, Remediate: 7 * 24 * time.Hour},
}}

// SLA timer states.
const (
	SLAWithin = "within"  // running, under the at-risk mark
	SLAAtRisk = "at risk" // running, past the at-risk mark
	SLALate   = "late"    // running past its due time, or met after it
	SLAMet    = "met"     // stopped before its due time
)

// Timer is one SLA timer of an incident.
type Timer struct {
	Name    string // assign or remediate
	Due     time.Time
	Stopped time.Time // when it was met (zero while running)
	State   string
}

// Milestones are when an incident first got an owner and was first done or archived, read
// from its record and journal.
type Milestones struct {
	Assigned, Resolved time.Time
}

// ReadMilestones finds an incident's milestones in its journal.
func ReadMilestones(inc *store.Incident, entries []store.JournalEntry) Milestones {
	var m Milestones
	for _, e := range entries {
		if e.Kind != journal.KindStatus {
			continue
		}
		var b struct {
			Opened  *struct{ Owner, Status string } `json:"opened"`
			Changed map[string][2]any               `json:"changed"`
		}
		if json.Unmarshal(e.Body, &b) != nil {
			continue
		}
		if b.Opened != nil {
			if b.Opened.Owner != "" && m.Assigned.IsZero() {
				m.Assigned = e.Time
			}
			if (b.Opened.Status == "done" || b.Opened.Status == "archived") && m.Resolved.IsZero() {
				m.Resolved = e.Time
			}
		}
		if o, ok := b.Changed["owner"]; ok && m.Assigned.IsZero() && fmt.Sprint(o[1]) != "" {
			m.Assigned = e.Time
		}
		if s, ok := b.Changed["status"]; ok && m.Resolved.IsZero() {
			if to := fmt.Sprint(s[1]); to == "done" || to == "archived" {
				m.Resolved = e.Time
			}
		}
	}
	return m
}

// Timers returns the incident's SLA timers at now.
func (p SLAPolicy) Timers(inc *store.Incident, m Milestones, now time.Time) []Timer {
	sla, ok := p.BySeverity[strings.ToLower(SeverityName(inc.Severity))]
	if !ok {
		return nil
	}
	risk := p.AtRisk
	if risk <= 0 || risk >= 1 {
		risk = 0.75
	}
	var out []Timer
	for _, t := range []struct {
		name    string
		d       time.Duration
		stopped time.Time
	}{{"assign", sla.Assign, m.Assigned}, {"remediate", sla.Remediate, m.Resolved}} {
		if t.d <= 0 {
			continue
		}
		tm := Timer{Name: t.name, Due: inc.Created.Add(t.d), Stopped: t.stopped}
		switch {
		case !t.stopped.IsZero() && !t.stopped.After(tm.Due):
			tm.State = SLAMet
		case !t.stopped.IsZero(), now.After(tm.Due):
			tm.State = SLALate
		case now.After(inc.Created.Add(time.Duration(float64(t.d) * risk))):
			tm.State = SLAAtRisk
		default:
			tm.State = SLAWithin
		}
		out = append(out, tm)
	}
	return out
}
