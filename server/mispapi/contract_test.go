package mispapi

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/misp"
)

var update = flag.Bool("update", false, "rewrite server/mispapi/testdata/contract/*.golden")

// contractHeaders are the response headers a golden file pins.
var contractHeaders = []string{"Allow", "Content-Type", "X-Auth-Key-Expiration"}

// pymispHeaders are the request headers PyMISP sends on every call (api.py, _prepare_request).
func pymispHeaders(key string) [][2]string {
	return [][2]string{
		{"Authorization", key},
		{"Accept", "application/json"},
		{"Content-Type", "application/json"},
		{"User-Agent", "PyMISP 2.5.34.1 - Python 3.11"},
	}
}

type contractCase struct {
	name   string
	method string
	path   string
	header [][2]string
	body   string
}

// contractCases are the request/response pairs PyMISP and MISP's conventions depend on; each
// has a golden file under testdata/contract holding the request and the exact answer.
func contractCases() []contractCase {
	with := func(key string, extra ...[2]string) [][2]string { return append(pymispHeaders(key), extra...) }
	return []contractCase{
		// The handshake PyMISP makes in PyMISP.__init__.
		{name: "getversion_admin", method: "GET", path: "/servers/getVersion", header: with(keyAdmin)},
		{name: "getversion_json_readonly_key", method: "GET", path: "/servers/getVersion.json", header: with(keyReadOnly)},
		{name: "getversion_sync_user", method: "GET", path: "/servers/getVersion", header: with(keySync)},
		{name: "getversion_head", method: "HEAD", path: "/servers/getVersion", header: with(keyAdmin)},
		{name: "getversion_post", method: "POST", path: "/servers/getVersion", header: with(keyAdmin)},
		{name: "getversion_wrong_method", method: "DELETE", path: "/servers/getVersion", header: with(keyAdmin)},
		{name: "users_view_me_admin", method: "GET", path: "/users/view/me", header: with(keyAdmin)},
		{name: "users_view_me_json_readonly_key", method: "GET", path: "/users/view/me.json", header: with(keyReadOnly)},
		{name: "users_view_own_id", method: "GET", path: "/users/view/3", header: with(keySync)},
		{name: "users_view_other_user", method: "GET", path: "/users/view/1", header: with(keySync)},
		{name: "describetypes_json", method: "GET", path: "/attributes/describeTypes.json", header: with(keyAdmin)},
		{name: "describetypes_no_suffix", method: "GET", path: "/attributes/describeTypes", header: with(keyAdmin)},
		// Paths not served yet are unknown, as MISP's unknown controllers are.
		{name: "unknown_path", method: "GET", path: "/events/view/1", header: with(keyAdmin)},
		{name: "unknown_path_unauthenticated", method: "GET", path: "/events/view/1", header: pymispHeaders("")[1:]},
		// Authentication, as MISP's AppController does it.
		{name: "auth_missing_key", method: "GET", path: "/servers/getVersion", header: pymispHeaders("")[1:]},
		{name: "auth_bearer_is_not_a_key", method: "GET", path: "/servers/getVersion", header: with("Bearer " + keyAdmin)},
		{name: "auth_basic_ignored", method: "GET", path: "/servers/getVersion", header: with("Basic YWRtaW46YWRtaW4=")},
		{name: "auth_malformed_key", method: "GET", path: "/servers/getVersion", header: with("not-a-key")},
		{name: "auth_unknown_key", method: "GET", path: "/servers/getVersion", header: with(testKey("Unknown"))},
		{name: "auth_expired_key", method: "GET", path: "/servers/getVersion", header: with(keyExpired)},
		{name: "auth_disabled_user", method: "GET", path: "/users/view/me", header: with(keyDisabled)},
		{name: "auth_role_without_perm_auth", method: "GET", path: "/users/view/me", header: with(keyNoAuth)},
		{name: "auth_x_misp_auth", method: "GET", path: "/users/view/me",
			header: append([][2]string{{"X-MISP-AUTH", keyAdmin}}, pymispHeaders("")[1:]...)},
		{name: "auth_x_misp_auth_wins", method: "GET", path: "/servers/getVersion",
			header: with(keyAdmin, [2]string{"X-MISP-AUTH", testKey("Unknown")})},
		{name: "auth_key_list", method: "GET", path: "/servers/getVersion",
			header: with(testKey("Unknown") + ", junk ," + keyReadOnly)},
		{name: "auth_store_failure", method: "GET", path: "/servers/getVersion", header: with(keyFailing)},
		// Request bodies in encodings MISP refuses.
		{name: "encoding_brotli", method: "POST", path: "/servers/getVersion", body: "x",
			header: with(keyAdmin, [2]string{"Content-Encoding", "br"})},
		{name: "encoding_unknown", method: "POST", path: "/servers/getVersion", body: "x",
			header: with(keyAdmin, [2]string{"Content-Encoding", "compress"})},
		{name: "encoding_gzip_empty", method: "POST", path: "/servers/getVersion",
			header: with(keyAdmin, [2]string{"Content-Encoding", "gzip"})},
		{name: "encoding_gzip_corrupt", method: "POST", path: "/servers/getVersion", body: "not gzip at all",
			header: with(keyAdmin, [2]string{"Content-Encoding", "gzip"})},
	}
}

// renderExchange writes one request and its answer in the golden format: the request line and
// headers, a blank line, the request body if any, then "---", the status, the pinned headers,
// a blank line and the body (indented when JSON).
func renderExchange(tc contractCase, rec *httptest.ResponseRecorder) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s\n", tc.method, tc.path)
	for _, h := range tc.header {
		fmt.Fprintf(&b, "%s: %s\n", h[0], h[1])
	}
	b.WriteString("\n")
	if tc.body != "" {
		b.WriteString(tc.body + "\n")
	}
	b.WriteString("---\n")
	fmt.Fprintf(&b, "%d %s\n", rec.Code, http.StatusText(rec.Code))
	for _, h := range contractHeaders {
		if v := rec.Header().Get(h); v != "" {
			fmt.Fprintf(&b, "%s: %s\n", h, v)
		}
	}
	b.WriteString("\n")
	body := rec.Body.Bytes()
	var ind bytes.Buffer
	if len(body) > 0 && json.Indent(&ind, body, "", "  ") == nil {
		body = ind.Bytes()
	}
	b.Write(body)
	if len(body) > 0 {
		b.WriteString("\n")
	}
	return b.Bytes()
}

func TestContract(t *testing.T) {
	auth, _ := newTestAuth(t)
	h := New(Deps{Auth: auth, InstanceUUID: instanceUUID})
	seen := map[string]bool{}
	for _, tc := range contractCases() {
		t.Run(tc.name, func(t *testing.T) {
			if seen[tc.name] {
				t.Fatalf("duplicate case %s", tc.name)
			}
			seen[tc.name] = true
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.body == "" {
				req.Body, req.ContentLength = http.NoBody, 0
			}
			for _, kv := range tc.header {
				req.Header.Add(kv[0], kv[1])
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := renderExchange(tc, rec)

			file := filepath.Join("testdata", "contract", tc.name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
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
			checkShape(t, tc, rec)
		})
	}
	// Every golden file belongs to a case, so none goes stale unnoticed.
	for _, cases := range storeContractGroups() {
		for _, tc := range cases {
			if seen[tc.Name] {
				t.Errorf("duplicate case %s", tc.Name)
			}
			seen[tc.Name] = true
		}
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "contract", "*.golden"))
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".golden"); !seen[name] {
			t.Errorf("%s has no case", f)
		}
	}
}

// lineDiff shows the first lines where want and got differ.
func lineDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n-%s\n+%s\n", i+1, wl, gl)
			shown++
		}
	}
	return b.String()
}

var versionRE = regexp.MustCompile(`^\d+\.\d+\.\d+$`)

// checkShape asserts, independently of the golden files, what PyMISP itself relies on in each
// answer, so that a careless -update cannot pin a shape PyMISP rejects.
func checkShape(t *testing.T, tc contractCase, rec *httptest.ResponseRecorder) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); tc.method != "HEAD" && !strings.HasPrefix(ct, "application/json") {
		t.Errorf("content type %q: PyMISP parses JSON", ct)
	}
	if rec.Code >= 500 {
		// PyMISP raises MISPServerError on any 5xx: only a real failure may answer one.
		if tc.name != "auth_store_failure" {
			t.Errorf("5xx answer: %d", rec.Code)
		}
	}
	if rec.Code >= 400 {
		var e map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || len(e) != 3 || e["name"] == "" ||
			e["message"] != e["name"] || e["url"] != tc.path {
			t.Errorf("error body %q is not MISP's {name, message, url}", rec.Body)
		}
		return
	}
	if tc.method == "HEAD" {
		if rec.Body.Len() != 0 {
			t.Errorf("HEAD with a body")
		}
		return
	}
	switch {
	case strings.HasPrefix(tc.path, "/servers/getVersion"):
		var v map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		ver, _ := v["version"].(string)
		rec, _ := v["pymisp_recommended_version"].(string)
		if !versionRE.MatchString(ver) || !versionRE.MatchString(rec) {
			t.Errorf("versions %q %q: PyMISP splits them on dots into ints", ver, rec)
		}
		for _, k := range []string{"perm_sync", "perm_sighting", "perm_galaxy_editor", "perm_analyst_data", "filter_sightings"} {
			if _, ok := v[k].(bool); !ok {
				t.Errorf("%s = %v, want a bool", k, v[k])
			}
		}
	case strings.HasPrefix(tc.path, "/users/view/"):
		var v map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"User", "Role", "UserSetting", "Organisation"} {
			if _, ok := v[k]; !ok {
				t.Errorf("users/view lacks %s (PyMISP's get_user(expanded=True) reads it)", k)
			}
		}
		var settings map[string]any
		if err := json.Unmarshal(v["UserSetting"], &settings); err != nil {
			t.Errorf("UserSetting %s is not an object PyMISP can .items()", v["UserSetting"])
		}
		u, err := misp.DecodeUser(rec.Body.Bytes())
		if err != nil || u.Role == nil || u.Organisation == nil || u.Authkey != "" || u.Password != "" {
			t.Errorf("decoded user %+v (%v)", u, err)
		}
	case strings.HasPrefix(tc.path, "/attributes/describeTypes"):
		var v struct {
			Result map[string]json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"sane_defaults", "types", "categories", "category_type_mappings"} {
			if _, ok := v.Result[k]; !ok {
				t.Errorf("describeTypes lacks %s", k)
			}
		}
		if !bytes.Contains(v.Result["types"], []byte(`"ip-dst"`)) {
			t.Error("ip-dst is not a type")
		}
	}
}
