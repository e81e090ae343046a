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
	"github.com/hunchsec/hunch/store/sqlite"
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

// TestIntelServerCommands: hunch intel server add, list, pull and push against a remote on loopback.
func TestIntelServerCommands(t *testing.T) {
	ctx := context.Background()
	remote := inteltest.New(t, inteltest.Options{})
	d3, _ := misp.DistributionOf(3)
	e, err := remote.Svc.AddEvent(ctx, remote.ACL("publisher"), &misp.Event{Info: "from the cli", Distribution: d3,
		Published: true, Attribute: []misp.Attribute{{Type: "domain", Value: "cli.example"}}}, true)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mispapi.New(mispapi.Deps{Intel: remote.Svc}))
	defer srv.Close()
	data := t.TempDir()
	env := map[string]string{"REMOTE_KEY": remote.Keys["sync"]}
	run := func(args ...string) (int, string, string) {
		t.Helper()
		return runHunchEnv(t, env, "", append([]string{"--data", data}, args...)...)
	}
	if code, _, errs := run("org", "add", "Remote Org"); code != 0 {
		t.Fatalf("org add: %d %s", code, errs)
	}
	// Without a host organisation (made by the first 'hunch serve') nobody owns pulled events.
	if code, _, errs := run("intel", "server", "add", "--url", srv.URL, "--remote-org", "Remote Org", "--authkey", "env:REMOTE_KEY"); code != 1 ||
		!strings.Contains(errs, "no host organisation") {
		t.Fatalf("server add without a host organisation: %d %s", code, errs)
	}
	db, err := sqlite.Open(ctx, filepath.Join(data, "hunch.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	boot, err := intel.New(ctx, db, intel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := boot.Bootstrap(ctx, "Local Org", "admin@local.test"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	tests := []struct {
		name string
		args []string
		code int
		out  string // substring of stdout
		err  string // substring of stderr
	}{
		{"add without a key", []string{"intel", "server", "add", "--url", srv.URL, "--remote-org", "Remote Org"}, 2, "", "--authkey"},
		{"add with an unset env key", []string{"intel", "server", "add", "--url", srv.URL, "--remote-org", "Remote Org", "--authkey", "env:NOPE"}, 2, "", "NOPE"},
		{"add", []string{"intel", "server", "add", "--name", "remote", "--url", srv.URL, "--remote-org", "Remote Org", "--authkey", "env:REMOTE_KEY", "--pull"}, 0, "1\tremote\t" + srv.URL, ""},
		{"push refused", []string{"intel", "server", "push", "1"}, 1, "", "push setting not enabled"},
		{"pull", []string{"intel", "server", "pull", "1"}, 0, e.UUID, ""},
		{"pull again", []string{"intel", "server", "pull", "1"}, 0, `"up_to_date": 1`, ""},
		{"list", []string{"-o", "json", "intel", "server", "list"}, 0, `"last_pulled_id":1`, ""},
		{"bad id", []string{"intel", "server", "pull", "x"}, 2, "", "want a positive number"},
		{"missing server", []string{"intel", "server", "pull", "9"}, 1, "", "Invalid server"},
	}
	for _, tt := range tests {
		code, out, errs := run(tt.args...)
		if code != tt.code || !strings.Contains(out, tt.out) || !strings.Contains(errs, tt.err) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d, %q, %q", tt.name, code, out, errs, tt.code, tt.out, tt.err)
		}
		if strings.Contains(out+errs, remote.Keys["sync"]) {
			t.Errorf("%s: the remote key was printed", tt.name)
		}
	}
	srv.Close()
	code, _, errs := run("intel", "server", "pull", "1")
	if code != 1 || !strings.Contains(errs, `server "remote"`) {
		t.Errorf("pull from a remote that is down: exit %d, %s", code, errs)
	}
}
