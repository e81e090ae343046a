package cli

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hunchsec/hunch/internal/config"
	"github.com/hunchsec/hunch/internal/testcorpus"
	siemsql "github.com/hunchsec/hunch/siem/sql"
)

// esReplay is an Elasticsearch answering the requests hunch sends in its documented formats:
// a point in time, two pages of hits (the first with a failed shard), the close, and _bulk
// with two documents refused. It records every request line it saw.
type esReplay struct {
	t    *testing.T
	mu   sync.Mutex
	seen []string
	bulk []string // documents received by _bulk
}

func (s *esReplay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, r.Method+" "+r.URL.Path)
	if got := r.Header.Get("Authorization"); got != "ApiKey aWQ6c2VjcmV0" { // base64("id:secret")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"type":"security_exception","reason":"missing authentication credentials"},"status":401}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/logs-hunch/_pit":
		if r.URL.Query().Get("keep_alive") == "" {
			s.t.Errorf("open PIT without keep_alive: %s", r.URL)
		}
		io.WriteString(w, `{"id":"PIT-1"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/_search":
		var req struct {
			PIT         struct{ ID string } `json:"pit"`
			SearchAfter []any               `json:"search_after"`
			Query       json.RawMessage     `json:"query"`
		}
		if err := json.Unmarshal(body, &req); err != nil || req.PIT.ID != "PIT-1" {
			s.t.Errorf("search body %s: %v", body, err)
		}
		if !strings.Contains(string(req.Query), `process.name:\"powershell.exe\"`) {
			s.t.Errorf("query not sent as written: %s", req.Query)
		}
		if req.SearchAfter == nil {
			io.WriteString(w, `{"pit_id":"PIT-1","took":3,"timed_out":false,
 "_shards":{"total":2,"successful":1,"skipped":0,"failed":1,"failures":[{"shard":1,"index":"logs-hunch","reason":{"type":"node_not_connected_exception","reason":"node gone"}}]},
 "hits":{"total":{"value":2,"relation":"eq"},"hits":[
  {"_index":"logs-hunch","_id":"a1","_score":null,"_source":{"@timestamp":"2026-11-20T08:00:00Z","host":{"name":"WS01"},"process":{"name":"powershell.exe"}},"sort":[1,10]},
  {"_index":"logs-hunch","_id":"a2","_score":null,"_source":{"@timestamp":"2026-11-20T08:05:00Z","host":{"name":"WS02"},"process":{"name":"powershell.exe"}},"sort":[1,11]}]}}`)
			return
		}
		io.WriteString(w, `{"pit_id":"PIT-1","took":1,"timed_out":false,"_shards":{"total":2,"successful":2,"skipped":0,"failed":0},"hits":{"total":{"value":2,"relation":"eq"},"hits":[]}}`)
	case r.Method == http.MethodDelete && r.URL.Path == "/_pit":
		io.WriteString(w, `{"succeeded":true,"num_freed":1}`)
	case r.Method == http.MethodPost && r.URL.Path == "/_bulk":
		var items []string
		sc := bufio.NewScanner(strings.NewReader(string(body)))
		for n := 0; sc.Scan(); n++ {
			if n%2 == 1 {
				s.bulk = append(s.bulk, sc.Text())
			}
		}
		for i := range len(s.bulk) {
			if i == 1 || i == 3 {
				items = append(items, `{"create":{"_index":"hunch-up","status":400,"error":{"type":"document_parsing_exception","reason":"failed to parse field [n]"}}}`)
				continue
			}
			items = append(items, `{"create":{"_index":"hunch-up","_id":"x","result":"created","status":201}}`)
		}
		io.WriteString(w, `{"took":2,"errors":true,"items":[`+strings.Join(items, ",")+`]}`)
	default:
		s.t.Errorf("unexpected request %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusNotFound)
	}
}

// esKey is the environment the tests run hunch with: the API key the replay expects.
func esKey() map[string]string { return map[string]string{"HUNCH_TEST_ES_KEY": "id:secret"} }

func esFixture(t *testing.T) (*esReplay, string) {
	t.Helper()
	es := &esReplay{t: t}
	srv := httptest.NewServer(es)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cfg := "siem:\n  connections:\n    es:\n      kind: elastic\n      url: " + srv.URL + "\n      index: logs-hunch\n      api_key: env:HUNCH_TEST_ES_KEY\n" +
		"      upload: {index: hunch-up, max_retries: -1}\n" +
		"    db:\n      kind: sqlite\n      path: none.db\n"
	path := filepath.Join(dir, "hunch.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return es, path
}

func TestQueryRunElastic(t *testing.T) {
	es, cfg := esFixture(t)
	code, out, errOut := runHunchEnv(t, esKey(), "", "query", "run", "--config", cfg, "-c", "es", "--text", `process.name:"powershell.exe"`, "-o", "ndjson", "--columns", "_id,host")
	if code != ExitPartial {
		t.Fatalf("exit %d (want %d: a shard failed): %s", code, ExitPartial, errOut)
	}
	if out != `{"_id":"a1","host":{"name":"WS01"}}`+"\n"+`{"_id":"a2","host":{"name":"WS02"}}`+"\n" {
		t.Errorf("records:\n%s", out)
	}
	if !strings.Contains(errOut, "warning: ") || !strings.Contains(errOut, "node gone") || !strings.Contains(errOut, "1 warning(s)") {
		t.Errorf("the failed shard is not reported: %s", errOut)
	}
	// A page shorter than the page size is the last: no second search.
	want := []string{"POST /logs-hunch/_pit", "POST /_search", "DELETE /_pit"}
	if strings.Join(es.seen, "|") != strings.Join(want, "|") {
		t.Errorf("requests %v, want %v", es.seen, want)
	}
}

func TestUploadElasticReportsRefusedRecords(t *testing.T) {
	es, cfg := esFixture(t)
	failed := filepath.Join(t.TempDir(), "failed.ndjson")
	var in strings.Builder
	for i := 1; i <= 5; i++ {
		in.WriteString(`{"n":` + string(rune('0'+i)) + `,"host":"WS0` + string(rune('0'+i)) + `"}` + "\n")
	}
	code, out, errOut := runHunchEnv(t, esKey(), in.String(), "upload", "--config", cfg, "-c", "es", "--failed", failed, "-o", "ndjson")
	if code != ExitPartial {
		t.Fatalf("exit %d, want %d: %s", code, ExitPartial, errOut)
	}
	if out != `{"connection":"es","sent":3,"failed":2}`+"\n" {
		t.Errorf("summary %q", out)
	}
	for _, want := range []string{"not uploaded: record 2: ", "not uploaded: record 4: ", "failed to parse field [n]", "2 of 5 record(s) refused by es"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("no %q in stderr:\n%s", want, errOut)
		}
	}
	if len(es.bulk) != 5 || es.bulk[2] != `{"n":3,"host":"WS03"}` {
		t.Errorf("documents sent: %q", es.bulk)
	}
	got, err := os.ReadFile(failed)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"n":2,"host":"WS02"}`+"\n"+`{"n":4,"host":"WS04"}`+"\n" {
		t.Errorf("--failed holds %q", got)
	}
}

func TestUploadRefusals(t *testing.T) {
	_, cfg := esFixture(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"upload", "--config", cfg}, ExitUsage, "--connection is required (configured: db, es)"},
		{[]string{"upload", "--config", cfg, "-c", "nope"}, ExitUsage, `no connection "nope"`},
		{[]string{"upload", "--config", cfg, "-c", "db"}, ExitUsage, "kind sqlite cannot receive uploads"},
	} {
		code, _, errOut := runHunchEnv(t, esKey(), "", tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %q, want %d %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	code, _, errOut := runHunchEnv(t, map[string]string{"HUNCH_TEST_ES_KEY": "wrong:key"}, `{"n":1}`+"\n", "upload", "--config", cfg, "-c", "es")
	if code != ExitFailure || !strings.Contains(errOut, "stopped after 0 record(s) sent") {
		t.Errorf("auth failure: exit %d %s", code, errOut)
	}
}

func TestVerbsReadEVTX(t *testing.T) {
	path := testcorpus.Path(t, "logs/evtx/DeepBlueCLI__powersploit-security.evtx")
	code, out, errOut := runHunch(t, "", "extract", "--unpack", "-f", "CommandLine", "--types", "url", "-o", "csv", "--columns", "record,value", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The file's two Empire launchers, each an -Enc command whose decoded script names its C2.
	if out != "record,value\n11,http://192.168.198.149:8080/index.asp\n22,http://192.168.198.149:8082/index.asp\n" {
		t.Errorf("urls:\n%s", out)
	}
	// The same file renamed is still recognised by its first bytes.
	renamed := filepath.Join(t.TempDir(), "security.log")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(renamed, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runHunch(t, "", "unpack", "-f", "CommandLine", "-o", "ndjson", "--columns", "record,encoding", renamed)
	if code != ExitOK || !strings.Contains(out, `{"record":11,"encoding":"base64>utf16le"}`) {
		t.Errorf("renamed: exit %d\n%s", code, out)
	}
}

// TestSIEMDocExample keeps docs/siem.md honest: its configuration example loads, and every
// connection in it builds its source and uploader (no request is sent).
func TestSIEMDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/siem.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml example in docs/siem.md")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "hunch.yaml")
	if err := os.WriteFile(path, []byte(example), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"SPLUNK_TOKEN": "t", "SPLUNK_HEC_TOKEN": "h", "AZURE_CLIENT_SECRET": "s", "ES_API_KEY": "id:k", "HUNCH_WAREHOUSE_DSN": "postgres://u@127.0.0.1/db"}
	cfg, err := config.Load(path, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	e := &env{cfg: cfg, getenv: func(k string) string { return vars[k] }, stderr: io.Discard}
	kinds := map[string]bool{}
	for name, c := range cfg.SIEM.Connections {
		kinds[c.Kind] = true
		if c.Kind == "sqlite" || c.Kind == "postgres" { // these open the database at once
			var sc siemsql.Config
			if err := c.Decode(&sc); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if _, err := e.siemSource(name); err != nil {
			t.Errorf("%s source: %v", name, err)
		}
		_, canUpload := siemUploaderKinds()[c.Kind]
		if _, err := e.siemUploader(name); (err == nil) != canUpload {
			t.Errorf("%s uploader: %v (kind %s uploads: %v)", name, err, c.Kind, canUpload)
		}
	}
	for _, k := range []string{"splunk", "sentinel", "elastic", "files", "sqlite", "postgres"} {
		if !kinds[k] {
			t.Errorf("the example has no %s connection", k)
		}
	}
}
