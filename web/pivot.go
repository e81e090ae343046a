package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/hunchsec/hunch/pipeline/pivot"
	"github.com/hunchsec/hunch/record"
)

// The entity pages: /ui/pivot/KIND?value=V lists every function of the pivot registry that
// applies to the entity, and &function=F (with &args=…) runs one and shows its records, each
// value that is itself an entity linked to its own page. Response actions (destructive) are
// listed, not run, from here.

// DefaultPivotRows bounds the records a pivot page shows.
const DefaultPivotRows = 500

// RunPivot runs a pivot function and returns its records and what it said on stderr.
type RunPivot func(ctx context.Context, kind, value, function string, args []string) ([]record.Record, string, error)

type pivotView struct {
	Kind, Value string
	Functions   []pivot.Function
	Function    string
	Args        string
	Columns     []string
	Rows        [][]pivotCell
	More        int
	Said        string
	Err         string
}

type pivotCell struct {
	Text, Kind string // Kind is set when the text is an entity of that kind
}

func (h *handler) pivotPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	kind, value := r.PathValue("kind"), r.URL.Query().Get("value")
	v, err := pivot.Check(kind, value)
	if err != nil {
		h.renderError(w, r, rc, http.StatusNotFound, err.Error())
		return
	}
	view := pivotView{Kind: kind, Value: v, Functions: pivot.Default().For(kind)}
	fn := r.URL.Query().Get("function")
	if fn == "" {
		h.render(w, r, rc, http.StatusOK, "pivot", kind+" "+v, view)
		return
	}
	f := pivot.Default().Get(kind, fn)
	switch {
	case f == nil:
		h.renderError(w, r, rc, http.StatusNotFound, "No such pivot for this entity.")
		return
	case f.Destructive:
		h.renderError(w, r, rc, http.StatusForbidden, "Response actions are run from the CLI (hunch respond) or a playbook, with a confirmation.")
		return
	}
	view.Function, view.Args = fn, strings.TrimSpace(r.URL.Query().Get("args"))
	recs, said, err := h.d.RunPivot(r.Context(), kind, v, fn, strings.Fields(view.Args))
	view.Said = said
	status := http.StatusOK
	if err != nil {
		view.Err, status = err.Error(), http.StatusBadGateway
	}
	cols := []string{}
	for _, rec := range recs {
		for _, n := range rec.Names() {
			if !slices.Contains(cols, n) && len(cols) < 12 {
				cols = append(cols, n)
			}
		}
	}
	view.Columns = cols
	if len(recs) > DefaultPivotRows {
		view.More, recs = len(recs)-DefaultPivotRows, recs[:DefaultPivotRows]
	}
	for _, rec := range recs {
		row := make([]pivotCell, len(cols))
		for i, c := range cols {
			if val, ok := rec.Get(c); ok && !val.IsNull() {
				row[i] = cell(val.Text())
			}
		}
		view.Rows = append(view.Rows, row)
	}
	h.render(w, r, rc, status, "pivot", kind+" "+v+" "+fn, view)
}

// cell links a value that is an address, a domain, a URL or a hash to its entity page.
func cell(text string) pivotCell {
	if len(text) > 300 {
		return pivotCell{Text: text[:300] + "…"}
	}
	for _, k := range []string{pivot.IP, pivot.URL, pivot.Hash, pivot.Email, pivot.Domain} {
		if _, err := pivot.Check(k, text); err == nil {
			return pivotCell{Text: text, Kind: k}
		}
	}
	return pivotCell{Text: text}
}
