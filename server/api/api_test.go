package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/automation/playbook"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/server/mispapi"
)

const approval = `
name: approval
triggers: [{incident_type: Splunk alert}, {webhook: true}]
tasks:
  - {id: ask, type: manual, prompt: "go?", options: [yes, no], next: {yes: note}}
  - {id: note, type: action, action: note, with: {text: "approved"}}
`

func newAPI(t *testing.T) (*inteltest.Fixture, http.Handler, *playbook.Engine) {
	fx := inteltest.New(t, inteltest.Options{})
	inc := &automation.Incidents{Store: fx.Store, Chain: journal.Chain{Key: []byte("k")}}
	e := &playbook.Engine{Incidents: inc, Runs: fx.Store, Actions: playbook.Builtins(playbook.Env{})}
	pb, err := playbook.Parse([]byte(approval), e.ActionNames())
	if err != nil {
		t.Fatal(err)
	}
	e.Library = map[string]*playbook.Playbook{pb.Name: pb}
	h := New(Deps{
		Auth:      mispapi.NewKeyAuthenticator(mispapi.StoreKeyLookup(fx.Svc), acl.NewKeyChecker(0, 0, nil), nil),
		Incidents: inc, Engine: e,
		Report: func(_ context.Context, w io.Writer, id int64) error {
			_, err := io.WriteString(w, "<h1>report</h1>")
			return err
		},
	})
	return fx, h, e
}

func call(h http.Handler, key, method, path, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if key != "" {
		r.Header.Set("Authorization", key)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestAuthorizationMatrix checks every route for a user who may write, one who may only read,
// and no key at all.
func TestAuthorizationMatrix(t *testing.T) {
	fx, h, e := newAPI(t)
	splunk, err := os.ReadFile("../../examples/alerts/splunk_webhook.json")
	if err != nil {
		t.Fatal(err)
	}
	// incident 1 (with a waiting run 1) exists for the routes that need one
	if w := call(h, fx.Keys["admin"], "POST", "/api/alerts/splunk", string(splunk)); w.Code != 201 {
		t.Fatalf("setup: %d %s", w.Code, w.Body)
	}
	if err := e.Drive(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	routes := []struct {
		method, path, body string
		write              bool
		ok                 int
	}{
		{"GET", "/api/incidents", "", false, 200},
		{"GET", "/api/incidents/1", "", false, 200},
		{"GET", "/api/incidents/1/report", "", false, 200},
		{"GET", "/api/tasks", "", false, 200},
		{"POST", "/api/alerts/json?name_field=rule.name&key_field=rule.id&label=edr", `{"rule":{"name":"x","id":"k2"}}`, true, 201},
		{"POST", "/api/incidents", `{"name":"by hand","severity":"low"}`, true, 201},
		{"POST", "/api/incidents/1/notes", `{"text":"looked"}`, true, 201},
		{"POST", "/api/playbooks/approval/run", `{"incident":1}`, true, 201},
		{"POST", "/api/playbooks/approval/webhook", `{"from":"elsewhere"}`, true, 201},
		{"POST", "/api/tasks/1/ask", `{"answer":"yes"}`, true, 200},
	}
	for _, r := range routes {
		for _, u := range []struct {
			name  string
			write bool
		}{{"readonly", false}, {"user", true}, {"", false}} {
			want := r.ok
			switch {
			case u.name == "":
				want = http.StatusForbidden
			case r.write && !u.write:
				want = http.StatusForbidden
			}
			key := ""
			if u.name != "" {
				key = fx.Keys[u.name]
			}
			if r.path == "/api/tasks/1/ask" && want == 200 {
				continue // answered once below
			}
			if w := call(h, key, r.method, r.path, r.body); w.Code != want {
				t.Errorf("%s %s as %q: %d, want %d: %s", r.method, r.path, u.name, w.Code, want, w.Body)
			}
		}
	}
	if w := call(h, fx.Keys["user"], "POST", "/api/tasks/1/ask", `{"answer":"maybe"}`); w.Code != 400 {
		t.Errorf("an answer outside the options: %d %s", w.Code, w.Body)
	}
	if w := call(h, fx.Keys["user"], "POST", "/api/tasks/1/ask", `{"answer":"yes","comment":"fine"}`); w.Code != 200 {
		t.Errorf("answering: %d %s", w.Code, w.Body)
	}
	if w := call(h, fx.Keys["user"], "POST", "/api/tasks/1/ask", `{"answer":"yes"}`); w.Code != 409 {
		t.Errorf("answering twice: %d %s", w.Code, w.Body)
	}
	// the alert key may ride in the URL for the webhook routes only
	r := httptest.NewRequest("POST", "/api/alerts/splunk?key="+fx.Keys["user"], strings.NewReader(string(splunk)))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"merged":true`) {
		t.Errorf("alert with the key in the URL: %d %s", w.Code, w.Body)
	}
	if w := call(h, "", "GET", "/api/incidents?key="+fx.Keys["user"], ""); w.Code != 403 {
		t.Errorf("a key in the URL of another route: %d", w.Code)
	}
}

func TestErrors(t *testing.T) {
	fx, h, _ := newAPI(t)
	key := fx.Keys["user"]
	for _, c := range []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"GET", "/api/incidents/99", "", 404, "not found"},
		{"GET", "/api/incidents/x", "", 400, "want a number"},
		{"POST", "/api/alerts/splunk", `{"nope":1}`, 400, "webhook payload"},
		{"POST", "/api/alerts/teams", `{}`, 400, "teams"},
		{"POST", "/api/incidents", `{"name":" "}`, 400, "needs a name"},
		{"POST", "/api/incidents", `{"name":"x","severity":"dire"}`, 400, "severity"},
		{"POST", "/api/incidents", `{`, 400, "request body"},
		{"POST", "/api/playbooks/nope/run", `{"incident":1}`, 404, "nope"},
		{"POST", "/api/tasks/5/ask", `{"answer":"yes"}`, 404, "not found"},
		{"GET", "/api/nothing", "", 404, "Not Found"},
	} {
		w := call(h, key, c.method, c.path, c.body)
		if w.Code != c.code || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("%s %s: %d %s, want %d with %q", c.method, c.path, w.Code, w.Body, c.code, c.want)
		}
	}
	// an incident created by hand triggers nothing; a Splunk alert starts the approval playbook
	w := call(h, key, "POST", "/api/incidents", `{"name":"x"}`)
	var got struct{ Runs []int64 }
	json.Unmarshal(w.Body.Bytes(), &got)
	if w.Code != 201 || len(got.Runs) != 0 {
		t.Errorf("manual incident: %d %s", w.Code, w.Body)
	}
}
