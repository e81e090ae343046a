package record

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// OutFormat is an output format.
type OutFormat string

// The output formats.
const (
	OutTable  OutFormat = "table"  // aligned columns fitted to a terminal width
	OutJSON   OutFormat = "json"   // one JSON array, one record per line inside it
	OutNDJSON OutFormat = "ndjson" // one JSON object per line
	OutCSV    OutFormat = "csv"    // a header row, then one row per record
)

// ParseOutFormat parses an output format name as given to -o: table, json, ndjson (or jsonl)
// or csv.
func ParseOutFormat(s string) (OutFormat, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "table":
		return OutTable, nil
	case "json":
		return OutJSON, nil
	case "ndjson", "jsonl":
		return OutNDJSON, nil
	case "csv":
		return OutCSV, nil
	}
	return "", fmt.Errorf("unknown output format %q: want table, json, ndjson or csv", s)
}

// WriteOptions controls a Writer.
type WriteOptions struct {
	// Width is the terminal width the table format fits its rows into; 0 means 120.
	Width int
	// Columns, when set, selects and orders the fields written, in every format. A record
	// without one of them gets an empty cell (CSV, table) or leaves it out (JSON, NDJSON);
	// other fields are not written. When empty, the columns come from the records.
	Columns []string
}

// Writer writes records in one output format.
type Writer interface {
	// Write writes one record (or buffers it; see the format's notes in NewWriter).
	Write(r Record) error
	// Close writes what is buffered and flushes. It does not close the underlying io.Writer.
	Close() error
}

// ErrWriterClosed is returned by Write after Close.
var ErrWriterClosed = errors.New("record writer closed")

// window is how many records the CSV and table writers buffer to choose their columns.
const window = 1000

// NewWriter returns a Writer of format f on w. Output is buffered; Close flushes it. Once a
// write fails, every later Write and Close return that first error.
//
//   - ndjson: one compact JSON object per line, fields in record order.
//   - json: a JSON array streamed as records come, one record per line inside it ("[]" for
//     none). Neither JSON format escapes '<', '>' or '&', so URLs stay readable.
//   - csv: a header row, then one row per record. The header is the union of the fields of
//     the first 1000 records in order of first appearance (those records are buffered); later
//     records stream. If more than 1000 records come, the header ends with an "_extra" column
//     that holds, as a JSON object, any field a later record has beyond the header (empty
//     otherwise). Lists are written with their elements on separate lines in one cell
//     (Splunk's multi-value rendering), objects as compact JSON, null as an empty cell.
//   - table: for terminals. The first 1000 rows are buffered to size the columns to fit
//     Width, then later rows stream with the same widths (their fields beyond those columns
//     are not shown). When the columns do not fit even at a few characters each, only the
//     first ones are shown, followed by a "…" column marking the rows that hold more. Long
//     cells end in "…"; columns of numbers are right-aligned; line breaks show as "⏎" and
//     other control characters and bidirectional overrides as "�", so the table stays one
//     line per record and data cannot send escape sequences to the terminal. List elements
//     are joined with ", ".
func NewWriter(w io.Writer, f OutFormat, opts WriteOptions) (Writer, error) {
	if opts.Width <= 0 {
		opts.Width = 120
	}
	switch f {
	case OutNDJSON:
		return newJSONWriter(w, opts.Columns, false), nil
	case OutJSON:
		return newJSONWriter(w, opts.Columns, true), nil
	case OutCSV:
		return newCSVWriter(w, opts), nil
	case OutTable:
		return &tableWriter{out: newOut(w), width: opts.Width, cols: opts.Columns}, nil
	}
	return nil, fmt.Errorf("new record writer: unknown output format %q", f)
}

// out is a buffered writer with a sticky first error.
type out struct {
	bw     *bufio.Writer
	err    error
	closed bool
}

func newOut(w io.Writer) *out { return &out{bw: bufio.NewWriterSize(w, 64<<10)} }

func (o *out) write(b []byte) error {
	if o.err != nil {
		return o.err
	}
	if o.closed {
		return ErrWriterClosed
	}
	if _, err := o.bw.Write(b); err != nil {
		o.err = fmt.Errorf("write records: %w", err)
	}
	return o.err
}

func (o *out) close() error {
	if o.err != nil || o.closed {
		return o.err
	}
	o.closed = true
	if err := o.bw.Flush(); err != nil {
		o.err = fmt.Errorf("write records: %w", err)
	}
	return o.err
}

// project returns r reduced to cols, in that order (fields r lacks are left out).
func project(r Record, cols []string) Record {
	p := Record{Meta: r.Meta, fields: make([]Field, 0, len(cols))}
	for _, c := range cols {
		if v, ok := r.Get(c); ok {
			p.fields = append(p.fields, Field{Name: c, Value: v})
		}
	}
	return p
}

// Encoder renders records one at a time in an output format whose rendering of a record does not
// depend on the records around it (ndjson, json), so that records can be rendered on many
// goroutines and the bytes handed to one writer in order (see EncodingWriter). An Encoder is
// immutable and safe for concurrent use.
type Encoder struct {
	cols  []string
	array bool
}

// AppendRecord appends the rendering of r to dst and returns the extended slice. The bytes are
// meant for the WriteEncoded of the writer the Encoder came from; for ndjson they are one line.
func (e *Encoder) AppendRecord(dst []byte, r Record) []byte {
	if e.cols != nil {
		r = project(r, e.cols)
	}
	if e.array {
		// Every element starts with a separator; the writer turns the first one into the
		// array's opening bracket.
		dst = append(dst, ",\n"...)
		return r.AppendJSON(dst)
	}
	dst = r.AppendJSON(dst)
	return append(dst, '\n')
}

// EncodingWriter is a Writer that also takes records already rendered by its Encoder. The ndjson
// and json writers are EncodingWriters; csv and table are not, as their rendering of a record
// depends on the records before it (the header, the column widths).
type EncodingWriter interface {
	Writer
	// Encoder returns the encoder whose output WriteEncoded takes.
	Encoder() *Encoder
	// WriteEncoded writes n records rendered by Encoder().AppendRecord and concatenated in
	// order, as n calls of Write would have written them. It does not keep b.
	WriteEncoded(b []byte, n int) error
}

var _ EncodingWriter = (*jsonWriter)(nil)

// jsonWriter writes NDJSON, or a JSON array when array is set.
type jsonWriter struct {
	out *out
	enc Encoder
	n   int
	buf []byte
}

func newJSONWriter(w io.Writer, cols []string, array bool) *jsonWriter {
	return &jsonWriter{out: newOut(w), enc: Encoder{cols: cols, array: array}}
}

func (w *jsonWriter) Encoder() *Encoder { return &w.enc }

func (w *jsonWriter) Write(r Record) error {
	w.buf = w.enc.AppendRecord(w.buf[:0], r)
	return w.WriteEncoded(w.buf, 1)
}

func (w *jsonWriter) WriteEncoded(b []byte, n int) error {
	if n == 0 {
		return w.out.write(nil)
	}
	if w.enc.array && w.n == 0 {
		if err := w.out.write([]byte("[\n")); err != nil {
			return err
		}
		b = b[len(",\n"):]
	}
	if err := w.out.write(b); err != nil {
		return err
	}
	w.n += n
	return nil
}

func (w *jsonWriter) Close() error {
	if w.enc.array && w.out.err == nil && !w.out.closed {
		end := "\n]\n"
		if w.n == 0 {
			end = "[]\n"
		}
		if err := w.out.write([]byte(end)); err != nil {
			return err
		}
	}
	return w.out.close()
}
