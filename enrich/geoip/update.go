package geoip

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"
)

// DefaultBaseURL is MaxMind's download server.
const DefaultBaseURL = "https://download.maxmind.com"

// DefaultMaxBytes bounds a download, and separately the database extracted from it, when
// UpdateOptions.MaxBytes is zero: 512 MiB, several times the largest GeoLite2 edition.
const DefaultMaxBytes int64 = 512 << 20

// Errors Update returns (wrapped, with the edition).
var (
	// ErrUnauthorized: MaxMind refused the account ID and licence key (HTTP 401).
	ErrUnauthorized = errors.New("unauthorized: check the MaxMind account ID and licence key")
	// ErrChecksumMismatch: the archive's SHA-256 differs from the one MaxMind published.
	ErrChecksumMismatch = errors.New("sha256 checksum mismatch")
	// ErrTooLarge: the archive or the database in it is larger than UpdateOptions.MaxBytes.
	ErrTooLarge = errors.New("larger than the download size limit")
)

// UpdateOptions configures Update.
type UpdateOptions struct {
	// Client makes the requests; nil means a plain http.Client. It must follow redirects
	// (the default policy does): MaxMind answers the download with a redirect to a
	// presigned storage URL, and Go's client drops the Authorization header when the
	// redirect leaves the download host. Requests end with ctx; give ctx a deadline or the
	// client a Timeout to bound a stalled download.
	Client *http.Client
	// BaseURL is the download server, DefaultBaseURL when empty; tests and mirrors set it.
	BaseURL string
	// AccountID and LicenseKey are the MaxMind account's credentials, sent with HTTP basic
	// authentication. Both are required.
	AccountID  string
	LicenseKey string
	// Editions are the edition IDs to fetch, e.g. "GeoLite2-City", "GeoLite2-ASN",
	// "GeoIP2-City". An ID consists of letters, digits and dashes.
	Editions []string
	// Dir is where the databases go, as Dir/{edition}.mmdb; it is created if missing.
	Dir string
	// MaxBytes bounds the size of each downloaded archive and, separately, of the database
	// extracted from it; DefaultMaxBytes when zero or negative.
	MaxBytes int64
}

// Updated reports one edition Update installed or found current.
type Updated struct {
	// Edition is the edition ID.
	Edition string
	// Path is the database file, Dir/{edition}.mmdb.
	Path string
	// UpToDate is true when the local file already matched MaxMind's current archive and
	// nothing was downloaded.
	UpToDate bool
	// SHA256 is the hex SHA-256 of MaxMind's current archive for the edition.
	SHA256 string
	// Size is the database file's size in bytes.
	Size int64
	// Type is the database's metadata type, e.g. "GeoLite2-City".
	Type string
	// Built is the database's build time.
	Built time.Time
}

// Update brings the editions in opts.Dir up to date with MaxMind's licence-key download
// flow. For each edition it fetches
//
//	GET {BaseURL}/geoip/databases/{edition}/download?suffix=tar.gz.sha256
//
// (answered "<sha256>  <archive name>"), and when the local database did not come from an
// archive with that checksum,
//
//	GET {BaseURL}/geoip/databases/{edition}/download?suffix=tar.gz
//
// following the redirect to the archive. The archive's SHA-256 is checked while it streams,
// the single *.mmdb inside it is extracted to a temporary file in Dir, opened and verified,
// and only then renamed over Dir/{edition}.mmdb, so a failure at any step keeps the old file.
// Beside the database, Dir/{edition}.mmdb.sha256 records, in sha256sum format, the archive's
// checksum and the database's own; the next run skips the download when both still match.
//
// Editions are processed in order; one that fails does not stop the others (except when the
// credentials are refused or ctx ends), and the returned error joins every failure. The
// slice holds the editions that succeeded.
func Update(ctx context.Context, opts UpdateOptions) ([]Updated, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("geoip update: %w", err)
	}
	var (
		done []Updated
		errs []error
	)
	for _, ed := range opts.Editions {
		u, err := updateEdition(ctx, &opts, ed)
		if err != nil {
			errs = append(errs, fmt.Errorf("geoip update %s: %w", ed, err))
			if errors.Is(err, ErrUnauthorized) || ctx.Err() != nil {
				break
			}
			continue
		}
		done = append(done, u)
	}
	return done, errors.Join(errs...)
}

// withDefaults checks opts and fills in the defaults.
func (o UpdateOptions) withDefaults() (UpdateOptions, error) {
	switch {
	case o.AccountID == "" || o.LicenseKey == "":
		return o, errors.New("geoip update: a MaxMind account ID and licence key are required")
	case len(o.Editions) == 0:
		return o, errors.New("geoip update: no edition given")
	case o.Dir == "":
		return o, errors.New("geoip update: no database directory given")
	}
	for _, ed := range o.Editions {
		if !validEdition(ed) {
			return o, fmt.Errorf("geoip update: edition %q: an edition ID consists of letters, digits and dashes", ed)
		}
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.BaseURL == "" {
		o.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(o.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return o, fmt.Errorf("geoip update: base URL %q is not an http(s) URL", o.BaseURL)
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	return o, nil
}

func validEdition(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func updateEdition(ctx context.Context, o *UpdateOptions, edition string) (Updated, error) {
	sum, archiveName, err := fetchChecksum(ctx, o, edition)
	if err != nil {
		return Updated{}, err
	}
	dst := filepath.Join(o.Dir, edition+".mmdb")
	if current(dst, sum) {
		u, err := describe(edition, dst, sum)
		u.UpToDate = true
		return u, err
	}
	if err := download(ctx, o, edition, sum, archiveName, dst); err != nil {
		return Updated{}, err
	}
	return describe(edition, dst, sum)
}

// downloadURL is the download endpoint of edition with the given suffix.
func downloadURL(o *UpdateOptions, edition, suffix string) string {
	return o.BaseURL + "/geoip/databases/" + url.PathEscape(edition) + "/download?suffix=" + url.QueryEscape(suffix)
}

// get sends an authenticated GET and returns the response when its status is 200.
func get(ctx context.Context, o *UpdateOptions, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(o.AccountID, o.LicenseKey)
	req.Header.Set("User-Agent", "hunch-geoip")
	resp, err := o.Client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, ErrUnauthorized
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	msg := strings.Join(strings.Fields(string(body)), " ")
	if msg == "" {
		return nil, fmt.Errorf("download server answered HTTP %d", resp.StatusCode)
	}
	return nil, fmt.Errorf("download server answered HTTP %d: %s", resp.StatusCode, msg)
}

// fetchChecksum fetches the published SHA-256 of the edition's current archive and the
// archive's file name (edition.tar.gz when the reply names none).
func fetchChecksum(ctx context.Context, o *UpdateOptions, edition string) (sum, name string, err error) {
	resp, err := get(ctx, o, downloadURL(o, edition, "tar.gz.sha256"))
	if err != nil {
		return "", "", fmt.Errorf("fetch checksum: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return "", "", fmt.Errorf("fetch checksum: %w", err)
	}
	sum, ok := parseChecksum(string(body))
	if !ok {
		return "", "", fmt.Errorf("fetch checksum: reply %.80q is not \"<sha256>  <file name>\"", body)
	}
	name = edition + ".tar.gz"
	if f := strings.Fields(string(body)); len(f) > 1 && validArchiveName(f[1]) {
		name = f[1]
	}
	return sum, name, nil
}

// validArchiveName accepts a plain file name that is safe to write into the checksum file.
func validArchiveName(s string) bool {
	if len(s) > 200 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// parseChecksum reads the hex SHA-256 from a sha256sum line "<sha256>  <file name>" (the
// file name may be absent), returning it lower-cased.
func parseChecksum(s string) (string, bool) {
	fields := strings.Fields(s)
	if len(fields) == 0 || len(fields[0]) != sha256.Size*2 {
		return "", false
	}
	sum := strings.ToLower(fields[0])
	if _, err := hex.DecodeString(sum); err != nil {
		return "", false
	}
	return sum, true
}

// sidecar is the file recording which archive a database came from.
func sidecar(dst string) string { return dst + ".sha256" }

// current reports whether dst exists, was extracted from the archive with SHA-256 sum, and
// is unchanged since.
func current(dst, sum string) bool {
	data, err := os.ReadFile(sidecar(dst))
	if err != nil {
		return false
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		return false
	}
	archiveSum, ok1 := parseChecksum(lines[0])
	dbSum, ok2 := parseChecksum(lines[1])
	if !ok1 || !ok2 || archiveSum != sum {
		return false
	}
	got, err := fileSHA256(dst)
	return err == nil && got == dbSum
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// describe reports the installed database dst.
func describe(edition, dst, sum string) (Updated, error) {
	u := Updated{Edition: edition, Path: dst, SHA256: sum}
	fi, err := os.Stat(dst)
	if err != nil {
		return u, err
	}
	u.Size = fi.Size()
	r, err := maxminddb.Open(dst)
	if err != nil {
		return u, fmt.Errorf("open %s: %w", dst, err)
	}
	defer r.Close()
	u.Type, u.Built = r.Metadata.DatabaseType, r.Metadata.BuildTime().UTC()
	return u, nil
}

// capped reads at most n bytes from r and fails with ErrTooLarge past them.
type capped struct {
	r        io.Reader
	n        int64
	exceeded bool
}

func (c *capped) Read(p []byte) (int, error) {
	if c.n <= 0 {
		// Probe with one byte: the limit is hit only when more data actually follows.
		var b [1]byte
		n, err := c.r.Read(b[:])
		if n > 0 {
			c.exceeded = true
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}

// download fetches the edition's archive, checks it against sum and installs its database
// at dst, leaving dst untouched on any failure.
func download(ctx context.Context, o *UpdateOptions, edition, sum, archiveName, dst string) (err error) {
	resp, err := get(ctx, o, downloadURL(o, edition, "tar.gz"))
	if err != nil {
		return fmt.Errorf("download archive: %w", err)
	}
	defer resp.Body.Close()
	if resp.ContentLength > o.MaxBytes {
		return fmt.Errorf("download archive: %d bytes: %w (%d bytes)", resp.ContentLength, ErrTooLarge, o.MaxBytes)
	}

	tmp, err := os.CreateTemp(o.Dir, "."+edition+".mmdb.tmp-*")
	if err != nil {
		return fmt.Errorf("download archive: %w", err)
	}
	tmpName := tmp.Name()
	defer func() {
		if tmp != nil {
			tmp.Close()
		}
		if err != nil {
			os.Remove(tmpName)
		}
	}()

	archive := &capped{r: resp.Body, n: o.MaxBytes}
	archiveHash := sha256.New()
	dbHash := sha256.New()
	if err := extract(io.TeeReader(archive, archiveHash), tmp, dbHash, o.MaxBytes); err != nil {
		if archive.exceeded || errors.Is(err, ErrTooLarge) {
			return fmt.Errorf("download archive: %w (%d bytes)", ErrTooLarge, o.MaxBytes)
		}
		return fmt.Errorf("download archive: %w", err)
	}
	if got := hex.EncodeToString(archiveHash.Sum(nil)); got != sum {
		return fmt.Errorf("download archive: %w: got %s, MaxMind published %s", ErrChecksumMismatch, got, sum)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("install database: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("install database: %w", err)
	}
	closeErr := tmp.Close()
	tmp = nil
	if closeErr != nil {
		return fmt.Errorf("install database: %w", closeErr)
	}
	if err := verifyDB(tmpName); err != nil {
		return err
	}
	if err := os.Rename(tmpName, dst); err != nil {
		return fmt.Errorf("install database: %w", err)
	}
	// The database is in place; a failure to record its origin only costs a download
	// next time, but is still reported.
	line := fmt.Sprintf("%s  %s\n%s  %s\n", sum, archiveName, hex.EncodeToString(dbHash.Sum(nil)), filepath.Base(dst))
	if err := writeFileAtomic(sidecar(dst), []byte(line)); err != nil {
		return fmt.Errorf("record checksum: %w", err)
	}
	return nil
}

// extract copies the single regular *.mmdb file of the tar.gz archive read from r to w
// (and h), failing when there is none or more than one, or when it exceeds limit bytes. It
// reads r to its end so that a hash of r covers the whole archive.
func extract(r io.Reader, w io.Writer, h hash.Hash, limit int64) error {
	br := bufio.NewReader(r)
	gz, err := gzip.NewReader(br)
	if err != nil {
		return fmt.Errorf("not a gzip archive: %w", err)
	}
	tr := tar.NewReader(gz)
	found := ""
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read tar archive: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg || path.Ext(hdr.Name) != ".mmdb" {
			continue
		}
		if found != "" {
			return fmt.Errorf("archive holds more than one database: %s and %s", found, hdr.Name)
		}
		found = hdr.Name
		if hdr.Size > limit {
			return fmt.Errorf("database %s is %d bytes: %w", hdr.Name, hdr.Size, ErrTooLarge)
		}
		db := &capped{r: tr, n: limit}
		if _, err := io.Copy(io.MultiWriter(w, h), db); err != nil {
			return fmt.Errorf("extract %s: %w", hdr.Name, err)
		}
	}
	if found == "" {
		return errors.New("archive holds no .mmdb database")
	}
	// Whatever follows the tar end marker still belongs to the archive's checksum.
	if _, err := io.Copy(io.Discard, br); err != nil {
		return fmt.Errorf("read archive: %w", err)
	}
	return nil
}

// verifyDB opens the database at p and checks its whole structure.
func verifyDB(p string) error {
	r, err := maxminddb.Open(p)
	if err != nil {
		return fmt.Errorf("downloaded database is unreadable: %w", err)
	}
	defer r.Close()
	if err := r.Verify(); err != nil {
		return fmt.Errorf("downloaded database is invalid: %w", err)
	}
	return nil
}

// writeFileAtomic writes data to a temporary file beside p and renames it over p.
func writeFileAtomic(p string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".tmp-*")
	if err != nil {
		return err
	}
	name := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, p)
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}
