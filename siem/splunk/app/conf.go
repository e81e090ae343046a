package app

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Conf is a parsed Splunk .conf file: stanza → key → value. Keys before any stanza are in "default".
type Conf map[string]map[string]string

// maxConfLine bounds one line of a .conf file.
const maxConfLine = 64 << 10

// ParseConf reads a Splunk .conf file: [stanza] lines, key = value lines, # comments and blank
// lines; a line ending in a backslash continues on the next. Later keys win.
func ParseConf(r io.Reader) (Conf, error) {
	c := Conf{}
	stanza := "default"
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxConfLine)
	n := 0
	var pending strings.Builder
	start := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if pending.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(line, "\\") {
			pending.WriteString(strings.TrimSuffix(line, "\\"))
			pending.WriteByte('\n')
			continue
		}
		pending.WriteString(line)
		full := pending.String()
		pending.Reset()
		t := strings.TrimSpace(full)
		switch {
		case t == "" || strings.HasPrefix(t, "#"):
			continue
		case strings.HasPrefix(t, "["):
			if !strings.HasSuffix(t, "]") {
				return nil, fmt.Errorf("line %d: stanza without ]: %q", start, t)
			}
			stanza = strings.TrimSpace(t[1 : len(t)-1])
			if c[stanza] == nil {
				c[stanza] = map[string]string{}
			}
		default:
			k, v, ok := strings.Cut(t, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" {
				return nil, fmt.Errorf("line %d: want key = value, got %q", start, t)
			}
			if c[stanza] == nil {
				c[stanza] = map[string]string{}
			}
			c[stanza][k] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	return c, nil
}

// Settings are the app's hunch.conf values the commands use, as absolute paths.
type Settings struct {
	Config string // hunch.yaml
	Data   string // data directory
	Realm  string // credential store realm
}

// LoadSettings reads <appDir>/default/hunch.conf and then <appDir>/local/hunch.conf (whose
// values win), and resolves relative paths against appDir. Missing files are no error.
func LoadSettings(appDir string) (Settings, error) {
	s := Settings{}
	for _, layer := range []string{"default", "local"} {
		p := filepath.Join(appDir, layer, "hunch.conf")
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Settings{}, fmt.Errorf("reading app settings: %w", err)
		}
		c, err := ParseConf(f)
		f.Close()
		if err != nil {
			return Settings{}, fmt.Errorf("%s: %w", p, err)
		}
		if v, ok := c["settings"]["config"]; ok {
			s.Config = v
		}
		if v, ok := c["settings"]["data"]; ok {
			s.Data = v
		}
		if v, ok := c["credentials"]["realm"]; ok {
			s.Realm = v
		}
	}
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(appDir, p)
	}
	s.Config, s.Data = abs(s.Config), abs(s.Data)
	return s, nil
}

// Dir returns the app directory of an executable installed as <app>/<platform>/bin/hunch or
// <app>/bin/hunch, and whether it is one (the directory holds default/app.conf).
func Dir(executable string) (string, bool) {
	bin := filepath.Dir(executable)
	if filepath.Base(bin) != "bin" {
		return "", false
	}
	for _, dir := range []string{filepath.Dir(filepath.Dir(bin)), filepath.Dir(bin)} {
		if fi, err := os.Stat(filepath.Join(dir, "default", "app.conf")); err == nil && fi.Mode().IsRegular() {
			return dir, true
		}
	}
	return "", false
}
