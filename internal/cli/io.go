package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/hunchsec/hunch/evtx"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
)

// inputFlags are the flags of every verb that reads records.
type inputFlags struct {
	format  string
	strict  bool
	maxLine byteSize
}

func (f *inputFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "", "input format: text, csv, json, ndjson (default: from the file extension or first bytes)")
	fl.BoolVar(&f.strict, "strict", false, "stop at the first malformed line or row instead of skipping it")
	f.maxLine = byteSize(record.DefaultMaxLineBytes)
	fl.Var(&f.maxLine, "max-line-bytes", "longest line, row or JSON document accepted (e.g. 1MiB); longer ones are reported and skipped")
}

// inputs returns the records of the named files in order ("-" or none: standard input), with
// malformed records reported on stderr and counted by the returned tally.
func (e *env) inputs(f *inputFlags, files []string) (record.Stream, *tally, error) {
	s, t, err := e.openInputs(f, files)
	if err != nil {
		return nil, nil, err
	}
	return t.wrap(s), t, nil
}

// openInputs is inputs with the malformed records left in the stream, as *record.ParseError,
// for the caller to hand to the tally's note where they come out, in their places.
func (e *env) openInputs(f *inputFlags, files []string) (record.Stream, *tally, error) {
	format, err := record.ParseFormat(f.format)
	if err != nil {
		return nil, nil, usageError{err}
	}
	if f.maxLine <= 0 {
		return nil, nil, usagef("--max-line-bytes must be positive")
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	// Fail before any output when a file cannot be opened.
	for _, name := range files {
		if name == "-" {
			continue
		}
		fi, err := os.Stat(name)
		if err != nil {
			return nil, nil, fmt.Errorf("opening input: %w", err)
		}
		if fi.IsDir() {
			return nil, nil, fmt.Errorf("opening input: %s is a directory", name)
		}
	}
	if f.maxLine > byteSize(math.MaxInt32) {
		return nil, nil, usagef("--max-line-bytes is at most 2GiB")
	}
	opts := record.ReadOptions{Format: format, MaxLineBytes: int(f.maxLine)}
	t := &tally{stderr: e.stderr, strict: f.strict}
	ctx := e.ctx
	stream := func(yield func(record.Record, error) bool) {
		for _, name := range files {
			if !e.readOne(ctx, name, opts, yield) {
				return
			}
		}
	}
	return stream, t, nil
}

func (e *env) readOne(ctx context.Context, name string, opts record.ReadOptions, yield func(record.Record, error) bool) bool {
	var r io.Reader = e.stdin
	if name != "-" {
		fh, err := os.Open(name)
		if err != nil {
			return yield(record.Record{}, fmt.Errorf("opening input: %w", err))
		}
		defer fh.Close()
		if isEVTX(name, fh) {
			return readEVTX(ctx, name, fh, yield)
		}
		r = fh
	}
	for rec, err := range record.Read(ctx, r, name, opts) {
		if !yield(rec, err) {
			return false
		}
	}
	return true
}

// tally reports malformed records on stderr as they pass and counts them; with strict, the
// first one ends the stream as an error.
type tally struct {
	stderr  io.Writer
	strict  bool
	skipped int
}

func (t *tally) wrap(in record.Stream) record.Stream {
	return func(yield func(record.Record, error) bool) {
		for rec, err := range in {
			if err != nil && record.IsParseError(err) {
				if t.note(err) != nil {
					yield(record.Record{}, err)
					return
				}
				continue
			}
			if !yield(rec, err) {
				return
			}
		}
	}
}

// note reports a malformed record that reached the end of the stream in its place: with strict
// it returns err, which ends the command; otherwise it prints and counts it and returns nil.
func (t *tally) note(err error) error {
	if t.strict {
		return err
	}
	t.skipped++
	fmt.Fprintf(t.stderr, "hunch: skipped: %v\n", err)
	return nil
}

// done turns the count of skipped records into the command's result.
func (t *tally) done() error {
	if t.skipped == 0 {
		return nil
	}
	fmt.Fprintf(t.stderr, "hunch: %d malformed record(s) skipped\n", t.skipped)
	return errPartial
}

// writer opens the output writer chosen by -o, or table on a terminal and ndjson otherwise.
func (e *env) writer() (record.Writer, error) {
	name := e.output
	width := 0
	if fd, ok := terminalFD(e.stdout); ok {
		if name == "" {
			name = "table"
		}
		if w, _, err := term.GetSize(fd); err == nil && w > 0 {
			width = w
		}
	}
	if name == "" {
		name = "ndjson"
	}
	if width == 0 {
		if c, err := strconv.Atoi(e.getenv("COLUMNS")); err == nil && c > 0 {
			width = c
		}
	}
	f, err := record.ParseOutFormat(name)
	if err != nil {
		return nil, usageError{err}
	}
	return record.NewWriter(e.stdout, f, record.WriteOptions{Width: width, Columns: e.columns})
}

func terminalFD(w io.Writer) (int, bool) {
	f, ok := w.(*os.File)
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}

// transform runs a verb's stream transform: records from the named files (or stdin) through
// fn to the output writer. Errors matching one of warnings are printed and make the result
// partial (exit 3) without stopping; malformed input records are counted the same way.
func (e *env) transform(in *inputFlags, files []string, fn func(record.Stream) record.Stream, warnings ...error) error {
	src, t, err := e.inputs(in, files)
	if err != nil {
		return err
	}
	return e.drain(src, t, fn, nil, warnings)
}

// transformEncoded is transform for a verb that can also render its records on its workers
// (pipeline.ExtractEncoded, pipeline.UnpackEncoded): when the output format renders each
// record on its own (ndjson, json), encoded is used and the writer only copies the rendered
// bytes in order; otherwise fn's records go to the writer one by one. Both pass malformed
// input records through in their places, so they are reported in input order (whatever the
// number of workers) and --strict stops at the first with what comes before it written.
func (e *env) transformEncoded(in *inputFlags, files []string, fn func(record.Stream) record.Stream,
	encoded func(record.Stream, *record.Encoder) iter.Seq2[pipeline.Encoded, error], warnings ...error) error {
	src, t, err := e.openInputs(in, files)
	if err != nil {
		return err
	}
	return e.drain(src, t, fn, encoded, warnings)
}

// drain writes what fn (or encoded, when set and the format allows) makes of src.
func (e *env) drain(src record.Stream, t *tally, fn func(record.Stream) record.Stream,
	encoded func(record.Stream, *record.Encoder) iter.Seq2[pipeline.Encoded, error], warnings []error) error {
	w, err := e.writer()
	if err != nil {
		return err
	}
	// warn reports err and returns nil when it is a malformed record or one of warnings;
	// otherwise it returns err.
	warn := func(err error) error {
		if record.IsParseError(err) {
			return t.note(err)
		}
		if isAny(err, warnings) {
			fmt.Fprintf(e.stderr, "hunch: warning: %v\n", err)
			t.skipped++
			return nil
		}
		return err
	}
	var first error
	if ew, ok := w.(record.EncodingWriter); ok && encoded != nil {
		for run, err := range encoded(src, ew.Encoder()) {
			if err != nil {
				if first = warn(err); first != nil {
					break
				}
				continue
			}
			if err := ew.WriteEncoded(run.Data, run.N); err != nil {
				first = fmt.Errorf("writing output: %w", err)
				break
			}
		}
	} else {
		for rec, err := range fn(src) {
			if err != nil {
				if first = warn(err); first != nil {
					break
				}
				continue
			}
			if err := w.Write(rec); err != nil {
				first = fmt.Errorf("writing output: %w", err)
				break
			}
		}
	}
	if err := w.Close(); err != nil && first == nil {
		first = fmt.Errorf("writing output: %w", err)
	}
	if first != nil {
		return first
	}
	return t.done()
}

func isAny(err error, targets []error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

// fieldFlag registers -f/--field for a verb that reads record fields; verb says what it does to them.
func fieldFlag(fl *pflag.FlagSet, fields *[]string, verb string) {
	fl.StringArrayVarP(fields, "field", "f", nil, "field to "+verb+" (repeatable; dotted names reach into nested objects); default: every string field. The record's other fields are kept alongside")
}

// jobsFlag registers -j/--jobs. The default is one goroutine per CPU Go runs on (GOMAXPROCS):
// the workers also render their records for ndjson and json output, and on two free cores two
// of them run extract about 1.8× as fast as one (BENCHMARKS.md, "Parallelism"; on a loaded
// machine -j 1 can be the faster).
func jobsFlag(fl *pflag.FlagSet, jobs *int) {
	fl.IntVarP(jobs, "jobs", "j", runtime.GOMAXPROCS(0), "records processed in parallel on this many goroutines (one per CPU by default); output order is kept")
}

// isEVTX reports whether the file is a Windows event log: by its .evtx name or its first bytes.
func isEVTX(name string, f *os.File) bool {
	if strings.EqualFold(filepath.Ext(name), ".evtx") {
		return true
	}
	head := make([]byte, len(evtx.Signature))
	n, _ := f.ReadAt(head, 0)
	return string(head[:n]) == evtx.Signature
}

// readEVTX streams an EVTX file's events as records (package evtx names their fields).
func readEVTX(ctx context.Context, name string, f *os.File, yield func(record.Record, error) bool) bool {
	fi, err := f.Stat()
	if err != nil {
		return yield(record.Record{}, fmt.Errorf("opening input: %w", err))
	}
	for rec, err := range evtx.Read(ctx, f, fi.Size(), name, evtx.Options{}) {
		if !yield(rec, err) {
			return false
		}
	}
	return true
}
