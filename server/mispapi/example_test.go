package mispapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/server/mispapi"
)

// The API over one stored key: the store keeps the key's hash, first and last four characters,
// and the lookup hands the candidate rows to the authenticator, which checks them with bcrypt.
func Example() {
	key, _ := acl.GenerateKey() // shown to its user once
	hash, _ := acl.HashKey(key) // what the store keeps
	roles := misp.DefaultRoles()
	admin := misp.User{ID: 1, OrgID: 1, Email: "admin@example.org", RoleID: 1, Role: &roles[0],
		Organisation: &misp.Organisation{ID: 1, Name: "Example CERT"}}
	lookup := func(_ context.Context, start, end string) ([]mispapi.KeyCandidate, error) {
		if start == acl.KeyStart(key) && end == acl.KeyEnd(key) {
			return []mispapi.KeyCandidate{{ID: 1, Hash: hash, User: admin}}, nil
		}
		return nil, nil
	}
	auth := mispapi.NewKeyAuthenticator(lookup, acl.NewKeyChecker(5*time.Minute, 1000, time.Now), time.Now)
	api := mispapi.New(mispapi.Deps{Auth: auth})

	for _, k := range []string{key, "wrong"} {
		req := httptest.NewRequest("GET", "/servers/getVersion", nil)
		req.Header.Set("Authorization", k)
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, req)
		var body map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != http.StatusOK {
			fmt.Println(rec.Code, body["message"])
			continue
		}
		fmt.Println(rec.Code, body["version"], body["perm_sync"])
	}
	// Output:
	// 200 2.5.1 true
	// 403 Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.
}
