package mispapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
)

// BenchmarkHandshake is PyMISP's connect: getVersion, users/view/me and describeTypes, with the
// key's bcrypt check remembered as it is after the first request.
func BenchmarkHandshake(b *testing.B) {
	auth, _ := newTestAuth(b)
	h := New(Deps{Auth: auth})
	paths := []string{"/servers/getVersion", "/users/view/me", "/attributes/describeTypes.json"}
	reqs := make([]*http.Request, len(paths))
	for i, p := range paths {
		reqs[i] = httptest.NewRequest("GET", p, nil)
		for _, kv := range pymispHeaders(keyAdmin) {
			reqs[i].Header.Set(kv[0], kv[1])
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range reqs {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != http.StatusOK {
				b.Fatal(rec.Code)
			}
		}
	}
}

// BenchmarkAuthenticate compares a remembered key with one checked by bcrypt every time.
func BenchmarkAuthenticate(b *testing.B) {
	for _, bc := range []struct {
		name    string
		checker *acl.KeyChecker
	}{
		{"remembered", nil},
		{"bcrypt", acl.NewKeyChecker(0, 0, nil)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			auth, keys := newTestAuth(b)
			if bc.checker != nil {
				auth = NewKeyAuthenticator(keys.lookup, bc.checker, func() time.Time { return fixedNow })
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := auth.Authenticate(ctx, keyAdmin); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
