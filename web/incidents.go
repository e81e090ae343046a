package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/automation/playbook"
	"github.com/hunchsec/hunch/store"
)

// The incident pages: the list, and each incident's war room — its state and SLA timers, the
// manual tasks waiting for an answer, and the journal, refreshed as it grows, with a box to
// say something into it (and into the incident's chat channel).

// DefaultMaxMessage bounds a war-room message.
const DefaultMaxMessage = 4000

type incidentRow struct {
	store.Incident
	SeverityName string
}

func (h *handler) incidents(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	list, err := h.d.Incidents.Store.ListIncidents(r.Context(), store.IncidentFilter{Status: r.URL.Query().Get("status"), Limit: 500})
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	rows := make([]incidentRow, len(list))
	for i, inc := range list {
		rows[i] = incidentRow{inc, automation.SeverityName(inc.Severity)}
	}
	h.render(w, r, rc, http.StatusOK, "incidents", "Incidents", incidentsView{rows, r.URL.Query().Get("status")})
}

type incidentsView struct {
	Rows   []incidentRow
	Status string
}

type journalLine struct {
	Seq   int64
	Time  time.Time
	Kind  string
	Actor string
	Text  string
}

type warRoom struct {
	Incident incidentRow
	SLA      []automation.Timer
	Tasks    []playbook.Waiting
	Journal  []journalLine
	Intact   bool
	MayWork  bool
	Channel  string
}

// room gathers incident id's war room.
func (h *handler) room(r *http.Request, rc *reqCtx, id int64) (*warRoom, error) {
	inc, err := h.d.Incidents.Store.Incident(r.Context(), id)
	if err != nil {
		return nil, err
	}
	entries, err := h.d.Incidents.Store.Journal(r.Context(), id)
	if err != nil {
		return nil, err
	}
	_, problems, err := h.d.Incidents.Verify(r.Context(), id)
	if err != nil {
		return nil, err
	}
	v := &warRoom{Incident: incidentRow{*inc, automation.SeverityName(inc.Severity)}, Intact: len(problems) == 0,
		MayWork: automation.MayWork(rc.acl), Channel: chatChannel(inc)}
	v.SLA = h.d.SLA.Timers(inc, automation.ReadMilestones(inc, entries), h.now())
	for i := len(entries) - 1; i >= 0; i-- { // newest first
		e := entries[i]
		v.Journal = append(v.Journal, journalLine{Seq: e.Seq, Time: e.Time, Kind: e.Kind, Actor: e.Actor, Text: automation.EntryText(e.Body, 400)})
	}
	if h.d.Engine != nil {
		ws, err := h.d.Engine.Waiting(r.Context())
		if err != nil {
			return nil, err
		}
		for _, t := range ws {
			if t.Incident == id {
				v.Tasks = append(v.Tasks, t)
			}
		}
	}
	return v, nil
}

// chatChannel is the chat channel an incident belongs to (its label chat:<channel>), or "".
func chatChannel(inc *store.Incident) string {
	for _, l := range inc.Labels {
		if c, ok := strings.CutPrefix(l, "chat:"); ok {
			return c
		}
	}
	return ""
}

func (h *handler) incidentID(w http.ResponseWriter, r *http.Request, rc *reqCtx) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		h.renderError(w, r, rc, http.StatusNotFound, "No such incident.")
		return 0, false
	}
	return id, true
}

func (h *handler) showRoom(w http.ResponseWriter, r *http.Request, rc *reqCtx, id int64, status int) {
	v, err := h.room(r, rc, id)
	if errors.Is(err, store.ErrNotFound) {
		h.renderError(w, r, rc, http.StatusNotFound, "No such incident.")
		return
	}
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	if r.Header.Get("HX-Request") != "" {
		h.renderBlock(w, r, rc, status, "incident", "room", "", v)
		return
	}
	h.render(w, r, rc, status, "incident", fmt.Sprintf("Incident %d", id), v)
}

func (h *handler) incident(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	if id, ok := h.incidentID(w, r, rc); ok {
		h.showRoom(w, r, rc, id, http.StatusOK)
	}
}

// incidentJournal is the war room's live part, polled by the page.
func (h *handler) incidentJournal(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	if id, ok := h.incidentID(w, r, rc); ok {
		h.showRoom(w, r, rc, id, http.StatusOK)
	}
}

// incidentMessage journals what the user said in the war room and carries it to the incident's chat channel.
func (h *handler) incidentMessage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id, ok := h.incidentID(w, r, rc)
	if !ok {
		return
	}
	if !automation.MayWork(rc.acl) {
		h.renderError(w, r, rc, http.StatusForbidden, "Your role may read incidents, not work them.")
		return
	}
	text := strings.TrimSpace(r.PostFormValue("text"))
	switch {
	case text == "":
		rc.err = "Say something first."
	case len(text) > DefaultMaxMessage:
		rc.err = fmt.Sprintf("A message is at most %d characters.", DefaultMaxMessage)
	default:
		inc, err := h.d.Incidents.Store.Incident(r.Context(), id)
		if err != nil {
			h.showRoom(w, r, rc, id, http.StatusNotFound)
			return
		}
		actor := "web:" + rc.user.Email
		if _, err := h.d.Incidents.Append(r.Context(), id, journal.KindMessage, actor, map[string]string{"text": text}); err != nil {
			h.fail(w, r, rc, err)
			return
		}
		if ch := chatChannel(inc); ch != "" && h.d.Chat != nil {
			if err := h.d.Chat(r.Context(), ch, []string{fmt.Sprintf("[incident %d] %s: %s", id, rc.user.Email, text)}); err != nil {
				rc.err = "Journaled, but not carried to " + ch + ": " + err.Error()
			}
		}
	}
	h.showRoom(w, r, rc, id, http.StatusOK)
}

// incidentTask answers a manual task from the war room.
func (h *handler) incidentTask(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	id, ok := h.incidentID(w, r, rc)
	if !ok {
		return
	}
	if !automation.MayWork(rc.acl) || h.d.Engine == nil {
		h.renderError(w, r, rc, http.StatusForbidden, "Your role may read incidents, not work them.")
		return
	}
	run, err := strconv.ParseInt(r.PathValue("run"), 10, 64)
	if err != nil {
		h.renderError(w, r, rc, http.StatusNotFound, "No such run.")
		return
	}
	err = h.d.Engine.Complete(r.Context(), run, r.PathValue("task"), r.PostFormValue("answer"), "web:"+rc.user.Email, r.PostFormValue("comment"))
	if err != nil {
		rc.err = err.Error()
	} else {
		rc.notice = fmt.Sprintf("Task %s answered %q.", r.PathValue("task"), r.PostFormValue("answer"))
	}
	h.showRoom(w, r, rc, id, http.StatusOK)
}
