package refdata

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

// zipOf builds a zip of files (name → content), each name under prefix.
func zipOf(t testing.TB, prefix string, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, err := zw.Create(prefix + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zipDir builds a zip of the tree at root under prefix, as GitHub's archives are laid out.
func zipDir(t testing.TB, root, prefix string) ([]byte, int) {
	t.Helper()
	files := map[string]string{}
	kept := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(b)
		if (&writer{}).keep(rel) {
			kept++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	files["README.md"] = "not kept"
	return zipOf(t, prefix, files), kept
}

func serve(t *testing.T, status int, body []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/archive.zip"
}

var tinyTaxonomy = map[string]string{
	"tlp/machinetag.json": `{"namespace":"tlp","predicates":[{"value":"red"}]}`,
	"MANIFEST.json":       `{}`,
	"LICENSE.md":          "CC0",
	"tools/gen.py":        "print()",
}

func TestInstallFromCorpusArchive(t *testing.T) {
	root := testcorpus.Path(t, "misp-data/taxonomies")
	data, kept := zipDir(t, root, "misp-taxonomies-main/")
	dest := filepath.Join(t.TempDir(), "misp", "taxonomies")
	for range 2 { // a second run replaces the first
		res, err := Install(context.Background(), nil, Source{Name: Taxonomies, From: serve(t, 200, data), Dest: dest}, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Files != kept {
			t.Errorf("installed %d files, the corpus has %d JSON and licence files", res.Files, kept)
		}
	}
	if _, err := os.Stat(filepath.Join(dest, "tlp", "machinetag.json")); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(dest, "README.md")); err == nil {
		t.Error("a file other than JSON or a licence was installed")
	}
	entries, _ := os.ReadDir(filepath.Dir(dest))
	if len(entries) != 1 {
		t.Errorf("left beside the installation: %v", entries)
	}
}

func TestInstallFromCorpusDirectory(t *testing.T) {
	root := testcorpus.Path(t, "misp-data")
	for _, name := range Names {
		if name == Feeds {
			continue // the corpus holds no feed list: TestInstallFeeds covers it
		}
		dest := filepath.Join(t.TempDir(), name)
		res, err := Install(context.Background(), nil, Source{Name: name, From: filepath.Join(root, name), Dest: dest}, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Files == 0 || res.Bytes == 0 {
			t.Errorf("%s: %+v", name, res)
		}
		t.Logf("%s: %d files, %d bytes", name, res.Files, res.Bytes)
	}
}

// TestInstallRefusals: every refused source leaves the installed data as it was and nothing beside it.
func TestInstallRefusals(t *testing.T) {
	good := zipOf(t, "misp-taxonomies-main/", tinyTaxonomy)
	for _, tc := range []struct {
		name   string
		from   func(t *testing.T) string
		lim    Limits
		want   string
		isLimt bool
	}{
		{"not a zip", func(t *testing.T) string { return serve(t, 200, []byte("<html>rate limited</html>")) }, Limits{}, "not a zip", false},
		{"http error", func(t *testing.T) string { return serve(t, 404, nil) }, Limits{}, "404", false},
		{"escaping name", func(t *testing.T) string {
			return serve(t, 200, zipOf(t, "", map[string]string{"tlp/machinetag.json": "{}", "../evil.json": "{}"}))
		}, Limits{}, "outside the archive", false},
		{"escaping non-JSON name", func(t *testing.T) string {
			return serve(t, 200, zipOf(t, "", map[string]string{"tlp/machinetag.json": "{}", "a/../../evil.sh": "x"}))
		}, Limits{}, "outside the archive", false},
		{"absolute name", func(t *testing.T) string {
			return serve(t, 200, zipOf(t, "", map[string]string{"tlp/machinetag.json": "{}", "/etc/evil.json": "{}"}))
		}, Limits{}, "outside the archive", false},
		{"invalid JSON", func(t *testing.T) string {
			return serve(t, 200, zipOf(t, "r/", map[string]string{"tlp/machinetag.json": `{"namespace":`}))
		}, Limits{}, "not valid JSON", false},
		{"wrong layout", func(t *testing.T) string {
			return serve(t, 200, zipOf(t, "r/", map[string]string{"lists/x/list.json": `{}`}))
		}, Limits{}, "no */machinetag.json", false},
		{"archive too large", func(t *testing.T) string { return serve(t, 200, good) }, Limits{MaxArchiveBytes: 100}, "larger than 100 bytes", true},
		{"file too large", func(t *testing.T) string { return serve(t, 200, good) }, Limits{MaxFileBytes: 10}, "larger than 10 bytes", true},
		{"too many files", func(t *testing.T) string { return serve(t, 200, good) }, Limits{MaxFiles: 2}, "more than 2 files", true},
		{"local archive too large", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "a.zip")
			if err := os.WriteFile(p, good, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}, Limits{MaxArchiveBytes: 100}, "archive of", true},
		{"missing path", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nothing") }, Limits{}, "no such file", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "taxonomies")
			marker := filepath.Join(dest, "tlp", "machinetag.json")
			if err := os.MkdirAll(filepath.Dir(marker), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(marker, []byte(`{"before":true}`), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Install(context.Background(), nil, Source{Name: Taxonomies, From: tc.from(t), Dest: dest}, tc.lim)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if tc.isLimt != errors.Is(err, ErrLimit) {
				t.Errorf("errors.Is(err, ErrLimit) = %v", !tc.isLimt)
			}
			if b, err := os.ReadFile(marker); err != nil || string(b) != `{"before":true}` {
				t.Errorf("the installed data changed: %q %v", b, err)
			}
			if entries, _ := os.ReadDir(filepath.Dir(dest)); len(entries) != 1 {
				t.Errorf("left beside the installation: %v", entries)
			}
		})
	}
	if _, err := Install(context.Background(), nil, Source{Name: "feeds", From: "x", Dest: t.TempDir()}, Limits{}); err == nil {
		t.Error("an unknown set was installed")
	}
}

// FuzzInstallZip feeds arbitrary archives: no panic, and nothing is written outside the destination.
func FuzzInstallZip(f *testing.F) {
	f.Add(zipOf(f, "misp-taxonomies-main/", tinyTaxonomy))
	f.Add(zipOf(f, "", map[string]string{"../x.json": "{}"}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		src := filepath.Join(root, "in.zip")
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		dest := filepath.Join(root, "out", "taxonomies")
		_, _ = Install(context.Background(), nil, Source{Name: Taxonomies, From: src, Dest: dest}, Limits{MaxFiles: 100})
		entries, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Name() != "in.zip" && e.Name() != "out" {
				t.Fatalf("wrote %s outside the destination", e.Name())
			}
		}
		out, _ := os.ReadDir(filepath.Join(root, "out"))
		for _, e := range out {
			if e.Name() != "taxonomies" {
				t.Fatalf("left %s beside the destination", e.Name())
			}
		}
	})
}

// TestSigmaSet installs a SigmaHQ-shaped release archive: the rules and licence are kept,
// everything else left out, and an archive without rules is refused.
func TestSigmaSet(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"rules/windows/process_creation/proc_a.yml": "title: a\n",
		"rules/windows/powershell/ps_b.yaml":        "title: b\n",
		"rules-emerging-threats/2024/x.yml":         "title: x\n",
		"LICENSE.Detection.Rules.md":                "DRL 1.1",
		"README.md":                                 "readme",
		"tests/test.json":                           "{}",
	} {
		w, _ := zw.Create(name)
		io.WriteString(w, body)
	}
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(buf.Bytes()) }))
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "sigma")
	res, err := Install(context.Background(), srv.Client(), Source{Name: Sigma, From: srv.URL, Dest: dest}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 4 {
		t.Errorf("%d files installed, want the 3 rules and the licence", res.Files)
	}
	if _, err := os.Stat(filepath.Join(dest, "README.md")); !os.IsNotExist(err) {
		t.Errorf("README installed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dest, "rules", "windows", "process_creation", "proc_a.yml")); err != nil {
		t.Error(err)
	}
	buf.Reset()
	zw = zip.NewWriter(&buf)
	w, _ := zw.Create("notes/a.yml")
	io.WriteString(w, "x: 1\n")
	zw.Close()
	if _, err := Install(context.Background(), srv.Client(), Source{Name: Sigma, From: srv.URL, Dest: dest}, Limits{}); err == nil || !strings.Contains(err.Error(), "no rules/windows/*/*.yml") {
		t.Errorf("archive without rules: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dest, "rules", "windows", "process_creation", "proc_a.yml")); err != nil {
		t.Errorf("a refused archive removed the installed rules: %v", err)
	}
}
