package intel

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// MISP's words for tag operations, verbatim (TagsController, EventsController::addTag).
const (
	// MsgInvalidTagDot refuses a tag id that names no tag when attaching, and a tag that is not found when detaching.
	MsgInvalidTagDot = "Invalid Tag."
	// MsgTagNotFoundNoCreate is the failure reason for a tag name that does not exist when the caller may not create tags.
	MsgTagNotFoundNoCreate = "Tag not found and insufficient privileges to create it."
	// MsgTagFixedOrg is the failure reason for a tag restricted to another organisation.
	MsgTagFixedOrg = "Invalid Tag. This tag can only be set by a fixed organisation."
	// MsgTagFixedUser is the failure reason for a tag restricted to another user.
	MsgTagFixedUser = "Invalid Tag. This tag can only be set by a fixed user."
	// MsgTagLocalOnly is the failure reason for a local-only tag attached globally.
	MsgTagLocalOnly = "Invalid Tag. This tag can only be set as a local tag."
	// MsgTagSimilarName refuses a tag name that another tag already has.
	MsgTagSimilarName = "A similar name already exists."
	// MsgRemoveLocalTag refuses detaching a local tag from an event the caller may not tag locally.
	MsgRemoveLocalTag = "Insufficient privileges to remove local tags from events you do not own."
)

// TagError is a refusal of a tag, taxonomy or galaxy operation worded as MISP words it where intel/acl has no
// decision for it. Class is acl.ErrNotFound, acl.ErrForbidden or acl.ErrNotAllowed (MISP's 404, 403 and 405);
// errors.Is matches it.
type TagError struct {
	Class   error
	Message string
}

// Error returns the refusal in one line.
func (e *TagError) Error() string { return "intel: " + strings.ToLower(e.Message[:1]) + e.Message[1:] }

// Unwrap returns the class.
func (e *TagError) Unwrap() error { return e.Class }

// TagSaveError refuses a tag that does not validate (MISP's "Could not add the Tag. [field]: reason", a 405).
type TagSaveError struct {
	Field, Reason string
}

// Error returns MISP's message.
func (e *TagSaveError) Error() string { return "Could not add the Tag. [" + e.Field + "]: " + e.Reason }

// TagAttachError refuses a tags/attachTagToObject request none of whose tags could be attached; Reasons holds why,
// one entry per tag, in MISP's words.
type TagAttachError struct {
	Reasons []string
}

// Error returns MISP's message: "Failed to attach N tags. Reasons: {"0": …}".
func (e *TagAttachError) Error() string { return failedAttachMessage(e.Reasons) }

func failedAttachMessage(reasons []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, r := range reasons {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(strconv.Itoa(i))
		v, _ := json.Marshal(r)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return fmt.Sprintf("Failed to attach %d tags. Reasons: %s", len(reasons), b.String())
}

// TagView is a tag with how many events (Count) and attributes (AttributeCount) the reader can see it attached to,
// as tags/index and tags/view give it.
type TagView struct {
	misp.Tag
	Count          int64
	AttributeCount int64
	// Statistics is false when the counts were not computed (tags/index's exclude_statistics).
	Statistics bool
}

// TagFilter selects tags for tags/index.
type TagFilter struct {
	// SearchAll keeps tags whose name contains it (case-insensitive).
	SearchAll string
	// Name keeps the tag whose name is exactly this, case-insensitive.
	Name string
	// ExcludeStatistics skips counting events and attributes.
	ExcludeStatistics bool
}

// TagPatch is an edit of a tag: the fields that are set replace the stored ones.
type TagPatch struct {
	Name, Colour                   *string
	Exportable, HideTag, LocalOnly *bool
	OrgID, UserID                  *int64
	NumericalValue                 *int64
	ClearNumericalValue            bool
}

var colourRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// TagColour is the colour MISP gives a tag created without one: the first six hex digits of the md5 of its name.
func TagColour(name string) string {
	sum := md5.Sum([]byte(name))
	return "#" + hex.EncodeToString(sum[:])[:6]
}

func validateTag(t *misp.Tag) error {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		return &TagSaveError{Field: "name", Reason: "This field is required."}
	}
	if len(t.Name) > 255 {
		return &TagSaveError{Field: "name", Reason: "The tag name is too long (255 characters at most)."}
	}
	if t.Colour == "" {
		t.Colour = TagColour(t.Name)
	}
	if !colourRE.MatchString(t.Colour) {
		return &TagSaveError{Field: "colour", Reason: "Colour has to be in the RGB format (#FFFFFF)"}
	}
	return nil
}

// AddTag creates tag t (tags/add; perm_tag_editor) and sets its id. As MISP's API does, a name that already exists
// is not an error: the existing tag is returned and created is false. A tag without a colour gets TagColour.
func (s *Service) AddTag(ctx context.Context, u acl.User, t misp.Tag) (tag *misp.Tag, created bool, err error) {
	if err := s.Policy().CanCreateTags(u); err != nil {
		return nil, false, err
	}
	t.ID = 0
	t.Local, t.RelationshipType = false, ""
	if err := validateTag(&t); err != nil {
		return nil, false, err
	}
	if old, err := s.st.TagByName(ctx, t.Name); err == nil {
		return old, false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, false, fmt.Errorf("look up tag %q: %w", t.Name, err)
	}
	if err := s.st.CreateTag(ctx, &t); err != nil {
		if errors.Is(err, store.ErrConflict) {
			// Created concurrently by another request: answer it as MISP answers an existing name.
			if old, lerr := s.st.TagByName(ctx, t.Name); lerr == nil {
				return old, false, nil
			}
		}
		return nil, false, fmt.Errorf("create tag %q: %w", t.Name, err)
	}
	return &t, true, nil
}

// Tags lists the tags f selects, by name (tags/index), each with the counts u may see unless f excludes them.
func (s *Service) Tags(ctx context.Context, u acl.User, f TagFilter) ([]TagView, error) {
	if err := s.Policy().CanUseAPI(u); err != nil {
		return nil, err
	}
	all, err := s.st.ListTags(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	search := strings.ToLower(f.SearchAll)
	out := make([]TagView, 0, len(all))
	for _, t := range all {
		if search != "" && !strings.Contains(strings.ToLower(t.Name), search) {
			continue
		}
		if f.Name != "" && !strings.EqualFold(t.Name, f.Name) {
			continue
		}
		out = append(out, TagView{Tag: t})
	}
	if f.ExcludeStatistics {
		return out, nil
	}
	if len(out) > tagCountQueries {
		return out, s.countTags(ctx, u, out)
	}
	for i := range out {
		if err := s.countTag(ctx, u, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// tagCountQueries is how many tags tags/index counts with two queries each; beyond it, one pass over the readable
// events and one over the readable tagged attributes count them all.
const tagCountQueries = 16

// countTags fills the counts of every tag in views in one pass over the events and one over the tagged attributes
// u can read; it counts what countTag counts.
func (s *Service) countTags(ctx context.Context, u acl.User, views []TagView) error {
	cond := s.Policy().ReadableConditions(u)
	byID := make(map[misp.FlexInt]*TagView, len(views))
	for i := range views {
		views[i].Statistics = true
		byID[views[i].ID] = &views[i]
	}
	for ev, err := range s.st.SearchEvents(ctx, store.EventFilter{Conditions: cond, Metadata: true}) {
		if err != nil {
			return fmt.Errorf("count tagged events: %w", err)
		}
		for _, t := range ev.Tag {
			if v := byID[t.ID]; v != nil {
				v.Count++
			}
		}
	}
	for a, err := range s.st.SearchAttributes(ctx, store.AttributeFilter{Conditions: cond, Tags: store.Any("%")}) {
		if err != nil {
			return fmt.Errorf("count tagged attributes: %w", err)
		}
		for _, t := range a.Tag {
			if v := byID[t.ID]; v != nil {
				v.AttributeCount++
			}
		}
	}
	return nil
}

// countTag fills v's counts: the events u can read that carry the tag, and the live attributes u can read that
// carry it themselves (not through their event).
func (s *Service) countTag(ctx context.Context, u acl.User, v *TagView) error {
	cond := s.Policy().ReadableConditions(u)
	match := store.Any(v.Name)
	n, err := s.st.CountEvents(ctx, store.EventFilter{Conditions: cond, Tags: match})
	if err != nil {
		return fmt.Errorf("count events tagged %q: %w", v.Name, err)
	}
	var m int64
	for a, err := range s.st.SearchAttributes(ctx, store.AttributeFilter{Conditions: cond, Tags: match}) {
		if err != nil {
			return fmt.Errorf("count attributes tagged %q: %w", v.Name, err)
		}
		for _, t := range a.Tag {
			if t.ID == v.ID {
				m++
				break
			}
		}
	}
	v.Count, v.AttributeCount, v.Statistics = n, m, true
	return nil
}

// Tag returns tag id with the counts u may see (tags/view). A missing tag wraps store.ErrNotFound.
func (s *Service) Tag(ctx context.Context, u acl.User, id int64) (*TagView, error) {
	if err := s.Policy().CanUseAPI(u); err != nil {
		return nil, err
	}
	t, err := s.st.Tag(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("tag %d: %w", id, err)
	}
	v := &TagView{Tag: *t}
	if err := s.countTag(ctx, u, v); err != nil {
		return nil, err
	}
	return v, nil
}

// EditTag applies p to tag id (tags/edit; site admins). A missing tag wraps store.ErrNotFound; a name another tag
// has is a *TagSaveError.
func (s *Service) EditTag(ctx context.Context, u acl.User, id int64, p TagPatch) (*misp.Tag, error) {
	if err := s.Policy().CanEditTags(u); err != nil {
		return nil, err
	}
	t, err := s.st.Tag(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("tag %d: %w", id, err)
	}
	if p.Name != nil {
		t.Name = *p.Name
	}
	if p.Colour != nil {
		t.Colour = *p.Colour
	}
	if p.Exportable != nil {
		t.Exportable = misp.FlexBool(*p.Exportable)
	}
	if p.HideTag != nil {
		t.HideTag = misp.FlexBool(*p.HideTag)
	}
	if p.LocalOnly != nil {
		t.LocalOnly = misp.FlexBool(*p.LocalOnly)
	}
	if p.OrgID != nil {
		t.OrgID = misp.FlexInt(*p.OrgID)
	}
	if p.UserID != nil {
		t.UserID = misp.FlexInt(*p.UserID)
	}
	if p.ClearNumericalValue {
		t.NumericalValue = nil
	} else if p.NumericalValue != nil {
		n := misp.FlexInt(*p.NumericalValue)
		t.NumericalValue = &n
	}
	if err := validateTag(t); err != nil {
		return nil, err
	}
	if other, err := s.st.TagByName(ctx, t.Name); err == nil && other.ID != t.ID {
		return nil, &TagSaveError{Field: "name", Reason: MsgTagSimilarName}
	}
	if err := s.st.UpdateTag(ctx, t); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, &TagSaveError{Field: "name", Reason: MsgTagSimilarName}
		}
		return nil, fmt.Errorf("update tag %d: %w", id, err)
	}
	return t, nil
}

// DeleteTag deletes tag id and every attachment of it (tags/delete; site admins). A missing tag wraps
// store.ErrNotFound.
func (s *Service) DeleteTag(ctx context.Context, u acl.User, id int64) error {
	if err := s.Policy().CanEditTags(u); err != nil {
		return err
	}
	if err := s.st.DeleteTag(ctx, id); err != nil {
		return fmt.Errorf("delete tag %d: %w", id, err)
	}
	return nil
}

// TagMatch is one answer of tags/search: a tag with the taxonomy its namespace belongs to, when one is installed.
type TagMatch struct {
	Tag      misp.Tag
	Taxonomy *Taxonomy
}

// SearchTags returns the tags whose names match one of terms (tags/search), case-insensitive, '%' matching any run
// of characters; numeric terms also match tag ids. Each tag comes with its installed taxonomy, if any.
func (s *Service) SearchTags(ctx context.Context, u acl.User, terms []string) ([]TagMatch, error) {
	if err := s.Policy().CanUseAPI(u); err != nil {
		return nil, err
	}
	all, err := s.st.ListTags(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	var res []*regexp.Regexp
	for _, t := range terms {
		if t = strings.TrimSpace(t); t != "" {
			res = append(res, likeRegexp(t))
		}
	}
	var out []TagMatch
	var taxonomies []Taxonomy
	loaded := false
	for _, t := range all {
		hit := false
		for _, re := range res {
			if re.MatchString(t.Name) {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		m := TagMatch{Tag: t}
		if ns, _, _, err := misp.ParseMachineTag(t.Name); err == nil {
			if !loaded {
				if taxonomies, err = s.loadTaxonomies(ctx, false); err != nil {
					return nil, err
				}
				loaded = true
			}
			for i := range taxonomies {
				if strings.EqualFold(taxonomies[i].Namespace, ns) {
					tx := taxonomies[i]
					m.Taxonomy = &tx
					break
				}
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// likeRegexp compiles a SQL LIKE pattern ('%' any run, '_' any one character) into a case-insensitive regexp.
func likeRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range p {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// TagTarget names what a tag is attached to: an event or attribute by UUID (tags/attachTagToObject), or by id
// (events/addTag, attributes/addTag).
type TagTarget struct {
	UUID        string
	EventID     int64
	AttributeID int64
}

// TagAttach is a request to attach tags: each of Tags is a tag name or a numeric tag id.
type TagAttach struct {
	Target           TagTarget
	Tags             []string
	Local            bool
	RelationshipType string
	// Create creates a missing tag whatever the caller's perm_tag_editor (a galaxy cluster's tag).
	Create bool
}

// TagResult is the outcome of attaching or detaching tags: MISP's success message (with the failures of a
// partly successful request appended) and the target.
type TagResult struct {
	Message string
	// Kind is "Event" or "Attribute"; ID the target's id; EventID its event's.
	Kind    string
	ID      int64
	EventID int64
}

// tagTarget is a resolved target: the event (without elements) and, for an attribute, the attribute.
type tagTarget struct {
	kind  string
	event *misp.Event
	attr  *misp.Attribute
	el    acl.Element
	obj   *acl.Element
}

func (t *tagTarget) id() int64 {
	if t.attr != nil {
		return int64(t.attr.ID)
	}
	return int64(t.event.ID)
}

// tags returns the tags attached to the target now.
func (t *tagTarget) tags() []misp.Tag {
	if t.attr != nil {
		return t.attr.Tag
	}
	return t.event.Tag
}

// tagEventHeader returns event id with its tags, Org and Orgc but no elements.
func (s *Service) tagEventHeader(ctx context.Context, f store.EventFilter) (*misp.Event, error) {
	f.Conditions = acl.Conditions{Unrestricted: true}
	f.Metadata = true
	f.Limit = 1
	for ev, err := range s.st.SearchEvents(ctx, f) {
		if err != nil {
			return nil, fmt.Errorf("look up event: %w", err)
		}
		return ev, nil
	}
	return nil, store.ErrNotFound
}

// resolveTagTarget finds the target; one that does not exist is acl's 404 "Invalid Target." (as one u may not see).
func (s *Service) resolveTagTarget(ctx context.Context, tt TagTarget) (*tagTarget, error) {
	notFound := acl.NotFound(acl.MsgInvalidTarget)
	var f store.EventFilter
	switch {
	case tt.UUID != "":
		if !misp.ValidUUID(tt.UUID) {
			return nil, notFound
		}
		f.UUIDs = []string{strings.ToLower(tt.UUID)}
	case tt.EventID != 0:
		f.IDs = []int64{tt.EventID}
	}
	if tt.UUID != "" || tt.EventID != 0 {
		ev, err := s.tagEventHeader(ctx, f)
		if err == nil {
			return &tagTarget{kind: "Event", event: ev}, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if tt.UUID == "" {
			return nil, notFound
		}
	}
	var a *misp.Attribute
	var err error
	if tt.UUID != "" {
		a, err = s.st.AttributeByUUID(ctx, strings.ToLower(tt.UUID))
	} else if tt.AttributeID != 0 {
		a, err = s.st.Attribute(ctx, tt.AttributeID)
	} else {
		return nil, notFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound
	} else if err != nil {
		return nil, fmt.Errorf("look up attribute: %w", err)
	}
	ev, err := s.tagEventHeader(ctx, store.EventFilter{IDs: []int64{int64(a.EventID)}})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound
	} else if err != nil {
		return nil, err
	}
	t := &tagTarget{kind: "Attribute", event: ev, attr: a, el: ACLElement(acl.KindAttribute, a.Distribution, a.SharingGroupID)}
	if a.ObjectID != 0 {
		o, err := s.st.Object(ctx, int64(a.ObjectID))
		if err != nil {
			return nil, fmt.Errorf("object of attribute %d: %w", a.ID, err)
		}
		oe := ACLElement(acl.KindObject, o.Distribution, o.SharingGroupID)
		t.obj = &oe
	}
	return t, nil
}

// canTagTarget decides tagging t for u: the object of an attribute must be readable too.
func (s *Service) canTagTarget(u acl.User, t *tagTarget, local bool) error {
	p := s.Policy()
	ev := ACLEvent(t.event)
	if t.attr == nil {
		return p.CanTag(u, ev, local)
	}
	if t.obj != nil {
		if err := p.CanTag(u, ev, local); err != nil && !errors.Is(err, acl.ErrForbidden) {
			return err
		}
		if p.CanReadObjectAttribute(u, ev, *t.obj, t.el) != nil {
			if err := p.CanTagElement(u, ev, t.el, local); err != nil && !errors.Is(err, acl.ErrNotFound) {
				return err
			}
			return acl.NotFound(acl.MsgInvalidTarget)
		}
	}
	return p.CanTagElement(u, ev, t.el, local)
}

// tagGate is the role gate of the tagging actions (perm_tagger): CanTag's first decision, which refuses a caller
// without the permission before looking at any event.
func tagGate(p *acl.Policy, u acl.User) error {
	if u.EffectiveRole().PermTagger {
		return nil
	}
	return p.CanTag(u, acl.Event{}, false)
}

// tagByRef looks a tag up by numeric id or by name (exactly, then ignoring case); nil when there is none.
func (s *Service) tagByRef(ctx context.Context, ref string) (*misp.Tag, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		t, err := s.st.Tag(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		return t, err
	}
	t, err := s.st.TagByName(ctx, ref)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return t, err
	}
	all, err := s.st.ListTags(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if strings.EqualFold(all[i].Name, ref) {
			return &all[i], nil
		}
	}
	return nil, nil
}

// AttachTags attaches tags to an event or attribute (tags/attachTagToObject, events/addTag, attributes/addTag) as
// MISP does: perm_tagger; local tags only by the host organisation; global tags only by the creating organisation
// or site admins; a target u may not see is 404 "Invalid Target."; a tag name that does not exist is created when u
// has perm_tag_editor. Tags that cannot be attached are reported in the message of a partly successful request;
// when none could be, the error is a *TagAttachError. A global tag unpublishes the event (or touches the
// attribute), as in MISP.
func (s *Service) AttachTags(ctx context.Context, u acl.User, req TagAttach) (*TagResult, error) {
	p := s.Policy()
	if err := tagGate(p, u); err != nil {
		return nil, err
	}
	if len(req.Tags) == 0 {
		return nil, &TagError{Class: acl.ErrNotAllowed, Message: "Invalid tag"}
	}
	host := p.Settings().Instance.HostOrgID
	role := u.EffectiveRole()
	var fails, existing []string
	var target *tagTarget
	successes := 0
	var message string
	touched := false
	for _, ref := range req.Tags {
		if req.Local && u.OrgID != host {
			fails = append(fails, acl.MsgLocalTagsHostOrg)
			continue
		}
		if target == nil {
			t, err := s.resolveTagTarget(ctx, req.Target)
			if err != nil {
				return nil, err
			}
			target = t
		}
		if err := s.canTagTarget(u, target, req.Local); err != nil {
			return nil, err
		}
		tag, err := s.tagByRef(ctx, ref)
		if err != nil {
			return nil, fmt.Errorf("look up tag %q: %w", ref, err)
		}
		if tag == nil {
			if _, nerr := strconv.ParseInt(strings.TrimSpace(ref), 10, 64); nerr == nil {
				fails = append(fails, MsgInvalidTagDot)
				continue
			}
			if !role.PermTagEditor && !req.Create {
				fails = append(fails, MsgTagNotFoundNoCreate)
				continue
			}
			nt := misp.Tag{Name: strings.TrimSpace(ref), Exportable: true}
			if _, _, ok := misp.ParseClusterTag(nt.Name); ok {
				nt.IsGalaxy, nt.Colour = true, "#0088cc" // as MISP captures a cluster's tag
			}
			if err := validateTag(&nt); err != nil {
				fails = append(fails, "Unable to create tag. Reason: "+err.Error())
				continue
			}
			if err := s.st.CreateTag(ctx, &nt); err != nil {
				if !errors.Is(err, store.ErrConflict) {
					return nil, fmt.Errorf("create tag %q: %w", nt.Name, err)
				}
				if tag, err = s.tagByRef(ctx, nt.Name); err != nil || tag == nil {
					return nil, fmt.Errorf("look up tag %q: %v", nt.Name, err)
				}
			} else {
				tag = &nt
			}
		}
		if !role.PermSiteAdmin {
			if tag.OrgID != 0 && int64(tag.OrgID) != u.OrgID {
				fails = append(fails, MsgTagFixedOrg)
				continue
			}
			if tag.UserID != 0 && int64(tag.UserID) != u.ID {
				fails = append(fails, MsgTagFixedUser)
				continue
			}
		}
		if bool(tag.LocalOnly) && !req.Local {
			fails = append(fails, MsgTagLocalOnly)
			continue
		}
		already := false
		for _, have := range target.tags() {
			if have.ID == tag.ID {
				already = true
				break
			}
		}
		if already {
			message = fmt.Sprintf("%s already has the requested tag attached, no changes had to be made for tag %s.", target.kind, tag.Name)
			existing = append(existing, tag.Name)
			successes++
			continue
		}
		if target.attr != nil {
			err = s.st.AttachAttributeTag(ctx, int64(target.attr.ID), int64(tag.ID), req.Local, req.RelationshipType)
		} else {
			err = s.st.AttachEventTag(ctx, int64(target.event.ID), int64(tag.ID), req.Local, req.RelationshipType)
		}
		if err != nil {
			return nil, fmt.Errorf("attach tag %d to %s %d: %w", tag.ID, strings.ToLower(target.kind), target.id(), err)
		}
		attached := *tag
		attached.Local = misp.FlexBool(req.Local)
		if target.attr != nil {
			target.attr.Tag = append(target.attr.Tag, attached)
		} else {
			target.event.Tag = append(target.event.Tag, attached)
		}
		scope := "Global"
		if req.Local {
			scope = "Local"
		} else {
			touched = true
		}
		message = fmt.Sprintf("%s tag %s(%d) successfully attached to %s(%d).", scope, tag.Name, tag.ID, target.kind, target.id())
		successes++
	}
	if successes == 0 {
		return nil, &TagAttachError{Reasons: fails}
	}
	if touched {
		if err := s.touchTagTarget(ctx, target); err != nil {
			return nil, err
		}
	}
	if successes > 1 {
		message = fmt.Sprintf("Successfully attached %d tags to %s (%d)", successes, target.kind, target.id())
		if len(existing) > 0 {
			names, _ := json.Marshal(existing)
			message += fmt.Sprintf(". %d already has the requested tag attached, no changes had to be made for tags %s.", target.id(), names)
		}
	}
	if len(fails) > 0 {
		message += "\n" + failedAttachMessage(fails)
	}
	return &TagResult{Message: message, Kind: target.kind, ID: target.id(), EventID: int64(target.event.ID)}, nil
}

// touchTagTarget records a change of global tags as MISP does: the event is unpublished; an attribute's timestamp
// moves to now (and its event is unpublished).
func (s *Service) touchTagTarget(ctx context.Context, t *tagTarget) error {
	if t.attr != nil {
		a := *t.attr
		a.Timestamp = misp.Timestamp(s.now().Unix())
		if err := s.st.EditAttribute(ctx, &a); err != nil && !errors.Is(err, store.ErrNotNewer) {
			return fmt.Errorf("touch attribute %d: %w", a.ID, err)
		}
	}
	if t.event.Published {
		if err := s.st.UnpublishEvent(ctx, int64(t.event.ID)); err != nil {
			return fmt.Errorf("unpublish event %d: %w", t.event.ID, err)
		}
	}
	return nil
}

// DetachTag removes a tag (a name or a numeric id) from an event or attribute (tags/removeTagFromObject,
// events/removeTag, attributes/removeTag) as MISP does: a tag that does not exist is 405 "Invalid Tag."; a target u
// may not see 404 "Invalid Target."; a tag not attached 404; a global tag needs the creating organisation (or a
// site admin), a local one the host organisation.
func (s *Service) DetachTag(ctx context.Context, u acl.User, target TagTarget, ref string) (*TagResult, error) {
	if err := tagGate(s.Policy(), u); err != nil {
		return nil, err
	}
	tag, err := s.tagByRef(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("look up tag %q: %w", ref, err)
	}
	if tag == nil {
		return nil, &TagError{Class: acl.ErrNotAllowed, Message: MsgInvalidTagDot}
	}
	t, err := s.resolveTagTarget(ctx, target)
	if err != nil {
		return nil, err
	}
	// Visibility first, as MISP looks the target up for viewing before anything else: a target u may not see is
	// "Invalid Target." whatever is attached to it.
	if err := s.canTagTarget(u, t, false); errors.Is(err, acl.ErrNotFound) {
		return nil, err
	}
	var attached *misp.Tag
	for i, have := range t.tags() {
		if have.ID == tag.ID {
			attached = &t.tags()[i]
			break
		}
	}
	if attached == nil {
		return nil, &TagError{Class: acl.ErrNotFound, Message: "Could not remove tag as it is not attached to the target " + t.kind}
	}
	local := bool(attached.Local)
	if err := s.canTagTarget(u, t, local); err != nil {
		if local && errors.Is(err, acl.ErrForbidden) {
			return nil, &TagError{Class: acl.ErrForbidden, Message: MsgRemoveLocalTag}
		}
		return nil, err
	}
	if t.attr != nil {
		err = s.st.DetachAttributeTag(ctx, int64(t.attr.ID), int64(tag.ID))
	} else {
		err = s.st.DetachEventTag(ctx, int64(t.event.ID), int64(tag.ID))
	}
	if err != nil {
		return nil, fmt.Errorf("detach tag %d from %s %d: %w", tag.ID, strings.ToLower(t.kind), t.id(), err)
	}
	if !local {
		if err := s.touchTagTarget(ctx, t); err != nil {
			return nil, err
		}
	}
	scope := "Global"
	if local {
		scope = "Local"
	}
	msg := fmt.Sprintf("%s tag %s (%d) successfully removed from %s(%d).", scope, tag.Name, tag.ID, t.kind, t.id())
	return &TagResult{Message: msg, Kind: t.kind, ID: t.id(), EventID: int64(t.event.ID)}, nil
}
