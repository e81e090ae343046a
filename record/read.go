package record

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Format is an input format.
type Format string

// The input formats. FormatAuto asks Read to detect the format (see DetectFormat).
const (
	FormatAuto   Format = ""
	FormatText   Format = "text"   // one record per line, field _raw
	FormatCSV    Format = "csv"    // comma-separated values with a header row
	FormatJSON   Format = "json"   // an array of objects, one object, or objects one after another
	FormatNDJSON Format = "ndjson" // one JSON object per line
)

// DefaultMaxLineBytes is the longest line, row or document accepted when
// ReadOptions.MaxLineBytes is zero.
const DefaultMaxLineBytes = 64 << 20

// ParseFormat parses an input format name as given to --format: text (or txt), csv, tsv
// (CSV with tabs; use ReadOptions.Comma), json, ndjson (or jsonl), or auto / "" for detection.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return FormatAuto, nil
	case "text", "txt", "lines", "raw":
		return FormatText, nil
	case "csv", "tsv":
		return FormatCSV, nil
	case "json":
		return FormatJSON, nil
	case "ndjson", "jsonl":
		return FormatNDJSON, nil
	}
	return "", fmt.Errorf("unknown input format %q: want text, csv, json, ndjson or auto", s)
}

// ReadOptions controls Read. The zero value detects the format and uses the defaults.
type ReadOptions struct {
	// Format forces the input format. FormatAuto detects it from the name's extension
	// (.csv .tsv .json .ndjson .jsonl .txt .log), else from the first bytes (see DetectFormat).
	Format Format
	// MaxLineBytes is the longest line (text, NDJSON), row (CSV) or array element or document
	// (JSON) accepted; 0 means DefaultMaxLineBytes. A longer one is a *ParseError, skipped, and
	// reading goes on. Text, NDJSON and CSV never hold more than this in memory; a JSON array
	// element is read whole before its size is checked, as encoding/json buffers a value.
	MaxLineBytes int
	// Comma is the CSV field delimiter, an ASCII character other than a quote or line break.
	// 0 means: tab for a .tsv name, else the most frequent of , ; tab | in the header line
	// (outside quotes), comma when none occurs.
	Comma rune
	// StrictQuotes makes a quote inside an unquoted CSV field, or a quote in a quoted field
	// not followed by the delimiter or the end of the line, a *ParseError. By default such
	// quotes are kept as literal characters, as most CSV producers in the wild need.
	StrictQuotes bool
}

// readBufSize is the size of the read buffer, and the most Read looks at to detect a format.
const readBufSize = 64 << 10

// Read returns the records of r in the given format. name identifies the input in Meta.Source
// and in errors ("-" for standard input) and serves format detection.
//
// A malformed line, row or element is yielded as (Record{}, *ParseError) and reading goes on
// with the next one; in JSON, a syntax error cannot be stepped over, so it ends the stream
// after its ParseError. A read error ends the stream with a wrapped error, as does ctx being
// cancelled (checked before each record; a blocked Read of r is not interrupted). Read starts
// no goroutines: stopping the iteration early leaks nothing, and r is not closed.
//
// A UTF-8 byte order mark at the start is dropped. Text and CSV values keep their bytes as
// they are, invalid UTF-8 included (JSON output writes each invalid byte as U+FFFD); JSON
// strings are decoded as encoding/json does, invalid UTF-8 becoming U+FFFD.
func Read(ctx context.Context, r io.Reader, name string, opts ReadOptions) Stream {
	return func(yield func(Record, error) bool) {
		if opts.MaxLineBytes <= 0 {
			opts.MaxLineBytes = DefaultMaxLineBytes
		}
		if err := ctx.Err(); err != nil {
			yield(Record{}, err)
			return
		}
		br := bufio.NewReaderSize(r, readBufSize)
		b, err := br.Peek(1)
		if len(b) == 1 && b[0] == utf8BOM[0] {
			b, err = br.Peek(3)
		}
		if bytes.Equal(b, utf8BOM) {
			_, _ = br.Discard(3)
		} else if err != nil && !errors.Is(err, io.EOF) {
			yield(Record{}, fmt.Errorf("read %s: %w", name, err))
			return
		}
		f := opts.Format
		if f == FormatAuto {
			f = formatFromName(name)
		}
		if f == FormatAuto {
			var err error
			if f, err = detectFromReader(br); err != nil {
				yield(Record{}, fmt.Errorf("read %s: %w", name, err))
				return
			}
		}
		rd := reader{ctx: ctx, done: ctx.Done(), name: name, opts: opts, yield: yield}
		switch f {
		case FormatText:
			rd.text(rd.lines(br))
		case FormatNDJSON:
			rd.ndjson(rd.lines(br))
		case FormatCSV:
			rd.csv(rd.lines(br))
		case FormatJSON:
			rd.json(br)
		default:
			yield(Record{}, fmt.Errorf("read %s: unknown input format %q", name, f))
		}
	}
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// DetectFormat guesses the format of an input from its name's extension, else from head, its
// first bytes (after any byte order mark). By extension: .csv and .tsv are CSV, .json JSON,
// .ndjson and .jsonl NDJSON, .txt and .log text. By content: input starting (after white
// space) with '[' or '{' is JSON, or NDJSON when its first line is a complete JSON object and
// the next non-blank line starts with '{'; anything else is text.
//
// CSV is never detected from content: almost any text line "looks like" a one- or
// many-column CSV row (a log line with commas, a sentence), and reading text as CSV would
// turn every line with a different number of commas into an error. CSV therefore comes
// from a .csv/.tsv name or an explicit format.
func DetectFormat(name string, head []byte) Format {
	if f := formatFromName(name); f != FormatAuto {
		return f
	}
	head = bytes.TrimPrefix(head, utf8BOM)
	f, _ := detectContent(head, true)
	return f
}

func formatFromName(name string) Format {
	if name == "-" {
		return FormatAuto
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".tsv":
		return FormatCSV
	case ".json":
		return FormatJSON
	case ".ndjson", ".jsonl":
		return FormatNDJSON
	case ".txt", ".log":
		return FormatText
	}
	return FormatAuto
}

// detectFromReader looks at as few bytes as decide the format, so that detection on a live
// stream (a pipe from tail -f) does not wait for a full buffer unless the first line is long.
func detectFromReader(br *bufio.Reader) (Format, error) {
	var f Format
	err := peekUntil(br, func(head []byte, complete bool) bool {
		var sure bool
		f, sure = detectContent(head, complete)
		return sure
	})
	return f, err
}

// peekUntil shows done the buffered input, reading one more chunk at a time, until done
// returns true or no more input will come (end of input, or a full buffer: complete).
func peekUntil(br *bufio.Reader, done func(head []byte, complete bool) bool) error {
	n := max(br.Buffered(), 1)
	for {
		head, err := br.Peek(n)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
		complete := err != nil || len(head) >= readBufSize
		if done(head, complete) || complete {
			return nil
		}
		n = len(head) + 1
	}
}

// detectContent decides the format from head. sure is false when more input could change
// the answer; complete says no more input is coming (or will be looked at).
func detectContent(head []byte, complete bool) (f Format, sure bool) {
	rest := bytes.TrimLeft(head, " \t\r\n")
	if len(rest) == 0 {
		return FormatText, complete
	}
	switch rest[0] {
	case '[':
		return FormatJSON, true
	case '{':
	default:
		return FormatText, true
	}
	nl := bytes.IndexByte(rest, '\n')
	if nl < 0 {
		return FormatJSON, complete
	}
	first := bytes.TrimSpace(rest[:nl])
	if !json.Valid(first) {
		return FormatJSON, true // a pretty-printed or broken object
	}
	next := bytes.TrimLeft(rest[nl+1:], " \t\r\n")
	if len(next) == 0 {
		return FormatJSON, complete
	}
	if next[0] == '{' {
		return FormatNDJSON, true
	}
	return FormatJSON, true
}

// reader holds what the per-format readers share.
type reader struct {
	ctx   context.Context
	done  <-chan struct{}
	name  string
	opts  ReadOptions
	yield func(Record, error) bool
	n     int // records yielded so far
}

func (rd *reader) lines(br *bufio.Reader) *lineReader {
	return &lineReader{br: br, max: rd.opts.MaxLineBytes}
}

// cancelled reports (and yields) a cancelled context.
func (rd *reader) cancelled() bool {
	select {
	case <-rd.done:
		rd.yield(Record{}, rd.ctx.Err())
		return true
	default:
		return false
	}
}

// record yields a record with its Meta filled in; false means stop.
func (rd *reader) record(line int, fields []Field) bool {
	rd.n++
	return rd.yield(Record{Meta: Meta{Source: rd.name, Line: line, N: rd.n}, fields: fields}, nil)
}

// bad yields a ParseError; false means stop.
func (rd *reader) bad(line int, err error, format string, args ...any) bool {
	rd.n++ // a malformed record keeps its place, so record numbers are positions in the input
	return rd.yield(Record{}, &ParseError{Source: rd.name, Line: line, Reason: fmt.Sprintf(format, args...), Err: err})
}

// ioErr yields a read error, which ends the stream.
func (rd *reader) ioErr(err error) {
	rd.yield(Record{}, fmt.Errorf("read %s: %w", rd.name, err))
}

func (rd *reader) tooLong(line int, what string) bool {
	return rd.bad(line, nil, "%s longer than %d bytes", what, rd.opts.MaxLineBytes)
}

// eachLine calls fn with every line and its number until fn returns false; it stops on
// cancellation or end of input, reports read errors, and reports over-long lines and skips them.
func (rd *reader) eachLine(lr *lineReader, fn func(n int, line []byte) bool) {
	for {
		if rd.cancelled() {
			return
		}
		line, n, tooLong, err := lr.next()
		switch {
		case errors.Is(err, io.EOF):
			return
		case err != nil:
			rd.ioErr(err)
			return
		case tooLong:
			if !rd.tooLong(n, "line") {
				return
			}
			continue
		}
		if !fn(n, line) {
			return
		}
	}
}

// text yields one record per line with the line in field _raw.
func (rd *reader) text(lr *lineReader) {
	rd.eachLine(lr, func(n int, line []byte) bool {
		return rd.record(n, []Field{{Name: "_raw", Value: String(string(line))}})
	})
}

// ndjson yields one record per non-blank line, each line a JSON object.
func (rd *reader) ndjson(lr *lineReader) {
	var p jsonParser
	rd.eachLine(lr, func(n int, line []byte) bool {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			return true
		}
		fields, perr := p.parseRecord(line)
		if perr != nil {
			return rd.bad(n, perr.err, "%s", perr.reason)
		}
		return rd.record(n, fields)
	})
}

// jsonError is why a document is not a record.
type jsonError struct {
	reason string
	err    error
}

// parseRecord parses one JSON text that must be an object and returns its fields.
func (p *jsonParser) parseRecord(doc []byte) ([]Field, *jsonError) {
	v, err := p.parse(doc)
	if err != nil {
		// Ask encoding/json for the reason: it is precise and familiar, and this is the
		// slow path of bad input only.
		var raw json.RawMessage
		if jerr := json.Unmarshal(doc, &raw); jerr != nil {
			return nil, &jsonError{reason: "invalid json: " + jerr.Error(), err: jerr}
		}
		return nil, &jsonError{reason: "invalid json", err: err}
	}
	r, ok := v.Object()
	if !ok {
		return nil, &jsonError{reason: "json " + jsonKind(v) + " is not an object"}
	}
	return r.fields, nil
}

func jsonKind(v Value) string {
	switch v.Kind() {
	case KindInt, KindFloat:
		return "number"
	case KindList:
		return "array"
	case KindBool:
		return "boolean"
	}
	return v.Kind().String()
}
