package siem

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHTTPClientVerifiesTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o644)

	get := func(c *http.Client) error {
		resp, err := c.Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	def, err := HTTPClient("", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := get(def); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("an unknown CA was trusted by default: %v", err)
	}
	withCA, err := HTTPClient(ca, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := get(withCA); err != nil {
		t.Errorf("ca_file not trusted: %v", err)
	}
	insecure, _ := HTTPClient("", true, 0)
	if err := get(insecure); err != nil {
		t.Errorf("insecure_skip_verify: %v", err)
	}
	for _, f := range []string{bad, filepath.Join(dir, "absent.pem")} {
		if _, err := HTTPClient(f, false, 0); err == nil || !strings.Contains(err.Error(), "ca_file") {
			t.Errorf("%s: %v", f, err)
		}
	}
}
