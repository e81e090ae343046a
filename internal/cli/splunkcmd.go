package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/providers"
	"github.com/hunchsec/hunch/internal/config"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem/splunk"
	"github.com/hunchsec/hunch/siem/splunk/app"
	"github.com/hunchsec/hunch/siem/splunk/scp"
)

// splunkCommandNames are the search commands hunch serves, by the names commands.conf gives
// them (app.Commands; a test keeps the two in step).
const splunkCommandNames = "hunchunpack, hunchextract, hunchlookup"

func newSplunkCommandCmd(e *env) *cobra.Command {
	var (
		lim    scp.Limits
		appDir string
	)
	cmd := &cobra.Command{
		Use:   "splunk-command [flags] NAME [OPTION=VALUE...]",
		Short: "Serve hunchunpack, hunchextract or hunchlookup as a Splunk custom search command",
		Long: `splunk-command speaks Splunk's custom search command protocol v2 (commands.conf
chunked = true) on standard input and output: splunkd sends the search's events in chunks, hunch
runs them through unpack, extract or lookup and sends the results back, so the events never
leave Splunk. It is started by splunkd, not by hand; 'hunch splunk-app build' writes the app
whose commands.conf runs it:

  [hunchunpack]
  chunked = true
  filename = hunch
  command.arg.1 = splunk-command
  command.arg.2 = hunchunpack

NAME is the command (hunchunpack, hunchextract, hunchlookup), taken from command.arg.2; when it
is missing, the name splunkd sends with the search is used. The command's options come from
the search, written as in SPL (| hunchextract field=full_decoded types=url,ipv4): each
name=value is the flag --name=value of the matching verb ('hunch unpack', 'hunch extract',
'hunch lookup'; _ may stand for -), and a bare word names a field. OPTION=VALUE arguments
given here come first, so a search can override them.

All three keep the event's fields on their output records (an event field whose name the
command itself writes is renamed src_<name>). hunchunpack passes on every event: one without
blobs as a record with full_decoded set to the field's text, one without the field unchanged
(all=f drops both).

Configuration: --config or HUNCH_CONFIG as for every verb; otherwise, when hunch runs from an
app (<app>/linux_x86_64/bin/hunch, or --app-dir), the app's hunch.conf ([settings] config and
data, default/ then local/) says where hunch.yaml and the data directory are.

Errors (bad options or settings, malformed input, a limit hit) are shown in the search's job
inspector and end the command with a non-zero exit status.`,
		Example: `  | hunchunpack field=CommandLine | hunchextract field=full_decoded types=url,ipv4,domain
  | hunchextract field=CommandLine unpack=t unique=record
  | hunchlookup field=value providers=threatintel`,
		Args:        cobra.ArbitraryArgs,
		Annotations: map[string]string{"config": "none"}, // loaded in getinfo, so that errors reach splunkd
		RunE: func(cmd *cobra.Command, args []string) error {
			sc := &splunkCommand{e: e, appDir: appDir}
			if len(args) > 0 && !strings.Contains(args[0], "=") {
				sc.name, args = args[0], args[1:]
			}
			sc.argv = args
			defer sc.close()
			defer paceGC(e.getenv)()
			err := scp.Run(e.ctx, e.stdin, e.stdout, sc, scp.WithMaxMetadata(lim.MaxMetadata), scp.WithMaxBody(lim.MaxBody),
				scp.WithMaxRecords(lim.MaxRecords), scp.WithMaxChunkSize(lim.MaxChunkSize))
			if err != nil {
				return fmt.Errorf("splunk-command %s: %w", sc.name, err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.SetInterspersed(false) // flags before NAME; what follows is the command's own
	fl.IntVar(&lim.MaxMetadata, "max-metadata", scp.DefaultMaxMetadata, "largest metadata of an input chunk, bytes")
	fl.IntVar(&lim.MaxBody, "max-body", scp.DefaultMaxBody, "largest body of an input chunk, bytes")
	fl.IntVar(&lim.MaxRecords, "max-records", scp.DefaultMaxRecords, "most records in one input chunk")
	fl.IntVar(&lim.MaxChunkSize, "max-chunk-size", 0, "largest output chunk, metadata plus body, as commands.conf maxchunksize (0: unlimited)")
	fl.StringVar(&appDir, "app-dir", "", "Splunk app directory whose hunch.conf to read (default: the one hunch runs from, if any)")
	return cmd
}

// loadConfig loads hunch.yaml: from --config or HUNCH_CONFIG, else from the app's hunch.conf
// settings when hunch runs from a Splunk app, else the default path.
func (c *splunkCommand) loadConfig(ctx context.Context, si scp.SearchInfo) error {
	e := c.e
	path := e.configPath
	if path == "" && e.getenv("HUNCH_CONFIG") == "" {
		dir := c.appDir
		if dir == "" {
			if exe, err := os.Executable(); err == nil {
				dir, _ = app.Dir(exe)
			}
		}
		if dir != "" {
			s, err := app.LoadSettings(dir)
			if err != nil {
				return err
			}
			if s.Config != "" {
				if _, err := os.Stat(s.Config); err == nil {
					path = s.Config
				} else if !errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("app setting config: %w", err)
				}
			}
			if e.data == "" {
				e.data = s.Data
			}
			if s.Realm != "" {
				if err := c.useCredentialStore(ctx, si, filepath.Base(dir), s.Realm); err != nil {
					return err
				}
			}
		}
	}
	cfg, err := config.Load(path, e.getenv)
	if err != nil {
		return err
	}
	e.cfg = cfg
	return nil
}

// useCredentialStore reads the app's secrets from Splunk's credential store (storage/passwords,
// realm) with the session key splunkd sent, and makes each one visible to hunch.yaml as the
// environment variable named by its user name: a credential VT_KEY in the realm is what
// "key: env:VT_KEY" reads. splunkd's certificate is checked against
// $SPLUNK_HOME/etc/auth/cacert.pem when it exists, else the system's CAs.
func (c *splunkCommand) useCredentialStore(ctx context.Context, si scp.SearchInfo, app, realm string) error {
	if si.SplunkdURI == "" || si.SessionKey == "" {
		return fmt.Errorf("app setting [credentials] realm = %s: splunkd sent no splunkd_uri and session_key to read the credential store with", realm)
	}
	base := c.e.getenv
	cfg := splunk.Config{URL: si.SplunkdURI, SessionKey: providers.Secret(si.SessionKey), App: app}
	if home := base("SPLUNK_HOME"); home != "" {
		if ca := filepath.Join(home, "etc", "auth", "cacert.pem"); fileExists(ca) {
			cfg.CAFile = ca
		}
	}
	client, err := splunk.New(cfg, base)
	if err != nil {
		return fmt.Errorf("credential store: %w", err)
	}
	secrets, err := client.Passwords(ctx, realm)
	if err != nil {
		return fmt.Errorf("reading provider secrets from the credential store (realm %s): %w", realm, err)
	}
	c.e.getenv = func(k string) string {
		if v, ok := secrets[k]; ok {
			return v
		}
		return base(k)
	}
	return nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func newSplunkAppCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "splunk-app",
		Short: "Build the Splunk app that runs hunch as search commands",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var (
		out, binary, name, appVersion string
	)
	build := &cobra.Command{
		Use:   "build --out FILE",
		Short: "Write the installable app archive (hunch.tgz)",
		Long: `build writes the Splunk app as a gzipped tar: default/app.conf, commands.conf (hunchunpack,
hunchextract, hunchlookup as chunked commands), searchbnf.conf, hunch.conf (where the commands
find hunch.yaml and their data), metadata/default.meta, a README, and the hunch binary as
linux_x86_64/bin/hunch, all under hunch/.

The binary is this one, or --binary. It must be a static linux/amd64 build, since Splunk's hosts
may lack the libraries a dynamically linked one needs:
  CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o hunch ./cmd/hunch`,
		Example: `  hunch splunk-app build --out hunch.tgz
  hunch splunk-app build --binary dist/hunch-linux-amd64 --out hunch.tgz`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{"config": "none"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("--out is required")
			}
			if binary == "" {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("finding this binary: %w (use --binary)", err)
				}
				binary = exe
			}
			ver, rev := buildVersion()
			if appVersion != "" {
				ver = appVersion
			}
			opts := app.Options{Name: name, Version: ver, Build: rev, Binary: binary}
			if out == "-" {
				return app.Build(e.stdout, opts)
			}
			f, err := os.CreateTemp(filepath.Dir(out), ".hunch-app-*")
			if err != nil {
				return fmt.Errorf("writing app: %w", err)
			}
			defer os.Remove(f.Name())
			if err := app.Build(f, opts); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("writing app: %w", err)
			}
			if err := os.Chmod(f.Name(), 0o644); err != nil {
				return fmt.Errorf("writing app: %w", err)
			}
			if err := os.Rename(f.Name(), out); err != nil {
				return fmt.Errorf("writing app: %w", err)
			}
			return nil
		},
	}
	fl := build.Flags()
	fl.StringVar(&out, "out", "", "archive to write (- for standard output)")
	fl.StringVar(&binary, "binary", "", "static linux/amd64 hunch binary to ship (default: this one)")
	fl.StringVar(&name, "name", app.DefaultName, "app directory name and id")
	fl.StringVar(&appVersion, "app-version", "", "app version for app.conf (default: hunch's version)")
	root.AddCommand(build)
	return root
}

// splunkCommand adapts a pipeline transform to scp.Command.
type splunkCommand struct {
	e         *env
	appDir    string
	name      string
	argv      []string
	transform func(context.Context, record.Stream) record.Stream
	warnings  []error // errors that are reported but do not stop the search
	// passOn sends on, unchanged and in place, every event for which the transform yields nothing.
	passOn bool
	// keep, when set, appends each event's fields to the records made from it.
	keep *keeper
	// fails counts failed provider answers (hunchlookup), reported as warnings per chunk.
	fails    *failures
	messages []scp.Message
	closers  []func()
}

var (
	_ scp.Messenger = (*splunkCommand)(nil)
	_ scp.Streamer  = (*splunkCommand)(nil)
)

func (c *splunkCommand) close() {
	for _, f := range c.closers {
		f()
	}
}

// GetInfo builds the transform from the command's options.
func (c *splunkCommand) GetInfo(ctx context.Context, info scp.Info) (scp.Config, error) {
	if err := c.loadConfig(ctx, info.SearchInfo); err != nil {
		return scp.Config{}, err
	}
	if c.name == "" {
		c.name = info.SearchInfo.Command
	}
	args := append(append([]string(nil), c.argv...), info.SearchInfo.Args...)
	var err error
	switch c.name {
	case "hunchunpack":
		err = c.unpack(args)
	case "hunchextract":
		err = c.extract(args)
	case "hunchlookup":
		err = c.lookup(args)
	case "":
		return scp.Config{}, usagef("no command name: want one of %s (commands.conf command.arg.2)", splunkCommandNames)
	default:
		return scp.Config{}, usagef("unknown search command %q: want one of %s", c.name, splunkCommandNames)
	}
	if err != nil {
		return scp.Config{}, err
	}
	// Streaming: each chunk is processed on its own, so splunkd may run the command on the
	// indexers. Lookup keeps no state between chunks beyond its cache either.
	return scp.Config{Type: scp.TypeStreaming}, nil
}

// Process runs one chunk's records through the transform (Run uses ProcessStream; Process is
// there for callers holding a batch).
func (c *splunkCommand) Process(ctx context.Context, batch []record.Record) ([]record.Record, error) {
	in := func(yield func(record.Record, error) bool) {
		for _, r := range batch {
			if !yield(r, nil) {
				return
			}
		}
	}
	var out []record.Record
	for r, err := range c.ProcessStream(ctx, in) {
		if err != nil {
			return nil, err
		}
		out = append(out, r.Clone()) // ProcessStream may reuse a record's storage
	}
	return out, nil
}

// ProcessStream runs a chunk's records through the transform as they are decoded. Warnings
// become inspector messages. Output records keep their source's Meta.N and come in input
// order, which lets two things be done here rather than in the transform: with passOn, an
// event the transform yields nothing for is sent on in its place; with keep, each output
// record gets its source event's fields appended (see keeper).
func (c *splunkCommand) ProcessStream(ctx context.Context, in record.Stream) record.Stream {
	return func(yield func(record.Record, error) bool) {
		tracking := c.passOn || c.keep != nil
		var (
			mu       sync.Mutex
			pending  []record.Record // events handed to the transform and not yet passed
			head     int             // pending[:head] are done with
			answered bool            // pending[head] has had output
		)
		src := in
		if tracking {
			src = func(y func(record.Record, error) bool) {
				for r, err := range in {
					if err == nil {
						mu.Lock()
						pending = append(pending, r)
						mu.Unlock()
					}
					if !y(r, err) {
						return
					}
				}
			}
		}
		// advance moves past the events before record n (all of them for n < 0), returning
		// those to send on, and the event n itself when it is pending.
		var send []record.Record
		advance := func(n int) (record.Record, bool) {
			mu.Lock()
			defer mu.Unlock()
			send = send[:0]
			i := head
			for i < len(pending) && (n < 0 || pending[i].Meta.N < n) {
				if c.passOn && !(i == head && answered) {
					send = append(send, pending[i])
				}
				i++
			}
			if i > head {
				head, answered = i, false
			}
			if head > 1024 && head*2 > len(pending) { // compact now and then, not on every record
				clear(pending[:head])
				pending = append(pending[:0], pending[head:]...)
				head = 0
			}
			if head < len(pending) && pending[head].Meta.N == n {
				answered = true
				return pending[head], true
			}
			return record.Record{}, false
		}
		emit := func() bool {
			for _, r := range send {
				if !yield(r, nil) {
					return false
				}
			}
			return true
		}
		for r, err := range c.transform(ctx, src) {
			if err != nil {
				if isAny(err, c.warnings) {
					c.messages = append(c.messages, scp.Message{Level: scp.LevelWarn, Text: err.Error()})
					continue
				}
				yield(record.Record{}, err)
				return
			}
			if tracking {
				ev, ok := advance(r.Meta.N)
				if !emit() {
					return
				}
				if ok && c.keep != nil {
					r = c.keep.attach(r, ev)
				}
			}
			if !yield(r, nil) {
				return
			}
		}
		if tracking {
			advance(-1)
			emit()
		}
	}
}

// keeper appends an event's fields to the records made from it, as the pipeline's Keep
// option does (the fields that were scanned are left out; a name the record already has is
// prefixed src_ until it is free), but works the new names out once per layout instead of
// once per record: a chunk's events all have the same columns.
type keeper struct {
	skip     []string
	out, src []string // the layouts the names were worked out for
	names    []string // per source field: its name in the output, "" when left out
	buf      []record.Field
}

func sameNames(fs []record.Field, names []string) bool {
	if len(fs) != len(names) {
		return false
	}
	for i := range fs {
		if fs[i].Name != names[i] {
			return false
		}
	}
	return true
}

func fieldNames(dst []string, fs []record.Field) []string {
	dst = dst[:0]
	for _, f := range fs {
		dst = append(dst, f.Name)
	}
	return dst
}

// attach returns r with ev's fields appended. The result lives in k's buffer until the next
// call (scp.Streamer allows that: Run encodes a record before asking for the next).
func (k *keeper) attach(r, ev record.Record) record.Record {
	rf, sf := r.Fields(), ev.Fields()
	if !sameNames(rf, k.out) || !sameNames(sf, k.src) {
		k.out, k.src = fieldNames(k.out, rf), fieldNames(k.src, sf)
		k.names = k.names[:0]
		taken := make(map[string]bool, len(rf)+len(sf))
		for _, f := range rf {
			taken[f.Name] = true
		}
		for _, f := range sf {
			if slices.Contains(k.skip, f.Name) {
				k.names = append(k.names, "")
				continue
			}
			name := f.Name
			for taken[name] {
				name = "src_" + name
			}
			taken[name] = true
			k.names = append(k.names, name)
		}
	}
	fields := append(k.buf[:0], rf...)
	for i, f := range sf {
		if k.names[i] != "" {
			fields = append(fields, record.Field{Name: k.names[i], Value: f.Value})
		}
	}
	k.buf = fields
	out := record.WithFields(fields)
	out.Meta = r.Meta
	return out
}

// TakeMessages returns the warnings gathered since the last call: transform warnings, and
// one line per distinct provider failure (the rows say which indicators).
func (c *splunkCommand) TakeMessages() []scp.Message {
	m := c.messages
	c.messages = nil
	if c.fails != nil {
		var b strings.Builder
		c.fails.mu.Lock()
		f := &failures{n: c.fails.n}
		c.fails.n = nil
		c.fails.mu.Unlock()
		f.report(&b)
		for line := range strings.Lines(b.String()) {
			m = append(m, scp.Message{Level: scp.LevelWarn, Text: strings.TrimSpace(line)})
		}
	}
	return m
}

// parseSPLArgs parses search options (name=value, bare field names) with the verb's flags.
func parseSPLArgs(fl *pflag.FlagSet, args []string) (fields []string, err error) {
	var flagArgs []string
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			fields = append(fields, a)
			continue
		}
		k = strings.ReplaceAll(strings.TrimLeft(k, "-"), "_", "-")
		if k == "" {
			return nil, usagef("option %q has no name", a)
		}
		flagArgs = append(flagArgs, "--"+k+"="+v)
	}
	fl.SetOutput(discard{})
	if err := fl.Parse(flagArgs); err != nil {
		return nil, usageError{err}
	}
	return fields, nil
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

func (c *splunkCommand) unpack(args []string) error {
	var (
		up     unpackFlags
		fields []string
		all    bool
		jobs   int
	)
	cmd := &cobra.Command{}
	up.register(cmd)
	fl := cmd.Flags()
	fieldFlag(fl, &fields, "decode")
	fl.BoolVar(&all, "all", true, "also pass on each field without blobs")
	jobsFlag(fl, &jobs)
	bare, err := parseSPLArgs(fl, args)
	if err != nil {
		return err
	}
	fields = append(fields, bare...)
	if jobs < 1 {
		return usagef("jobs must be at least 1")
	}
	u, err := up.unpacker(false)
	if err != nil {
		return err
	}
	po := pipeline.UnpackOptions{Unpacker: u, Fields: fields, Keep: true, All: all, Workers: jobs}
	c.passOn = all
	c.transform = func(ctx context.Context, s record.Stream) record.Stream { return pipeline.Unpack(ctx, s, po) }
	return nil
}

func (c *splunkCommand) extract(args []string) error {
	var xf extractFlags
	cmd := &cobra.Command{}
	xf.register(cmd)
	bare, err := parseSPLArgs(cmd.Flags(), args)
	if err != nil {
		return err
	}
	xf.fields = append(xf.fields, bare...)
	po, err := xf.options(c.e, "")
	if err != nil {
		return err
	}
	uq, maxUnique := po.Unique, xf.maxUnique
	// Keep is done by c.keep, which gives the same fields as the pipeline's Keep at a fraction
	// of the cost on Splunk's wide events (BENCHMARKS.md).
	c.keep = &keeper{skip: po.Fields}
	c.warnings = []error{pipeline.ErrUniqueLimit}
	if uq != pipeline.UniqueGlobal {
		c.transform = func(ctx context.Context, s record.Stream) record.Stream { return pipeline.Extract(ctx, s, po) }
		return nil
	}
	// unique=global spans the whole search, not one chunk: remember values across chunks.
	po.Unique = pipeline.UniqueNone
	g := &globalUnique{max: maxUnique}
	if g.max <= 0 {
		g.max = pipeline.DefaultMaxUnique
	}
	c.transform = func(ctx context.Context, s record.Stream) record.Stream {
		return g.filter(pipeline.Extract(ctx, s, po))
	}
	return nil
}

// globalUnique drops indicators already sent in an earlier chunk of the same search.
type globalUnique struct {
	seen   map[[2]string]struct{}
	max    int
	warned bool
}

func (g *globalUnique) filter(in record.Stream) record.Stream {
	return func(yield func(record.Record, error) bool) {
		if g.seen == nil {
			g.seen = make(map[[2]string]struct{})
		}
		for r, err := range in {
			if err == nil {
				t, _ := r.Get(pipeline.FieldType)
				v, _ := r.Get(pipeline.FieldValue)
				k := [2]string{t.Text(), v.Text()}
				if _, dup := g.seen[k]; dup {
					continue
				}
				if len(g.seen) < g.max {
					g.seen[k] = struct{}{}
				} else if !g.warned {
					g.warned = true
					if !yield(record.Record{}, fmt.Errorf("%w: %d distinct values remembered; later repeats are not dropped (raise max_unique)", pipeline.ErrUniqueLimit, g.max)) {
						return
					}
				}
			}
			if !yield(r, err) {
				return
			}
		}
	}
}

func (c *splunkCommand) lookup(args []string) error {
	var (
		ef         engineFlags
		field      string
		typeField  string
		keep       bool
		details    bool
		minVerdict string
		noGeo      bool
		batch      int
	)
	cmd := &cobra.Command{}
	ef.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&field, "field", "f", "", "field holding the indicator (default: value, indicator or _raw)")
	fl.StringVar(&typeField, "type-field", "type", "field holding the indicator's type")
	fl.BoolVar(&keep, "keep", true, "append the verdict fields to every event (false: one row per distinct indicator)")
	fl.BoolVar(&details, "details", false, "add every provider's full answer as results")
	fl.StringVar(&minVerdict, "min-verdict", "", "only rows whose combined verdict is at least this")
	fl.BoolVar(&noGeo, "no-geoip", false, "do not add GeoIP fields")
	fl.IntVar(&batch, "batch", pipeline.DefaultLookupBatch, "records gathered per round of lookups")
	bare, err := parseSPLArgs(fl, args)
	if err != nil {
		return err
	}
	switch {
	case len(bare) == 1 && field == "":
		field = bare[0]
	case len(bare) > 0:
		return usagef("hunchlookup takes one field, got %q", bare)
	}
	minV := enrich.Unknown
	if minVerdict != "" {
		if minV, err = enrich.ParseVerdict(minVerdict); err != nil {
			return usageError{err}
		}
	}
	eng, closeEngine, err := c.e.engine(&ef, nil)
	if err != nil {
		return err
	}
	c.closers = append(c.closers, closeEngine)
	c.fails = &failures{}
	opts := pipeline.LookupOptions{Engine: eng, Lookup: enrich.LookupOptions{Providers: ef.providers, NoCache: ef.noCache, Refresh: ef.refresh},
		Field: field, TypeField: typeField, Keep: keep, Details: details, Batch: batch, OnResult: c.fails.add}
	if len(ef.providers) > 0 {
		opts.Providers = ef.providers
	}
	if !noGeo {
		db, err := c.e.geoDB()
		if err != nil {
			return fmt.Errorf("opening GeoIP databases: %w", err)
		}
		if db != nil {
			c.closers = append(c.closers, func() { db.Close() })
			opts.Locate = geoFields(db)
		}
	}
	if len(eng.Providers()) == 0 && opts.Locate == nil {
		return errors.New("no usable providers and no GeoIP databases: configure enrich.providers in hunch.yaml ('hunch config check' tells what is missing)")
	}
	c.transform = func(ctx context.Context, s record.Stream) record.Stream {
		s = pipeline.Lookup(ctx, s, opts)
		if minV == enrich.Unknown {
			return s
		}
		return filterVerdict(s, minV)
	}
	return nil
}
