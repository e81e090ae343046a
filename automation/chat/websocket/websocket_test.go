package websocket

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	got := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Upgrade(w, r)
		if err != nil {
			return
		}
		defer c.Close()
		c.WriteText([]byte("hello"))
		c.WriteText(bytes.Repeat([]byte("x"), 70000)) // 64-bit length
		// a fragmented message with a ping in the middle
		c.writeFrame(opPing, []byte("p"))
		c.mu.Lock()
		c.conn.Write([]byte{0x01, 3, 'a', 'b', 'c'}) // text, not final
		c.conn.Write([]byte{0x80, 2, 'd', 'e'})      // continuation, final
		c.mu.Unlock()
		for {
			_, msg, err := c.Read()
			if err != nil {
				return
			}
			got <- string(msg)
		}
	}))
	defer srv.Close()
	c, err := Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http")+"/socket?x=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{5, 70000, 5} {
		op, msg, err := c.Read()
		if err != nil || op != OpText || len(msg) != want {
			t.Fatalf("read %d %d %v, want %d bytes", op, len(msg), err, want)
		}
	}
	if err := c.WriteText([]byte("from the client")); err != nil {
		t.Fatal(err)
	}
	if m := <-got; m != "from the client" {
		t.Errorf("server read %q", m)
	}
	c.Close()
}

func TestLimitsAndBadFrames(t *testing.T) {
	for _, c := range []struct {
		name  string
		frame []byte
		want  string
	}{
		{"too large", []byte{0x81, 126, 0x10, 0x00}, "larger than the limit"},
		{"masked from a server", []byte{0x81, 0x81, 1, 2, 3, 4, 'x'}, "masked=true"},
		{"reserved bits", []byte{0xC1, 1, 'x'}, "reserved bits"},
		{"long ping", []byte{0x89, 126, 0, 200}, "control frame"},
		{"stray continuation", []byte{0x80, 1, 'x'}, "continuation without"},
		{"unknown opcode", []byte{0x83, 0}, "unknown opcode"},
	} {
		conn := &Conn{r: bufioReader(c.frame), client: true, MaxMessage: 1024}
		if _, _, err := conn.Read(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0x81, 5, 'h', 'e', 'l', 'l', 'o'}, false)
	f.Add([]byte{0x81, 0x85, 1, 2, 3, 4, 'h', 'e', 'l', 'l', 'o'}, true)
	f.Add([]byte{0x82, 127, 0, 0, 0, 0, 0, 0, 0, 1, 'x'}, false)
	f.Fuzz(func(t *testing.T, b []byte, masked bool) {
		_, _, p, err := readFrame(bytes.NewReader(b), 1<<16, masked)
		if err == nil && len(p) > 1<<16 {
			t.Fatalf("payload of %d bytes past the limit", len(p))
		}
	})
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
