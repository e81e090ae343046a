package geoip

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter/mmdbtype"
)

const (
	testAccount = "123456"
	testKey     = "s3cret_LICENSE_key"
)

// tarFile is one member of a generated archive.
type tarFile struct {
	name string
	data []byte
}

// makeArchive builds a tar.gz laid out like MaxMind's: a dated directory holding the
// licence texts and the database.
func makeArchive(t *testing.T, files ...tarFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Name: "GeoLite2-City_20261120/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f.data)), ModTime: time.Unix(1_700_000_000, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// editionDB writes a small City database whose London entry names city, and returns its bytes.
func editionDB(t *testing.T, dbType, city string) []byte {
	t.Helper()
	p := writeMMDB(t, t.TempDir(), "db.mmdb", dbType, 6, []entry{
		{"81.2.69.0/24", cityRecord("GB", "United Kingdom", city, "England", 51.5, -0.1, 10)},
		{"1.0.0.0/24", mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(15169)}},
	})
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func standardArchive(t *testing.T, edition string, db []byte) []byte {
	return makeArchive(t,
		tarFile{"GeoLite2-City_20261120/COPYRIGHT.txt", []byte("Database and Contents Copyright (c) MaxMind, Inc.\n")},
		tarFile{"GeoLite2-City_20261120/LICENSE.txt", []byte("Use of this MaxMind product is governed by ...\n")},
		tarFile{"GeoLite2-City_20261120/" + edition + ".mmdb", db},
	)
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fakeMaxMind plays MaxMind's download endpoint and the storage it redirects to.
type fakeMaxMind struct {
	t        *testing.T
	api      *httptest.Server
	storage  *httptest.Server
	mu       sync.Mutex
	archives map[string][]byte // edition → archive served
	sums     map[string]string // edition → published checksum (defaults to the archive's)
	chunked  bool              // stream the archive without Content-Length
	requests []string          // "api GET /path?query auth=…" and "storage GET /path?query auth=…"
}

func newFakeMaxMind(t *testing.T) *fakeMaxMind {
	f := &fakeMaxMind{t: t, archives: map[string][]byte{}, sums: map[string]string{}}
	f.storage = httptest.NewServer(http.HandlerFunc(f.serveStorage))
	t.Cleanup(f.storage.Close)
	f.api = httptest.NewServer(http.HandlerFunc(f.serveAPI))
	t.Cleanup(f.api.Close)
	return f
}

func (f *fakeMaxMind) log(who string, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, fmt.Sprintf("%s %s %s auth=%q", who, r.Method, r.URL.RequestURI(), r.Header.Get("Authorization")))
}

func (f *fakeMaxMind) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func (f *fakeMaxMind) serveAPI(w http.ResponseWriter, r *http.Request) {
	f.log("api", r)
	id, key, ok := r.BasicAuth()
	if !ok || id != testAccount || key != testKey {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"code":"INVALID_LICENSE_KEY","error":"Invalid license key"}`)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/geoip/databases/")
	edition, ok2 := strings.CutSuffix(rest, "/download")
	f.mu.Lock()
	archive, known := f.archives[edition]
	sum := f.sums[edition]
	f.mu.Unlock()
	if !ok || !ok2 || !known {
		http.Error(w, `{"code":"NOT_FOUND","error":"database edition not found"}`, http.StatusNotFound)
		return
	}
	if sum == "" {
		sum = sha256hex(archive)
	}
	switch r.URL.Query().Get("suffix") {
	case "tar.gz.sha256":
		fmt.Fprintf(w, "%s  %s_20261120.tar.gz\n", sum, edition)
	case "tar.gz":
		// Like MaxMind: a redirect to a presigned URL on another host. "localhost" differs
		// from the API's "127.0.0.1", so the client must not forward the credentials.
		u := strings.Replace(f.storage.URL, "127.0.0.1", "localhost", 1) +
			"/presigned/" + edition + "_20261120.tar.gz?X-Amz-Expires=3600&X-Amz-Signature=abc123"
		http.Redirect(w, r, u, http.StatusFound)
	default:
		http.Error(w, "bad suffix", http.StatusBadRequest)
	}
}

func (f *fakeMaxMind) serveStorage(w http.ResponseWriter, r *http.Request) {
	f.log("storage", r)
	if r.URL.Query().Get("X-Amz-Signature") != "abc123" {
		http.Error(w, "signature missing", http.StatusForbidden)
		return
	}
	name, _ := strings.CutPrefix(r.URL.Path, "/presigned/")
	edition, _, _ := strings.Cut(name, "_")
	f.mu.Lock()
	archive, ok := f.archives[edition]
	chunked := f.chunked
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	if !chunked {
		w.Header().Set("Content-Length", fmt.Sprint(len(archive)))
		w.Write(archive)
		return
	}
	for len(archive) > 0 {
		n := min(len(archive), 1024)
		w.Write(archive[:n])
		w.(http.Flusher).Flush()
		archive = archive[n:]
	}
}

func (f *fakeMaxMind) set(edition string, archive []byte, sum string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.archives[edition], f.sums[edition] = archive, sum
}

func (f *fakeMaxMind) options(dir string, editions ...string) UpdateOptions {
	return UpdateOptions{
		Client:     f.api.Client(),
		BaseURL:    f.api.URL,
		AccountID:  testAccount,
		LicenseKey: testKey,
		Editions:   editions,
		Dir:        dir,
	}
}

var wantAuth = fmt.Sprintf("auth=%q", "Basic "+base64.StdEncoding.EncodeToString([]byte(testAccount+":"+testKey)))

// assertDir checks that dir holds exactly the named files (no temporary leftovers).
func assertDir(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("directory holds %v, want %v", got, want)
	}
}

// cityIn opens the database at p and returns the city of 81.2.69.1.
func cityIn(t *testing.T, p string) string {
	t.Helper()
	db, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	loc, err := db.LookupString("81.2.69.1")
	if err != nil {
		t.Fatal(err)
	}
	return loc.City
}

func TestUpdateFreshThenUpToDateThenNewer(t *testing.T) {
	f := newFakeMaxMind(t)
	db1 := editionDB(t, "GeoLite2-City", "London")
	a1 := standardArchive(t, "GeoLite2-City", db1)
	f.set("GeoLite2-City", a1, "")
	dir := filepath.Join(t.TempDir(), "geoip") // created by Update
	ctx := context.Background()

	// Fresh download.
	got, err := Update(ctx, f.options(dir, "GeoLite2-City"))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "GeoLite2-City.mmdb")
	want := Updated{Edition: "GeoLite2-City", Path: dst, SHA256: sha256hex(a1), Size: int64(len(db1)),
		Type: "GeoLite2-City", Built: time.Unix(1_700_000_000, 0).UTC()}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("Update = %+v\nwant %+v", got, want)
	}
	if data, _ := os.ReadFile(dst); !bytes.Equal(data, db1) {
		t.Error("installed database differs from the one in the archive")
	}
	if fi, err := os.Stat(dst); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("installed database mode: %v, %v", fi.Mode(), err)
	}
	side, _ := os.ReadFile(dst + ".sha256")
	wantSide := sha256hex(a1) + "  GeoLite2-City_20261120.tar.gz\n" + sha256hex(db1) + "  GeoLite2-City.mmdb\n"
	if string(side) != wantSide {
		t.Errorf("checksum file = %q, want %q", side, wantSide)
	}
	assertDir(t, dir, "GeoLite2-City.mmdb", "GeoLite2-City.mmdb.sha256")
	reqs := f.Requests()
	wantReqs := []string{
		"api GET /geoip/databases/GeoLite2-City/download?suffix=tar.gz.sha256 " + wantAuth,
		"api GET /geoip/databases/GeoLite2-City/download?suffix=tar.gz " + wantAuth,
		`storage GET /presigned/GeoLite2-City_20261120.tar.gz?X-Amz-Expires=3600&X-Amz-Signature=abc123 auth=""`,
	}
	if strings.Join(reqs, "\n") != strings.Join(wantReqs, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(reqs, "\n"), strings.Join(wantReqs, "\n"))
	}

	// Same archive again: only the checksum is fetched.
	got, err = Update(ctx, f.options(dir, "GeoLite2-City"))
	if err != nil {
		t.Fatal(err)
	}
	want.UpToDate = true
	if len(got) != 1 || got[0] != want {
		t.Errorf("second Update = %+v\nwant %+v", got, want)
	}
	if n := len(f.Requests()); n != 4 {
		t.Errorf("second Update made %d requests, want 1 (the checksum)", n-3)
	}

	// A local file changed since is not current, even with the same published checksum.
	if err := os.WriteFile(dst, []byte("damaged"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err = Update(ctx, f.options(dir, "GeoLite2-City")); err != nil || got[0].UpToDate {
		t.Fatalf("Update after damage = %+v, %v", got, err)
	}
	if cityIn(t, dst) != "London" {
		t.Error("damaged database was not replaced")
	}

	// A newer archive replaces the database.
	db2 := editionDB(t, "GeoLite2-City", "Londinium")
	a2 := standardArchive(t, "GeoLite2-City", db2)
	f.set("GeoLite2-City", a2, "")
	got, err = Update(ctx, f.options(dir, "GeoLite2-City"))
	if err != nil {
		t.Fatal(err)
	}
	if got[0].UpToDate || got[0].SHA256 != sha256hex(a2) || cityIn(t, dst) != "Londinium" {
		t.Errorf("Update to newer = %+v, city %q", got, cityIn(t, dst))
	}
	assertDir(t, dir, "GeoLite2-City.mmdb", "GeoLite2-City.mmdb.sha256")
}

func TestUpdateSeveralEditions(t *testing.T) {
	f := newFakeMaxMind(t)
	f.set("GeoLite2-City", standardArchive(t, "GeoLite2-City", editionDB(t, "GeoLite2-City", "London")), "")
	f.set("GeoLite2-ASN", standardArchive(t, "GeoLite2-ASN", editionDB(t, "GeoLite2-ASN", "")), "")
	dir := t.TempDir()
	opts := f.options(dir, "GeoLite2-City", "GeoLite2-Missing", "GeoLite2-ASN")
	got, err := Update(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "GeoLite2-Missing") || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("error = %v, want the missing edition's HTTP 404", err)
	}
	if len(got) != 2 || got[0].Edition != "GeoLite2-City" || got[1].Edition != "GeoLite2-ASN" || got[1].Type != "GeoLite2-ASN" {
		t.Errorf("Update = %+v", got)
	}
	assertDir(t, dir, "GeoLite2-ASN.mmdb", "GeoLite2-ASN.mmdb.sha256", "GeoLite2-City.mmdb", "GeoLite2-City.mmdb.sha256")
}

// installOld puts an older database in dir and returns its bytes.
func installOld(t *testing.T, dir, edition string) []byte {
	t.Helper()
	old := editionDB(t, edition, "Old Town")
	if err := os.WriteFile(filepath.Join(dir, edition+".mmdb"), old, 0o644); err != nil {
		t.Fatal(err)
	}
	return old
}

// TestUpdateFailuresKeepOldFile covers every way a download can fail after the checksum was
// fetched: the old database must survive untouched and no temporary file may remain.
func TestUpdateFailuresKeepOldFile(t *testing.T) {
	const ed = "GeoLite2-City"
	good := editionDB(t, ed, "London")
	big := make([]byte, 2<<20) // compresses to a few KiB
	tests := []struct {
		name     string
		archive  []byte
		sum      string // published checksum; "" = the archive's own
		maxBytes int64
		chunked  bool
		wantErr  error  // errors.Is target, or nil
		wantText string // substring of the error
	}{
		{"malformed checksum reply", standardArchive(t, ed, good), "<html>", 0, false, nil, "fetch checksum"},
		{"checksum mismatch", standardArchive(t, ed, good), strings.Repeat("ab", 32), 0, false, ErrChecksumMismatch, "checksum mismatch"},
		{"archive over the limit (Content-Length)", standardArchive(t, ed, good), "", 1024, false, ErrTooLarge, "limit"},
		{"archive over the limit (streamed)", standardArchive(t, ed, good), "", 1024, true, ErrTooLarge, "limit"},
		{"database over the limit", makeArchive(t, tarFile{"x/" + ed + ".mmdb", big}), "", 1 << 20, false, ErrTooLarge, "limit"},
		{"no database in the archive", makeArchive(t, tarFile{"x/LICENSE.txt", []byte("licence")}), "", 0, false, nil, "no .mmdb"},
		{"two databases", makeArchive(t, tarFile{"x/a.mmdb", good}, tarFile{"x/b.mmdb", good}), "", 0, false, nil, "more than one"},
		{"not gzip", []byte("<html>maintenance</html>"), "", 0, false, nil, "not a gzip archive"},
		{"truncated archive", standardArchive(t, ed, good)[:600], "", 0, false, nil, "unexpected EOF"},
		{"corrupt database", makeArchive(t, tarFile{"x/" + ed + ".mmdb", append([]byte("garbage"), good[len(good)/2:]...)}), "", 0, false, nil, "downloaded database is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeMaxMind(t)
			f.set(ed, tt.archive, tt.sum)
			f.chunked = tt.chunked
			dir := t.TempDir()
			old := installOld(t, dir, ed)
			opts := f.options(dir, ed)
			opts.MaxBytes = tt.maxBytes
			got, err := Update(context.Background(), opts)
			if err == nil {
				t.Fatalf("Update succeeded: %+v", got)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantText) || !strings.Contains(err.Error(), ed) {
				t.Errorf("error %q, want it to name %s and say %q", err, ed, tt.wantText)
			}
			if len(got) != 0 {
				t.Errorf("Update reported %+v", got)
			}
			if data, _ := os.ReadFile(filepath.Join(dir, ed+".mmdb")); !bytes.Equal(data, old) {
				t.Error("old database was changed")
			}
			assertDir(t, dir, ed+".mmdb")
		})
	}
}

func TestUpdateUnauthorized(t *testing.T) {
	f := newFakeMaxMind(t)
	f.set("GeoLite2-City", standardArchive(t, "GeoLite2-City", editionDB(t, "GeoLite2-City", "London")), "")
	dir := t.TempDir()
	old := installOld(t, dir, "GeoLite2-City")
	opts := f.options(dir, "GeoLite2-City", "GeoLite2-ASN")
	opts.LicenseKey = "wrong"
	got, err := Update(context.Background(), opts)
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "check the MaxMind account ID and licence key") {
		t.Fatalf("error = %v, want ErrUnauthorized", err)
	}
	if len(got) != 0 {
		t.Errorf("Update reported %+v", got)
	}
	// The refusal stops the run: the second edition is not tried with the same credentials.
	if reqs := f.Requests(); len(reqs) != 1 {
		t.Errorf("requests after 401: %q", reqs)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "GeoLite2-City.mmdb")); !bytes.Equal(data, old) {
		t.Error("old database was changed")
	}
}

func TestUpdateOptions(t *testing.T) {
	full := UpdateOptions{AccountID: "1", LicenseKey: "k", Editions: []string{"GeoLite2-City"}, Dir: "d"}
	got, err := full.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if got.MaxBytes != 512<<20 || got.BaseURL != "https://download.maxmind.com" || got.Client == nil {
		t.Errorf("defaults = %+v", got)
	}
	custom := full
	custom.MaxBytes, custom.BaseURL = 1000, "http://mirror.example/maxmind/"
	if got, err := custom.withDefaults(); err != nil || got.MaxBytes != 1000 || got.BaseURL != "http://mirror.example/maxmind" {
		t.Errorf("custom = %+v, %v", got, err)
	}
	bad := []struct {
		name string
		edit func(*UpdateOptions)
		want string
	}{
		{"no account", func(o *UpdateOptions) { o.AccountID = "" }, "account ID and licence key are required"},
		{"no key", func(o *UpdateOptions) { o.LicenseKey = "" }, "account ID and licence key are required"},
		{"no editions", func(o *UpdateOptions) { o.Editions = nil }, "no edition"},
		{"no dir", func(o *UpdateOptions) { o.Dir = "" }, "no database directory"},
		{"path in edition", func(o *UpdateOptions) { o.Editions = []string{"../etc/passwd"} }, "letters, digits and dashes"},
		{"query in edition", func(o *UpdateOptions) { o.Editions = []string{"GeoLite2-City?x=1"} }, "letters, digits and dashes"},
		{"bad base URL", func(o *UpdateOptions) { o.BaseURL = "ftp://example.com" }, "not an http(s) URL"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			o := full
			tt.edit(&o)
			_, err := Update(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestUpdateCancelled(t *testing.T) {
	f := newFakeMaxMind(t)
	f.set("GeoLite2-City", standardArchive(t, "GeoLite2-City", editionDB(t, "GeoLite2-City", "London")), "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Update(ctx, f.options(t.TempDir(), "GeoLite2-City", "GeoLite2-ASN"))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("%d requests after cancellation", n)
	}
}

func TestDownloadURL(t *testing.T) {
	o := UpdateOptions{BaseURL: "https://download.maxmind.com"}
	got := downloadURL(&o, "GeoIP2-City", "tar.gz.sha256")
	u, err := url.Parse(got)
	if err != nil || u.Path != "/geoip/databases/GeoIP2-City/download" || u.Query().Get("suffix") != "tar.gz.sha256" {
		t.Errorf("downloadURL = %s", got)
	}
}
