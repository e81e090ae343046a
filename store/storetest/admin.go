package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

func testOrgs(t *testing.T, b Backend) {
	c := ctx(t)
	a := newOrg(t, b, "ORG-A", 1)
	o := newOrg(t, b, "ORG-B", 2)
	o.RestrictedToDomain = misp.StringList{"example.org"}
	o.LandingPage = "https://example.org"
	must(t, b.UpdateOrg(c, o))

	for _, tc := range []struct {
		name string
		get  func() (*misp.Organisation, error)
		want *misp.Organisation
	}{
		{"by id", func() (*misp.Organisation, error) { return b.Org(c, int64(a.ID)) }, a},
		{"by uuid", func() (*misp.Organisation, error) { return b.OrgByUUID(c, a.UUID) }, a},
		{"by upper-case uuid", func() (*misp.Organisation, error) { return b.OrgByUUID(c, strings.ToUpper(a.UUID)) }, a},
		{"by name", func() (*misp.Organisation, error) { return b.OrgByName(c, "ORG-B") }, o},
	} {
		got, err := tc.get()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		sameJSON(t, tc.name, tc.want, got)
	}
	list, err := b.ListOrgs(c)
	must(t, err)
	if len(list) != 2 || list[0].Name != "ORG-A" || list[1].Name != "ORG-B" {
		t.Errorf("ListOrgs = %+v", list)
	}

	_, err = b.Org(c, 999)
	wantErr(t, "missing org", err, store.ErrNotFound)
	_, err = b.OrgByName(c, "nobody")
	wantErr(t, "missing org by name", err, store.ErrNotFound)
	wantErr(t, "duplicate name", b.CreateOrg(c, &misp.Organisation{Name: "ORG-A"}), store.ErrConflict)
	wantErr(t, "duplicate uuid", b.CreateOrg(c, &misp.Organisation{Name: "other", UUID: a.UUID}), store.ErrConflict)
	wantErr(t, "update missing", b.UpdateOrg(c, &misp.Organisation{ID: 999, Name: "x"}), store.ErrNotFound)

	u := &misp.User{Email: "a@example.org", OrgID: a.ID, RoleID: 3}
	must(t, b.CreateUser(c, u))
	wantErr(t, "delete org with users", b.DeleteOrg(c, int64(a.ID)), store.ErrConflict)
	must(t, b.DeleteOrg(c, int64(o.ID)))
	_, err = b.Org(c, int64(o.ID))
	wantErr(t, "deleted org", err, store.ErrNotFound)
	wantErr(t, "delete missing org", b.DeleteOrg(c, int64(o.ID)), store.ErrNotFound)
}

func testUsers(t *testing.T, b Backend) {
	c := ctx(t)
	a := newOrg(t, b, "ORG-A", 1)
	o := newOrg(t, b, "ORG-B", 2)
	u1 := &misp.User{Email: "Alice@Example.org", OrgID: a.ID, RoleID: 1, NIDSSID: 4000123, GPGKey: "key",
		TermsAccepted: true, DateCreated: 1700000000, Expiration: "2030-01-01 00:00:00", Sub: "alice"}
	u2 := &misp.User{Email: "bob@example.org", OrgID: a.ID, RoleID: 3, Disabled: true}
	u3 := &misp.User{Email: "carol@example.net", OrgID: o.ID, RoleID: 6}
	for _, u := range []*misp.User{u1, u2, u3} {
		must(t, b.CreateUser(c, u))
	}
	got, err := b.User(c, int64(u1.ID))
	must(t, err)
	sameJSON(t, "User", u1, got)
	got, err = b.UserByEmail(c, "alice@EXAMPLE.org")
	must(t, err)
	if got.ID != u1.ID {
		t.Errorf("UserByEmail found %d, want %d", got.ID, u1.ID)
	}
	for _, tc := range []struct {
		org  int64
		want []string
	}{
		{int64(a.ID), []string{"Alice@Example.org", "bob@example.org"}},
		{int64(o.ID), []string{"carol@example.net"}},
		{0, []string{"Alice@Example.org", "bob@example.org", "carol@example.net"}},
		{999, nil},
	} {
		list, err := b.ListUsers(c, tc.org)
		must(t, err)
		var emails []string
		for _, u := range list {
			emails = append(emails, u.Email)
		}
		if !slices.Equal(emails, tc.want) {
			t.Errorf("ListUsers(%d) = %v, want %v", tc.org, emails, tc.want)
		}
	}
	wantErr(t, "duplicate e-mail", b.CreateUser(c, &misp.User{Email: "ALICE@example.org", OrgID: a.ID}), store.ErrConflict)
	wantErr(t, "unknown org", b.CreateUser(c, &misp.User{Email: "x@example.org", OrgID: 999}), store.ErrNotFound)

	u2.Disabled, u2.RoleID, u2.OrgID = false, 4, o.ID
	must(t, b.UpdateUser(c, u2))
	got, err = b.User(c, int64(u2.ID))
	must(t, err)
	sameJSON(t, "updated user", u2, got)
	must(t, b.DeleteUser(c, int64(u3.ID)))
	_, err = b.User(c, int64(u3.ID))
	wantErr(t, "deleted user", err, store.ErrNotFound)
	wantErr(t, "delete missing user", b.DeleteUser(c, int64(u3.ID)), store.ErrNotFound)
	_, err = b.UserByEmail(c, "nobody@example.org")
	wantErr(t, "missing e-mail", err, store.ErrNotFound)
}

func testAuthKeys(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-A", 1)
	u := &misp.User{Email: "a@example.org", OrgID: org.ID, RoleID: 3}
	must(t, b.CreateUser(c, u))

	// Two keys that share their first and last four characters, and one that does not.
	keys := []string{
		"abcd" + strings.Repeat("x", 32) + "wxyz",
		"abcd" + strings.Repeat("y", 32) + "wxyz",
		"efgh" + strings.Repeat("z", 32) + "wxyz",
	}
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	var stored []store.AuthKey
	for i, k := range keys {
		h, err := acl.HashKey(k)
		must(t, err)
		ak := store.AuthKey{UserID: int64(u.ID), Hash: h, Start: acl.KeyStart(k), End: acl.KeyEnd(k),
			ReadOnly: i == 1, Comment: "key " + k[:4]}
		if i == 0 {
			ak.Expiration = exp
		}
		must(t, b.AddAuthKey(c, &ak))
		if ak.ID == 0 || ak.UUID == "" || ak.Created.IsZero() {
			t.Fatalf("AddAuthKey left id, uuid or creation unset: %+v", ak)
		}
		stored = append(stored, ak)
	}
	cands, err := b.KeysByFragment(c, "abcd", "wxyz")
	must(t, err)
	if len(cands) != 2 {
		t.Fatalf("KeysByFragment = %d keys, want 2", len(cands))
	}
	matched := 0
	for _, k := range cands {
		if acl.CheckKey(k.Hash, keys[1]) {
			matched++
			if !k.ReadOnly {
				t.Error("read-only flag lost")
			}
		}
	}
	if matched != 1 {
		t.Errorf("%d candidates match the key, want 1", matched)
	}
	sameJSON(t, "stored key", stored[0], cands[0])
	if none, err := b.KeysByFragment(c, "zzzz", "wxyz"); err != nil || len(none) != 0 {
		t.Errorf("KeysByFragment(zzzz) = %v, %v", none, err)
	}
	list, err := b.ListAuthKeys(c, int64(u.ID))
	must(t, err)
	if len(list) != 3 {
		t.Errorf("ListAuthKeys = %d keys, want 3", len(list))
	}
	must(t, b.DeleteAuthKey(c, stored[0].ID))
	wantErr(t, "delete missing key", b.DeleteAuthKey(c, stored[0].ID), store.ErrNotFound)
	must(t, b.DeleteUser(c, int64(u.ID)))
	if list, err := b.ListAuthKeys(c, int64(u.ID)); err != nil || len(list) != 0 {
		t.Errorf("keys of a deleted user: %v, %v", list, err)
	}
}

func testSharingGroups(t *testing.T, b Backend) {
	c := ctx(t)
	a := newOrg(t, b, "ORG-A", 1)
	o := newOrg(t, b, "ORG-B", 2)
	x := newOrg(t, b, "ORG-C", 3)
	sg := &misp.SharingGroup{Name: "partners", Description: "d", Releasability: "r", Active: true, Local: true,
		OrgID: a.ID, OrganisationUUID: a.UUID,
		SharingGroupOrg:    []misp.SharingGroupOrg{{OrgID: a.ID, Extend: true}, {OrgID: o.ID}},
		SharingGroupServer: []misp.SharingGroupServer{{ServerID: 0, AllOrgs: false}}}
	must(t, b.CreateSharingGroup(c, sg))
	got, err := b.SharingGroup(c, int64(sg.ID))
	must(t, err)
	if got.Name != "partners" || !bool(got.Active) || got.UUID != sg.UUID || got.Organisation == nil ||
		got.Organisation.Name != "ORG-A" {
		t.Errorf("SharingGroup = %+v", got)
	}
	type member struct {
		Org    misp.FlexInt
		Extend bool
		Name   string
	}
	members := func(g *misp.SharingGroup) []member {
		var out []member
		for _, m := range g.SharingGroupOrg {
			name := ""
			if m.Organisation != nil {
				name = m.Organisation.Name
			}
			out = append(out, member{m.OrgID, bool(m.Extend), name})
		}
		return out
	}
	sameJSON(t, "members", []member{{a.ID, true, "ORG-A"}, {o.ID, false, "ORG-B"}}, members(got))
	if len(got.SharingGroupServer) != 1 || got.SharingGroupServer[0].ServerID != 0 {
		t.Errorf("servers = %+v", got.SharingGroupServer)
	}

	must(t, b.AddSharingGroupOrg(c, int64(sg.ID), int64(x.ID), false))
	must(t, b.AddSharingGroupOrg(c, int64(sg.ID), int64(o.ID), true)) // updates extend
	must(t, b.RemoveSharingGroupOrg(c, int64(sg.ID), int64(a.ID)))
	wantErr(t, "remove absent org", b.RemoveSharingGroupOrg(c, int64(sg.ID), int64(a.ID)), store.ErrNotFound)
	wantErr(t, "add org to missing group", b.AddSharingGroupOrg(c, 999, int64(a.ID), false), store.ErrNotFound)
	must(t, b.AddSharingGroupServer(c, int64(sg.ID), 0, true))
	must(t, b.AddSharingGroupServer(c, int64(sg.ID), 7, false))
	got, err = b.SharingGroupByUUID(c, strings.ToUpper(sg.UUID))
	must(t, err)
	sameJSON(t, "members after edits", []member{{o.ID, true, "ORG-B"}, {x.ID, false, "ORG-C"}}, members(got))
	if len(got.SharingGroupServer) != 2 || !bool(got.SharingGroupServer[0].AllOrgs) || got.SharingGroupServer[1].ServerID != 7 {
		t.Errorf("servers after edits = %+v", got.SharingGroupServer)
	}
	must(t, b.RemoveSharingGroupServer(c, int64(sg.ID), 7))
	wantErr(t, "remove absent server", b.RemoveSharingGroupServer(c, int64(sg.ID), 7), store.ErrNotFound)

	sg.Name, sg.Active, sg.Roaming = "renamed", false, true
	must(t, b.UpdateSharingGroup(c, sg))
	sg2 := &misp.SharingGroup{Name: "second", OrgID: o.ID}
	must(t, b.CreateSharingGroup(c, sg2))
	list, err := b.ListSharingGroups(c)
	must(t, err)
	if len(list) != 2 || list[0].Name != "renamed" || bool(list[0].Active) || !bool(list[0].Roaming) ||
		len(list[0].SharingGroupOrg) != 2 || list[1].Name != "second" {
		t.Errorf("ListSharingGroups = %+v", list)
	}
	wantErr(t, "duplicate uuid", b.CreateSharingGroup(c, &misp.SharingGroup{Name: "dup", UUID: sg.UUID, OrgID: a.ID}),
		store.ErrConflict)
	must(t, b.DeleteSharingGroup(c, int64(sg.ID)))
	_, err = b.SharingGroup(c, int64(sg.ID))
	wantErr(t, "deleted group", err, store.ErrNotFound)
	wantErr(t, "delete missing group", b.DeleteSharingGroup(c, int64(sg.ID)), store.ErrNotFound)
}

func testTags(t *testing.T, b Backend) {
	c := ctx(t)
	num := misp.FlexInt(50)
	green := &misp.Tag{Name: "tlp:green", Colour: "#33ff00", Exportable: true, NumericalValue: &num}
	red := &misp.Tag{Name: "tlp:red", Colour: "#ff0000", Exportable: true, HideTag: true, LocalOnly: true}
	for _, tg := range []*misp.Tag{red, green} {
		must(t, b.CreateTag(c, tg))
	}
	got, err := b.TagByName(c, "tlp:green")
	must(t, err)
	sameJSON(t, "TagByName", green, got)
	got, err = b.Tag(c, int64(red.ID))
	must(t, err)
	sameJSON(t, "Tag", red, got)
	wantErr(t, "duplicate name", b.CreateTag(c, &misp.Tag{Name: "tlp:red"}), store.ErrConflict)
	_, err = b.TagByName(c, "tlp:amber")
	wantErr(t, "missing tag", err, store.ErrNotFound)
	list, err := b.ListTags(c)
	must(t, err)
	if len(list) != 2 || list[0].Name != "tlp:green" || list[1].Name != "tlp:red" {
		t.Errorf("ListTags = %+v", list)
	}
	red.Colour = "#cc0000"
	must(t, b.UpdateTag(c, red))
	if got, err := b.Tag(c, int64(red.ID)); err != nil || got.Colour != "#cc0000" {
		t.Errorf("after UpdateTag: %+v, %v", got, err)
	}

	org := newOrg(t, b, "ORG-A", 1)
	ev := &misp.Event{Info: "tagged", OrgID: org.ID, OrgcID: org.ID, Distribution: dist(1), Timestamp: 100,
		Attribute: []misp.Attribute{{Type: "domain", Category: "Network activity", Value: "a.example", Timestamp: 100}}}
	must(t, b.SaveEvent(c, ev))
	attr := int64(ev.Attribute[0].ID)
	must(t, b.AttachEventTag(c, int64(ev.ID), int64(green.ID), false, ""))
	must(t, b.AttachEventTag(c, int64(ev.ID), int64(red.ID), true, "targets"))
	must(t, b.AttachEventTag(c, int64(ev.ID), int64(red.ID), true, "")) // again: updates
	must(t, b.AttachAttributeTag(c, attr, int64(red.ID), true, ""))
	wantErr(t, "attach to missing event", b.AttachEventTag(c, 999, int64(red.ID), false, ""), store.ErrNotFound)
	wantErr(t, "attach to missing attribute", b.AttachAttributeTag(c, 999, int64(red.ID), false, ""), store.ErrNotFound)
	e, err := b.Event(c, int64(ev.ID))
	must(t, err)
	if len(e.Tag) != 2 || e.Tag[0].Name != "tlp:green" || bool(e.Tag[0].Local) || e.Tag[1].Name != "tlp:red" ||
		!bool(e.Tag[1].Local) || e.Tag[1].RelationshipType != "" {
		t.Errorf("event tags = %+v", e.Tag)
	}
	if len(e.Attribute[0].Tag) != 1 || e.Attribute[0].Tag[0].Name != "tlp:red" || !bool(e.Attribute[0].Tag[0].Local) {
		t.Errorf("attribute tags = %+v", e.Attribute[0].Tag)
	}
	must(t, b.DetachEventTag(c, int64(ev.ID), int64(green.ID)))
	wantErr(t, "detach absent", b.DetachEventTag(c, int64(ev.ID), int64(green.ID)), store.ErrNotFound)
	must(t, b.DetachAttributeTag(c, attr, int64(red.ID)))
	wantErr(t, "detach absent attribute tag", b.DetachAttributeTag(c, attr, int64(red.ID)), store.ErrNotFound)
	must(t, b.AttachAttributeTag(c, attr, int64(red.ID), false, ""))
	must(t, b.DeleteTag(c, int64(red.ID)))
	e, err = b.Event(c, int64(ev.ID))
	must(t, err)
	if len(e.Tag) != 0 || len(e.Attribute[0].Tag) != 0 {
		t.Errorf("tags after DeleteTag: event %+v, attribute %+v", e.Tag, e.Attribute[0].Tag)
	}
	wantErr(t, "delete missing tag", b.DeleteTag(c, int64(red.ID)), store.ErrNotFound)
}
