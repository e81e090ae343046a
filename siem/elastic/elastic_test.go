package elastic

import (
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/enrich/providers"
	"github.com/hunchsec/hunch/siem"
	"go.yaml.in/yaml/v3"
)

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no url", Config{}, "url is required"},
		{"bad url", Config{URL: "es.example.org:9200"}, "not an http(s) URL"},
		{"flavor", Config{URL: "https://h", Flavor: "solr"}, "unknown flavor"},
		{"page size high", Config{URL: "https://h", PageSize: MaxPageSize + 1}, "page_size 10001"},
		{"page size negative", Config{URL: "https://h", PageSize: -1}, "page_size -1"},
		{"both auths", Config{URL: "https://h", APIKey: "k", Username: "u", Password: "p"}, "not both"},
		{"password alone", Config{URL: "https://h", Password: "p"}, "password without username"},
		{"missing env", Config{URL: "https://h", APIKey: "env:HUNCH_NO_SUCH_KEY"}, "secret unavailable"},
		{"action", Config{URL: "https://h", Upload: UploadConfig{Action: "update"}}, "upload action"},
		{"refresh", Config{URL: "https://h", Upload: UploadConfig{Refresh: "now"}}, "upload refresh"},
		{"negative batch", Config{URL: "https://h", Upload: UploadConfig{BatchBytes: -1}}, "must not be negative"},
		{"ca file", Config{URL: "https://h", CAFile: "/nonexistent/ca.pem"}, "ca_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, func(string) string { return "" })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{URL: "https://h:9200"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := c.cfg
	if cfg.Flavor != Elasticsearch || cfg.TimeField != "@timestamp" || cfg.PageSize != 1000 || cfg.KeepAlive != "1m" ||
		cfg.Tiebreaker != "_shard_doc" || cfg.Timeout != time.Minute || cfg.MaxResponseBytes != 256<<20 {
		t.Errorf("defaults %+v", cfg)
	}
	u := cfg.Upload
	if u.Action != "create" || u.BatchRecords != 1000 || u.BatchBytes != 5<<20 || u.MaxRetries != 5 || u.RetryBackoff != 500*time.Millisecond {
		t.Errorf("upload defaults %+v", u)
	}
	if c.auth != "" {
		t.Errorf("auth %q without credentials", c.auth)
	}
	oc, _ := New(Config{URL: "https://h", Flavor: OpenSearch, Upload: UploadConfig{MaxRetries: -1}}, nil)
	if oc.cfg.Tiebreaker != "_shard_doc" || oc.cfg.Upload.MaxRetries != 0 {
		t.Errorf("opensearch tiebreaker %q, retries %d", oc.cfg.Tiebreaker, oc.cfg.Upload.MaxRetries)
	}
}

func TestAuthHeader(t *testing.T) {
	env := map[string]string{"ES_KEY": "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==", "ES_PW": "s3cret"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{APIKey: "env:ES_KEY"}, "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="},
		{Config{APIKey: "VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw"}, "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="},
		{Config{Username: "elastic", Password: providers.Secret("env:ES_PW")}, "Basic ZWxhc3RpYzpzM2NyZXQ="},
	}
	for _, tt := range tests {
		got, err := authHeader(tt.cfg, getenv)
		if err != nil || got != tt.want {
			t.Errorf("authHeader(%v) = %q, %v; want %q", tt.cfg.APIKey, got, err, tt.want)
		}
	}
}

// TestTLSVerification: certificates are verified by default, ca_file makes a private CA trusted.
func TestTLSVerification(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"columns":[{"name":"x","type":"integer"}],"values":[[1]]}`))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	defer srv.Close()
	q := siem.Query{Text: "ROW x = 1", Language: siem.ESQL}

	c, err := New(Config{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collect(t, c.Search(context.Background(), q)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("unknown CA accepted: %v", err)
	}

	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemData := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = New(Config{URL: srv.URL, CAFile: ca}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rs, err := collect(t, c.Search(context.Background(), q)); err != nil || len(rs) != 1 {
		t.Errorf("with ca_file: %d records, %v", len(rs), err)
	}

	c, err = New(Config{URL: srv.URL, InsecureSkipVerify: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collect(t, c.Search(context.Background(), q)); err != nil {
		t.Errorf("insecure_skip_verify: %v", err)
	}

	notPEM := filepath.Join(t.TempDir(), "x.pem")
	_ = os.WriteFile(notPEM, []byte("hello"), 0o600)
	if _, err := New(Config{URL: srv.URL, CAFile: notPEM}, nil); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("not a PEM file: %v", err)
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	c, err := New(Config{URL: srv.URL, InsecureSkipVerify: true, Timeout: 50 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = collect(t, c.Search(context.Background(), siem.Query{Text: "ROW x = 1", Language: siem.ESQL}))
	var ue interface{ Timeout() bool }
	if !errors.As(err, &ue) || !ue.Timeout() {
		t.Errorf("err %v, want a timeout", err)
	}
}

func TestReplyError(t *testing.T) {
	tests := []struct {
		body       string
		typ, reasn string
	}{
		{`{"error":{"type":"index_not_found_exception","reason":"no such index [x]"},"status":404}`, "index_not_found_exception", "no such index [x]"},
		{`{"error":"Unauthorized"}`, "", "Unauthorized"},
		{`Service Unavailable`, "", "Service Unavailable"},
		{`{"error":{"type":"t","reason":"r","caused_by":{"type":"c","reason":"deeper"}}}`, "t", "r (caused by c: deeper)"},
	}
	for _, tt := range tests {
		e := replyError("op", 404, []byte(tt.body))
		if e.Type != tt.typ || e.Reason != tt.reasn {
			t.Errorf("replyError(%s) = %q %q", tt.body, e.Type, e.Reason)
		}
	}
	if e := replyError("op", 500, []byte(strings.Repeat("x", 1000))); len(e.Reason) > 520 {
		t.Errorf("reason not shortened: %d bytes", len(e.Reason))
	}
}

func TestConfigYAML(t *testing.T) {
	const doc = `
url: https://es.example.org:9200
flavor: opensearch
index: logs-*
api_key: env:HUNCH_ES_API_KEY
ca_file: /etc/hunch/es-ca.pem
timeout: 90s
page_size: 500
upload:
  index: logs-hunch-default
  refresh: wait_for
  retry_backoff: 2s
`
	var cfg Config
	if err := yaml.Unmarshal([]byte(doc), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Flavor != OpenSearch || cfg.APIKey != "env:HUNCH_ES_API_KEY" || cfg.Timeout != 90*time.Second || cfg.PageSize != 500 ||
		cfg.Upload.Index != "logs-hunch-default" || cfg.Upload.Refresh != "wait_for" || cfg.Upload.RetryBackoff != 2*time.Second {
		t.Errorf("config %+v", cfg)
	}
}
