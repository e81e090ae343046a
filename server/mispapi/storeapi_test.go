package mispapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/intel/inteltest"
)

// api is the handler over a real intel service (inteltest's instance on SQLite), for the endpoint tests.
type api struct {
	*inteltest.Fixture
	h http.Handler
}

func newAPI(t testing.TB) *api {
	t.Helper()
	f := inteltest.New(t, inteltest.Options{})
	return &api{Fixture: f, h: New(Deps{Intel: f.Svc})}
}

// do sends a request as PyMISP does, authenticated as fixture user as ("" for no key); body is sent as it is
// when a string or []byte, and JSON-encoded otherwise (nil for none).
func (a *api) do(t testing.TB, as, method, path string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, rd)
	for _, h := range pymispHeaders(a.Keys[as]) {
		if h[1] != "" {
			req.Header.Set(h[0], h[1])
		}
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	return rec
}

// decode parses a JSON reply into v, failing the test on anything else.
func decode(t testing.TB, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("reply %d is not JSON: %v\n%s", rec.Code, err, rec.Body.String())
	}
}

// wantStatus fails the test unless rec has status code; it returns the body for further checks.
func wantStatus(t testing.TB, rec *httptest.ResponseRecorder, code int) string {
	t.Helper()
	if rec.Code != code {
		t.Fatalf("status %d, want %d: %s", rec.Code, code, rec.Body.String())
	}
	return rec.Body.String()
}

func TestStoreBackedHandshake(t *testing.T) {
	a := newAPI(t)
	rec := a.do(t, "publisher2", "GET", "/users/view/me", nil)
	wantStatus(t, rec, http.StatusOK)
	var me struct {
		User struct {
			Email string `json:"email"`
		}
		Role struct {
			Name string `json:"name"`
		}
		Organisation struct {
			Name string `json:"name"`
		}
	}
	decode(t, rec, &me)
	if me.User.Email != a.Users["publisher2"].Email || me.Role.Name != "Publisher" || me.Organisation.Name != inteltest.OrgTwo {
		t.Fatalf("users/view/me = %+v", me)
	}
	wantStatus(t, a.do(t, "", "GET", "/servers/getVersion", nil), http.StatusForbidden)
}

func TestParseArgs(t *testing.T) {
	a := parseArgs("12/metadata:1/extra.json")
	if len(a.Positional) != 2 || a.Arg(0) != "12" || a.Arg(1) != "extra" || !a.Flag("metadata") {
		t.Fatalf("parseArgs = %+v", a)
	}
	if a := parseArgs("5f1d3c6e-1c2b-4e8a-9a51-2f6b3c4d5e6f.json"); a.Arg(0) != "5f1d3c6e-1c2b-4e8a-9a51-2f6b3c4d5e6f" {
		t.Fatalf("uuid arg = %+v", a)
	}
}

func TestUnwrap(t *testing.T) {
	for in, want := range map[string]string{
		`{"Event":{"info":"x"}}`:                `{"info":"x"}`,
		`{"request":{"Event":{"info":"x"}}}`:    `{"info":"x"}`,
		`{"info":"x"}`:                          `{"info":"x"}`,
		`{"Event":{"info":"x"},"other":1}`:      `{"Event":{"info":"x"},"other":1}`,
		`[{"type":"ip-dst","value":"1.2.3.4"}]`: `[{"type":"ip-dst","value":"1.2.3.4"}]`,
	} {
		if got := string(unwrap([]byte(in), "Event")); got != want {
			t.Errorf("unwrap(%s) = %s, want %s", in, got, want)
		}
	}
}
