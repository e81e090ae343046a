package cli

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/geoip"
	"github.com/hunchsec/hunch/enrich/providers"
	"github.com/hunchsec/hunch/internal/config"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/store/sqlite"
)

// dataDir is --data, the configuration's data_dir, or the XDG default.
func (e *env) dataDir() string {
	switch {
	case e.data != "":
		return e.data
	case e.cfg != nil && e.cfg.DataDir != "":
		return e.cfg.DataDir
	}
	return config.DefaultDataDir(e.getenv)
}

// openDB opens the embedded database in the data directory.
func (e *env) openDB() (*sqlite.DB, error) {
	dir := e.dataDir()
	if dir == "" {
		return nil, fmt.Errorf("no data directory: set --data, data_dir in the configuration, or $HOME")
	}
	return sqlite.Open(e.ctx, filepath.Join(dir, "hunch.db"), sqlite.Options{Logger: e.log})
}

// withDB runs fn with the embedded database open.
func (e *env) withDB(fn func(db *sqlite.DB) error) error {
	db, err := e.openDB()
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

// eachArg writes the record fn makes of each argument; an argument fn fails on is reported on
// stderr and makes the result partial (exit 3) without stopping the others.
func (e *env) eachArg(args []string, fn func(arg string) (record.Record, error)) error {
	w, err := e.writer()
	if err != nil {
		return err
	}
	bad := 0
	for _, a := range args {
		r, err := fn(a)
		if err != nil {
			fmt.Fprintf(e.stderr, "hunch: %v\n", err)
			bad++
			continue
		}
		if err := w.Write(r); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if bad > 0 {
		return errPartial
	}
	return nil
}

func (e *env) userAgent() string {
	v, _ := buildVersion()
	return "hunch/" + v
}

// httpClient is the client every outbound request of a command shares.
func (e *env) httpClient() *http.Client { return providers.NewHTTPClient(0) }

// engineFlags are the flags of verbs that consult providers.
type engineFlags struct {
	providers []string
	noCache   bool
	refresh   bool
}

func (f *engineFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringSliceVar(&f.providers, "providers", nil, "comma-separated providers to ask (default: every usable one)")
	fl.BoolVar(&f.noCache, "no-cache", false, "neither read nor write the cache")
	fl.BoolVar(&f.refresh, "refresh", false, "ask the providers again and update the cache")
}

// engine builds the enrichment engine from the configuration. Providers that cannot be used are
// reported on stderr (once, briefly); close releases the cache database.
func (e *env) engine(f *engineFlags, progress func(done, total int)) (eng *enrich.Engine, close func(), err error) {
	built := providers.Build(e.cfg.Enrich, providers.Deps{Client: e.httpClient(), Getenv: e.getenv,
		DataDir: e.dataDir(), UserAgent: e.userAgent(), Logger: e.log})
	for _, st := range built.Status {
		if st.Enabled && !st.Usable {
			fmt.Fprintf(e.stderr, "hunch: provider %s not used: %s\n", st.Name, st.Reason)
		}
	}
	close = func() {}
	var cache *enrich.Cache
	if !f.noCache {
		db, err := e.openDB()
		if err != nil {
			return nil, nil, fmt.Errorf("opening the cache: %w (or use --no-cache)", err)
		}
		cache = enrich.NewCache(db, e.cfg.Enrich.MemoryEntries)
		close = func() { db.Close() }
	}
	eng, err = enrich.New(enrich.Options{Sources: built.Sources, Cache: cache, MinReliability: e.cfg.Enrich.MinReliability,
		Progress: progress, Logger: e.log})
	if err != nil {
		close()
		return nil, nil, err
	}
	return eng, close, nil
}

// geoDB opens the configured GeoIP databases: geoip.files, or every .mmdb in geoip.dir (default
// <data>/geoip). It returns nil without error when there are none.
func (e *env) geoDB() (*geoip.DB, error) {
	files := e.cfg.GeoIP.Files
	if len(files) == 0 {
		dir := e.cfg.GeoIP.Dir
		if dir == "" {
			dir = filepath.Join(e.dataDir(), "geoip")
		}
		files, _ = filepath.Glob(filepath.Join(dir, "*.mmdb"))
		sort.Strings(files)
	}
	if len(files) == 0 {
		return nil, nil
	}
	return geoip.Open(files...)
}

// progressBar draws "lookups 120/400" on stderr when it is a terminal and the work has taken
// more than a second; finish clears it.
func (e *env) progressBar() (update func(done, total int), finish func()) {
	f, ok := e.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	return newProgress(f, time.Now, time.Second)
}

func newProgress(w io.Writer, now func() time.Time, after time.Duration) (func(done, total int), func()) {
	var mu sync.Mutex
	start, drawn, last := now(), false, time.Time{}
	update := func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		t := now()
		if t.Sub(start) < after || (done < total && t.Sub(last) < 100*time.Millisecond) {
			return
		}
		last, drawn = t, true
		const width = 30
		fill := 0
		if total > 0 {
			fill = done * width / total
		}
		fmt.Fprintf(w, "\r[%s%s] %d/%d lookups", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), done, total)
	}
	finish := func() {
		mu.Lock()
		defer mu.Unlock()
		if drawn {
			fmt.Fprint(w, "\r\033[K")
		}
	}
	return update, finish
}
