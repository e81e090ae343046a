// Package testcorpus locates the shared third-party test corpus (../shared/corpus beside the
// repository, or $HUNCH_CORPUS) for tests, and skips a test with a one-line reason when it is absent.
package testcorpus

import (
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
