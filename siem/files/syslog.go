package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/record"
)

var facilityNames = [...]string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

var severityNames = [...]string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

const stamp3164 = "Jan _2 15:04:05"

// looksSyslog reports whether a line starts like syslog: "<PRI>" then a digit or a month, or
// directly an RFC 3164 "Mmm dd hh:mm:ss" timestamp, or an RFC 3339 timestamp followed by a host
// and a tag ending in a colon (rsyslog's high-precision format, the default of current
// distributions: "2026-11-23T08:00:01.123456+00:00 web01 sshd[2211]: …").
func looksSyslog(line []byte) bool {
	s := string(line)
	if strings.HasPrefix(s, "<") {
		end := strings.IndexByte(s, '>')
		if end < 2 || end > 4 {
			return false
		}
		if _, err := strconv.Atoi(s[1:end]); err != nil {
			return false
		}
		return true
	}
	if stamp, rest, ok := strings.Cut(s, " "); ok && len(stamp) >= 20 && stamp[4] == '-' && stamp[10] == 'T' {
		if _, err := time.Parse(time.RFC3339Nano, stamp); err == nil {
			host, tag, ok := strings.Cut(rest, " ")
			tag, _, colon := strings.Cut(tag, ":")
			return ok && colon && host != "" && tag != "" && !strings.ContainsAny(tag, "{}\"")
		}
	}
	if len(s) < len(stamp3164) {
		return false
	}
	_, err := time.Parse(stamp3164, s[:len(stamp3164)])
	return err == nil
}

// ParseSyslog parses one syslog line, RFC 5424 when "<PRI>1 " starts it, else RFC 3164 (with
// or without "<PRI>", as files written by syslog daemons usually are). Fields, in order:
// priority, facility, facility_name, severity, severity_name (when PRI is present), timestamp,
// host, app, pid, msgid (5424), sd (5424 structured data: an object of SD-ID → object of
// params), message.
//
// RFC 3164 timestamps have no year and no zone: they are read in loc, in the year of now, and
// a time more than a day after now is taken to be from the year before (a December line read
// in January). An RFC 3339 timestamp in place of the 3164 one (rsyslog's high-precision
// format) is read as it is.
func ParseSyslog(line string, now time.Time, loc *time.Location) (record.Record, error) {
	return parseSyslog(line, now, loc, nil)
}

// stampCache remembers the last RFC 3164 timestamp read, as consecutive lines of a log mostly
// share their second.
type stampCache struct {
	stamp string
	t     time.Time
}

func parseSyslog(line string, now time.Time, loc *time.Location, cache *stampCache) (record.Record, error) {
	var r record.Record
	r.Grow(12)
	s := line
	if strings.HasPrefix(s, "<") {
		end := strings.IndexByte(s, '>')
		if end < 2 || end > 4 {
			return r, errors.New("bad priority")
		}
		pri, err := strconv.Atoi(s[1:end])
		if err != nil || pri < 0 || pri > 191 {
			return r, fmt.Errorf("bad priority %q", s[1:end])
		}
		fac, sev := pri/8, pri%8
		r.Append("priority", record.Int(int64(pri)))
		r.Append("facility", record.Int(int64(fac)))
		r.Append("facility_name", record.String(facilityNames[fac]))
		r.Append("severity", record.Int(int64(sev)))
		r.Append("severity_name", record.String(severityNames[sev]))
		s = s[end+1:]
		if strings.HasPrefix(s, "1 ") {
			return parse5424(r, s[2:])
		}
	}
	return parse3164(r, s, now, loc, cache)
}

func nextToken(s string) (string, string) {
	tok, rest, _ := strings.Cut(s, " ")
	return tok, rest
}

func nilValue(s string) record.Value {
	if s == "-" {
		return record.Null()
	}
	return record.String(s)
}

func pidValue(s string) record.Value {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return record.Int(n)
	}
	return nilValue(s)
}

func parse5424(r record.Record, s string) (record.Record, error) {
	ts, s := nextToken(s)
	host, s := nextToken(s)
	app, s := nextToken(s)
	pid, s := nextToken(s)
	msgid, s := nextToken(s)
	if msgid == "" {
		return record.Record{}, errors.New("rfc 5424 header is short")
	}
	if ts == "-" {
		r.Append("timestamp", record.Null())
	} else {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return record.Record{}, fmt.Errorf("bad rfc 5424 timestamp %q", ts)
		}
		r.Append("timestamp", record.Time(t))
	}
	r.Append("host", nilValue(host))
	r.Append("app", nilValue(app))
	r.Append("pid", pidValue(pid))
	r.Append("msgid", nilValue(msgid))
	sd, rest, err := parseSD(s)
	if err != nil {
		return record.Record{}, err
	}
	r.Append("sd", sd)
	rest = strings.TrimPrefix(rest, " ")
	rest = strings.TrimPrefix(rest, "\uFEFF")
	r.Append("message", record.String(rest))
	return r, nil
}

// parseSD reads RFC 5424 STRUCTURED-DATA: "-" or [id k="v" ...][id2 ...].
func parseSD(s string) (record.Value, string, error) {
	if s == "-" || strings.HasPrefix(s, "- ") {
		return record.Null(), s[1:], nil
	}
	if !strings.HasPrefix(s, "[") {
		return record.Value{}, "", errors.New("bad structured data: want - or [")
	}
	var out record.Record
	for strings.HasPrefix(s, "[") {
		s = s[1:]
		i := strings.IndexAny(s, " ]")
		if i <= 0 {
			return record.Value{}, "", errors.New("bad structured data id")
		}
		id := s[:i]
		s = s[i:]
		var params record.Record
		for strings.HasPrefix(s, " ") {
			s = s[1:]
			eq := strings.Index(s, `="`)
			if eq <= 0 {
				return record.Value{}, "", fmt.Errorf("bad structured data param in %s", id)
			}
			name := s[:eq]
			s = s[eq+2:]
			var b strings.Builder
			closed := false
			for i := 0; i < len(s); i++ {
				c := s[i]
				if c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\' || s[i+1] == ']') {
					b.WriteByte(s[i+1])
					i++
					continue
				}
				if c == '"' {
					s = s[i+1:]
					closed = true
					break
				}
				b.WriteByte(c)
			}
			if !closed {
				return record.Value{}, "", fmt.Errorf("unterminated structured data param %s in %s", name, id)
			}
			params.Set(name, record.String(b.String()))
		}
		if !strings.HasPrefix(s, "]") {
			return record.Value{}, "", fmt.Errorf("structured data element %s not closed", id)
		}
		s = s[1:]
		out.Set(id, record.Object(params))
	}
	return record.Object(out), s, nil
}

func parse3164(r record.Record, s string, now time.Time, loc *time.Location, cache *stampCache) (record.Record, error) {
	var t time.Time
	if tok, rest := nextToken(s); len(tok) >= 19 && tok[4] == '-' {
		pt, err := time.Parse(time.RFC3339Nano, tok)
		if err != nil {
			return record.Record{}, fmt.Errorf("bad timestamp %q", tok)
		}
		t, s = pt, rest
	} else {
		if len(s) < len(stamp3164)+1 {
			return record.Record{}, errors.New("line too short for a syslog timestamp")
		}
		if cache != nil && cache.stamp == s[:len(stamp3164)] {
			t = cache.t
		} else {
			var err error
			if t, err = stamp3164Time(s[:len(stamp3164)], now, loc); err != nil {
				return record.Record{}, err
			}
			if cache != nil {
				cache.stamp, cache.t = strings.Clone(s[:len(stamp3164)]), t
			}
		}
		s = strings.TrimPrefix(s[len(stamp3164):], " ")
	}
	r.Append("timestamp", record.Time(t))
	return tag3164(r, s)
}

// stamp3164Time reads "Mmm dd hh:mm:ss" by the year rule of ParseSyslog.
func stamp3164Time(stamp string, now time.Time, loc *time.Location) (time.Time, error) {
	month, day, hh, mm, ss, ok := scanStamp3164(stamp)
	if !ok {
		return time.Time{}, fmt.Errorf("bad rfc 3164 timestamp %q", stamp)
	}
	local := now.In(loc)
	t := time.Date(local.Year(), month, day, hh, mm, ss, 0, loc)
	if t.Day() != day && !(month == time.February && day == 29) {
		return time.Time{}, fmt.Errorf("bad rfc 3164 timestamp %q", stamp)
	}
	if t.After(local.Add(24 * time.Hour)) {
		t = t.AddDate(-1, 0, 0)
	}
	return t, nil
}

const months = "JanFebMarAprMayJunJulAugSepOctNovDec"

// scanStamp3164 reads "Mmm dd hh:mm:ss" (day space-padded or two digits) without time.Parse,
// which dominated the cost of reading syslog.
func scanStamp3164(s string) (m time.Month, day, hh, mm, ss int, ok bool) {
	if len(s) != 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':' {
		return 0, 0, 0, 0, 0, false
	}
	i := strings.Index(months, s[:3])
	if i < 0 || i%3 != 0 {
		return 0, 0, 0, 0, 0, false
	}
	two := func(a, b byte, pad bool) (int, bool) {
		if pad && a == ' ' {
			a = '0'
		}
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return 0, false
		}
		return int(a-'0')*10 + int(b-'0'), true
	}
	var ok1, ok2, ok3, ok4 bool
	day, ok1 = two(s[4], s[5], true)
	hh, ok2 = two(s[7], s[8], false)
	mm, ok3 = two(s[10], s[11], false)
	ss, ok4 = two(s[13], s[14], false)
	if !ok1 || !ok2 || !ok3 || !ok4 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return 0, 0, 0, 0, 0, false
	}
	return time.Month(i/3 + 1), day, hh, mm, ss, true
}

// tag3164 reads "HOST TAG[PID]: message" after the timestamp.
func tag3164(r record.Record, s string) (record.Record, error) {
	host, rest := nextToken(s)
	r.Append("host", record.String(host))
	// TAG[PID]: message; a line without a tag keeps everything as the message.
	app, pid, msg := "", "", rest
	if i := strings.Index(rest, ": "); i > 0 && !strings.ContainsAny(rest[:i], " ") {
		tag := rest[:i]
		msg = rest[i+2:]
		app = tag
		if j := strings.IndexByte(tag, '['); j > 0 && strings.HasSuffix(tag, "]") {
			app, pid = tag[:j], tag[j+1:len(tag)-1]
		}
	} else if strings.HasSuffix(rest, ":") && !strings.Contains(rest, " ") {
		app, msg = strings.TrimSuffix(rest, ":"), ""
	}
	if app != "" {
		r.Append("app", record.String(app))
	}
	if pid != "" {
		r.Append("pid", pidValue(pid))
	}
	r.Append("message", record.String(msg))
	return r, nil
}

func readSyslog(ctx context.Context, rd io.Reader, name string, opts Options) record.Stream {
	return func(yield func(record.Record, error) bool) {
		recs := 0
		var cache stampCache
		eachLine(ctx, rd, name, opts, yield, func(n int, line []byte) bool {
			if len(line) == 0 {
				return true
			}
			recs++
			r, err := parseSyslog(string(line), opts.Now, opts.Location, &cache)
			if err != nil {
				return yield(record.Record{}, &record.ParseError{Source: name, Line: n, Reason: err.Error()})
			}
			r.Meta = record.Meta{Source: name, Line: n, N: recs}
			return yield(r, nil)
		})
	}
}
