package automation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/ioc"
	"github.com/hunchsec/hunch/store"
)

// MaxAlertBytes bounds an alert payload.
const MaxAlertBytes = 4 << 20

// Indicator is an indicator found in an alert.
type Indicator struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Alert is what a SIEM's alert says, read from its webhook payload.
type Alert struct {
	// Source is the format it came in: splunk, sentinel or json.
	Source   string
	Name     string
	Type     string
	Severity float64
	// Key merges alerts: an alert whose key matches an open incident's joins it.
	Key    string
	Labels []string
	// Indicators are every indicator the payload's values hold.
	Indicators []Indicator
	// Payload is the payload as received.
	Payload json.RawMessage
}

// Mapping reads an alert from any JSON: each field names a dotted path into the payload
// ("result.host", "alert.rule.name"); Name is required.
type Mapping struct {
	Name, Type, Severity, Key string
	Labels                    []string
}

// AlertFormats are the payloads ParseAlert reads.
var AlertFormats = []string{"splunk", "sentinel", "json"}

// ErrAlert is wrapped by every error about a payload.
var ErrAlert = errors.New("alert payload")

// ParseAlert reads a webhook payload: "splunk" is Splunk's webhook alert action (sid,
// search_name, app, owner, results_link and the first result row under result); "sentinel" is a
// Microsoft Sentinel incident as its automation trigger sends it (object.properties: title,
// severity, status, labels, incidentNumber …, or the properties themselves); "json" is any JSON
// read through m. Indicators are extracted from every string in the payload.
func ParseAlert(format string, payload []byte, m Mapping) (Alert, error) {
	if len(payload) > MaxAlertBytes {
		return Alert{}, fmt.Errorf("%w: %d bytes, more than %d", ErrAlert, len(payload), MaxAlertBytes)
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return Alert{}, fmt.Errorf("%w: not JSON: %v", ErrAlert, err)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return Alert{}, fmt.Errorf("%w: not a JSON object", ErrAlert)
	}
	a := Alert{Source: format, Payload: json.RawMessage(payload)}
	switch format {
	case "splunk":
		a.Name = str(obj, "search_name")
		if a.Name == "" {
			a.Name = "Splunk alert " + str(obj, "sid")
		}
		if str(obj, "sid") == "" && obj["result"] == nil {
			return Alert{}, fmt.Errorf("%w: no sid and no result: not Splunk's webhook payload", ErrAlert)
		}
		a.Type = "Splunk alert"
		a.Key = "splunk:" + a.Name
		if app := str(obj, "app"); app != "" {
			a.Labels = append(a.Labels, "app:"+app)
		}
		if sev, ok := pick(obj, "result.severity"); ok {
			a.Severity, _ = ParseSeverity(text(sev))
		}
	case "sentinel":
		props := obj
		if p, ok := pick(obj, "object.properties"); ok {
			props, _ = p.(map[string]any)
		}
		a.Name = str(props, "title")
		if a.Name == "" {
			return Alert{}, fmt.Errorf("%w: no title: not a Sentinel incident", ErrAlert)
		}
		a.Type = "Sentinel incident"
		sev := strings.ToLower(str(props, "severity"))
		if sev == "informational" {
			sev = "info"
		}
		a.Severity, _ = ParseSeverity(sev)
		a.Key = "sentinel:" + str(props, "incidentNumber")
		if a.Key == "sentinel:" {
			a.Key = "sentinel:" + a.Name
		}
		if ls, ok := props["labels"].([]any); ok {
			for _, l := range ls {
				if lm, ok := l.(map[string]any); ok && str(lm, "labelName") != "" {
					a.Labels = append(a.Labels, str(lm, "labelName"))
				}
			}
		}
	case "json":
		if m.Name == "" {
			return Alert{}, fmt.Errorf("%w: the json format needs a mapping for the name", ErrAlert)
		}
		v, ok := pick(obj, m.Name)
		if !ok || text(v) == "" {
			return Alert{}, fmt.Errorf("%w: no %s in the payload", ErrAlert, m.Name)
		}
		a.Name = text(v)
		if v, ok := pick(obj, m.Type); ok && m.Type != "" {
			a.Type = text(v)
		}
		if v, ok := pick(obj, m.Severity); ok && m.Severity != "" {
			s, err := ParseSeverity(text(v))
			if err != nil {
				return Alert{}, fmt.Errorf("%w: %v", ErrAlert, err)
			}
			a.Severity = s
		}
		if v, ok := pick(obj, m.Key); ok && m.Key != "" {
			a.Key = "json:" + text(v)
		}
		for _, l := range m.Labels {
			if v, ok := pick(obj, l); ok && text(v) != "" {
				a.Labels = append(a.Labels, text(v))
			}
		}
	default:
		return Alert{}, fmt.Errorf("%w: format %q: want %s", ErrAlert, format, strings.Join(AlertFormats, ", "))
	}
	inds, err := indicators(obj)
	if err != nil {
		return Alert{}, err
	}
	a.Indicators = inds
	return a, nil
}

// pick follows a dotted path through objects (and numeric list indexes).
func pick(v any, path string) (any, bool) {
	if path == "" {
		return nil, false
	}
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, v != nil
}

func str(m map[string]any, k string) string {
	if v, ok := m[k]; ok && v != nil {
		return text(v)
	}
	return ""
}

func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// indicators extracts the indicators of every string in v, each (type, value) once, sorted.
func indicators(v any) ([]Indicator, error) {
	ex, err := ioc.NewExtractor(ioc.Options{})
	if err != nil {
		return nil, err
	}
	seen := map[Indicator]bool{}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		case string:
			for _, m := range ex.Extract(x) {
				seen[Indicator{Type: string(m.Type), Value: m.Value}] = true
			}
		}
	}
	walk(v)
	out := make([]Indicator, 0, len(seen))
	for i := range seen {
		out = append(out, i)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].Value < out[j].Value
	})
	return out, nil
}

// keyLabel is the label an incident carries for the alerts merged into it.
func keyLabel(key string) string { return "alert-key:" + key }

// openStatuses are the statuses in which an incident takes further alerts.
var openStatuses = []string{"pending", "active", "on hold"}

// Ingest turns an alert into an incident: it joins the open incident carrying its key, or
// opens one. The alert (payload and indicators) is journaled either way; merged tells which.
func (s *Incidents) Ingest(ctx context.Context, a Alert, actor string) (inc *store.Incident, merged bool, err error) {
	if a.Key != "" {
		for _, st := range openStatuses {
			open, err := s.Store.ListIncidents(ctx, store.IncidentFilter{Status: st})
			if err != nil {
				return nil, false, err
			}
			for i := range open {
				if slices.Contains(open[i].Labels, keyLabel(a.Key)) {
					inc, merged = &open[i], true
					break
				}
			}
			if merged {
				break
			}
		}
	}
	if !merged {
		inc = &store.Incident{Name: a.Name, Type: a.Type, Severity: a.Severity, Labels: slices.Clone(a.Labels)}
		if a.Key != "" {
			inc.Labels = append(inc.Labels, keyLabel(a.Key))
		}
		if err := s.Open(ctx, inc, actor); err != nil {
			return nil, false, err
		}
	}
	_, err = s.Append(ctx, inc.ID, journal.KindAlert, actor, map[string]any{
		"alert": map[string]any{"source": a.Source, "name": a.Name, "key": a.Key, "indicators": a.Indicators, "payload": a.Payload}})
	if err != nil {
		return nil, false, err
	}
	if merged && a.Severity > inc.Severity { // a worse alert raises the incident
		got, err := s.Update(ctx, inc.ID, actor, Change{Severity: &a.Severity})
		return got, merged, err
	}
	got, err := s.Store.Incident(ctx, inc.ID)
	return got, merged, err
}
