package unpack_test

import (
	"reflect"
	"sync"
	"testing"

	"github.com/hunchsec/hunch/internal/benchcorpus"
	"github.com/hunchsec/hunch/unpack"
)

// TestUnpackerReuse unpacks corpus lines with one Unpacker, sequentially and from several
// goroutines, and checks every result against a fresh Unpacker's after all calls are done:
// no result may share the buffers an Unpacker reuses.
func TestUnpackerReuse(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	g := benchcorpus.New(3)
	lines := make([]string, n)
	for i := range lines {
		lines[i], _ = g.Line()
	}
	lines = append(lines, "powershell -enc "+b64(utf16le("iex "+b64(gz(t, []byte(script))))), "x "+b64(zipOf(t, file{"a.ps1", []byte(script)})))
	u, err := unpack.New(unpack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seq := make([]unpack.Result, len(lines))
	for i, l := range lines {
		seq[i] = u.Unpack(l)
	}
	par := make([]unpack.Result, len(lines))
	var wg sync.WaitGroup
	for k := range 4 {
		wg.Go(func() {
			for i := k; i < len(lines); i += 4 {
				par[i] = u.Unpack(lines[i])
			}
		})
	}
	wg.Wait()
	blobs := 0
	for i, l := range lines {
		want := unpack.Unpack(l)
		blobs += len(want.Blobs)
		if !reflect.DeepEqual(seq[i], want) || !reflect.DeepEqual(par[i], want) {
			t.Fatalf("line %d: reused Unpacker gave\n%+v\nor\n%+v\nwant %+v", i, seq[i], par[i], want)
		}
	}
	if blobs == 0 {
		t.Fatal("no blob")
	}
}
