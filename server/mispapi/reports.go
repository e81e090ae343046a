package mispapi

import (
	"fmt"
	"net/http"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// reportRoutes registers MISP's EventReportsController actions (objectRoutes calls it).
func (h *handler) reportRoutes() {
	bases := func(action string) []string {
		return []string{"/eventReports/" + action, "/event_reports/" + action}
	}
	h.routeArgs(bases("add"), h.addEventReport, http.MethodPost)
	h.routeArgs(bases("view"), h.viewEventReport, http.MethodGet)
	h.routeArgs(bases("edit"), h.editEventReport, http.MethodPost, http.MethodPut)
	h.routeArgs(bases("delete"), h.deleteEventReport, http.MethodPost, http.MethodDelete)
	h.routeArgs(bases("index"), h.indexEventReports, http.MethodGet, http.MethodPost)
}

// decodeReportBody reads an event report body ({"EventReport": …} or bare); what does not decode is a refused
// save.
func decodeReportBody(r *http.Request, message string) (*misp.EventReport, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if body == nil {
		return nil, intel.Invalid(message, "EventReport", "The request has no event report.")
	}
	rep, err := misp.DecodeEventReport(unwrap(body, "EventReport"))
	if err != nil {
		return nil, intel.Invalid(message, "EventReport", err.Error())
	}
	return rep, nil
}

// writeEventReport answers {"EventReport": …}.
func (h *handler) writeEventReport(w http.ResponseWriter, r *http.Request, rep *misp.EventReport) {
	b, err := misp.EncodeEventReport(rep)
	if err != nil {
		h.writeErr(w, r, fmt.Errorf("encode event report %d: %w", rep.ID, err))
		return
	}
	writeJSON(w, r, b)
}

// addEventReport answers eventReports/add/{event id|uuid} with the stored report.
func (h *handler) addEventReport(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if a.Arg(0) == "" {
		h.writeErr(w, r, &apiError{status: http.StatusMethodNotAllowed, message: "No event ID set."})
		return
	}
	rep, err := decodeReportBody(r, intel.MsgCouldNotAddReport)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	added, err := h.svc.AddEventReport(r.Context(), p.ACL(), a.Arg(0), rep)
	if err != nil {
		h.writeErr(w, r, storeErr(err, intel.MsgCouldNotAddReport))
		return
	}
	h.writeEventReport(w, r, added)
}

// viewEventReport answers eventReports/view/{id|uuid}.
func (h *handler) viewEventReport(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	rep, err := h.svc.EventReport(r.Context(), p.ACL(), a.Arg(0))
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	h.writeEventReport(w, r, rep)
}

// editEventReport answers eventReports/edit/{id|uuid} with the edited report.
func (h *handler) editEventReport(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	rep, err := decodeReportBody(r, intel.MsgCouldNotEditReport)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	edited, err := h.svc.EditEventReport(r.Context(), p.ACL(), a.Arg(0), rep)
	if err != nil {
		h.writeErr(w, r, storeErr(err, intel.MsgCouldNotEditReport))
		return
	}
	h.writeEventReport(w, r, edited)
}

// deleteEventReport answers eventReports/delete/{id|uuid}[/1] with MISP's "Event Report {id} soft|hard deleted"
// (its url in MISP's event_reports spelling).
func (h *handler) deleteEventReport(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	hard := deleteIsHard(a, body)
	if _, err := h.svc.DeleteEventReport(r.Context(), p.ACL(), a.Arg(0), hard); err != nil {
		h.writeErr(w, r, err)
		return
	}
	how := "soft"
	if hard {
		how = "hard"
	}
	msg := fmt.Sprintf("Event Report %s %s deleted", a.Arg(0), how)
	writeValue(w, r, saved{Saved: true, Success: true, Name: msg, Message: msg,
		URL: "/event_reports/delete/" + a.Arg(0), ID: a.Arg(0)})
}

// indexEventReports answers eventReports/index[/event_id:{id}][/context:deleted|all] with
// [{"EventReport": …}, …]: live reports unless the context asks for deleted ones or all.
func (h *handler) indexEventReports(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	event := a.Named["event_id"]
	if event == "" {
		event = r.URL.Query().Get("event_id")
	}
	deleted := store.LiveOnly
	switch a.Named["context"] {
	case "deleted":
		deleted = store.DeletedOnly
	case "all":
		deleted = store.LiveAndDeleted
	}
	list, err := h.svc.EventReports(r.Context(), p.ACL(), event, deleted)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	buf := []byte{'['}
	for i := range list {
		if i > 0 {
			buf = append(buf, ',')
		}
		b, err := misp.EncodeEventReport(&list[i])
		if err != nil {
			h.writeErr(w, r, fmt.Errorf("encode event report %d: %w", list[i].ID, err))
			return
		}
		buf = append(buf, b...)
	}
	writeJSON(w, r, append(buf, ']'))
}
