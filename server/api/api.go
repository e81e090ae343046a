// Package api is hunch serve's automation API under /api/: alert webhooks (Splunk's alert
// action, Sentinel incidents, generic JSON) that open or join incidents and start the playbooks
// they trigger, incidents with their journals and reports, the manual tasks waiting for a
// person, and playbook runs. Requests authenticate with the same API keys as the MISP API;
// who may do what is decided in one place (allowed) and tested as a matrix.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/playbook"
	"github.com/hunchsec/hunch/server"
	"github.com/hunchsec/hunch/server/mispapi"
	"github.com/hunchsec/hunch/store"
)

// Deps are the handler's parts.
type Deps struct {
	Auth      mispapi.Authenticator
	Incidents *automation.Incidents
	Engine    *playbook.Engine
	// Report renders an incident's HTML report (no /report route when nil).
	Report func(ctx context.Context, w io.Writer, id int64) error
	// Mapping reads generic JSON alerts.
	Mapping automation.Mapping
	// HuntRuns lists the kept hunt runs (no /api/hunts/runs route when nil).
	HuntRuns func() (any, error)
	// SLA gives incidents their timers (automation.DefaultSLAPolicy when nil).
	SLA    *automation.SLAPolicy
	Logger *slog.Logger
}

type handler struct {
	d   Deps
	mux *http.ServeMux
}

// Access levels.
const (
	read  = iota // any valid key
	write        // a role that may add events (perm_add) on a key that is not read-only
)

// allowed is the one authorization decision of this API.
func allowed(p mispapi.Principal, level int) bool {
	u := p.ACL()
	switch level {
	case read:
		return !u.Disabled
	case write:
		return automation.MayWork(u)
	}
	return false
}

// New returns the handler for /api/.
func New(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	h := &handler{d: d, mux: http.NewServeMux()}
	h.route("POST /api/alerts/{format}", write, h.alert)
	h.route("GET /api/incidents", read, h.listIncidents)
	h.route("POST /api/incidents", write, h.createIncident)
	h.route("GET /api/incidents/{id}", read, h.getIncident)
	h.route("POST /api/incidents/{id}/notes", write, h.addNote)
	if d.Report != nil {
		h.route("GET /api/incidents/{id}/report", read, h.report)
	}
	h.route("GET /api/tasks", read, h.listTasks)
	if d.HuntRuns != nil {
		h.route("GET /api/hunts/runs", read, func(w http.ResponseWriter, r *http.Request, _ string) {
			runs, err := h.d.HuntRuns()
			if err != nil {
				h.fail(w, r, err)
				return
			}
			writeJSON(w, http.StatusOK, runs)
		})
	}
	h.route("POST /api/tasks/{run}/{task}", write, h.completeTask)
	h.route("POST /api/playbooks/{name}/run", write, h.runPlaybook)
	h.route("POST /api/playbooks/{name}/webhook", write, h.webhook)
	h.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		server.WriteError(w, r, http.StatusNotFound, "Not Found")
	})
	return h
}

type ctxKey struct{}

func (h *handler) route(pattern string, level int, fn func(http.ResponseWriter, *http.Request, string)) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		p := r.Context().Value(ctxKey{}).(mispapi.Principal)
		if !allowed(p, level) {
			server.WriteError(w, r, http.StatusForbidden, "You do not have permission to do that.")
			return
		}
		fn(w, r, "api:"+p.User.Email)
	})
}

// ServeHTTP authenticates (Authorization or X-MISP-AUTH; an alert webhook may carry the key
// as ?key= instead, since Splunk's webhook action cannot set headers) and routes.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("X-MISP-AUTH")
	if key == "" {
		key = r.Header.Get("Authorization")
	}
	if key == "" && strings.HasPrefix(r.URL.Path, "/api/alerts/") {
		key = r.URL.Query().Get("key")
	}
	p, err := h.d.Auth.Authenticate(r.Context(), strings.TrimSpace(key))
	if err != nil {
		server.WriteError(w, r, http.StatusForbidden, "Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.")
		return
	}
	server.SetUserID(r.Context(), int64(p.User.ID))
	h.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, store.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, playbook.ErrNotWaiting), errors.Is(err, store.ErrConflict):
		status = http.StatusConflict
	case server.IsBodyTooLarge(err):
		status = http.StatusRequestEntityTooLarge
	case errors.As(err, new(badRequest)):
		status = http.StatusBadRequest
	}
	if status == http.StatusInternalServerError {
		h.d.Logger.Error("automation api", "path", r.URL.Path, "error", err.Error())
	}
	server.WriteError(w, r, status, err.Error())
}

type badRequest struct{ error }

func bad(f string, a ...any) error { return badRequest{fmt.Errorf(f, a...)} }

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id < 1 {
		return 0, bad("%s %q: want a number", name, r.PathValue(name))
	}
	return id, nil
}

func decode(r *http.Request, v any) error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		if server.IsBodyTooLarge(err) {
			return err
		}
		return bad("request body: %v", err)
	}
	return nil
}

// alert ingests an alert and starts the playbooks a new incident triggers. A generic JSON
// alert is read with the server's mapping, or with the one given in the query (name_field,
// type_field, severity_field, key_field: dotted paths; label: repeatable).
func (h *handler) alert(w http.ResponseWriter, r *http.Request, actor string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	format := r.PathValue("format")
	m, q := h.d.Mapping, r.URL.Query()
	for k, dst := range map[string]*string{"name_field": &m.Name, "type_field": &m.Type, "severity_field": &m.Severity, "key_field": &m.Key} {
		if v := q.Get(k); v != "" {
			*dst = v
		}
	}
	if ls := q["label"]; len(ls) > 0 {
		m.Labels = ls
	}
	a, err := automation.ParseAlert(format, body, m)
	if err != nil {
		h.fail(w, r, bad("%v", err))
		return
	}
	inc, merged, err := h.d.Incidents.Ingest(r.Context(), a, actor)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	runs := []int64{}
	if !merged && h.d.Engine != nil {
		var payload any
		_ = json.Unmarshal(a.Payload, &payload)
		started, err := h.d.Engine.Triggered(r.Context(), inc, payload, actor)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, run := range started {
			runs = append(runs, run.ID)
		}
	}
	status := http.StatusCreated
	if merged {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]any{"incident": incidentJSON(inc), "merged": merged, "runs": runs})
}

func incidentJSON(inc *store.Incident) map[string]any {
	labels := inc.Labels
	if labels == nil {
		labels = []string{}
	}
	return map[string]any{"id": inc.ID, "name": inc.Name, "type": inc.Type, "severity": inc.Severity,
		"severity_name": automation.SeverityName(inc.Severity), "status": inc.Status, "owner": inc.Owner, "labels": labels,
		"created": inc.Created, "updated": inc.Updated, "journal_entries": inc.JournalCount}
}

func (h *handler) listIncidents(w http.ResponseWriter, r *http.Request, _ string) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	list, err := h.d.Incidents.Store.ListIncidents(r.Context(), store.IncidentFilter{Status: r.URL.Query().Get("status"), Limit: limit})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]any, len(list))
	for i := range list {
		out[i] = incidentJSON(&list[i])
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handler) createIncident(w http.ResponseWriter, r *http.Request, actor string) {
	var in struct {
		Name     string   `json:"name"`
		Type     string   `json:"type"`
		Severity string   `json:"severity"`
		Owner    string   `json:"owner"`
		Labels   []string `json:"labels"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	inc := &store.Incident{Name: in.Name, Type: in.Type, Owner: in.Owner, Labels: in.Labels}
	if in.Severity != "" {
		v, err := automation.ParseSeverity(in.Severity)
		if err != nil {
			h.fail(w, r, bad("%v", err))
			return
		}
		inc.Severity = v
	}
	if err := h.d.Incidents.Open(r.Context(), inc, actor); err != nil {
		h.fail(w, r, bad("%v", err))
		return
	}
	runs := []int64{}
	if h.d.Engine != nil {
		started, err := h.d.Engine.Triggered(r.Context(), inc, nil, actor)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, run := range started {
			runs = append(runs, run.ID)
		}
	}
	writeJSON(w, http.StatusCreated, map[string]any{"incident": incidentJSON(inc), "runs": runs})
}

func (h *handler) getIncident(w http.ResponseWriter, r *http.Request, _ string) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	inc, err := h.d.Incidents.Store.Incident(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	entries, err := h.d.Incidents.Store.Journal(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	journal := make([]any, len(entries))
	for i, e := range entries {
		journal[i] = map[string]any{"seq": e.Seq, "time": e.Time, "kind": e.Kind, "actor": e.Actor, "body": json.RawMessage(e.Body), "hash": e.Hash}
	}
	runs, err := h.d.Incidents.Store.ListRuns(r.Context(), store.RunFilter{IncidentID: id})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rs := make([]any, len(runs))
	for i, run := range runs {
		rs[i] = map[string]any{"id": run.ID, "playbook": run.Playbook, "status": run.Status, "error": run.Error}
	}
	_, problems, err := h.d.Incidents.Verify(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	policy := automation.DefaultSLAPolicy
	if h.d.SLA != nil {
		policy = *h.d.SLA
	}
	timers := []any{}
	for _, tm := range policy.Timers(inc, automation.ReadMilestones(inc, entries), time.Now()) {
		t := map[string]any{"name": tm.Name, "due": tm.Due, "state": tm.State}
		if !tm.Stopped.IsZero() {
			t["met_at"] = tm.Stopped
		}
		timers = append(timers, t)
	}
	out := incidentJSON(inc)
	out["journal"], out["runs"], out["journal_intact"], out["sla"] = journal, rs, len(problems) == 0, timers
	writeJSON(w, http.StatusOK, out)
}

func (h *handler) addNote(w http.ResponseWriter, r *http.Request, actor string) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.d.Incidents.Store.Incident(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	e, err := h.d.Incidents.Note(r.Context(), id, actor, in.Text)
	if err != nil {
		h.fail(w, r, bad("%v", err))
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"seq": e.Seq, "hash": e.Hash})
}

func (h *handler) report(w http.ResponseWriter, r *http.Request, _ string) {
	id, err := pathID(r, "id")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.d.Incidents.Store.Incident(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := h.d.Report(r.Context(), w, id); err != nil {
		h.d.Logger.Error("incident report", "incident", id, "error", err.Error())
	}
}

func (h *handler) listTasks(w http.ResponseWriter, r *http.Request, _ string) {
	if h.d.Engine == nil {
		writeJSON(w, http.StatusOK, []any{})
		return
	}
	ws, err := h.d.Engine.Waiting(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]any, len(ws))
	for i, t := range ws {
		opts := t.Options
		if opts == nil {
			opts = []string{}
		}
		out[i] = map[string]any{"run": t.Run, "task": t.Task, "incident": t.Incident, "playbook": t.Playbook, "prompt": t.Prompt,
			"options": opts, "assignee": t.Assignee, "since": t.Since}
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handler) completeTask(w http.ResponseWriter, r *http.Request, actor string) {
	run, err := pathID(r, "run")
	if err != nil || h.d.Engine == nil {
		h.fail(w, r, cmpErr(err, bad("playbooks are not enabled")))
		return
	}
	var in struct {
		Answer  string `json:"answer"`
		Comment string `json:"comment"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.d.Engine.Complete(r.Context(), run, r.PathValue("task"), in.Answer, actor, in.Comment); err != nil {
		if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, playbook.ErrNotWaiting) {
			err = bad("%v", err)
		}
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"run": run, "task": r.PathValue("task"), "answer": in.Answer})
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (h *handler) playbook(w http.ResponseWriter, r *http.Request) *playbook.Playbook {
	if h.d.Engine == nil {
		h.fail(w, r, bad("playbooks are not enabled"))
		return nil
	}
	pb := h.d.Engine.Library[r.PathValue("name")]
	if pb == nil {
		h.fail(w, r, fmt.Errorf("playbook %q: %w", r.PathValue("name"), store.ErrNotFound))
	}
	return pb
}

func (h *handler) runPlaybook(w http.ResponseWriter, r *http.Request, actor string) {
	pb := h.playbook(w, r)
	if pb == nil {
		return
	}
	var in struct {
		Incident int64 `json:"incident"`
	}
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	run, err := h.d.Engine.Start(r.Context(), pb, in.Incident, nil, actor)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"run": run.ID, "incident": in.Incident})
}

// webhook starts a playbook with a webhook trigger on a new incident, the request's JSON body
// as its alert.
func (h *handler) webhook(w http.ResponseWriter, r *http.Request, actor string) {
	pb := h.playbook(w, r)
	if pb == nil {
		return
	}
	hooked := false
	for _, t := range pb.Triggers {
		hooked = hooked || t.Webhook
	}
	if !hooked {
		h.fail(w, r, fmt.Errorf("playbook %q has no webhook trigger: %w", pb.Name, store.ErrNotFound))
		return
	}
	var payload any
	if err := decode(r, &payload); err != nil {
		h.fail(w, r, err)
		return
	}
	inc := &store.Incident{Name: pb.Name + " (webhook)", Type: "webhook", Labels: []string{"playbook:" + pb.Name}}
	if err := h.d.Incidents.Open(r.Context(), inc, actor); err != nil {
		h.fail(w, r, err)
		return
	}
	run, err := h.d.Engine.Start(r.Context(), pb, inc.ID, payload, actor)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"run": run.ID, "incident": inc.ID})
}
