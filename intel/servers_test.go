package intel_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
)

// serverService is the fixture's store under a service that seals server keys with a key file in dir.
func serverService(t *testing.T, f *inteltest.Fixture, keyFile string, client *http.Client) *intel.Service {
	t.Helper()
	svc, err := intel.New(context.Background(), f.Store, intel.Options{ServerKeyFile: keyFile, HTTPClient: client,
		Settings: acl.Settings{Instance: acl.Instance{HostOrgID: int64(f.Orgs[inteltest.HostOrg].ID)}}})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// versionRemote answers servers/getVersion when the request carries key, and counts the requests.
func versionRemote(t *testing.T, key string, delay time.Duration) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if r.Header.Get("Authorization") != key {
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"name":"Authentication failed.","message":"Authentication failed.","url":"/"}`))
			return
		}
		w.Write([]byte(`{"version":"2.5.1","perm_sync":true,"uuid":"r"}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestServerKeysSealedAtRest(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := context.Background()
	keyFile := filepath.Join(t.TempDir(), "sub", "server.key")
	svc := serverService(t, f, keyFile, nil)
	remoteKey := inteltest.Key("remotesync")
	remote, _ := versionRemote(t, remoteKey, 0)
	admin := f.ACL("admin")

	sv, err := svc.AddServer(ctx, admin, &misp.Server{Name: "remote", URL: remote.URL, Authkey: remoteKey,
		RemoteOrgID: f.Orgs[inteltest.OrgTwo].ID, Pull: true})
	if err != nil {
		t.Fatal(err)
	}
	if sv.Authkey != misp.MaskAuthkey(remoteKey) {
		t.Errorf("AddServer answered key %q, want it masked", sv.Authkey)
	}
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v, want mode 0600", fi, err)
	}
	row, err := f.Store.Server(ctx, int64(sv.ID))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(row.Authkey, "hunch-sealed:v1:") || strings.Contains(row.Authkey, remoteKey) {
		t.Fatalf("stored key %q is not sealed", row.Authkey)
	}
	if rows, err := svc.ServerRows(ctx, admin); err != nil || len(rows) != 1 || rows[0].Server.Authkey != "" ||
		rows[0].RemoteOrg == nil || rows[0].RemoteOrg.Name != inteltest.OrgTwo {
		t.Fatalf("ServerRows = %+v, %v; want the key left out and the remote org named", rows, err)
	}
	st, err := svc.TestServerConnection(ctx, admin, int64(sv.ID))
	if err != nil || st.Status != 1 || !st.PermSync {
		t.Fatalf("TestServerConnection = %+v, %v; want 1 with the unsealed key", st, err)
	}

	// Editing with the masked key (what a client read back) keeps the key; a new key replaces it.
	if _, err := svc.EditServer(ctx, admin, int64(sv.ID), &misp.Server{Name: "renamed", Authkey: sv.Authkey},
		[]string{"authkey", "name"}); err != nil {
		t.Fatal(err)
	}
	if st, _ := svc.TestServerConnection(ctx, admin, int64(sv.ID)); st.Status != 1 {
		t.Fatalf("after an edit with the masked key: %+v", st)
	}
	other := inteltest.Key("otherkey")
	if _, err := svc.EditServer(ctx, admin, int64(sv.ID), &misp.Server{Authkey: other}, []string{"authkey"}); err != nil {
		t.Fatal(err)
	}
	if st, _ := svc.TestServerConnection(ctx, admin, int64(sv.ID)); st.Status != 4 {
		t.Fatalf("after a new key the remote refuses: %+v, want status 4", st)
	}

	// A sealed key copied to another row does not open; a replaced key file opens nothing.
	copyRow := *row
	copyRow.ID, copyRow.Name = 0, "copy"
	if err := f.Store.CreateServer(ctx, &copyRow); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.TestServerConnection(ctx, admin, int64(copyRow.ID)); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Errorf("copied sealed key: %v", err)
	}
	if err := os.WriteFile(keyFile, []byte("c2hvcnQ=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.TestServerConnection(ctx, admin, int64(sv.ID)); err == nil || !strings.Contains(err.Error(), "want 32 bytes") {
		t.Errorf("bad key file: %v", err)
	}

	noKeys := serverService(t, f, "", nil)
	if _, err := noKeys.AddServer(ctx, admin, &misp.Server{Name: "x", URL: "https://x.example", Authkey: remoteKey,
		RemoteOrgID: f.Orgs[inteltest.OrgTwo].ID}); !errors.Is(err, intel.ErrNoServerKeyFile) {
		t.Errorf("AddServer without a key file: %v", err)
	}
}

func TestServersRefusals(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := context.Background()
	svc := serverService(t, f, filepath.Join(t.TempDir(), "k"), nil)
	good := misp.Server{Name: "r", URL: "https://r.example", Authkey: inteltest.Key("r"), RemoteOrgID: f.Orgs[inteltest.OrgTwo].ID}
	for _, who := range []string{"orgadmin", "sync", "publisher", "user2"} {
		s := good
		if _, err := svc.AddServer(ctx, f.ACL(who), &s); !errors.Is(err, acl.ErrForbidden) {
			t.Errorf("%s AddServer: %v, want forbidden", who, err)
		}
		if _, err := svc.ServerRows(ctx, f.ACL(who)); !errors.Is(err, acl.ErrForbidden) {
			t.Errorf("%s ServerRows: %v, want forbidden", who, err)
		}
	}
	tests := []struct {
		name  string
		edit  func(s *misp.Server)
		field string
	}{
		{"no url", func(s *misp.Server) { s.URL = "" }, "url"},
		{"ftp url", func(s *misp.Server) { s.URL = "ftp://x" }, "url"},
		{"no remote org", func(s *misp.Server) { s.RemoteOrgID = 0 }, "Organisation"},
		{"unknown remote org", func(s *misp.Server) { s.RemoteOrgID = 999 }, "Organisation"},
		{"short key", func(s *misp.Server) { s.Authkey = "abc" }, "authkey"},
		{"no key", func(s *misp.Server) { s.Authkey = "" }, "authkey"},
		{"no name", func(s *misp.Server) { s.Name = " " }, "name"},
	}
	for _, tt := range tests {
		s := good
		tt.edit(&s)
		_, err := svc.AddServer(ctx, f.ACL("admin"), &s)
		var inv *intel.InvalidError
		if !errors.As(err, &inv) || len(inv.Fields[tt.field]) == 0 {
			t.Errorf("%s: %v, want a complaint about %s", tt.name, err, tt.field)
		}
	}
	s := good
	s.Internal = true // towards Org Two, not the host organisation: never internal
	saved, err := svc.AddServer(ctx, f.ACL("admin"), &s)
	if err != nil || bool(saved.Internal) {
		t.Fatalf("AddServer: %+v %v", saved, err)
	}
	if _, err := svc.PullServer(ctx, f.ACL("admin"), int64(saved.ID), "full"); err == nil || !strings.Contains(err.Error(), "pull setting not enabled") {
		t.Errorf("pull without the pull flag: %v", err)
	}
	if _, err := svc.PushServer(ctx, f.ACL("admin"), int64(saved.ID), "full"); err == nil || !strings.Contains(err.Error(), "push setting not enabled") {
		t.Errorf("push without the push flag: %v", err)
	}
	if err := svc.DeleteServer(ctx, f.ACL("admin"), 999); !errors.Is(err, acl.ErrNotFound) {
		t.Errorf("delete a missing server: %v", err)
	}
}

// TestSyncTimeout: a remote slower than the client's timeout (Options.HTTPClient, default DefaultSyncTimeout)
// fails the sync with an error naming the server.
func TestSyncTimeout(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := context.Background()
	key := inteltest.Key("slow")
	remote, calls := versionRemote(t, key, time.Second)
	svc := serverService(t, f, filepath.Join(t.TempDir(), "k"), &http.Client{Timeout: 50 * time.Millisecond})
	sv, err := svc.AddServer(ctx, f.ACL("admin"), &misp.Server{Name: "slow remote", URL: remote.URL, Authkey: key,
		RemoteOrgID: f.Orgs[inteltest.OrgTwo].ID, Pull: true, Push: true})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = svc.PullServer(ctx, f.ACL("admin"), int64(sv.ID), "")
	if err == nil || !strings.Contains(err.Error(), `server "slow remote"`) || time.Since(start) > 900*time.Millisecond {
		t.Fatalf("pull from a slow remote: %v after %v", err, time.Since(start))
	}
	if calls.Load() != 1 {
		t.Errorf("%d requests, want 1", calls.Load())
	}
	if intel.DefaultSyncTimeout <= 0 {
		t.Error("no default timeout")
	}
}
