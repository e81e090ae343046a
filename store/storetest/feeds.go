package storetest

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// testFeeds checks store.Feeds: a feed round-trips every field, updates and deletes, and the cache answers which
// feeds hold a digest, replaced whole by each caching.
func testFeeds(t *testing.T, b Backend) {
	c := ctx(t)
	list, err := b.ListFeeds(c)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("a new store lists %d feeds", len(list))
	}
	f := &misp.Feed{Name: "CIRCL OSINT Feed", Provider: "CIRCL", URL: "https://www.circl.lu/doc/misp/feed-osint",
		Rules: `{"tags":{"OR":[],"NOT":[]}}`, Enabled: true, Distribution: misp.DistributionCommunity, TagID: 3,
		SourceFormat: misp.FeedFormatMISP, InputSource: misp.FeedInputNetwork, Headers: "Authorization: x",
		CachingEnabled: true, OrgcID: 2, LookupVisible: true, Tag: &misp.Tag{Name: "not stored"}}
	f.Settings.CSV.Value, f.Settings.CSV.Delimiter, f.Settings.Common.ExcludeRegex = "2,3", ";", "/^#/"
	must(t, b.CreateFeed(c, f))
	if f.ID == 0 {
		t.Fatal("CreateFeed left the id unset")
	}
	g := &misp.Feed{Name: "blocklist", URL: "/srv/feeds/list.txt", SourceFormat: misp.FeedFormatFreetext,
		InputSource: misp.FeedInputLocal, FixedEvent: true, DeltaMerge: true}
	g.Settings.CSV.Delimiter = ","
	must(t, b.CreateFeed(c, g))
	if err := b.CreateFeed(c, &misp.Feed{}); err == nil {
		t.Error("a feed without a name was stored")
	}
	got, err := b.Feed(c, int64(f.ID))
	must(t, err)
	want := *f
	want.Tag = nil
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("Feed = %+v, want %+v", got, want)
	}
	g.Name, g.Enabled, g.EventID = "blocklist (renamed)", true, 12
	must(t, b.UpdateFeed(c, g))
	got, err = b.Feed(c, int64(g.ID))
	must(t, err)
	if !reflect.DeepEqual(*got, *g) {
		t.Errorf("updated Feed = %+v, want %+v", got, g)
	}
	wantErr(t, "update of a missing feed", b.UpdateFeed(c, &misp.Feed{ID: 9999, Name: "x"}), store.ErrNotFound)

	// Caches: replaced whole, duplicates once, looked up by digest.
	at := time.Unix(1700000000, 0)
	n, err := b.ReplaceFeedCache(c, int64(f.ID), []string{md5hex("1.2.3.4"), md5hex("evil.example"), md5hex("1.2.3.4")}, at)
	must(t, err)
	if n != 2 {
		t.Errorf("ReplaceFeedCache stored %d digests, want 2", n)
	}
	_, err = b.ReplaceFeedCache(c, int64(g.ID), []string{md5hex("evil.example")}, at)
	must(t, err)
	_, err = b.ReplaceFeedCache(c, 9999, nil, at)
	wantErr(t, "cache of a missing feed", err, store.ErrNotFound)
	got, err = b.Feed(c, int64(f.ID))
	must(t, err)
	if got.CacheTimestamp != misp.TimestampOf(at) {
		t.Errorf("CacheTimestamp = %d, want %d", got.CacheTimestamp, at.Unix())
	}
	hits, err := b.FeedsHolding(c, []string{md5hex("1.2.3.4"), md5hex("evil.example"), md5hex("absent")})
	must(t, err)
	wantHits := map[string][]int64{md5hex("1.2.3.4"): {int64(f.ID)}, md5hex("evil.example"): {int64(f.ID), int64(g.ID)}}
	if !reflect.DeepEqual(hits, wantHits) {
		t.Errorf("FeedsHolding = %v, want %v", hits, wantHits)
	}
	overlap, err := b.FeedCacheOverlap(c)
	must(t, err)
	if !reflect.DeepEqual(overlap, map[[2]int64]int64{{int64(f.ID), int64(g.ID)}: 1, {int64(g.ID), int64(f.ID)}: 1}) {
		t.Errorf("FeedCacheOverlap = %v", overlap)
	}
	// A second caching replaces the first.
	_, err = b.ReplaceFeedCache(c, int64(f.ID), []string{md5hex("5.6.7.8")}, at.Add(time.Hour))
	must(t, err)
	hits, err = b.FeedsHolding(c, []string{md5hex("1.2.3.4"), md5hex("5.6.7.8")})
	must(t, err)
	if !reflect.DeepEqual(hits, map[string][]int64{md5hex("5.6.7.8"): {int64(f.ID)}}) {
		t.Errorf("after recaching FeedsHolding = %v", hits)
	}
	// Many digests: more than one statement's batch each way.
	many := make([]string, 1000)
	for i := range many {
		many[i] = md5hex(fmt.Sprint("value-", i))
	}
	n, err = b.ReplaceFeedCache(c, int64(g.ID), many, at)
	must(t, err)
	if size, err := b.FeedCacheSize(c, int64(g.ID)); err != nil || n != 1000 || size != 1000 {
		t.Errorf("1000 digests: stored %d, size %d (%v)", n, size, err)
	}
	hits, err = b.FeedsHolding(c, many)
	must(t, err)
	if len(hits) != 1000 || !slices.Equal(hits[many[999]], []int64{int64(g.ID)}) {
		t.Errorf("FeedsHolding over 1000 digests found %d", len(hits))
	}

	must(t, b.DeleteFeed(c, int64(g.ID)))
	_, err = b.Feed(c, int64(g.ID))
	wantErr(t, "deleted feed", err, store.ErrNotFound)
	wantErr(t, "second delete", b.DeleteFeed(c, int64(g.ID)), store.ErrNotFound)
	hits, err = b.FeedsHolding(c, many[:10])
	must(t, err)
	if len(hits) != 0 {
		t.Errorf("a deleted feed's cache still answers: %v", hits)
	}
	list, err = b.ListFeeds(c)
	must(t, err)
	if len(list) != 1 || list[0].ID != f.ID {
		t.Errorf("ListFeeds = %+v", list)
	}
}
