package acl_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/hunchsec/hunch/intel/acl"
)

func TestDefaultRoles(t *testing.T) {
	roles := acl.DefaultRoles()
	if len(roles) != 6 {
		t.Fatalf("%d default roles, want 6", len(roles))
	}
	names := []string{"admin", "Org Admin", "User", "Publisher", "Sync user", "Read Only"}
	for i, r := range roles {
		if r.ID != int64(i+1) || r.Name != names[i] {
			t.Errorf("role %d = %d %q, want %d %q", i, r.ID, r.Name, i+1, names[i])
		}
		if !r.PermAuth || !r.PermAudit {
			t.Errorf("role %q lacks perm_auth or perm_audit; every default role has both", r.Name)
		}
		if r.Default != (r.ID == acl.RoleUser) {
			t.Errorf("role %q default_role = %t", r.Name, r.Default)
		}
	}
	// The flags decisions do not use, checked against MISP's table directly.
	tests := []struct {
		id                                                      int64
		template, objectTemplate, warninglist, regexp, feedCorr bool
	}{
		{acl.RoleAdmin, true, true, true, true, true},
		{acl.RoleOrgAdmin, true, false, false, false, false},
		{acl.RoleUser, false, false, false, false, false},
		{acl.RolePublisher, false, false, false, false, false},
		{acl.RoleSyncUser, false, false, false, false, false},
		{acl.RoleReadOnly, false, false, false, false, false},
	}
	for _, tt := range tests {
		r, ok := acl.DefaultRole(tt.id)
		if !ok {
			t.Fatalf("DefaultRole(%d) missing", tt.id)
		}
		got := [5]bool{r.PermTemplate, r.PermObjectTemplate, r.PermWarninglist, r.PermRegexpAccess, r.PermViewFeedCorrelations}
		want := [5]bool{tt.template, tt.objectTemplate, tt.warninglist, tt.regexp, tt.feedCorr}
		if got != want {
			t.Errorf("role %d template/object_template/warninglist/regexp/feed_correlations = %v, want %v", tt.id, got, want)
		}
	}
	roles[0].PermSiteAdmin = false
	if r, _ := acl.DefaultRole(acl.RoleAdmin); !r.PermSiteAdmin {
		t.Error("changing DefaultRoles' result changed the defaults")
	}
	if _, ok := acl.DefaultRole(7); ok {
		t.Error("DefaultRole(7) found a role")
	}
}

func TestReadOnlyKeyKeepsOnlyAuthAndAudit(t *testing.T) {
	for _, r := range acl.DefaultRoles() {
		u := acl.User{ID: 1, OrgID: 1, Role: r, ReadOnlyKey: true}
		got := u.EffectiveRole()
		want := acl.Role{ID: r.ID, Name: r.Name, PermAuth: r.PermAuth, PermAudit: r.PermAudit, Default: r.Default}
		if got != want {
			t.Errorf("role %q through a read-only key = %+v, want %+v", r.Name, got, want)
		}
	}
}

func TestDisabledUserIsRefusedEverything(t *testing.T) {
	p := policy(false, acl.SightingsEveryone)
	admin, _ := acl.DefaultRole(acl.RoleAdmin)
	u := acl.User{ID: 110, OrgID: hostOrg, Role: admin, Disabled: true}
	ev := acl.Event{OrgID: hostOrg, OrgcID: hostOrg, Distribution: acl.All, Published: true}
	el := acl.Element{Distribution: acl.Inherit}
	errs := map[string]error{
		"CanUseAPI":      p.CanUseAPI(u),
		"CanReadEvent":   p.CanReadEvent(u, ev),
		"CanReadElement": p.CanReadElement(u, ev, el),
		"CanAddEvent":    p.CanAddEvent(u),
		"CanEditEvent":   p.CanEditEvent(u, ev),
		"CanPublish":     p.CanPublish(u, ev),
		"CanTag":         p.CanTag(u, ev, true),
		"CanManageOrgs":  p.CanManageOrgs(u),
		"CanViewSG":      p.CanViewSharingGroup(u, 10),
		"CanUseSG":       p.CanUseSharingGroup(u, 10),
	}
	for name, err := range errs {
		if !errors.Is(err, acl.ErrUnauthenticated) {
			t.Errorf("%s for a disabled site admin = %v, want ErrUnauthenticated", name, err)
			continue
		}
		checkErr(t, name, err, http.StatusForbidden, acl.MsgAuthFailed)
	}
	if p.CanSeeSighting(u, ev, el, acl.Sighting{OrgID: hostOrg}, true) {
		t.Error("a disabled user sees a sighting")
	}
	if !p.ReadableConditions(u).Nothing {
		t.Error("a disabled user's conditions are not Nothing")
	}
	ro, _ := acl.DefaultRole(acl.RoleReadOnly)
	ro.PermAuth = false
	if err := p.CanUseAPI(acl.User{ID: 1, OrgID: 2, Role: ro}); !errors.Is(err, acl.ErrUnauthenticated) {
		t.Errorf("CanUseAPI without perm_auth = %v", err)
	}
}

func TestErrorClasses(t *testing.T) {
	p := policy(false, acl.SightingsEventOwner)
	user, _ := acl.DefaultRole(acl.RoleUser)
	u := acl.User{ID: 230, OrgID: 2, Role: user}
	private := acl.Event{OrgID: 3, OrgcID: 3, Distribution: acl.OrgOnly}
	open := acl.Event{OrgID: 3, OrgcID: 3, Distribution: acl.All, Published: true}
	tests := []struct {
		name   string
		err    error
		class  error
		status int
	}{
		{"unreadable event", p.CanReadEvent(u, private), acl.ErrNotFound, 404},
		{"someone else's event", p.CanAddAttribute(u, open), acl.ErrForbidden, 403},
		{"role gate", p.CanPublish(u, open), acl.ErrForbidden, 403},
		{"sharing group view", p.CanViewSharingGroup(u, 11), acl.ErrNotAllowed, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.class) {
				t.Errorf("%v is not %v", tt.err, tt.class)
			}
			var e *acl.Error
			if !errors.As(tt.err, &e) || e.Status() != tt.status {
				t.Errorf("%v: status %v, want %d", tt.err, e, tt.status)
			}
			if e.Error() == "" || e.Error()[:5] != "acl: " {
				t.Errorf("Error() = %q", e.Error())
			}
		})
	}
	publisher, _ := acl.DefaultRole(acl.RolePublisher)
	err := p.CanDeleteEvent(acl.User{ID: 240, OrgID: 2, Role: publisher}, open)
	var e *acl.Error
	if !errors.As(err, &e) || e.Detail() != acl.MsgEventNotDeleted || e.Error() != "acl: Could not delete Event: Event was not deleted." {
		t.Errorf("delete refusal = %v", err)
	}
}

func TestAssignSiteAdminOutsideHostOrg(t *testing.T) {
	admin, _ := acl.DefaultRole(acl.RoleAdmin)
	site := acl.User{ID: 110, OrgID: hostOrg, Role: admin}
	tests := []struct {
		limit  bool
		target int64
		want   outcome
	}{
		{false, 2, allowed},
		{true, hostOrg, allowed},
		{true, 2, outcome{403, "Site admin roles can only be assigned to users of the host org on this instance."}},
	}
	for _, tt := range tests {
		p := acl.NewPolicy(acl.Settings{Instance: acl.Instance{HostOrgID: hostOrg}, LimitSiteAdminsToHostOrg: tt.limit}, nil)
		if got := outcomeOf(p.CanAssignRole(site, admin, tt.target)); got != tt.want {
			t.Errorf("limit %t, org %d: got %v, want %v", tt.limit, tt.target, got, tt.want)
		}
	}
}

func TestShowSightingOrg(t *testing.T) {
	admin, _ := acl.DefaultRole(acl.RoleAdmin)
	user, _ := acl.DefaultRole(acl.RoleUser)
	tests := []struct {
		anonymise bool
		u         acl.User
		org       int64
		want      bool
	}{
		{false, acl.User{OrgID: 2, Role: user}, 3, true},
		{true, acl.User{OrgID: 2, Role: user}, 3, false},
		{true, acl.User{OrgID: 2, Role: user}, 2, true},
		{true, acl.User{OrgID: 1, Role: admin}, 3, true},
		{true, acl.User{OrgID: 1, Role: admin, ReadOnlyKey: true}, 3, false},
	}
	for _, tt := range tests {
		p := acl.NewPolicy(acl.Settings{AnonymiseSightings: tt.anonymise}, nil)
		if got := p.ShowSightingOrg(tt.u, acl.Sighting{OrgID: tt.org}); got != tt.want {
			t.Errorf("anonymise %t, org %d sees org %d: %t, want %t", tt.anonymise, tt.u.OrgID, tt.org, got, tt.want)
		}
	}
}

func TestEffectiveDistribution(t *testing.T) {
	tests := []struct {
		ev, el     acl.Distribution
		evSG, elSG int64
		want       acl.Distribution
		wantSG     int64
	}{
		{acl.All, acl.Inherit, 0, 0, acl.All, 0},
		{acl.Community, acl.All, 0, 0, acl.Community, 0},
		{acl.All, acl.Community, 0, 0, acl.Community, 0},
		{acl.OrgOnly, acl.All, 0, 0, acl.OrgOnly, 0},
		{acl.SharingGroupOnly, acl.All, 10, 0, acl.SharingGroupOnly, 10},
		{acl.SharingGroupOnly, acl.OrgOnly, 10, 0, acl.OrgOnly, 0},
		{acl.Connected, acl.SharingGroupOnly, 0, 11, acl.SharingGroupOnly, 11},
		{acl.SharingGroupOnly, acl.SharingGroupOnly, 10, 11, acl.SharingGroupOnly, 11},
		{acl.SharingGroupOnly, acl.Inherit, 10, 0, acl.SharingGroupOnly, 10},
	}
	for _, tt := range tests {
		d, sg := acl.EffectiveDistribution(acl.Event{Distribution: tt.ev, SharingGroupID: tt.evSG},
			acl.Element{Distribution: tt.el, SharingGroupID: tt.elSG})
		if d != tt.want || sg != tt.wantSG {
			t.Errorf("event %d/%d element %d/%d: %d/%d, want %d/%d", tt.ev, tt.evSG, tt.el, tt.elSG, d, sg, tt.want, tt.wantSG)
		}
	}
}

func TestDistributionValid(t *testing.T) {
	for d := acl.Distribution(-1); d <= 6; d++ {
		if got, want := d.Valid(), d >= 0 && d <= 5; got != want {
			t.Errorf("%d.Valid() = %t", d, got)
		}
		if got, want := d.ValidForEvent(), d >= 0 && d <= 4; got != want {
			t.Errorf("%d.ValidForEvent() = %t", d, got)
		}
	}
}

func TestUnknownDistributionsReadNothing(t *testing.T) {
	p := policy(false, acl.SightingsEventOwner)
	user, _ := acl.DefaultRole(acl.RoleUser)
	u := acl.User{ID: 230, OrgID: 2, Role: user}
	for _, d := range []acl.Distribution{-1, 5, 6, 99} {
		if p.CanReadEvent(u, acl.Event{OrgID: 3, Distribution: d, Published: true}) == nil {
			t.Errorf("event distribution %d of another org is readable", d)
		}
	}
	for _, d := range []acl.Distribution{-1, 6, 99} {
		ev := acl.Event{OrgID: 3, Distribution: acl.All, Published: true}
		if p.CanReadElement(u, ev, acl.Element{Distribution: d}) == nil {
			t.Errorf("element distribution %d of another org is readable", d)
		}
		if p.ReadableConditions(u).MatchElement(ev, acl.Element{Distribution: d}) {
			t.Errorf("conditions match element distribution %d", d)
		}
	}
}

func TestElementNotFoundMessages(t *testing.T) {
	p := policy(false, acl.SightingsEventOwner)
	user, _ := acl.DefaultRole(acl.RoleUser)
	u := acl.User{ID: 230, OrgID: 2, Role: user}
	ev := acl.Event{OrgID: 3, Distribution: acl.All, Published: true}
	for kind, msg := range map[acl.ElementKind]string{acl.KindAttribute: "Invalid attribute", acl.KindObject: "Invalid object.", acl.KindEventReport: "Invalid report"} {
		checkErr(t, msg, p.CanReadElement(u, ev, acl.Element{Kind: kind, Distribution: acl.OrgOnly}), 404, msg)
	}
}
