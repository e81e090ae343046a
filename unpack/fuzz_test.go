package unpack_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hunchsec/hunch/unpack"
)

func FuzzUnpack(f *testing.F) {
	f.Add("powershell.exe -NoP -W Hidden -enc " + b64(utf16le(script)))
	f.Add("x " + b64(gz(f, []byte(script))))
	f.Add("x " + b64(zipOf(f, file{"a.txt", []byte("member text")}, file{"b.gz", gz(f, []byte("inner"))})))
	f.Add("x " + b64(tarOf(f, file{"a.txt", []byte("tar member text")})))
	f.Add("[Convert]::FromBase64String('" + b64(deflated(f, []byte(script))) + "') DeflateStream")
	f.Add("hash d41d8cd98f00b204e9800998ecf8427e hex " + "68656c6c6f20776f726c642c20746869732069732068657821")
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig AAAAAAAAAAAAAAAAAAAAAAAA")
	small, err := unpack.New(unpack.Options{MaxBytes: 64 << 10, MaxDepth: 3, MaxMembers: 4, MaxRatio: 10, MinLen: 8})
	if err != nil {
		f.Fatal(err)
	}
	def, _ := unpack.New(unpack.DefaultOptions())
	f.Fuzz(func(t *testing.T, in string) {
		for _, u := range []*unpack.Unpacker{def, small} {
			checkInvariants(t, u.Options(), in, u.Unpack(in))
		}
	})
}

// checkInvariants verifies the structural promises of a Result.
func checkInvariants(t *testing.T, o unpack.Options, in string, r unpack.Result) {
	t.Helper()
	var total int64
	for i, b := range r.Blobs {
		if b.Index != i {
			t.Fatalf("blob %d has Index %d", i, b.Index)
		}
		if b.Parent < -1 || b.Parent >= i {
			t.Fatalf("blob %d has Parent %d", i, b.Parent)
		}
		if b.Depth < 1 || b.Depth > o.MaxDepth {
			t.Fatalf("blob %d has Depth %d (max %d)", i, b.Depth, o.MaxDepth)
		}
		parentText := in
		if b.Parent >= 0 {
			p := r.Blobs[b.Parent]
			if b.Depth != p.Depth+1 {
				t.Fatalf("blob %d depth %d under a parent of depth %d", i, b.Depth, p.Depth)
			}
			parentText = p.Text
			if b.Member != "" && p.Kind != "zip" && p.Kind != "tar" {
				t.Fatalf("member blob %d under a %s", i, p.Kind)
			}
		} else if b.Depth != 1 {
			t.Fatalf("top-level blob %d at depth %d", i, b.Depth)
		}
		if b.Start < 0 || b.End < b.Start || b.End > len(parentText) {
			t.Fatalf("blob %d span %d..%d outside its parent's %d bytes", i, b.Start, b.End, len(parentText))
		}
		if len(b.Chain) == 0 || b.Kind == "" {
			t.Fatalf("blob %d without chain or kind: %+v", i, b)
		}
		if b.Kind != "text" && b.Text != "" {
			t.Fatalf("blob %d of kind %s has text", i, b.Kind)
		}
		if !utf8.ValidString(b.Text) || strings.IndexByte(b.Text, 0) >= 0 {
			t.Fatalf("blob %d text is not UTF-8 without NULs: %q", i, b.Text)
		}
		total += int64(b.Size)
	}
	if total > o.MaxBytes {
		t.Fatalf("decoded %d bytes, budget %d", total, o.MaxBytes)
	}
	if len(r.Blobs) == 0 && r.FullDecoded != in {
		t.Fatalf("FullDecoded changed without blobs")
	}
}
