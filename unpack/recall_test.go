package unpack_test

import (
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/benchcorpus"
	"github.com/hunchsec/hunch/unpack"
)

// TestRecallBenchCorpus unpacks the repository's synthetic log corpus line by line: every
// indicator planted only inside an encoded blob must appear in FullDecoded, and lines that
// hold no encoded indicator must produce no blob at all.
func TestRecallBenchCorpus(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	g := benchcorpus.New(1)
	encodedLines, found, missed, spurious := 0, 0, 0, 0
	for i := 1; i <= n; i++ {
		line, truth := g.Line()
		r := unpack.Unpack(line)
		encoded := false
		for _, tr := range truth {
			if !tr.Encoded || tr.Via != "" {
				continue
			}
			encoded = true
			if strings.Contains(r.FullDecoded, tr.Raw) {
				found++
			} else {
				missed++
				if missed <= 5 {
					t.Errorf("line %d: %s %q not in FullDecoded %q", i, tr.Type, tr.Raw, trunc(r.FullDecoded, 200))
				}
			}
		}
		if encoded {
			encodedLines++
		} else if len(r.Blobs) > 0 {
			spurious++
			if spurious <= 5 {
				t.Errorf("line %d: blob %s/%s %q in a line without encoded indicators: %q", i, r.Blobs[0].Encoding(), r.Blobs[0].Kind, trunc(r.Blobs[0].Text, 80), trunc(line, 200))
			}
		}
	}
	t.Logf("%d lines, %d with encoded indicators: %d encoded indicators found, %d missed; %d lines with spurious blobs", n, encodedLines, found, missed, spurious)
	if encodedLines == 0 || found == 0 {
		t.Fatal("the corpus planted no encoded indicator")
	}
}
