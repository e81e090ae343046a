package web_test

// The acceptance test of the web UI: a real headless Chromium, driven through chromedriver's WebDriver HTTP
// protocol with plain net/http, against the UI and the MISP API over a real SQLite store.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/internal/browsertest"
	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/server/mispapi"
	"github.com/hunchsec/hunch/web"
)

// screenshots is where the browser test saves a PNG of each page: a directory of the test's own unless given;
// `go test ./web -run TestBrowser -screenshots ../docs/screenshots` renews the ones docs/web-ui.md shows.
var screenshots = flag.String("screenshots", "", "directory the browser test saves its page screenshots to")

// importFile returns the MISP JSON file the test imports and a value of it that another event will share: an
// ESET event of the shared corpus when it is there, else an event of the test's own.
func importFile(t *testing.T) (path, info, typ, value string) {
	if testcorpus.Dir() != "" {
		path = testcorpus.Path(t, "misp_events/eset__sednit__2018-11-20_Zebrocy.json")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Response []struct {
				Event struct {
					Info      string `json:"info"`
					Attribute []struct {
						Type  string `json:"type"`
						Value string `json:"value"`
					} `json:"Attribute"`
				} `json:"Event"`
			} `json:"response"`
		}
		if err := json.Unmarshal(b, &doc); err != nil || len(doc.Response) != 1 {
			t.Fatalf("corpus event: %v", err)
		}
		e := doc.Response[0].Event
		for _, a := range e.Attribute {
			switch a.Type {
			case "domain", "hostname", "ip-dst", "url", "sha1", "sha256", "md5":
				return path, e.Info, a.Type, a.Value
			}
		}
		t.Fatal("the corpus event has no attribute to correlate on")
	}
	path = filepath.Join(t.TempDir(), "event.json")
	ev := `{"Event":{"info":"Campaign seen by the browser test","threat_level_id":"2","analysis":"1","distribution":"1",
"Tag":[{"name":"tlp:green"}],"Attribute":[
{"type":"domain","category":"Network activity","to_ids":true,"value":"update-check.example.com"},
{"type":"ip-dst","category":"Network activity","to_ids":true,"value":"203.0.113.45"},
{"type":"sha256","category":"Payload delivery","to_ids":true,"value":"0d5c820002cf93384016bd4a2628dcc5101211f4d0b5ef7a2a9b0d8a0e1d6b7e"}]}}`
	if err := os.WriteFile(path, []byte(ev), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, "Campaign seen by the browser test", "domain", "update-check.example.com"
}

func TestBrowser(t *testing.T) {
	chromium, driver := browsertest.Find(t)
	if testing.Short() {
		t.Skip("skipping the browser test in -short mode")
	}
	f := inteltest.New(t, inteltest.Options{})
	admin := f.Users["admin"]
	const password = "browser test passphrase"
	if err := f.Svc.SetPassword(t.Context(), intel.System, int64(admin.ID), password); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api := mispapi.New(mispapi.Deps{Intel: f.Svc})
	mux.Handle("/", api)
	mux.Handle(web.Prefix, web.New(web.Deps{Intel: f.Svc}))
	mux.Handle("GET /{$}", web.RootRedirect(api))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// The other event, already there, added through the MISP API as PyMISP would, shares one value.
	path, info, typ, value := importFile(t)
	other := fmt.Sprintf(`{"Event":{"info":"Earlier sighting of the same infrastructure","distribution":"1","Attribute":[{"type":%q,"value":%q,"to_ids":true}]}}`, typ, value)
	req, _ := http.NewRequest("POST", srv.URL+"/events/add", strings.NewReader(other))
	req.Header.Set("Authorization", f.Keys["admin"])
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("events/add through the API: %d", res.StatusCode)
	}

	downloads := t.TempDir()
	d := browsertest.Start(t, chromium, driver, downloads)
	d.ScreenshotDir = *screenshots
	start := time.Now()

	// 1. Log in: the browser starts at the root and is sent to the UI's login page.
	d.Open(srv.URL + "/")
	d.Find("#login-form")
	d.Screenshot("login")
	d.TypeInto("#email", admin.Email)
	d.TypeInto("#password", password)
	d.Click("#login-submit")
	d.WaitText("#who", admin.Email)
	d.WaitText("#event-count", "1 event(s)")
	d.CheckConsole("login")

	// 2. Import the MISP JSON file; the browser lands on the new event.
	d.Click(`nav a[href="/ui/import"]`)
	d.Find("#import-file")
	d.Screenshot("import")
	d.TypeInto("#import-file", path)
	d.Click("#import-json-submit")
	d.WaitText("#event-info", info)
	d.CheckConsole("import")

	// 3. The event: its attributes, with the shared value correlating to the other event.
	var n int
	d.JS(`return document.querySelectorAll("table.attributes tbody tr").length;`, &n)
	if n < 3 {
		t.Errorf("the imported event shows %d attribute rows", n)
	}
	d.WaitText("#related", "Earlier sighting of the same infrastructure")
	d.Screenshot("event")
	importedID := strings.TrimSpace(d.Text("#event-id"))

	// 4. Follow the correlation to the other event, and see the way back.
	d.Click("a.related-event")
	d.WaitText("#event-info", "Earlier sighting of the same infrastructure")
	d.WaitText("#related", info)
	d.WaitText("table.attributes", value)
	d.CheckConsole("follow a correlation")

	// 5. The correlation graph, drawn by cytoscape from graph.json.
	d.Click("#graph-link")
	d.Wait("the graph to be drawn", func() bool {
		var ready string
		d.JS(`var g = document.getElementById("graph"); return g ? (g.getAttribute("data-ready") || "") : "";`, &ready)
		return ready == "3"
	})
	d.WaitText("#graph-status", "3 nodes, 2 edges")
	d.Screenshot("graph")
	d.CheckConsole("graph")

	// 6. The event list, filtered through htmx.
	d.Click(`nav a[href="/ui/events"]`)
	d.WaitText("#event-count", "2 event(s)")
	d.TypeInto("#q", "Earlier sighting")
	d.WaitText("#event-count", "1 event(s)")
	d.WaitText("#events", "Earlier sighting of the same infrastructure")
	d.Screenshot("events")
	d.CheckConsole("event list")

	// 7. Search attributes by value (htmx, CSRF-free GET); both events hold it.
	d.Click(`nav a[href="/ui/search"]`)
	d.TypeInto("#s-value", value)
	d.Click("#search-submit")
	d.WaitText("#result-count", "2 attribute(s) match")
	d.WaitText("#search-results", value)
	d.Screenshot("search")
	d.CheckConsole("search")

	// 8. Export the imported event as CSV: the browser downloads the file.
	d.Click(`nav a[href="/ui/export"]`)
	d.TypeInto("#export-eventid", importedID)
	d.JS(`document.getElementById("export-format").value = "csv"; document.querySelector('select[name="to_ids"]').value = "any"; return null;`, nil)
	d.Screenshot("export")
	d.Click("#export-submit")
	var csv []byte
	d.Wait("the CSV download", func() bool {
		b, err := os.ReadFile(filepath.Join(downloads, "hunch-attributes-csv.csv"))
		if err != nil {
			return false
		}
		csv = b
		return true
	})
	if !bytes.HasPrefix(csv, []byte("uuid,event_id,category,type,value")) || !bytes.Contains(csv, []byte(value)) {
		t.Errorf("downloaded CSV:\n%.500s", csv)
	}
	d.CheckConsole("export")

	// 9. The admin pages.
	d.Click(`nav a[href="/ui/admin/users"]`)
	d.WaitText("#users", admin.Email)
	d.Screenshot("users")
	d.Click(`nav a[href="/ui/admin/orgs"]`)
	d.WaitText("#orgs", inteltest.OrgTwo)
	d.Screenshot("orgs")
	d.Click(`nav a[href="/ui/admin/feeds"]`)
	d.WaitText("#feeds", "No feeds yet")
	d.Screenshot("feeds")
	d.CheckConsole("admin")

	// 10. Log out: the session is gone.
	d.Click("#logout")
	d.WaitText("#login-message", "You are logged out.")
	d.Open(srv.URL + "/ui/events")
	d.Find("#login-form")
	d.CheckConsole("logout")
	t.Logf("browser walk: %v, %d console entries, none an error", time.Since(start).Round(time.Millisecond), len(d.Console))
}
