package mispapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/server"
)

// MISP's messages for the galaxies controllers.
const (
	msgInvalidGalaxy        = "Invalid galaxy."
	msgInvalidGalaxyCluster = "Invalid galaxy cluster"
)

// galaxyRoutes registers the galaxies and galaxy clusters controllers (from taxonomyRoutes).
func (h *handler) galaxyRoutes() {
	get, post := http.MethodGet, http.MethodPost
	h.routeArgs([]string{"/galaxies/index"}, h.indexGalaxies, get, post)
	h.routeArgs([]string{"/galaxies/view"}, h.viewGalaxy, get, post)
	h.routeArgs([]string{"/galaxy_clusters/view", "/galaxyClusters/view"}, h.viewGalaxyCluster, get, post)
	h.routeArgs([]string{"/galaxies/attachCluster"}, h.attachCluster, post)
	h.routeArgs([]string{"/galaxies/update"}, h.updateGalaxies, post)
}

// updateGalaxies answers galaxies/update (site admins) with MISP's "Galaxies updated.".
func (h *handler) updateGalaxies(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	if _, err := h.svc.UpdateGalaxies(r.Context(), p.ACL()); err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeSaved(w, r, "Galaxies updated.", "")
}

// indexGalaxies answers galaxies/index: [{"Galaxy": {…}}], [] when none are installed.
func (h *handler) indexGalaxies(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	list, err := h.svc.Galaxies(r.Context(), p.ACL())
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	type entry struct {
		Galaxy misp.Galaxy `json:"Galaxy"`
	}
	out := make([]entry, 0, len(list))
	for _, g := range list {
		out = append(out, entry{g})
	}
	writeValue(w, r, out)
}

// viewGalaxy answers galaxies/view/{id|uuid}: {"Galaxy": {…}, "GalaxyCluster": […]}.
func (h *handler) viewGalaxy(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	ref := a.Arg(0)
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil && misp.ValidUUID(ref) {
		list, lerr := h.svc.Galaxies(r.Context(), p.ACL())
		if lerr != nil {
			h.writeErr(w, r, lerr)
			return
		}
		for _, g := range list {
			if strings.EqualFold(g.UUID, ref) {
				id, err = int64(g.ID), nil
			}
		}
	}
	if err != nil {
		server.WriteError(w, r, http.StatusNotFound, msgInvalidGalaxy)
		return
	}
	g, err := h.svc.GalaxyByID(r.Context(), p.ACL(), id, true)
	if err != nil {
		h.writeTagErr(w, r, err, http.StatusNotFound, msgInvalidGalaxy)
		return
	}
	body, err := misp.EncodeGalaxy(g)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeJSON(w, r, body)
}

// viewGalaxyCluster answers galaxy_clusters/view/{id|uuid}: {"GalaxyCluster": {…}}.
func (h *handler) viewGalaxyCluster(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	c, err := h.svc.GalaxyCluster(r.Context(), p.ACL(), a.Arg(0))
	if err != nil {
		h.writeTagErr(w, r, err, http.StatusNotFound, msgInvalidGalaxyCluster)
		return
	}
	body, err := misp.EncodeGalaxyCluster(c)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeJSON(w, r, body)
}

// attachCluster answers galaxies/attachCluster/{target_id}/{event|attribute}/local:0 with body
// {"Galaxy": {"target_id": <cluster id>}}: {"saved": true, "success": "Cluster attached.", "check_publish": true}.
func (h *handler) attachCluster(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	var b struct {
		TargetID json.RawMessage `json:"target_id"`
	}
	if body != nil {
		_ = json.Unmarshal(unwrap(body, "Galaxy"), &b)
	}
	ids, _ := stringsOf(b.TargetID)
	var clusterID int64
	if len(ids) == 1 {
		clusterID, _ = strconv.ParseInt(strings.TrimSpace(ids[0]), 10, 64)
	}
	if clusterID <= 0 {
		server.WriteError(w, r, http.StatusNotFound, "Invalid Galaxy cluster.")
		return
	}
	target := intel.ClusterTarget{ID: a.Arg(0), Type: a.Arg(1)}
	if target.Type == "" {
		target.Type = "event"
	}
	_, err = h.svc.AttachCluster(r.Context(), p.ACL(), clusterID, target, a.Flag("local"))
	var ae *intel.TagAttachError
	if errors.As(err, &ae) {
		writeValueStatus(w, r, http.StatusForbidden, legacyReply{Errors: strings.Join(ae.Reasons, ", ")})
		return
	}
	if err != nil {
		h.writeTagErr(w, r, err, http.StatusNotFound, msgInvalidGalaxyCluster)
		return
	}
	writeValue(w, r, legacyReply{Saved: true, Success: intel.MsgClusterAttached, CheckPublish: true})
}
