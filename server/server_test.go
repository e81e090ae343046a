package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log sink the server's goroutines may write to while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// records decodes the JSON log lines whose msg is msg.
func (b *syncBuffer) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func newTestServer(t *testing.T, cfg Config, h http.Handler) (*Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	s, err := New(cfg, h, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

// mispError decodes MISP's error shape and checks it has exactly name, message and url.
func mispError(t *testing.T, body []byte) (name, message, url string) {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("error body %q is not MISP's shape: %v", body, err)
	}
	if len(m) != 3 {
		t.Fatalf("error body %q: want exactly name, message, url", body)
	}
	return m["name"], m["message"], m["url"]
}

func testHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		SetUserID(r.Context(), 42)
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("/anon/", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "anon")
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	})
	mux.HandleFunc("/panic-late", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "partial")
		panic("late boom")
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if IsBodyTooLarge(err) {
			WriteError(w, r, http.StatusRequestEntityTooLarge, "too large")
			return
		}
		if err != nil {
			WriteError(w, r, http.StatusBadRequest, err.Error())
			return
		}
		fmt.Fprintf(w, "%d", n)
	})
	mux.HandleFunc("/id", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, RequestID(r.Context()))
	})
	return mux
}

func TestHandler(t *testing.T) {
	big := strings.Repeat("x", 2048)
	tests := []struct {
		name       string
		method     string
		target     string
		body       io.Reader
		chunked    bool
		header     map[string]string
		wantStatus int
		wantBody   string // exact body, or "" to skip
		wantError  string // MISP error message, or "" when no error is expected
	}{
		{name: "health", method: "GET", target: "/health", wantStatus: 200, wantBody: `{"status":"ok"}`},
		{name: "health head", method: "HEAD", target: "/health", wantStatus: 200, wantBody: ""},
		{name: "health wrong method", method: "POST", target: "/health", wantStatus: 405,
			wantError: "This function can only be accessed via GET requests."},
		{name: "passes on", method: "GET", target: "/ok", wantStatus: 200, wantBody: "ok"},
		{name: "panic", method: "GET", target: "/panic", wantStatus: 500, wantError: "An Internal Error Has Occurred."},
		{name: "declared body too large", method: "POST", target: "/echo", body: strings.NewReader(big),
			wantStatus: 413, wantError: "Request body too large: the limit is 1024 bytes."},
		{name: "chunked body too large", method: "POST", target: "/echo", body: strings.NewReader(big), chunked: true,
			wantStatus: 413, wantError: "too large"},
		{name: "body at limit", method: "POST", target: "/echo", body: strings.NewReader(big[:1024]),
			wantStatus: 200, wantBody: "1024"},
		{name: "request id kept", method: "GET", target: "/id", header: map[string]string{RequestIDHeader: "abc-123.X_y"},
			wantStatus: 200, wantBody: "abc-123.X_y"},
	}
	s, _ := newTestServer(t, Config{MaxBodyBytes: 1024}, testHandler())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, tc.body)
			if tc.chunked {
				req.ContentLength = -1
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.srv.Handler.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d (body %q)", rec.Code, tc.wantStatus, rec.Body)
			}
			for k, want := range map[string]string{
				"Content-Security-Policy": "default-src 'self'; frame-ancestors 'self'",
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
			} {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if !validRequestID(rec.Header().Get(RequestIDHeader)) {
				t.Errorf("no request id in %v", rec.Header())
			}
			if tc.wantError != "" {
				name, msg, url := mispError(t, rec.Body.Bytes())
				if name != tc.wantError || msg != tc.wantError || url != tc.target {
					t.Errorf("error %q/%q/%q, want %q at %q", name, msg, url, tc.wantError, tc.target)
				}
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("error content type %q", ct)
				}
				return
			}
			if tc.wantBody != "" || tc.method == "HEAD" {
				if rec.Body.String() != tc.wantBody {
					t.Errorf("body %q, want %q", rec.Body, tc.wantBody)
				}
			}
		})
	}
}

func TestRequestIDMade(t *testing.T) {
	s, _ := newTestServer(t, Config{}, testHandler())
	seen := map[string]bool{}
	for _, given := range []string{"", "has space", strings.Repeat("a", 65), "semi;colon", "ünï"} {
		req := httptest.NewRequest("GET", "/id", nil)
		if given != "" {
			req.Header.Set(RequestIDHeader, given)
		}
		rec := httptest.NewRecorder()
		s.srv.Handler.ServeHTTP(rec, req)
		id := rec.Body.String()
		if id == given || !validRequestID(id) || rec.Header().Get(RequestIDHeader) != id || seen[id] {
			t.Errorf("given %q: made id %q (header %q)", given, id, rec.Header().Get(RequestIDHeader))
		}
		seen[id] = true
	}
}

func TestAccessLog(t *testing.T) {
	s, logs := newTestServer(t, Config{}, testHandler())
	const key = "SecretKey0SecretKey0SecretKey0SecretKey0"
	for _, target := range []string{"/ok?apikey=" + key + "&limit=5", "/anon/apikey:" + key, "/panic", "/panic-late"} {
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Set("Authorization", key)
		req.Header.Set("X-MISP-AUTH", key)
		rec := httptest.NewRecorder()
		func() {
			defer func() {
				if v := recover(); v != nil && v != http.ErrAbortHandler {
					t.Errorf("%s: panic %v escaped", target, v)
				}
			}()
			s.srv.Handler.ServeHTTP(rec, req)
		}()
	}
	if strings.Contains(logs.String(), key) || strings.Contains(logs.String(), "SecretKey0") {
		t.Fatalf("the key reached the log:\n%s", logs)
	}
	recs := logs.records(t, "request")
	if len(recs) != 4 {
		t.Fatalf("%d access log records, want 4:\n%s", len(recs), logs)
	}
	want := []struct {
		path, query string
		status      float64
		user        any
	}{
		{"/ok", "apikey=REDACTED&limit=5", 200, float64(42)},
		{"/anon/apikey:REDACTED", "", 200, nil},
		{"/panic", "", 500, nil},
		{"/panic-late", "", 200, nil},
	}
	for i, w := range want {
		r := recs[i]
		if r["method"] != "GET" || r["path"] != w.path || r["status"] != w.status || r["user_id"] != w.user {
			t.Errorf("record %d = %v, want path %q status %v user %v", i, r, w.path, w.status, w.user)
		}
		if q, _ := r["query"].(string); q != w.query {
			t.Errorf("record %d query %q, want %q", i, q, w.query)
		}
		for _, k := range []string{"request_id", "bytes", "duration", "remote"} {
			if _, ok := r[k]; !ok {
				t.Errorf("record %d lacks %s: %v", i, k, r)
			}
		}
	}
	if recs[0]["bytes"] != float64(2) {
		t.Errorf("bytes %v, want 2", recs[0]["bytes"])
	}
	if n := len(logs.records(t, "panic serving request")); n != 2 {
		t.Errorf("%d panics logged, want 2", n)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ raw, path, query string }{
		{"/events/index", "/events/index", ""},
		{"/events/index?limit=5&page=2", "/events/index", "limit=5&page=2"},
		{"/x?token=abc&Auth_Key=def&q=1", "/x", "token=REDACTED&Auth_Key=REDACTED&q=1"},
		{"/x?password", "/x", "password=REDACTED"},
		{"/events/view/1/apikey:abc/noSightings:1", "/events/view/1/apikey:REDACTED/noSightings:1", ""},
		{"/x?%70assword=1", "/x", "password=REDACTED"},
	}
	for _, tc := range tests {
		req := httptest.NewRequest("GET", tc.raw, nil)
		path, query := redactURL(req.URL)
		if path != tc.path || query != tc.query {
			t.Errorf("%s: got %q %q, want %q %q", tc.raw, path, query, tc.path, tc.query)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		h    http.Handler
		want string
	}{
		{"no handler", Config{}, nil, "no handler"},
		{"self-signed and files", Config{TLSSelfSigned: true, TLSCert: junk, TLSKey: junk}, http.NotFoundHandler(), "excludes"},
		{"cert without key", Config{TLSCert: junk}, http.NotFoundHandler(), "both"},
		{"key without cert", Config{TLSKey: junk}, http.NotFoundHandler(), "both"},
		{"bad files", Config{TLSCert: junk, TLSKey: junk}, http.NotFoundHandler(), "load tls certificate"},
		{"missing files", Config{TLSCert: junk + ".no", TLSKey: junk}, http.NotFoundHandler(), "load tls certificate"},
	}
	for _, tc := range tests {
		_, err := New(tc.cfg, tc.h, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.Addr != "127.0.0.1:8080" || c.MaxBodyBytes != 32<<20 || c.ShutdownTimeout != DefaultShutdownTimeout ||
		c.ReadHeaderTimeout != DefaultReadHeaderTimeout || c.WriteTimeout != DefaultWriteTimeout {
		t.Errorf("defaults %+v", c)
	}
	c = Config{MaxBodyBytes: -1, WriteTimeout: -1, Addr: "[::1]:0"}.withDefaults()
	if c.MaxBodyBytes != 0 || c.WriteTimeout != 0 || c.Addr != "[::1]:0" {
		t.Errorf("negative means none: %+v", c)
	}
}

// serve starts s on a loopback port and returns its URL, a cancel function and a channel that
// is closed when Serve has returned; *result then holds what it returned.
func serve(t *testing.T, s *Server, scheme string) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	stopped := make(chan struct{})
	go func() {
		done <- s.Serve(ctx, ln)
		close(stopped)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop")
		}
	})
	return scheme + "://" + ln.Addr().String(), cancel, done
}

func TestServeTCP(t *testing.T) {
	s, logs := newTestServer(t, Config{}, testHandler())
	url, cancel, done := serve(t, s, "http")
	resp, err := http.Get(url + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"status":"ok"}` {
		t.Fatalf("health: %d %q", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if _, err := http.Get(url + "/health"); err == nil {
		t.Error("server still answers after shutdown")
	}
	if len(logs.records(t, "listening")) != 1 || len(logs.records(t, "stopped")) != 1 {
		t.Errorf("lifecycle not logged:\n%s", logs)
	}
}

func TestRunListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s, _ := newTestServer(t, Config{Addr: ln.Addr().String()}, testHandler())
	if err := s.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("Run on a taken port: %v", err)
	}
}

func TestTLSSelfSigned(t *testing.T) {
	s, logs := newTestServer(t, Config{TLSSelfSigned: true}, testHandler())
	fp := s.CertFingerprint()
	if len(fp) != 32*3-1 {
		t.Fatalf("fingerprint %q", fp)
	}
	if recs := logs.records(t, "self-signed tls certificate"); len(recs) != 1 || recs[0]["sha256"] != fp {
		t.Fatalf("fingerprint not logged: %s", logs)
	}
	url, _, _ := serve(t, s, "https")

	// The client trusts exactly the certificate the server made, and checks the name as a
	// browser would: 127.0.0.1 must be in it.
	pool := x509.NewCertPool()
	pool.AddCert(s.tls.Certificates[0].Leaf)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	resp, err := client.Get(url + "/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("status %d tls %v", resp.StatusCode, resp.TLS)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol %s, want HTTP/2", resp.Proto)
	}
	peer := resp.TLS.PeerCertificates[0]
	if fingerprint(peer.Raw) != fp {
		t.Errorf("served certificate's fingerprint differs from the logged one")
	}
	if _, ok := peer.PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("key %T, want ECDSA", peer.PublicKey)
	}
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		if err := peer.VerifyHostname(name); err != nil {
			t.Errorf("certificate does not cover %s: %v", name, err)
		}
	}

	// A client that trusts nothing in particular refuses it.
	if _, err := (&http.Client{Transport: &http.Transport{}}).Get(url + "/health"); err == nil {
		t.Error("an untrusted self-signed certificate was accepted")
	}
}

func TestTLSFiles(t *testing.T) {
	cert, fp, err := selfSigned(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ := newTestServer(t, Config{TLSCert: certFile, TLSKey: keyFile}, testHandler())
	if s.CertFingerprint() != fp {
		t.Fatalf("fingerprint %q, want %q", s.CertFingerprint(), fp)
	}
	url, _, _ := serve(t, s, "https")
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(url + "/ok")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if sum := sha256.Sum256(resp.TLS.PeerCertificates[0].Raw); fingerprint(resp.TLS.PeerCertificates[0].Raw) != fp || sum == [32]byte{} {
		t.Error("served a different certificate")
	}
}

// slowHandler blocks each request until release is closed, after saying it started.
func slowHandler(started chan<- struct{}, release <-chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-release
		_, _ = io.WriteString(w, "finished")
	})
}

func TestGracefulShutdown(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	s, _ := newTestServer(t, Config{ShutdownTimeout: 10 * time.Second}, slowHandler(started, release))
	url, cancel, done := serve(t, s, "http")

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get(url + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{resp.StatusCode, string(b), err}
	}()
	<-started
	cancel()
	// Shutdown has begun: new connections are refused while the slow request is in flight.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still open after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Serve returned (%v) before the in-flight request finished", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	r := <-got
	if r.err != nil || r.status != 200 || r.body != "finished" {
		t.Fatalf("in-flight request: %+v", r)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestShutdownTimeout(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	s, _ := newTestServer(t, Config{ShutdownTimeout: 100 * time.Millisecond}, slowHandler(started, release))
	url, cancel, done := serve(t, s, "http")
	errc := make(chan error, 1)
	go func() {
		resp, err := http.Get(url + "/slow")
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-started
	cancel()
	err := <-done
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Serve: %v, want a deadline error", err)
	}
	if err := <-errc; err == nil {
		t.Error("the request outliving the shutdown timeout was not cut")
	}
}
