package web_test

// The acceptance test of the web UI: a real headless Chromium, driven through chromedriver's WebDriver HTTP
// protocol with plain net/http, against the UI and the MISP API over a real SQLite store.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/server/mispapi"
	"github.com/hunchsec/hunch/web"
)

// browserTimeout bounds each wait for the page to reach a state.
const browserTimeout = 15 * time.Second

// findBrowser returns Chromium and chromedriver, skipping the test when they are missing (failing it in CI).
func findBrowser(t *testing.T) (chromium, driver string) {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	driver, _ = exec.LookPath("chromedriver")
	if chromium == "" || driver == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium or chromedriver not found and CI=true (apt-get install chromium chromium-driver)")
		}
		t.Skip("skipping: chromium or chromedriver not found (apt-get install chromium chromium-driver)")
	}
	return chromium, driver
}

// wd is one WebDriver session.
type wd struct {
	t    *testing.T
	base string // chromedriver's URL
	sid  string
	// console collects the browser's console entries seen so far.
	console []logEntry
}

type logEntry struct {
	Level   string `json:"level"`
	Message string `json:"message"`
}

// call sends a WebDriver command and decodes its value into out (when not nil).
func (d *wd) call(method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, d.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("webdriver %s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("webdriver %s %s: %d %s", method, path, res.StatusCode, env.Value)
	}
	if out != nil {
		return json.Unmarshal(env.Value, out)
	}
	return nil
}

func (d *wd) must(err error) {
	d.t.Helper()
	if err != nil {
		d.t.Fatal(err)
	}
}

// session returns the session-scoped path of a command.
func (d *wd) session(path string) string { return "/session/" + d.sid + path }

func (d *wd) open(url string) {
	d.t.Helper()
	d.must(d.call("POST", d.session("/url"), map[string]string{"url": url}, nil))
}

// find returns the id of the element sel selects, waiting for it to appear.
func (d *wd) find(sel string) string {
	d.t.Helper()
	var id string
	d.wait("element "+sel, func() bool {
		var el map[string]string
		if d.call("POST", d.session("/element"), map[string]string{"using": "css selector", "value": sel}, &el) != nil {
			return false
		}
		for _, v := range el {
			id = v
		}
		return id != ""
	})
	return id
}

func (d *wd) click(sel string) {
	d.t.Helper()
	d.must(d.call("POST", d.session("/element/"+d.find(sel)+"/click"), map[string]any{}, nil))
}

func (d *wd) typeInto(sel, text string) {
	d.t.Helper()
	d.must(d.call("POST", d.session("/element/"+d.find(sel)+"/value"), map[string]string{"text": text}, nil))
}

// js runs script in the page and decodes its result into out.
func (d *wd) js(script string, out any, args ...any) {
	d.t.Helper()
	if args == nil {
		args = []any{}
	}
	d.must(d.call("POST", d.session("/execute/sync"), map[string]any{"script": script, "args": args}, out))
}

// text returns the text of the element sel selects ("" when there is none).
func (d *wd) text(sel string) string {
	d.t.Helper()
	var s string
	d.js(`var e = document.querySelector(arguments[0]); return e ? e.textContent : "";`, &s, sel)
	return s
}

// wait polls cond until it holds, failing the test after browserTimeout.
func (d *wd) wait(what string, cond func() bool) {
	d.t.Helper()
	deadline := time.Now().Add(browserTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			var url string
			_ = d.call("GET", d.session("/url"), nil, &url)
			var entries []logEntry
			_ = d.call("POST", d.session("/se/log"), map[string]string{"type": "browser"}, &entries)
			d.t.Fatalf("waiting for %s: timed out at %s; console: %v", what, url, entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitText waits until the element sel selects holds want.
func (d *wd) waitText(sel, want string) {
	d.t.Helper()
	d.wait(fmt.Sprintf("%s to hold %q", sel, want), func() bool { return strings.Contains(d.text(sel), want) })
}

// screenshots is where the browser test saves a PNG of each page: a directory of the test's own unless given;
// `go test ./web -run TestBrowser -screenshots ../docs/screenshots` renews the ones docs/web-ui.md shows.
var screenshots = flag.String("screenshots", "", "directory the browser test saves its page screenshots to")

// screenshot saves the page as name.png in the screenshots directory.
func (d *wd) screenshot(name string) {
	d.t.Helper()
	var b64 string
	d.must(d.call("GET", d.session("/screenshot"), nil, &b64))
	png, err := base64.StdEncoding.DecodeString(b64)
	d.must(err)
	dir := *screenshots
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "hunch-web-screenshots")
	}
	d.must(os.MkdirAll(dir, 0o755))
	defer d.t.Logf("screenshot %s", filepath.Join(dir, name+".png"))
	d.must(os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

// checkConsole fails the test on any console error seen since the last check (CSP violations are errors).
func (d *wd) checkConsole(step string) {
	d.t.Helper()
	var entries []logEntry
	d.must(d.call("POST", d.session("/se/log"), map[string]string{"type": "browser"}, &entries))
	for _, e := range entries {
		d.console = append(d.console, e)
		d.t.Logf("%s: console %s: %s", step, e.Level, e.Message)
		if e.Level == "SEVERE" || strings.Contains(e.Message, "Content Security Policy") || strings.Contains(e.Message, "Content-Security-Policy") {
			d.t.Errorf("%s: browser console %s: %s", step, e.Level, e.Message)
		}
	}
}

// startDriver runs chromedriver on a free port and opens a headless Chromium session with a download directory.
func startDriver(t *testing.T, chromium, driver, downloads string) *wd {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(driver, fmt.Sprintf("--port=%d", port), "--allowed-ips=127.0.0.1")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	d := &wd{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(browserTimeout)
	for {
		var st struct {
			Ready bool `json:"ready"`
		}
		if d.call("GET", "/status", nil, &st) == nil && st.Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromedriver did not start: %s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{
			"binary": chromium,
			"args": []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--user-data-dir=" + t.TempDir(), "--window-size=1280,900", "--disable-dev-shm-usage"},
			"prefs": map[string]any{"download.default_directory": downloads, "download.prompt_for_download": false},
		},
		"goog:loggingPrefs": map[string]string{"browser": "ALL"},
	}}}
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	if err := d.call("POST", "/session", caps, &sess); err != nil {
		t.Fatalf("new session: %v\n%s", err, logs.String())
	}
	d.sid = sess.SessionID
	t.Cleanup(func() { _ = d.call("DELETE", d.session(""), nil, nil) })
	return d
}

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
	chromium, driver := findBrowser(t)
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
	d := startDriver(t, chromium, driver, downloads)
	start := time.Now()

	// 1. Log in: the browser starts at the root and is sent to the UI's login page.
	d.open(srv.URL + "/")
	d.find("#login-form")
	d.screenshot("login")
	d.typeInto("#email", admin.Email)
	d.typeInto("#password", password)
	d.click("#login-submit")
	d.waitText("#who", admin.Email)
	d.waitText("#event-count", "1 event(s)")
	d.checkConsole("login")

	// 2. Import the MISP JSON file; the browser lands on the new event.
	d.click(`nav a[href="/ui/import"]`)
	d.find("#import-file")
	d.screenshot("import")
	d.typeInto("#import-file", path)
	d.click("#import-json-submit")
	d.waitText("#event-info", info)
	d.checkConsole("import")

	// 3. The event: its attributes, with the shared value correlating to the other event.
	var n int
	d.js(`return document.querySelectorAll("table.attributes tbody tr").length;`, &n)
	if n < 3 {
		t.Errorf("the imported event shows %d attribute rows", n)
	}
	d.waitText("#related", "Earlier sighting of the same infrastructure")
	d.screenshot("event")
	importedID := strings.TrimSpace(d.text("#event-id"))

	// 4. Follow the correlation to the other event, and see the way back.
	d.click("a.related-event")
	d.waitText("#event-info", "Earlier sighting of the same infrastructure")
	d.waitText("#related", info)
	d.waitText("table.attributes", value)
	d.checkConsole("follow a correlation")

	// 5. The correlation graph, drawn by cytoscape from graph.json.
	d.click("#graph-link")
	d.wait("the graph to be drawn", func() bool {
		var ready string
		d.js(`var g = document.getElementById("graph"); return g ? (g.getAttribute("data-ready") || "") : "";`, &ready)
		return ready == "3"
	})
	d.waitText("#graph-status", "3 nodes, 2 edges")
	d.screenshot("graph")
	d.checkConsole("graph")

	// 6. The event list, filtered through htmx.
	d.click(`nav a[href="/ui/events"]`)
	d.waitText("#event-count", "2 event(s)")
	d.typeInto("#q", "Earlier sighting")
	d.waitText("#event-count", "1 event(s)")
	d.waitText("#events", "Earlier sighting of the same infrastructure")
	d.screenshot("events")
	d.checkConsole("event list")

	// 7. Search attributes by value (htmx, CSRF-free GET); both events hold it.
	d.click(`nav a[href="/ui/search"]`)
	d.typeInto("#s-value", value)
	d.click("#search-submit")
	d.waitText("#result-count", "2 attribute(s) match")
	d.waitText("#search-results", value)
	d.screenshot("search")
	d.checkConsole("search")

	// 8. Export the imported event as CSV: the browser downloads the file.
	d.click(`nav a[href="/ui/export"]`)
	d.typeInto("#export-eventid", importedID)
	d.js(`document.getElementById("export-format").value = "csv"; document.querySelector('select[name="to_ids"]').value = "any"; return null;`, nil)
	d.screenshot("export")
	d.click("#export-submit")
	var csv []byte
	d.wait("the CSV download", func() bool {
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
	d.checkConsole("export")

	// 9. The admin pages.
	d.click(`nav a[href="/ui/admin/users"]`)
	d.waitText("#users", admin.Email)
	d.screenshot("users")
	d.click(`nav a[href="/ui/admin/orgs"]`)
	d.waitText("#orgs", inteltest.OrgTwo)
	d.screenshot("orgs")
	d.click(`nav a[href="/ui/admin/feeds"]`)
	d.waitText("#feeds", "No feeds yet")
	d.screenshot("feeds")
	d.checkConsole("admin")

	// 10. Log out: the session is gone.
	d.click("#logout")
	d.waitText("#login-message", "You are logged out.")
	d.open(srv.URL + "/ui/events")
	d.find("#login-form")
	d.checkConsole("logout")
	t.Logf("browser walk: %v, %d console entries, none an error", time.Since(start).Round(time.Millisecond), len(d.console))
}
