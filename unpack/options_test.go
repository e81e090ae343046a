package unpack_test

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"testing"

	"github.com/hunchsec/hunch/internal/benchcorpus"
	"github.com/hunchsec/hunch/unpack"
)

// TestNoHashes checks that Options.NoHashes leaves the hashes and preview empty and changes
// nothing else, and that by default they are the digests and hex of the decoded bytes.
func TestNoHashes(t *testing.T) {
	pe := fakePE()
	tests := []struct {
		name string
		in   string
		data []byte // the first blob's decoded bytes
	}{
		{"text", "x=" + b64([]byte("Hello world, this is a test")), []byte("Hello world, this is a test")},
		{"powershell", "powershell -enc " + b64(utf16le(`echo "http://example.com"`)), utf16le(`echo "http://example.com"`)},
		{"binary", "x " + b64(pe), pe},
		{"gzip of binary", "x " + b64(gz(t, pe)), pe},
		{"zip", "x " + b64(zipOf(t, file{"a.ps1", []byte(script)}, file{"b.exe", pe})), zipOf(t, file{"a.ps1", []byte(script)}, file{"b.exe", pe})},
		{"nested", "powershell -enc " + b64(utf16le("iex "+b64([]byte("Write-Output 'http://203.0.113.5/x'")))), utf16le("iex " + b64([]byte("Write-Output 'http://203.0.113.5/x'")))},
	}
	plain, err := unpack.New(unpack.Options{NoHashes: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, q := unpack.Unpack(tt.in), plain.Unpack(tt.in)
			if len(r.Blobs) == 0 {
				t.Fatal("no blob")
			}
			b := r.Blobs[0]
			m, s1, s2 := md5.Sum(tt.data), sha1.Sum(tt.data), sha256.Sum256(tt.data)
			if b.MD5 != hex.EncodeToString(m[:]) || b.SHA1 != hex.EncodeToString(s1[:]) || b.SHA256 != hex.EncodeToString(s2[:]) {
				t.Errorf("hashes %s %s %s of %d bytes", b.MD5, b.SHA1, b.SHA256, len(tt.data))
			}
			wantPreview := ""
			if b.Kind != "text" {
				wantPreview = hex.EncodeToString(tt.data[:min(len(tt.data), 32)])
			}
			if b.Preview != wantPreview {
				t.Errorf("Preview = %q, want %q", b.Preview, wantPreview)
			}
			checkNoHashes(t, r, q)
		})
	}
}

// TestNoHashesBenchCorpus compares NoHashes with the default over the synthetic log corpus.
func TestNoHashesBenchCorpus(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 500
	}
	plain, err := unpack.New(unpack.Options{NoHashes: true})
	if err != nil {
		t.Fatal(err)
	}
	g := benchcorpus.New(2)
	blobs := 0
	for range n {
		line, _ := g.Line()
		r := unpack.Unpack(line)
		blobs += len(r.Blobs)
		checkNoHashes(t, r, plain.Unpack(line))
	}
	if blobs == 0 {
		t.Fatal("no blob in the corpus")
	}
}

// checkNoHashes checks that q (NoHashes) equals r (default) but for empty hashes and preview.
func checkNoHashes(t *testing.T, r, q unpack.Result) {
	t.Helper()
	for i := range r.Blobs {
		if r.Blobs[i].MD5 == "" && r.Blobs[i].Member == "" {
			t.Errorf("blob %d has no MD5 by default", i)
		}
		r.Blobs[i].MD5, r.Blobs[i].SHA1, r.Blobs[i].SHA256, r.Blobs[i].Preview = "", "", "", ""
	}
	if !reflect.DeepEqual(r, q) {
		t.Errorf("NoHashes result differs beyond hashes:\n got %+v\nwant %+v", q, r)
	}
}
