package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	taxiisrv "github.com/hunchsec/hunch/server/taxii"
)

type pullRow struct {
	Events, Added, Updated, Unchanged, Failed, Objects, Pages int
	Since, Last                                               string
}

func taxiiSource(t *testing.T) (*inteltest.Fixture, *httptest.Server, func(info string)) {
	t.Helper()
	f := inteltest.New(t, inteltest.Options{})
	srv := httptest.NewServer(taxiisrv.New(taxiisrv.Deps{Intel: f.Svc, InstanceUUID: "1f0e7a58-8e3b-4b0a-9d61-5a2f3c4b5d6e"}))
	t.Cleanup(srv.Close)
	add := func(info string) {
		ctx := context.Background()
		e, err := f.Svc.AddEvent(ctx, f.ACL("admin"), &misp.Event{Info: info, Distribution: misp.Distribution("3"),
			Attribute: []misp.Attribute{{Type: "domain", Category: "Network activity", Value: strings.ReplaceAll(info, " ", "-") + ".example.org",
				ToIDS: misp.OptBoolOf(true)}}}, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.PublishEvent(ctx, f.ACL("admin"), strconv.FormatInt(int64(e.ID), 10)); err != nil {
			t.Fatal(err)
		}
	}
	return f, srv, add
}

// TestTaxiiPull: a collection pulled into an empty store arrives as events; a second pull asks only for what is
// newer (nothing new: nothing added, the boundary second comes back unchanged); a new event is pulled next time.
func TestTaxiiPull(t *testing.T) {
	f, srv, add := taxiiSource(t)
	for i := range 5 {
		add(fmt.Sprintf("pulled event %d", i))
	}
	dir := t.TempDir()
	env := map[string]string{"SRC_KEY": f.Keys["user"]}
	pull := func() pullRow {
		t.Helper()
		code, out, errs := runHunchEnv(t, env, "", "--data", dir, "-o", "json", "intel", "taxii", "pull", srv.URL+"/taxii2/",
			"--collection", "published", "--key", "env:SRC_KEY", "--page-size", "3")
		if code != 0 {
			t.Fatalf("pull: exit %d\n%s", code, errs)
		}
		var rows []pullRow
		if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 {
			t.Fatalf("pull output %q: %v", out, err)
		}
		return rows[0]
	}
	r := pull()
	if r.Events != 5 || r.Added != 5 || r.Failed != 0 || r.Pages != 5 || r.Objects != 15 {
		t.Errorf("first pull: %+v", r)
	}
	first := r.Last
	r = pull()
	if r.Since != first || r.Added != 0 || r.Updated != 0 || r.Failed != 0 || r.Events != r.Unchanged {
		t.Errorf("second pull: %+v", r)
	}
	add("a new one")
	r = pull()
	if r.Added != 1 || r.Failed != 0 {
		t.Errorf("third pull: %+v", r)
	}
	code, out, errs := runHunch(t, "", "--data", dir, "-o", "ndjson", "intel", "search", "--value", "%.example.org")
	if code != 0 || strings.Count(out, "example.org") != 6 {
		t.Errorf("search after the pulls: exit %d, %s\n%s", code, out, errs)
	}
	code, _, errs = runHunch(t, "", "--data", dir, "intel", "taxii", "pull", srv.URL+"/taxii2/", "--collection", "published",
		"--key", "wrongkeywrongkeywrongkeywrongkeywrongkey")
	if code == 0 || !strings.Contains(errs, "401") {
		t.Errorf("wrong key: exit %d, %s", code, errs)
	}
	code, _, errs = runHunch(t, "", "--data", dir, "intel", "taxii", "pull", srv.URL+"/taxii2/")
	if code != 2 || !strings.Contains(errs, "--collection") {
		t.Errorf("no collection: exit %d, %s", code, errs)
	}
}

// TestImportSTIX2: `hunch intel import --format stix2` reads an exported bundle back as its events.
func TestImportSTIX2(t *testing.T) {
	f, _, add := taxiiSource(t)
	add("one")
	add("two")
	var buf bytes.Buffer
	q, err := intel.ParseSearch([]byte(`{"returnFormat":"stix2"}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Svc.Export(context.Background(), intel.System, intel.ScopeEvents, q, &buf); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "bundle.json")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	code, out, errs := runHunch(t, "", "--data", dir, "-o", "ndjson", "intel", "import", "--format", "stix2", file)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s", code, errs)
	}
	rows := importRows(t, out)
	if len(rows) != 1 || rows[0].Events != 2 || rows[0].Attributes != 2 {
		t.Errorf("import rows %+v\n%s", rows, errs)
	}
	if code, _, errs := runHunch(t, "", "--data", dir, "intel", "import", "--format", "xml", file); code != 2 {
		t.Errorf("unknown format: exit %d %s", code, errs)
	}
}

// TestServeTAXII: `hunch serve` answers TAXII 2.1 under /taxii2/ with the instance's keys, and another instance
// pulls its published events with `hunch intel taxii pull`.
func TestServeTAXII(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	stderr, stop := startServe(t, data, addr)
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	key := adminKeyLine(stderr.String())
	if key == "" {
		t.Fatalf("no admin key on stderr:\n%s", stderr)
	}
	event := `{"Event":{"uuid":"8d1b0f8e-7c6a-4b5d-9e3f-2a1b0c9d8e7f","info":"served over taxii","published":true,
	"distribution":"3","threat_level_id":"2","analysis":"1","date":"2024-02-01","timestamp":"1706745600",
	"publish_timestamp":"1706745600","Orgc":{"name":"Partner"},
	"Attribute":[{"type":"url","category":"Network activity","value":"http://served.example.org/x","to_ids":true}]}}`
	file := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(file, []byte(event), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runHunch(t, "", "--data", data, "intel", "import", file); code != 0 {
		t.Fatalf("import: exit %d\n%s", code, errs)
	}
	other := t.TempDir()
	code, out, errs := runHunchEnv(t, map[string]string{"K": key}, "", "--data", other, "-o", "json", "intel", "taxii", "pull",
		"http://"+addr+"/taxii2/", "--collection", "published", "--key", "env:K")
	if code != 0 {
		t.Fatalf("pull: exit %d\n%s", code, errs)
	}
	var rows []pullRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 || rows[0].Added != 1 {
		t.Fatalf("pull: %s (%v)\n%s", out, err, errs)
	}
	code, out, _ = runHunch(t, "", "--data", other, "-o", "ndjson", "intel", "search", "--value", "http://served.example.org/x")
	if code != 0 || !strings.Contains(out, "served.example.org") {
		t.Errorf("pulled attribute not found: %d %s", code, out)
	}
	stopped = true
	if code := stop(); code != 0 {
		t.Errorf("serve exited %d", code)
	}
	if strings.Count(stderr.String(), key) != 1 {
		t.Error("the key was logged")
	}
}
