package siem

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxAmountDigits bounds the number in a relative time term, so arithmetic cannot overflow.
const maxAmountDigits = 9

func itoa(n int) string { return strconv.Itoa(n) }

// unit is a time unit of Splunk's relative time syntax.
type unit int

const (
	unitSecond unit = iota
	unitMinute
	unitHour
	unitDay
	unitWeek
	unitMonth
	unitQuarter
	unitYear
)

// lookupUnit maps Splunk's spellings to units.
func lookupUnit(name string) (unit, bool) {
	switch name {
	case "s", "sec", "secs", "second", "seconds":
		return unitSecond, true
	case "m", "min", "mins", "minute", "minutes":
		return unitMinute, true
	case "h", "hr", "hrs", "hour", "hours":
		return unitHour, true
	case "d", "day", "days":
		return unitDay, true
	case "w", "week", "weeks":
		return unitWeek, true
	case "mon", "month", "months":
		return unitMonth, true
	case "q", "qtr", "qtrs", "quarter", "quarters":
		return unitQuarter, true
	case "y", "yr", "yrs", "year", "years":
		return unitYear, true
	}
	return 0, false
}

// absLayouts returns the absolute forms ParseTime accepts after RFC 3339; they carry no zone and
// are read in now's location.
func absLayouts() []string {
	return []string{
		"2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04:05",
		"2006-01-02T15:04",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02 15:04:05",
		"2006-01-02 15:04",
		"2006-01-02",
	}
}

// ParseTime reads a point in time: "now"; RFC 3339 / ISO 8601 with zone
// ("2024-03-01T10:00:00Z", "2024-03-01T10:00:00+01:00"), without zone or date only
// ("2024-03-01T10:00", "2024-03-01", read in now's location); unix seconds ("1700000000",
// "1700000000.25"); or a Splunk relative time: offsets and snaps such as "-15m", "-3d@d",
// "@w0", "+1h@h", "-1mon@mon", "@y", "@d-2h", with Splunk's unit spellings (s, sec, m, min,
// h, hr, d, day, w, week, mon, month, q, qtr, y, yr and plurals). Relative times count from now.
func ParseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return time.Time{}, errors.New("empty time")
	case s == "now":
		return now, nil
	case s[0] == '+' || s[0] == '-' || s[0] == '@':
		return parseRelative(s, now)
	case isUnix(s):
		return parseUnix(s)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range absLayouts() {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: not now, RFC 3339, a date, unix seconds or a relative time like -24h@h", s)
}

func isUnix(s string) bool {
	dot := false
	for i := range len(s) {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0:
			dot = true
		default:
			return false
		}
	}
	return true
}

func parseUnix(s string) (time.Time, error) {
	secStr, fracStr, _ := strings.Cut(s, ".")
	if len(secStr) > 12 {
		return time.Time{}, fmt.Errorf("time %q: unix seconds out of range", s)
	}
	sec, err := strconv.ParseInt(secStr, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: %w", s, err)
	}
	var nsec int64
	if fracStr != "" {
		if len(fracStr) > 9 {
			return time.Time{}, fmt.Errorf("time %q: more than nine fraction digits", s)
		}
		nsec, _ = strconv.ParseInt((fracStr + "000000000")[:9], 10, 64)
	}
	return time.Unix(sec, nsec).UTC(), nil
}

// parseRelative reads a sequence of Splunk terms, each "[+-][N]unit" (N defaults to 1) or
// "@unit" (snap down to the start of that unit; "@w0".."@w7" snap to a weekday, 0 and 7 Sunday).
func parseRelative(s string, now time.Time) (time.Time, error) {
	t := now
	rest := s
	for rest != "" {
		term := rest
		op := rest[0]
		rest = rest[1:]
		if op != '+' && op != '-' && op != '@' {
			return time.Time{}, fmt.Errorf("time %q: unexpected %q, want +, - or @", s, term)
		}
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		digits := rest[:i]
		rest = rest[i:]
		j := 0
		for j < len(rest) && (rest[j] >= 'a' && rest[j] <= 'z' || rest[j] >= 'A' && rest[j] <= 'Z') {
			j++
		}
		name := strings.ToLower(rest[:j])
		rest = rest[j:]
		term = term[:len(term)-len(rest)]
		if op == '@' {
			if digits != "" {
				return time.Time{}, fmt.Errorf("time %q: snap %q takes a unit, not a number", s, term)
			}
			var err error
			if t, err = snap(t, name, rest); err != nil {
				return time.Time{}, fmt.Errorf("time %q: snap %q: %w", s, term, err)
			}
			if name == "w" && rest != "" && rest[0] >= '0' && rest[0] <= '9' {
				rest = rest[1:]
			}
			continue
		}
		u, ok := lookupUnit(name)
		if !ok {
			if name == "" {
				return time.Time{}, fmt.Errorf("time %q: term %q has no unit", s, term)
			}
			return time.Time{}, fmt.Errorf("time %q: unknown unit %q", s, name)
		}
		n := 1
		if digits != "" {
			if len(digits) > maxAmountDigits {
				return time.Time{}, fmt.Errorf("time %q: amount in %q has more than %d digits", s, term, maxAmountDigits)
			}
			n, _ = strconv.Atoi(digits)
		}
		if op == '-' {
			n = -n
		}
		t = offset(t, u, n)
	}
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, fmt.Errorf("time %q: result out of range (year %d)", s, y)
	}
	return t, nil
}

func offset(t time.Time, u unit, n int) time.Time {
	secs := 0
	switch u {
	case unitSecond:
		secs = n
	case unitMinute:
		secs = n * 60
	case unitHour:
		secs = n * 3600
	case unitDay:
		return t.AddDate(0, 0, n)
	case unitWeek:
		return t.AddDate(0, 0, 7*n)
	case unitMonth:
		return t.AddDate(0, n, 0)
	case unitQuarter:
		return t.AddDate(0, 3*n, 0)
	case unitYear:
		return t.AddDate(n, 0, 0)
	}
	return t.AddDate(0, 0, secs/86400).Add(time.Duration(secs%86400) * time.Second)
}

// snap rounds t down to the start of the named unit. For "w", after is the text following the
// unit, whose first digit (0-7) picks the weekday.
func snap(t time.Time, name, after string) (time.Time, error) {
	y, mo, d := t.Date()
	loc := t.Location()
	if name == "w" && after != "" && after[0] >= '0' && after[0] <= '9' {
		wd := int(after[0] - '0')
		if wd > 7 {
			return time.Time{}, fmt.Errorf("weekday %d not in 0-7", wd)
		}
		back := (int(t.Weekday()) - wd%7 + 7) % 7
		return time.Date(y, mo, d-back, 0, 0, 0, 0, loc), nil
	}
	u, ok := lookupUnit(name)
	if !ok {
		if name == "" {
			return time.Time{}, errors.New("missing unit")
		}
		return time.Time{}, fmt.Errorf("unknown unit %q", name)
	}
	switch u {
	case unitSecond:
		return time.Date(y, mo, d, t.Hour(), t.Minute(), t.Second(), 0, loc), nil
	case unitMinute:
		return time.Date(y, mo, d, t.Hour(), t.Minute(), 0, 0, loc), nil
	case unitHour:
		return time.Date(y, mo, d, t.Hour(), 0, 0, 0, loc), nil
	case unitDay:
		return time.Date(y, mo, d, 0, 0, 0, 0, loc), nil
	case unitWeek:
		return time.Date(y, mo, d-int(t.Weekday()), 0, 0, 0, 0, loc), nil
	case unitMonth:
		return time.Date(y, mo, 1, 0, 0, 0, 0, loc), nil
	case unitQuarter:
		return time.Date(y, (mo-1)/3*3+1, 1, 0, 0, 0, 0, loc), nil
	default:
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc), nil
	}
}

// ParseRange reads the --from, --to and --last flags into a Range. to defaults to now;
// last ("24h", "7d", "1mon", "2w": a count and a Splunk unit) sets From that long before To
// and cannot be combined with from. With neither from nor last, From is zero (unbounded).
func ParseRange(from, to, last string, now time.Time) (Range, error) {
	var r Range
	r.To = now
	if strings.TrimSpace(to) != "" {
		t, err := ParseTime(to, now)
		if err != nil {
			return Range{}, fmt.Errorf("--to: %w", err)
		}
		r.To = t
	}
	from, last = strings.TrimSpace(from), strings.TrimSpace(last)
	switch {
	case from != "" && last != "":
		return Range{}, errors.New("--from and --last cannot be used together")
	case from != "":
		t, err := ParseTime(from, now)
		if err != nil {
			return Range{}, fmt.Errorf("--from: %w", err)
		}
		r.From = t
	case last != "":
		if last[0] == '+' || last[0] == '-' || last[0] == '@' || !(last[0] >= '0' && last[0] <= '9') {
			return Range{}, fmt.Errorf("--last %q: want a count and a unit, like 24h or 7d", last)
		}
		t, err := parseRelative("-"+last, r.To)
		if err != nil {
			return Range{}, fmt.Errorf("--last: %w", err)
		}
		if strings.Contains(last, "@") || strings.ContainsAny(last, "+-") {
			return Range{}, fmt.Errorf("--last %q: want a count and a unit, like 24h or 7d", last)
		}
		r.From = t
	}
	if !r.From.IsZero() && !r.From.Before(r.To) {
		return Range{}, fmt.Errorf("time range: from %s is not before to %s", r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
	}
	return r, nil
}
