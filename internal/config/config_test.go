package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadResolvesPathsBesideTheFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "hunch.yaml")
	os.WriteFile(p, []byte(`data_dir: state
geoip:
  files: [geo/City.mmdb, /abs/ASN.mmdb]
enrich:
  providers:
    mine: {type: local, files: [lists/block.csv]}
    vt: {type: virustotal, key: env:VT, timeout: 10s}
`), 0o600)
	cfg, err := Load(p, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != filepath.Join(dir, "state") || cfg.GeoIP.Files[0] != filepath.Join(dir, "geo/City.mmdb") || cfg.GeoIP.Files[1] != "/abs/ASN.mmdb" {
		t.Errorf("paths: %q %q", cfg.DataDir, cfg.GeoIP.Files)
	}
	if got := cfg.Enrich.Providers[0].Files[0]; got != filepath.Join(dir, "lists/block.csv") {
		t.Errorf("list path %q", got)
	}
	if cfg.Enrich.Providers[1].Timeout.String() != "10s" {
		t.Errorf("timeout %v", cfg.Enrich.Providers[1].Timeout)
	}
}

func TestValidateEnrich(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "hunch.yaml")
	os.WriteFile(p, []byte(`enrich:
  providers:
    a: {type: nonesuch}
    b: {type: local}
    c: {type: otx, concurrency: -2, timeout: -1s}
`), 0o600)
	_, err := Load(p, func(string) string { return "" })
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for _, want := range []string{`enrich.providers.a.type: unknown provider type "nonesuch"`, "enrich.providers.b.files: a local list needs at least one file",
		"enrich.providers.c.concurrency: must not be negative", "enrich.providers.c: durations must not be negative"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	for _, bad := range []string{"a: {type: otx, keyy: x}", "a: {type: otx, rate: {per_minut: 4}}", "a: {type: otx, ttl: {malicous: 1h}}"} {
		os.WriteFile(p, []byte("enrich:\n  providers:\n    "+bad+"\n"), 0o600)
		if _, err := Load(p, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "unknown setting") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestDefaultDataDir(t *testing.T) {
	env := map[string]string{"HOME": "/home/u"}
	if got := DefaultDataDir(func(k string) string { return env[k] }); got != "/home/u/.local/share/hunch" {
		t.Errorf("%q", got)
	}
	env["XDG_DATA_HOME"] = "/data"
	if got := DefaultDataDir(func(k string) string { return env[k] }); got != "/data/hunch" {
		t.Errorf("%q", got)
	}
	if got := DefaultDataDir(func(string) string { return "" }); got != "" {
		t.Errorf("no home: %q", got)
	}
}
