package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestServeFlagErrors(t *testing.T) {
	dir := t.TempDir()
	pem := filepath.Join(dir, "c.pem")
	if err := os.WriteFile(pem, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"db not postgres", []string{"--db", "mysql://root@x/db"}, 2, "must be a postgres:// or postgresql:// URL"},
		{"cert without key", []string{"--tls-cert", pem}, 2, "--tls-cert and --tls-key go together"},
		{"key without cert", []string{"--tls-key", pem}, 2, "--tls-cert and --tls-key go together"},
		{"self-signed and cert", []string{"--tls-self-signed", "--tls-cert", pem, "--tls-key", pem}, 2, "excludes"},
		{"listen without port", []string{"--listen", "localhost"}, 2, "want host:port"},
		{"bad size", []string{"--max-body", "lots"}, 2, "max-body"},
		{"zero size", []string{"--max-body", "0"}, 2, "--max-body must be positive"},
		{"log format", []string{"--log-format", "xml"}, 2, "--log-format"},
		{"stray argument", []string{"now"}, 2, "takes no arguments"},
		{"unreadable certificate", []string{"--tls-cert", pem, "--tls-key", pem, "--listen", "127.0.0.1:0"}, 1, "load tls certificate"},
		{"postgres unreachable", []string{"--db", "postgres://u:secret@127.0.0.1:1/db?connect_timeout=2"}, 1, "opening the store on postgres://u:xxxxx@127.0.0.1:1/db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runHunch(t, "", append([]string{"--data", t.TempDir(), "serve"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errs, tt.stderr) {
				t.Errorf("exit %d, want %d; stderr %q lacks %q", code, tt.code, errs, tt.stderr)
			}
			if strings.Contains(errs, "secret") {
				t.Errorf("the password shows in %q", errs)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for a server goroutine writing and a test reading.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freeAddr returns a loopback address with a port nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startServe runs `hunch serve` in this process until the returned stop is called, which returns
// its exit code; it waits for /health first.
func startServe(t *testing.T, data, addr string, extra ...string) (stderr *syncBuffer, stop func() int) {
	t.Helper()
	return startServeEnv(t, data, addr, nil, extra...)
}

// startServeEnv is startServe with environment variables.
func startServeEnv(t *testing.T, data, addr string, vars map[string]string, extra ...string) (stderr *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &syncBuffer{}
	done := make(chan int, 1)
	args := append([]string{"--data", data, "serve", "--listen", addr}, extra...)
	go func() {
		getenv := func(k string) string {
			if k == "XDG_CONFIG_HOME" {
				return data
			}
			return vars[k]
		}
		done <- run(ctx, args, strings.NewReader(""), &bytes.Buffer{}, stderr, getenv)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve exited %d before answering:\n%s", code, stderr)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not answer /health:\n%s", stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return stderr, func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(40 * time.Second):
			t.Fatal("serve did not stop")
			return -1
		}
	}
}

// whoAmI asks users/view/me with key and returns the status and the user's e-mail.
func whoAmI(t *testing.T, addr, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/users/view/me", nil)
	req.Header.Set("Authorization", key)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var me struct{ User struct{ Email string } }
	json.NewDecoder(resp.Body).Decode(&me)
	return resp.StatusCode, me.User.Email
}

var adminKeyLine = regexp40()

func regexp40() func(string) string {
	return func(s string) string {
		for _, f := range strings.Fields(s) {
			if len(f) == 40 && strings.Trim(f, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == "" {
				return f
			}
		}
		return ""
	}
}

// TestServeFirstStart starts hunch serve on an empty data directory: it makes the host
// organisation and admin and prints the admin's key once; the key works, a key made with
// `hunch user add` while the server runs works, and a second start prints no key.
func TestServeFirstStart(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	stderr, stop := startServe(t, data, addr, "--org", "ACME", "--admin-email", "root@acme.test")
	key := adminKeyLine(stderr.String())
	if key == "" {
		t.Fatalf("no admin key on stderr:\n%s", stderr)
	}
	if n := strings.Count(stderr.String(), key); n != 1 {
		t.Errorf("the admin key shows %d times", n)
	}
	if code, email := whoAmI(t, addr, key); code != 200 || email != "root@acme.test" {
		t.Errorf("admin key: %d %q", code, email)
	}
	if code, _ := whoAmI(t, addr, strings.Repeat("x", 40)); code != http.StatusForbidden && code != http.StatusUnauthorized {
		t.Errorf("a wrong key was answered %d", code)
	}
	code, out, errs := runHunch(t, "", "--data", data, "user", "add", "ana@acme.test", "--org", "ACME", "--role", "readonly")
	if code != 0 || !keyLine.MatchString(out) {
		t.Fatalf("user add: %d %q %s", code, out, errs)
	}
	if code, email := whoAmI(t, addr, strings.TrimSpace(out)); code != 200 || email != "ana@acme.test" {
		t.Errorf("new user's key: %d %q", code, email)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "msg=request") || !strings.Contains(stderr.String(), "path=/users/view/me") {
		t.Errorf("no access log:\n%s", stderr)
	}
	if strings.Count(stderr.String(), key) != 1 || strings.Contains(stderr.String(), strings.TrimSpace(out)) {
		t.Error("a key was logged")
	}

	addr = freeAddr(t)
	stderr, stop = startServe(t, data, addr, "--listen", "0.0.0.0:"+addr[strings.LastIndex(addr, ":")+1:], "--max-body", "1KiB")
	if s := stderr.String(); strings.Contains(s, "shown only now") || adminKeyLine(s) != "" {
		t.Errorf("second start printed a key:\n%s", s)
	}
	if !strings.Contains(stderr.String(), "without TLS") {
		t.Errorf("no warning for a non-loopback address without TLS:\n%s", stderr)
	}
	if code, email := whoAmI(t, addr, key); code != 200 || email != "root@acme.test" {
		t.Errorf("admin key after restart: %d %q", code, email)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/events/add", strings.NewReader(`{"Event":{"info":"`+strings.Repeat("x", 2048)+`"}}`))
	req.Header.Set("Authorization", key)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 KiB body under --max-body 1KiB: %d", resp.StatusCode)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exited %d", code)
	}

	// Imports into an instance with a host organisation give it the events; the creator stays.
	if code, _, errs := runHunch(t, "", "--data", data, "intel", "import", "../../examples/intel/phishing-wave.json"); code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}
	code, out, errs = runHunch(t, "", "--data", data, "intel", "export")
	if code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	var export struct {
		Response []struct {
			Event struct{ Org, Orgc struct{ Name string } }
		}
	}
	if err := json.Unmarshal([]byte(out), &export); err != nil || len(export.Response) != 1 {
		t.Fatalf("export: %v\n%s", err, out)
	}
	if ev := export.Response[0].Event; ev.Org.Name != "ACME" || ev.Orgc.Name != "Demo CERT" {
		t.Errorf("imported event: owner %q, creator %q; want ACME, Demo CERT", ev.Org.Name, ev.Orgc.Name)
	}
}
