package providers

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/hunchsec/hunch/enrich"
)

func TestListKeepsOrderAndRejectsDuplicates(t *testing.T) {
	var c Config
	err := yaml.Unmarshal([]byte(`
min_reliability: B
providers:
  zeta: {type: virustotal, key: env:A, reliability: "A+ - 3rd party enrichment", rate: {per_minute: 4, per_day: 500}, timeout: 5s}
  alpha: {type: local, files: [x.csv]}
  mid: {type: otx, enabled: false}
`), &c)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range c.Providers {
		names = append(names, p.Name+"/"+p.Kind())
	}
	if got := strings.Join(names, ","); got != "zeta/virustotal,alpha/local,mid/otx" {
		t.Errorf("order: %s", got)
	}
	z := c.Providers[0]
	if z.Reliability != enrich.ReliabilityAPlus || z.Rate.PerMinute != 4 || z.Rate.PerDay != 500 || z.Timeout.String() != "5s" || c.MinReliability != enrich.ReliabilityB {
		t.Errorf("zeta: %+v", z)
	}
	if c.Providers[2].IsEnabled() || !c.Providers[0].IsEnabled() {
		t.Error("enabled flags wrong")
	}
	err = yaml.Unmarshal([]byte("providers:\n  a: {}\n  a: {}\n"), &c)
	if err == nil {
		t.Error("duplicate provider accepted")
	}
	if err := yaml.Unmarshal([]byte("providers: [a, b]\n"), &c); err == nil || !strings.Contains(err.Error(), "mapping") {
		t.Errorf("list instead of mapping: %v", err)
	}
}

func TestSecret(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "key")
	os.WriteFile(file, []byte("  from-file\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	getenv := func(k string) string { return map[string]string{"K": "from-env"}[k] }
	for _, tc := range []struct {
		in, want, err string
	}{
		{"env:K", "from-env", ""},
		{"env:MISSING", "", "environment variable MISSING is not set"},
		{"file:" + file, "from-file", ""},
		{"file:" + empty, "", "is empty"},
		{"file:" + filepath.Join(dir, "none"), "", "no such file"},
		{"inline-value", "inline-value", ""},
	} {
		got, err := Secret(tc.in).Resolve(getenv)
		if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: %q, %v", tc.in, got, err)
		}
	}
	s := Secret("hunter2")
	for _, shown := range []string{s.String(), fmt.Sprintf("%v %s %#v", s, s, s), fmt.Sprintf("%+v", struct{ K Secret }{s})} {
		if strings.Contains(shown, "hunter2") {
			t.Errorf("secret shown: %s", shown)
		}
	}
	if Secret("env:X").String() != "env:X" {
		t.Error("a reference should show where it comes from")
	}
}

// Every known kind builds with the settings it needs, and is refused with a reason without them.
func TestBuildEveryKind(t *testing.T) {
	list := filepath.Join(t.TempDir(), "l.csv")
	os.WriteFile(list, []byte("value,verdict\nevil.example.com,malicious\n"), 0o600)
	getenv := func(k string) string { return map[string]string{"KEY": "k", "PW": "p"}[k] }
	for _, kind := range Kinds() {
		p := Provider{Name: "my-" + kind, Type: kind, Key: "env:KEY", Password: "env:PW", Files: []string{list}}
		if kind == "misp" {
			p.BaseURL = "https://misp.example.org"
		}
		b := Build(Config{Providers: List{p}}, Deps{Getenv: getenv, DataDir: t.TempDir()})
		if len(b.Sources) != 1 || !b.Status[0].Usable {
			t.Errorf("%s: not built: %+v", kind, b.Status)
			continue
		}
		if got := b.Sources[0].Provider.Name(); got != "my-"+kind {
			t.Errorf("%s: provider named %q, want the entry's name", kind, got)
		}
		if len(b.Sources[0].Provider.Types()) == 0 {
			t.Errorf("%s: no types", kind)
		}
		if b.Sources[0].NoCache != b.Status[0].Offline {
			t.Errorf("%s: offline providers must bypass the cache", kind)
		}
		if k := kinds[kind]; k.needsKey {
			p.Key = "env:NOPE"
			b = Build(Config{Providers: List{p}}, Deps{Getenv: getenv})
			if len(b.Sources) != 0 || !strings.Contains(b.Status[0].Reason, "environment variable NOPE is not set") {
				t.Errorf("%s without key: %+v", kind, b.Status)
			}
		}
	}
	b := Build(Config{Providers: List{{Name: "x", Type: "nonesuch"}}}, Deps{})
	if len(b.Sources) != 0 || !strings.Contains(b.Status[0].Reason, `unknown provider type "nonesuch"`) {
		t.Errorf("unknown kind: %+v", b.Status)
	}
	// xforce needs its password too.
	b = Build(Config{Providers: List{{Name: "xforce", Key: "k"}}}, Deps{Getenv: getenv})
	if len(b.Sources) != 0 || !strings.Contains(b.Status[0].Reason, "password is required") {
		t.Errorf("xforce without password: %+v", b.Status)
	}
}

func TestMergeTTL(t *testing.T) {
	def := enrich.TTL{Malicious: 48e9, Unknown: 2e9}
	got := mergeTTL(enrich.TTL{Unknown: 5e9}, def)
	if got.Malicious != 48e9 || got.Unknown != 5e9 || got.Benign != 0 {
		t.Errorf("%+v", got)
	}
}
