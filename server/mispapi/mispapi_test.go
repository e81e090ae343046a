package mispapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/server"
)

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeBody(t *testing.T) {
	const limit = 100
	payload := []byte(strings.Repeat("a", limit))
	valid := gzipped(t, payload)
	tests := []struct {
		name     string
		encoding string
		body     []byte
		wantErr  string // error message at decodeBody, "" for none
		readErr  string // "too large", "corrupt", or "" when the body reads back as want
		want     []byte
	}{
		{name: "plain", body: []byte("plain"), want: []byte("plain")},
		{name: "gzip at the limit", encoding: "gzip", body: valid, want: payload},
		{name: "gzip past the limit", encoding: "gzip", body: gzipped(t, append(payload, 'b')), readErr: "too large"},
		{name: "gzip bomb", encoding: "gzip", body: gzipped(t, make([]byte, 10<<20)), readErr: "too large"},
		{name: "truncated gzip", encoding: "gzip", body: valid[:len(valid)-6], readErr: "corrupt"},
		{name: "bad checksum", encoding: "gzip", body: append(append([]byte{}, valid[:len(valid)-8]...), 0, 0, 0, 0, 100, 0, 0, 0),
			readErr: "corrupt"},
		{name: "not gzip", encoding: "gzip", body: []byte("plain"), wantErr: "Invalid compressed data."},
		{name: "empty gzip", encoding: "gzip", wantErr: "Request data should be gzip encoded, but request is empty."},
		{name: "brotli", encoding: "br", body: []byte("x"), wantErr: "This server doesn't support brotli compressed requests."},
		{name: "upper case is not gzip", encoding: "GZIP", body: valid, wantErr: "Unsupported content encoding 'GZIP'."},
	}
	auth, _ := newTestAuth(t)
	h := New(Deps{Auth: auth, MaxDecodedBodyBytes: limit}).(*handler)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/x", bytes.NewReader(tc.body))
			if tc.encoding != "" {
				req.Header.Set("Content-Encoding", tc.encoding)
			}
			err := h.decodeBody(req)
			if tc.wantErr != "" {
				var ae *apiError
				if !errors.As(err, &ae) || ae.message != tc.wantErr || ae.status != http.StatusBadRequest {
					t.Fatalf("error %v, want 400 %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(req.Body)
			_ = req.Body.Close()
			var mbe *http.MaxBytesError
			var ae *apiError
			switch tc.readErr {
			case "too large":
				if !errors.As(err, &mbe) || mbe.Limit != limit {
					t.Fatalf("read error %v, want the limit", err)
				}
			case "corrupt":
				if !errors.As(err, &ae) || ae.message != "Invalid compressed data." {
					t.Fatalf("read error %v, want invalid compressed data", err)
				}
			default:
				if err != nil || !bytes.Equal(got, tc.want) {
					t.Fatalf("read %q, %v", got, err)
				}
				if req.Header.Get("Content-Encoding") != "" {
					t.Error("Content-Encoding left on a decoded body")
				}
			}
		})
	}
}

func TestWriteErr(t *testing.T) {
	auth, _ := newTestAuth(t)
	var logs bytes.Buffer
	h := New(Deps{Auth: auth, Logger: slog.New(slog.NewTextHandler(&logs, nil))}).(*handler)
	tests := []struct {
		err    error
		status int
		msg    string
	}{
		{ErrBadKey, 403, "Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header."},
		{ErrUserDisabled, 403, MsgUserDisabled},
		{badRequest("Invalid compressed data."), 400, "Invalid compressed data."},
		{&http.MaxBytesError{Limit: 10}, 413, "Request body too large: the limit is 10 bytes."},
		{errors.New("disk on fire"), 500, "An Internal Error Has Occurred."},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		h.writeErr(rec, httptest.NewRequest("GET", "/p", nil), tc.err)
		var e map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != tc.status || e["message"] != tc.msg {
			t.Errorf("%v: %d %s", tc.err, rec.Code, rec.Body)
		}
	}
	if !strings.Contains(logs.String(), "disk on fire") || strings.Count(logs.String(), "\n") != 1 {
		t.Errorf("only the internal error is logged, with its cause:\n%s", logs.String())
	}
}

// lockedBuffer is a log sink shared with the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestOverTCP runs PyMISP's handshake against the whole stack, server and API, on a real
// loopback socket.
func TestOverTCP(t *testing.T) {
	auth, _ := newTestAuth(t)
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	srv, err := server.New(server.Config{MaxBodyBytes: 1 << 10}, New(Deps{Auth: auth, Logger: logger}), logger)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	do := func(method, path, key string, body io.Reader, encoding string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, body)
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range pymispHeaders(key) {
			req.Header.Set(kv[0], kv[1])
		}
		if encoding != "" {
			req.Header.Set("Content-Encoding", encoding)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}

	for _, path := range []string{"/servers/getVersion", "/users/view/me", "/attributes/describeTypes.json"} {
		resp, body := do("GET", path, keyAdmin, nil, "")
		if resp.StatusCode != 200 || !json.Valid(body) {
			t.Errorf("%s: %d %.100s", path, resp.StatusCode, body)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get(server.RequestIDHeader) == "" {
			t.Errorf("%s: middleware headers missing: %v", path, resp.Header)
		}
	}
	// A gzip body is taken (and ignored by getVersion).
	if resp, _ := do("POST", "/servers/getVersion", keyAdmin, bytes.NewReader(gzipped(t, []byte(`{}`))), "gzip"); resp.StatusCode != 200 {
		t.Errorf("gzip body: %d", resp.StatusCode)
	}
	// The server's body limit answers in MISP's shape before authentication is even tried.
	resp, body := do("POST", "/events/add", keyAdmin, strings.NewReader(strings.Repeat("x", 2<<10)), "")
	if resp.StatusCode != 413 || !strings.Contains(string(body), `"message":"Request body too large: the limit is 1024 bytes."`) {
		t.Errorf("large body: %d %s", resp.StatusCode, body)
	}
	if resp, _ := do("GET", "/health", "", nil, ""); resp.StatusCode != 200 {
		t.Errorf("health without a key: %d", resp.StatusCode)
	}
	if resp, _ := do("GET", "/servers/getVersion", "", nil, ""); resp.StatusCode != 403 {
		t.Errorf("no key: %d", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
	if strings.Contains(logs.String(), keyAdmin) || strings.Contains(logs.String(), keyAdmin[4:36]) {
		t.Fatal("an API key reached the log")
	}
	var withUser, requests int
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if m["msg"] != "request" {
			continue
		}
		requests++
		if m["user_id"] == float64(1) {
			withUser++
		}
	}
	if requests != 7 || withUser != 4 {
		t.Errorf("%d requests logged, %d with the user id; want 7 and 4:\n%s", requests, withUser, logs)
	}
}
