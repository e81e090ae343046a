package mispapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
)

// The fixture's ids (inteltest creates them in this order): organisations 1 ORGNAME (host), 2 Org Two, 3 Org
// Three; users 1 admin, 2 orgadmin, 3 user, 4 publisher, 5 sync, 6 readonly (host), 7 user2, 8 publisher2,
// 9 orgadmin2 (Org Two), 10 user3 (Org Three).

// checkStatus asserts the reply's status.
func checkStatus(code int) func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
	return func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
		t.Helper()
		wantStatus(t, rec, code)
	}
}

// checkList asserts the reply is a JSON list of n items.
func checkList(n int) func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
	return func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
		t.Helper()
		var list []json.RawMessage
		decode(t, rec, &list)
		if len(list) != n {
			t.Fatalf("%d items, want %d: %s", len(list), n, rec.Body)
		}
	}
}

// checkSharingGroup asserts the reply is a sharing group PyMISP loads, with the member organisations orgs.
func checkSharingGroup(orgs ...int64) func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
	return func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
		t.Helper()
		wantStatus(t, rec, http.StatusOK)
		var sg struct {
			SharingGroup    misp.SharingGroup
			Organisation    misp.Organisation
			SharingGroupOrg []misp.SharingGroupOrg
		}
		decode(t, rec, &sg)
		if sg.SharingGroup.ID == 0 || !misp.ValidUUID(sg.SharingGroup.UUID) || sg.Organisation.ID == 0 {
			t.Fatalf("sharing group %+v", sg)
		}
		var got []int64
		for _, m := range sg.SharingGroupOrg {
			if m.Organisation == nil || m.Organisation.ID != m.OrgID {
				t.Fatalf("member %+v without its organisation", m)
			}
			got = append(got, int64(m.OrgID))
		}
		if len(got) != len(orgs) {
			t.Fatalf("members %v, want %v", got, orgs)
		}
		for i := range got {
			if got[i] != orgs[i] {
				t.Fatalf("members %v, want %v", got, orgs)
			}
		}
	}
}

// checkPolicyMember asserts that after the request org is (or is not) a member of sharing group 1 to the policy.
func checkPolicyMember(org int64, member bool) func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
	return func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
		t.Helper()
		wantStatus(t, rec, http.StatusOK)
		u := acl.User{ID: 99, OrgID: org, Role: acl.Role{PermAuth: true}}
		if got := a.Svc.Policy().CanViewSharingGroup(u, 1) == nil; got != member {
			t.Fatalf("organisation %d may view sharing group 1 = %v, want %v (policy not reloaded?)", org, got, member)
		}
	}
}

// contractAdminCases are this group's store-backed contract cases (storecontract_test.go): organisations,
// users, roles and sharing groups as PyMISP's calls send them, and the refusals. Answers that carry a new API key
// are pinned by TestAdminKeyContract instead, which hides the random keys.
func contractAdminCases() []storeCase {
	return []storeCase{
		// PyMISP roles(): every user may list the six default roles.
		{Name: "admin_roles_index", As: "user", Method: "GET", Path: "/roles/index", Check: checkList(6)},
		{Name: "admin_roles_view", As: "user", Method: "GET", Path: "/roles/view/4"},
		{Name: "admin_roles_add_unsupported", As: "admin", Method: "POST", Path: "/admin/roles/add",
			Body: `{"name": "Custom", "perm_add": true}`, Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_roles_add_not_site_admin", As: "orgadmin", Method: "POST", Path: "/admin/roles/add",
			Body: `{"name": "Custom"}`, Check: checkStatus(http.StatusForbidden)},

		// PyMISP add_organisation(MISPOrganisation): the fields unwrapped; "local" defaults to true.
		{Name: "admin_orgs_add", As: "admin", Method: "POST", Path: "/admin/organisations/add",
			Body: `{"name": "Test Org", "description": "Testcases org", "nationality": "Luxembourg", "sector": "Testing"}`,
			Check: func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
				o, err := misp.DecodeOrganisation(rec.Body.Bytes())
				if err != nil || o.ID != 4 || o.Name != "Test Org" || !bool(o.Local) || o.CreatedBy != 1 {
					t.Fatalf("organisation %+v, %v", o, err)
				}
			}},
		{Name: "admin_orgs_add_remote", As: "admin", Method: "POST", Path: "/admin/organisations/add",
			Body: `{"Organisation": {"name": "Remote Org", "local": false, "uuid": "5b5c7a56-5c1d-4e0b-9c6f-1b2c3d4e5f60"}}`},
		{Name: "admin_orgs_add_duplicate", As: "admin", Method: "POST", Path: "/admin/organisations/add",
			Body: `{"name": "Test Org"}`, Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_orgs_add_no_name", As: "admin", Method: "POST", Path: "/admin/organisations/add",
			Body: `{"description": "nameless"}`, Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_orgs_add_org_admin", As: "orgadmin", Method: "POST", Path: "/admin/organisations/add",
			Body: `{"name": "Sneaky Org"}`, Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_orgs_add_read_only_role", As: "readonly", Method: "POST", Path: "/admin/organisations/add",
			Body: `{"name": "Sneaky Org"}`, Check: checkStatus(http.StatusForbidden)},
		// PyMISP organisations(scope, search).
		{Name: "admin_orgs_index", As: "user", Method: "GET", Path: "/organisations/index/scope:local", Check: checkList(4)},
		{Name: "admin_orgs_index_external", As: "user", Method: "GET", Path: "/organisations/index/scope:external",
			Check: checkList(1)},
		{Name: "admin_orgs_index_search", As: "admin", Method: "GET", Path: "/organisations/index/scope:all/searchall:TEST",
			Check: checkList(1)},
		// PyMISP get_organisation / organisation_exists.
		{Name: "admin_orgs_view", As: "user2", Method: "GET", Path: "/organisations/view/4"},
		{Name: "admin_orgs_view_uuid", As: "admin", Method: "GET", Path: "/organisations/view/5B5C7A56-5C1D-4E0B-9C6F-1B2C3D4E5F60"},
		{Name: "admin_orgs_view_missing", As: "user", Method: "GET", Path: "/organisations/view/99",
			Check: checkStatus(http.StatusNotFound)},
		{Name: "admin_orgs_exists_missing", As: "user", Method: "HEAD", Path: "/organisations/view/99",
			Check: checkStatus(http.StatusNotFound)},
		// PyMISP update_organisation: the fields sent replace the stored ones, the others stay.
		{Name: "admin_orgs_edit", As: "admin", Method: "POST", Path: "/admin/organisations/edit/4",
			Body: `{"Organisation": {"description": "Edited", "sector": "Finance"}}`,
			Check: func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
				o, err := misp.DecodeOrganisation(rec.Body.Bytes())
				if err != nil || o.Name != "Test Org" || o.Description != "Edited" || o.Nationality != "Luxembourg" {
					t.Fatalf("edited organisation %+v, %v", o, err)
				}
			}},
		{Name: "admin_orgs_edit_name_taken", As: "admin", Method: "POST", Path: "/admin/organisations/edit/4",
			Body: `{"name": "Org Two"}`, Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_orgs_edit_missing", As: "admin", Method: "POST", Path: "/admin/organisations/edit/99",
			Body: `{"name": "Ghost"}`, Check: checkStatus(http.StatusNotFound)},
		{Name: "admin_orgs_edit_org_admin", As: "orgadmin", Method: "POST", Path: "/admin/organisations/edit/1",
			Body: `{"name": "Mine now"}`, Check: checkStatus(http.StatusForbidden)},
		// MISP keeps organisations that still have users.
		{Name: "admin_orgs_delete_with_users", As: "admin", Method: "POST", Path: "/admin/organisations/delete/2",
			Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_orgs_delete", As: "admin", Method: "POST", Path: "/admin/organisations/delete/5B5C7A56-5C1D-4E0B-9C6F-1B2C3D4E5F60"},
		{Name: "admin_orgs_delete_missing", As: "admin", Method: "POST", Path: "/admin/organisations/delete/5",
			Check: checkStatus(http.StatusNotFound)},

		// PyMISP users(): site admins list everyone, org admins their organisation, others nothing.
		{Name: "admin_users_index", As: "admin", Method: "GET", Path: "/admin/users/index", Check: checkList(10)},
		{Name: "admin_users_index_search", As: "admin", Method: "GET", Path: "/admin/users/index/value:orgtwo/searchorg:2",
			Check: checkList(3)},
		{Name: "admin_users_index_org_admin", As: "orgadmin2", Method: "GET", Path: "/admin/users/index", Check: checkList(3)},
		{Name: "admin_users_index_user", As: "user", Method: "GET", Path: "/admin/users/index",
			Check: checkStatus(http.StatusForbidden)},
		// PyMISP get_user(id): users/view/{id}.
		{Name: "admin_users_get_user", As: "admin", Method: "GET", Path: "/users/view/7",
			Check: func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
				u, err := misp.DecodeUser(rec.Body.Bytes())
				if err != nil || u.ID != 7 || u.Role == nil || u.Role.ID != 3 || u.Organisation == nil || u.Organisation.ID != 2 {
					t.Fatalf("user %+v, %v", u, err)
				}
			}},
		{Name: "admin_users_get_user_org_admin", As: "orgadmin2", Method: "GET", Path: "/users/view/8",
			Check: checkStatus(http.StatusOK)},
		{Name: "admin_users_get_user_org_admin_other_org", As: "orgadmin2", Method: "GET", Path: "/users/view/3",
			Check: checkStatus(http.StatusNotFound)},
		{Name: "admin_users_get_user_user", As: "user", Method: "GET", Path: "/users/view/4",
			Check: checkStatus(http.StatusNotFound)},
		{Name: "admin_users_get_user_missing", As: "admin", Method: "GET", Path: "/users/view/99",
			Check: checkStatus(http.StatusNotFound)},
		{Name: "admin_users_view", As: "orgadmin", Method: "GET", Path: "/admin/users/view/4"},
		{Name: "admin_users_view_other_org", As: "orgadmin", Method: "GET", Path: "/admin/users/view/7",
			Check: checkStatus(http.StatusNotFound)},
		// admin/users/add refusals (the successful adds answer new keys: TestAdminKeyContract).
		{Name: "admin_users_add_no_email", As: "admin", Method: "POST", Path: "/admin/users/add",
			Body: `{"org_id": "2", "role_id": "3"}`, Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_users_add_email_taken", As: "admin", Method: "POST", Path: "/admin/users/add",
			Body: `{"email": "user2@orgtwo.test", "org_id": "2"}`, Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_users_add_org_admin_site_admin_role", As: "orgadmin", Method: "POST", Path: "/admin/users/add",
			Body: `{"email": "boss@orgname.test", "role_id": "1"}`, Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_users_add_org_admin_other_org", As: "orgadmin", Method: "POST", Path: "/admin/users/add",
			Body: `{"email": "spy@orgtwo.test", "org_id": "2"}`, Check: checkStatus(http.StatusNotFound)},
		{Name: "admin_users_add_user", As: "user", Method: "POST", Path: "/admin/users/add",
			Body: `{"email": "friend@orgname.test"}`, Check: checkStatus(http.StatusForbidden)},
		// PyMISP update_user (admin/users/edit/{id} for admins).
		{Name: "admin_users_edit", As: "orgadmin", Method: "POST", Path: "/admin/users/edit/4",
			Body: `{"User": {"autoalert": true, "role_id": "3", "password": "ignored-Password-123"}}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				u, err := misp.DecodeUser(rec.Body.Bytes())
				if err != nil || u.ID != 4 || !bool(u.Autoalert) || u.RoleID != 3 || u.Email != "publisher@orgname.test" {
					t.Fatalf("edited user %+v, %v", u, err)
				}
			}},
		{Name: "admin_users_edit_site_admin_by_org_admin", As: "orgadmin", Method: "POST", Path: "/admin/users/edit/1",
			Body: `{"disabled": true}`, Check: checkStatus(http.StatusNotFound)},
		{Name: "admin_users_edit_escalation", As: "orgadmin", Method: "POST", Path: "/admin/users/edit/4",
			Body: `{"role_id": "1"}`, Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_users_edit_move_org", As: "admin", Method: "POST", Path: "/admin/users/edit/4",
			Body: `{"org_id": "4", "email": "publisher@testorg.test"}`,
			Check: func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
				wantStatus(t, rec, http.StatusOK)
				if !a.Svc.Policy().Settings().Instance.IsLocalOrg(4) {
					t.Fatal("organisation 4 has a user but the policy does not know it")
				}
			}},
		{Name: "admin_users_delete_other_org", As: "orgadmin", Method: "POST", Path: "/admin/users/delete/10",
			Check: checkStatus(http.StatusNotFound)},
		{Name: "admin_users_delete", As: "admin", Method: "POST", Path: "/admin/users/delete/5"},
		{Name: "admin_users_delete_missing", As: "admin", Method: "POST", Path: "/admin/users/delete/5",
			Check: checkStatus(http.StatusNotFound)},
		{Name: "admin_users_change_pw", As: "user", Method: "POST", Path: "/users/change_pw",
			Body: `{"password": "Another-Password-123"}`, Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_auth_keys_add_for_site_admin", As: "orgadmin", Method: "POST", Path: "/auth_keys/add/1",
			Body: `{}`, Check: checkStatus(http.StatusMethodNotAllowed)},
		{Name: "admin_auth_keys_add_read_only_role_other", As: "readonly", Method: "POST", Path: "/auth_keys/add/3",
			Body: `{}`, Check: checkStatus(http.StatusMethodNotAllowed)},

		// PyMISP add_sharing_group(MISPSharingGroup(name, releasability)): no servers given, so this instance.
		{Name: "admin_sg_add", As: "orgadmin", Method: "POST", Path: "/sharingGroups/add",
			Body: `{"name": "Testcases SG", "releasability": "Testing"}`, Check: checkSharingGroup()},
		{Name: "admin_sg_add_no_permission", As: "user", Method: "POST", Path: "/sharingGroups/add",
			Body: `{"name": "Mine"}`, Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_sg_add_no_name", As: "admin", Method: "POST", Path: "/sharingGroups/add",
			Body: `{"SharingGroup": {"releasability": "none"}}`, Check: checkStatus(http.StatusForbidden)},
		// PyMISP add_org_to_sharing_group(sg, org, extend): {sg_id, org_id, extend} to sharingGroups/addOrg.
		{Name: "admin_sg_add_org", As: "orgadmin", Method: "POST", Path: "/sharingGroups/addOrg",
			Body: `{"sg_id": 1, "org_id": 4, "extend": false}`, Check: checkPolicyMember(4, true)},
		{Name: "admin_sg_add_org_again", As: "orgadmin", Method: "POST", Path: "/sharingGroups/addOrg",
			Body: `{"sg_id": 1, "org_id": 4, "extend": false}`, Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_sg_add_org_path_extend", As: "admin", Method: "POST", Path: "/sharing_groups/addOrg/1/2/1",
			Check: checkPolicyMember(2, true)},
		{Name: "admin_sg_add_org_unknown", As: "orgadmin", Method: "POST", Path: "/sharingGroups/addOrg",
			Body: `{"sg_id": 1, "org_id": 99}`, Check: checkStatus(http.StatusMethodNotAllowed)},
		{Name: "admin_sg_add_org_no_sg", As: "orgadmin", Method: "POST", Path: "/sharingGroups/addOrg",
			Body: `{"org_id": 3}`, Check: checkStatus(http.StatusMethodNotAllowed)},
		{Name: "admin_sg_add_org_not_editor", As: "user2", Method: "POST", Path: "/sharingGroups/addOrg",
			Body: `{"sg_id": 1, "org_id": 3}`, Check: checkStatus(http.StatusMethodNotAllowed)},
		// PyMISP get_sharing_group / sharing_group_exists / sharing_groups.
		{Name: "admin_sg_view_member", As: "user2", Method: "GET", Path: "/sharing_groups/view/1",
			Check: checkSharingGroup(2, 4)},
		{Name: "admin_sg_view_owner_org", As: "user", Method: "GET", Path: "/sharing_groups/view/1",
			Check: checkStatus(http.StatusOK)},
		{Name: "admin_sg_view_outsider", As: "user3", Method: "GET", Path: "/sharing_groups/view/1",
			Check: checkStatus(http.StatusMethodNotAllowed)},
		{Name: "admin_sg_exists", As: "user2", Method: "HEAD", Path: "/sharing_groups/view/1", Check: checkStatus(http.StatusOK)},
		{Name: "admin_sg_exists_missing", As: "user2", Method: "HEAD", Path: "/sharing_groups/view/9",
			Check: checkStatus(http.StatusNotFound)},
		{Name: "admin_sg_view_missing", As: "admin", Method: "GET", Path: "/sharing_groups/view/9",
			Check: checkStatus(http.StatusMethodNotAllowed)},
		{Name: "admin_sg_index", As: "user2", Method: "GET", Path: "/sharingGroups/index",
			Check: func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
				var out struct{ Response []json.RawMessage }
				decode(t, rec, &out)
				if len(out.Response) != 1 {
					t.Fatalf("%d groups, want 1", len(out.Response))
				}
			}},
		{Name: "admin_sg_index_passive", As: "admin", Method: "GET", Path: "/sharingGroups/index/true"},
		// PyMISP update_sharing_group: an organisation with extend may edit the group.
		{Name: "admin_sg_edit_extend", As: "orgadmin2", Method: "POST", Path: "/sharing_groups/edit/1",
			Body:  `{"SharingGroup": {"description": "Edited by an extending organisation", "active": true}}`,
			Check: checkStatus(http.StatusOK)},
		{Name: "admin_sg_edit_member_without_permission", As: "user2", Method: "POST", Path: "/sharing_groups/edit/1",
			Body: `{"name": "Hijacked"}`, Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_sg_edit_missing", As: "admin", Method: "POST", Path: "/sharing_groups/edit/9",
			Body: `{"name": "Ghost"}`, Check: checkStatus(http.StatusNotFound)},
		// PyMISP remove_org_from_sharing_group.
		{Name: "admin_sg_remove_org", As: "orgadmin", Method: "POST", Path: "/sharingGroups/removeOrg",
			Body: `{"sg_id": 1, "org_id": 4}`, Check: checkPolicyMember(4, false)},
		{Name: "admin_sg_remove_org_again", As: "orgadmin", Method: "POST", Path: "/sharingGroups/removeOrg",
			Body: `{"sg_id": 1, "org_id": 4}`, Check: checkStatus(http.StatusForbidden)},
		// PyMISP add_server_to_sharing_group / remove_server_from_sharing_group: only server 0 (this instance).
		{Name: "admin_sg_add_server_again", As: "orgadmin", Method: "POST", Path: "/sharingGroups/addServer",
			Body: `{"sg_id": 1, "server_id": 0, "all_orgs": true}`, Check: checkStatus(http.StatusForbidden)},
		{Name: "admin_sg_remove_server", As: "orgadmin", Method: "POST", Path: "/sharingGroups/removeServer",
			Body: `{"sg_id": 1, "server_id": 0}`},
		{Name: "admin_sg_add_server_all_orgs", As: "orgadmin", Method: "POST", Path: "/sharing_groups/addServer",
			Body: `{"sg_id": 1, "server_id": 0, "all_orgs": true}`, Check: checkPolicyMember(3, true)},
		{Name: "admin_sg_add_server_unknown", As: "orgadmin", Method: "POST", Path: "/sharingGroups/addServer",
			Body: `{"sg_id": 1, "server_id": 5}`, Check: checkStatus(http.StatusMethodNotAllowed)},
		// PyMISP delete_sharing_group: the owner organisation (or a site admin) only.
		{Name: "admin_sg_delete_extend", As: "orgadmin2", Method: "POST", Path: "/sharingGroups/delete/1",
			Check: checkStatus(http.StatusMethodNotAllowed)},
		{Name: "admin_sg_delete", As: "orgadmin", Method: "POST", Path: "/sharingGroups/delete/1",
			Check: checkPolicyMember(2, false)},
		{Name: "admin_sg_delete_missing", As: "admin", Method: "POST", Path: "/sharingGroups/delete/1",
			Check: checkStatus(http.StatusMethodNotAllowed)},
	}
}

// keyRE finds API keys in clear in an answer, and their first and last four characters.
var keyRE = regexp.MustCompile(`"(authkey|authkey_raw)": ?"[a-zA-Z0-9]{40}"|"(authkey_start|authkey_end)": ?"[a-zA-Z0-9]{4}"`)

// scrubKeys replaces the keys in b by <key>.
func scrubKeys(b []byte) []byte {
	return keyRE.ReplaceAllFunc(b, func(m []byte) []byte {
		name, _, _ := bytes.Cut(m, []byte(":"))
		return fmt.Appendf(nil, `%s: "<key>"`, name)
	})
}

// answeredKey returns the key in clear in an admin/users/add or auth_keys/add answer.
func answeredKey(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	wantStatus(t, rec, http.StatusOK)
	var out struct {
		User    struct{ Authkey string }
		AuthKey struct {
			AuthkeyRaw string `json:"authkey_raw"`
		}
	}
	decode(t, rec, &out)
	k := out.User.Authkey + out.AuthKey.AuthkeyRaw
	if !acl.ValidKey(k) {
		t.Fatalf("answer holds no api key: %s", rec.Body)
	}
	return k
}

// checkKeyLogsIn asserts that the key answered logs in as a user of organisation org with role.
func checkKeyLogsIn(org, role int64) func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
	return func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
		t.Helper()
		key := answeredKey(t, rec)
		a.Keys["new"] = key
		me := a.do(t, "new", "GET", "/users/view/me", nil)
		u, err := misp.DecodeUser([]byte(wantStatus(t, me, http.StatusOK)))
		if err != nil || int64(u.OrgID) != org || int64(u.RoleID) != role || u.Role == nil {
			t.Fatalf("new key logs in as %+v, %v", u, err)
		}
	}
}

// adminKeyCases are the admin exchanges whose answers carry a new API key, pinned with the keys hidden.
func adminKeyCases() []storeCase {
	return []storeCase{
		// PyMISP's live suite: add_user(MISPUser(email, org_id, role_id)) then logs in with User.authkey.
		{Name: "admin_users_add", As: "admin", Method: "POST", Path: "/admin/users/add",
			Body:  `{"email": "testusr@user.local", "org_id": "2", "role_id": "3", "password": "Unused-Password-123"}`,
			Check: checkKeyLogsIn(2, 3)},
		{Name: "admin_users_add_org_admin", As: "orgadmin2", Method: "POST", Path: "/admin/users/add",
			Body: `{"User": {"email": "testpub@orgtwo.test", "role_id": 4}}`, Check: checkKeyLogsIn(2, 4)},
		{Name: "admin_users_add_default_role", As: "admin", Method: "POST", Path: "/admin/users/add",
			Body: `{"email": "plain@orgthree.test", "org_id": 3}`, Check: checkKeyLogsIn(3, 3)},
		// PyMISP get_new_authkey(user): auth_keys/add/{id} with {} answers AuthKey.authkey_raw.
		{Name: "admin_auth_keys_add_me", As: "user", Method: "POST", Path: "/auth_keys/add/me", Body: `{}`,
			Check: checkKeyLogsIn(1, 3)},
		{Name: "admin_auth_keys_add_org_admin", As: "orgadmin", Method: "POST", Path: "/auth_keys/add/4",
			Body: `{"comment": "for the publisher"}`, Check: checkKeyLogsIn(1, 4)},
		{Name: "admin_auth_keys_add_site_admin", As: "admin", Method: "POST", Path: "/authKeys/add/7", Body: `{}`,
			Check: checkKeyLogsIn(2, 3)},
	}
}

// adminKeyGoldens is the directory, under testdata/contract, of adminKeyCases' golden files: apart from the
// store-backed groups' files, which TestContract requires to belong to a case of theirs.
const adminKeyGoldens = "admin_keys"

// TestAdminKeyContract pins the answers of adminKeyCases, in order on one contract instance, as
// TestStoreContract pins the other cases, with the random keys replaced by <key>.
func TestAdminKeyContract(t *testing.T) {
	a := newContractAPI(t)
	for _, tc := range adminKeyCases() {
		ok := t.Run(tc.Name, func(t *testing.T) {
			var body any
			if tc.Body != "" {
				body = tc.Body
			}
			rec := a.do(t, tc.As, tc.Method, tc.Path, body)
			cc := contractCase{name: tc.Name, method: tc.Method, path: tc.Path, body: tc.Body,
				header: [][2]string{{"As", tc.As}}}
			got := scrubKeys(scrubUUIDs(renderExchange(cc, rec)))
			file := filepath.Join("testdata", "contract", adminKeyGoldens, tc.Name+".golden")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("answer differs from %s (run with -update if the change is intended):\n%s", file, lineDiff(want, got))
			}
			tc.Check(t, a, rec)
		})
		if !ok {
			return
		}
	}
}

// TestAdminKeyShownOnce checks that a new user's key is answered by admin/users/add only: the user's views and
// the index never show it, and the store keeps only its hash.
func TestAdminKeyShownOnce(t *testing.T) {
	a := newAPI(t)
	rec := a.do(t, "admin", "POST", "/admin/users/add", `{"email": "once@orgtwo.test", "org_id": 2}`)
	key := answeredKey(t, rec)
	for _, path := range []string{"/admin/users/index", "/admin/users/view/11", "/users/view/11"} {
		if body := wantStatus(t, a.do(t, "admin", "GET", path, nil), http.StatusOK); bytes.Contains([]byte(body), []byte(key)) {
			t.Fatalf("%s shows the key", path)
		}
	}
	keys, err := a.Store.ListAuthKeys(t.Context(), 11)
	if err != nil || len(keys) != 1 || keys[0].Hash == key || !acl.CheckKey(keys[0].Hash, key) {
		t.Fatalf("stored keys %+v, %v", keys, err)
	}
}

// TestAdminSharingGroupGivesAccess checks the sharing-group endpoints end to end with the data they govern: an
// event shared with a group becomes readable by an organisation once it is added, and unreadable once removed.
func TestAdminSharingGroupGivesAccess(t *testing.T) {
	a := newAPI(t)
	rec := a.do(t, "orgadmin", "POST", "/sharingGroups/add", `{"name": "Partners"}`)
	wantStatus(t, rec, http.StatusOK)
	var sg struct{ SharingGroup misp.SharingGroup }
	decode(t, rec, &sg)
	ev := &misp.Event{Info: "shared", Distribution: mustDistribution(t, 4), SharingGroupID: sg.SharingGroup.ID,
		OrgID: 1, OrgcID: 1, UserID: 2}
	if err := a.Store.SaveEvent(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	view := "/events/view/" + ev.ID.String()
	steps := []struct {
		as, path, body string
		want           int
	}{
		{"user3", view, "", http.StatusNotFound},
		{"orgadmin", "/sharingGroups/addOrg", `{"sg_id": ` + sg.SharingGroup.ID.String() + `, "org_id": 3}`, http.StatusOK},
		{"user3", view, "", http.StatusOK},
		{"orgadmin", "/sharingGroups/removeOrg", `{"sg_id": ` + sg.SharingGroup.ID.String() + `, "org_id": 3}`, http.StatusOK},
		{"user3", view, "", http.StatusNotFound},
	}
	for i, s := range steps {
		method := "GET"
		if s.body != "" {
			method = "POST"
		}
		var body any
		if s.body != "" {
			body = s.body
		}
		if rec := a.do(t, s.as, method, s.path, body); rec.Code != s.want {
			t.Fatalf("step %d %s %s: %d, want %d: %s", i, s.as, s.path, rec.Code, s.want, rec.Body)
		}
	}
}

func mustDistribution(t *testing.T, n int) misp.Distribution {
	t.Helper()
	d, ok := misp.DistributionOf(n)
	if !ok {
		t.Fatalf("no distribution %d", n)
	}
	return d
}

func TestAdminRolesAreTheDefaults(t *testing.T) {
	a := newAPI(t)
	var roles []struct{ Role misp.Role }
	decode(t, a.do(t, "readonly", "GET", "/roles/index", nil), &roles)
	want := misp.DefaultRoles()
	if len(roles) != len(want) {
		t.Fatalf("%d roles, want %d", len(roles), len(want))
	}
	for i, r := range roles {
		if r.Role.ID != want[i].ID || r.Role.Name != want[i].Name || r.Role.PermSiteAdmin != want[i].PermSiteAdmin {
			t.Errorf("role %d = %+v, want %+v", i, r.Role, want[i])
		}
		if _, ok := intel.Role(int64(r.Role.ID)); !ok {
			t.Errorf("role %d unknown to intel", r.Role.ID)
		}
	}
}
