package acl_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/hunchsec/hunch/intel/acl"
)

func asError(err error, target **acl.Error) bool { return errors.As(err, target) }

// outcome is what a decision answers: status 0 for allowed, else the HTTP status and MISP's message.
type outcome struct {
	status int
	msg    string
}

var allowed = outcome{}

// The oracle's messages are typed out again rather than taken from the package's constants.
var noFunctionality = outcome{403, "You do not have permission to use this functionality."}

func outcomeOf(err error) outcome {
	if err == nil {
		return allowed
	}
	var e *acl.Error
	if !errors.As(err, &e) {
		return outcome{-1, err.Error()}
	}
	return outcome{e.Status(), e.Message()}
}

// ---- the write oracle ----

func modifies(s subject, e eventCase) bool {
	f := s.facts()
	return f.siteAdmin || (f.modifyOrg && e.orgc == s.org) || (f.modify && e.user == s.id)
}

type writeCase struct {
	name   string
	want   outcome
	got    error
	detail string // expected Detail() when set
}

// eventWrites lists every event-level write decision for s on e with the expected outcome.
func eventWrites(p *acl.Policy, s subject, u acl.User, e eventCase, up bool) []writeCase {
	f := s.facts()
	ev := e.event()
	visible := oracleEvent(s, e, up)
	var out []writeCase

	w := allowed
	switch {
	case !f.add:
		w = noFunctionality
	case !visible:
		w = outcome{404, "Invalid event"}
	case !(f.siteAdmin || (f.sync && e.locked) || (modifies(s, e) && e.orgc == s.org)):
		w = outcome{403, "You are not authorised to do that."}
	}
	out = append(out, writeCase{name: "events/edit", want: w, got: p.CanEditEvent(u, ev)})

	w = allowed
	switch {
	case !f.add:
		w = noFunctionality
	case !visible || !modifies(s, e):
		w = outcome{403, "Could not delete Event"}
	}
	detail := ""
	if w.msg == "Could not delete Event" {
		detail = "Event was not deleted."
	}
	out = append(out, writeCase{name: "events/delete", want: w, got: p.CanDeleteEvent(u, ev), detail: detail})

	w = allowed
	switch {
	case !f.publish:
		w = noFunctionality
	case !visible:
		w = outcome{404, "Invalid event."}
	case !(f.siteAdmin || e.orgc == s.org):
		w = outcome{405, "You do not have the permission to do that."}
	}
	out = append(out, writeCase{name: "events/publish", want: w, got: p.CanPublish(u, ev)})

	w = allowed
	switch {
	case !f.modify:
		w = noFunctionality
	case !visible:
		w = outcome{404, "Invalid event."}
	case !modifies(s, e):
		w = outcome{403, "You do not have the permission to do that."}
	}
	out = append(out, writeCase{name: "events/unpublish", want: w, got: p.CanUnpublish(u, ev)})

	w = allowed
	switch {
	case !f.add:
		w = noFunctionality
	case !visible:
		w = outcome{404, "Invalid event"}
	case !modifies(s, e):
		w = outcome{403, "You do not have permission to do that."}
	}
	out = append(out, writeCase{name: "attributes/add", want: w, got: p.CanAddAttribute(u, ev)})

	w = allowed
	switch {
	case !f.add:
		w = noFunctionality
	case !visible:
		w = outcome{404, "Invalid Event"}
	}
	out = append(out, writeCase{name: "shadowAttributes/add", want: w, got: p.CanPropose(u, ev)})

	for _, local := range []bool{false, true} {
		w = allowed
		switch {
		case !f.tagger:
			w = noFunctionality
		case local && s.org != hostOrg:
			w = outcome{403, "Local tags can only be added by users of the host organisation."}
		case !visible:
			w = outcome{404, "Invalid Target."}
		case local || f.siteAdmin || e.orgc == s.org:
		case s.org == hostOrg:
			w = outcome{403, "Cannot alter the tags of this data, only the organisation that has created the data (orgc) can modify global tags. Please consider using local tags if you are in the host organisation of the instance."}
		default:
			w = outcome{403, "Cannot alter the tags of this data, only the organisation that has created the data (orgc) can modify global tags."}
		}
		name := "tags/attachTagToObject event global"
		if local {
			name = "tags/attachTagToObject event local"
		}
		out = append(out, writeCase{name: name, want: w, got: p.CanTag(u, ev, local)})
	}
	return out
}

// elementWrites lists every element-level write decision for s on el of e.
func elementWrites(p *acl.Policy, s subject, u acl.User, e eventCase, el elementCase, up bool) []writeCase {
	f := s.facts()
	ev, elem := e.event(), el.element()
	visible := oracleElement(s, e, el, up)
	var out []writeCase

	w := allowed
	switch {
	case !f.add:
		w = noFunctionality
	case !visible:
		w = outcome{404, "Invalid attribute"}
	case !modifies(s, e):
		w = outcome{403, "You do not have permission to do that."}
	}
	out = append(out, writeCase{name: "attributes/edit", want: w, got: p.CanEditElement(u, ev, elem)})

	w = allowed
	switch {
	case !f.add:
		w = noFunctionality
	case !visible:
		w = outcome{404, "Invalid attribute"}
	case f.siteAdmin:
	case e.locked && e.owner == s.org && f.sync:
	case !e.locked && e.orgc == s.org:
	default:
		w = outcome{403, "You do not have permission to do that."}
	}
	out = append(out, writeCase{name: "attributes/delete", want: w, got: p.CanDeleteElement(u, ev, elem)})

	w = allowed
	switch {
	case !f.sighting:
		w = noFunctionality
	case !visible:
		w = outcome{404, "Invalid attribute"}
	}
	out = append(out, writeCase{name: "sightings/add", want: w, got: p.CanAddSighting(u, ev, elem)})

	for _, local := range []bool{false, true} {
		w = allowed
		switch {
		case !f.tagger:
			w = noFunctionality
		case local && s.org != hostOrg:
			w = outcome{403, "Local tags can only be added by users of the host organisation."}
		case !visible:
			w = outcome{404, "Invalid Target."}
		case local || f.siteAdmin || e.orgc == s.org:
		case s.org == hostOrg:
			w = outcome{403, "Cannot alter the tags of this data, only the organisation that has created the data (orgc) can modify global tags. Please consider using local tags if you are in the host organisation of the instance."}
		default:
			w = outcome{403, "Cannot alter the tags of this data, only the organisation that has created the data (orgc) can modify global tags."}
		}
		out = append(out, writeCase{name: "tags/attachTagToObject attribute", want: w, got: p.CanTagElement(u, ev, elem, local)})
	}
	return out
}

// subjectWrites lists the write decisions that do not involve an event.
func subjectWrites(p *acl.Policy, s subject, u acl.User) []writeCase {
	f := s.facts()
	gated := func(name string, ok bool, got error) writeCase {
		w := allowed
		if !ok {
			w = noFunctionality
		}
		return writeCase{name: name, want: w, got: got}
	}
	out := []writeCase{
		gated("events/add", f.add, p.CanAddEvent(u)),
		gated("tags/add", f.tagEditor, p.CanCreateTags(u)),
		gated("tags/edit", f.siteAdmin, p.CanEditTags(u)),
		gated("admin/organisations/add", f.siteAdmin, p.CanManageOrgs(u)),
		gated("servers/add", f.siteAdmin, p.CanManageServers(u)),
		gated("feeds/add", f.siteAdmin, p.CanManageFeeds(u)),
		gated("sync endpoints", f.sync, p.CanSync(u)),
		gated("servers/index edit delete pull push testConnection", f.siteAdmin, p.CanManageServers(u)),
		gated("events/filterEventIdsForPush", f.sync, p.CanSync(u)),
		gated("sharingGroups/add", f.sharingGroup, p.CanCreateSharingGroup(u)),
		{name: "api key", want: allowed, got: p.CanUseAPI(u)},
	}
	for _, target := range orgs {
		w := allowed
		switch {
		case !f.orgAdmin:
			w = noFunctionality
		case !(f.siteAdmin || target == s.org):
			w = outcome{404, "Invalid user"}
		}
		out = append(out, writeCase{name: "admin/users/index", want: w, got: p.CanManageUsers(u, target)})
		for role := int64(1); role <= 6; role++ {
			r, _ := acl.DefaultRole(role)
			tw := w
			if tw == allowed && !f.siteAdmin && role == 1 {
				tw = outcome{404, "Invalid user"}
			}
			out = append(out, writeCase{name: "admin/users/edit", want: tw,
				got: p.CanManageUser(u, acl.User{ID: target*100 + role*10, OrgID: target, Role: r})})
			aw := w
			if aw == allowed && !f.siteAdmin && (role == 1 || role == 5) {
				aw = outcome{403, "You are not authorised to assign that role to a user."}
			}
			out = append(out, writeCase{name: "admin/users/add role", want: aw, got: p.CanAssignRole(u, r, target)})
		}
	}
	for _, g := range groupIDs {
		exists := g != 99
		w := allowed
		if !(exists && (f.siteAdmin || slices.Contains(groupViewers[g], s.org))) {
			w = outcome{405, "Sharing group doesn't exist or you do not have permission to access it."}
		}
		out = append(out, writeCase{name: "sharingGroups/view", want: w, got: p.CanViewSharingGroup(u, g)})
		w = allowed
		if !(exists && (f.siteAdmin || slices.Contains(groupViewers[g], s.org))) {
			w = outcome{403, "Invalid Sharing Group or not authorised."}
		}
		out = append(out, writeCase{name: "distribution 4 with group", want: w, got: p.CanUseSharingGroup(u, g)})
		w = allowed
		switch {
		case !f.sharingGroup:
			w = noFunctionality
		case !(exists && (f.siteAdmin || slices.Contains(groupViewers[g], s.org))):
			w = outcome{404, "Invalid sharing group."}
		case !(f.siteAdmin || slices.Contains(groupEditors[g], s.org)):
			w = outcome{405, "Action not allowed."}
		}
		out = append(out, writeCase{name: "sharingGroups/edit", want: w, got: p.CanEditSharingGroup(u, g)})
		w = allowed
		creator := map[int64]int64{10: 1, 11: 3, 12: 2, 13: 1, 14: 2}[g]
		switch {
		case !f.sharingGroup:
			w = noFunctionality
		case !(exists && (f.siteAdmin || creator == s.org)):
			w = outcome{405, "Action not allowed."}
		}
		out = append(out, writeCase{name: "sharingGroups/delete", want: w, got: p.CanDeleteSharingGroup(u, g)})
	}
	for _, so := range orgs {
		w := allowed
		switch {
		case !(f.sighting && f.modifyOrg):
			w = noFunctionality
		case !(f.siteAdmin || so == s.org):
			w = outcome{404, "Invalid sighting."}
		}
		out = append(out, writeCase{name: "sightings/delete", want: w, got: p.CanDeleteSighting(u, acl.Sighting{OrgID: so})})
	}
	return out
}

func TestWriteMatrix(t *testing.T) {
	var cases, mismatches, denied, denied403 int
	check := func(s subject, what string, c writeCase) {
		cases++
		got := outcomeOf(c.got)
		if got != c.want {
			mismatches++
			if mismatches <= 30 {
				t.Errorf("%s: %s %s: got %d %q, want %d %q", c.name, s, what, got.status, got.msg, c.want.status, c.want.msg)
			}
			return
		}
		if c.got != nil {
			denied++
			if got.status == http.StatusForbidden {
				denied403++
			}
			if c.detail != "" {
				var e *acl.Error
				if errors.As(c.got, &e) && e.Detail() != c.detail {
					mismatches++
					t.Errorf("%s: %s %s: detail %q, want %q", c.name, s, what, e.Detail(), c.detail)
				}
			}
		}
	}
	for _, up := range []bool{false, true} {
		p := policy(up, acl.SightingsEventOwner)
		for _, s := range subjects() {
			u := s.user(t)
			for _, c := range subjectWrites(p, s, u) {
				check(s, "", c)
			}
			for _, e := range events() {
				for _, c := range eventWrites(p, s, u, e, up) {
					check(s, e.String(), c)
				}
				for _, el := range elements() {
					for _, c := range elementWrites(p, s, u, e, el, up) {
						check(s, e.String(), c)
					}
				}
			}
		}
	}
	t.Logf("write matrix: %d cases (%d denied, %d of them 403), %d mismatches", cases, denied, denied403, mismatches)
}
