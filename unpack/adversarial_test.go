package unpack_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/unpack"
)

// adversarial returns inputs of about n bytes built to make a decoder work hard.
func adversarial(t testing.TB, n int) map[string]string {
	rep := func(unit string) string { return strings.Repeat(unit, n/len(unit)+1)[:n] }
	return map[string]string{
		"one long base64 run":   rep("QUJD"),
		"one long hex run":      rep("41"),
		"gzip magics":           rep("H4sIAAAAAAAA "),
		"short -enc arguments":  rep("-enc ZQBjAGgAbwA= "),
		"FromBase64String junk": rep("[Convert]::FromBase64String('////////') "),
		"slash segments":        rep("QUJDREVGR0hJSktMTU5PUFFS/"),
		"mixed alphabets":       rep("QUJDREVGR0hJSktMTU5P+_-/"),
		"deflate context":       "DeflateStream " + rep("SGVsbG8gV29ybGQhIQ== "),
		"nested base64 text":    rep(b64([]byte("echo "+b64([]byte("echo "+b64([]byte("innermost text here")))))) + " "),
		"zip members":           rep(b64(zipOf(t, file{"a", []byte("member one text")}, file{"b", []byte("member two text")})) + " "),
	}
}

// TestLinearTime checks that eight times the input takes at most 32 times as long (a
// quadratic step would take 64 times): per-run CPU times are averaged over at least 50 ms of
// runs, so a busy machine does not skew them.
func TestLinearTime(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping timing test in -short mode")
	}
	small, large := adversarial(t, 64<<10), adversarial(t, 512<<10)
	perRun := func(s string) time.Duration {
		st := cpuTime()
		n := 0
		for n == 0 || cpuTime()-st < 50*time.Millisecond {
			unpack.Unpack(s)
			n++
		}
		return (cpuTime() - st) / time.Duration(n)
	}
	for name := range small {
		ds, dl := perRun(small[name]), perRun(large[name])
		t.Logf("%-22s 64 KiB %12v  512 KiB %12v  (%.1fx)", name, ds, dl, float64(dl)/float64(ds))
		if dl > 32*ds {
			t.Errorf("%s: 8x input took %.1fx as long", name, float64(dl)/float64(ds))
		}
		if dl > 10*time.Second {
			t.Errorf("%s: 512 KiB took %v", name, dl)
		}
	}
}
