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
		n := r.IntN(40)
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
