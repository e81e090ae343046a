package mispapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/server"
	"github.com/hunchsec/hunch/store"
)

// MISP's messages for the tags controller's refusals and successes.
const (
	msgTagDeleted      = "Tag deleted."
	msgInvalidTag      = "Invalid Tag"
	msgInvalidTagLower = "Invalid tag"
	msgNoIDSet         = "No ID set."
	msgInvalidObjUUID  = "Invalid object uuid"
	msgInvalidUUID     = "Invalid UUID"
	msgTagsAdded       = "Tag(s) added."
	msgTagRemoved      = "Tag removed."
)

// tagRoutes registers the tags controller and the legacy tag actions of events and attributes.
func (h *handler) tagRoutes() {
	get, post := http.MethodGet, http.MethodPost
	h.routeArgs([]string{"/tags/add"}, h.addTag, post)
	h.routeArgs([]string{"/tags/index"}, h.indexTags, get, post)
	h.routeArgs([]string{"/tags/view"}, h.viewTag, get)
	h.routeArgs([]string{"/tags/edit"}, h.editTag, post, http.MethodPut)
	h.routeArgs([]string{"/tags/delete"}, h.deleteTag, post, http.MethodDelete)
	h.routeArgs([]string{"/tags/search"}, h.searchTags, get, post)
	h.routeArgs([]string{"/tags/attachTagToObject"}, h.attachTagToObject, post)
	h.routeArgs([]string{"/tags/removeTagFromObject"}, h.removeTagFromObject, post)
	h.routeArgs([]string{"/events/addTag"}, h.legacyTag("event", true), post)
	h.routeArgs([]string{"/events/removeTag"}, h.legacyTag("event", false), post)
	h.routeArgs([]string{"/attributes/addTag"}, h.legacyTag("attribute", true), post)
	h.routeArgs([]string{"/attributes/removeTag"}, h.legacyTag("attribute", false), post)
}

// writeTagErr answers the refusals of the tag, taxonomy and galaxy actions: intel's *TagError and *TagSaveError in
// MISP's words, a missing row (store.ErrNotFound) with status and message, everything else as writeErr does.
func (h *handler) writeTagErr(w http.ResponseWriter, r *http.Request, err error, status int, message string) {
	var te *intel.TagError
	var se *intel.TagSaveError
	switch {
	case errors.As(err, &te):
		code := http.StatusForbidden
		switch {
		case errors.Is(te.Class, acl.ErrNotFound):
			code = http.StatusNotFound
		case errors.Is(te.Class, acl.ErrNotAllowed):
			code = http.StatusMethodNotAllowed
		}
		server.WriteError(w, r, code, te.Message)
	case errors.As(err, &se):
		server.WriteError(w, r, http.StatusMethodNotAllowed, se.Error())
	case errors.Is(err, store.ErrNotFound) && message != "":
		server.WriteError(w, r, status, message)
	default:
		h.writeErr(w, r, err)
	}
}

// tagBody is a tag as tags/add and tags/edit receive it; pointers tell the fields sent from those left out.
type tagBody struct {
	Name           *string         `json:"name"`
	Colour         *string         `json:"colour"`
	Exportable     *misp.FlexBool  `json:"exportable"`
	HideTag        *misp.FlexBool  `json:"hide_tag"`
	LocalOnly      *misp.FlexBool  `json:"local_only"`
	OrgID          *misp.FlexInt   `json:"org_id"`
	UserID         *misp.FlexInt   `json:"user_id"`
	NumericalValue json.RawMessage `json:"numerical_value"`
}

func readTagBody(r *http.Request) (*tagBody, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	var b tagBody
	if body == nil {
		return &b, nil
	}
	if err := json.Unmarshal(unwrap(body, "Tag"), &b); err != nil {
		return nil, &apiError{status: http.StatusMethodNotAllowed, message: "Could not add the Tag. " + "Malformed tag: " + jsonErrMessage(err)}
	}
	return &b, nil
}

func jsonErrMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return "[" + te.Field + "]: wrong type"
	}
	return "not a tag object"
}

func (b *tagBody) patch() (intel.TagPatch, error) {
	p := intel.TagPatch{Name: b.Name, Colour: b.Colour}
	flag := func(f *misp.FlexBool) *bool {
		if f == nil {
			return nil
		}
		v := bool(*f)
		return &v
	}
	num := func(n *misp.FlexInt) *int64 {
		if n == nil {
			return nil
		}
		v := int64(*n)
		return &v
	}
	p.Exportable, p.HideTag, p.LocalOnly = flag(b.Exportable), flag(b.HideTag), flag(b.LocalOnly)
	p.OrgID, p.UserID = num(b.OrgID), num(b.UserID)
	if len(b.NumericalValue) > 0 {
		var n misp.FlexInt
		if err := json.Unmarshal(b.NumericalValue, &n); err != nil {
			return p, &intel.TagSaveError{Field: "numerical_value", Reason: "Please enter a numeric value."}
		}
		if s := strings.TrimSpace(string(b.NumericalValue)); s == "null" || s == `""` {
			p.ClearNumericalValue = true
		} else {
			v := int64(n)
			p.NumericalValue = &v
		}
	}
	return p, nil
}

// addTag answers tags/add: {"Tag": {…}}, the new tag or the one that already has the name.
func (h *handler) addTag(w http.ResponseWriter, r *http.Request, p Principal, _ Args) {
	b, err := readTagBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	pt, err := b.patch()
	if err != nil {
		h.writeTagErr(w, r, err, 0, "")
		return
	}
	t := misp.Tag{Exportable: true}
	if pt.Name != nil {
		t.Name = *pt.Name
	}
	if pt.Colour != nil {
		t.Colour = *pt.Colour
	}
	for _, f := range []struct {
		v   *bool
		dst *misp.FlexBool
	}{{pt.Exportable, &t.Exportable}, {pt.HideTag, &t.HideTag}, {pt.LocalOnly, &t.LocalOnly}} {
		if f.v != nil {
			*f.dst = misp.FlexBool(*f.v)
		}
	}
	if pt.OrgID != nil {
		t.OrgID = misp.FlexInt(*pt.OrgID)
	}
	if pt.UserID != nil {
		t.UserID = misp.FlexInt(*pt.UserID)
	}
	if pt.NumericalValue != nil {
		n := misp.FlexInt(*pt.NumericalValue)
		t.NumericalValue = &n
	}
	tag, _, err := h.svc.AddTag(r.Context(), p.ACL(), t)
	if err != nil {
		h.writeTagErr(w, r, err, 0, "")
		return
	}
	h.writeTag(w, r, tag)
}

func (h *handler) writeTag(w http.ResponseWriter, r *http.Request, t *misp.Tag) {
	body, err := misp.EncodeTag(t)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	writeJSON(w, r, body)
}

// tagWithCounts is a tag as tags/index and tags/view list it: its fields and the reader's counts.
type tagWithCounts struct {
	misp.Tag
	Favourite      *bool  `json:"favourite,omitempty"`
	Count          *int64 `json:"count,omitempty"`
	AttributeCount *int64 `json:"attribute_count,omitempty"`
}

func withCounts(v intel.TagView, favourite bool) tagWithCounts {
	out := tagWithCounts{Tag: v.Tag}
	if favourite {
		f := false // hunch keeps no favourite tags
		out.Favourite = &f
	}
	if v.Statistics {
		out.Count, out.AttributeCount = &v.Count, &v.AttributeCount
	}
	return out
}

// namedOrQuery returns a CakePHP named parameter, or the query parameter of the same name.
func namedOrQuery(r *http.Request, a Args, name string) string {
	if v, ok := a.Named[name]; ok {
		return v
	}
	return r.URL.Query().Get(name)
}

// indexTags answers tags/index: {"Tag": [{…, "favourite", "count", "attribute_count"}]}, filtered by searchall
// (substring) or name/filter/search (exact, case-insensitive), as named parameters, query parameters or a body.
func (h *handler) indexTags(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	params := map[string]string{}
	if body != nil {
		var m map[string]any
		if json.Unmarshal(unwrap(body, "Tag"), &m) == nil {
			for k, v := range m {
				switch v := v.(type) {
				case string:
					params[k] = v
				case float64:
					params[k] = strconv.FormatFloat(v, 'f', -1, 64)
				case bool:
					if v {
						params[k] = "1"
					}
				}
			}
		}
	}
	get := func(name string) string {
		if v := namedOrQuery(r, a, name); v != "" {
			return v
		}
		return params[name]
	}
	f := intel.TagFilter{SearchAll: get("searchall")}
	for _, k := range []string{"name", "filter", "search"} {
		if v := get(k); v != "" {
			f.Name = v
		}
	}
	if v := get("exclude_statistics"); v != "" && v != "0" && v != "false" {
		f.ExcludeStatistics = true
	}
	tags, err := h.svc.Tags(r.Context(), p.ACL(), f)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	out := make([]tagWithCounts, 0, len(tags))
	for _, t := range tags {
		out = append(out, withCounts(t, true))
	}
	writeValue(w, r, struct {
		Tag []tagWithCounts `json:"Tag"`
	}{out})
}

// tagID parses a tag id path argument; 0 when it is not one.
func tagID(s string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

// viewTag answers tags/view/{id} with the bare tag and its counts; a tag that does not exist is MISP's 405
// "Invalid Tag".
func (h *handler) viewTag(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	id := tagID(a.Arg(0))
	if id == 0 {
		server.WriteError(w, r, http.StatusMethodNotAllowed, msgInvalidTag)
		return
	}
	v, err := h.svc.Tag(r.Context(), p.ACL(), id)
	if err != nil {
		h.writeTagErr(w, r, err, http.StatusMethodNotAllowed, msgInvalidTag)
		return
	}
	writeValue(w, r, withCounts(*v, false))
}

// editTag answers tags/edit/{id} with {"Tag": {…}}.
func (h *handler) editTag(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if a.Arg(0) == "" {
		server.WriteError(w, r, http.StatusNotFound, msgNoIDSet)
		return
	}
	if err := h.svc.Policy().CanEditTags(p.ACL()); err != nil {
		h.writeErr(w, r, err)
		return
	}
	id := tagID(a.Arg(0))
	if id == 0 {
		server.WriteError(w, r, http.StatusNotFound, msgInvalidTagLower)
		return
	}
	b, err := readTagBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	pt, err := b.patch()
	if err != nil {
		h.writeTagErr(w, r, err, 0, "")
		return
	}
	t, err := h.svc.EditTag(r.Context(), p.ACL(), id, pt)
	if err != nil {
		h.writeTagErr(w, r, err, http.StatusNotFound, msgInvalidTagLower)
		return
	}
	h.writeTag(w, r, t)
}

// deleteTag answers tags/delete/{id} with MISP's {"name": "Tag deleted.", "message", "url"}.
func (h *handler) deleteTag(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	if err := h.svc.Policy().CanEditTags(p.ACL()); err != nil {
		h.writeErr(w, r, err)
		return
	}
	id := tagID(a.Arg(0))
	if id == 0 {
		server.WriteError(w, r, http.StatusNotFound, msgInvalidTagLower)
		return
	}
	if err := h.svc.DeleteTag(r.Context(), p.ACL(), id); err != nil {
		h.writeTagErr(w, r, err, http.StatusNotFound, msgInvalidTagLower)
		return
	}
	writeValue(w, r, struct {
		Name    string `json:"name"`
		Message string `json:"message"`
		URL     string `json:"url"`
	}{msgTagDeleted, msgTagDeleted, "/tags/delete/" + strconv.FormatInt(id, 10)})
}

// rawArgs returns the path arguments after the action as they were given, except named local:… ones: tag names
// hold colons, which parseArgs would take for named parameters.
func rawArgs(r *http.Request) []string {
	rest := strings.TrimSuffix(r.PathValue("args"), ".json")
	var out []string
	for seg := range strings.SplitSeq(rest, "/") {
		if seg == "" || strings.HasPrefix(seg, "local:") {
			continue
		}
		out = append(out, seg)
	}
	return out
}

// stringsOf reads a JSON string, number, or list of them; ok is false for anything else.
func stringsOf(raw json.RawMessage) ([]string, bool) {
	if len(raw) == 0 {
		return nil, true
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		list = []json.RawMessage{raw}
	}
	var out []string
	for _, item := range list {
		var s string
		if json.Unmarshal(item, &s) == nil {
			out = append(out, s)
			continue
		}
		var n json.Number
		if json.Unmarshal(item, &n) == nil {
			out = append(out, n.String())
			continue
		}
		var obj struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(item, &obj) == nil && obj.Name != "" {
			out = append(out, obj.Name) // a tag object, as some clients send
			continue
		}
		return nil, false
	}
	return out, true
}

// tagSearchResult is one entry of tags/search's answer.
type tagSearchResult struct {
	Tag      misp.Tag        `json:"Tag"`
	Taxonomy *taxonomyFields `json:"Taxonomy,omitempty"`
}

// searchTags answers tags/search/{name} (or a body {"tag": name|[…]}, or PyMISP's {"tagname": …}) with a list of
// [{"Tag": {…}, "Taxonomy"?: {…}}]; '%' is a wildcard.
func (h *handler) searchTags(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	body, err := readBody(r)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	var terms []string
	if args := rawArgs(r); len(args) > 0 {
		terms = append(terms, strings.Join(args, "/"))
	}
	if body != nil {
		var m map[string]json.RawMessage
		if json.Unmarshal(unwrap(body, "Tag"), &m) == nil {
			for _, k := range []string{"tag", "tagname", "name"} {
				if v, ok := stringsOf(m[k]); ok {
					terms = append(terms, v...)
				}
			}
		} else if v, ok := stringsOf(body); ok {
			terms = append(terms, v...)
		}
	}
	found, err := h.svc.SearchTags(r.Context(), p.ACL(), terms)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	out := make([]tagSearchResult, 0, len(found))
	for _, m := range found {
		res := tagSearchResult{Tag: m.Tag}
		if m.Taxonomy != nil {
			tf := taxonomyFieldsOf(m.Taxonomy)
			res.Taxonomy = &tf
		}
		out = append(out, res)
	}
	writeValue(w, r, out)
}

// tagObjectBody is tags/attachTagToObject's and removeTagFromObject's body.
type tagObjectBody struct {
	UUID             string          `json:"uuid"`
	Tag              json.RawMessage `json:"tag"`
	Local            misp.FlexBool   `json:"local"`
	RelationshipType misp.NullString `json:"relationship_type"`
}

func readTagObjectBody(r *http.Request, a Args) (*tagObjectBody, []string, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	var b tagObjectBody
	if body != nil {
		if err := json.Unmarshal(unwrap(body, "Tag"), &b); err != nil {
			return nil, nil, &apiError{status: http.StatusMethodNotAllowed, message: msgInvalidObjUUID}
		}
	}
	args := rawArgs(r)
	if len(args) > 0 {
		b.UUID = args[0]
	}
	if b.UUID == "" {
		return nil, nil, &apiError{status: http.StatusMethodNotAllowed, message: msgInvalidObjUUID}
	}
	if !misp.ValidUUID(b.UUID) {
		return nil, nil, badRequest(msgInvalidUUID)
	}
	tags, ok := stringsOf(b.Tag)
	if len(args) > 1 {
		tags, ok = []string{args[1]}, true
	}
	if len(args) > 2 && args[2] != "0" && args[2] != "false" || a.Flag("local") {
		b.Local = true
	}
	if !ok || len(tags) == 0 || len(tags) == 1 && strings.TrimSpace(tags[0]) == "" {
		return nil, nil, &apiError{status: http.StatusMethodNotAllowed, message: msgInvalidTagLower}
	}
	return &b, tags, nil
}

// attachTagToObject answers tags/attachTagToObject with MISP's success message ("Global tag tlp:green(3)
// successfully attached to Event(12).") or, when no tag could be attached, 403 with the reasons.
func (h *handler) attachTagToObject(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	b, tags, err := readTagObjectBody(r, a)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	res, err := h.svc.AttachTags(r.Context(), p.ACL(), intel.TagAttach{Target: intel.TagTarget{UUID: b.UUID},
		Tags: tags, Local: bool(b.Local), RelationshipType: string(b.RelationshipType)})
	var ae *intel.TagAttachError
	if errors.As(err, &ae) {
		writeSaveFailed(w, r, http.StatusForbidden, "Could not attachTagToObject Tag", ae.Error())
		return
	}
	if err != nil {
		h.writeTagErr(w, r, err, 0, "")
		return
	}
	writeSaved(w, r, res.Message, "")
}

// removeTagFromObject answers tags/removeTagFromObject with MISP's success message ("Global tag tlp:green (3)
// successfully removed from Event(12).").
func (h *handler) removeTagFromObject(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
	b, tags, err := readTagObjectBody(r, a)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	res, err := h.svc.DetachTag(r.Context(), p.ACL(), intel.TagTarget{UUID: b.UUID}, tags[0])
	if err != nil {
		h.writeTagErr(w, r, err, 0, "")
		return
	}
	writeSaved(w, r, res.Message, "")
}

// legacyReply is the answer of the legacy events/addTag, removeTag and attributes/addTag, removeTag actions.
type legacyReply struct {
	Saved        bool   `json:"saved"`
	Success      string `json:"success,omitempty"`
	CheckPublish bool   `json:"check_publish,omitempty"`
	Errors       string `json:"errors,omitempty"`
}

// legacyTag serves events/addTag/{id}/{tag}, events/removeTag/{id}/{tag} and their attributes/ forms (named
// parameter local:1 for a local tag). The id and tag may come in the body instead ({"Event": {"id", "tag"}},
// {"Attribute": …} or bare), as MISP's older clients send them.
func (h *handler) legacyTag(kind string, add bool) Handler {
	wrapper := "Event"
	if kind == "attribute" {
		wrapper = "Attribute"
	}
	return func(w http.ResponseWriter, r *http.Request, p Principal, a Args) {
		body, err := readBody(r)
		if err != nil {
			h.writeErr(w, r, err)
			return
		}
		var b struct {
			ID    json.RawMessage `json:"id"`
			Tag   json.RawMessage `json:"tag"`
			Local misp.FlexBool   `json:"local"`
		}
		if body != nil {
			_ = json.Unmarshal(unwrap(body, wrapper), &b)
		}
		ids, _ := stringsOf(b.ID)
		tags, _ := stringsOf(b.Tag)
		args := rawArgs(r)
		if len(args) > 0 {
			ids = []string{args[0]}
		}
		if len(args) > 1 {
			tags = []string{args[1]}
		}
		local := bool(b.Local) || a.Flag("local")
		notFound := acl.MsgInvalidEvent
		if kind == "attribute" {
			notFound = acl.MsgInvalidAttribute
		}
		if len(ids) != 1 {
			server.WriteError(w, r, http.StatusNotFound, notFound)
			return
		}
		ref, ok := ParseRef(ids[0])
		if !ok {
			server.WriteError(w, r, http.StatusNotFound, notFound)
			return
		}
		if len(tags) == 0 {
			server.WriteError(w, r, http.StatusNotFound, msgInvalidTagLower)
			return
		}
		target := intel.TagTarget{UUID: ref.UUID}
		if ref.UUID == "" {
			if kind == "event" {
				target.EventID = ref.ID
			} else {
				target.AttributeID = ref.ID
			}
		}
		if add {
			_, err := h.svc.AttachTags(r.Context(), p.ACL(), intel.TagAttach{Target: target, Tags: tags, Local: local})
			var ae *intel.TagAttachError
			if errors.As(err, &ae) {
				writeValue(w, r, legacyReply{Errors: strings.Join(ae.Reasons, ", ")})
				return
			}
			if err != nil {
				h.writeTagErr(w, r, err, 0, "")
				return
			}
			writeValue(w, r, legacyReply{Saved: true, Success: msgTagsAdded, CheckPublish: true})
			return
		}
		if _, err := h.svc.DetachTag(r.Context(), p.ACL(), target, tags[0]); err != nil {
			h.writeTagErr(w, r, err, 0, "")
			return
		}
		writeValue(w, r, legacyReply{Saved: true, Success: msgTagRemoved, CheckPublish: true})
	}
}
