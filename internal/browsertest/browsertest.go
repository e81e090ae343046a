// Package browsertest drives a real headless Chromium for browser tests: it starts chromedriver and speaks the
// WebDriver HTTP protocol with plain net/http — open, find, click, type, run script, wait, screenshot and read the
// console — so that tests need no browser-automation library.
package browsertest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Timeout bounds each wait for the page to reach a state.
const Timeout = 15 * time.Second

// Find returns Chromium and chromedriver, skipping the test when they are missing (failing it when CI=true).
func Find(t *testing.T) (chromium, driver string) {
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

// Driver is one WebDriver session.
type Driver struct {
	t    *testing.T
	base string // chromedriver's URL
	sid  string
	// Console collects the browser's console entries seen so far by CheckConsole.
	Console []LogEntry
	// ScreenshotDir is where Screenshot saves its files; "" means a directory under os.TempDir().
	ScreenshotDir string
}

// LogEntry is one browser console entry.
type LogEntry struct {
	Level   string `json:"level"`
	Message string `json:"message"`
}

// Call sends a WebDriver command and decodes its value into out (when not nil).
func (d *Driver) Call(method, path string, body any, out any) error {
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

// Must fails the test on err.
func (d *Driver) Must(err error) {
	d.t.Helper()
	if err != nil {
		d.t.Fatal(err)
	}
}

// Session returns the session-scoped path of a command.
func (d *Driver) Session(path string) string { return "/session/" + d.sid + path }

// Open navigates to url.
func (d *Driver) Open(url string) {
	d.t.Helper()
	d.Must(d.Call("POST", d.Session("/url"), map[string]string{"url": url}, nil))
}

// Find returns the id of the element sel selects, waiting for it to appear.
func (d *Driver) Find(sel string) string {
	d.t.Helper()
	var id string
	d.Wait("element "+sel, func() bool {
		var el map[string]string
		if d.Call("POST", d.Session("/element"), map[string]string{"using": "css selector", "value": sel}, &el) != nil {
			return false
		}
		for _, v := range el {
			id = v
		}
		return id != ""
	})
	return id
}

// Click clicks the element sel selects.
func (d *Driver) Click(sel string) {
	d.t.Helper()
	d.Must(d.Call("POST", d.Session("/element/"+d.Find(sel)+"/click"), map[string]any{}, nil))
}

// TypeInto types text into the element sel selects.
func (d *Driver) TypeInto(sel, text string) {
	d.t.Helper()
	d.Must(d.Call("POST", d.Session("/element/"+d.Find(sel)+"/value"), map[string]string{"text": text}, nil))
}

// JS runs script in the page and decodes its result into out.
func (d *Driver) JS(script string, out any, args ...any) {
	d.t.Helper()
	if args == nil {
		args = []any{}
	}
	d.Must(d.Call("POST", d.Session("/execute/sync"), map[string]any{"script": script, "args": args}, out))
}

// Text returns the text of the element sel selects ("" when there is none).
func (d *Driver) Text(sel string) string {
	d.t.Helper()
	var s string
	d.JS(`var e = document.querySelector(arguments[0]); return e ? e.textContent : "";`, &s, sel)
	return s
}

// Count returns how many elements sel selects.
func (d *Driver) Count(sel string) int {
	d.t.Helper()
	var n int
	d.JS(`return document.querySelectorAll(arguments[0]).length;`, &n, sel)
	return n
}

// Wait polls cond until it holds, failing the test after Timeout.
func (d *Driver) Wait(what string, cond func() bool) {
	d.t.Helper()
	deadline := time.Now().Add(Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			var url string
			_ = d.Call("GET", d.Session("/url"), nil, &url)
			var entries []LogEntry
			_ = d.Call("POST", d.Session("/se/log"), map[string]string{"type": "browser"}, &entries)
			d.t.Fatalf("waiting for %s: timed out at %s; console: %v", what, url, entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitText waits until the element sel selects holds want.
func (d *Driver) WaitText(sel, want string) {
	d.t.Helper()
	d.Wait(fmt.Sprintf("%s to hold %q", sel, want), func() bool { return strings.Contains(d.Text(sel), want) })
}

// Screenshot saves the page, or with sel the element it selects, as name.png in ScreenshotDir.
func (d *Driver) Screenshot(name string, sel ...string) {
	d.t.Helper()
	path := d.Session("/screenshot")
	if len(sel) > 0 {
		id := d.Find(sel[0])
		// Scrolled to the top of the viewport, so that as much of the element as fits is in the picture.
		d.JS(`document.querySelector(arguments[0]).scrollIntoView({block: "start"}); return null;`, nil, sel[0])
		path = d.Session("/element/" + id + "/screenshot")
	}
	var b64 string
	d.Must(d.Call("GET", path, nil, &b64))
	png, err := base64.StdEncoding.DecodeString(b64)
	d.Must(err)
	dir := d.ScreenshotDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "hunch-web-screenshots")
	}
	d.Must(os.MkdirAll(dir, 0o755))
	defer d.t.Logf("screenshot %s", filepath.Join(dir, name+".png"))
	d.Must(os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

// CheckConsole fails the test on any console error seen since the last check (CSP violations are errors).
func (d *Driver) CheckConsole(step string) {
	d.t.Helper()
	var entries []LogEntry
	d.Must(d.Call("POST", d.Session("/se/log"), map[string]string{"type": "browser"}, &entries))
	for _, e := range entries {
		d.Console = append(d.Console, e)
		d.t.Logf("%s: console %s: %s", step, e.Level, e.Message)
		if e.Level == "SEVERE" || strings.Contains(e.Message, "Content Security Policy") || strings.Contains(e.Message, "Content-Security-Policy") {
			d.t.Errorf("%s: browser console %s: %s", step, e.Level, e.Message)
		}
	}
}

// Start runs chromedriver on a free port and opens a headless Chromium session with a download directory.
func Start(t *testing.T, chromium, driver, downloads string) *Driver {
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
	d := &Driver{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(Timeout)
	for {
		var st struct {
			Ready bool `json:"ready"`
		}
		if d.Call("GET", "/status", nil, &st) == nil && st.Ready {
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
	if err := d.Call("POST", "/session", caps, &sess); err != nil {
		t.Fatalf("new session: %v\n%s", err, logs.String())
	}
	d.sid = sess.SessionID
	t.Cleanup(func() { _ = d.Call("DELETE", d.Session(""), nil, nil) })
	return d
}
