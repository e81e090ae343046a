package intel_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/taxii"
)

// feedServer serves one collection of one report with an indicator, added at 2024-05-01T10:00:00Z, and records
// the added_after of each request.
func feedServer(t *testing.T, report string) (*httptest.Server, *[]string) {
	t.Helper()
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Query().Get("added_after"))
		w.Header().Set("Content-Type", taxii.MediaTAXII)
		after, _ := time.Parse(time.RFC3339Nano, r.URL.Query().Get("added_after"))
		added := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		if !after.IsZero() && !added.After(after) {
			_, _ = w.Write([]byte(`{"more":false}`))
			return
		}
		w.Header().Set("X-TAXII-Date-Added-First", "2024-05-01T10:00:00.000000Z")
		w.Header().Set("X-TAXII-Date-Added-Last", "2024-05-01T10:00:00.000000Z")
		_, _ = w.Write([]byte(`{"more":false,"objects":[` + report + `,
		 {"type":"indicator","spec_version":"2.1","id":"indicator--0c4b3a29-1f5e-4d6c-8b7a-9e8d7c6b5a41","created":"2024-05-01T09:00:00.000Z",
		  "modified":"2024-05-01T09:00:00.000Z","pattern":"[domain-name:value = 'feed.example.org']","pattern_type":"stix","valid_from":"2024-05-01T09:00:00Z"}]}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &asked
}

const feedReport = `{"type":"report","spec_version":"2.1","id":"report--3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d","created":"2024-05-01T09:00:00.000Z",
 "modified":"2024-05-01T09:00:00.000Z","name":"feed report","published":"2024-05-01T09:00:00Z",
 "object_refs":["indicator--0c4b3a29-1f5e-4d6c-8b7a-9e8d7c6b5a41"]}`

// TestPullTAXII: a pull saves the collection's report as an event and remembers the last date_added; the next
// pull asks from one second before it and finds the event unchanged; a pull that exceeds MaxObjects saves nothing.
func TestPullTAXII(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := context.Background()
	srv, asked := feedServer(t, feedReport)
	c := taxii.New(taxii.Options{HTTPClient: srv.Client()})
	p := intel.TAXIIPull{Client: c, APIRoot: srv.URL + "/api/", Collection: "c1"}

	if _, err := f.Svc.PullTAXII(ctx, intel.TAXIIPull{Client: c, APIRoot: p.APIRoot, Collection: "c1", MaxObjects: 1}); err == nil ||
		!strings.Contains(err.Error(), "more than 1 objects") {
		t.Errorf("MaxObjects 1: %v", err)
	}
	if _, err := f.Store.Setting(ctx, intel.TAXIISettingName(p.APIRoot, "c1")); err == nil {
		t.Error("a failed pull moved the mark")
	}
	res, err := f.Svc.PullTAXII(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 1 || res.Objects != 2 || !res.Last.Equal(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("first pull %+v", res)
	}
	mark, err := f.Store.Setting(ctx, intel.TAXIISettingName(p.APIRoot, "c1"))
	if err != nil || mark != "2024-05-01T10:00:00Z" {
		t.Errorf("mark %q, %v", mark, err)
	}
	res, err = f.Svc.PullTAXII(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 0 || res.Unchanged != 1 || (*asked)[len(*asked)-1] != "2024-05-01T09:59:59.000000Z" {
		t.Errorf("second pull %+v, asked %v", res, *asked)
	}
	e, err := f.Svc.ViewEvent(ctx, intel.System, "3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d", intel.EventViewOptions{})
	if err != nil || e.Info != "feed report" || len(e.Attribute) != 1 || e.Attribute[0].Value != "feed.example.org" {
		t.Errorf("pulled event %+v, %v", e, err)
	}
}

// TestPullTAXIIRefusedKeepsMark: an event the store refuses is reported and the mark stays where it was, so that
// the next pull tries it again.
func TestPullTAXIIRefusedKeepsMark(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := context.Background()
	srv, _ := feedServer(t, feedReport)
	c := taxii.New(taxii.Options{HTTPClient: srv.Client()})
	res, err := f.Svc.PullTAXII(ctx, intel.TAXIIPull{Client: c, APIRoot: srv.URL + "/api/", Collection: "c1", As: func(*misp.Event) (acl.User, error) {
		return f.ACL("readonly"), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 1 || len(res.Failures) != 1 {
		t.Errorf("pull as a read-only user: %+v", res)
	}
	if _, err := f.Store.Setting(ctx, intel.TAXIISettingName(srv.URL+"/api/", "c1")); err == nil {
		t.Error("a pull with failures moved the mark")
	}
}
