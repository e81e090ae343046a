package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// RequestIDHeader carries the request id: taken from the request when it is a plausible id,
// made otherwise, and always sent back.
const RequestIDHeader = "X-Request-Id"

// requestInfo travels in a request's context so that handlers can add to the access log.
type requestInfo struct {
	id     string
	userID atomic.Int64
}

type ctxKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(ctxKey{}).(*requestInfo)
	return ri
}

// RequestID returns the id of the request ctx belongs to, or "" outside the server.
func RequestID(ctx context.Context) string {
	if ri := infoFrom(ctx); ri != nil {
		return ri.id
	}
	return ""
}

// SetUserID records, for the access log, the id of the user the request authenticated as.
// Outside the server it does nothing.
func SetUserID(ctx context.Context, id int64) {
	if ri := infoFrom(ctx); ri != nil {
		ri.userID.Store(id)
	}
}

// middleware wraps h, outermost first: request id, security headers, access log, panic
// recovery, body limit.
func (s *Server) middleware(h http.Handler) http.Handler {
	h = bodyLimit(h, s.cfg.MaxBodyBytes)
	h = recoverPanics(h, s.log)
	h = accessLog(h, s.log)
	h = securityHeaders(h)
	return requestID(h)
}

func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		ri := &requestInfo{id: id}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, ri)))
	})
}

// validRequestID accepts ids a proxy may have set: 1 to 64 characters of [A-Za-z0-9._-], so that
// nothing odd reaches the logs.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail (Go 1.24+)
	return hex.EncodeToString(b[:])
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status and counts the bytes of a response. It passes Flush on and
// unwraps for http.ResponseController, so that streaming answers stream.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (sw *statusWriter) WriteHeader(code int) {
	if sw.status == 0 && code >= 200 {
		sw.status = code
	}
	sw.ResponseWriter.WriteHeader(code)
}

func (sw *statusWriter) Write(p []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	n, err := sw.ResponseWriter.Write(p)
	sw.bytes += int64(n)
	return n, err
}

func (sw *statusWriter) Flush() {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	_ = http.NewResponseController(sw.ResponseWriter).Flush()
}

func (sw *statusWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }

func accessLog(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			status := sw.status
			if status == 0 {
				// The handler wrote nothing (or panicked past recovery): net/http sends 200 or
				// drops the connection; record what the client most likely saw.
				status = http.StatusOK
			}
			path, query := redactURL(r.URL)
			attrs := []slog.Attr{
				slog.String("request_id", RequestID(r.Context())),
				slog.String("method", r.Method),
				slog.String("path", path),
			}
			if query != "" {
				attrs = append(attrs, slog.String("query", query))
			}
			attrs = append(attrs,
				slog.Int("status", status),
				slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("remote", r.RemoteAddr),
			)
			if ri := infoFrom(r.Context()); ri != nil && ri.userID.Load() != 0 {
				attrs = append(attrs, slog.Int64("user_id", ri.userID.Load()))
			}
			log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// sensitiveName reports whether a query parameter or CakePHP named parameter (name:value in the
// path) may carry a secret, by its name.
func sensitiveName(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"key", "token", "auth", "pass", "secret", "signature", "session"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// redactURL returns u's path and query for the log, with the values of parameters that may
// carry secrets replaced by REDACTED: query parameters, and CakePHP named parameters in the
// path (MISP's legacy apikey:…).
func redactURL(u *url.URL) (path, query string) {
	path = u.EscapedPath()
	if strings.Contains(path, ":") {
		segs := strings.Split(path, "/")
		for i, s := range segs {
			if name, _, ok := strings.Cut(s, ":"); ok && sensitiveName(name) {
				segs[i] = name + ":REDACTED"
			}
		}
		path = strings.Join(segs, "/")
	}
	if u.RawQuery == "" {
		return path, ""
	}
	parts := strings.Split(u.RawQuery, "&")
	for i, p := range parts {
		name, _, _ := strings.Cut(p, "=")
		if dec, err := url.QueryUnescape(name); err == nil {
			name = dec
		}
		if sensitiveName(name) {
			parts[i] = url.QueryEscape(name) + "=REDACTED"
		}
	}
	return path, strings.Join(parts, "&")
}

func recoverPanics(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw, _ := w.(*statusWriter)
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { //nolint:errorlint // net/http compares it the same way
				panic(v)
			}
			log.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
				slog.String("request_id", RequestID(r.Context())),
				slog.String("panic", fmt.Sprint(v)),
				slog.String("stack", string(debug.Stack())))
			if sw != nil && sw.status != 0 {
				// The answer has begun: all that is left is to cut it short.
				panic(http.ErrAbortHandler)
			}
			WriteError(w, r, http.StatusInternalServerError, "An Internal Error Has Occurred.")
		}()
		next.ServeHTTP(w, r)
	})
}

func bodyLimit(next http.Handler, max int64) http.Handler {
	if max <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			w.Header().Set("Connection", "close")
			WriteError(w, r, http.StatusRequestEntityTooLarge, tooLargeMessage(max))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

func tooLargeMessage(max int64) string {
	return fmt.Sprintf("Request body too large: the limit is %d bytes.", max)
}

// IsBodyTooLarge reports whether err comes from reading a request body past the server's limit;
// a handler answers it with 413 (a body that announced its size was refused before the handler
// ran).
func IsBodyTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// phpEscaper is PHP's htmlspecialchars with ENT_QUOTES, which CakePHP's h() applies.
var phpEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#039;")

// WriteError answers with MISP's error shape, {"name": message, "message": message, "url": path},
// and the given status, escaped as CakePHP's error renderer escapes it (PyMISP and MISP's own
// clients read these fields). The url is the request path without its query string, which may
// carry secrets.
func WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	m := phpEscaper.Replace(message)
	_ = enc.Encode(struct {
		Name    string `json:"name"`
		Message string `json:"message"`
		URL     string `json:"url"`
	}{m, m, phpEscaper.Replace(r.URL.EscapedPath())})
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
