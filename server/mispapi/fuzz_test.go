package mispapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzHandler sends arbitrary methods, paths, credentials, encodings and bodies: every answer
// must be JSON, every refusal MISP's {name, message, url} with a 4xx status (PyMISP raises on
// 5xx, so none may come from bad input), and no answer may echo the credentials.
func FuzzHandler(f *testing.F) {
	f.Add("GET", "/servers/getVersion", keyAdmin, "", []byte(nil))
	f.Add("GET", "/users/view/me.json", "Bearer "+keyAdmin, "", []byte(nil))
	f.Add("POST", "/users/view/1", keyReadOnly+","+keyAdmin, "gzip", gzipped(f, []byte(`{"x":1}`)))
	f.Add("PUT", "/attributes/describeTypes.json", "Basic Zm9vOmJhcg==", "br", []byte("x"))
	f.Add("GET", "/events/view/<script>'\"&", testKey("Unknown"), "", []byte(nil))
	// The table is looked up without bcrypt, so the fuzzer spends its time on the handler.
	keys := newFakeKeys(f)
	auth := mapAuth{}
	for _, r := range keys.rows {
		auth[r.key] = Principal{User: r.User, KeyID: r.ID, ReadOnly: r.ReadOnly, KeyExpiration: r.Expiration}
	}
	h := New(Deps{Auth: auth, MaxDecodedBodyBytes: 1 << 16})
	f.Fuzz(func(t *testing.T, method, path, key, encoding string, body []byte) {
		req, err := http.NewRequest(method, "http://hunch.test"+path, bytes.NewReader(body))
		if err != nil || req.URL.Path == "" || req.URL.Path[0] != '/' {
			return
		}
		req.Header = http.Header{}
		req.Header["Authorization"] = []string{key}
		req.Header["Content-Encoding"] = []string{encoding}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q: %d %s", method, path, rec.Code, rec.Body)
		}
		if method == http.MethodHead {
			if rec.Body.Len() != 0 {
				t.Fatalf("HEAD %q answered with a body: %q", path, rec.Body)
			}
			return
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %q: not JSON: %q", method, path, rec.Body)
		}
		if rec.Code >= 400 {
			var e map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || len(e) != 3 || e["name"] != e["message"] {
				t.Fatalf("%s %q: error shape %s", method, path, rec.Body)
			}
			if strings.ContainsAny(e["url"]+e["message"], `<>"'`) {
				t.Fatalf("unescaped error fields: %s", rec.Body)
			}
		}
		if len(key) >= 16 && !strings.Contains(path, key) && bytes.Contains(rec.Body.Bytes(), []byte(key)) {
			t.Fatalf("credentials echoed: %s", rec.Body)
		}
	})
}

// mapAuth authenticates from a map of keys.
type mapAuth map[string]Principal

func (m mapAuth) Authenticate(_ context.Context, key string) (Principal, error) {
	p, ok := m[key]
	if !ok || p.User.Role == nil || !bool(p.User.Role.PermAuth) {
		return Principal{}, ErrBadKey
	}
	if p.User.Disabled {
		return Principal{}, ErrUserDisabled
	}
	return p, nil
}
