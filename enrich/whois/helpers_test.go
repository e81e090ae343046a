package whois

import (
	"bufio"
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

// reply is what a fake server answers on one path.
type reply struct {
	status int
	file   string            // testdata/rdap file, placeholders expanded
	body   string            // used when file is empty
	header map[string]string // extra response headers
}

// fakeServer is one RDAP server or the bootstrap server, answering from a path → reply map
// and recording the requests it gets.
type fakeServer struct {
	*httptest.Server
	mu      sync.Mutex
	routes  map[string]reply
	handler http.HandlerFunc // when set, answers everything instead of routes
	reqs    []string         // request paths in order
	accepts []string         // Accept headers in order
	env     *env
}

func (s *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.reqs = append(s.reqs, r.URL.Path)
	s.accepts = append(s.accepts, r.Header.Get("Accept"))
	rep, ok := s.routes[r.URL.Path]
	h := s.handler
	s.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	if !ok {
		rep = reply{status: http.StatusNotFound, file: "rdap/error_404.json"}
	}
	body := rep.body
	if rep.file != "" {
		body = s.env.load(rep.file)
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/rdap+json")
	}
	if rep.status == 0 {
		rep.status = http.StatusOK
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write([]byte(body))
}

func (s *fakeServer) set(path string, r reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[path] = r
}

func (s *fakeServer) setHandler(h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handler = h
}

func (s *fakeServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reqs...)
}

// env is a set of fake registries behind a fake IANA bootstrap, plus a fake Team Cymru.
type env struct {
	t                                              testing.TB
	boot, verisign, markmonitor, arin, ripe, apnic *fakeServer
	pir, nominet                                   *fakeServer
	cymru                                          *fakeCymru
	clock                                          *fakeClock
	placeholders                                   *strings.Replacer
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, clock: &fakeClock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}}
	mk := func() *fakeServer {
		s := &fakeServer{routes: map[string]reply{}, env: e}
		s.Server = httptest.NewServer(s)
		t.Cleanup(s.Close)
		return s
	}
	e.boot, e.verisign, e.markmonitor, e.arin, e.ripe, e.apnic, e.pir, e.nominet = mk(), mk(), mk(), mk(), mk(), mk(), mk(), mk()
	e.placeholders = strings.NewReplacer(
		"{{VERISIGN}}", e.verisign.URL, "{{MARKMONITOR}}", e.markmonitor.URL, "{{ARIN}}", e.arin.URL,
		"{{RIPE}}", e.ripe.URL, "{{APNIC}}", e.apnic.URL, "{{PIR}}", e.pir.URL, "{{NOMINET}}", e.nominet.URL)
	for _, f := range []string{"dns.json", "ipv4.json", "ipv6.json", "asn.json"} {
		e.boot.set("/rdap/"+f, reply{file: "bootstrap/" + f, header: map[string]string{"Content-Type": "application/json"}})
	}
	e.verisign.set("/com/v1/domain/google.com", reply{file: "rdap/verisign_domain_google.com.json"})
	e.markmonitor.set("/rdap/domain/GOOGLE.COM", reply{file: "rdap/markmonitor_domain_google.com.json"})
	e.arin.set("/registry/ip/8.8.8.8", reply{file: "rdap/arin_ip_8.8.8.8.json"})
	e.arin.set("/registry/ip/2001:4860:4860::8888", reply{file: "rdap/arin_ip_2001-4860.json"})
	e.arin.set("/registry/autnum/15169", reply{file: "rdap/arin_autnum_15169.json"})
	// ARIN refers a RIPE address to RIPE with a redirect, as rdap.arin.net does.
	e.arin.set("/registry/ip/193.0.6.139", reply{status: http.StatusMovedPermanently,
		header: map[string]string{"Location": e.ripe.URL + "/ip/193.0.6.139"}})
	e.ripe.set("/ip/193.0.6.139", reply{file: "rdap/ripe_ip_193.0.6.139.json"})
	e.cymru = newFakeCymru(t, func(ips []string) string { return readFile(t, "cymru/bulk_verbose.txt") })
	return e
}

// options returns Options pointing at the fakes.
func (e *env) options() Options {
	return Options{
		BootstrapURL: e.boot.URL + "/rdap/",
		CymruAddr:    e.cymru.addr,
		Now:          e.clock.now,
		Timeout:      10 * time.Second,
	}
}

func (e *env) load(name string) string {
	return e.placeholders.Replace(readFile(e.t, name))
}

func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeCymru is a TCP listener speaking Team Cymru's bulk protocol: it reads lines up to
// "end", records them, and writes what answer returns for the queried addresses.
type fakeCymru struct {
	addr   string
	mu     sync.Mutex
	conns  int
	lines  [][]string // per connection, the request lines
	answer func(ips []string) string
	// stall, when set, makes the server read the request and then send nothing until the
	// client goes away.
	stall bool
}

func newFakeCymru(t testing.TB, answer func(ips []string) string) *fakeCymru {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeCymru{addr: ln.Addr().String(), answer: answer}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				f.serve(c)
			}()
		}
	}()
	return f
}

func (f *fakeCymru) serve(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	sc := bufio.NewScanner(c)
	var lines, ips []string
	for sc.Scan() {
		l := sc.Text()
		lines = append(lines, l)
		if l == "end" {
			break
		}
		if l != "begin" && l != "verbose" {
			ips = append(ips, l)
		}
	}
	f.mu.Lock()
	f.conns++
	f.lines = append(f.lines, lines)
	stall, answer := f.stall, f.answer
	f.mu.Unlock()
	if stall {
		var b [1]byte
		_, _ = c.Read(b[:]) // returns when the client closes
		return
	}
	_, _ = c.Write([]byte(answer(ips)))
}

func (f *fakeCymru) requests() (int, [][]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns, append([][]string(nil), f.lines...)
}
