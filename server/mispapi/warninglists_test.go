package mispapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/internal/testcorpus"
)

// wlcDataDir holds the warninglist package's hand-written lists: contacts (1), disposable (2), dns (3, cidr),
// everything (4, a string list for every type), hashes (5), hosts (6).
const wlcDataDir = "../../intel/warninglist/testdata"

// wlcServe replaces a's handler by one over a service with dir as its data directory (the same store).
func wlcServe(dir string) func(t *testing.T, a *api) {
	return func(t *testing.T, a *api) {
		t.Helper()
		svc, err := intel.New(context.Background(), a.Store, intel.Options{DataDir: dir, Now: func() time.Time { return contractEpoch }})
		if err != nil {
			t.Fatal(err)
		}
		a.h = New(Deps{Intel: svc})
	}
}

// wlcHits decodes a checkValue answer: an object keyed by value, or [] when nothing hits.
func wlcHits(t *testing.T, rec *httptest.ResponseRecorder) map[string][]struct {
	ID, Name, Matched string
} {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if bytes.Equal(bytes.TrimSpace(rec.Body.Bytes()), []byte("[]")) {
		return nil
	}
	var m map[string][]struct{ ID, Name, Matched string }
	decode(t, rec, &m)
	return m
}

// contractWarninglistCases are the warninglists controller's contract cases, run in order on one instance.
func contractWarninglistCases() []storeCase {
	smokeValues := `["8.8.8.8", "192.0.2.10"]`
	return []storeCase{
		{Name: "warninglists_index_none_installed", As: "user", Method: "GET", Path: "/warninglists/index"},
		// pymisp_smoke.py's warninglist_check_value on a fresh instance: no list enabled, nothing hits.
		{Name: "warninglists_check_value_none_enabled", As: "user", Method: "POST", Path: "/warninglists/checkValue",
			Body: smokeValues, Setup: wlcServe(wlcDataDir),
			Check: func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
				if hits := wlcHits(t, rec); len(hits) != 0 {
					t.Errorf("hits with nothing enabled: %v", hits)
				}
			}},
		{Name: "warninglists_index", As: "readonly", Method: "GET", Path: "/warninglists/index"},
		{Name: "warninglists_index_value", As: "user", Method: "GET", Path: "/warninglists/index/value:DNS"},
		{Name: "warninglists_view", As: "user2", Method: "GET", Path: "/warninglists/view/5.json"},
		{Name: "warninglists_view_every_type", As: "user", Method: "GET", Path: "/warninglists/view/4"},
		{Name: "warninglists_view_missing", As: "user", Method: "GET", Path: "/warninglists/view/9"},
		{Name: "warninglists_view_invalid", As: "user", Method: "GET", Path: "/warninglists/view/abc"},
		{Name: "warninglists_toggle_user", As: "user", Method: "POST", Path: "/warninglists/toggleEnable", Body: `{"id": [3], "enabled": true}`},
		{Name: "warninglists_toggle_org_admin", As: "orgadmin", Method: "POST", Path: "/warninglists/toggleEnable", Body: `{"id": [3]}`},
		// PyMISP's enable_warninglist.
		{Name: "warninglists_toggle_enable", As: "admin", Method: "POST", Path: "/warninglists/toggleEnable", Body: `{"id": [3], "enabled": true}`},
		// PyMISP's toggle_warninglist by name, as its live test enables "%dns resolv%".
		{Name: "warninglists_toggle_name", As: "admin", Method: "POST", Path: "/warninglists/toggleEnable", Body: `{"name": ["%EVERY type%"], "enabled": true}`},
		{Name: "warninglists_toggle_missing_id", As: "admin", Method: "POST", Path: "/warninglists/toggleEnable", Body: `{"id": [99], "enabled": true}`},
		{Name: "warninglists_toggle_missing_name", As: "admin", Method: "POST", Path: "/warninglists/toggleEnable", Body: `{"name": "no such list"}`},
		{Name: "warninglists_toggle_nothing", As: "admin", Method: "POST", Path: "/warninglists/toggleEnable", Body: `{}`},
		{Name: "warninglists_toggle_get", As: "admin", Method: "GET", Path: "/warninglists/toggleEnable"},
		{Name: "warninglists_index_enabled", As: "user", Method: "GET", Path: "/warninglists/index?enabled=1"},
		{Name: "warninglists_check_value", As: "readonly", Method: "POST", Path: "/warninglists/checkValue",
			Body: `["8.8.8.8", "192.0.2.10", " magic-value ", "10.1.2.3/16"]`,
			Check: func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
				hits := wlcHits(t, rec)
				if _, ok := hits["192.0.2.10"]; ok || len(hits["8.8.8.8"]) != 2 || hits["8.8.8.8"][0].Matched != "8.8.8.8/32" {
					t.Errorf("hits %v", hits)
				}
			}},
		{Name: "warninglists_check_value_object", As: "user", Method: "POST", Path: "/warninglists/checkValue", Body: `{"value": "10.200.0.1"}`},
		{Name: "warninglists_check_value_string", As: "user", Method: "POST", Path: "/warninglists/checkValue", Body: `"magic-value"`},
		{Name: "warninglists_check_value_no_body", As: "user", Method: "POST", Path: "/warninglists/checkValue"},
		{Name: "warninglists_check_value_get", As: "user", Method: "GET", Path: "/warninglists/checkValue"},
		// toggleEnable without "enabled" flips each list; several flipped say "toggled".
		{Name: "warninglists_toggle_flip", As: "admin", Method: "POST", Path: "/warninglists/toggleEnable", Body: `{"name": "test%"}`},
		{Name: "warninglists_check_value_after_flip", As: "user", Method: "POST", Path: "/warninglists/checkValue",
			Body: `["8.8.8.8", "d41d8cd98f00b204e9800998ecf8427e", "https://www.Example.com/x"]`},
		{Name: "warninglists_update", As: "admin", Method: "POST", Path: "/warninglists/update"},
		{Name: "warninglists_update_user", As: "orgadmin", Method: "POST", Path: "/warninglists/update"},
	}
}

// TestWarninglistContract pins the warninglists controller's answers in testdata/contract/warninglists/*.golden,
// as TestStoreContract pins its groups' (-update rewrites them). The files sit in their own directory because
// the store contract's check for stale golden files knows only the groups it runs itself.
func TestWarninglistContract(t *testing.T) {
	a := newContractAPI(t)
	for _, tc := range contractWarninglistCases() {
		ok := t.Run(tc.Name, func(t *testing.T) {
			if tc.Setup != nil {
				tc.Setup(t, a)
			}
			var body any
			if tc.Body != "" {
				body = tc.Body
			}
			rec := a.do(t, tc.As, tc.Method, tc.Path, body)
			cc := contractCase{name: tc.Name, method: tc.Method, path: tc.Path, body: tc.Body,
				header: [][2]string{{"As", tc.As}}}
			got := scrubUUIDs(renderExchange(cc, rec))
			file := filepath.Join("testdata", "contract", "warninglists", strings.TrimPrefix(tc.Name, "warninglists_")+".golden")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("answer differs from %s (run with -update if the change is intended):\n%s", file, lineDiff(want, got))
			}
			if rec.Code >= 500 {
				t.Errorf("5xx answer: %d %s", rec.Code, rec.Body)
			}
			if tc.Check != nil {
				tc.Check(t, a, rec)
			}
		})
		if !ok {
			return
		}
	}
}

// TestWarninglistsPyMISPLive runs the steps of PyMISP's test_warninglists against the corpus lists: update, index,
// view, enable, checkValue as a user, disable, with the exact answers the test compares.
func TestWarninglistsPyMISPLive(t *testing.T) {
	lists := testcorpus.Path(t, "misp-data/warninglists/lists")
	a := newContractAPI(t)
	wlcServe(filepath.Dir(filepath.Dir(lists)))(t, a)
	rec := a.do(t, "admin", "POST", "/warninglists/update", nil)
	var upd struct{ Name string }
	decode(t, rec, &upd)
	if upd.Name != msgWarninglistsUpToDate {
		t.Errorf("update: %s", rec.Body)
	}
	rec = a.do(t, "admin", "GET", "/warninglists/index", nil)
	var index struct {
		Warninglists []struct {
			Warninglist struct{ ID, Name string }
		}
	}
	decode(t, rec, &index)
	const name = "List of known hashes with common false-positives (based on Florian Roth input list)"
	id := ""
	for _, w := range index.Warninglists {
		if w.Warninglist.Name == name {
			id = w.Warninglist.ID
		}
	}
	if id == "" {
		t.Fatalf("%q not in the index of %d lists", name, len(index.Warninglists))
	}
	rec = a.do(t, "admin", "GET", "/warninglists/view/"+id, nil)
	var view struct {
		Warninglist struct {
			Name             string
			WarninglistEntry []json.RawMessage
		}
	}
	decode(t, rec, &view)
	if view.Warninglist.Name != name || len(view.Warninglist.WarninglistEntry) == 0 {
		t.Errorf("view %s: %.300s", id, rec.Body)
	}
	toggle := func(enabled bool, want string) {
		t.Helper()
		rec := a.do(t, "admin", "POST", "/warninglists/toggleEnable", `{"id": ["`+id+`"], "enabled": `+map[bool]string{true: "true", false: "false"}[enabled]+`}`)
		var got map[string]any
		decode(t, rec, &got)
		if len(got) != 2 || got["saved"] != true || got["success"] != want {
			t.Errorf("toggle: %s", rec.Body)
		}
	}
	toggle(true, "1 warninglist(s) enabled")
	const md5Empty = "d41d8cd98f00b204e9800998ecf8427e"
	rec = a.do(t, "user", "POST", "/warninglists/checkValue", `["`+md5Empty+`"]`)
	if hits := wlcHits(t, rec); len(hits[md5Empty]) == 0 || hits[md5Empty][0].Name != name {
		t.Errorf("checkValue: %s", rec.Body)
	}
	toggle(false, "1 warninglist(s) disabled")
	// The live suite's search test enables the DNS resolver lists by name.
	rec = a.do(t, "admin", "POST", "/warninglists/toggleEnable", `{"name": ["%dns resolv%"], "enabled": true}`)
	if got := rec.Body.String(); got != `{"saved":true,"success":"3 warninglist(s) enabled"}` {
		t.Errorf("enable %%dns resolv%%: %s", got)
	}
}
