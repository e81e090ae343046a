package mispclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/misp"
)

func TestClientAnswers(t *testing.T) {
	const key = "0123456789012345678901234567890123456789"
	tests := []struct {
		name     string
		status   int
		body     string
		limit    int64
		wantErr  string // substring; "" for success
		garbage  bool
		transprt bool
	}{
		{name: "ok", status: 200, body: `{"version":"2.5.1","perm_sync":true,"uuid":"u"}`},
		{name: "403", status: 403, body: `{"name":"Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.","message":"Authentication failed.","url":"/servers/getVersion"}`,
			wantErr: `server "remote X": GET /servers/getVersion.json: 403 Forbidden: Authentication failed.`},
		{name: "500", status: 500, body: `<html>boom</html>`, wantErr: `500 Internal Server Error: <html>boom</html>`},
		{name: "garbage", status: 200, body: `<html>proxy</html>`, wantErr: "not the expected JSON", garbage: true},
		{name: "no version", status: 200, body: `{}`, wantErr: "no version", garbage: true},
		{name: "too large", status: 200, body: `{"version":"` + strings.Repeat("9", 100) + `"}`, limit: 64,
			wantErr: "answer larger than 64 bytes", transprt: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != key {
					t.Errorf("Authorization %q", r.Header.Get("Authorization"))
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c := &Client{Name: "remote X", BaseURL: srv.URL + "/", Key: key, HTTP: srv.Client(), MaxResponseBytes: tt.limit}
			v, err := c.Version(context.Background())
			if tt.wantErr == "" {
				if err != nil || !v.PermSync || v.Version != "2.5.1" {
					t.Fatalf("Version = %+v, %v", v, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), key) {
				t.Error("the key is in the error")
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Server != "remote X" {
				t.Fatalf("error %T does not name the server", err)
			}
			if errors.Is(err, ErrGarbage) != tt.garbage {
				t.Errorf("garbage %v, want %v", errors.Is(err, ErrGarbage), tt.garbage)
			}
			if ce.Transport() != tt.transprt {
				t.Errorf("transport %v, want %v", ce.Transport(), tt.transprt)
			}
		})
	}
}

func TestClientTimeoutAndDown(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer slow.Close()
	c := &Client{Name: "slow", BaseURL: slow.URL, Key: "k", HTTP: &http.Client{Timeout: 50 * time.Millisecond}}
	_, err := c.EventIndex(context.Background())
	var ce *Error
	if !errors.As(err, &ce) || !ce.Transport() || !strings.Contains(err.Error(), `server "slow"`) {
		t.Fatalf("timeout: %v", err)
	}
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL
	down.Close()
	c = &Client{Name: "down", BaseURL: url, Key: "k", HTTP: http.DefaultClient}
	if _, err := c.EventExists(context.Background(), "x"); !errors.As(err, &ce) || !ce.Transport() {
		t.Fatalf("down: %v", err)
	}
}

func TestPushEventPaths(t *testing.T) {
	var calls []string
	exists := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, r.Method+" "+r.URL.Path)
		switch {
		case r.Method == http.MethodHead && exists:
		case r.Method == http.MethodHead:
			w.WriteHeader(404)
		case strings.HasPrefix(r.URL.Path, "/events/add"):
			w.Header().Set("Location", "/events/7")
			w.WriteHeader(404)
			w.Write([]byte(`{"name":"Event already exists","message":"Event already exists"}`))
		case strings.HasPrefix(r.URL.Path, "/events/edit") && exists:
			w.WriteHeader(403)
			w.Write([]byte(`{"saved":false,"name":"Could not edit Event","message":"Could not edit Event","errors":"Event could not be saved: Event in the request not newer than the local copy."}`))
		default:
			w.Write([]byte(`{"Event":{"uuid":"u"}}`))
		}
	}))
	defer srv.Close()
	c := &Client{Name: "r", BaseURL: srv.URL, Key: "k", HTTP: srv.Client()}
	e := mustEvent(t)
	r, err := c.PushEvent(context.Background(), e)
	if err != nil || r != Updated {
		t.Fatalf("add answered exists: %v %v (%v)", r, err, calls)
	}
	exists = true
	r, err = c.PushEvent(context.Background(), e)
	if err != nil || r != NotNewer {
		t.Fatalf("not newer: %v %v", r, err)
	}
}

func mustEvent(t *testing.T) *misp.Event {
	t.Helper()
	return &misp.Event{UUID: "5f0e4a4c-0000-4000-8000-000000000001", Info: "x"}
}
