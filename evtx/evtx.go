// Package evtx reads Windows event log files (.evtx) as a stream of records, one chunk (64 KiB)
// in memory at a time. The binary XML of each event is decoded by www.velocidex.com/golang/evtx;
// this package walks the file and chunk structure itself, checks every chunk and record before
// handing it to that parser (bounds, sizes, argument counts, nesting), turns parser panics into
// errors, and flattens each event into predictably named fields.
//
// # Field names
//
// Every record starts with the System fields that are present, in this order:
//
//	EventID        int   System/EventID (its Qualifiers attribute is dropped)
//	TimeCreated    time  System/TimeCreated/@SystemTime, UTC, exact to 100 ns; the record
//	                     header's written time when there is no SystemTime
//	Computer       string
//	Channel        string
//	Provider       string System/Provider/@Name
//	EventRecordID  int
//	Level, Task, Opcode, Version                 string, decimal
//	Keywords       string hexadecimal as Windows shows it ("0x8020000000000000")
//	ProcessID, ThreadID                          string, System/Execution attributes
//	UserID         string System/Security/@UserID (a SID), when present
//	ProviderGuid, ActivityID, RelatedActivityID  string, when present
//
// Then EventData: each named <Data Name="X"> element becomes field X (CommandLine,
// NewProcessName, ParentImage…); unnamed Data elements become Data_1, Data_2… in order; other
// EventData children (Binary…) keep their element name. An EventData name already taken by an
// earlier field (5156's ProcessID collides with System's) is written as EventData.X instead.
// UserData, and any other child of Event (RenderingInfo, DebugData…), is flattened with dotted
// paths from its element name: UserData.LogFileCleared.SubjectUserName; so is a structured
// value inside EventData (X.Child). A repeated element holding text becomes one list field;
// a repeated element with children gets a 1-based index in the path (UserData.X.Item.1.Name).
// Namespace attributes (xmlns…) are dropped.
//
// Values stay strings except EventID, EventRecordID (ints) and TimeCreated (time), written as
// Windows' XML rendering writes them: HexInt32/HexInt64 values in hexadecimal (SubjectLogonId
// "0x3e7", NewProcessId "0xf50"), other integers in decimal, FILETIME and SYSTEMTIME values as
// RFC 3339 UTC, binary as upper-case hexadecimal, booleans as true/false, SIDs as S-1-…, GUIDs
// as the parser writes them; string arrays become lists. (The parser gives hexadecimal integers
// as bare numbers and FILETIMEs as float seconds; such arguments are handed to it as binary,
// and rendered here from their bytes.)
//
// # Errors and limits
//
// A file whose header is not an EVTX header, of an unsupported version, larger than
// Options.MaxFileSize or with more chunk slots than Options.MaxChunks is refused before any
// record is read. A bad chunk (wrong signature, bad header fields, checksum mismatch when
// VerifyChecksums is set, a parser panic) or a bad record (wrong signature, impossible size,
// binary XML that fails the checks, no Event/System element, more than Options.MaxFields
// fields) is yielded as a *record.ParseError naming the file and the byte offset, and reading
// goes on with the next record or chunk, as record.Read does with a bad line. The ParseError
// wraps ErrBadChunk or ErrBadRecord. The records after a bad one in the same chunk cannot be
// located reliably, so the rest of that chunk is skipped, which the error says. Unused
// (all-zero) chunk slots, as found at the end of preallocated files, are skipped silently.
// After Options.MaxRecords records the stream ends with ErrTooManyRecords.
package evtx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/hunchsec/hunch/record"
)

// Defaults for Options fields left at zero.
const (
	// DefaultMaxFileSize is the largest file read: 4 GiB.
	DefaultMaxFileSize = 4 << 30
	// DefaultMaxChunks is the most 64 KiB chunk slots a file may have: a 4 GiB file's.
	DefaultMaxChunks = 65536
	// DefaultMaxRecords is the most records read from one file.
	DefaultMaxRecords = 100_000_000
	// DefaultMaxFields is the most fields and nested elements one record may flatten to.
	DefaultMaxFields = 10_000
)

// File layout constants (MS-EVEN6 / libevtx documentation).
const (
	fileHeaderSize  = 4096
	chunkSize       = 0x10000
	chunkHeaderSize = 0x200
	recordHeaderLen = 24
)

// Errors a caller may need to tell apart. Bad chunks and records arrive as *record.ParseError
// wrapping ErrBadChunk or ErrBadRecord; the others end the stream.
// Signature is the first eight bytes of every EVTX file.
const Signature = "ElfFile\x00"

var (
	// ErrNotEVTX means the file header lacks the "ElfFile" signature or is too short.
	ErrNotEVTX = errors.New("not an evtx file")
	// ErrUnsupportedVersion means the file header names a format version other than 3.x.
	ErrUnsupportedVersion = errors.New("unsupported evtx version")
	// ErrFileTooLarge means the file is larger than Options.MaxFileSize.
	ErrFileTooLarge = errors.New("evtx file too large")
	// ErrTooManyChunks means the file has more chunk slots than Options.MaxChunks.
	ErrTooManyChunks = errors.New("evtx file has too many chunks")
	// ErrTooManyRecords means the file holds more records than Options.MaxRecords.
	ErrTooManyRecords = errors.New("evtx file has too many records")
	// ErrBadChunk is wrapped by the ParseError of a skipped chunk.
	ErrBadChunk = errors.New("bad evtx chunk")
	// ErrBadRecord is wrapped by the ParseError of a skipped record.
	ErrBadRecord = errors.New("bad evtx record")
)

// Options controls reading. The zero value uses the defaults.
type Options struct {
	// MaxFileSize is the largest file accepted, in bytes; 0 means DefaultMaxFileSize.
	MaxFileSize int64
	// MaxChunks is the most 64 KiB chunk slots a file may have (used or not); 0 means
	// DefaultMaxChunks.
	MaxChunks int
	// MaxRecords is the most records read; the stream ends with ErrTooManyRecords when the file
	// has more. 0 means DefaultMaxRecords.
	MaxRecords int
	// MaxFields is the most fields and nested elements one record may flatten to; a record with
	// more is a bad record (templates can share subtrees, so a small chunk can describe an event
	// of astronomical size). 0 means DefaultMaxFields.
	MaxFields int
	// VerifyChecksums makes a chunk whose header or record-data CRC32 does not match a bad chunk.
	// Off by default: Windows leaves the checksums of a chunk being written (a "dirty" log) stale,
	// and its records are still good.
	VerifyChecksums bool
}

func (o Options) withDefaults() Options {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.MaxChunks <= 0 {
		o.MaxChunks = DefaultMaxChunks
	}
	if o.MaxRecords <= 0 {
		o.MaxRecords = DefaultMaxRecords
	}
	if o.MaxFields <= 0 {
		o.MaxFields = DefaultMaxFields
	}
	return o
}

// Reader is an open EVTX file.
type Reader struct {
	f    *os.File
	size int64
	name string
	opts Options
}

// Open opens the EVTX file at path and checks its size, chunk count and header, so that a file
// that cannot be read fails here rather than in the stream.
func Open(path string, opts Options) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open evtx: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open evtx: %w", err)
	}
	opts = opts.withDefaults()
	if err := checkFile(f, fi.Size(), path, opts); err != nil {
		f.Close()
		return nil, err
	}
	return &Reader{f: f, size: fi.Size(), name: path, opts: opts}, nil
}

// Records returns the file's records; see Read.
func (r *Reader) Records(ctx context.Context) record.Stream {
	return Read(ctx, r.f, r.size, r.name, r.opts)
}

// Size returns the file's size in bytes.
func (r *Reader) Size() int64 { return r.size }

// Close closes the file.
func (r *Reader) Close() error { return r.f.Close() }

// Read returns the records of the EVTX file held in r, size bytes long. name identifies the
// input in Meta.Source and in errors. Chunks are read in file order, one at a time; records
// in a chunk are yielded in the order they are stored. Meta.N is the record's position, bad
// records counted; Meta.Line is 0.
//
// A bad chunk or record is yielded as (Record{}, *record.ParseError) and reading goes on. A
// file that cannot be read at all (header, size and chunk limits), a read error, the record
// limit and ctx being cancelled (checked before each record) end the stream with an error.
// Read starts no goroutines and does not close r.
func Read(ctx context.Context, r io.ReaderAt, size int64, name string, opts Options) record.Stream {
	return read(ctx, r, size, name, opts, velocidexParser)
}

// read is Read with the binary XML parser given.
func read(ctx context.Context, r io.ReaderAt, size int64, name string, opts Options, parse eventParser) record.Stream {
	opts = opts.withDefaults()
	return func(yield func(record.Record, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(record.Record{}, err)
			return
		}
		if err := checkFile(r, size, name, opts); err != nil {
			yield(record.Record{}, err)
			return
		}
		s := stream{ctx: ctx, name: name, opts: opts, yield: yield, parse: parse}
		buf := make([]byte, chunkSize)
		for off := int64(fileHeaderSize); off < size; off += chunkSize {
			n, err := r.ReadAt(buf, off)
			if err != nil && !errors.Is(err, io.EOF) {
				yield(record.Record{}, fmt.Errorf("read %s at offset %#x: %w", name, off, err))
				return
			}
			if n < chunkSize {
				clear(buf[n:]) // a truncated last chunk: its complete records are still read
			}
			if !s.chunk(buf, off) {
				return
			}
		}
	}
}

// checkFile applies the size and chunk limits and reads the file header.
func checkFile(r io.ReaderAt, size int64, name string, opts Options) error {
	if size > opts.MaxFileSize {
		return fmt.Errorf("%s: %d bytes, more than the limit of %d: %w", name, size, opts.MaxFileSize, ErrFileTooLarge)
	}
	if slots := (size - fileHeaderSize + chunkSize - 1) / chunkSize; slots > int64(opts.MaxChunks) {
		return fmt.Errorf("%s: %d chunks, more than the limit of %d: %w", name, slots, opts.MaxChunks, ErrTooManyChunks)
	}
	var h [128]byte
	n, err := r.ReadAt(h[:], 0)
	if n < len(h) {
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read %s: %w", name, err)
		}
		return fmt.Errorf("%s: %d bytes, shorter than an evtx header: %w", name, n, ErrNotEVTX)
	}
	if string(h[:8]) != Signature {
		return fmt.Errorf("%s: no evtx signature: %w", name, ErrNotEVTX)
	}
	if major := binary.LittleEndian.Uint16(h[0x26:]); major != 3 {
		minor := binary.LittleEndian.Uint16(h[0x24:])
		return fmt.Errorf("%s: format version %d.%d: %w", name, major, minor, ErrUnsupportedVersion)
	}
	return nil
}

// stream holds the state of one Read.
type stream struct {
	ctx   context.Context
	name  string
	opts  Options
	yield func(record.Record, error) bool
	parse eventParser
	n     int // records and bad records yielded
	good  int // records yielded
}

// bad yields a ParseError wrapping kind; false means stop.
func (s *stream) bad(kind error, format string, args ...any) bool {
	s.n++
	return s.yield(record.Record{}, &record.ParseError{Source: s.name, Reason: fmt.Sprintf(format, args...), Err: kind})
}

// emit yields a record, enforcing the record limit and cancellation; false means stop.
func (s *stream) emit(r record.Record) bool {
	if err := s.ctx.Err(); err != nil {
		s.yield(record.Record{}, err)
		return false
	}
	if s.good >= s.opts.MaxRecords {
		s.yield(record.Record{}, fmt.Errorf("%s: more than %d records: %w", s.name, s.opts.MaxRecords, ErrTooManyRecords))
		return false
	}
	s.n++
	s.good++
	r.Meta = record.Meta{Source: s.name, N: s.n}
	return s.yield(r, nil)
}
