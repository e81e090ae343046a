package record

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// TimeFields are the fields EventTime looks in, in order, when given none: EVTX's TimeCreated,
// Sysmon's UtcTime, ECS's @timestamp, Splunk's _time and a plain timestamp.
var TimeFields = []string{"TimeCreated", "UtcTime", "@timestamp", "_time", "timestamp"}

// EventTime reads the record's time from field (a dotted path), or from the first of TimeFields
// present: a time value, or text in RFC 3339 or "2006-01-02 15:04:05.999" (Sysmon's UtcTime)
// form, UTC when no zone is given.
func (r Record) EventTime(field string) (time.Time, bool) {
	names := TimeFields
	if field != "" {
		names = []string{field}
	}
	for _, n := range names {
		v, ok := r.Lookup(n)
		if !ok {
			continue
		}
		if t, ok := v.Time(); ok {
			return t, true
		}
		s := v.Text()
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t, true
			}
		}
		return time.Time{}, false
	}
	return time.Time{}, false
}

// Number is v as a finite number: numbers, booleans (0 or 1), and text holding a decimal number
// or a 0x-prefixed hexadecimal one (as Windows writes process and logon ids).
func (v Value) Number() (float64, bool) {
	var x float64
	switch v.Kind() {
	case KindInt:
		n, _ := v.Int()
		x = float64(n)
	case KindFloat:
		x, _ = v.Float()
	case KindBool:
		if b, _ := v.Bool(); b {
			x = 1
		}
	case KindString:
		s := strings.TrimSpace(v.str())
		if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
			n, err := strconv.ParseUint(s[2:], 16, 64)
			if err != nil {
				return 0, false
			}
			return float64(n), true
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, false
		}
		x = f
	default:
		return 0, false
	}
	return x, !math.IsNaN(x) && !math.IsInf(x, 0)
}
