package mispapi

import (
	"net/http"
	"strconv"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/stix"
)

// msgCouldNotUploadSTIX is MISP's refusal of events/upload_stix (saveFailResponse('Events', 'upload_stix')).
const msgCouldNotUploadSTIX = "Could not upload_stix Events"

// uploadSTIX answers events/upload_stix/2: the STIX 2.x bundle in the body becomes MISP events (one per report
// or grouping, and one for the objects outside them, as stix.ParseBundle reads it), added for the caller with the
// named parameters' distribution (distribution:N, sharing_group_id:N) and publish:1, and answered as the first
// of them is viewed, as MISP answers with the event it made. STIX 1 (events/upload_stix or upload_stix/1) is
// refused: hunch reads STIX 2 only.
func (h *handler) uploadSTIX(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if v := a.Arg(0); v != "2" {
		writeSaveFailed(w, r, http.StatusForbidden, msgCouldNotUploadSTIX,
			"STIX 1 is not supported: hunch reads STIX 2 bundles (events/upload_stix/2)")
		return
	}
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	dist := h.svc.DefaultEventDistribution()
	if v, ok := a.Named["distribution"]; ok {
		n, err := strconv.Atoi(v)
		d, ok := misp.DistributionOf(n)
		if err != nil || !ok {
			h.writeErr(w, r, badRequest("Wrong distribution level"))
			return
		}
		dist = d
	}
	var sg misp.FlexInt
	if dist.Level() == int(acl.SharingGroupOnly) {
		n, err := strconv.ParseInt(a.Named["sharing_group_id"], 10, 64)
		if err != nil {
			h.writeErr(w, r, badRequest(`The sharing group id is needed when the distribution is set to 4 ("Sharing group").`))
			return
		}
		sg = misp.FlexInt(n)
	}
	cluster, err := h.svc.STIXClusterMatcher(r.Context())
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	res, err := stix.ParseBundle(body, stix.ParseOptions{Cluster: cluster})
	if err != nil {
		writeSaveFailed(w, r, http.StatusForbidden, msgCouldNotUploadSTIX, err.Error())
		return
	}
	if len(res.Events) == 0 {
		writeSaveFailed(w, r, http.StatusForbidden, msgCouldNotUploadSTIX, "the bundle holds nothing to import")
		return
	}
	publish := a.Flag("publish")
	var first *misp.Event
	for _, e := range res.Events {
		e.Distribution, e.SharingGroupID = dist, sg
		e.Published = misp.FlexBool(publish)
		added, err := h.svc.AddEvent(r.Context(), p.ACL(), e, false)
		if err != nil {
			h.writeErr(w, r, err)
			return
		}
		if first == nil {
			first = added
		}
	}
	h.evWriteView(w, r, p, first, true)
}
