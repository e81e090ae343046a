package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/store/sqlite"
)

// TestIntelFeedCmd adds a served freetext feed and a local one, fetches and caches them, and lists them.
func TestIntelFeedCmd(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "# list\n192.0.2.10\nbad.example.com\n")
	}))
	defer srv.Close()
	data := t.TempDir()
	if err := os.MkdirAll(filepath.Join(data, "feeds"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "feeds", "local.txt"), []byte("192.0.2.20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Without a host organisation (made by the first 'hunch serve') nobody owns feed events.
	if code, _, _ := runHunch(t, "", "--data", data, "intel", "feed", "add", "--name", "early", "--url", srv.URL); code != 0 {
		t.Fatal("add before the host organisation")
	}
	if code, _, errs := runHunch(t, "", "--data", data, "intel", "feed", "fetch", "1"); code != 1 || !strings.Contains(errs, "no host organisation") {
		t.Errorf("fetch without a host organisation: %d %s", code, errs)
	}
	ctx := context.Background()
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
	steps := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"intel", "feed", "add", "--name", "served", "--url", srv.URL, "--exclude", "/^#/", "--caching"}, 0, "feed 2 added"},
		{[]string{"intel", "feed", "add", "--name", "local", "--local", "--url", "local.txt"}, 0, "feed 3 added"},
		{[]string{"intel", "feed", "add", "--name", "bad", "--url", "ftp://x"}, 1, "url"},
		{[]string{"intel", "feed", "fetch", "2", "3"}, 0, "1 event(s) added"},
		{[]string{"intel", "feed", "fetch", "3"}, 0, "0 event(s) added, 0 updated"},
		{[]string{"intel", "feed", "fetch"}, 2, "--all"},
		{[]string{"intel", "feed", "cache", "2"}, 0, "feed 2: 2 value(s) cached"},
		{[]string{"intel", "feed", "cache", "all"}, 0, "3 feed(s) cached"},
		{[]string{"intel", "feed", "cache", "9"}, 1, "Invalid feed"},
	}
	for _, s := range steps {
		code, _, errs := runHunch(t, "", append([]string{"--data", data}, s.args...)...)
		if code != s.code || !strings.Contains(errs, s.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s", s.args, code, s.code, s.want, errs)
		}
	}
	code, out, errs := runHunch(t, "", "--data", data, "-o", "csv", "intel", "feed", "list")
	if code != 0 || !strings.Contains(out, "2,served,served,freetext,network,"+srv.URL+",true,true,") ||
		!strings.Contains(out, "3,local,local,freetext,local,local.txt,true,false,") {
		t.Errorf("list: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runHunch(t, "", "--data", data, "-o", "csv", "intel", "search", "--value", "192.0.2.20")
	if code != 0 || !strings.Contains(out, "192.0.2.20") {
		t.Errorf("the local feed's value is not stored: %s", out)
	}
}
