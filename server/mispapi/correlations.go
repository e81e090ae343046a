package mispapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/misp"
)

// correlationRoutes registers MISP's CorrelationExclusionsController as PyMISP calls it (correlation_exclusions,
// view, add, delete, clean), site admins only.
func (h *handler) correlationRoutes() {
	get, post := http.MethodGet, http.MethodPost
	h.route("/correlation_exclusions", func(w http.ResponseWriter, r *http.Request, p Principal) {
		h.indexCorrelationExclusions(w, r, p, Args{})
	}, get)
	h.routeArgs([]string{"/correlation_exclusions/index"}, h.indexCorrelationExclusions, get)
	h.routeArgs([]string{"/correlation_exclusions/view"}, h.viewCorrelationExclusion, get)
	h.routeArgs([]string{"/correlation_exclusions/add"}, h.addCorrelationExclusion, post)
	h.routeArgs([]string{"/correlation_exclusions/delete"}, h.deleteCorrelationExclusion, post, http.MethodDelete)
	h.routeArgs([]string{"/correlation_exclusions/clean"}, h.cleanCorrelationExclusions, post)
}

// exclusionOut is an exclusion as MISP writes it.
type exclusionOut struct {
	CorrelationExclusion misp.CorrelationExclusion `json:"CorrelationExclusion"`
}

func (h *handler) indexCorrelationExclusions(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	list, err := h.svc.CorrelationExclusions(r.Context(), p.ACL())
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	out := make([]exclusionOut, 0, len(list))
	for _, x := range list {
		out = append(out, exclusionOut{x})
	}
	writeValue(w, r, out)
}

// exclusionID reads the numeric id of the path; anything else is MISP's "Invalid correlation exclusion.".
func exclusionID(a Args) (int64, error) { return a.ID(intel.MsgInvalidCorrelationExclusion) }

func (h *handler) viewCorrelationExclusion(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if err := h.svc.Policy().CanManageCorrelations(p.ACL()); err != nil {
		h.writeErr(w, r, err)
		return
	}
	id, err := exclusionID(a)
	if err == nil {
		var x *misp.CorrelationExclusion
		if x, err = h.svc.CorrelationExclusion(r.Context(), p.ACL(), id); err == nil {
			writeValue(w, r, exclusionOut{*x})
			return
		}
	}
	h.writeErr(w, r, err)
}

// addCorrelationExclusion answers correlation_exclusions/add with the stored exclusion; the body is
// {"CorrelationExclusion": {value, comment}} or the bare object, as PyMISP sends it.
func (h *handler) addCorrelationExclusion(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	if err := h.svc.Policy().CanManageCorrelations(p.ACL()); err != nil {
		h.writeErr(w, r, err)
		return
	}
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	var in struct {
		Value   string `json:"value"`
		Comment string `json:"comment"`
	}
	if body == nil || json.Unmarshal(unwrap(body, "CorrelationExclusion"), &in) != nil {
		h.writeErr(w, r, intel.Invalid(intel.MsgCouldNotAddCorrelationExclusion, "value",
			"The request body must be a JSON object with a string value."))
		return
	}
	x := &misp.CorrelationExclusion{Value: in.Value, Comment: in.Comment}
	if err := h.svc.AddCorrelationExclusion(r.Context(), p.ACL(), x); err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeValue(w, r, exclusionOut{*x})
}

func (h *handler) deleteCorrelationExclusion(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if err := h.svc.Policy().CanManageCorrelations(p.ACL()); err != nil {
		h.writeErr(w, r, err)
		return
	}
	id, err := exclusionID(a)
	if err == nil {
		err = h.svc.DeleteCorrelationExclusion(r.Context(), p.ACL(), id)
	}
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeSaved(w, r, "CorrelationExclusion deleted.", strconv.FormatInt(id, 10))
}

// cleanCorrelationExclusions answers correlation_exclusions/clean. MISP deletes the stored correlations of
// excluded values there; hunch stores none (correlations are read when an event is shown, exclusions applied),
// so there is nothing to remove and the answer is MISP's success.
func (h *handler) cleanCorrelationExclusions(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	if err := h.svc.Policy().CanManageCorrelations(p.ACL()); err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeSaved(w, r, "Correlations cleaned.", "")
}
