package mispapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/misp"
)

type feedJSON struct {
	Feed struct {
		ID, Name, URL, Provider, SourceFormat string
		Enabled, CachingEnabled               bool `json:"-"`
		Settings                              string
	}
}

// TestFeedsAPI follows PyMISP's test_feeds (add, update, delete, list, view, enable/disable and caching,
// cacheFeeds, compareFeeds), then fetches a served freetext feed in the background and shows its hit on
// events/view with includeFeedCorrelations; other roles are refused.
func TestFeedsAPI(t *testing.T) {
	list := "198.51.100.23\nfeedhit.example.com\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, list) }))
	defer srv.Close()
	a := newAPI(t)
	rec := a.do(t, "admin", "POST", "/feeds/add", `{"Feed":{"name":"TestFeed","provider":"TestFeed - Provider","url":"http://example.com"}}`)
	var f struct {
		Feed map[string]any
	}
	decode(t, rec, &f)
	if rec.Code != http.StatusOK || f.Feed["name"] != "TestFeed" || f.Feed["url"] != "http://example.com" ||
		f.Feed["source_format"] != "freetext" || f.Feed["enabled"] != false {
		t.Fatalf("add: %d %s", rec.Code, rec.Body)
	}
	if s, ok := f.Feed["settings"].(string); !ok || !strings.Contains(s, `"csv"`) {
		t.Errorf("settings are not MISP's JSON string: %#v", f.Feed["settings"])
	}
	id := f.Feed["id"].(string)
	// PyMISP's update_feed sends the whole feed back, settings decoded into an object.
	f.Feed["name"], f.Feed["settings"] = "TestFeed - Update", map[string]any{"csv": map[string]any{"value": "", "delimiter": ","}}
	rec = a.do(t, "admin", "POST", "/feeds/edit/"+id, map[string]any{"Feed": f.Feed})
	decode(t, rec, &f)
	if rec.Code != http.StatusOK || f.Feed["name"] != "TestFeed - Update" {
		t.Fatalf("edit: %d %s", rec.Code, rec.Body)
	}
	rec = a.do(t, "admin", "POST", "/feeds/delete/"+id, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"message":"Feed deleted."`) {
		t.Errorf("delete: %d %s", rec.Code, rec.Body)
	}
	if rec := a.do(t, "admin", "GET", "/feeds/view/"+id, nil); rec.Code != http.StatusNotFound {
		t.Errorf("view after delete: %d %s", rec.Code, rec.Body)
	}

	rec = a.do(t, "admin", "POST", "/feeds/add", map[string]any{"Feed": map[string]any{"name": "served", "url": srv.URL,
		"source_format": "freetext", "lookup_visible": true}})
	decode(t, rec, &f)
	id = f.Feed["id"].(string)
	// A disabled feed is not fetched: MISP's answer.
	rec = a.do(t, "admin", "GET", "/feeds/fetchFromFeed/"+id, nil)
	if !strings.Contains(rec.Body.String(), "not enabled") {
		t.Errorf("fetch of a disabled feed: %s", rec.Body)
	}
	// PyMISP's enable_feed and enable_feed_cache send only the id and the flag.
	for _, body := range []string{`{"Feed":{"id":"` + id + `","enabled":true}}`, `{"Feed":{"id":"` + id + `","caching_enabled":true}}`} {
		rec = a.do(t, "admin", "POST", "/feeds/edit/"+id, body)
		decode(t, rec, &f)
		if rec.Code != http.StatusOK || f.Feed["enabled"] != true || f.Feed["name"] != "served" {
			t.Fatalf("enable: %d %s", rec.Code, rec.Body)
		}
	}
	if f.Feed["caching_enabled"] != true {
		t.Errorf("caching not enabled: %s", rec.Body)
	}
	rec = a.do(t, "admin", "GET", "/feeds/fetchFromFeed/"+id, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"result":"Pull queued for background execution."`) {
		t.Errorf("fetch: %d %s", rec.Code, rec.Body)
	}
	for _, scope := range []string{id, "all", "freetext", "misp"} {
		rec = a.do(t, "admin", "GET", "/feeds/cacheFeeds/"+scope, nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"message":"Feed caching job initiated."`) {
			t.Errorf("cacheFeeds/%s: %d %s", scope, rec.Code, rec.Body)
		}
	}
	if rec := a.do(t, "admin", "GET", "/feeds/cacheFeeds/9999", nil); rec.Code != http.StatusNotFound {
		t.Errorf("cacheFeeds of a missing feed: %d %s", rec.Code, rec.Body)
	}
	// The background jobs: the fetch makes the feed's fixed event, the caching fills its cache.
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := a.Store.Feed(context.Background(), mustID(id))
		if err != nil {
			t.Fatal(err)
		}
		if st.EventID != 0 && st.CacheTimestamp != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("background jobs did not run: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	rec = a.do(t, "admin", "GET", "/feeds/compareFeeds", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"ComparedFeed"`) {
		t.Errorf("compareFeeds: %d %s", rec.Code, rec.Body)
	}
	rec = a.do(t, "admin", "GET", "/feeds/index", nil)
	var idx []feedJSON
	decode(t, rec, &idx)
	if len(idx) != 1 || idx[0].Feed.Name != "served" {
		t.Errorf("index: %s", rec.Body)
	}

	// An event of the instance's own holding a value of the feed shows the hit.
	rec = a.do(t, "user", "POST", "/events/add", `{"Event":{"info":"mine","distribution":"1","Attribute":[`+
		`{"type":"ip-dst","value":"198.51.100.23"},{"type":"domain","value":"elsewhere.example.com"}]}}`)
	var ev struct{ Event struct{ ID string } }
	decode(t, rec, &ev)
	for _, c := range []struct {
		as, path string
		want     bool
	}{
		{"admin", "/events/view/" + ev.Event.ID + "/includeFeedCorrelations:1", true},
		// The default User role lacks perm_view_feed_correlations, which MISP requires.
		{"user", "/events/view/" + ev.Event.ID + "/includeFeedCorrelations:1", false},
		{"admin", "/events/view/" + ev.Event.ID, false},
	} {
		rec = a.do(t, c.as, "GET", c.path, nil)
		var view struct {
			Event struct {
				Attribute []struct {
					Value string
					Feed  []misp.FeedHit
				}
			}
		}
		decode(t, rec, &view)
		for _, at := range view.Event.Attribute {
			hit := len(at.Feed) == 1 && at.Feed[0].Name == "served" && at.Feed[0].SourceFormat == "freetext"
			if hit != (c.want && at.Value == "198.51.100.23") {
				t.Errorf("%s %s: %s hits %+v", c.as, c.path, at.Value, at.Feed)
			}
		}
	}
	rec = a.do(t, "admin", "POST", "/attributes/restSearch", `{"value":"198.51.100.23","includeFeedCorrelations":1}`)
	if !strings.Contains(rec.Body.String(), `"Feed":[{"id":"`+id+`","name":"served"`) {
		t.Errorf("restSearch includeFeedCorrelations: %s", rec.Body)
	}

	for _, u := range []string{"orgadmin", "user", "publisher", "sync", "readonly"} {
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/feeds/index", ""}, {"GET", "/feeds/view/" + id, ""}, {"POST", "/feeds/add", `{"name":"x","url":"https://x.example"}`},
			{"POST", "/feeds/edit/" + id, `{"enabled":false}`}, {"POST", "/feeds/delete/" + id, ""},
			{"GET", "/feeds/fetchFromFeed/" + id, ""}, {"GET", "/feeds/fetchFromAllFeeds", ""}, {"GET", "/feeds/cacheFeeds/all", ""},
			{"GET", "/feeds/compareFeeds", ""}, {"POST", "/feeds/loadDefaultFeeds", ""}, {"POST", "/feeds/enable/" + id, ""},
		} {
			var body any
			if c.body != "" {
				body = c.body
			}
			if rec := a.do(t, u, c.method, c.path, body); rec.Code != http.StatusForbidden {
				t.Errorf("%s %s %s: %d", u, c.method, c.path, rec.Code)
			}
		}
	}
	rec = a.do(t, "admin", "POST", "/feeds/disable/"+id, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"message":"Feed disabled."`) {
		t.Errorf("disable: %d %s", rec.Code, rec.Body)
	}
	if rec := a.do(t, "admin", "POST", "/feeds/add", `{"Feed":{"name":"bad","url":"https://x.example","source_format":"xml"}}`); rec.Code != http.StatusForbidden {
		t.Errorf("bad add: %d %s", rec.Code, rec.Body)
	}
}
