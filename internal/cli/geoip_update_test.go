package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/demogeo"
)

// TestGeoIPUpdateCommand runs 'hunch geoip update' against a local server that follows MaxMind's
// licence-key download flow with an archive the test builds: the database is installed where
// 'hunch geoip' then finds it, a second run finds it up to date, and a wrong key is refused.
func TestGeoIPUpdateCommand(t *testing.T) {
	dir := t.TempDir()
	mmdb := filepath.Join(dir, "src.mmdb")
	if err := demogeo.Write(mmdb); err != nil {
		t.Fatal(err)
	}
	db, _ := os.ReadFile(mmdb)
	var archive bytes.Buffer
	gz := gzip.NewWriter(&archive)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "GeoLite2-City_20261120/GeoLite2-City.mmdb", Mode: 0o644, Size: int64(len(db))})
	tw.Write(db)
	tw.Close()
	gz.Close()
	sum := sha256.Sum256(archive.Bytes())
	var downloads int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, pass, ok := r.BasicAuth(); !ok || user != "123456" || pass != "licence-s3cr3t" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/geoip/databases/GeoLite2-City/download" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		switch r.URL.Query().Get("suffix") {
		case "tar.gz.sha256":
			w.Write([]byte(hex.EncodeToString(sum[:]) + "  GeoLite2-City_20261120.tar.gz\n"))
		case "tar.gz":
			downloads++
			w.Write(archive.Bytes())
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	data := t.TempDir()
	cfg := writeConfig(t, "geoip:\n  account_id: \"123456\"\n  license_key: env:MM_KEY\n  editions: [GeoLite2-City]\n  base_url: "+srv.URL+"\n")
	env := map[string]string{"MM_KEY": "licence-s3cr3t"}
	code, out, errOut := runHunchEnv(t, env, "", "geoip", "update", "--config", cfg, "--data", data, "-o", "csv", "--columns", "edition,status")
	if code != ExitOK || out != "edition,status\nGeoLite2-City,updated\n" {
		t.Fatalf("first update: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runHunchEnv(t, env, "", "geoip", "update", "--config", cfg, "--data", data, "-o", "csv", "--columns", "edition,status")
	if code != ExitOK || out != "edition,status\nGeoLite2-City,up to date\n" || downloads != 1 {
		t.Errorf("second update: exit %d, %d downloads\n%s", code, downloads, out)
	}
	code, out, errOut = runHunchEnv(t, env, "", "geoip", "--config", cfg, "--data", data, "-o", "csv", "--columns", "ip,country", "203.0.113.9")
	if code != ExitOK || out != "ip,country\n203.0.113.9,SG\n" {
		t.Errorf("lookup with the installed database: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = runHunchEnv(t, map[string]string{"MM_KEY": "wrong"}, "", "geoip", "update", "--config", cfg, "--data", data)
	if code != ExitFailure || !strings.Contains(errOut, "check the MaxMind account ID and licence key") || strings.Contains(errOut, "s3cr3t") {
		t.Errorf("wrong key: exit %d: %s", code, errOut)
	}
}
