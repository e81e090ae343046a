package unpack_test

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/unpack"
)

func TestCompressionChains(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want want
	}{
		{"gzip", "x " + b64(gz(t, []byte(script))), want{"base64>gzip", "text", script}},
		{"gzip of utf-16le", "x " + b64(gz(t, utf16le(script))), want{"base64>gzip>utf16le", "text", script}},
		{"zlib", "x " + b64(zl(t, []byte(script))), want{"base64>zlib", "text", script}},
		{"gzip of zlib", "x " + b64(gz(t, zl(t, []byte(script)))), want{"base64>gzip>zlib", "text", script}},
		{"hex of gzip", "x " + hex.EncodeToString(gz(t, []byte(script))), want{"hex>gzip", "text", script}},
		{"bzip2 magic without a valid stream", "x " + b64([]byte("BZh91AY&SY\x00\x00\x00\x00garbage garbage")), want{"base64", "bzip2", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := unpack.Unpack(tt.in)
			if tt.want.kind == "bzip2" {
				if len(r.Blobs) != 1 || r.Blobs[0].Kind != "bzip2" || r.Blobs[0].Err == nil {
					t.Fatalf("want one bzip2 blob with an error, got %+v", r.Blobs)
				}
				return
			}
			checkOne(t, r, tt.want)
		})
	}
}

func TestBinaries(t *testing.T) {
	macho64 := withHeader("\xcf\xfa\xed\xfe\x07\x00\x00\x01")
	fat := withHeader("\xca\xfe\xba\xbe\x00\x00\x00\x02")
	java := withHeader("\xca\xfe\xba\xbe\x00\x00\x00\x34")
	tests := []struct {
		name string
		data []byte
		kind string
	}{
		{"pe", fakePE(), "pe"},
		{"elf", withHeader("\x7fELF\x02\x01\x01"), "elf"},
		{"mach-o 32", withHeader("\xce\xfa\xed\xfe\x07\x00\x00\x00"), "macho"},
		{"mach-o 32 big-endian", withHeader("\xfe\xed\xfa\xce"), "macho"},
		{"mach-o 64", macho64, "macho"},
		{"mach-o fat", fat, "macho"},
		{"java class", java, "javaclass"},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"), "pdf"},
		{"7z", withHeader("7z\xbc\xaf\x27\x1c"), "7z"},
		{"ole", withHeader("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "ole"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := "payload " + b64(tt.data) + " end"
			r := unpack.Unpack(in)
			if len(r.Blobs) != 1 {
				t.Fatalf("got %d blobs", len(r.Blobs))
			}
			b := r.Blobs[0]
			m, s1, s2 := md5.Sum(tt.data), sha1.Sum(tt.data), sha256.Sum256(tt.data)
			if b.Kind != tt.kind || b.Text != "" || b.Size != len(tt.data) ||
				b.MD5 != hex.EncodeToString(m[:]) || b.SHA1 != hex.EncodeToString(s1[:]) || b.SHA256 != hex.EncodeToString(s2[:]) ||
				b.Preview != hex.EncodeToString(tt.data[:32]) {
				t.Errorf("blob %+v", b)
			}
			if r.FullDecoded != in {
				t.Errorf("FullDecoded of a binary must keep the encoded text, got %q", r.FullDecoded)
			}
		})
	}
	// A PE cut before its PE header is still known by its DOS stub.
	if r := unpack.Unpack("x " + b64(fakePE()[:0x70])); len(r.Blobs) != 1 || r.Blobs[0].Kind != "pe" {
		t.Errorf("truncated PE: %+v", r.Blobs)
	}
	// Otherwise a PE only counts with its PE signature: MZ alone decodes to nothing.
	mz := fakePE()
	copy(mz[0x80:], "XX")
	if r := unpack.Unpack("x " + b64(mz)); len(r.Blobs) != 0 {
		t.Errorf("MZ without a PE header became %s", r.Blobs[0].Kind)
	}
}

func TestArchives(t *testing.T) {
	readme := "see http://198.51.100.4/readme for details"
	inner := b64([]byte("nested payload text inside a member"))
	z := zipOf(t,
		file{"readme.txt", []byte(readme)},
		file{"dir/script.ps1", []byte("$x = '" + inner + "'")},
		file{"logs.gz", gz(t, []byte("compressed member text"))},
		file{"tool.exe", fakePE()},
	)
	r := unpack.Unpack("attachment=" + b64(z))
	type row struct {
		member, chain, kind, text string
		parent, depth             int
	}
	var got []row
	for _, b := range r.Blobs {
		got = append(got, row{b.Member, b.Encoding(), b.Kind, b.Text, b.Parent, b.Depth})
		if b.Err != nil {
			t.Errorf("blob %d: %v", b.Index, b.Err)
		}
	}
	want := []row{
		{"", "base64", "zip", "", -1, 1},
		{"readme.txt", "zip", "text", readme, 0, 2},
		{"dir/script.ps1", "zip", "text", "$x = '" + inner + "'", 0, 2},
		{"", "base64", "text", "nested payload text inside a member", 2, 3},
		{"logs.gz", "zip>gzip", "text", "compressed member text", 0, 2},
		{"tool.exe", "zip", "pe", "", 0, 2},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d blobs %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("blob %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// The archive is replaced by its members' texts; the PE member adds nothing.
	wantFull := "attachment=" + readme + "\n$x = 'nested payload text inside a member'\ncompressed member text"
	if r.FullDecoded != wantFull {
		t.Errorf("FullDecoded = %q, want %q", r.FullDecoded, wantFull)
	}

	// tar.gz: base64 > gzip > tar, members decoded further.
	tgz := gz(t, tarOf(t, file{"a.txt", []byte("alpha member text")}, file{"b.bin", []byte{0, 1, 2, 3, 0xff, 0xfe, 0x80}}))
	r = unpack.Unpack("x " + b64(tgz))
	if len(r.Blobs) != 3 || r.Blobs[0].Kind != "tar" || r.Blobs[0].Encoding() != "base64>gzip" ||
		r.Blobs[1].Member != "a.txt" || r.Blobs[1].Text != "alpha member text" || r.Blobs[1].Encoding() != "tar" ||
		r.Blobs[2].Member != "b.bin" || r.Blobs[2].Kind != "binary" {
		t.Errorf("tar.gz blobs: %+v", r.Blobs)
	}
	if !strings.HasSuffix(r.FullDecoded, "alpha member text") {
		t.Errorf("FullDecoded = %q", r.FullDecoded)
	}
}

// Text that happens to start like a zlib header ("x^") stays text.
func TestZlibLookalikeText(t *testing.T) {
	text := "x^2 + y^2 = r^2 is the circle, plotted for r = 10"
	r := unpack.Unpack("eq " + b64([]byte(text)))
	if len(r.Blobs) != 1 || r.Blobs[0].Kind != "text" || r.Blobs[0].Text != text || r.Blobs[0].Err != nil {
		t.Errorf("blobs %+v", r.Blobs)
	}
}
