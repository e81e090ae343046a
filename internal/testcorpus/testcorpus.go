// Package testcorpus locates the shared third-party test corpus (../shared/corpus beside the
// repository, or $HUNCH_CORPUS) for tests, and skips a test with a one-line reason when it is absent.
package testcorpus

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus directory, or "" when it cannot be found.
func Dir() string {
	if d := os.Getenv("HUNCH_CORPUS"); d != "" {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
		return ""
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			c := filepath.Join(filepath.Dir(d), "shared", "corpus")
			if fi, err := os.Stat(c); err == nil && fi.IsDir() {
				return c
			}
			return ""
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// Path returns the path of rel inside the corpus, skipping the test when the corpus or the
// file is absent. In CI (CI=true) a missing corpus fails the test instead, so a run that
// silently tested nothing cannot pass.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	d := Dir()
	if d == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("shared corpus not found (../shared/corpus or $HUNCH_CORPUS) and CI=true")
		}
		tb.Skip("skipping: shared corpus not found (../shared/corpus or $HUNCH_CORPUS)")
	}
	p := filepath.Join(d, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("corpus file missing: %v", err)
	}
	return p
}

// ReadJSONL decodes every line of a JSON-lines file into a fresh T, failing the test on any
// error with the file and line.
func ReadJSONL[T any](tb testing.TB, path string) []T {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			tb.Fatalf("%s:%d: %v", path, n, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}
