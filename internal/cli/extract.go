package cli

import (
	"iter"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/ioc"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
)

func newExtractCmd(e *env) *cobra.Command {
	var (
		in inputFlags
		xf extractFlags
	)
	cmd := &cobra.Command{
		Use:   "extract [FILE...]",
		Short: "Extract indicators (IPs, domains, URLs, hashes, …) from files or standard input",
		Long: `extract finds indicators of compromise in text, CSV, JSON or NDJSON input and writes one
record per indicator: its type, canonical value (refanged, normalised), the raw text, byte
offsets, and the record and field it came from.

Types: ` + typeNames() + `, plus custom types from the config file (ioc.custom) or --custom.

Defanged indicators (hxxp://, [.], (dot), [at], …) are found and refanged; defanged=true marks
them. With --unpack, base64/hex/compressed blobs are decoded first (as 'hunch unpack' does) and
indicators seen only in decoded text are marked via=decoded.`,
		Example: `  hunch extract notes.txt
  hunch extract -f CommandLine --unpack events.ndjson
  hunch unpack -f CommandLine events.ndjson | hunch extract -f full_decoded
  cat proxy.log | hunch extract --types url,domain --unique global -o csv`,
		RunE: func(cmd *cobra.Command, files []string) error {
			defer paceGC(e.getenv)()
			po, err := xf.options(e, "--")
			if err != nil {
				return err
			}
			po.Keep = len(xf.fields) > 0
			return e.transformEncoded(&in, files, func(src record.Stream) record.Stream {
				return pipeline.Extract(e.ctx, src, po)
			}, func(src record.Stream, enc *record.Encoder) iter.Seq2[pipeline.Encoded, error] {
				return pipeline.ExtractEncoded(e.ctx, src, po, enc)
			}, pipeline.ErrUniqueLimit)
		},
	}
	in.register(cmd)
	xf.register(cmd)
	return cmd
}

func typeNames() string {
	var names []string
	for _, t := range ioc.Types() {
		names = append(names, string(t))
	}
	return strings.Join(names, ", ")
}

// extractFlags are the options of hunch extract, also those of the hunchextract search command.
type extractFlags struct {
	up        unpackFlags
	fields    []string
	types     string
	unique    string
	maxUnique int
	doUnpack  bool
	fileTLDs  bool
	custom    []string
	jobs      int
}

func (f *extractFlags) register(cmd *cobra.Command) {
	f.up.register(cmd)
	fl := cmd.Flags()
	fieldFlag(fl, &f.fields, "scan")
	fl.StringVarP(&f.types, "types", "t", "", "comma-separated indicator types to report (default: all)")
	fl.StringVar(&f.unique, "unique", "none", "drop repeats: none, record (once per input record) or global (once per run)")
	fl.IntVar(&f.maxUnique, "max-unique", pipeline.DefaultMaxUnique, "distinct values remembered by --unique global (bounds memory)")
	fl.BoolVar(&f.doUnpack, "unpack", false, "also decode base64/hex/compressed blobs and scan the decoded text (via=decoded)")
	fl.BoolVar(&f.fileTLDs, "file-tlds", false, "report file names whose extension is a TLD (invoice.zip, run.py) as domains")
	fl.StringArrayVar(&f.custom, "custom", nil, "custom indicator type NAME=REGEX (repeatable; a group named ioc selects the value)")
	jobsFlag(fl, &f.jobs)
}

// options checks the flags and builds the transform's options (Keep left to the caller);
// prefix is how errors name an option: "--" on the command line, "" in a search.
func (f *extractFlags) options(e *env, prefix string) (pipeline.ExtractOptions, error) {
	ex, err := e.extractor(f.types, f.custom, f.fileTLDs, prefix+"custom")
	if err != nil {
		return pipeline.ExtractOptions{}, err
	}
	uq, err := pipeline.ParseUnique(f.unique)
	if err != nil {
		return pipeline.ExtractOptions{}, usageError{err}
	}
	if f.jobs < 1 {
		return pipeline.ExtractOptions{}, usagef("%sjobs must be at least 1", prefix)
	}
	po := pipeline.ExtractOptions{Extractor: ex, Fields: f.fields, Unique: uq, MaxUnique: f.maxUnique, Workers: f.jobs}
	if f.doUnpack {
		if po.Unpacker, err = f.up.unpacker(true); err != nil {
			return pipeline.ExtractOptions{}, err
		}
	}
	return po, nil
}

// extractor builds the indicator extractor of the extract verbs: the comma-separated types
// (all when empty; built-in and custom names alike), the configuration's custom types and the
// NAME=REGEX ones given as flag.
func (e *env) extractor(types string, custom []string, fileTLDs bool, flag string) (*ioc.Extractor, error) {
	opts := ioc.Options{FileNameTLDs: fileTLDs}
	for _, t := range strings.Split(types, ",") {
		if t = strings.TrimSpace(t); t != "" {
			opts.Types = append(opts.Types, ioc.Type(strings.ToLower(t)))
		}
	}
	for _, c := range e.cfg.IOC.Custom {
		opts.Custom = append(opts.Custom, ioc.Custom{Name: c.Name, Pattern: c.Pattern})
	}
	for _, c := range custom {
		name, pattern, ok := strings.Cut(c, "=")
		if !ok || name == "" || pattern == "" {
			return nil, usagef("%s wants NAME=REGEX, got %q", flag, c)
		}
		opts.Custom = append(opts.Custom, ioc.Custom{Name: name, Pattern: pattern})
	}
	ex, err := ioc.NewExtractor(opts)
	if err != nil {
		return nil, usageError{err}
	}
	return ex, nil
}
