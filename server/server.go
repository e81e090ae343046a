// Package server assembles hunch's HTTP server: an http.Server with timeouts and TLS (from a
// certificate or a self-signed one made at start), the middleware every request passes through
// (request id, access log, panic recovery, body limit, security headers), an unauthenticated
// /health endpoint, and graceful shutdown. The API handlers (server/mispapi) plug in as one
// http.Handler.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Defaults for the zero fields of Config.
const (
	DefaultAddr              = "127.0.0.1:8080"
	DefaultMaxBodyBytes      = 32 << 20
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 2 * time.Minute
	DefaultWriteTimeout      = 10 * time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultShutdownTimeout   = 30 * time.Second
)

// Config says where and how the server listens. Zero fields take the defaults above; a negative
// timeout or body limit means none.
type Config struct {
	// Addr is the TCP address to listen on, host:port; loopback by default so that exposing the
	// server is a decision.
	Addr string
	// TLSCert and TLSKey are PEM files of the certificate (chain) and its private key. Both or
	// neither must be set.
	TLSCert, TLSKey string
	// TLSSelfSigned makes an ECDSA certificate for localhost, 127.0.0.1 and ::1 in memory at
	// start and logs its SHA-256 fingerprint. It excludes TLSCert and TLSKey.
	TLSSelfSigned bool
	// MaxBodyBytes bounds request bodies; a larger one is answered 413.
	MaxBodyBytes int64
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are http.Server's.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// ShutdownTimeout is how long in-flight requests may take to finish once Run's context is
	// cancelled; connections still open after it are closed.
	ShutdownTimeout time.Duration
}

// withDefaults returns c with its zero fields set to the defaults and its negative ones to zero
// (no limit).
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	def := func(v *time.Duration, d time.Duration) {
		switch {
		case *v == 0:
			*v = d
		case *v < 0:
			*v = 0
		}
	}
	def(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&c.ReadTimeout, DefaultReadTimeout)
	def(&c.WriteTimeout, DefaultWriteTimeout)
	def(&c.IdleTimeout, DefaultIdleTimeout)
	def(&c.ShutdownTimeout, DefaultShutdownTimeout)
	switch {
	case c.MaxBodyBytes == 0:
		c.MaxBodyBytes = DefaultMaxBodyBytes
	case c.MaxBodyBytes < 0:
		c.MaxBodyBytes = 0
	}
	return c
}

// Server is hunch's HTTP server. Build it with New and start it with Run or Serve.
type Server struct {
	cfg         Config
	log         *slog.Logger
	srv         *http.Server
	tls         *tls.Config
	fingerprint string
}

// New builds a server that answers GET /health itself and passes every other request to h,
// through the middleware. It loads or makes the TLS certificate now, so that a bad certificate
// is reported before anything listens. A nil logger discards the logs.
func New(cfg Config, h http.Handler, logger *slog.Logger) (*Server, error) {
	if h == nil {
		return nil, errors.New("server: no handler")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, log: logger}
	switch {
	case cfg.TLSSelfSigned && (cfg.TLSCert != "" || cfg.TLSKey != ""):
		return nil, errors.New("server: a self-signed certificate excludes a certificate and key file")
	case (cfg.TLSCert == "") != (cfg.TLSKey == ""):
		return nil, errors.New("server: tls needs both a certificate file and a key file")
	case cfg.TLSSelfSigned:
		cert, fp, err := selfSigned(time.Now())
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		s.tls, s.fingerprint = tlsConfig(cert), fp
		logger.Info("self-signed tls certificate", "sha256", fp)
	case cfg.TLSCert != "":
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("server: load tls certificate: %w", err)
		}
		s.tls, s.fingerprint = tlsConfig(cert), fingerprint(cert.Certificate[0])
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", health)
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		WriteError(w, r, http.StatusMethodNotAllowed, "This function can only be accessed via GET requests.")
	})
	mux.Handle("/", h)

	s.srv = &http.Server{
		Handler:           s.middleware(mux),
		TLSConfig:         s.tls,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// CertFingerprint is the SHA-256 fingerprint of the server's TLS certificate as colon-separated
// upper-case hex (the form browsers and openssl show), or "" when the server speaks plain HTTP.
func (s *Server) CertFingerprint() string { return s.fingerprint }

// Run listens on the configured address and serves until ctx is cancelled, as Serve does.
func (s *Server) Run(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is cancelled, then shuts down: it stops accepting connections
// and waits up to the shutdown timeout for in-flight requests to finish, then closes what is
// left. It returns nil after a clean shutdown, an error when connections had to be cut or the
// listener failed. Serve closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	scheme := "http"
	if s.tls != nil {
		scheme = "https"
	}
	s.log.Info("listening", "addr", ln.Addr().String(), "scheme", scheme)

	errc := make(chan error, 1)
	go func() {
		if s.tls != nil {
			// The certificate is in TLSConfig already; ServeTLS adds HTTP/2 to it.
			errc <- s.srv.ServeTLS(ln, "", "")
			return
		}
		errc <- s.srv.Serve(ln)
	}()

	select {
	case err := <-errc:
		return fmt.Errorf("server: serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		cerr := s.srv.Close()
		return errors.Join(fmt.Errorf("server: shutdown: %w", err), cerr)
	}
	s.log.Info("stopped")
	return nil
}

func tlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
	}
}

// health answers GET /health without authentication.
func health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}
}
