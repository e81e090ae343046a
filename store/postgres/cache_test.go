package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/internal/testpg"
	"github.com/hunchsec/hunch/store"
)

type entry struct {
	provider, typ, value string
	verdict              int
	data                 string
	stored, expires      time.Time
}

func put(t testing.TB, db *DB, es ...entry) {
	t.Helper()
	for _, e := range es {
		if err := db.PutCached(context.Background(), e.provider, e.typ, e.value, e.verdict, []byte(e.data), e.stored, e.expires); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGetCached(t *testing.T) {
	longURL := "https://example.com/" + strings.Repeat("a/b%2Fc?", 20000) // 160 kB
	bigData := bytes.Repeat([]byte{0, 1, 2, 0xff}, 1<<18)                 // 1 MiB, with NULs
	hour := t0.Add(time.Hour)
	tests := []struct {
		name     string
		puts     []entry
		provider string
		typ      string
		value    string
		now      time.Time
		want     string
		wantOK   bool
	}{
		{"miss on empty cache", nil, "vt", "ipv4", "192.0.2.1", t0, "", false},
		{"hit", []entry{{"vt", "ipv4", "192.0.2.1", 3, "bad", t0, hour}}, "vt", "ipv4", "192.0.2.1", t0, "bad", true},
		{"hit just before expiry", []entry{{"vt", "ipv4", "192.0.2.1", 3, "bad", t0, hour}}, "vt", "ipv4", "192.0.2.1", hour.Add(-time.Nanosecond), "bad", true},
		{"expired at the expiry instant", []entry{{"vt", "ipv4", "192.0.2.1", 3, "bad", t0, hour}}, "vt", "ipv4", "192.0.2.1", hour, "", false},
		{"expired after", []entry{{"vt", "ipv4", "192.0.2.1", 3, "bad", t0, hour}}, "vt", "ipv4", "192.0.2.1", hour.Add(time.Minute), "", false},
		{"other provider", []entry{{"vt", "ipv4", "192.0.2.1", 3, "bad", t0, hour}}, "otx", "ipv4", "192.0.2.1", t0, "", false},
		{"other type", []entry{{"vt", "domain", "x.example", 3, "bad", t0, hour}}, "vt", "url", "x.example", t0, "", false},
		{"value is case-sensitive", []entry{{"vt", "url", "http://x.example/A", 3, "bad", t0, hour}}, "vt", "url", "http://x.example/a", t0, "", false},
		{"replace keeps the last", []entry{
			{"vt", "ipv4", "192.0.2.1", 3, "first", t0, hour},
			{"vt", "ipv4", "192.0.2.1", 1, "second", t0.Add(time.Minute), hour.Add(time.Hour)},
		}, "vt", "ipv4", "192.0.2.1", hour.Add(time.Minute), "second", true},
		{"replace with an earlier expiry", []entry{
			{"vt", "ipv4", "192.0.2.1", 3, "first", t0, hour},
			{"vt", "ipv4", "192.0.2.1", 0, "second", t0, t0.Add(time.Minute)},
		}, "vt", "ipv4", "192.0.2.1", t0.Add(2 * time.Minute), "", false},
		{"empty data is a hit", []entry{{"tor", "ipv4", "192.0.2.9", 0, "", t0, hour}}, "tor", "ipv4", "192.0.2.9", t0, "", true},
		{"long url value", []entry{{"urlhaus", "url", longURL, 3, "long", t0, hour}}, "urlhaus", "url", longURL, t0, "long", true},
		{"binary data", []entry{{"raw", "md5", "d41d8cd98f00b204e9800998ecf8427e", 2, string(bigData), t0, hour}}, "raw", "md5", "d41d8cd98f00b204e9800998ecf8427e", t0, string(bigData), true},
		{"quotes and not utf-8", []entry{{"p'; DROP TABLE enrich_cache;--", "t\"", "\xff\xfe'%_", 1, "ok", t0, hour}}, "p'; DROP TABLE enrich_cache;--", "t\"", "\xff\xfe'%_", t0, "ok", true},
		{"like wildcards are literal", []entry{{"vt", "domain", "a_c.example", 1, "ok", t0, hour}}, "vt", "domain", "abc.example", t0, "", false},
		{"far-future expiry stays fresh", []entry{{"local", "ipv4", "192.0.2.7", 3, "forever", t0, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}}, "local", "ipv4", "192.0.2.7", time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), "forever", true},
		{"times in other zones compare as instants", []entry{{"vt", "ipv4", "192.0.2.1", 3, "bad", t0, hour.In(time.FixedZone("X", 5*3600))}}, "vt", "ipv4", "192.0.2.1", t0.Add(59 * time.Minute).In(time.FixedZone("Y", -7*3600)), "bad", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t, Options{})
			put(t, db, tt.puts...)
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

func TestGetCachedReturnsACopy(t *testing.T) {
	db := openTest(t, Options{})
	ctx := context.Background()
	put(t, db, entry{"vt", "ipv4", "192.0.2.1", 3, "abc", t0, t0.Add(time.Hour)})
	a, _, _ := db.GetCached(ctx, "vt", "ipv4", "192.0.2.1", t0)
	a[0] = 'X'
	b, _, _ := db.GetCached(ctx, "vt", "ipv4", "192.0.2.1", t0)
	if string(b) != "abc" {
		t.Errorf("second read = %q after the first result was modified", b)
	}
}

func TestPutCachedRejects(t *testing.T) {
	db := openTest(t, Options{})
	later := t0.Add(time.Hour)
	tests := []struct {
		name string
		e    entry
		want string
	}{
		{"empty provider", entry{"", "ipv4", "192.0.2.1", 0, "", t0, later}, "must not be empty"},
		{"empty type", entry{"vt", "", "192.0.2.1", 0, "", t0, later}, "must not be empty"},
		{"empty value", entry{"vt", "ipv4", "", 0, "", t0, later}, "must not be empty"},
		{"verdict below", entry{"vt", "ipv4", "192.0.2.1", -1, "", t0, later}, "verdict -1"},
		{"verdict above", entry{"vt", "ipv4", "192.0.2.1", 4, "", t0, later}, "verdict 4"},
		{"zero stored", entry{"vt", "ipv4", "192.0.2.1", 0, "", time.Time{}, later}, "must be set"},
		{"zero expiry", entry{"vt", "ipv4", "192.0.2.1", 0, "", t0, time.Time{}}, "must be set"},
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
	stats, err := db.CacheStats(context.Background(), t0)
	if err != nil || len(stats) != 0 {
		t.Errorf("rejected puts left entries: %+v, %v", stats, err)
	}
}

func TestCancelledContext(t *testing.T) {
	db := openTest(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := db.GetCached(ctx, "vt", "ipv4", "192.0.2.1", t0)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("GetCached: %v, want context.Canceled", err)
	}
	err = db.PutCached(ctx, "vt", "ipv4", "192.0.2.1", 0, nil, t0, t0.Add(time.Hour))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("PutCached: %v, want context.Canceled", err)
	}
}

// fixture is a cache with three providers, fresh and expired entries, every verdict.
func fixture(t *testing.T) *DB {
	db := openTest(t, Options{})
	h := time.Hour
	put(t, db,
		entry{"abuseipdb", "ipv4", "192.0.2.1", 3, "12345", t0.Add(-3 * h), t0.Add(-h)}, // expired
		entry{"abuseipdb", "ipv4", "192.0.2.2", 1, "1234", t0.Add(-2 * h), t0.Add(h)},
		entry{"abuseipdb", "ipv4", "192.0.2.3", 0, "", t0.Add(-h), t0}, // expires exactly at t0: expired
		entry{"otx", "domain", "evil.example", 3, "abcdefgh", t0.Add(-5 * h), t0.Add(24 * h)},
		entry{"otx", "url", "http://evil.example/x", 2, "ab", t0.Add(-4 * h), t0.Add(-time.Minute)}, // expired
		entry{"vt", "sha256", strings.Repeat("0", 64), 2, "0123456789", t0.Add(-10 * h), t0.Add(10 * h)},
	)
	return db
}

func TestCacheStats(t *testing.T) {
	db := fixture(t)
	h := time.Hour
	tests := []struct {
		name string
		now  time.Time
		want []store.CacheStat
	}{
		{"at t0", t0, []store.CacheStat{
			{Provider: "abuseipdb", Entries: 3, Expired: 2, Bytes: 9, Verdicts: [4]int64{1, 1, 0, 1}, OldestStored: t0.Add(-3 * h), NewestStored: t0.Add(-h)},
			{Provider: "otx", Entries: 2, Expired: 1, Bytes: 10, Verdicts: [4]int64{0, 0, 1, 1}, OldestStored: t0.Add(-5 * h), NewestStored: t0.Add(-4 * h)},
			{Provider: "vt", Entries: 1, Expired: 0, Bytes: 10, Verdicts: [4]int64{0, 0, 1, 0}, OldestStored: t0.Add(-10 * h), NewestStored: t0.Add(-10 * h)},
		}},
		{"long ago nothing expired", t0.Add(-100 * h), []store.CacheStat{
			{Provider: "abuseipdb", Entries: 3, Expired: 0, Bytes: 9, Verdicts: [4]int64{1, 1, 0, 1}, OldestStored: t0.Add(-3 * h), NewestStored: t0.Add(-h)},
			{Provider: "otx", Entries: 2, Expired: 0, Bytes: 10, Verdicts: [4]int64{0, 0, 1, 1}, OldestStored: t0.Add(-5 * h), NewestStored: t0.Add(-4 * h)},
			{Provider: "vt", Entries: 1, Expired: 0, Bytes: 10, Verdicts: [4]int64{0, 0, 1, 0}, OldestStored: t0.Add(-10 * h), NewestStored: t0.Add(-10 * h)},
		}},
		{"far future all expired", t0.Add(1000 * h), []store.CacheStat{
			{Provider: "abuseipdb", Entries: 3, Expired: 3, Bytes: 9, Verdicts: [4]int64{1, 1, 0, 1}, OldestStored: t0.Add(-3 * h), NewestStored: t0.Add(-h)},
			{Provider: "otx", Entries: 2, Expired: 2, Bytes: 10, Verdicts: [4]int64{0, 0, 1, 1}, OldestStored: t0.Add(-5 * h), NewestStored: t0.Add(-4 * h)},
			{Provider: "vt", Entries: 1, Expired: 1, Bytes: 10, Verdicts: [4]int64{0, 0, 1, 0}, OldestStored: t0.Add(-10 * h), NewestStored: t0.Add(-10 * h)},
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

func TestCacheStatsEmpty(t *testing.T) {
	db := openTest(t, Options{})
	got, err := db.CacheStats(context.Background(), t0)
	if err != nil || len(got) != 0 {
		t.Errorf("CacheStats on an empty cache = %+v, %v", got, err)
	}
}

func TestPurgeCache(t *testing.T) {
	all := []string{"abuseipdb/192.0.2.1", "abuseipdb/192.0.2.2", "abuseipdb/192.0.2.3", "otx/evil.example", "otx/http://evil.example/x", "vt/" + strings.Repeat("0", 64)}
	tests := []struct {
		name        string
		provider    string
		expiredOnly bool
		now         time.Time
		wantN       int64
		wantLeft    []string
	}{
		{"everything", "", false, t0, 6, nil},
		{"one provider", "abuseipdb", false, t0, 3, all[3:]},
		{"unknown provider", "nobody", false, t0, 0, all},
		{"expired everywhere", "", true, t0, 3, []string{all[1], all[3], all[5]}},
		{"expired of one provider", "otx", true, t0, 1, []string{all[0], all[1], all[2], all[3], all[5]}},
		{"nothing expired yet", "", true, t0.Add(-100 * time.Hour), 0, all},
		{"provider name is not a pattern", "%", false, t0, 0, all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := fixture(t)
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
					if _, ok, err := db.GetCached(context.Background(), p, typ, v, t0.Add(-1000*time.Hour)); err != nil {
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

// TestConcurrentWriters has goroutines write through one DB while others read, with the pool
// smaller than the number of goroutines, so that they queue for connections.
func TestConcurrentWriters(t *testing.T) {
	for _, conns := range []int32{2, 16} {
		t.Run(fmt.Sprintf("max conns %d", conns), func(t *testing.T) {
			testConcurrentWriters(t, openTest(t, Options{MaxConns: conns}))
		})
	}
}

func testConcurrentWriters(t *testing.T, db *DB) {
	const writers, puts = 8, 500
	ctx := context.Background()
	errs := make(chan error, writers*2)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range puts {
				v := fmt.Sprintf("203.0.113.%d/%d", w, i)
				if err := db.PutCached(ctx, "p", "ipv4", v, i%4, []byte(v), t0, t0.Add(time.Hour)); err != nil {
					errs <- err
					return
				}
			}
		})
		wg.Go(func() {
			for i := range puts {
				if _, _, err := db.GetCached(ctx, "p", "ipv4", fmt.Sprintf("203.0.113.%d/%d", w, i), t0); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	stats, err := db.CacheStats(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 1 || stats[0].Entries != writers*puts || stats[0].Verdicts != [4]int64{1000, 1000, 1000, 1000} {
		t.Errorf("after %d×%d puts: %+v", writers, puts, stats)
	}
	for w := range writers {
		v := fmt.Sprintf("203.0.113.%d/%d", w, puts-1)
		if data, ok, err := db.GetCached(ctx, "p", "ipv4", v, t0); err != nil || !ok || string(data) != v {
			t.Errorf("GetCached(%s) = %q, %v, %v", v, data, ok, err)
		}
	}
}

// TestConcurrentHandles writes through two DBs on one database, as two hunch processes would.
func TestConcurrentHandles(t *testing.T) {
	const handles, writers, puts = 2, 4, 250
	dsn := testpg.DSN(t)
	ctx := context.Background()
	var dbs [handles]*DB
	for h := range handles {
		db, err := Open(ctx, dsn, Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[h] = db
	}
	errs := make(chan error, handles*writers)
	var wg sync.WaitGroup
	for h, db := range dbs {
		for w := range writers {
			wg.Go(func() {
				for i := range puts {
					v := fmt.Sprintf("h%d-w%d-%d.example", h, w, i)
					if err := db.PutCached(ctx, "p", "domain", v, 1, nil, t0, t0.Add(time.Hour)); err != nil {
						errs <- err
						return
					}
					if i%50 == 0 {
						if _, err := db.PurgeCache(ctx, "other", true, t0); err != nil {
							errs <- err
							return
						}
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	stats, err := dbs[0].CacheStats(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 1 || stats[0].Entries != handles*writers*puts {
		t.Errorf("after concurrent writes through %d handles: %+v", handles, stats)
	}
}
