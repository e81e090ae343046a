package mispapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/mispclient"
	"github.com/hunchsec/hunch/misp"
)

// serverRoutes registers MISP's ServersController actions for sync servers (site admins only, decided by
// intel/acl), and events/filterEventIdsForPush, which a pushing instance's sync user calls.
func (h *handler) serverRoutes() {
	read := []string{http.MethodGet, http.MethodPost}
	h.routeArgs([]string{"/servers/index"}, h.indexServers, read...)
	h.routeArgs([]string{"/servers/add"}, h.addServer, http.MethodPost)
	h.routeArgs([]string{"/servers/edit"}, h.editServer, http.MethodPost, http.MethodPut)
	h.routeArgs([]string{"/servers/delete"}, h.deleteServer, http.MethodPost, http.MethodDelete)
	h.routeArgs([]string{"/servers/pull"}, h.syncServer("pull"), read...)
	h.routeArgs([]string{"/servers/push"}, h.syncServer("push"), read...)
	h.routeArgs([]string{"/servers/testConnection"}, h.testServer, read...)
	h.routeArgs([]string{"/events/filterEventIdsForPush"}, h.filterEventIDsForPush, http.MethodPost)
}

// serverErr answers the failures of the servers actions: a remote that failed as MISP's refused save naming it,
// everything else as writeErr.
func (h *handler) serverErr(w http.ResponseWriter, r *http.Request, action string, err error) {
	var ce *mispclient.Error
	var re *intel.RefusedError
	switch {
	case errors.As(err, &ce):
		writeSaveFailed(w, r, http.StatusForbidden, "Could not "+action+" server", err.Error())
	case errors.Is(err, intel.ErrNoServerKeyFile):
		writeSaveFailed(w, r, http.StatusForbidden, "Could not "+action+" server", err.Error())
	case errors.As(err, &re):
		writeSaveFailed(w, r, re.Status, re.Message, re.Message)
	default:
		h.writeErr(w, r, err)
	}
}

// indexServers answers servers/index: [{"Server", "Organisation", "RemoteOrg"}, …] without the remote keys.
func (h *handler) indexServers(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	rows, err := h.svc.ServerRows(r.Context(), p.ACL())
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	body, err := misp.EncodeServers(rows)
	if err != nil {
		h.writeErr(w, r, fmt.Errorf("encode servers: %w", err))
		return
	}
	writeJSON(w, r, body)
}

// serverBody decodes a servers/add or edit body.
func serverBody(r *http.Request, message string) (*misp.Server, []string, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	if body == nil {
		return nil, nil, intel.Invalid(message, "Server", "No server data given.")
	}
	var sv misp.Server
	set, err := misp.DecodeServerInto(body, &sv)
	if err != nil {
		return nil, nil, intel.Invalid(message, "Server", err.Error())
	}
	return &sv, set, nil
}

func (h *handler) writeServer(w http.ResponseWriter, r *http.Request, sv *misp.Server) {
	body, err := misp.EncodeServer(sv)
	if err != nil {
		h.writeErr(w, r, fmt.Errorf("encode server: %w", err))
		return
	}
	writeJSON(w, r, body)
}

// addServer answers servers/add with the stored server, its key masked.
func (h *handler) addServer(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	if err := h.svc.Policy().CanManageServers(p.ACL()); err != nil {
		h.writeErr(w, r, err)
		return
	}
	sv, _, err := serverBody(r, intel.MsgCouldNotAddServer)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	saved, err := h.svc.AddServer(r.Context(), p.ACL(), sv)
	if err != nil {
		h.serverErr(w, r, "add", err)
		return
	}
	h.writeServer(w, r, saved)
}

// editServer answers servers/edit/{id} with the edited server; the keys the body holds are the fields changed.
func (h *handler) editServer(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if err := h.svc.Policy().CanManageServers(p.ACL()); err != nil {
		h.writeErr(w, r, err)
		return
	}
	id, err := intel.ServerRef(a.Arg(0))
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	sv, set, err := serverBody(r, intel.MsgCouldNotEditServer)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	saved, err := h.svc.EditServer(r.Context(), p.ACL(), id, sv, set)
	if err != nil {
		h.serverErr(w, r, "edit", err)
		return
	}
	h.writeServer(w, r, saved)
}

// deleteServer answers servers/delete/{id} with MISP's "Server deleted".
func (h *handler) deleteServer(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if err := h.svc.Policy().CanManageServers(p.ACL()); err != nil {
		h.writeErr(w, r, err)
		return
	}
	id, err := intel.ServerRef(a.Arg(0))
	if err == nil {
		err = h.svc.DeleteServer(r.Context(), p.ACL(), id)
	}
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeSaved(w, r, intel.MsgServerDeleted, strconv.FormatInt(id, 10))
}

// syncReply is servers/pull's and push's answer: MISP's success message with what was done.
type syncReply struct {
	Saved   bool              `json:"saved"`
	Success bool              `json:"success"`
	Name    string            `json:"name"`
	Message string            `json:"message"`
	URL     string            `json:"url"`
	ID      string            `json:"id"`
	Result  *intel.SyncResult `json:"result"`
}

// syncServer answers servers/pull/{id}[/{technique}] and servers/push/{id}[/{technique}] after running the sync
// (hunch has no background workers: the request waits for it).
func (h *handler) syncServer(action string) Handler {
	return func(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
		if err := h.svc.Policy().CanManageServers(p.ACL()); err != nil {
			h.writeErr(w, r, err)
			return
		}
		id, err := intel.ServerRef(a.Arg(0))
		if err != nil {
			h.writeErr(w, r, err)
			return
		}
		technique := a.Arg(1)
		if technique == "" && r.Method == http.MethodPost {
			if body, err := readBody(r); err == nil && body != nil {
				var in struct {
					Technique string `json:"technique"`
				}
				if json.Unmarshal(body, &in) == nil {
					technique = in.Technique
				}
			}
		}
		var res *intel.SyncResult
		if action == "pull" {
			res, err = h.svc.PullServer(r.Context(), p.ACL(), id, technique)
		} else {
			res, err = h.svc.PushServer(r.Context(), p.ACL(), id, technique)
		}
		if err != nil {
			h.serverErr(w, r, action, err)
			return
		}
		var msg string
		if action == "pull" {
			msg = fmt.Sprintf("Pull completed. %d events pulled, %d events could not be pulled, 0 proposals pulled, 0 sightings pulled, 0 clusters pulled, 0 analyst data pulled.", len(res.Done), len(res.Failed))
		} else {
			msg = fmt.Sprintf("Push complete. %d events pushed, %d events could not be pushed.", len(res.Done), len(res.Failed))
		}
		writeValue(w, r, syncReply{Saved: true, Success: true, Name: msg, Message: msg, URL: r.URL.EscapedPath(),
			ID: strconv.FormatInt(id, 10), Result: res})
	}
}

// testServer answers servers/testConnection/{id} with the remote's status.
func (h *handler) testServer(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	id, err := intel.ServerRef(a.Arg(0))
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	st, err := h.svc.TestServerConnection(r.Context(), p.ACL(), id)
	if err != nil {
		h.serverErr(w, r, "test", err)
		return
	}
	st.Version = Version
	writeValue(w, r, st)
}

// filterEventIDsForPush answers events/filterEventIdsForPush: the uuids of the offered events this instance
// wants, for a pushing instance's sync user.
func (h *handler) filterEventIDsForPush(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	var in []struct {
		Event struct {
			UUID      string         `json:"uuid"`
			Timestamp misp.Timestamp `json:"timestamp"`
		} `json:"Event"`
	}
	if body != nil {
		if err := json.Unmarshal(body, &in); err != nil {
			h.writeErr(w, r, badRequest("Invalid event list."))
			return
		}
	}
	refs := make([]mispclient.EventRef, 0, len(in))
	for _, e := range in {
		refs = append(refs, mispclient.EventRef{UUID: e.Event.UUID, Timestamp: e.Event.Timestamp})
	}
	out, err := h.svc.FilterEventIDsForPush(r.Context(), p.ACL(), refs)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeValue(w, r, out)
}
