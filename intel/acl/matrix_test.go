package acl_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/hunchsec/hunch/intel/acl"
)

// The access matrix. The subjects are three organisations (1 is the host) × MISP's six default roles × a normal or a
// read-only key; the objects are events of every owner, creator, distribution 0–4, sharing group and publication
// state, and elements of every distribution 0–5 and sharing group inside them; the settings vary unpublishedprivate
// and the sighting policy. Every read path and every write decision is compared with an oracle written out below
// from MISP's documented rules, without calling the package.

const hostOrg = 1

var orgs = []int64{1, 2, 3}

// Sharing groups of the fixture, and — written out by hand, not computed — the organisations that read data shared
// to each. The creator of a group reads its data only if listed (13); roaming grants nothing locally (11); a group
// open to all local organisations grants everyone (12); an inactive group still governs its data (14); a dangling id
// grants nothing (99).
var fixtureGroups = []acl.SharingGroup{
	{ID: 10, OrgID: 1, Active: true, Orgs: []acl.SharingGroupOrg{{OrgID: 1, Extend: true}, {OrgID: 2}}},
	{ID: 11, OrgID: 3, Active: true, Roaming: true, Orgs: []acl.SharingGroupOrg{{OrgID: 3, Extend: true}}},
	{ID: 12, OrgID: 2, Active: true, Servers: []acl.SharingGroupServer{{ServerID: 0, AllOrgs: true}}},
	{ID: 13, OrgID: 1, Active: true, Orgs: []acl.SharingGroupOrg{{OrgID: 2, Extend: true}}},
	{ID: 14, OrgID: 2, Active: false, Orgs: []acl.SharingGroupOrg{{OrgID: 1}}},
}

var groupReaders = map[int64][]int64{10: {1, 2}, 11: {3}, 12: {1, 2, 3}, 13: {2}, 14: {1}, 99: nil}

// groupViewers: who may see a group's definition (creator, listed, or everyone when open); 99 does not exist.
var groupViewers = map[int64][]int64{10: {1, 2}, 11: {3}, 12: {1, 2, 3}, 13: {1, 2}, 14: {1, 2}, 99: nil}

// groupEditors: creator or listed with extend.
var groupEditors = map[int64][]int64{10: {1}, 11: {3}, 12: {2}, 13: {1, 2}, 14: {2}, 99: nil}

var groupIDs = []int64{10, 11, 12, 13, 14, 99}

// roleFacts is MISP's default role table (INSTALL/MYSQL.sql) for the permissions decisions use, typed in again here
// so that a slip in DefaultRoles shows up as mismatches.
type roleFacts struct {
	add, modify, modifyOrg, publish, sync, orgAdmin, siteAdmin, tagger, tagEditor, sharingGroup, sighting, auth bool
}

var roleTable = map[int64]roleFacts{
	1: {add: true, modify: true, modifyOrg: true, publish: true, sync: true, orgAdmin: true, siteAdmin: true, tagger: true, tagEditor: true, sharingGroup: true, sighting: true, auth: true},
	2: {add: true, modify: true, modifyOrg: true, publish: true, orgAdmin: true, tagger: true, tagEditor: true, sharingGroup: true, sighting: true, auth: true},
	3: {add: true, modify: true, modifyOrg: true, tagger: true, sighting: true, auth: true},
	4: {add: true, modify: true, modifyOrg: true, publish: true, tagger: true, sighting: true, auth: true},
	5: {add: true, modify: true, modifyOrg: true, publish: true, sync: true, tagger: true, tagEditor: true, sharingGroup: true, sighting: true, auth: true},
	6: {auth: true},
}

type subject struct {
	id, org, role int64
	readOnly      bool
}

func (s subject) String() string {
	ro := ""
	if s.readOnly {
		ro = "+ro"
	}
	return fmt.Sprintf("org%d/role%d%s", s.org, s.role, ro)
}

// facts are the permissions the subject acts with: none but auth through a read-only key.
func (s subject) facts() roleFacts {
	if s.readOnly {
		return roleFacts{auth: roleTable[s.role].auth}
	}
	return roleTable[s.role]
}

func (s subject) user(t testing.TB) acl.User {
	r, ok := acl.DefaultRole(s.role)
	if !ok {
		t.Fatalf("no default role %d", s.role)
	}
	return acl.User{ID: s.id, OrgID: s.org, Role: r, ReadOnlyKey: s.readOnly}
}

func subjects() []subject {
	var out []subject
	for _, o := range orgs {
		for r := int64(1); r <= 6; r++ {
			for _, ro := range []bool{false, true} {
				// The same person with either key: one user id.
				out = append(out, subject{id: o*100 + r*10, org: o, role: r, readOnly: ro})
			}
		}
	}
	return out
}

// creatorOf is the id of the user (role User) who created events of org.
func creatorOf(org int64) int64 { return org*100 + 3*10 }

type eventCase struct {
	id                int64
	owner, orgc, user int64
	dist              int
	sg                int64
	published, locked bool
}

func (e eventCase) event() acl.Event {
	return acl.Event{ID: e.id, OrgID: e.owner, OrgcID: e.orgc, UserID: e.user,
		Distribution: acl.Distribution(e.dist), SharingGroupID: e.sg, Published: e.published, Locked: e.locked}
}

func (e eventCase) String() string {
	return fmt.Sprintf("event{owner %d orgc %d dist %d sg %d published %t}", e.owner, e.orgc, e.dist, e.sg, e.published)
}

// distSG lists (distribution, sharing group) pairs: 0–3 (and 5 for elements) without a group, 4 with each group.
func distSG(maxDist int) [][2]int64 {
	var out [][2]int64
	for d := 0; d <= maxDist; d++ {
		if d == 4 {
			for _, g := range groupIDs {
				out = append(out, [2]int64{4, g})
			}
			continue
		}
		out = append(out, [2]int64{int64(d), 0})
	}
	return out
}

func events() []eventCase {
	var out []eventCase
	id := int64(1)
	for _, owner := range orgs {
		for _, synced := range []bool{false, true} {
			orgc := owner
			if synced { // created elsewhere, brought in by this org's sync user
				orgc = owner%3 + 1
			}
			for _, ds := range distSG(4) {
				for _, pub := range []bool{false, true} {
					out = append(out, eventCase{id: id, owner: owner, orgc: orgc, user: creatorOf(orgc),
						dist: int(ds[0]), sg: ds[1], published: pub, locked: synced})
					id++
				}
			}
		}
	}
	return out
}

type elementCase struct {
	dist int
	sg   int64
}

func (e elementCase) element() acl.Element {
	return acl.Element{Kind: acl.KindAttribute, Distribution: acl.Distribution(e.dist), SharingGroupID: e.sg}
}

func elements() []elementCase {
	var out []elementCase
	for _, ds := range distSG(5) {
		out = append(out, elementCase{dist: int(ds[0]), sg: ds[1]})
	}
	return out
}

// ---- the oracle ----

func readsGroup(org, sg int64) bool { return slices.Contains(groupReaders[sg], org) }

func oracleSiteAdmin(s subject) bool { return s.facts().siteAdmin }

// oracleEvent: site admin, or owner org, or (published unless unpublishedprivate is off) 1–3, or 4 with a readable group.
func oracleEvent(s subject, e eventCase, unpublishedPrivate bool) bool {
	if oracleSiteAdmin(s) {
		return true
	}
	if e.owner == s.org {
		return true
	}
	if unpublishedPrivate && !e.published {
		return false
	}
	if e.dist == 1 || e.dist == 2 || e.dist == 3 {
		return true
	}
	if e.dist == 4 {
		return readsGroup(s.org, e.sg)
	}
	return false
}

// oracleElement: the event, then site admin or owner, else the element's own distribution 1, 2, 3, 5 or 4 with group.
func oracleElement(s subject, e eventCase, el elementCase, unpublishedPrivate bool) bool {
	if !oracleEvent(s, e, unpublishedPrivate) {
		return false
	}
	if oracleSiteAdmin(s) || e.owner == s.org {
		return true
	}
	switch el.dist {
	case 1, 2, 3, 5:
		return true
	case 4:
		return readsGroup(s.org, el.sg)
	}
	return false
}

func oracleSighting(s subject, e eventCase, el elementCase, up bool, policy int, sightingOrg int64, reported bool) bool {
	if !oracleElement(s, e, el, up) {
		return false
	}
	if oracleSiteAdmin(s) || e.owner == s.org || sightingOrg == s.org {
		return true
	}
	switch policy {
	case 1:
		return reported
	case 2:
		return true
	case 3:
		return sightingOrg == hostOrg
	}
	return false
}

// ---- the read matrix ----

type readPath struct {
	name  string
	event func(p *acl.Policy, u acl.User, ev acl.Event) bool
	elem  func(p *acl.Policy, u acl.User, ev acl.Event, el acl.Element) bool
}

// readPaths are the read paths of the API as the functions they call: view and HEAD decide one event or element;
// index, restSearch and every export filter through ReadableConditions (in SQL; TestConditionsSQLAgree runs that
// SQL); sightings go through CanSeeSighting, tested below with its own dimensions.
var readPaths = []readPath{
	{name: "events/view", event: func(p *acl.Policy, u acl.User, ev acl.Event) bool { return p.CanReadEvent(u, ev) == nil }},
	{name: "events/index", event: func(p *acl.Policy, u acl.User, ev acl.Event) bool { return p.ReadableConditions(u).MatchEvent(ev) }},
	{name: "events/restSearch", event: func(p *acl.Policy, u acl.User, ev acl.Event) bool { return p.ReadableConditions(u).MatchEvent(ev) },
		elem: func(p *acl.Policy, u acl.User, ev acl.Event, el acl.Element) bool {
			return p.ReadableConditions(u).MatchElement(ev, el)
		}},
	{name: "events/view attributes", elem: func(p *acl.Policy, u acl.User, ev acl.Event, el acl.Element) bool {
		return p.CanReadElement(u, ev, el) == nil
	}},
	{name: "attributes/view", elem: func(p *acl.Policy, u acl.User, ev acl.Event, el acl.Element) bool {
		return p.CanReadElement(u, ev, el) == nil
	}},
	{name: "attributes/restSearch", elem: func(p *acl.Policy, u acl.User, ev acl.Event, el acl.Element) bool {
		return p.ReadableConditions(u).MatchElement(ev, el)
	}},
	{name: "exports (csv, text, …)", elem: func(p *acl.Policy, u acl.User, ev acl.Event, el acl.Element) bool {
		return p.ReadableConditions(u).MatchElement(ev, el)
	}},
}

func policy(up bool, sightings acl.SightingPolicy) *acl.Policy {
	return acl.NewPolicy(acl.Settings{
		Instance:           acl.Instance{HostOrgID: hostOrg, LocalOrgIDs: orgs},
		UnpublishedPrivate: up,
		Sightings:          sightings,
	}, fixtureGroups)
}

func TestReadMatrix(t *testing.T) {
	var cases, mismatches int
	for _, up := range []bool{false, true} {
		p := policy(up, acl.SightingsEventOwner)
		for _, s := range subjects() {
			u := s.user(t)
			for _, e := range events() {
				ev := e.event()
				want := oracleEvent(s, e, up)
				for _, path := range readPaths {
					if path.event == nil {
						continue
					}
					cases++
					if got := path.event(p, u, ev); got != want {
						mismatches++
						if mismatches <= 20 {
							t.Errorf("%s: %s reads %s (unpublishedprivate %t) = %t, want %t", path.name, s, e, up, got, want)
						}
					}
				}
				if err := p.CanReadEvent(u, ev); err != nil {
					checkErr(t, "events/view", err, http.StatusNotFound, acl.MsgInvalidEvent)
				}
				for _, el := range elements() {
					want := oracleElement(s, e, el, up)
					for _, path := range readPaths {
						if path.elem == nil {
							continue
						}
						cases++
						if got := path.elem(p, u, ev, el.element()); got != want {
							mismatches++
							if mismatches <= 20 {
								t.Errorf("%s: %s reads element dist %d sg %d of %s (unpublishedprivate %t) = %t, want %t",
									path.name, s, el.dist, el.sg, e, up, got, want)
							}
						}
					}
				}
			}
		}
	}
	t.Logf("read matrix: %d cases, %d mismatches", cases, mismatches)
	if cases == 0 {
		t.Fatal("no cases")
	}
}

func TestSightingMatrix(t *testing.T) {
	var cases, mismatches int
	for _, up := range []bool{false, true} {
		for pol := 0; pol <= 3; pol++ {
			p := policy(up, acl.SightingPolicy(pol))
			for _, s := range subjects() {
				u := s.user(t)
				for _, e := range events() {
					ev := e.event()
					for _, el := range elements() {
						for _, so := range orgs {
							for _, reported := range []bool{false, true} {
								cases++
								want := oracleSighting(s, e, el, up, pol, so, reported)
								got := p.CanSeeSighting(u, ev, el.element(), acl.Sighting{OrgID: so}, reported)
								if got != want {
									mismatches++
									if mismatches <= 20 {
										t.Errorf("sightings policy %d: %s sees org %d's sighting (reported %t) on dist %d/%d of %s = %t, want %t",
											pol, s, so, reported, el.dist, el.sg, e, got, want)
									}
								}
							}
						}
					}
				}
			}
		}
	}
	t.Logf("sighting matrix: %d cases, %d mismatches", cases, mismatches)
}

func checkErr(t *testing.T, what string, err error, status int, msg string) {
	t.Helper()
	var e *acl.Error
	if !asError(err, &e) {
		t.Errorf("%s: error %v is not an *acl.Error", what, err)
		return
	}
	if e.Status() != status || e.Message() != msg {
		t.Errorf("%s: got %d %q, want %d %q", what, e.Status(), e.Message(), status, msg)
	}
}
