package cli

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/server/mispapi"
)

// TestSyncLoop: serve's --sync-every pulls from the sync servers on its own, and logs each run.
func TestSyncLoop(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	remote := inteltest.New(t, inteltest.Options{})
	d3, _ := misp.DistributionOf(3)
	e, err := remote.Svc.AddEvent(ctx, remote.ACL("publisher"), &misp.Event{Info: "scheduled", Distribution: d3,
		Published: true, Attribute: []misp.Attribute{{Type: "domain", Value: "scheduled.example"}}}, true)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mispapi.New(mispapi.Deps{Intel: remote.Svc}))
	defer srv.Close()

	local := inteltest.New(t, inteltest.Options{})
	svc, err := intel.New(ctx, local.Store, intel.Options{ServerKeyFile: filepath.Join(t.TempDir(), "server.key")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddServer(ctx, local.ACL("admin"), &misp.Server{Name: "remote", URL: srv.URL,
		Authkey: remote.Keys["sync"], RemoteOrgID: local.Orgs[inteltest.OrgTwo].ID, Pull: true}); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	syncLoop(ctx, svc, 0, log) // never: returns at once
	done := make(chan struct{})
	go func() { syncLoop(ctx, svc, 20*time.Millisecond, log); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := local.Store.EventByUUID(ctx, e.UUID); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scheduled pull did not bring the event; log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if !strings.Contains(logs.String(), "scheduled sync") || !strings.Contains(logs.String(), "server=remote") {
		t.Errorf("no log of the scheduled runs:\n%s", logs.String())
	}
}

