package mispapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// MISP's messages for the warninglists controller.
const (
	msgWarninglistNotFound   = "Warninglist not found."
	msgWarninglistsNotFound  = "Warninglist(s) not found."
	msgWarninglistInvalidID  = "Invalid ID."
	msgWarninglistPostOnly   = "This function only accepts POST requests."
	msgWarninglistsUpToDate  = "All warninglists are up to date already."
	msgWarninglistNoData     = "No valid data received."
	warninglistCategoryFalse = "false_positive"
)

// warninglistRoutes registers the warninglists controller.
func (h *handler) warninglistRoutes() {
	get, post := http.MethodGet, http.MethodPost
	h.routeArgs([]string{"/warninglists/index"}, h.indexWarninglists, get, post)
	h.routeArgs([]string{"/warninglists/view"}, h.viewWarninglist, get)
	h.routeArgs([]string{"/warninglists/toggleEnable"}, h.toggleWarninglists, get, post)
	h.routeArgs([]string{"/warninglists/checkValue"}, h.checkWarninglistValues, post)
	h.routeArgs([]string{"/warninglists/update"}, h.updateWarninglists, post)
}

// warninglistFields is a warninglist as MISP writes it under "Warninglist".
type warninglistFields struct {
	ID          misp.FlexInt `json:"id"`
	Name        string       `json:"name"`
	Type        string       `json:"type"`
	Description string       `json:"description"`
	Version     misp.FlexInt `json:"version"`
	Enabled     bool         `json:"enabled"`
	Default     bool         `json:"default"`
	Category    string       `json:"category"`
}

func warninglistFieldsOf(w *intel.Warninglist) warninglistFields {
	return warninglistFields{ID: misp.FlexInt(w.ID), Name: w.Name, Type: w.Type, Description: w.Description,
		Version: misp.FlexInt(w.Version), Enabled: w.Enabled, Default: true, Category: warninglistCategoryFalse}
}

// warninglistTypes are the attribute types a list applies to as MISP stores them: "ALL" for a list without
// matching_attributes.
func warninglistTypes(w *intel.Warninglist) []string {
	if len(w.MatchingAttributes) == 0 {
		return []string{"ALL"}
	}
	return w.MatchingAttributes
}

// indexWarninglists answers warninglists/index: {"Warninglists": [{"Warninglist": {…, warninglist_entry_count,
// valid_attributes}}]}, filtered by value and enabled (named arguments, query or body) as MISP's index is.
func (h *handler) indexWarninglists(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	var q intel.WarninglistQuery
	params := map[string]string{}
	for k, v := range a.Named {
		params[k] = v
	}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	if body != nil {
		var m map[string]any
		if json.Unmarshal(unwrap(body, "Warninglist"), &m) == nil {
			for _, k := range []string{"value", "enabled"} {
				if v, ok := m[k]; ok && v != nil {
					params[k] = phpString(v)
				}
			}
		}
	}
	q.Value = params["value"]
	if v, ok := params["enabled"]; ok && v != "" {
		e := phpTruthy(v)
		q.Enabled = &e
	}
	list, err := h.svc.Warninglists(r.Context(), p.ACL(), q)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	type fields struct {
		warninglistFields
		EntryCount      misp.FlexInt `json:"warninglist_entry_count"`
		ValidAttributes string       `json:"valid_attributes"`
	}
	type entry struct {
		Warninglist fields `json:"Warninglist"`
	}
	out := make([]entry, 0, len(list))
	for i := range list {
		out = append(out, entry{fields{warninglistFieldsOf(&list[i]), misp.FlexInt(list[i].EntryCount),
			strings.Join(warninglistTypes(&list[i]), ", ")}})
	}
	writeValue(w, r, struct {
		Warninglists []entry `json:"Warninglists"`
	}{out})
}

// viewWarninglist answers warninglists/view/{id}: {"Warninglist": {…, "WarninglistEntry": […],
// "WarninglistType": […]}}.
func (h *handler) viewWarninglist(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	id, err := strconv.ParseInt(a.Arg(0), 10, 64)
	if err != nil {
		h.writeErr(w, r, notFound(msgWarninglistInvalidID))
		return
	}
	wl, err := h.svc.WarninglistByID(r.Context(), p.ACL(), id)
	if err != nil {
		h.writeErr(w, r, storeErr(err, msgWarninglistNotFound))
		return
	}
	type entry struct {
		ID            misp.FlexInt `json:"id"`
		Value         string       `json:"value"`
		WarninglistID misp.FlexInt `json:"warninglist_id"`
		Comment       *string      `json:"comment"`
	}
	type typ struct {
		ID            misp.FlexInt `json:"id"`
		Type          string       `json:"type"`
		WarninglistID misp.FlexInt `json:"warninglist_id"`
	}
	entries := make([]entry, 0, len(wl.Entries))
	for i, e := range wl.Entries {
		entries = append(entries, entry{ID: misp.FlexInt(i + 1), Value: e, WarninglistID: misp.FlexInt(wl.ID)})
	}
	var types []typ
	for i, t := range warninglistTypes(wl) {
		types = append(types, typ{ID: misp.FlexInt(i + 1), Type: t, WarninglistID: misp.FlexInt(wl.ID)})
	}
	type view struct {
		warninglistFields
		WarninglistEntry []entry `json:"WarninglistEntry"`
		WarninglistType  []typ   `json:"WarninglistType"`
	}
	writeValue(w, r, struct {
		Warninglist view `json:"Warninglist"`
	}{view{warninglistFieldsOf(wl), entries, types}})
}

// toggleAnswer is toggleEnable's reply, always 200: {"saved": true, "success": "…"} or {"saved": false,
// "errors": "…"}.
type toggleAnswer struct {
	Saved   bool   `json:"saved"`
	Success string `json:"success,omitempty"`
	Errors  string `json:"errors,omitempty"`
}

// toggleWarninglists answers warninglists/toggleEnable as MISP does. The body is {"id": id or [ids], "name": LIKE
// pattern or [patterns], "enabled": state} (or {"Warninglist": {"data": ids}}); ids win over names, and without
// "enabled" each list is flipped. The answer is "N warninglist(s) enabled" (disabled, toggled).
func (h *handler) toggleWarninglists(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	if r.Method != http.MethodPost {
		writeValue(w, r, toggleAnswer{Errors: msgWarninglistPostOnly})
		return
	}
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	var req struct {
		ID          json.RawMessage `json:"id"`
		Name        json.RawMessage `json:"name"`
		Enabled     json.RawMessage `json:"enabled"`
		Warninglist struct {
			Data json.RawMessage `json:"data"`
		} `json:"Warninglist"`
	}
	if body != nil && json.Unmarshal(body, &req) != nil {
		writeValue(w, r, toggleAnswer{Errors: msgWarninglistNotFound})
		return
	}
	idsRaw := req.ID
	if len(req.Warninglist.Data) > 0 {
		idsRaw = req.Warninglist.Data
	}
	idValues := phpList(idsRaw)
	var ids []int64
	var names []string
	if len(idValues) == 0 {
		names = phpList(req.Name)
		if len(names) == 0 {
			writeValue(w, r, toggleAnswer{Errors: msgWarninglistNotFound})
			return
		}
	} else {
		for _, v := range idValues {
			if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			writeValue(w, r, toggleAnswer{Errors: msgWarninglistsNotFound})
			return
		}
	}
	var enabled *bool
	if raw := bytes.TrimSpace(req.Enabled); len(raw) > 0 && string(raw) != "null" {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			e := phpTruthy(phpString(v))
			if b, ok := v.(bool); ok {
				e = b
			}
			enabled = &e
		}
	}
	res, err := h.svc.SetWarninglistsEnabled(r.Context(), p.ACL(), ids, names, enabled)
	if errors.Is(err, store.ErrNotFound) {
		msg := msgWarninglistNotFound
		if len(ids) > 0 {
			msg = msgWarninglistsNotFound
		}
		writeValue(w, r, toggleAnswer{Errors: msg})
		return
	}
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeValue(w, r, toggleAnswer{Saved: true, Success: strconv.Itoa(res.Count) + " warninglist(s) " + res.Action})
}

// checkWarninglistValues answers warninglists/checkValue as MISP 2.5 does: the body is a list of values (or an
// object whose values are checked, {"Warninglist": …} and {"[]": …} unwrapped); the answer is an object keyed by
// value with the enabled lists each hits, [{"id", "name", "matched"}], in the order asked, or [] when nothing hits.
func (h *handler) checkWarninglistValues(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	values := checkValueInput(body)
	if values == nil {
		h.writeErr(w, r, notFound(msgWarninglistNoData))
		return
	}
	hits, err := h.svc.CheckValue(r.Context(), p.ACL(), values)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	if len(hits) == 0 {
		writeValue(w, r, []any{})
		return
	}
	type hit struct {
		ID      misp.FlexInt `json:"id"`
		Name    string       `json:"name"`
		Matched string       `json:"matched"`
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, vh := range hits {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := marshalNoEscape(vh.Value)
		if err != nil {
			h.writeErr(w, r, err)
			return
		}
		list := make([]hit, 0, len(vh.Hits))
		for _, x := range vh.Hits {
			list = append(list, hit{misp.FlexInt(x.ID), x.Name, x.Matched})
		}
		v, err := marshalNoEscape(list)
		if err != nil {
			h.writeErr(w, r, err)
			return
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	writeValue(w, r, json.RawMessage(buf.Bytes()))
}

// checkValueInput reads checkValue's body into the values to check; nil means no data.
func checkValueInput(body []byte) []string {
	if body == nil {
		return nil
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	if m, ok := v.(map[string]any); ok {
		if inner, ok := m["Warninglist"]; ok {
			v = inner
		}
	}
	if m, ok := v.(map[string]any); ok {
		if inner, ok := m["[]"]; ok {
			v = inner
		}
	}
	var out []string
	add := func(x any) {
		switch x := x.(type) {
		case string:
			out = append(out, x)
		case float64, bool:
			out = append(out, phpString(x))
		case []any:
			for _, y := range x {
				if s, ok := y.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	switch x := v.(type) {
	case []any:
		for _, y := range x {
			add(y)
		}
	case map[string]any:
		// An object's values are checked, in key order (PHP keeps the body's order; Go's decoder does not).
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			add(x[k])
		}
	default:
		add(x)
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// updateWarninglists answers warninglists/update (site admins): the installed lists are read again, and the
// answer says how many are new or newer, as MISP's does.
func (h *handler) updateWarninglists(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	n, err := h.svc.UpdateWarninglists(r.Context(), p.ACL())
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	msg := msgWarninglistsUpToDate
	if n > 0 {
		msg = "Successfully updated " + strconv.Itoa(n) + " warninglists."
	}
	writeSaved(w, r, msg, "")
}

// phpString is PHP's string conversion of a decoded JSON scalar.
func phpString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		if v {
			return "1"
		}
		return ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// phpTruthy is PHP's truth of a string: "" and "0" are false.
func phpTruthy(s string) bool { return s != "" && s != "0" }

// phpList reads a scalar or a list of scalars as strings; null, "", 0, false and [] (PHP's empty) read as none.
func phpList(raw json.RawMessage) []string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	switch x := v.(type) {
	case []any:
		for _, y := range x {
			if s := phpString(y); s != "" {
				out = append(out, s)
			}
		}
	default:
		if s := phpString(x); phpTruthy(s) {
			out = append(out, s)
		}
	}
	return out
}

func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
