// Package storetest is the conformance suite of hunch's intel store: every backend of store.Intel (store/sqlite,
// store/postgres) runs Run against a fresh, empty store, so that they agree on CRUD per aggregate, whole-event
// round trips (the ESET corpus field by field), MISP's timestamp rule, duplicates, soft delete and restore, every
// search filter, access control through acl.Conditions, paging and streaming.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// Backend is what the suite tests: the whole intel store.
type Backend interface {
	store.Intel
}

// Run runs the conformance suite. open must return a new, empty, migrated store for each call, and arrange with
// t.Cleanup for it to be closed and removed.
func Run(t *testing.T, open func(t *testing.T) Backend) {
	t.Run("Orgs", func(t *testing.T) { testOrgs(t, open(t)) })
	t.Run("Users", func(t *testing.T) { testUsers(t, open(t)) })
	t.Run("AuthKeys", func(t *testing.T) { testAuthKeys(t, open(t)) })
	t.Run("SharingGroups", func(t *testing.T) { testSharingGroups(t, open(t)) })
	t.Run("Tags", func(t *testing.T) { testTags(t, open(t)) })
	t.Run("Settings", func(t *testing.T) { testSettings(t, open(t)) })
	t.Run("CorrelationExclusions", func(t *testing.T) { testCorrelationExclusions(t, open(t)) })
	t.Run("Logins", func(t *testing.T) { testLogins(t, open(t)) })
	t.Run("Servers", func(t *testing.T) { testServers(t, open(t)) })
	t.Run("Feeds", func(t *testing.T) { testFeeds(t, open(t)) })
	t.Run("EventReports", func(t *testing.T) { testEventReports(t, open(t)) })
	t.Run("EventRoundTrip", func(t *testing.T) { testEventRoundTrip(t, open(t)) })
	t.Run("Corpus", func(t *testing.T) { testCorpus(t, open) })
	t.Run("TimestampRule", func(t *testing.T) { testTimestampRule(t, open(t)) })
	t.Run("EventTimestampFollowsElements", func(t *testing.T) { testEventTimestampFollowsElements(t, open(t)) })
	t.Run("Duplicates", func(t *testing.T) { testDuplicates(t, open(t)) })
	t.Run("SoftDelete", func(t *testing.T) { testSoftDelete(t, open(t)) })
	t.Run("Objects", func(t *testing.T) { testObjects(t, open(t)) })
	t.Run("Sightings", func(t *testing.T) { testSightings(t, open(t)) })
	t.Run("Publish", func(t *testing.T) { testPublish(t, open(t)) })
	t.Run("DeleteEvent", func(t *testing.T) { testDeleteEvent(t, open(t)) })
	t.Run("SearchAttributes", func(t *testing.T) { testSearchAttributes(t, open(t)) })
	t.Run("SearchTagsAtScale", func(t *testing.T) { testSearchTagsAtScale(t, open(t)) })
	t.Run("SearchEvents", func(t *testing.T) { testSearchEvents(t, open(t)) })
	t.Run("ACL", func(t *testing.T) { testACL(t, open(t)) })
	t.Run("Paging", func(t *testing.T) { testPaging(t, open(t)) })
	t.Run("Streaming", func(t *testing.T) { testStreaming(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, open(t)) })
	t.Run("EventHeads", func(t *testing.T) { testEventHeads(t, open(t)) })
	t.Run("Incidents", func(t *testing.T) { testIncidents(t, open(t)) })
	t.Run("Playbooks", func(t *testing.T) { testPlaybooks(t, open(t)) })
}

func ctx(t *testing.T) context.Context { return t.Context() }

// must fails the test at once on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks that err matches target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want one matching %v", what, err, target)
	}
}

// uuid returns a fixed, valid uuid numbered n.
func uuid(n int) string {
	const hex = "0123456789abcdef"
	b := []byte("00000000-0000-4000-8000-000000000000")
	for i := len(b) - 1; n > 0 && i >= 0; i-- {
		if b[i] == '-' {
			continue
		}
		b[i] = hex[n%16]
		n /= 16
	}
	return string(b)
}

func ts(sec int64) misp.Timestamp { return misp.Timestamp(sec) }

func dist(n int) misp.Distribution {
	d, ok := misp.DistributionOf(n)
	if !ok {
		panic("bad distribution")
	}
	return d
}

func date(s string) misp.Date {
	d, err := misp.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func bptr(b bool) *bool { return &b }

func unix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// newOrg creates an organisation named name.
func newOrg(t *testing.T, b Backend, name string, n int) *misp.Organisation {
	t.Helper()
	o := &misp.Organisation{Name: name, UUID: uuid(n), Local: true, Description: name + " description",
		Type: "CSIRT", Nationality: "Luxembourg", Sector: "research", Contacts: "soc@" + name}
	must(t, b.CreateOrg(ctx(t), o))
	if o.ID == 0 {
		t.Fatalf("CreateOrg(%s) left the id at 0", name)
	}
	return o
}

// sameJSON compares want and got by their JSON encodings and reports the first difference with its context.
func sameJSON(t *testing.T, what string, want, got any) {
	t.Helper()
	w, err := json.Marshal(want)
	must(t, err)
	g, err := json.Marshal(got)
	must(t, err)
	if d := firstDiff(w, g); d != "" {
		t.Errorf("%s differs: %s", what, d)
	}
}

// firstDiff describes where two encodings first differ, or returns "" when they are equal.
func firstDiff(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	from := max(0, i-120)
	return fmt.Sprintf("at byte %d:\n  want …%s…\n  got  …%s…", i, want[from:min(len(want), i+120)],
		got[from:min(len(got), i+120)])
}
