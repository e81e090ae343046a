package mispapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
)

// MISP's success messages for objects and object references, verbatim.
const (
	msgObjectDeleted          = "Object deleted"
	msgObjectReferenceDeleted = "ObjectReference deleted"
	msgInsufficientObjectEdit = "Insufficient permissions to edit this object."
)

// objectRoutes registers MISP's ObjectsController and ObjectReferencesController actions, and the event
// reports (reportRoutes).
func (h *handler) objectRoutes() {
	h.routeArgs([]string{"/objects/add"}, h.addObject, http.MethodPost)
	h.routeArgs([]string{"/objects/edit"}, h.editObject, http.MethodPost, http.MethodPut)
	h.routeArgs([]string{"/objects/delete"}, h.deleteObject, http.MethodPost, http.MethodDelete)
	h.routeArgs([]string{"/objects/view"}, h.viewObject, http.MethodGet)
	h.routeArgs([]string{"/objectReferences/add", "/object_references/add"}, h.addObjectReference, http.MethodPost)
	h.routeArgs([]string{"/objectReferences/delete", "/object_references/delete"}, h.deleteObjectReference,
		http.MethodPost, http.MethodDelete)
	h.reportRoutes()
}

// deleteIsHard reads the hard-delete switch of a delete action: a second path argument "1" or "true" (PyMISP's
// objectReferences/delete/{id}/true), a named hard:1, or {"hard": 1} in the body (PyMISP's delete_object and
// delete_event_report).
func deleteIsHard(a Args, body []byte) bool {
	switch strings.ToLower(a.Arg(1)) {
	case "1", "true":
		return true
	}
	if a.Flag("hard") {
		return true
	}
	var m struct {
		Hard misp.FlexBool `json:"hard"`
	}
	if len(body) > 0 && json.Unmarshal(unwrap(body, ""), &m) == nil {
		return bool(m.Hard)
	}
	return false
}

// objBodyBreakOnDuplicate reports whether an object body asked for breakOnDuplicate (MISP reads it from the
// Object as well as from the named parameter).
func objBodyBreakOnDuplicate(body []byte) bool {
	var m struct {
		BreakOnDuplicate misp.FlexBool `json:"breakOnDuplicate"`
	}
	return len(body) > 0 && json.Unmarshal(body, &m) == nil && bool(m.BreakOnDuplicate)
}

// decodeObjectBody reads an object body ({"Object": …} or bare); what does not decode is a refused save.
func decodeObjectBody(r *http.Request, message string) (*misp.Object, []byte, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	if body == nil {
		return nil, nil, intel.Invalid(message, "Object", "The request has no object.")
	}
	body = unwrap(body, "Object")
	o, err := misp.DecodeObject(body)
	if err != nil {
		return nil, nil, intel.Invalid(message, "Object", err.Error())
	}
	return o, body, nil
}

// writeObject answers {"Object": …}.
func (h *handler) writeObject(w http.ResponseWriter, r *http.Request, o *misp.Object) {
	b, err := misp.EncodeObject(o)
	if err != nil {
		h.writeErr(w, r, fmt.Errorf("encode object %d: %w", o.ID, err))
		return
	}
	writeJSON(w, r, b)
}

// addObject answers objects/add/{event id|uuid}[/{template id|uuid}] with the stored object.
func (h *handler) addObject(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	o, body, err := decodeObjectBody(r, intel.MsgCouldNotAddObject)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	stored, err := h.svc.AddObject(r.Context(), p.ACL(), a.Arg(0), o,
		intel.AddObjectOptions{Template: a.Arg(1), BreakOnDuplicate: a.Flag("breakOnDuplicate") || objBodyBreakOnDuplicate(body)})
	if err != nil {
		h.writeErr(w, r, storeErr(err, intel.MsgCouldNotAddObject))
		return
	}
	h.writeObject(w, r, stored)
}

// editObject answers objects/edit/{id|uuid} with the object as edited.
func (h *handler) editObject(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	o, _, err := decodeObjectBody(r, intel.MsgCouldNotEditObject)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	edited, err := h.svc.EditObject(r.Context(), p.ACL(), a.Arg(0), o)
	var ae *acl.Error
	if errors.As(err, &ae) && ae.Message() == acl.MsgNoPermission {
		// objects/edit words this refusal its own way.
		err = forbidden(msgInsufficientObjectEdit)
	}
	if err != nil {
		h.writeErr(w, r, storeErr(err, intel.MsgCouldNotEditObject))
		return
	}
	h.writeObject(w, r, edited)
}

// deleteObject answers objects/delete/{id|uuid}[/1] with MISP's "Object deleted", whose url and id name the
// object's event as MISP's do.
func (h *handler) deleteObject(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	o, err := h.svc.DeleteObject(r.Context(), p.ACL(), a.Arg(0), deleteIsHard(a, body))
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	// MISP names the object's event in this reply, not the object.
	ev := o.EventID.String()
	writeValue(w, r, saved{Saved: true, Success: true, Name: msgObjectDeleted, Message: msgObjectDeleted,
		URL: "/objects/delete/" + ev, ID: ev})
}

// viewObject answers objects/view/{id|uuid} (HEAD: 200 or 404).
func (h *handler) viewObject(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	o, err := h.svc.Object(r.Context(), p.ACL(), a.Arg(0))
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	h.writeObject(w, r, o)
}

// addObjectReference answers objectReferences/add with {"ObjectReference": …}.
func (h *handler) addObjectReference(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	if body == nil {
		h.writeErr(w, r, intel.Invalid(intel.MsgCouldNotAddReference, "ObjectReference", "The request has no reference."))
		return
	}
	ref, err := misp.DecodeObjectReference(unwrap(body, "ObjectReference"))
	if err != nil {
		h.writeErr(w, r, intel.Invalid(intel.MsgCouldNotAddReference, "ObjectReference", err.Error()))
		return
	}
	if ref.ObjectUUID == "" && ref.ObjectID == 0 && a.Arg(0) != "" {
		// MISP's objectReferences/add/{object id} names the object in the path.
		if pr, ok := ParseRef(a.Arg(0)); ok {
			ref.ObjectUUID, ref.ObjectID = pr.UUID, misp.FlexInt(pr.ID)
		}
	}
	added, err := h.svc.AddObjectReference(r.Context(), p.ACL(), ref)
	if err != nil {
		h.writeErr(w, r, storeErr(err, intel.MsgCouldNotAddReference))
		return
	}
	b, err := misp.EncodeObjectReference(added)
	if err != nil {
		h.writeErr(w, r, fmt.Errorf("encode object reference %d: %w", added.ID, err))
		return
	}
	writeJSON(w, r, b)
}

// deleteObjectReference answers objectReferences/delete/{id|uuid}[/1] with "ObjectReference deleted".
func (h *handler) deleteObjectReference(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	id, err := h.svc.DeleteObjectReference(r.Context(), p.ACL(), a.Arg(0), deleteIsHard(a, body))
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	ids := strconv.FormatInt(id, 10)
	writeValue(w, r, saved{Saved: true, Success: true, Name: msgObjectReferenceDeleted, Message: msgObjectReferenceDeleted,
		URL: "/object_references/delete/" + ids, ID: ids})
}
