package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServerAndIntelBlocks(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // error fragments; none means valid
	}{
		{"empty", "", nil},
		{"full", "server: {listen: '0.0.0.0:9443', tls_cert: c.pem, tls_key: k.pem, max_body: 64MiB, org: ACME, admin_email: a@acme.test}\nintel: {database: 'postgres://u@h/db', objects_dir: obj, data_dir: misp}\n", nil},
		{"bad listen", "server: {listen: localhost}\n", []string{`server.listen: "localhost" is not host:port`}},
		{"cert without key", "server: {tls_cert: c.pem}\n", []string{"server.tls_cert: tls_cert and tls_key go together"}},
		{"self-signed and cert", "server: {tls_self_signed: true, tls_cert: c.pem, tls_key: k.pem}\n", []string{"server.tls_self_signed: excludes"}},
		{"bad size", "server: {max_body: lots}\n", []string{"server.max_body:"}},
		{"zero size", "server: {max_body: '0'}\n", []string{"server.max_body: must be positive"}},
		{"not postgres", "intel: {database: 'mysql://x'}\n", []string{"intel.database: must be a postgres://"}},
		{"unknown key", "server: {lisen: x}\n", []string{"field lisen not found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "hunch.yaml")
			if err := os.WriteFile(p, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(p, func(string) string { return "" })
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if tt.name == "full" {
					if cfg.Server.TLSCert != filepath.Join(dir, "c.pem") || cfg.Intel.ObjectsDir != filepath.Join(dir, "obj") {
						t.Errorf("paths not resolved beside the file: %q %q", cfg.Server.TLSCert, cfg.Intel.ObjectsDir)
					}
					if n, _ := cfg.Server.MaxBodyBytes(); n != 64<<20 {
						t.Errorf("max body %d", n)
					}
				}
				return
			}
			if err == nil {
				t.Fatal("invalid configuration accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}
