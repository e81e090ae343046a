package storetest

import (
	"reflect"
	"testing"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// testServers checks the sync servers: a round trip of every field (rules included), ordering by priority, an
// update that leaves the progress alone, progress per direction, missing rows and deletion.
func testServers(t *testing.T, b Backend) {
	c := ctx(t)
	list, err := b.ListServers(c)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("a new store lists %d servers", len(list))
	}
	rules, err := misp.ParseSyncRules(`{"tags":{"OR":["tlp:green",12],"NOT":["tlp:red"]},"orgs":{"OR":[],"NOT":["3"]},"url_params":"x"}`)
	must(t, err)
	full := &misp.Server{Name: "remote A", URL: "https://a.example", Authkey: "sealed:v1:abcd", OrgID: 1, RemoteOrgID: 2,
		Push: true, Pull: true, PushSightings: true, SelfSigned: true, CertFile: "/etc/ca.pem", SkipProxy: true,
		CachingEnabled: true, Priority: 5, PullRules: rules, PushRules: misp.SyncRules{Orgs: misp.RuleList{OR: []string{"ORG"}}},
		Internal: true, UnpublishEvent: true, PublishWithoutEmail: true, LastPushedID: 99}
	must(t, b.CreateServer(c, full))
	if full.ID == 0 {
		t.Fatal("CreateServer left the id at 0")
	}
	if full.LastPushedID != 0 {
		t.Errorf("CreateServer kept the progress %d, want 0", full.LastPushedID)
	}
	bare := &misp.Server{Name: "remote B", URL: "https://b.example", Priority: 1}
	must(t, b.CreateServer(c, bare))
	got, err := b.Server(c, int64(full.ID))
	must(t, err)
	if !reflect.DeepEqual(got, full) {
		t.Errorf("Server round trip:\n got %+v\nwant %+v", got, full)
	}
	if got.PullRules.Tags.OR[1] != "12" {
		t.Errorf("numeric tag rule read as %q, want 12", got.PullRules.Tags.OR[1])
	}
	list, err = b.ListServers(c)
	must(t, err)
	if len(list) != 2 || list[0].Name != "remote B" || list[1].Name != "remote A" {
		t.Fatalf("ListServers = %+v, want B (priority 1) then A (priority 5)", list)
	}

	must(t, b.SetServerProgress(c, int64(full.ID), store.Push, 42))
	must(t, b.SetServerProgress(c, int64(full.ID), store.Pull, 7))
	full.Name, full.Pull, full.PullRules, full.LastPushedID = "remote A2", false, misp.SyncRules{}, 0
	must(t, b.UpdateServer(c, full))
	got, err = b.Server(c, int64(full.ID))
	must(t, err)
	if got.Name != "remote A2" || bool(got.Pull) || !got.PullRules.IsZero() || !bool(got.Push) {
		t.Errorf("after UpdateServer: %+v", got)
	}
	if got.LastPushedID != 42 || got.LastPulledID != 7 {
		t.Errorf("progress after UpdateServer = push %d pull %d, want 42 and 7", got.LastPushedID, got.LastPulledID)
	}
	wantErr(t, "progress of a missing server", b.SetServerProgress(c, 999, store.Push, 1), store.ErrNotFound)
	if err := b.SetServerProgress(c, int64(full.ID), store.SyncDirection(9), 1); err == nil {
		t.Error("SetServerProgress took an unknown direction")
	}
	wantErr(t, "update a missing server", b.UpdateServer(c, &misp.Server{ID: 999, Name: "x", URL: "https://x"}), store.ErrNotFound)
	if err := b.CreateServer(c, &misp.Server{Name: "no url"}); err == nil {
		t.Error("CreateServer took a server without url")
	}
	_, err = b.Server(c, 999)
	wantErr(t, "missing server", err, store.ErrNotFound)
	must(t, b.DeleteServer(c, int64(bare.ID)))
	wantErr(t, "delete twice", b.DeleteServer(c, int64(bare.ID)), store.ErrNotFound)
	list, err = b.ListServers(c)
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("after delete ListServers has %d servers, want 1", len(list))
	}
}
