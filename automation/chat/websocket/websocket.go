// Package websocket is the small part of RFC 6455 hunch needs: a client connection (Slack's
// Socket Mode) and, for tests and local bridges, the server side of the handshake. Text and
// binary messages (fragmented or not), ping/pong and close are handled; messages are bounded.
package websocket

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultMaxMessage bounds one message (all its fragments).
const DefaultMaxMessage = 4 << 20

// Opcodes.
const (
	opContinuation = 0x0
	OpText         = 0x1
	OpBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

const guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// ErrClosed is returned by Read once the peer closed the connection.
var ErrClosed = errors.New("websocket: closed by the peer")

// Conn is one WebSocket connection.
type Conn struct {
	conn   net.Conn
	r      *bufio.Reader
	client bool // a client masks what it sends; a server must not
	mu     sync.Mutex
	// MaxMessage bounds a message; DefaultMaxMessage when zero.
	MaxMessage int
}

func accept(key string) string {
	h := sha1.Sum([]byte(key + guid))
	return base64.StdEncoding.EncodeToString(h[:])
}

// Dial opens a client connection to a ws:// or wss:// URL.
func Dial(ctx context.Context, rawURL string, tlsConfig *tls.Config) (*Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("websocket: %w", err)
	}
	host := u.Host
	var d net.Dialer
	var conn net.Conn
	switch u.Scheme {
	case "ws":
		if u.Port() == "" {
			host += ":80"
		}
		conn, err = d.DialContext(ctx, "tcp", host)
	case "wss":
		if u.Port() == "" {
			host += ":443"
		}
		cfg := tlsConfig
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		cfg = cfg.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		td := tls.Dialer{NetDialer: &d, Config: cfg}
		conn, err = td.DialContext(ctx, "tcp", host)
	default:
		return nil, fmt.Errorf("websocket: scheme %q: want ws or wss", u.Scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("websocket: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	} else {
		conn.SetDeadline(time.Now().Add(30 * time.Second))
	}
	var nonce [16]byte
	rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	path := u.RequestURI()
	req := "GET " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\nUser-Agent: hunch\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		conn.Close()
		return nil, fmt.Errorf("websocket: %w", err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("websocket: handshake: %w", err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols || !strings.EqualFold(res.Header.Get("Upgrade"), "websocket") ||
		res.Header.Get("Sec-WebSocket-Accept") != accept(key) {
		conn.Close()
		return nil, fmt.Errorf("websocket: handshake refused: %s", res.Status)
	}
	conn.SetDeadline(time.Time{})
	return &Conn{conn: conn, r: br, client: true}, nil
}

// Upgrade answers a client's handshake and returns the server side of the connection.
func Upgrade(w http.ResponseWriter, r *http.Request) (*Conn, error) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || r.Header.Get("Sec-WebSocket-Version") != "13" ||
		r.Header.Get("Sec-WebSocket-Key") == "" {
		http.Error(w, "a WebSocket handshake is expected", http.StatusBadRequest)
		return nil, errors.New("websocket: not a handshake")
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, errors.New("websocket: the connection cannot be taken over")
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return nil, err
	}
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		accept(r.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n"
	if _, err := io.WriteString(conn, resp); err != nil {
		conn.Close()
		return nil, err
	}
	return &Conn{conn: conn, r: brw.Reader}, nil
}

// Close sends a close frame and closes the connection.
func (c *Conn) Close() error {
	c.writeFrame(opClose, []byte{0x03, 0xE8}) // 1000: normal closure
	return c.conn.Close()
}

// SetReadDeadline bounds the next Read.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.conn.SetReadDeadline(t) }

// WriteText sends one text message.
func (c *Conn) WriteText(p []byte) error { return c.writeFrame(OpText, p) }

func (c *Conn) writeFrame(op byte, p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	hdr := make([]byte, 0, 14)
	hdr = append(hdr, 0x80|op)
	mask := byte(0)
	if c.client {
		mask = 0x80
	}
	switch n := len(p); {
	case n < 126:
		hdr = append(hdr, mask|byte(n))
	case n <= 0xFFFF:
		hdr = append(hdr, mask|126, byte(n>>8), byte(n))
	default:
		hdr = append(hdr, mask|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	body := p
	if c.client {
		var key [4]byte
		rand.Read(key[:])
		hdr = append(hdr, key[:]...)
		body = make([]byte, len(p))
		for i := range p {
			body[i] = p[i] ^ key[i%4]
		}
	}
	if _, err := c.conn.Write(append(hdr, body...)); err != nil {
		return fmt.Errorf("websocket: %w", err)
	}
	return nil
}

// Read returns the next text or binary message, answering pings and closes on the way.
func (c *Conn) Read() (op byte, msg []byte, err error) {
	max := c.MaxMessage
	if max <= 0 {
		max = DefaultMaxMessage
	}
	var buf []byte
	first := byte(0)
	for {
		fin, fop, payload, err := readFrame(c.r, max-len(buf), !c.client)
		if err != nil {
			return 0, nil, err
		}
		switch fop {
		case opPing:
			if err := c.writeFrame(opPong, payload); err != nil {
				return 0, nil, err
			}
			continue
		case opPong:
			continue
		case opClose:
			c.writeFrame(opClose, payload)
			c.conn.Close()
			return 0, nil, ErrClosed
		case OpText, OpBinary:
			if first != 0 {
				return 0, nil, errors.New("websocket: a new message inside a fragmented one")
			}
			first = fop
		case opContinuation:
			if first == 0 {
				return 0, nil, errors.New("websocket: a continuation without a message")
			}
		default:
			return 0, nil, fmt.Errorf("websocket: unknown opcode %d", fop)
		}
		buf = append(buf, payload...)
		if fin {
			return first, buf, nil
		}
	}
}

// readFrame reads one frame of at most max payload bytes; wantMasked is what the peer must do
// (a client masks, a server does not).
func readFrame(r io.Reader, max int, wantMasked bool) (fin bool, op byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return false, 0, nil, err
	}
	fin, op = h[0]&0x80 != 0, h[0]&0x0F
	if h[0]&0x70 != 0 {
		return false, 0, nil, errors.New("websocket: reserved bits set (no extension was agreed)")
	}
	masked := h[1]&0x80 != 0
	if masked != wantMasked {
		return false, 0, nil, fmt.Errorf("websocket: frame masked=%v, want %v", masked, wantMasked)
	}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return false, 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return false, 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if op >= opClose && (n > 125 || !fin) {
		return false, 0, nil, errors.New("websocket: a control frame longer than 125 bytes or fragmented")
	}
	if n > uint64(max) {
		return false, 0, nil, fmt.Errorf("websocket: message larger than the limit of %d bytes", max)
	}
	var key [4]byte
	if masked {
		if _, err := io.ReadFull(r, key[:]); err != nil {
			return false, 0, nil, err
		}
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return false, 0, nil, err
	}
	if masked {
		for i := range payload {
			payload[i] ^= key[i%4]
		}
	}
	return fin, op, payload, nil
}
