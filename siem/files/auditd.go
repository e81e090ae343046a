package files

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/record"
)

// AuditLine is one line of an audit log: type=T msg=audit(SECONDS.MILLIS:SERIAL): k=v ...
type AuditLine struct {
	Type   string
	Time   time.Time
	Serial int64
	Fields []record.Field // in line order, quoted values unquoted, hex-encoded strings decoded
}

// hexFields are the fields auditd writes hex-encoded when their value holds a space, quote or
// control byte (otherwise quoted).
var hexFields = map[string]bool{"proctitle": true, "name": true, "comm": true, "exe": true,
	"cwd": true, "path": true, "key": true, "data": true, "new": true, "old": true, "watch": true}

// ParseAuditLine parses one audit log line. A single-quoted msg='k=v …' (user-space records)
// has its pairs parsed as fields too; enriched logs' \x1d separator before the translated
// UPPER-CASE fields is read as a space.
func ParseAuditLine(line string) (AuditLine, error) {
	var a AuditLine
	rest, ok := strings.CutPrefix(line, "type=")
	if !ok {
		return a, errors.New("line does not start with type=")
	}
	a.Type, rest, _ = strings.Cut(rest, " ")
	rest, ok = strings.CutPrefix(rest, "msg=audit(")
	if !ok {
		return a, errors.New("missing msg=audit(")
	}
	head, rest, ok := strings.Cut(rest, "):")
	if !ok {
		return a, errors.New("msg=audit( not closed by ):")
	}
	ts, serial, ok := strings.Cut(head, ":")
	if !ok {
		return a, fmt.Errorf("bad audit stamp %q", head)
	}
	t, err := epochTime(ts)
	if err != nil {
		return a, fmt.Errorf("bad audit time %q", ts)
	}
	a.Time = t.Truncate(time.Millisecond)
	if a.Serial, err = strconv.ParseInt(serial, 10, 64); err != nil {
		return a, fmt.Errorf("bad audit serial %q", serial)
	}
	a.Fields, err = auditPairs(strings.ReplaceAll(rest, "\x1d", " "), a.Type == "EXECVE")
	return a, err
}

func auditPairs(s string, execve bool) ([]record.Field, error) {
	var out []record.Field
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			return out, nil
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 || strings.ContainsAny(s[:eq], " '\"") {
			// free text without k=v (some kernel records): keep it whole
			out = append(out, record.Field{Name: "text", Value: record.String(s)})
			return out, nil
		}
		key := s[:eq]
		s = s[eq+1:]
		var val string
		quoted := false
		switch {
		case strings.HasPrefix(s, `"`):
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("unterminated quoted value of %s", key)
			}
			val, s, quoted = s[1:1+end], s[end+2:], true
		case strings.HasPrefix(s, "'"):
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated quoted value of %s", key)
			}
			val, s = s[1:1+end], s[end+2:]
			if key == "msg" {
				inner, err := auditPairs(val, false)
				if err != nil {
					return nil, fmt.Errorf("msg: %w", err)
				}
				out = append(out, inner...)
				continue
			}
			quoted = true
		default:
			val, s, _ = strings.Cut(s, " ")
		}
		if !quoted && (hexFields[key] || execve && isArgKey(key)) {
			if b, ok := decodeHex(val); ok {
				val = string(b)
			}
		}
		out = append(out, record.Field{Name: key, Value: record.String(val)})
	}
}

func decodeHex(s string) ([]byte, bool) {
	if len(s) < 2 || len(s)%2 != 0 || s == "(null)" {
		return nil, false
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}

// isArgKey reports a0, a12, a1[3]: EXECVE argument fields (not argc, not a1_len).
func isArgKey(k string) bool {
	if len(k) < 2 || k[0] != 'a' || k[1] < '0' || k[1] > '9' {
		return false
	}
	i := 1
	for i < len(k) && k[i] >= '0' && k[i] <= '9' {
		i++
	}
	return i == len(k) || k[i] == '['
}

// auditEvent gathers the lines of one serial.
type auditEvent struct {
	serial int64
	time   time.Time
	line   int
	lines  []AuditLine
	closed bool
}

// record builds the event: time, serial, type (the first record's), types, then every field
// of every line, the first occurrence of a name winning; an EXECVE line gives argv (a list)
// and cmdline (argv joined by spaces), a PROCTITLE line proctitle with NULs as spaces.
func (e *auditEvent) record() record.Record {
	var r record.Record
	types := make([]string, len(e.lines))
	for i, l := range e.lines {
		types[i] = l.Type
	}
	r.Append("time", record.Time(e.time))
	r.Append("serial", record.Int(e.serial))
	r.Append("type", record.String(types[0]))
	r.Append("types", record.Strings(types...))
	for _, l := range e.lines {
		switch l.Type {
		case "EXECVE":
			argv := execveArgs(l.Fields)
			if _, ok := r.Get("argv"); !ok {
				r.Set("argv", record.Strings(argv...))
				r.Set("cmdline", record.String(strings.Join(argv, " ")))
			}
			continue
		case "PROCTITLE":
			for _, f := range l.Fields {
				if f.Name == "proctitle" {
					s, _ := f.Value.Str()
					if _, ok := r.Get("proctitle"); !ok {
						r.Set("proctitle", record.String(strings.TrimRight(strings.ReplaceAll(s, "\x00", " "), " ")))
					}
				}
			}
			continue
		}
		for _, f := range l.Fields {
			if _, ok := r.Get(f.Name); !ok {
				r.Append(f.Name, f.Value)
			}
		}
	}
	r.Meta.Line = e.line
	return r
}

// execveArgs reassembles argv from a0..aN, joining a1[0], a1[1]… chunks of long arguments.
func execveArgs(fields []record.Field) []string {
	argc := -1
	args := map[int]string{}
	chunks := map[int]map[int]string{}
	for _, f := range fields {
		s, _ := f.Value.Str()
		if f.Name == "argc" {
			if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < 1<<16 {
				argc = n
			}
			continue
		}
		if !isArgKey(f.Name) {
			continue
		}
		idx, sub, hasSub := strings.Cut(f.Name[1:], "[")
		n, err := strconv.Atoi(idx)
		if err != nil || n >= 1<<16 {
			continue
		}
		if hasSub {
			c, err := strconv.Atoi(strings.TrimSuffix(sub, "]"))
			if err != nil {
				continue
			}
			if chunks[n] == nil {
				chunks[n] = map[int]string{}
			}
			chunks[n][c] = s
			continue
		}
		args[n] = s
	}
	for n, cs := range chunks {
		keys := make([]int, 0, len(cs))
		for k := range cs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b strings.Builder
		for _, k := range keys {
			b.WriteString(cs[k])
		}
		args[n] = b.String()
	}
	if argc < 0 {
		for n := range args {
			argc = max(argc, n+1)
		}
	}
	argv := make([]string, 0, max(argc, 0))
	for i := 0; i < argc; i++ {
		argv = append(argv, args[i])
	}
	return argv
}

// readAuditd groups the lines of one serial into one event. An event ends at its EOE line, or
// when more than Options.MaxOpenAudit newer events are open, or at the end of the file; events
// come out in the order their first line appeared.
func readAuditd(ctx context.Context, rd io.Reader, name string, opts Options) record.Stream {
	return func(yield0 func(record.Record, error) bool) {
		stopped := false
		yield := func(r record.Record, err error) bool {
			if stopped {
				return false
			}
			if !yield0(r, err) || err != nil && !record.IsParseError(err) {
				stopped = true
				return false
			}
			return true
		}
		var open []*auditEvent
		recs := 0
		emit := func(force bool) bool {
			for len(open) > 0 && (force || open[0].closed || len(open) > opts.MaxOpenAudit) {
				e := open[0]
				open = open[1:]
				if len(e.lines) == 0 {
					continue
				}
				recs++
				r := e.record()
				r.Meta.Source, r.Meta.N = name, recs
				if !yield(r, nil) {
					return false
				}
			}
			return true
		}
		eachLine(ctx, rd, name, opts, yield, func(n int, line []byte) bool {
			if len(line) == 0 {
				return true
			}
			a, err := ParseAuditLine(string(line))
			if err != nil {
				return yield(record.Record{}, &record.ParseError{Source: name, Line: n, Reason: err.Error()})
			}
			var e *auditEvent
			for _, o := range open {
				if o.serial == a.Serial && o.time.Equal(a.Time) && !o.closed {
					e = o
					break
				}
			}
			if e == nil {
				e = &auditEvent{serial: a.Serial, time: a.Time, line: n}
				open = append(open, e)
			}
			if a.Type == "EOE" {
				e.closed = true
			} else {
				e.lines = append(e.lines, a)
			}
			return emit(false)
		})
		if !stopped && ctx.Err() == nil {
			emit(true)
		}
	}
}
