package mispapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strconv"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// msgAttributeDeleted is MISP's answer to a successful attributes/delete.
const msgAttributeDeleted = "Attribute deleted."

// msgAttributeNotNewer is MISP's answer (405) to an attributes/edit whose timestamp is not newer than the stored
// attribute's.
const msgAttributeNotNewer = "Attribute could not be saved: Attribute in the request not newer than the local copy."

// attributeRoutes registers MISP's AttributesController actions: add, edit, delete, restore and view (GET and
// HEAD). attributes/describeTypes is served by New.
func (h *handler) attributeRoutes() {
	h.routeArgs([]string{"/attributes/add"}, h.addAttributes, http.MethodPost)
	h.routeArgs([]string{"/attributes/edit"}, h.editAttribute, http.MethodPost, http.MethodPut)
	h.routeArgs([]string{"/attributes/delete"}, h.deleteAttribute, http.MethodPost, http.MethodDelete)
	h.routeArgs([]string{"/attributes/restore"}, h.restoreAttribute, http.MethodPost)
	h.routeArgs([]string{"/attributes/view"}, h.viewAttribute, http.MethodGet)
}

// attrErr maps what the service returns for an attribute operation to MISP's answer: an edit that is not newer
// is MISP's 405; everything else is answered by writeErr.
func attrErr(err error) error {
	var nn *store.NotNewerError
	if errors.As(err, &nn) {
		return &apiError{status: http.StatusMethodNotAllowed, message: msgAttributeNotNewer}
	}
	return err
}

// decodeAttributeBody reads the attributes of an attributes/add body: one attribute, a list of them (bare or
// wrapped), or one attribute whose value is a list (one attribute per value, as MISP's batch import). A numeric
// value is taken as its decimal text, as PHP takes it.
func decodeAttributeBody(body []byte) ([]misp.Attribute, int, error) {
	body = unwrap(body, "Attribute")
	var raws []json.RawMessage
	if len(body) > 0 && body[0] == '[' {
		if err := json.Unmarshal(body, &raws); err != nil {
			return nil, 0, badRequest("Malformed attribute list.")
		}
	} else {
		raws = []json.RawMessage{body}
	}
	var out []misp.Attribute
	for _, raw := range raws {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return nil, 0, badRequest("Malformed attribute: an attribute is a JSON object.")
		}
		if inner, ok := m["Attribute"]; ok && len(m) == 1 {
			if json.Unmarshal(inner, &m) != nil {
				return nil, 0, badRequest("Malformed attribute: an attribute is a JSON object.")
			}
		}
		values := []json.RawMessage{m["value"]}
		if v := bytes.TrimSpace(m["value"]); len(v) > 0 && v[0] == '[' {
			if err := json.Unmarshal(v, &values); err != nil {
				return nil, 0, badRequest("Malformed attribute value list.")
			}
		}
		for _, v := range values {
			if v == nil {
				delete(m, "value")
			} else {
				m["value"] = numberAsString(v)
			}
			one, err := json.Marshal(m)
			if err != nil {
				return nil, 0, fmt.Errorf("re-encode attribute: %w", err)
			}
			a, err := misp.DecodeAttribute(one)
			if err != nil {
				return nil, 0, badRequest("Malformed attribute: " + err.Error())
			}
			out = append(out, *a)
		}
	}
	return out, len(out), nil
}

// numberAsString turns a JSON number into a JSON string of its text, leaving anything else as it is.
func numberAsString(v json.RawMessage) json.RawMessage {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
		if b, err := json.Marshal(string(v)); err == nil {
			return b
		}
	}
	return v
}

// addAttributes answers attributes/add/{event}: one attribute is answered {"Attribute": {…}}, several
// {"Attribute": […], "errors": {"attribute_N": {field: [complaint]}}} with the ones that failed; when none was
// saved, MISP's 403 save failure (the one attribute's complaints, or the errors map of several).
func (h *handler) addAttributes(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if a.Arg(0) == "" {
		h.writeErr(w, r, &apiError{status: http.StatusMethodNotAllowed, message: "No event ID set."})
		return
	}
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	if body == nil {
		body = []byte("{}")
	}
	attrs, n, err := decodeAttributeBody(body)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	if limit := h.svc.Limits().MaxAttributes; limit > 0 && n > limit {
		h.writeErr(w, r, badRequest(fmt.Sprintf("Too many attributes: the limit is %d.", limit)))
		return
	}
	opts := intel.AddAttributesOptions{}
	if v, ok := a.Named["breakOnDuplicate"]; ok && (v == "0" || v == "false") {
		opts.UpdateDuplicates = true
	}
	res, err := h.svc.AddAttributes(r.Context(), p.ACL(), a.Arg(0), attrs, opts)
	if err != nil {
		h.writeErr(w, r, attrErr(err))
		return
	}
	if n == 1 {
		if len(res.Added) == 0 {
			h.writeErr(w, r, res.Failed[0])
			return
		}
		h.writeAttribute(w, r, res.Added[0])
		return
	}
	errs := map[string]map[string][]string{}
	keys := make([]int, 0, len(res.Failed))
	for i := range res.Failed {
		keys = append(keys, i)
	}
	sort.Ints(keys)
	for _, i := range keys {
		errs["attribute_"+strconv.Itoa(i)] = res.Failed[i].Fields
	}
	if len(res.Added) == 0 {
		writeSaveFailed(w, r, http.StatusForbidden, intel.MsgCouldNotAddAttribute, errs)
		return
	}
	list := make([]json.RawMessage, 0, len(res.Added))
	for _, at := range res.Added {
		b, err := encodeBareAttribute(at)
		if err != nil {
			h.writeErr(w, r, err)
			return
		}
		list = append(list, b)
	}
	reply := struct {
		Attribute []json.RawMessage              `json:"Attribute"`
		Errors    map[string]map[string][]string `json:"errors,omitempty"`
	}{Attribute: list, Errors: errs}
	writeValue(w, r, reply)
}

// encodeBareAttribute encodes a in MISP's wire shape without the {"Attribute": …} wrapper.
func encodeBareAttribute(a *misp.Attribute) (json.RawMessage, error) {
	b, err := misp.EncodeAttribute(a)
	if err != nil {
		return nil, fmt.Errorf("encode attribute %d: %w", a.ID, err)
	}
	var wrapped struct{ Attribute json.RawMessage }
	if err := json.Unmarshal(b, &wrapped); err != nil {
		return nil, fmt.Errorf("encode attribute %d: %w", a.ID, err)
	}
	return wrapped.Attribute, nil
}

// writeAttribute answers {"Attribute": {…}} with a in MISP's wire shape.
func (h *handler) writeAttribute(w http.ResponseWriter, r *http.Request, a *misp.Attribute) {
	b, err := misp.EncodeAttribute(a)
	if err != nil {
		h.writeErr(w, r, fmt.Errorf("encode attribute %d: %w", a.ID, err))
		return
	}
	writeJSON(w, r, b)
}

// editAttribute answers attributes/edit/{attribute}: the body is a partial attribute (wrapped or bare); the fields
// it carries replace the stored ones.
func (h *handler) editAttribute(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	ref := a.Arg(0)
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	body = unwrap(body, "Attribute")
	var m map[string]json.RawMessage
	if body == nil {
		m = map[string]json.RawMessage{}
	} else if json.Unmarshal(body, &m) != nil {
		h.writeErr(w, r, badRequest("Malformed attribute: an attribute is a JSON object."))
		return
	}
	if v, ok := m["value"]; ok {
		m["value"] = numberAsString(v)
	}
	one, err := json.Marshal(m)
	if err != nil {
		h.writeErr(w, r, fmt.Errorf("re-encode attribute: %w", err))
		return
	}
	edit, err := misp.DecodeAttribute(one)
	if err != nil && len(m) > 0 {
		// The decoder takes an all-zero object for no attribute; here it is a patch setting fields to their zero
		// values ({"disable_correlation": false}, {"comment": ""}), which PyMISP's update_attribute sends.
		var zero misp.Attribute
		if json.Unmarshal(one, &zero) == nil && reflect.ValueOf(zero).IsZero() {
			edit, err = &zero, nil
		}
	}
	if err != nil {
		h.writeErr(w, r, badRequest("Malformed attribute: "+err.Error()))
		return
	}
	fields := []string{}
	for _, f := range intel.EditableAttributeFields() {
		if _, ok := m[f]; ok {
			fields = append(fields, f)
		}
	}
	out, err := h.svc.EditAttribute(r.Context(), p.ACL(), ref, edit, fields)
	if err != nil {
		h.writeErr(w, r, attrErr(err))
		return
	}
	h.writeAttribute(w, r, out)
}

// deleteAttribute answers attributes/delete/{attribute}[/1]: soft by default, hard with a second path argument
// of 1, the named argument hard:1 or a body {"hard": 1}. MISP answers {"message": "Attribute deleted."}.
func (h *handler) deleteAttribute(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	hard := truthy(a.Arg(1)) || a.Flag("hard")
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	if body != nil {
		var req struct {
			Hard json.RawMessage `json:"hard"`
		}
		if json.Unmarshal(unwrap(body, "Attribute"), &req) == nil && req.Hard != nil {
			var b misp.FlexBool
			if json.Unmarshal(req.Hard, &b) == nil {
				hard = bool(b)
			}
		}
	}
	if _, err := h.svc.DeleteAttribute(r.Context(), p.ACL(), a.Arg(0), hard); err != nil {
		h.writeErr(w, r, attrErr(err))
		return
	}
	writeValue(w, r, struct {
		Message string `json:"message"`
	}{msgAttributeDeleted})
}

// truthy reports whether a path argument is a true flag ("1", "true").
func truthy(s string) bool { return s == "1" || s == "true" }

// restoreAttribute answers attributes/restore/{attribute} with the restored attribute, as MISP's redirect to
// attributes/view answers it.
func (h *handler) restoreAttribute(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	out, err := h.svc.RestoreAttribute(r.Context(), p.ACL(), a.Arg(0))
	if err != nil {
		h.writeErr(w, r, attrErr(err))
		return
	}
	h.writeAttribute(w, r, out)
}

// viewAttribute answers attributes/view/{attribute} with {"Attribute": {…, "Tag": […]}}; HEAD answers 200 or 404
// without a body (PyMISP's attribute_exists).
func (h *handler) viewAttribute(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	out, err := h.svc.Attribute(r.Context(), p.ACL(), a.Arg(0))
	if err != nil {
		h.writeErr(w, r, attrErr(err))
		return
	}
	h.writeAttribute(w, r, out)
}
