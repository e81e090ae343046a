// Package scp runs a hunch transform as a Splunk custom search command over protocol v2
// ("chunked = true" in commands.conf): it reads splunkd's chunks from standard input, hands
// their CSV records to a Command in batches and writes the replies splunkd expects.
package scp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unsafe"

	"github.com/hunchsec/hunch/record"
)

// Errors a caller may tell apart.
var (
	// ErrMalformed marks input that does not follow the protocol (header, metadata or CSV body).
	ErrMalformed = errors.New("malformed chunk")
	// ErrTruncated marks input that ends inside a chunk.
	ErrTruncated = errors.New("input ended inside a chunk")
	// ErrLimit marks input or output beyond a configured limit.
	ErrLimit = errors.New("limit exceeded")
)

// Defaults of the limits; each has an Option.
const (
	DefaultMaxMetadata = 1 << 20   // bytes of JSON metadata per input chunk
	DefaultMaxBody     = 256 << 20 // bytes of CSV body per input chunk
	DefaultMaxRecords  = 1_000_000 // records per input chunk (splunkd sends ≤ maxresultrows, 50,000 by default)
)

// Limits bound what one input chunk may hold, and the size of an output chunk.
type Limits struct {
	MaxMetadata int
	MaxBody     int
	MaxRecords  int
	// MaxChunkSize is commands.conf's maxchunksize: the largest output chunk, metadata plus
	// body, in bytes; 0 means unlimited. A longer reply is split at record boundaries into
	// chunks marked "partial":true, the last one carrying "finished". (The Python SDK reserves
	// that flag for this but does not send it, pending splunkd support, SPL-103525.)
	MaxChunkSize int
}

// Option changes a limit of Run.
type Option func(*Limits)

// WithMaxMetadata sets the largest accepted metadata of an input chunk, in bytes.
func WithMaxMetadata(n int) Option { return func(l *Limits) { l.MaxMetadata = n } }

// WithMaxBody sets the largest accepted body of an input chunk, in bytes.
func WithMaxBody(n int) Option { return func(l *Limits) { l.MaxBody = n } }

// WithMaxRecords sets the most records accepted in one input chunk.
func WithMaxRecords(n int) Option { return func(l *Limits) { l.MaxRecords = n } }

// WithMaxChunkSize sets the largest output chunk (metadata plus body), as commands.conf's
// maxchunksize; 0 means unlimited.
func WithMaxChunkSize(n int) Option { return func(l *Limits) { l.MaxChunkSize = n } }

// Info is the getinfo request: what splunkd tells the command about the search.
type Info struct {
	Action     string     `json:"action"`
	Preview    bool       `json:"preview"`
	SearchInfo SearchInfo `json:"searchinfo"`
}

// SearchInfo describes the search the command runs in.
type SearchInfo struct {
	// Args are the command's arguments as splunkd tokenised them (field=CommandLine, text);
	// RawArgs keep their quotes.
	Args    []string `json:"args"`
	RawArgs []string `json:"raw_args"`
	// Command is the command's name in the search (newer splunkd only).
	Command       string `json:"command"`
	App           string `json:"app"`
	Owner         string `json:"owner"`
	Username      string `json:"username"`
	SID           string `json:"sid"`
	Search        string `json:"search"` // URL-encoded SPL
	DispatchDir   string `json:"dispatch_dir"`
	SplunkVersion string `json:"splunk_version"`
	SplunkdURI    string `json:"splunkd_uri"`
	EarliestTime  Text   `json:"earliest_time"`
	LatestTime    Text   `json:"latest_time"`
	MaxResultRows int    `json:"maxresultrows"`
	// SessionKey authenticates calls back to splunkd's REST API. It is a secret: never log it.
	SessionKey string `json:"session_key"`
}

// Text is a metadata value that splunkd sends as a string or as a number.
type Text string

// UnmarshalJSON accepts a JSON string, number, boolean or null.
func (t *Text) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(s)
		return nil
	}
	if string(b) == "null" {
		*t = ""
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if _, ok := v.(float64); !ok {
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("want a string or number, got %s", b)
		}
	}
	*t = Text(b)
	return nil
}

// Command types (Config.Type).
const (
	TypeStreaming = "streaming" // record by record, may run on indexers
	TypeStateful  = "stateful"  // streaming on the search head, in order
	TypeEvents    = "events"    // sees all events on the search head (like sort)
	TypeReporting = "reporting" // transforming
)

// Config is the command's answer to getinfo. Zero fields are left out of the reply.
type Config struct {
	Type           string   // TypeStreaming and so on
	Generating     bool     // the command makes records instead of reading them
	RequiredFields []string // fields the command reads; ["*"] or none means all
	MaxWait        int      // seconds splunkd waits for a reply (0: its default)
	StreamingPreop string   // SPL of the map phase of a reporting command
	RunInPreview   *bool
	Distributed    *bool
	// Messages go to the search's inspector with the reply.
	Messages []Message
}

// Message levels, as splunkd's inspector shows them.
const (
	LevelDebug = "DEBUG"
	LevelInfo  = "INFO"
	LevelWarn  = "WARN"
	LevelError = "ERROR"
	LevelFatal = "FATAL"
)

// Message is one inspector message.
type Message struct {
	Level string
	Text  string
}

// MarshalJSON renders the message as splunkd reads it: ["LEVEL","text"].
func (m Message) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]string{m.Level, m.Text})
}

// Command is a custom search command. GetInfo answers getinfo; Process is called once per
// execute chunk with its records and returns the records to send back (a generating command
// is called once, with none). A Process error ends the search: it is shown as an ERROR
// message and Run returns it.
type Command interface {
	GetInfo(ctx context.Context, info Info) (Config, error)
	Process(ctx context.Context, batch []record.Record) ([]record.Record, error)
}

// Streamer is implemented by a Command that can take its input and give its output as
// streams. Run then uses ProcessStream instead of Process: the chunk's records are made as the
// command asks for them and its output is encoded as it comes, so neither is held whole. The
// input records are numbered (Meta.N) from 1 across the search; errors in the input stream
// (a malformed row) must be passed on, and any error in the output ends the search. Run
// encodes each output record before it asks for the next one, so a Streamer may reuse a
// yielded record's storage from then on.
type Streamer interface {
	ProcessStream(ctx context.Context, in record.Stream) record.Stream
}

// Messenger is implemented by a Command that has messages (warnings, say) to show with a
// reply; Run takes them after each Process call.
type Messenger interface {
	TakeMessages() []Message
}

// execMeta is the metadata of an execute chunk.
type execMeta struct {
	Action   string `json:"action"`
	Finished bool   `json:"finished"`
}

// Run serves one search: getinfo, then execute chunks until splunkd marks one finished or
// closes the input. Bad input, a failing command and broken limits are reported to splunkd as
// an ERROR inspector message in a finished reply, and returned (the caller exits non-zero).
func Run(ctx context.Context, in io.Reader, out io.Writer, cmd Command, opts ...Option) error {
	lim := Limits{MaxMetadata: DefaultMaxMetadata, MaxBody: DefaultMaxBody, MaxRecords: DefaultMaxRecords}
	for _, o := range opts {
		o(&lim)
	}
	s := &session{rd: newReader(in, lim), out: out, lim: lim, cmd: cmd}
	err := s.run(ctx)
	if err != nil && !s.failed {
		// Tell splunkd why before exiting; a write error here has nowhere to go.
		s.enc.reset()
		_ = s.write([]Message{{LevelError, "hunch: " + err.Error()}}, true)
	}
	return err
}

type session struct {
	rd     *reader
	out    io.Writer
	lim    Limits
	cmd    Command
	enc    encoder
	buf    []byte
	body   []byte
	n      int  // records read so far
	failed bool // the last write failed: do not write again
}

func (s *session) run(ctx context.Context) error {
	c, err := s.rd.next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: no getinfo chunk before end of input", ErrMalformed)
		}
		return err
	}
	var info Info
	if err := json.Unmarshal(c.Metadata, &info); err != nil {
		return fmt.Errorf("%w: chunk 1 metadata: %w", ErrMalformed, err)
	}
	if info.Action != "getinfo" {
		return fmt.Errorf("%w: chunk 1 has action %q, want getinfo", ErrMalformed, info.Action)
	}
	cfg, err := s.cmd.GetInfo(ctx, info)
	if err != nil {
		return err
	}
	if err := s.writeRaw(configMeta(cfg), nil, nil); err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, err := s.rd.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil && !(cfg.Generating && errors.Is(err, ErrTruncated) && c.Metadata != nil) {
			// A generating command ignores execute bodies, so one cut short does not stop it.
			return err
		}
		var m execMeta
		if err := json.Unmarshal(c.Metadata, &m); err != nil {
			return fmt.Errorf("%w: chunk %d metadata: %w", ErrMalformed, s.rd.n, err)
		}
		if m.Action != "execute" {
			return fmt.Errorf("%w: chunk %d has action %q, want execute", ErrMalformed, s.rd.n, m.Action)
		}
		s.enc.reset()
		if err := s.process(ctx, cfg, c.Body); err != nil {
			return err
		}
		var msgs []Message
		if mc, ok := s.cmd.(Messenger); ok {
			msgs = mc.TakeMessages()
		}
		finished := m.Finished || cfg.Generating
		if err := s.write(msgs, finished); err != nil {
			return err
		}
		if finished {
			return nil
		}
	}
}

// process runs one execute chunk through the command, encoding its output.
func (s *session) process(ctx context.Context, cfg Config, body []byte) error {
	var text string
	if len(body) > 0 {
		// The chunk's bytes are not touched again: the records may share them.
		text = unsafe.String(&body[0], len(body))
	}
	if st, ok := s.cmd.(Streamer); ok && !cfg.Generating {
		rows := decodeRows(text, s.n, s.lim.MaxRecords, "splunk")
		in := func(yield func(record.Record, error) bool) {
			for r, err := range rows {
				if err == nil {
					s.n++
				}
				if !yield(r, err) {
					return
				}
			}
		}
		for r, err := range st.ProcessStream(ctx, in) {
			if err != nil {
				return fmt.Errorf("chunk %d: %w", s.rd.n, err)
			}
			s.enc.add(r)
		}
		return nil
	}
	var batch []record.Record
	if !cfg.Generating {
		var err error
		if batch, err = decodeBody(text, s.n, s.lim.MaxRecords, "splunk"); err != nil {
			return fmt.Errorf("chunk %d: %w", s.rd.n, err)
		}
		s.n += len(batch)
	}
	out, err := s.cmd.Process(ctx, batch)
	if err != nil {
		return err
	}
	for _, r := range out {
		s.enc.add(r)
	}
	return nil
}

// write sends the encoded records as one reply, split into partial chunks when MaxChunkSize
// asks for it.
func (s *session) write(msgs []Message, finished bool) error {
	header, rows := s.enc.finish(s.body[:0])
	s.body = header
	final := replyMeta(msgs, finished, false)
	if len(rows) == 0 {
		return s.writeRaw(final, nil, nil)
	}
	if s.lim.MaxChunkSize <= 0 || len(final)+len(header)+len(rows) <= s.lim.MaxChunkSize {
		return s.writeRaw(final, header, rows)
	}
	ends := s.enc.rowEnds
	// Split at row boundaries; every piece repeats the header line.
	start := 0
	first := true
	for start < len(rows) {
		var meta []byte
		if first {
			meta = replyMeta(msgs, false, true)
		} else {
			meta = replyMeta(nil, false, true)
		}
		room := s.lim.MaxChunkSize - len(meta) - len(header)
		// Find the last row end that fits.
		end := start
		for _, e := range ends {
			if e <= start {
				continue
			}
			if e-start > room {
				break
			}
			end = e
		}
		if end == start {
			return fmt.Errorf("%w: a record of %d bytes does not fit in maxchunksize %d", ErrLimit, nextEnd(ends, start)-start, s.lim.MaxChunkSize)
		}
		if end == len(rows) {
			// Last piece: it carries finished (and the messages, if it is also the first).
			if first {
				meta = replyMeta(msgs, finished, false)
			} else {
				meta = replyMeta(nil, finished, false)
			}
		}
		if err := s.writeRaw(meta, header, rows[start:end]); err != nil {
			return err
		}
		start = end
		first = false
	}
	return nil
}

func nextEnd(ends []int, start int) int {
	for _, e := range ends {
		if e > start {
			return e
		}
	}
	return start
}

// writeRaw writes one chunk whose body is header followed by rows, without copying them.
func (s *session) writeRaw(meta, header, rows []byte) error {
	s.buf = appendHeader(s.buf[:0], len(meta), len(header)+len(rows))
	s.buf = append(s.buf, meta...)
	s.buf = append(s.buf, header...)
	_, err := s.out.Write(s.buf)
	if err == nil && len(rows) > 0 {
		_, err = s.out.Write(rows)
	}
	if err != nil {
		s.failed = true
		return fmt.Errorf("writing reply: %w", err)
	}
	return nil
}

// configMeta renders the getinfo reply: configuration keys in alphabetical order, then the
// inspector (as the SDK writes it).
func configMeta(c Config) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	key := func(k string) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(k))
		b.WriteByte(':')
	}
	js := func(v any) {
		j, _ := json.Marshal(v)
		b.Write(j)
	}
	if c.Distributed != nil {
		key("distributed")
		js(*c.Distributed)
	}
	if c.Generating {
		key("generating")
		js(true)
	}
	if c.MaxWait > 0 {
		key("maxwait")
		js(c.MaxWait)
	}
	if len(c.RequiredFields) > 0 {
		key("required_fields")
		js(c.RequiredFields)
	}
	if c.RunInPreview != nil {
		key("run_in_preview")
		js(*c.RunInPreview)
	}
	if c.StreamingPreop != "" {
		key("streaming_preop")
		js(c.StreamingPreop)
	}
	if c.Type != "" {
		key("type")
		js(c.Type)
	}
	if len(c.Messages) > 0 {
		key("inspector")
		js(map[string][]Message{"messages": c.Messages})
	}
	b.WriteByte('}')
	return b.Bytes()
}

// replyMeta renders an execute reply's metadata: inspector, finished, partial.
func replyMeta(msgs []Message, finished, partial bool) []byte {
	var b []byte
	b = append(b, '{')
	if len(msgs) > 0 {
		j, _ := json.Marshal(map[string][]Message{"messages": msgs})
		b = append(b, `"inspector":`...)
		b = append(b, j...)
		b = append(b, ',')
	}
	b = append(b, `"finished":`...)
	b = strconv.AppendBool(b, finished)
	if partial {
		b = append(b, `,"partial":true`...)
	}
	return append(b, '}')
}

// Decoder reads a chunk stream from either side: splunkd's requests, or a command's replies
// (for tests and tools that play splunkd). Blank lines between chunks are skipped.
type Decoder struct{ rd *reader }

// NewDecoder returns a Decoder over r with the given input limits.
func NewDecoder(r io.Reader, opts ...Option) *Decoder {
	lim := Limits{MaxMetadata: DefaultMaxMetadata, MaxBody: DefaultMaxBody, MaxRecords: DefaultMaxRecords}
	for _, o := range opts {
		o(&lim)
	}
	return &Decoder{rd: newReader(r, lim)}
}

// Next returns the next chunk, or io.EOF at a clean end of the stream. When the stream ends
// inside a body it returns what was read with an error wrapping ErrTruncated.
func (d *Decoder) Next() (Chunk, error) { return d.rd.next() }

// DecodeBody parses a CSV body into records (column order kept, __mv_X folded into X, a
// multi-value cell becoming a list), at most maxRecords of them (≤ 0: DefaultMaxRecords).
func DecodeBody(body []byte, maxRecords int) ([]record.Record, error) {
	if maxRecords <= 0 {
		maxRecords = DefaultMaxRecords
	}
	return decodeBody(string(body), 0, maxRecords, "splunk")
}

// AppendBody appends records as a CSV body the way splunkd and the SDK write them: a header
// row with every field X followed by __mv_X, then one row per record, \r\n line ends.
// No records append nothing.
func AppendBody(dst []byte, recs []record.Record) []byte {
	if len(recs) == 0 {
		return dst
	}
	var e encoder
	e.reset()
	for _, r := range recs {
		e.add(r)
	}
	dst, rows := e.finish(dst)
	return append(dst, rows...)
}

// AppendChunk appends one chunk in transport form: "chunked 1.0,<len(meta)>,<len(body)>\n",
// the metadata, the body.
func AppendChunk(dst, meta, body []byte) []byte { return appendChunk(dst, meta, body) }
