package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem/splunk/scp"
)

// splunkCommands are the search commands hunch serves, by the name commands.conf gives them.
var splunkCommands = []string{"hunchunpack", "hunchextract", "hunchlookup"}

func newSplunkCommandCmd(e *env) *cobra.Command {
	var lim scp.Limits
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

Errors (bad options, malformed input, a limit hit) are shown in the search's job inspector
and end the command with a non-zero exit status.`,
		Example: `  | hunchunpack field=CommandLine | hunchextract field=full_decoded types=url,ipv4,domain
  | hunchextract field=CommandLine unpack=t unique=record
  | hunchlookup field=value providers=threatintel`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sc := &splunkCommand{e: e}
			if len(args) > 0 && !strings.Contains(args[0], "=") {
				sc.name, args = args[0], args[1:]
			}
			sc.argv = args
			defer sc.close()
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
	return cmd
}

// splunkCommand adapts a pipeline transform to scp.Command.
type splunkCommand struct {
	e         *env
	name      string
	argv      []string
	transform func(context.Context, record.Stream) record.Stream
	warnings  []error // errors that are reported but do not stop the search
	// passOn sends on, unchanged and in place, every event for which the transform yields nothing.
	passOn   bool
	messages []scp.Message
	closers  []func()
}

var _ scp.Messenger = (*splunkCommand)(nil)

func (c *splunkCommand) close() {
	for _, f := range c.closers {
		f()
	}
}

// GetInfo builds the transform from the command's options.
func (c *splunkCommand) GetInfo(_ context.Context, info scp.Info) (scp.Config, error) {
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
		return scp.Config{}, usagef("no command name: want one of %s (commands.conf command.arg.2)", strings.Join(splunkCommands, ", "))
	default:
		return scp.Config{}, usagef("unknown search command %q: want one of %s", c.name, strings.Join(splunkCommands, ", "))
	}
	if err != nil {
		return scp.Config{}, err
	}
	// Streaming: each chunk is processed on its own, so splunkd may run the command on the
	// indexers. Lookup keeps no state between chunks beyond its cache either.
	return scp.Config{Type: scp.TypeStreaming}, nil
}

// Process runs one chunk's records through the transform.
func (c *splunkCommand) Process(ctx context.Context, batch []record.Record) ([]record.Record, error) {
	in := func(yield func(record.Record, error) bool) {
		for _, r := range batch {
			if !yield(r, nil) {
				return
			}
		}
	}
	out := make([]record.Record, 0, len(batch))
	next := 0 // the next input record not yet answered for (records keep their source's Meta.N)
	for r, err := range c.transform(ctx, in) {
		if err != nil {
			if isAny(err, c.warnings) {
				c.messages = append(c.messages, scp.Message{Level: scp.LevelWarn, Text: err.Error()})
				continue
			}
			return nil, err
		}
		if c.passOn {
			for next < len(batch) && batch[next].Meta.N < r.Meta.N {
				out = append(out, batch[next])
				next++
			}
			if next < len(batch) && batch[next].Meta.N == r.Meta.N {
				next++
			}
		}
		out = append(out, r)
	}
	if c.passOn {
		out = append(out, batch[next:]...)
	}
	return out, nil
}

// TakeMessages returns the warnings gathered since the last call.
func (c *splunkCommand) TakeMessages() []scp.Message {
	m := c.messages
	c.messages = nil
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
	var (
		up        unpackFlags
		fields    []string
		types     string
		unique    string
		maxUnique int
		doUnpack  bool
		fileTLDs  bool
		custom    []string
		jobs      int
	)
	cmd := &cobra.Command{}
	up.register(cmd)
	fl := cmd.Flags()
	fieldFlag(fl, &fields, "scan")
	fl.StringVarP(&types, "types", "t", "", "comma-separated indicator types to report (default: all)")
	fl.StringVar(&unique, "unique", "none", "drop repeats: none, record or global")
	fl.IntVar(&maxUnique, "max-unique", pipeline.DefaultMaxUnique, "distinct values remembered by unique=global")
	fl.BoolVar(&doUnpack, "unpack", false, "also decode blobs and scan the decoded text")
	fl.BoolVar(&fileTLDs, "file-tlds", false, "report file names whose extension is a TLD as domains")
	fl.StringArrayVar(&custom, "custom", nil, "custom indicator type NAME=REGEX")
	jobsFlag(fl, &jobs)
	bare, err := parseSPLArgs(fl, args)
	if err != nil {
		return err
	}
	fields = append(fields, bare...)
	opts := ioc.Options{FileNameTLDs: fileTLDs}
	for _, t := range strings.Split(types, ",") {
		if t = strings.TrimSpace(t); t != "" {
			opts.Types = append(opts.Types, ioc.Type(strings.ToLower(t)))
		}
	}
	for _, cu := range c.e.cfg.IOC.Custom {
		opts.Custom = append(opts.Custom, ioc.Custom{Name: cu.Name, Pattern: cu.Pattern})
	}
	for _, cu := range custom {
		name, pattern, ok := strings.Cut(cu, "=")
		if !ok || name == "" || pattern == "" {
			return usagef("custom wants NAME=REGEX, got %q", cu)
		}
		opts.Custom = append(opts.Custom, ioc.Custom{Name: name, Pattern: pattern})
	}
	ex, err := ioc.NewExtractor(opts)
	if err != nil {
		return usageError{err}
	}
	uq, err := pipeline.ParseUnique(unique)
	if err != nil {
		return usageError{err}
	}
	if jobs < 1 {
		return usagef("jobs must be at least 1")
	}
	po := pipeline.ExtractOptions{Extractor: ex, Fields: fields, Keep: true, Unique: uq, MaxUnique: maxUnique, Workers: jobs}
	if doUnpack {
		if po.Unpacker, err = up.unpacker(true); err != nil {
			return err
		}
	}
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
	opts := pipeline.LookupOptions{Engine: eng, Lookup: enrich.LookupOptions{Providers: ef.providers, NoCache: ef.noCache, Refresh: ef.refresh},
		Field: field, TypeField: typeField, Keep: keep, Details: details, Batch: batch}
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
