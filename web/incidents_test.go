package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/automation/playbook"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/internal/browsertest"
	"github.com/hunchsec/hunch/store"
)

// warRoomDeps gives the UI incidents, a playbook engine and a chat that records what it is given; incident 1 is in
// #soc and its run 1 waits for an approval.
func warRoomUI(t *testing.T, users ...string) (*ui, *playbook.Engine, *[]string) {
	var mu sync.Mutex
	var said []string
	d := Deps{SLA: automation.DefaultSLAPolicy, Chat: func(_ context.Context, ch string, lines []string) error {
		mu.Lock()
		defer mu.Unlock()
		said = append(said, ch+" "+strings.Join(lines, " "))
		return nil
	}}
	var e *playbook.Engine
	setup := func(f *inteltest.Fixture, d *Deps) {
		inc := &automation.Incidents{Store: f.Store, Chain: journal.Chain{Key: []byte("k")}}
		e = &playbook.Engine{Incidents: inc, Runs: f.Store, Actions: playbook.Builtins(playbook.Env{})}
		pb, err := playbook.Parse([]byte(`
name: contain
tasks:
  - {id: approve, type: manual, prompt: "isolate WS01?", options: [approve, reject], next: {approve: note}}
  - {id: note, type: action, action: note, with: {text: "isolation approved by {{ .tasks.approve.output.by }}"}}
`), e.ActionNames())
		if err != nil {
			t.Fatal(err)
		}
		c := context.Background()
		i := &store.Incident{Name: "beacon from WS01", Type: "c2", Severity: 3, Labels: []string{"chat:#soc"}}
		if err := inc.Open(c, i, "edr"); err != nil {
			t.Fatal(err)
		}
		run, err := e.Start(c, pb, i.ID, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Drive(c, run.ID); err != nil {
			t.Fatal(err)
		}
		d.Incidents, d.Engine = inc, e
	}
	u := newUIPrepared(t, inteltest.Options{}, d, setup, users...)
	return u, e, &said
}

// TestWarRoomPermissions: every user reads an incident; only those who may work incidents speak and answer.
func TestWarRoomPermissions(t *testing.T) {
	u, _, said := warRoomUI(t, "user", "readonly")
	for _, c := range []struct {
		user string
		code int
	}{{"readonly", http.StatusForbidden}, {"user", http.StatusOK}} {
		cl := u.client(t)
		u.login(t, cl, c.user)
		code, body, _ := get(t, cl, u.srv.URL, "/ui/incidents/1")
		if code != 200 || !strings.Contains(body, "beacon from WS01") || !strings.Contains(body, "isolate WS01?") {
			t.Fatalf("%s reads the war room: %d", c.user, code)
		}
		if (c.user == "user") != strings.Contains(body, `id="say-form"`) {
			t.Errorf("%s: the message box shown = %v", c.user, !(c.user == "user"))
		}
		csrf := u.csrf(t, cl)
		code, body, _ = post(t, cl, u.srv.URL, "/ui/incidents/1/messages", url.Values{"csrf_token": {csrf}, "text": {"checking the proxy logs"}})
		if code != c.code {
			t.Errorf("%s says something: %d, want %d", c.user, code, c.code)
		}
		if c.code == 200 && !strings.Contains(body, "checking the proxy logs") {
			t.Errorf("the message is not in the journal shown")
		}
		code, _, _ = post(t, cl, u.srv.URL, "/ui/incidents/1/tasks/1/approve", url.Values{"csrf_token": {csrf}, "answer": {"approve"}})
		if code != c.code {
			t.Errorf("%s answers: %d, want %d", c.user, code, c.code)
		}
		if code, _, _ := post(t, cl, u.srv.URL, "/ui/incidents/1/messages", url.Values{"text": {"no token"}}); code != http.StatusForbidden {
			t.Errorf("a message without the CSRF token: %d", code)
		}
	}
	if len(*said) != 1 || !strings.HasPrefix((*said)[0], "#soc [incident 1] user@orgname.test: checking the proxy logs") {
		t.Errorf("carried to chat: %q", *said)
	}
	if code, _, _ := get(t, u.client(t), u.srv.URL, "/ui/incidents/1"); code != http.StatusSeeOther && code != http.StatusFound {
		t.Errorf("without a session: %d", code)
	}
}

// TestWarRoomBrowser works an incident in headless Chromium: the list, the war room, a message, an approval.
func TestWarRoomBrowser(t *testing.T) {
	chromium, driver := browsertest.Find(t)
	u, e, said := warRoomUI(t, "admin")
	b := browsertest.Start(t, chromium, driver, t.TempDir())
	b.ScreenshotDir = os.Getenv("HUNCH_SCREENSHOTS")
	b.Open(u.srv.URL + "/ui/login")
	b.TypeInto("#email", u.f.Users["admin"].Email)
	b.TypeInto("#password", testPassword)
	b.Click("#login-submit")
	b.WaitText("#who", u.f.Users["admin"].Email)
	b.Click(`nav a[href="/ui/incidents"]`)
	b.WaitText("#incidents", "beacon from WS01")
	b.Click("a.incident-link")
	b.WaitText("#tasks", "isolate WS01?")
	b.WaitText("#journal-status", "intact")
	b.TypeInto("#say", "blocking the C2 at the proxy")
	b.Click("#say-send")
	b.WaitText("#journal", "blocking the C2 at the proxy")
	var left string
	b.JS(`return document.getElementById("say").value;`, &left)
	if left != "" {
		t.Errorf("the message box kept %q after sending", left)
	}
	b.Screenshot("warroom")
	b.Click(`button.answer[value="approve"]`)
	b.WaitText("#journal", `"answered":"approve"`)
	b.CheckConsole("war room")
	got, err := e.Waiting(context.Background())
	if err != nil || len(got) != 0 {
		t.Errorf("still waiting after the approval: %+v %v", got, err)
	}
	if len(*said) != 1 || !strings.Contains((*said)[0], "blocking the C2") {
		t.Errorf("chat heard %q", *said)
	}
}
