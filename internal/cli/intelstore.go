package cli

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/internal/config"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/postgres"
)

// intelDB is the database the intel store lives in: --db, $HUNCH_DATABASE, the configuration's
// intel.database, or "" for the embedded SQLite file in the data directory.
func (e *env) intelDB(flag string) (string, error) {
	dsn := flag
	if dsn == "" {
		dsn = e.getenv("HUNCH_DATABASE")
	}
	if dsn == "" && e.cfg != nil {
		dsn = e.cfg.Intel.Database
	}
	if dsn != "" && !config.IsPostgresURL(dsn) {
		return "", usagef("--db %q: must be a postgres:// or postgresql:// URL (leave it unset for the embedded SQLite store)", redactDSN(dsn))
	}
	return dsn, nil
}

// redactDSN hides the password of a connection URL in messages.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return u.Redacted()
		}
	}
	return dsn
}

// openIntel opens the intel store (PostgreSQL when dsn is set, else the embedded SQLite file of
// the data directory) and the intel service over it, with the object templates and MISP data of
// the configuration or the data directory when they are installed. close releases the store.
// closingStore is a store backend that must be closed.
type closingStore interface {
	store.Intel
	Close() error
}

// openStore opens the PostgreSQL store at dsn, or the embedded SQLite one when dsn is empty.
func (e *env) openStore(dsn string) (closingStore, error) {
	if dsn != "" {
		db, err := postgres.Open(e.ctx, dsn, postgres.Options{Logger: e.log})
		if err != nil {
			return nil, fmt.Errorf("opening the store on %s: %w", redactDSN(dsn), err)
		}
		return db, nil
	}
	db, err := e.openDB()
	if err != nil {
		return nil, fmt.Errorf("opening the store: %w", err)
	}
	return db, nil
}

func (e *env) openIntel(dsn string) (svc *intel.Service, close func(), err error) {
	st, err := e.openStore(dsn)
	if err != nil {
		return nil, nil, err
	}
	close = func() { st.Close() }
	opts := intel.Options{Logger: e.log, ServerKeyFile: e.serverKeyFile(), HTTPClient: e.httpClient()}
	objects, data := e.intelDirs()
	if fi, err := os.Stat(filepath.Join(objects, "objects")); err == nil && fi.IsDir() {
		t, err := misp.LoadTemplates(os.DirFS(objects))
		if err != nil {
			close()
			return nil, nil, fmt.Errorf("loading object templates from %s: %w", objects, err)
		}
		opts.ObjectTemplates = t
	} else if e.cfg != nil && e.cfg.Intel.ObjectsDir != "" {
		close()
		return nil, nil, fmt.Errorf("intel.objects_dir %s: no objects/ directory in it", objects)
	}
	if fi, err := os.Stat(data); err == nil && fi.IsDir() {
		opts.DataDir = data
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		close()
		return nil, nil, fmt.Errorf("intel data directory %s: %w", data, err)
	}
	svc, err = intel.New(e.ctx, st, opts)
	if err != nil {
		close()
		return nil, nil, err
	}
	return svc, close, nil
}

// intelDirs are where the misp-objects templates and the other MISP reference data (taxonomies, galaxies,
// warninglists) live: intel.objects_dir and intel.data_dir, by default <data>/misp-objects and <data>/misp.
func (e *env) intelDirs() (objects, data string) {
	objects, data = filepath.Join(e.dataDir(), "misp-objects"), filepath.Join(e.dataDir(), "misp")
	if e.cfg != nil && e.cfg.Intel.ObjectsDir != "" {
		objects = e.cfg.Intel.ObjectsDir
	}
	if e.cfg != nil && e.cfg.Intel.DataDir != "" {
		data = e.cfg.Intel.DataDir
	}
	return objects, data
}
