package unpack

import (
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDecodeHead compares decodeHead with encoding/base64 on runs of both alphabets.
func TestDecodeHead(t *testing.T) {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=. "
	r := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		var src [8]byte
		for i := range src {
			src[i] = chars[r.IntN(len(chars))]
		}
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			var want [6]byte
			_, err := enc.Decode(want[:], src[:])
			got, ok := decodeHead(string(src[:]), enc)
			if ok != (err == nil) || ok && got != want {
				t.Fatalf("decodeHead(%q) = %x, %v; want %x, %v", src, got, ok, want, err)
			}
		}
	}
}

// TestContextAtEveryParameter checks contextAt on every abbreviation of -EncodedCommand,
// its alias and the other contexts, in both cases, before a short argument.
func TestContextAtEveryParameter(t *testing.T) {
	type tc struct {
		prefix string
		want   context
	}
	var tests []tc
	const full = "encodedcommand"
	for n := 1; n <= len(full); n++ {
		for _, p := range []string{full[:n], strings.ToUpper(full[:n])} {
			tests = append(tests, tc{"powershell -" + p + " ", ctxEncCommand}, tc{"powershell /" + p + " '", ctxEncCommand})
		}
	}
	tests = append(tests,
		tc{"powershell -ec ", ctxEncCommand}, tc{"powershell -EC ", ctxEncCommand},
		tc{"[Convert]::FromBase64String('", ctxFromBase64}, tc{"[convert]::FROMBASE64STRING(\"", ctxFromBase64},
		tc{"Authorization: Basic ", ctxBasicAuth}, tc{"Authorization: BASIC ", ctxBasicAuth},
		tc{"powershell -encodedcommandx ", ctxNone}, tc{"powershell -NoProfile ", ctxNone}, tc{"user ", ctxNone},
	)
	for _, tt := range tests {
		text := tt.prefix + "dXNlcjpw"
		if got := contextAt(text, len(tt.prefix)); got != tt.want {
			t.Errorf("contextAt(%q) = %d, want %d", text, got, tt.want)
		}
	}
}

// TestDecodeBase64 compares decodeBase64 with encoding/base64 on strings of every length
// class, valid and not, in both alphabets.
func TestDecodeBase64(t *testing.T) {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		n := r.IntN(100)
		src := make([]byte, n)
		for i := range src {
			src[i] = chars[r.IntN(len(chars)-4)]
			if r.IntN(50) == 0 {
				src[i] = chars[len(chars)-4+r.IntN(4)] // one of + / - _
			}
		}
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			want, err := enc.DecodeString(string(src))
			got, ok := decodeBase64(make([]byte, n*3/4), string(src), enc)
			if ok != (err == nil) || ok && string(got) != string(want) {
				t.Fatalf("decodeBase64(%q) = %x, %v; want %x, %v", src, got, ok, want, err)
			}
		}
	}
}

// TestASCIIUTF16LE checks asciiUTF16LE's result and its text verdict (against isText of
// the result) on random ASCII UTF-16LE of every length.
func TestASCIIUTF16LE(t *testing.T) {
	const chars = "\x00\x00\x01\x07\x1b\t\n\r\x7f aZ09.-/\\"
	r := rand.New(rand.NewPCG(7, 8))
	for range 20000 {
		n := r.IntN(300)
		b := make([]byte, n)
		noNUL, printable := r.IntN(2) == 0, r.IntN(3) == 0
		for i := 0; i < n; i += 2 {
			b[i] = chars[r.IntN(len(chars))]
			if r.IntN(4) == 0 || noNUL && b[i] == 0 || printable && r.IntN(200) != 0 {
				b[i] = byte('a' + r.IntN(26))
			}
		}
		s, text, ok := asciiUTF16LE(b)
		if !ok {
			t.Fatalf("asciiUTF16LE(%q) refused ASCII", b)
		}
		var want []byte
		for i := 0; i+1 < n; i += 2 {
			if b[i] != 0 {
				want = append(want, b[i])
			}
		}
		if n%2 == 1 && b[n-1] >= 0x20 && b[n-1] < 0x7f {
			want = append(want, b[n-1])
		}
		if s != string(want) {
			t.Fatalf("asciiUTF16LE(%q) = %q, want %q", b, s, want)
		}
		if text != isText(s) {
			t.Fatalf("asciiUTF16LE(%q): text %v, isText(%q) %v", b, text, s, isText(s))
		}
		if len(b) > 1 {
			b[len(b)/2&^1+1] = 1 // a non-ASCII unit
			if _, _, ok := asciiUTF16LE(b); ok {
				t.Fatalf("asciiUTF16LE(%q) accepted a non-ASCII unit", b)
			}
		}
	}
}
