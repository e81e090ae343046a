package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/enrich/providers"
)

func TestSIEMConnections(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hunch.yaml")
	text := `siem:
  template_dirs: [queries, /abs/queries]
  connections:
    local:
      kind: sqlite
      path: events.db
      timeout: 30s
    pg:
      kind: postgres
      dsn: env:PG_DSN
    prod:
      kind: splunk
      url: https://splunk.example:8089
      token: env:SPLUNK_TOKEN
      anything: [the, splunk, package, decides]
`
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.SIEMTemplateDirs(); len(got) != 2 || got[0] != filepath.Join(dir, "queries") || got[1] != "/abs/queries" {
		t.Errorf("template dirs %q", got)
	}
	type sqlSettings struct {
		Path    string           `yaml:"path"`
		DSN     providers.Secret `yaml:"dsn"`
		Timeout time.Duration    `yaml:"timeout"`
	}
	var local, pg sqlSettings
	if c := cfg.SIEM.Connections["local"]; c.Kind != "sqlite" || c.Decode(&local) != nil || local.Path != "events.db" || local.Timeout != 30*time.Second {
		t.Errorf("local: %+v %+v", c.Kind, local)
	}
	if cfg.RelativePath(local.Path) != filepath.Join(dir, "events.db") || cfg.RelativePath("/x.db") != "/x.db" {
		t.Errorf("relative path %s", cfg.RelativePath(local.Path))
	}
	if c := cfg.SIEM.Connections["pg"]; c.Decode(&pg) != nil || pg.DSN != "env:PG_DSN" {
		t.Errorf("pg: %+v", pg)
	}
	prod := cfg.SIEM.Connections["prod"]
	var splunkish struct {
		URL      string   `yaml:"url"`
		Token    string   `yaml:"token"`
		Anything []string `yaml:"anything"`
	}
	if err := prod.Decode(&splunkish); err != nil || splunkish.URL != "https://splunk.example:8089" || len(splunkish.Anything) != 4 {
		t.Errorf("splunk settings: %v %+v", err, splunkish)
	}
	// Printing the configuration does not print a connection's settings (inline secrets).
	for _, f := range []string{"%v", "%+v", "%#v"} {
		if out := fmt.Sprintf(f, cfg.SIEM); strings.Contains(out, "SPLUNK_TOKEN") || !strings.Contains(out, "splunk connection") {
			t.Errorf("%s prints %s", f, out)
		}
	}
	// A key the backend does not know is an error.
	if err := prod.Decode(&local); err == nil || !strings.Contains(err.Error(), "url") {
		t.Errorf("unknown key accepted: %v", err)
	}
}

func TestSIEMConnectionErrors(t *testing.T) {
	for text, want := range map[string]string{
		"siem:\n  connections:\n    x:\n      kind: qradar\n": `unknown connection kind "qradar"`,
		"siem:\n  connections:\n    x:\n      path: a.db\n":   "connection has no kind",
		"siem:\n  connections:\n    x: sqlite\n":              "a connection is a mapping",
		"siem:\n  template_dir: [a]\n":                        "template_dir",
	} {
		path := filepath.Join(t.TempDir(), "hunch.yaml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", text, err, want)
		}
	}
}
