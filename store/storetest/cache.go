package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/store"
)

// RunCache is the conformance suite of the enrichment cache (store.Cache): lookups and expiry,
// replacement, argument checks, cancellation, statistics and purging. open returns an empty
// cache for one test.
func RunCache(t *testing.T, open func(t *testing.T) store.Cache) {
	t.Run("GetCached", func(t *testing.T) { cacheGetCached(t, open) })
	t.Run("GetCachedReturnsACopy", func(t *testing.T) { cacheGetCachedReturnsACopy(t, open) })
	t.Run("PutCachedRejects", func(t *testing.T) { cachePutCachedRejects(t, open) })
	t.Run("CancelledContext", func(t *testing.T) { cacheCancelledContext(t, open) })
	t.Run("CacheStats", func(t *testing.T) { cacheStats(t, open) })
	t.Run("CacheStatsEmpty", func(t *testing.T) { cacheStatsEmpty(t, open) })
	t.Run("PurgeCache", func(t *testing.T) { cachePurgeCache(t, open) })
}

// cacheT0 is the suite's reference time.
var cacheT0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

type cacheEntry struct {
	provider, typ, value string
	verdict              int
	data                 string
	stored, expires      time.Time
}

func putCached(t testing.TB, db store.Cache, es ...cacheEntry) {
	t.Helper()
	for _, e := range es {
		if err := db.PutCached(context.Background(), e.provider, e.typ, e.value, e.verdict, []byte(e.data), e.stored, e.expires); err != nil {
			t.Fatal(err)
		}
	}
}

func cacheGetCached(t *testing.T, open func(t *testing.T) store.Cache) {
	longURL := "https://example.com/" + strings.Repeat("a/b%2Fc?", 20000) // 160 kB
	bigData := bytes.Repeat([]byte{0, 1, 2, 0xff}, 1<<18)                 // 1 MiB, with NULs
	hour := cacheT0.Add(time.Hour)
	tests := []struct {
		name     string
		puts     []cacheEntry
		provider string
		typ      string
		value    string
		now      time.Time
		want     string
		wantOK   bool
	}{
		{"miss on empty cache", nil, "vt", "ipv4", "192.0.2.1", cacheT0, "", false},
		{"hit", []cacheEntry{{"vt", "ipv4", "192.0.2.1", 3, "bad", cacheT0, hour}}, "vt", "ipv4", "192.0.2.1", cacheT0, "bad", true},
		{"hit just before expiry", []cacheEntry{{"vt", "ipv4", "192.0.2.1", 3, "bad", cacheT0, hour}}, "vt", "ipv4", "192.0.2.1", hour.Add(-time.Nanosecond), "bad", true},
		{"expired at the expiry instant", []cacheEntry{{"vt", "ipv4", "192.0.2.1", 3, "bad", cacheT0, hour}}, "vt", "ipv4", "192.0.2.1", hour, "", false},
		{"expired after", []cacheEntry{{"vt", "ipv4", "192.0.2.1", 3, "bad", cacheT0, hour}}, "vt", "ipv4", "192.0.2.1", hour.Add(time.Minute), "", false},
		{"other provider", []cacheEntry{{"vt", "ipv4", "192.0.2.1", 3, "bad", cacheT0, hour}}, "otx", "ipv4", "192.0.2.1", cacheT0, "", false},
		{"other type", []cacheEntry{{"vt", "domain", "x.example", 3, "bad", cacheT0, hour}}, "vt", "url", "x.example", cacheT0, "", false},
		{"value is case-sensitive", []cacheEntry{{"vt", "url", "http://x.example/A", 3, "bad", cacheT0, hour}}, "vt", "url", "http://x.example/a", cacheT0, "", false},
		{"replace keeps the last", []cacheEntry{
			{"vt", "ipv4", "192.0.2.1", 3, "first", cacheT0, hour},
			{"vt", "ipv4", "192.0.2.1", 1, "second", cacheT0.Add(time.Minute), hour.Add(time.Hour)},
		}, "vt", "ipv4", "192.0.2.1", hour.Add(time.Minute), "second", true},
		{"replace with an earlier expiry", []cacheEntry{
			{"vt", "ipv4", "192.0.2.1", 3, "first", cacheT0, hour},
			{"vt", "ipv4", "192.0.2.1", 0, "second", cacheT0, cacheT0.Add(time.Minute)},
		}, "vt", "ipv4", "192.0.2.1", cacheT0.Add(2 * time.Minute), "", false},
		{"empty data is a hit", []cacheEntry{{"tor", "ipv4", "192.0.2.9", 0, "", cacheT0, hour}}, "tor", "ipv4", "192.0.2.9", cacheT0, "", true},
		{"long url value", []cacheEntry{{"urlhaus", "url", longURL, 3, "long", cacheT0, hour}}, "urlhaus", "url", longURL, cacheT0, "long", true},
		{"binary data", []cacheEntry{{"raw", "md5", "d41d8cd98f00b204e9800998ecf8427e", 2, string(bigData), cacheT0, hour}}, "raw", "md5", "d41d8cd98f00b204e9800998ecf8427e", cacheT0, string(bigData), true},
		{"quotes and not utf-8", []cacheEntry{{"p'; DROP TABLE enrich_cache;--", "t\"", "\xff\xfe'%_", 1, "ok", cacheT0, hour}}, "p'; DROP TABLE enrich_cache;--", "t\"", "\xff\xfe'%_", cacheT0, "ok", true},
		{"like wildcards are literal", []cacheEntry{{"vt", "domain", "a_c.example", 1, "ok", cacheT0, hour}}, "vt", "domain", "abc.example", cacheT0, "", false},
		{"far-future expiry stays fresh", []cacheEntry{{"local", "ipv4", "192.0.2.7", 3, "forever", cacheT0, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}}, "local", "ipv4", "192.0.2.7", time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), "forever", true},
		{"times in other zones compare as instants", []cacheEntry{{"vt", "ipv4", "192.0.2.1", 3, "bad", cacheT0, hour.In(time.FixedZone("X", 5*3600))}}, "vt", "ipv4", "192.0.2.1", cacheT0.Add(59 * time.Minute).In(time.FixedZone("Y", -7*3600)), "bad", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := open(t)
			putCached(t, db, tt.puts...)
			data, ok, err := db.GetCached(context.Background(), tt.provider, tt.typ, tt.value, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tt.wantOK)
			}
			if ok && data == nil {
				t.Error("hit returned nil data")
			}
			if string(data) != tt.want {
				t.Errorf("data = %.40q (%d bytes), want %.40q (%d bytes)", data, len(data), tt.want, len(tt.want))
			}
		})
	}
}

func cacheGetCachedReturnsACopy(t *testing.T, open func(t *testing.T) store.Cache) {
	db := open(t)
	ctx := context.Background()
	putCached(t, db, cacheEntry{"vt", "ipv4", "192.0.2.1", 3, "abc", cacheT0, cacheT0.Add(time.Hour)})
	a, _, _ := db.GetCached(ctx, "vt", "ipv4", "192.0.2.1", cacheT0)
	a[0] = 'X'
	b, _, _ := db.GetCached(ctx, "vt", "ipv4", "192.0.2.1", cacheT0)
	if string(b) != "abc" {
		t.Errorf("second read = %q after the first result was modified", b)
	}
}

func cachePutCachedRejects(t *testing.T, open func(t *testing.T) store.Cache) {
	db := open(t)
	later := cacheT0.Add(time.Hour)
	tests := []struct {
		name string
		e    cacheEntry
		want string
	}{
		{"empty provider", cacheEntry{"", "ipv4", "192.0.2.1", 0, "", cacheT0, later}, "must not be empty"},
		{"empty type", cacheEntry{"vt", "", "192.0.2.1", 0, "", cacheT0, later}, "must not be empty"},
		{"empty value", cacheEntry{"vt", "ipv4", "", 0, "", cacheT0, later}, "must not be empty"},
		{"verdict below", cacheEntry{"vt", "ipv4", "192.0.2.1", -1, "", cacheT0, later}, "verdict -1"},
		{"verdict above", cacheEntry{"vt", "ipv4", "192.0.2.1", 4, "", cacheT0, later}, "verdict 4"},
		{"zero stored", cacheEntry{"vt", "ipv4", "192.0.2.1", 0, "", time.Time{}, later}, "must be set"},
		{"zero expiry", cacheEntry{"vt", "ipv4", "192.0.2.1", 0, "", cacheT0, time.Time{}}, "must be set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.e
			err := db.PutCached(context.Background(), e.provider, e.typ, e.value, e.verdict, nil, e.stored, e.expires)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	stats, err := db.CacheStats(context.Background(), cacheT0)
	if err != nil || len(stats) != 0 {
		t.Errorf("rejected puts left entries: %+v, %v", stats, err)
	}
}

func cacheCancelledContext(t *testing.T, open func(t *testing.T) store.Cache) {
	db := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := db.GetCached(ctx, "vt", "ipv4", "192.0.2.1", cacheT0)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("GetCached: %v, want context.Canceled", err)
	}
	err = db.PutCached(ctx, "vt", "ipv4", "192.0.2.1", 0, nil, cacheT0, cacheT0.Add(time.Hour))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("PutCached: %v, want context.Canceled", err)
	}
}

// fixture is a cache with three providers, fresh and expired entries, every verdict.
func cacheFixture(t *testing.T, open func(t *testing.T) store.Cache) store.Cache {
	db := open(t)
	h := time.Hour
	putCached(t, db,
		cacheEntry{"abuseipdb", "ipv4", "192.0.2.1", 3, "12345", cacheT0.Add(-3 * h), cacheT0.Add(-h)}, // expired
		cacheEntry{"abuseipdb", "ipv4", "192.0.2.2", 1, "1234", cacheT0.Add(-2 * h), cacheT0.Add(h)},
		cacheEntry{"abuseipdb", "ipv4", "192.0.2.3", 0, "", cacheT0.Add(-h), cacheT0}, // expires exactly at cacheT0: expired
		cacheEntry{"otx", "domain", "evil.example", 3, "abcdefgh", cacheT0.Add(-5 * h), cacheT0.Add(24 * h)},
		cacheEntry{"otx", "url", "http://evil.example/x", 2, "ab", cacheT0.Add(-4 * h), cacheT0.Add(-time.Minute)}, // expired
		cacheEntry{"vt", "sha256", strings.Repeat("0", 64), 2, "0123456789", cacheT0.Add(-10 * h), cacheT0.Add(10 * h)},
	)
	return db
}

func cacheStats(t *testing.T, open func(t *testing.T) store.Cache) {
	db := cacheFixture(t, open)
	h := time.Hour
	tests := []struct {
		name string
		now  time.Time
		want []store.CacheStat
	}{
		{"at cacheT0", cacheT0, []store.CacheStat{
			{Provider: "abuseipdb", Entries: 3, Expired: 2, Bytes: 9, Verdicts: [4]int64{1, 1, 0, 1}, OldestStored: cacheT0.Add(-3 * h), NewestStored: cacheT0.Add(-h)},
			{Provider: "otx", Entries: 2, Expired: 1, Bytes: 10, Verdicts: [4]int64{0, 0, 1, 1}, OldestStored: cacheT0.Add(-5 * h), NewestStored: cacheT0.Add(-4 * h)},
			{Provider: "vt", Entries: 1, Expired: 0, Bytes: 10, Verdicts: [4]int64{0, 0, 1, 0}, OldestStored: cacheT0.Add(-10 * h), NewestStored: cacheT0.Add(-10 * h)},
		}},
		{"long ago nothing expired", cacheT0.Add(-100 * h), []store.CacheStat{
			{Provider: "abuseipdb", Entries: 3, Expired: 0, Bytes: 9, Verdicts: [4]int64{1, 1, 0, 1}, OldestStored: cacheT0.Add(-3 * h), NewestStored: cacheT0.Add(-h)},
			{Provider: "otx", Entries: 2, Expired: 0, Bytes: 10, Verdicts: [4]int64{0, 0, 1, 1}, OldestStored: cacheT0.Add(-5 * h), NewestStored: cacheT0.Add(-4 * h)},
			{Provider: "vt", Entries: 1, Expired: 0, Bytes: 10, Verdicts: [4]int64{0, 0, 1, 0}, OldestStored: cacheT0.Add(-10 * h), NewestStored: cacheT0.Add(-10 * h)},
		}},
		{"far future all expired", cacheT0.Add(1000 * h), []store.CacheStat{
			{Provider: "abuseipdb", Entries: 3, Expired: 3, Bytes: 9, Verdicts: [4]int64{1, 1, 0, 1}, OldestStored: cacheT0.Add(-3 * h), NewestStored: cacheT0.Add(-h)},
			{Provider: "otx", Entries: 2, Expired: 2, Bytes: 10, Verdicts: [4]int64{0, 0, 1, 1}, OldestStored: cacheT0.Add(-5 * h), NewestStored: cacheT0.Add(-4 * h)},
			{Provider: "vt", Entries: 1, Expired: 1, Bytes: 10, Verdicts: [4]int64{0, 0, 1, 0}, OldestStored: cacheT0.Add(-10 * h), NewestStored: cacheT0.Add(-10 * h)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.CacheStats(context.Background(), tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.want) {
				t.Errorf("CacheStats:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func cacheStatsEmpty(t *testing.T, open func(t *testing.T) store.Cache) {
	db := open(t)
	got, err := db.CacheStats(context.Background(), cacheT0)
	if err != nil || len(got) != 0 {
		t.Errorf("CacheStats on an empty cache = %+v, %v", got, err)
	}
}

func cachePurgeCache(t *testing.T, open func(t *testing.T) store.Cache) {
	all := []string{"abuseipdb/192.0.2.1", "abuseipdb/192.0.2.2", "abuseipdb/192.0.2.3", "otx/evil.example", "otx/http://evil.example/x", "vt/" + strings.Repeat("0", 64)}
	tests := []struct {
		name        string
		provider    string
		expiredOnly bool
		now         time.Time
		wantN       int64
		wantLeft    []string
	}{
		{"everything", "", false, cacheT0, 6, nil},
		{"one provider", "abuseipdb", false, cacheT0, 3, all[3:]},
		{"unknown provider", "nobody", false, cacheT0, 0, all},
		{"expired everywhere", "", true, cacheT0, 3, []string{all[1], all[3], all[5]}},
		{"expired of one provider", "otx", true, cacheT0, 1, []string{all[0], all[1], all[2], all[3], all[5]}},
		{"nothing expired yet", "", true, cacheT0.Add(-100 * time.Hour), 0, all},
		{"provider name is not a pattern", "%", false, cacheT0, 0, all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := cacheFixture(t, open)
			n, err := db.PurgeCache(context.Background(), tt.provider, tt.expiredOnly, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.wantN {
				t.Errorf("purged %d, want %d", n, tt.wantN)
			}
			var left []string
			for _, k := range all {
				p, v, _ := strings.Cut(k, "/")
				found := false
				for _, typ := range []string{"ipv4", "domain", "url", "sha256"} {
					// Look far in the past so that expired entries still show.
					if _, ok, err := db.GetCached(context.Background(), p, typ, v, cacheT0.Add(-1000*time.Hour)); err != nil {
						t.Fatal(err)
					} else if ok {
						found = true
					}
				}
				if found {
					left = append(left, k)
				}
			}
			if fmt.Sprint(left) != fmt.Sprint(tt.wantLeft) {
				t.Errorf("left after purge:\n got %v\nwant %v", left, tt.wantLeft)
			}
		})
	}
}
