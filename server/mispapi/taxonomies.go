package mispapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/server"
	"github.com/hunchsec/hunch/store"
)

// MISP's messages for the taxonomies controller.
const (
	msgTaxonomyNotFound = "Taxonomy not found."
	msgInvalidTaxonomy  = "Invalid taxonomy."
	msgTaxonomyTagsSave = "The tag(s) has been saved."
)

// taxonomyRoutes registers the taxonomies controller, and the galaxies and galaxy clusters controllers.
func (h *handler) taxonomyRoutes() {
	get, post := http.MethodGet, http.MethodPost
	h.routeArgs([]string{"/taxonomies/index"}, h.indexTaxonomies, get, post)
	h.routeArgs([]string{"/taxonomies/view"}, h.viewTaxonomy, get, post)
	h.routeArgs([]string{"/taxonomies/enable"}, h.setTaxonomyEnabled(true), post)
	h.routeArgs([]string{"/taxonomies/disable"}, h.setTaxonomyEnabled(false), post)
	h.routeArgs([]string{"/taxonomies/addTag"}, h.addTaxonomyTags, post)
	h.routeArgs([]string{"/taxonomies/update"}, h.updateTaxonomies, post)
	h.routeArgs([]string{"/taxonomies/toggleRequired"}, h.toggleTaxonomyRequired, post)
	h.galaxyRoutes()
}

// taxonomyFields is a taxonomy as MISP writes it under "Taxonomy".
type taxonomyFields struct {
	ID          misp.FlexInt `json:"id"`
	Namespace   string       `json:"namespace"`
	Description string       `json:"description"`
	Version     misp.FlexInt `json:"version"`
	Enabled     bool         `json:"enabled"`
	Exclusive   bool         `json:"exclusive"`
	Required    bool         `json:"required"`
	Highlighted bool         `json:"highlighted"`
}

func taxonomyFieldsOf(t *intel.Taxonomy) taxonomyFields {
	return taxonomyFields{ID: misp.FlexInt(t.ID), Namespace: t.Namespace, Description: t.Description,
		Version: misp.FlexInt(t.Version), Enabled: t.Enabled, Exclusive: t.Exclusive, Required: t.Required,
		Highlighted: t.Highlighted}
}

// indexTaxonomies answers taxonomies/index: [{"Taxonomy": {…}, "total_count", "current_count"}], [] when none
// are installed.
func (h *handler) indexTaxonomies(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	list, err := h.svc.Taxonomies(r.Context(), p.ACL())
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	type entry struct {
		Taxonomy     taxonomyFields `json:"Taxonomy"`
		TotalCount   int            `json:"total_count"`
		CurrentCount int            `json:"current_count"`
	}
	out := make([]entry, 0, len(list))
	for i := range list {
		out = append(out, entry{Taxonomy: taxonomyFieldsOf(&list[i]), TotalCount: list[i].TotalCount,
			CurrentCount: list[i].CurrentCount})
	}
	writeValue(w, r, out)
}

// taxonomyEntry is one tag of a taxonomy as taxonomies/view lists it.
type taxonomyEntry struct {
	Tag                string        `json:"tag"`
	Expanded           string        `json:"expanded"`
	ExclusivePredicate bool          `json:"exclusive_predicate"`
	Description        string        `json:"description"`
	Colour             string        `json:"colour,omitempty"`
	NumericalValue     *misp.FlexInt `json:"numerical_value,omitempty"`
	// ExistingTag is false, or {"Tag": {…}} when the tag exists.
	ExistingTag any `json:"existing_tag"`
}

// viewTaxonomy answers taxonomies/view/{id|namespace}: {"Taxonomy": {…}, "entries": […]}.
func (h *handler) viewTaxonomy(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	t, err := h.svc.TaxonomyByRef(r.Context(), p.ACL(), a.Arg(0))
	if err != nil {
		h.writeTagErr(w, r, err, http.StatusNotFound, msgTaxonomyNotFound)
		return
	}
	entries := make([]taxonomyEntry, 0, len(t.Entries))
	for _, e := range t.Entries {
		te := taxonomyEntry{Tag: e.Tag, Expanded: e.Expanded, ExclusivePredicate: e.ExclusivePredicate,
			Description: e.Description, Colour: e.Colour, ExistingTag: false}
		if e.NumericalValue != nil {
			n := misp.FlexInt(*e.NumericalValue)
			te.NumericalValue = &n
		}
		if e.Existing != nil {
			te.ExistingTag = struct {
				Tag *misp.Tag `json:"Tag"`
			}{e.Existing}
		}
		entries = append(entries, te)
	}
	writeValue(w, r, struct {
		Taxonomy     taxonomyFields  `json:"Taxonomy"`
		Entries      []taxonomyEntry `json:"entries"`
		TotalCount   int             `json:"total_count"`
		CurrentCount int             `json:"current_count"`
	}{taxonomyFieldsOf(t), entries, t.TotalCount, t.CurrentCount})
}

// setTaxonomyEnabled answers taxonomies/enable/{id} and disable/{id} as MISP does: "Taxonomy enabled" (or
// disabled) with the id, or 403 "Could not enable Taxonomy" with "Invalid taxonomy." for an unknown id.
func (h *handler) setTaxonomyEnabled(enabled bool) Handler {
	action := "disable"
	if enabled {
		action = "enable"
	}
	return func(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
		id, err := strconv.ParseInt(a.Arg(0), 10, 64)
		if err != nil {
			id = 0
		}
		t, err := h.svc.SetTaxonomyEnabled(r.Context(), p.ACL(), id, enabled)
		if errors.Is(err, store.ErrNotFound) {
			writeSaveFailed(w, r, http.StatusForbidden, "Could not "+action+" Taxonomy", msgInvalidTaxonomy)
			return
		}
		if err != nil {
			h.writeErr(w, r, err)
			return
		}
		writeSaved(w, r, "Taxonomy "+action+"d", strconv.FormatInt(t.ID, 10))
	}
}

// updateTaxonomies answers taxonomies/update (site admins) with MISP's messages: how many taxonomies are new or
// of another version since the last update, or that all are up to date.
func (h *handler) updateTaxonomies(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	n, err := h.svc.UpdateTaxonomies(r.Context(), p.ACL())
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	msg := "All taxonomy libraries are up to date already."
	if n > 0 {
		msg = "Successfully updated " + strconv.Itoa(n) + " taxonomy libraries."
	}
	writeSaved(w, r, msg, "")
}

// toggleTaxonomyRequired answers taxonomies/toggleRequired/{id} with {"Taxonomy": {"required": …}}: it sets the
// taxonomy's required flag and says MISP's "Taxonomy toggleRequireded".
func (h *handler) toggleTaxonomyRequired(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	id, err := strconv.ParseInt(a.Arg(0), 10, 64)
	if err != nil {
		id = 0
	}
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	var req struct {
		Required misp.FlexBool `json:"required"`
	}
	if err := json.Unmarshal(unwrap(body, "Taxonomy"), &req); err != nil {
		writeSaveFailed(w, r, http.StatusForbidden, "Could not toggleRequired Taxonomy", "required: not a boolean")
		return
	}
	t, err := h.svc.SetTaxonomyRequired(r.Context(), p.ACL(), id, bool(req.Required))
	if errors.Is(err, store.ErrNotFound) {
		writeSaveFailed(w, r, http.StatusForbidden, "Could not toggleRequired Taxonomy", msgInvalidTaxonomy)
		return
	}
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeSaved(w, r, "Taxonomy toggleRequireded", strconv.FormatInt(t.ID, 10))
}

// addTaxonomyTags answers taxonomies/addTag/{id}: it creates the taxonomy's missing tags and says "The tag(s) has
// been saved.".
func (h *handler) addTaxonomyTags(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	id, err := strconv.ParseInt(a.Arg(0), 10, 64)
	if err != nil {
		id = 0
	}
	if _, err := h.svc.AddTaxonomyTags(r.Context(), p.ACL(), id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			server.WriteError(w, r, http.StatusNotFound, msgInvalidTaxonomy)
			return
		}
		h.writeErr(w, r, err)
		return
	}
	writeSaved(w, r, msgTaxonomyTagsSave, strconv.FormatInt(id, 10))
}
