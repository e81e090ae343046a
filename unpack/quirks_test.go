package unpack_test

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/hunchsec/hunch/unpack"
)

// The tests below show hunch's behaviour where msticpy's base64unpack is known to be wrong
// (../shared/reference/msticpy.md §3.2).

// msticpy pads the whole input with 'A' to a multiple of four, so "abc" becomes "abcA".
func TestMsticpyQuirk_InputNotPaddedWithA(t *testing.T) {
	for _, in := range []string{"abc", "abcde", "abcdefg hij"} {
		r := unpack.Unpack(in)
		if r.FullDecoded != in || len(r.Blobs) != 0 {
			t.Errorf("%q: FullDecoded %q, %d blobs", in, r.FullDecoded, len(r.Blobs))
		}
	}
	// Unpadded base64 decodes to exactly its bytes: no padding character invents a byte.
	text := "Hello world, this is a test!"
	enc := strings.TrimRight(b64([]byte(text)), "=")
	if len(enc)%4 == 0 {
		t.Fatal("the example must need padding")
	}
	r := unpack.Unpack("v=" + enc)
	if len(r.Blobs) != 1 || r.Blobs[0].Text != text || r.Blobs[0].Size != len(text) || r.FullDecoded != "v="+text {
		t.Errorf("unpadded: %+v, FullDecoded %q", r.Blobs, r.FullDecoded)
	}
}

// msticpy's candidate regex takes hex hashes, "decodes" them to binary and replaces the hash
// in its output string.
func TestMsticpyQuirk_HexHashesNotDecoded(t *testing.T) {
	in := "md5 d41d8cd98f00b204e9800998ecf8427e sha1 DA39A3EE5E6B4B0D3255BFEF95601890AFD80709 " +
		"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 " +
		"sha512 cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
	r := unpack.Unpack(in)
	if len(r.Blobs) != 0 || r.FullDecoded != in {
		t.Errorf("hashes were decoded: %d blobs, FullDecoded %q", len(r.Blobs), r.FullDecoded)
	}
}

// msticpy adds every string that failed to decode to a global set that is never cleared, so
// later calls skip it. hunch keeps no state between calls or unpackers.
func TestMsticpyQuirk_NoGlobalUndecodableState(t *testing.T) {
	in := "cmd " + b64(gz(t, []byte(strings.Repeat("Invoke-Expression 'x'; ", 200))))
	tiny, err := unpack.New(unpack.Options{MaxBytes: 64})
	if err != nil {
		t.Fatal(err)
	}
	first := tiny.Unpack(in)
	if len(first.Blobs) == 0 || !errors.Is(first.Blobs[0].Err, unpack.ErrTooLarge) {
		t.Fatalf("tiny budget: %+v", first.Blobs)
	}
	full := unpack.Unpack(in)
	if len(full.Blobs) != 1 || full.Blobs[0].Err != nil || full.Blobs[0].Kind != "text" {
		t.Fatalf("a later unpacker did not decode what an earlier one could not: %+v", full.Blobs)
	}
	if again := tiny.Unpack(in); !reflect.DeepEqual(again, first) {
		t.Error("the same unpacker gave a different result the second time")
	}
	// Concurrent use of one Unpacker gives the sequential results.
	inputs := []string{in, "powershell -enc " + b64(utf16le(script)), "x " + b64(zipOf(t, file{"a.txt", []byte("member text here")})), "nothing here"}
	want := make([]unpack.Result, len(inputs))
	u, _ := unpack.New(unpack.DefaultOptions())
	for i, s := range inputs {
		want[i] = u.Unpack(s)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 20 {
				i := (g + k) % len(inputs)
				if got := u.Unpack(inputs[i]); !reflect.DeepEqual(got, want[i]) {
					t.Errorf("goroutine %d: input %d differs", g, i)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// msticpy does not unpack binary archive members further: a .gz inside a tar stays binary.
func TestMsticpyQuirk_BinaryArchiveMembersUnpacked(t *testing.T) {
	tr := tarOf(t,
		file{"logs/app.log.gz", gz(t, []byte("member log line: beacon to http://203.0.113.80/c2"))},
		file{"inner.zip", zipOf(t, file{"note.txt", []byte("note inside a zip inside a tar")})},
	)
	r := unpack.Unpack("x " + b64(tr))
	type row struct{ member, chain, kind, text string }
	var got []row
	for _, b := range r.Blobs {
		got = append(got, row{b.Member, b.Encoding(), b.Kind, b.Text})
	}
	want := []row{
		{"", "base64", "tar", ""},
		{"logs/app.log.gz", "tar>gzip", "text", "member log line: beacon to http://203.0.113.80/c2"},
		{"inner.zip", "tar", "zip", ""},
		{"note.txt", "zip", "text", "note inside a zip inside a tar"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if !strings.Contains(r.FullDecoded, "http://203.0.113.80/c2") {
		t.Errorf("FullDecoded lacks the member text: %q", r.FullDecoded)
	}
}

// msticpy decodes PowerShell's UTF-16LE as UTF-8 by default, leaving a NUL after every
// character for the caller to strip.
func TestMsticpyQuirk_PowerShellUTF16LEAsText(t *testing.T) {
	in := "powershell.exe -NoP -W Hidden -enc " + b64(utf16le(script))
	r := unpack.Unpack(in)
	if len(r.Blobs) != 1 {
		t.Fatalf("got %d blobs", len(r.Blobs))
	}
	b := r.Blobs[0]
	if b.Text != script || strings.ContainsRune(b.Text, 0) || b.Encoding() != "base64>utf16le" || b.Size != 2*len(script) {
		t.Errorf("blob %s %q (size %d)", b.Encoding(), b.Text, b.Size)
	}
	if r.FullDecoded != "powershell.exe -NoP -W Hidden -enc "+script {
		t.Errorf("FullDecoded = %q", r.FullDecoded)
	}
}

// msticpy writes the decoded text back with str.replace, so every identical occurrence of
// the encoded string changes, even where it was not decoded.
func TestMsticpyQuirk_ReplaceOnlyOwnSpan(t *testing.T) {
	enc := b64([]byte("decoded once, here"))
	if strings.ContainsAny(enc, "+/=") {
		t.Fatal("pick an example without + / =")
	}
	// The second occurrence is glued to "xyz": that run is misaligned and is no blob.
	in := "first " + enc + " second xyz" + enc
	r := unpack.Unpack(in)
	if len(r.Blobs) != 1 {
		t.Fatalf("got %d blobs", len(r.Blobs))
	}
	if want := "first decoded once, here second xyz" + enc; r.FullDecoded != want {
		t.Errorf("FullDecoded = %q, want %q", r.FullDecoded, want)
	}
}
