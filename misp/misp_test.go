package misp

import (
	"errors"
	"testing"
	"time"
)

func TestNewUUID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		u := NewUUID()
		if !ValidUUID(u) {
			t.Fatalf("NewUUID() = %q is not valid", u)
		}
		if u[14] != '4' {
			t.Errorf("%q: version nibble %c, want 4", u, u[14])
		}
		if c := u[19]; c != '8' && c != '9' && c != 'a' && c != 'b' {
			t.Errorf("%q: variant nibble %c, want 8-b", u, c)
		}
		if seen[u] {
			t.Fatalf("duplicate uuid %q", u)
		}
		seen[u] = true
	}
}

func TestValidUUID(t *testing.T) {
	tests := map[string]bool{
		"5a3c2fda-78f4-44b7-8366-46da02de0b81":  true,
		"5A3C2FDA-78F4-44B7-8366-46DA02DE0B81":  true,
		"55f6ea5e-51ac-4344-bc8c-4170950d210f":  true,
		"dcb864dc-775f-11e7-9fbb-1f41b4996683":  true, // version 1, as the galaxy repo uses
		"5a3c2fda78f444b7836646da02de0b81":      false,
		"5a3c2fda-78f4-44b7-8366-46da02de0b8":   false,
		"5a3c2fda-78f4-44b7-8366-46da02de0b811": false,
		"5a3c2fda-78f4-44b7-8366_46da02de0b81":  false,
		"5a3c2fda-78f4-44b7-8366-46da02de0b8g":  false,
		"{5a3c2fda-78f4-44b7-8366-46da02de0b8}": false,
		"":                                      false,
	}
	for in, want := range tests {
		if got := ValidUUID(in); got != want {
			t.Errorf("ValidUUID(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestIsNewer(t *testing.T) {
	tests := []struct {
		incoming, stored Timestamp
		want             bool
	}{
		{1617875569, 1617875568, true},
		{1617875568, 1617875568, false},
		{1617875567, 1617875568, false},
		{0, 1617875568, true}, // unset: the server stamps the edit
		{1, 0, true},
	}
	for _, tt := range tests {
		if got := IsNewer(tt.incoming, tt.stored); got != tt.want {
			t.Errorf("IsNewer(%d, %d) = %v, want %v", tt.incoming, tt.stored, got, tt.want)
		}
		err := CheckNewer("Event", tt.incoming, tt.stored)
		if tt.want != (err == nil) {
			t.Errorf("CheckNewer(%d, %d) = %v", tt.incoming, tt.stored, err)
		}
		if err != nil && (!errors.Is(err, ErrNotNewer) || err.Error()[:len("Event in the request not newer")] != "Event in the request not newer") {
			t.Errorf("CheckNewer error %q", err)
		}
	}
}

func TestCheckSeen(t *testing.T) {
	a := MicroTimeOf(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	b := MicroTimeOf(time.Date(2020, 1, 1, 0, 0, 0, 1000, time.UTC))
	tests := []struct {
		first, last MicroTime
		ok          bool
	}{
		{a, b, true},
		{a, a, true},
		{b, a, false},
		{MicroTime{}, a, true},
		{a, MicroTime{}, true},
		{MicroTime{}, MicroTime{}, true},
	}
	for _, tt := range tests {
		err := CheckSeen(tt.first, tt.last)
		if tt.ok != (err == nil) || (err != nil && !errors.Is(err, ErrSeenOrder)) {
			t.Errorf("CheckSeen(%v, %v) = %v", tt.first, tt.last, err)
		}
	}
}

func TestEffectiveDistribution(t *testing.T) {
	const (
		org, community, connected, all, sg, inherit = DistributionOrganisation, DistributionCommunity,
			DistributionConnected, DistributionAll, DistributionSharingGroup, DistributionInherit
	)
	tests := []struct {
		elem, event, want Distribution
	}{
		{inherit, all, all},
		{inherit, org, org},
		{inherit, sg, sg},
		{inherit, community, community},
		{all, org, org},
		{org, all, org},
		{connected, community, community},
		{community, connected, community},
		{all, all, all},
		{all, connected, connected},
		{sg, all, sg},  // an element limited to a group stays limited
		{all, sg, sg},  // an event limited to a group limits its elements
		{org, sg, org}, // organisation-only is narrower than any group
		{sg, org, org}, //
		{sg, sg, sg},   //
		{Distribution("7"), all, org},
		{all, inherit, org},                       // an event cannot inherit: treated as the safe side
		{DistributionUnset, connected, connected}, // an element that did not say inherits
		{all, DistributionUnset, org},             // an event must say
	}
	for _, tt := range tests {
		if got := EffectiveDistribution(tt.elem, tt.event); got != tt.want {
			t.Errorf("EffectiveDistribution(%q, %q) = %q, want %q", tt.elem, tt.event, got, tt.want)
		}
	}
	if !DistributionInherit.Valid() || DistributionInherit.ValidForEvent() || DistributionUnset.Valid() || Distribution("6").Valid() {
		t.Errorf("Valid/ValidForEvent")
	}
	for n := -1; n <= 6; n++ {
		d, ok := DistributionOf(n)
		if ok != (n >= 0 && n <= 5) || (ok && d.Level() != n) || (!ok && d != DistributionUnset) {
			t.Errorf("DistributionOf(%d) = %q, %v", n, d, ok)
		}
	}
	if DistributionUnset.Level() != -1 || Distribution("10").Level() != -1 {
		t.Errorf("Level of unset or invalid")
	}
	if DistributionUnset.Or(DistributionInherit) != DistributionInherit || DistributionAll.Or(DistributionInherit) != DistributionAll {
		t.Errorf("Or")
	}
}

func TestParseMachineTag(t *testing.T) {
	tests := []struct {
		in            string
		ns, pred, val string
		wantErr       bool
	}{
		{`tlp:amber`, "tlp", "amber", "", false},
		{`admiralty-scale:source-reliability="b"`, "admiralty-scale", "source-reliability", "b", false},
		{`misp-galaxy:threat-actor="APT 28"`, "misp-galaxy", "threat-actor", "APT 28", false},
		{`osint:source-type="blog-post"`, "osint", "source-type", "blog-post", false},
		{`ns:pred=value`, "ns", "pred", "value", false},
		{`ns:pred="a:b=c"`, "ns", "pred", "a:b=c", false},
		{`ns:pred=""`, "ns", "pred", "", false},
		{`misp-galaxy:mitre-attack-pattern="Malware - T1587.001"`, "misp-galaxy", "mitre-attack-pattern", "Malware - T1587.001", false},
		{`plain tag`, "", "", "", true},
		{`:pred`, "", "", "", true},
		{`ns:`, "", "", "", true},
		{`ns:="v"`, "", "", "", true},
		{`ns:pred="unterminated`, "", "", "", true},
		{`ns:pred="`, "", "", "", true},
		{`two words:pred`, "", "", "", true},
	}
	for _, tt := range tests {
		ns, pred, val, err := ParseMachineTag(tt.in)
		if tt.wantErr {
			if !errors.Is(err, ErrBadMachineTag) {
				t.Errorf("ParseMachineTag(%q) err = %v, want ErrBadMachineTag", tt.in, err)
			}
			continue
		}
		if err != nil || ns != tt.ns || pred != tt.pred || val != tt.val {
			t.Errorf("ParseMachineTag(%q) = %q %q %q %v", tt.in, ns, pred, val, err)
		}
	}
	mt, err := ParseMachineTagName(`admiralty-scale:source-reliability="b"`)
	if err != nil || mt.String() != `admiralty-scale:source-reliability="b"` {
		t.Errorf("round trip: %v %v", mt, err)
	}
	if FormatMachineTag("tlp", "amber", "") != "tlp:amber" {
		t.Errorf("FormatMachineTag two-part form")
	}
	tag := Tag{Name: "tlp:green"}
	if mt, err := tag.MachineTag(); err != nil || mt.Predicate != "green" {
		t.Errorf("Tag.MachineTag: %v %v", mt, err)
	}
}

func TestClusterTags(t *testing.T) {
	name := ClusterTagName("threat-actor", "Sofacy")
	if name != `misp-galaxy:threat-actor="Sofacy"` {
		t.Errorf("ClusterTagName = %q", name)
	}
	typ, val, ok := ParseClusterTag(name)
	if !ok || typ != "threat-actor" || val != "Sofacy" {
		t.Errorf("ParseClusterTag(%q) = %q %q %v", name, typ, val, ok)
	}
	for _, bad := range []string{"tlp:amber", `misp-galaxy:threat-actor`, `other:threat-actor="Sofacy"`, "x"} {
		if _, _, ok := ParseClusterTag(bad); ok {
			t.Errorf("ParseClusterTag(%q) ok", bad)
		}
	}
}

func TestDefaultRoles(t *testing.T) {
	roles := DefaultRoles()
	if len(roles) != 6 {
		t.Fatalf("%d roles", len(roles))
	}
	byName := map[string]Role{}
	for i, r := range roles {
		if int(r.ID) != i+1 {
			t.Errorf("role %d has id %d", i, r.ID)
		}
		byName[r.Name] = r
	}
	// The distinguishing permissions of each default role (MISP INSTALL/MYSQL.sql).
	type perms struct{ add, modifyOrg, publish, sync, admin, siteAdmin, tagEditor, sharingGroup, auth, defaultRole bool }
	want := map[string]perms{
		"admin":     {true, true, true, true, true, true, true, true, true, false},
		"Org Admin": {true, true, true, false, true, false, true, true, true, false},
		"User":      {true, true, false, false, false, false, false, false, true, true},
		"Publisher": {true, true, true, false, false, false, false, false, true, false},
		"Sync user": {true, true, true, true, false, false, true, true, true, false},
		"Read Only": {false, false, false, false, false, false, false, false, true, false},
	}
	for name, w := range want {
		r, ok := byName[name]
		if !ok {
			t.Errorf("no role %q", name)
			continue
		}
		got := perms{bool(r.PermAdd), bool(r.PermModifyOrg), bool(r.PermPublish), bool(r.PermSync), bool(r.PermAdmin),
			bool(r.PermSiteAdmin), bool(r.PermTagEditor), bool(r.PermSharingGroup), bool(r.PermAuth), bool(r.DefaultRole)}
		if got != w {
			t.Errorf("%s: %+v, want %+v", name, got, w)
		}
	}
	levels := map[string]string{"admin": "publish", "Org Admin": "publish", "User": "manage_org",
		"Publisher": "publish", "Sync user": "publish", "Read Only": "read_only"}
	for name, lvl := range levels {
		if got := byName[name].PermissionDescription; got != lvl {
			t.Errorf("%s: permission %q, want %q", name, got, lvl)
		}
	}
	// Only the site admin may see feed correlations and edit warninglists.
	for _, r := range roles {
		if bool(r.PermWarninglist) != (r.ID == RoleAdmin) || bool(r.PermViewFeedCorrelations) != (r.ID == RoleAdmin) {
			t.Errorf("%s: warninglist/feed-correlation permissions", r.Name)
		}
	}
	if lvl := (&Role{PermAdd: true}).PermissionLevel(); lvl != 1 {
		t.Errorf("add-only role level %d, want 1", lvl)
	}
}
