package intel

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestFileCache: a file is parsed once while it is unchanged, again when it changes, and a parse error is not
// kept.
func TestFileCache(t *testing.T) {
	var c fileCache
	path := filepath.Join(t.TempDir(), "f.json")
	parses := 0
	parse := func(p string) (any, error) {
		parses++
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		if string(b) == "bad" {
			return nil, errors.New("bad file")
		}
		return string(b), nil
	}
	write := func(s string, mod time.Time) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	get := func() (any, error) { return c.load(path, parse) }

	if _, err := get(); err == nil {
		t.Fatal("a missing file loaded")
	}
	t0 := time.Unix(1700000000, 0)
	write("one", t0)
	for range 3 {
		if v, err := get(); err != nil || v != "one" {
			t.Fatalf("load: %v %v", v, err)
		}
	}
	if parses != 2 { // the missing file, then "one" once
		t.Errorf("%d parses, want 2", parses)
	}
	write("two", t0.Add(time.Second))
	if v, _ := get(); v != "two" {
		t.Errorf("after a change: %v", v)
	}
	write("bad", t0.Add(2*time.Second))
	if _, err := get(); err == nil {
		t.Error("a bad file loaded")
	}
	n := parses
	if _, err := get(); err == nil || parses != n+1 {
		t.Errorf("a failed parse was kept (parses %d → %d)", n, parses)
	}
}
