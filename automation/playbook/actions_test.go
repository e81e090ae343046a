package playbook

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/store"
)

// smtpServer is a minimal SMTP receiver (RFC 5321's happy path) that keeps each message.
func smtpServer(t *testing.T) (addr string, got func() []string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var mu sync.Mutex
	var msgs []string
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				r := bufio.NewReader(c)
				say := func(s string) { io.WriteString(c, s+"\r\n") }
				say("220 mail.test ESMTP")
				var data strings.Builder
				inData := false
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if inData {
						if line == ".\r\n" {
							inData = false
							mu.Lock()
							msgs = append(msgs, data.String())
							mu.Unlock()
							data.Reset()
							say("250 queued")
							continue
						}
						data.WriteString(line)
						continue
					}
					switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
						say("250 mail.test")
					case cmd == "DATA":
						inData = true
						say("354 go ahead")
					case cmd == "QUIT":
						say("221 bye")
						return
					case strings.HasPrefix(cmd, "RCPT TO:") && strings.Contains(cmd, "NOBODY@"):
						say("550 5.1.1 no such user")
					default:
						say("250 ok")
					}
				}
			}(c)
		}
	}()
	return l.Addr().String(), func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), msgs...) }
}

func TestHTTPWebhookAndMail(t *testing.T) {
	var mu sync.Mutex
	var seen []*http.Request
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r)
		bodies = append(bodies, string(b))
		mu.Unlock()
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"isolated":true,"host":"WS01"}`)
	}))
	defer srv.Close()
	mailAddr, mails := smtpServer(t)
	ctx := context.Background()
	h := newHarness(t)
	e := h.engine()
	e.Actions = Builtins(Env{HTTP: srv.Client(), Mail: Mail{Addr: mailAddr, From: "hunch@soc.test"}})
	pb, err := Parse([]byte(`
name: contain
tasks:
  - id: isolate
    type: action
    action: http
    with: {method: post, url: "`+srv.URL+`/isolate", headers: {X-Api: secret}, body: {host: WS01, incident: "${incident.id}"}}
    next: hook
  - id: hook
    type: action
    action: notify
    with: {via: webhook, url: "`+srv.URL+`/hook", message: "{{ .incident.name }}: isolated={{ .tasks.isolate.output.body.isolated }}"}
    next: mail
  - id: mail
    type: action
    action: notify
    with: {via: mail, to: [lead@soc.test], message: "WS01 is isolated.\nSee incident {{ .incident.id }}."}
    next: broken
  - id: broken
    type: action
    action: http
    with: {url: "`+srv.URL+`/fail"}
    retries: 1
    on_error: done
  - {id: done, type: title}
`), e.ActionNames())
	if err != nil {
		t.Fatal(err)
	}
	inc, _ := h.alert(t)
	run, err := e.Start(ctx, pb, inc.ID, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Drive(ctx, run.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := h.fx.Store.PlaybookRun(ctx, run.ID)
	views, _ := Tasks(got)
	if got.Status != RunDone || views[0].Output.(map[string]any)["body"].(map[string]any)["host"] != "WS01" || views[3].Status != "failed" || views[3].Attempts != 2 {
		t.Fatalf("run %s %s; %+v", got.Status, got.Error, views)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 4 {
		t.Fatalf("%d requests", len(seen))
	}
	var body map[string]any
	json.Unmarshal([]byte(bodies[0]), &body)
	if seen[0].Method != "POST" || seen[0].Header.Get("X-Api") != "secret" || seen[0].Header.Get("Content-Type") != "application/json" ||
		body["host"] != "WS01" || body["incident"] != 1.0 || seen[0].Header.Get("Idempotency-Key") != "run-1/isolate" {
		t.Errorf("http request %v %v", seen[0].Header, body)
	}
	json.Unmarshal([]byte(bodies[1]), &body)
	if body["text"] != "encoded powershell on WS01: isolated=true" || seen[1].Header.Get("Idempotency-Key") != "run-1/hook" {
		t.Errorf("webhook %v", body)
	}
	if seen[2].Header.Get("Idempotency-Key") != seen[3].Header.Get("Idempotency-Key") {
		t.Error("a retried attempt must carry the same key")
	}
	ms := mails()
	if len(ms) != 1 || !strings.Contains(ms[0], "To: lead@soc.test\r\n") || !strings.Contains(ms[0], "Subject: hunch incident 1: encoded powershell on WS01\r\n") ||
		!strings.Contains(ms[0], "WS01 is isolated.\r\nSee incident 1.") || !strings.Contains(ms[0], "Message-ID: <") {
		t.Errorf("mail %q", ms)
	}
	// a recipient the relay refuses, and a relay that is not there, fail with what happened
	if err := (Mail{Addr: mailAddr, From: "hunch@soc.test"}).send([]string{"nobody@soc.test"}, "s", "b", "k"); err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("refused recipient: %v", err)
	}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	gone := closed.Addr().String()
	closed.Close()
	if err := (Mail{Addr: gone, From: "hunch@soc.test"}).send([]string{"lead@soc.test"}, "s", "b", "k"); err == nil {
		t.Error("a relay that is not there accepted the mail")
	}
	// header injection through an address is refused
	if err := (Mail{Addr: mailAddr, From: "hunch@soc.test"}).send([]string{"a@b.test\r\nBcc: x@y.test"}, "s", "b", "k"); err == nil {
		t.Error("a line break in an address was sent")
	}
}

func TestCronTrigger(t *testing.T) {
	h := newHarness(t)
	e := h.engine()
	pb, err := Parse([]byte("name: sweep\ntriggers: [{cron: '*/15 * * * *'}]\ntasks:\n  - {id: n, type: action, action: note, with: {text: swept}}\n"), e.ActionNames())
	if err != nil {
		t.Fatal(err)
	}
	e.Library = map[string]*Playbook{pb.Name: pb}
	now := time.Date(2026, 11, 23, 9, 5, 0, 0, time.UTC)
	e.Now = func() time.Time { return now }
	next := map[string]time.Time{}
	ctx := context.Background()
	e.cron(ctx, next) // plans 09:15
	now = now.Add(9 * time.Minute)
	e.cron(ctx, next)
	if list, _ := h.fx.Store.ListRuns(ctx, store.RunFilter{}); len(list) != 0 {
		t.Fatalf("started before its time: %v", list)
	}
	now = now.Add(time.Minute) // 09:15
	e.cron(ctx, next)
	e.cron(ctx, next)
	list, _ := h.fx.Store.ListRuns(ctx, store.RunFilter{})
	if len(list) != 1 {
		t.Fatalf("%d runs at 09:15", len(list))
	}
	inc, _ := h.fx.Store.Incident(ctx, list[0].IncidentID)
	if inc.Name != "sweep (scheduled)" || inc.Type != "job" {
		t.Errorf("scheduled incident %+v", inc)
	}
}
