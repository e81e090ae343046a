package acl_test

import (
	"regexp"
	"testing"

	"github.com/hunchsec/hunch/intel/acl"
)

// FuzzValidKey holds ValidKey to MISP's own test of a key, the pattern ^[a-zA-Z0-9]{40}$, and checks that the
// display parts are the key's ends.
func FuzzValidKey(f *testing.F) {
	misp := regexp.MustCompile(`^[a-zA-Z0-9]{40}$`)
	f.Add("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCd")
	f.Add("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbC\n")
	f.Add("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbC")
	f.Add("ÀbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbC")
	f.Add("")
	f.Fuzz(func(t *testing.T, key string) {
		if got, want := acl.ValidKey(key), misp.MatchString(key); got != want {
			t.Fatalf("ValidKey(%q) = %t, MISP's pattern says %t", key, got, want)
		}
		if acl.ValidKey(key) && acl.KeyStart(key)+key[4:36]+acl.KeyEnd(key) != key {
			t.Fatalf("KeyStart/KeyEnd of %q do not frame it", key)
		}
	})
}
