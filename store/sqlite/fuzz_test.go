package sqlite

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// FuzzCacheRoundTrip stores arbitrary keys and data and reads them back: whatever PutCached
// accepts must come back byte for byte, and what it refuses must leave the cache as it was.
func FuzzCacheRoundTrip(f *testing.F) {
	f.Add("virustotal", "url", "http://example.com/a?b=c", 3, []byte(`{"data":{}}`))
	f.Add("otx", "domain", "xn--e1afmkfd.example", 0, []byte{})
	f.Add("p", "t", "'; DROP TABLE enrich_cache; --", 2, []byte{0, 0, 0})
	f.Add("", "ipv4", "192.0.2.1", 1, []byte("x"))
	f.Add("p", "ipv4", "192.0.2.1", 7, []byte("x"))
	db := openTest(f, Options{})
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, provider, typ, value string, verdict int, data []byte) {
		before, okBefore, err := db.GetCached(ctx, provider, typ, value, t0)
		if err != nil {
			t.Fatal(err)
		}
		err = db.PutCached(ctx, provider, typ, value, verdict, data, t0, t0.Add(time.Hour))
		valid := provider != "" && typ != "" && value != "" && verdict >= 0 && verdict <= 3
		if valid != (err == nil) {
			t.Fatalf("PutCached(%q, %q, %q, %d) = %v", provider, typ, value, verdict, err)
		}
		got, ok, err := db.GetCached(ctx, provider, typ, value, t0)
		if err != nil {
			t.Fatal(err)
		}
		if !valid {
			// A refused put leaves whatever an earlier input stored under the same key.
			if ok != okBefore || !bytes.Equal(got, before) {
				t.Fatalf("refused put changed the entry from %q (%v) to %q (%v)", before, okBefore, got, ok)
			}
			return
		}
		if !ok || !bytes.Equal(got, data) {
			t.Fatalf("GetCached = %q, %v; stored %q", got, ok, data)
		}
		if _, ok, _ := db.GetCached(ctx, provider, typ, value, t0.Add(time.Hour)); ok {
			t.Fatal("entry still fresh at its expiry")
		}
	})
}
