package app

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeELF writes a minimal ELF64 executable: one PT_LOAD, plus PT_INTERP when interp is set.
func fakeELF(t *testing.T, machine uint16, interp string) string {
	t.Helper()
	var b bytes.Buffer
	le := binary.LittleEndian
	nph := uint16(1)
	if interp != "" {
		nph = 2
	}
	b.Write([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	for _, v := range []any{uint16(2), machine, uint32(1), uint64(0x401000), uint64(64), uint64(0), uint32(0), uint16(64), uint16(56), nph, uint16(64), uint16(0), uint16(0)} {
		binary.Write(&b, le, v)
	}
	dataOff := uint64(64 + 56*int(nph))
	ph := func(typ uint32, off, size uint64) {
		for _, v := range []any{typ, uint32(5), off, uint64(0x400000) + off, uint64(0x400000) + off, size, size, uint64(0x1000)} {
			binary.Write(&b, le, v)
		}
	}
	ph(1, 0, dataOff+64)
	if interp != "" {
		ph(3, dataOff, uint64(len(interp)+1))
	}
	b.WriteString(interp)
	b.WriteByte(0)
	b.Write(make([]byte, 64))
	p := filepath.Join(t.TempDir(), "hunch")
	if err := os.WriteFile(p, b.Bytes(), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckBinary(t *testing.T) {
	notELF := filepath.Join(t.TempDir(), "script")
	os.WriteFile(notELF, []byte("#!/bin/sh\necho hi\n"), 0o755)
	tests := []struct {
		name string
		path string
		err  error
	}{
		{"static amd64", fakeELF(t, 62, ""), nil},
		{"dynamic", fakeELF(t, 62, "/lib64/ld-linux-x86-64.so.2"), ErrNotStatic},
		{"arm64", fakeELF(t, 183, ""), ErrNotLinuxAMD64},
		{"not an ELF", notELF, ErrNotLinuxAMD64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBinary(tc.path)
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if tc.err == ErrNotStatic && (!strings.Contains(err.Error(), "ld-linux-x86-64.so.2") || !strings.Contains(err.Error(), "CGO_ENABLED=0")) {
				t.Errorf("message %q does not say which loader and what to do", err)
			}
		})
	}
	if err := CheckBinary(filepath.Join(t.TempDir(), "absent")); err == nil || errors.Is(err, ErrNotLinuxAMD64) {
		t.Errorf("missing file: %v", err)
	}
}

// readArchive returns the archive's entries by name, failing on anything but dirs and files.
func readArchive(t *testing.T, b []byte) (map[string][]byte, map[string]*tar.Header, []string) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files, heads := map[string][]byte{}, map[string]*tar.Header{}
	var order []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, heads, order
		}
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, h.Name)
		heads[h.Name] = h
		if h.Typeflag == tar.TypeReg {
			files[h.Name], _ = io.ReadAll(tr)
		} else if h.Typeflag != tar.TypeDir {
			t.Errorf("%s: entry type %c", h.Name, h.Typeflag)
		}
	}
}

func conf(t *testing.T, b []byte) Conf {
	t.Helper()
	c, err := ParseConf(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBuild(t *testing.T) {
	bin := fakeELF(t, 62, "")
	when := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	if err := Build(&out, Options{Binary: bin, Version: "v1.4.0", Build: "abc123", Time: when}); err != nil {
		t.Fatal(err)
	}
	files, heads, order := readArchive(t, out.Bytes())
	want := []string{"hunch/default/app.conf", "hunch/default/commands.conf", "hunch/default/searchbnf.conf", "hunch/default/hunch.conf",
		"hunch/metadata/default.meta", "hunch/README", "hunch/linux_x86_64/bin/hunch"}
	if len(files) != len(want) {
		t.Errorf("files %v, want %v", order, want)
	}
	for _, name := range order {
		if !strings.HasPrefix(name, "hunch/") || strings.Contains(name, "..") {
			t.Errorf("entry %q outside hunch/", name)
		}
		if !heads[name].ModTime.Equal(when) {
			t.Errorf("%s: time %v", name, heads[name].ModTime)
		}
		if d := filepath.Dir(strings.TrimSuffix(name, "/")) + "/"; d != "hunch/" && d != "./" && heads[d] == nil {
			t.Errorf("%s comes without its directory %s", name, d)
		}
	}
	for _, name := range want {
		if _, ok := files[name]; !ok {
			t.Errorf("%s missing", name)
		}
	}
	binData, _ := os.ReadFile(bin)
	if !bytes.Equal(files["hunch/linux_x86_64/bin/hunch"], binData) || heads["hunch/linux_x86_64/bin/hunch"].Mode != 0o755 {
		t.Errorf("binary not shipped as it is, executable (mode %o)", heads["hunch/linux_x86_64/bin/hunch"].Mode)
	}

	app := conf(t, files["hunch/default/app.conf"])
	for stanza, kv := range map[string]map[string]string{
		"install":  {"is_configured": "false", "build": "abc123", "state": "enabled"},
		"package":  {"id": "hunch", "check_for_updates": "false"},
		"launcher": {"version": "1.4.0", "author": "hunch"},
		"ui":       {"label": "Hunch", "is_visible": "false"},
	} {
		for k, v := range kv {
			if app[stanza][k] != v {
				t.Errorf("app.conf [%s] %s = %q, want %q", stanza, k, app[stanza][k], v)
			}
		}
	}
	if app["launcher"]["description"] == "" {
		t.Error("app.conf has no description")
	}

	cmds := conf(t, files["hunch/default/commands.conf"])
	bnf := conf(t, files["hunch/default/searchbnf.conf"])
	if len(cmds) != 3 || len(bnf) != 3 {
		t.Errorf("commands.conf has %d stanzas, searchbnf.conf %d; want 3", len(cmds), len(bnf))
	}
	for _, name := range []string{"hunchunpack", "hunchextract", "hunchlookup"} {
		c := cmds[name]
		if c["chunked"] != "true" || c["filename"] != "hunch" || c["command.arg.1"] != "splunk-command" || c["command.arg.2"] != name {
			t.Errorf("commands.conf [%s] = %v", name, c)
		}
		if (c["is_risky"] == "true") != (name == "hunchlookup") {
			t.Errorf("commands.conf [%s] is_risky = %q", name, c["is_risky"])
		}
		s := bnf[name+"-command"]
		if !strings.HasPrefix(s["syntax"], name+" ") || s["shortdesc"] == "" || s["description"] == "" || s["usage"] != "public" ||
			!strings.Contains(s["example1"], "| "+name+" ") || s["comment1"] == "" || !strings.Contains(s["tags"], "hunch") {
			t.Errorf("searchbnf.conf [%s-command] = %v", name, s)
		}
	}

	hc := conf(t, files["hunch/default/hunch.conf"])
	if hc["settings"]["config"] != "local/hunch.yaml" || hc["settings"]["data"] != "local/data" || hc["credentials"]["realm"] != CredentialRealm {
		t.Errorf("hunch.conf = %v", hc)
	}
	meta := conf(t, files["hunch/metadata/default.meta"])
	if meta[""]["export"] != "system" || meta["commands"]["export"] != "system" || !strings.Contains(meta[""]["access"], "read : [ * ]") {
		t.Errorf("default.meta = %v", meta)
	}
	readme := string(files["hunch/README"])
	for _, s := range []string{"hunchunpack", "hunchextract", "hunchlookup", "hunch.conf", "linux_x86_64/bin/hunch"} {
		if !strings.Contains(readme, s) {
			t.Errorf("README does not mention %s", s)
		}
	}

	// The same inputs give the same bytes.
	var again bytes.Buffer
	if err := Build(&again, Options{Binary: bin, Version: "v1.4.0", Build: "abc123", Time: when}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), out.Bytes()) {
		t.Error("two builds differ")
	}
}

func TestBuildRefuses(t *testing.T) {
	static := fakeELF(t, 62, "")
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"dynamic binary", Options{Binary: fakeELF(t, 62, "/lib/ld-musl-x86_64.so.1")}, "dynamically linked"},
		{"no binary", Options{}, "no binary"},
		{"bad version", Options{Binary: static, Version: "1.2.3 beta"}, "app version"},
		{"bad name", Options{Binary: static, Name: "../etc"}, "app name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Build(&out, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseConf(t *testing.T) {
	c, err := ParseConf(strings.NewReader("top = 1\n# comment\n[a]\nk = v = w\r\n  spaced  =  x  \nlong = one \\\ntwo\n[a]\nk = later\n[]\nz=1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c["default"]["top"] != "1" || c["a"]["k"] != "later" || c["a"]["spaced"] != "x" || c["a"]["long"] != "one \ntwo" || c[""]["z"] != "1" {
		t.Errorf("conf = %v", c)
	}
	for _, bad := range []string{"[open\n", "no equals\n", " = v\n", "k = " + strings.Repeat("x", maxConfLine) + "\n"} {
		if _, err := ParseConf(strings.NewReader(bad)); err == nil {
			t.Errorf("%.20q accepted", bad)
		}
	}
}

func TestLoadSettingsAndDir(t *testing.T) {
	app := filepath.Join(t.TempDir(), "hunch")
	for p, body := range map[string]string{
		"default/app.conf":   "[ui]\nlabel = Hunch\n",
		"default/hunch.conf": hunchConf,
		"local/hunch.conf":   "[settings]\ndata = /var/lib/hunch\n",
	} {
		os.MkdirAll(filepath.Join(app, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(app, p), []byte(body), 0o644)
	}
	s, err := LoadSettings(app)
	if err != nil {
		t.Fatal(err)
	}
	if s.Config != filepath.Join(app, "local/hunch.yaml") || s.Data != "/var/lib/hunch" || s.Realm != "hunch" {
		t.Errorf("settings %+v", s)
	}
	if d, ok := Dir(filepath.Join(app, Platform, "bin", "hunch")); !ok || d != app {
		t.Errorf("Dir = %q, %v", d, ok)
	}
	if d, ok := Dir(filepath.Join(app, "bin", "hunch")); !ok || d != app {
		t.Errorf("Dir(bin) = %q, %v", d, ok)
	}
	if _, ok := Dir("/usr/local/bin/hunch"); ok {
		t.Error("a plain install taken for an app")
	}
	os.WriteFile(filepath.Join(app, "local/hunch.conf"), []byte("[settings\n"), 0o644)
	if _, err := LoadSettings(app); err == nil {
		t.Error("broken local/hunch.conf accepted")
	}
	if s, err := LoadSettings(t.TempDir()); err != nil || s != (Settings{}) {
		t.Errorf("empty app dir: %+v, %v", s, err)
	}
}

func FuzzParseConf(f *testing.F) {
	f.Add([]byte(hunchConf))
	f.Add([]byte(defaultMeta))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConf(bytes.NewReader(b))
		if err != nil {
			return
		}
		for stanza, kv := range c {
			for k := range kv {
				if k == "" || strings.ContainsAny(k, "\n") && !strings.Contains(string(b), "\\") {
					t.Fatalf("[%s] bad key %q", stanza, k)
				}
			}
		}
	})
}
