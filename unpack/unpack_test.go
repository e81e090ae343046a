package unpack_test

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/hunchsec/hunch/unpack"
)

// utf16le encodes s as UTF-16LE bytes.
func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return b
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// texts returns the Text of every text blob.
func texts(r unpack.Result) []string {
	var out []string
	for _, b := range r.Blobs {
		if b.Kind == "text" {
			out = append(out, b.Text)
		}
	}
	return out
}

func TestUnpackBasic(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		chain string
		text  string
		full  string
	}{
		{"base64 std", "x=" + b64([]byte("Hello world, this is a test")), "base64", "Hello world, this is a test", "x=Hello world, this is a test"},
		{"hex", "hex " + hex.EncodeToString([]byte("hello world, this is hex!")), "hex", "hello world, this is hex!", "hex hello world, this is hex!"},
		{"powershell enc", "powershell -enc " + b64(utf16le(`echo "http://example.com"`)), "base64>utf16le", `echo "http://example.com"`, `powershell -enc echo "http://example.com"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := unpack.Unpack(tt.in)
			if len(r.Blobs) != 1 {
				t.Fatalf("got %d blobs, want 1: %+v", len(r.Blobs), r.Blobs)
			}
			b := r.Blobs[0]
			if b.Encoding() != tt.chain || b.Text != tt.text || b.Kind != "text" || b.Err != nil {
				t.Errorf("blob = %+v, want chain %q text %q", b, tt.chain, tt.text)
			}
			if r.FullDecoded != tt.full {
				t.Errorf("FullDecoded = %q, want %q", r.FullDecoded, tt.full)
			}
			if got := tt.in[b.Start:b.End]; strings.ContainsAny(got, " =") && !strings.HasSuffix(got, "=") {
				t.Errorf("span %q covers more than the blob", got)
			}
		})
	}
}
