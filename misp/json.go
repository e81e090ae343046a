package misp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The wire scalars. MISP 2.4 sends ids, enums, counts and timestamps as JSON strings
// ("12", "3", "1617875568"), flags as JSON booleans or "0"/"1"; MISP 2.5 on PHP 8 sends some of
// them as numbers. Each type below accepts every one of those forms and writes the one form
// MISP 2.4/2.5 writes in events/view, which is also what PyMISP parses: numbers as strings,
// flags as booleans, dates as "YYYY-MM-DD", first_seen/last_seen as ISO-8601 with
// microseconds. JSON null decodes to the zero value everywhere.

// ErrMalformed is wrapped by every error about a JSON body or scalar that has the wrong shape.
var ErrMalformed = errors.New("malformed MISP JSON")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrMalformed)
}

// unquote returns the content of a JSON string literal, or ok=false when b is not a string.
// Plain strings (the common case) are returned without allocating a copy beyond the one the
// caller makes.
func unquote(b []byte) (s string, ok bool, err error) {
	if len(b) < 2 || b[0] != '"' {
		return "", false, nil
	}
	if bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
		return string(b[1 : len(b)-1]), true, nil
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return "", true, malformed("bad string %s", b)
	}
	return s, true, nil
}

func isNull(b []byte) bool { return string(b) == "null" }

// FlexInt is an integer (an id, a count, a version) that MISP sends as a JSON number or as a
// string of digits. "" and null decode to 0. It encodes as a JSON string, as MISP does.
type FlexInt int64

// UnmarshalJSON accepts 12, "12", "", null and -1/"-1".
func (n *FlexInt) UnmarshalJSON(b []byte) error {
	v, err := parseFlexInt(b)
	if err != nil {
		return err
	}
	*n = FlexInt(v)
	return nil
}

// MarshalText writes the decimal digits, which encoding/json puts in a JSON string. (A
// TextMarshaler rather than a Marshaler: encoding/json re-scans what a Marshaler returns,
// and ids are most of what an event holds.)
func (n FlexInt) MarshalText() ([]byte, error) {
	return strconv.AppendInt(make([]byte, 0, 20), int64(n), 10), nil
}

// String returns the decimal form.
func (n FlexInt) String() string { return strconv.FormatInt(int64(n), 10) }

func parseFlexInt(b []byte) (int64, error) {
	if isNull(b) {
		return 0, nil
	}
	s, quoted, err := unquote(b)
	if err != nil {
		return 0, err
	}
	if !quoted {
		s = string(b)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		if quoted {
			return 0, nil
		}
		return 0, malformed("empty number")
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// A JSON number written with an exponent or fraction that is still integral (1e3, 12.0).
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f == float64(int64(f)) && !quoted {
			return int64(f), nil
		}
		return 0, malformed("%s is not an integer", b)
	}
	return v, nil
}

// FlexBool is a flag MISP sends as true/false, 0/1, "0"/"1" or "true"/"false"; "" and null
// decode to false. Any other string is rejected rather than guessed at (PHP would call "no"
// true). It encodes as a JSON boolean.
type FlexBool bool

// UnmarshalJSON accepts true, false, 0, 1 (any non-zero integer is true), "0", "1",
// "true", "false" (any case), "" and null. (It encodes as the JSON boolean it is.)
func (f *FlexBool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true", `"1"`, "1", `"true"`, `"True"`, `"TRUE"`:
		*f = true
		return nil
	case "false", `"0"`, "0", `"false"`, `"False"`, `"FALSE"`, `""`, "null":
		*f = false
		return nil
	}
	s, quoted, err := unquote(b)
	if err != nil {
		return err
	}
	if quoted {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "1", "true":
			*f = true
			return nil
		case "0", "false", "":
			*f = false
			return nil
		}
		return malformed("%s is not a boolean", b)
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return malformed("%s is not a boolean", b)
	}
	*f = v != 0
	return nil
}

// OptBool is a flag a body may leave out, where MISP then applies a default: an
// attribute's to_ids, which defaults to its type's sane default (DefaultToIDS). It decodes
// every form FlexBool does, leaves an absent key (or null, or "") unset, encodes as a JSON
// boolean, and is left out of the encoding when unset (fields of this type are omitempty).
type OptBool int8

// The states of an OptBool.
const (
	BoolUnset OptBool = 0
	BoolFalse OptBool = 1
	BoolTrue  OptBool = 2
)

// OptBoolOf returns BoolTrue or BoolFalse.
func OptBoolOf(b bool) OptBool {
	if b {
		return BoolTrue
	}
	return BoolFalse
}

// Bool reports whether the flag is set to true (unset is false).
func (o OptBool) Bool() bool { return o == BoolTrue }

// IsSet reports whether the body gave the flag.
func (o OptBool) IsSet() bool { return o == BoolTrue || o == BoolFalse }

// Or returns o, or OptBoolOf(def) when o is unset: the way to apply a default.
func (o OptBool) Or(def bool) OptBool {
	if o.IsSet() {
		return o
	}
	return OptBoolOf(def)
}

// String returns "true", "false" or "unset".
func (o OptBool) String() string {
	switch o {
	case BoolTrue:
		return "true"
	case BoolFalse:
		return "false"
	}
	return "unset"
}

// UnmarshalJSON accepts the forms FlexBool does; null and "" leave the flag unset.
func (o *OptBool) UnmarshalJSON(b []byte) error {
	if isNull(b) || string(b) == `""` {
		*o = BoolUnset
		return nil
	}
	var f FlexBool
	if err := f.UnmarshalJSON(b); err != nil {
		return err
	}
	*o = OptBoolOf(bool(f))
	return nil
}

// MarshalJSON writes true or false (false for unset, which omitempty leaves out anyway).
func (o OptBool) MarshalJSON() ([]byte, error) {
	if o == BoolTrue {
		return []byte("true"), nil
	}
	return []byte("false"), nil
}

// Timestamp is a Unix time in seconds (MISP's timestamp, publish_timestamp,
// sighting_timestamp, date_sighting). It accepts a JSON number, a string of digits, "" or
// null (0), and an ISO-8601 date-time string. It encodes as a JSON string of digits.
type Timestamp int64

// TimestampOf returns the Timestamp of t (truncated to the second).
func TimestampOf(t time.Time) Timestamp { return Timestamp(t.Unix()) }

// Time returns the timestamp as a UTC time; the zero Timestamp gives the Unix epoch.
func (t Timestamp) Time() time.Time { return time.Unix(int64(t), 0).UTC() }

// String returns the decimal form.
func (t Timestamp) String() string { return strconv.FormatInt(int64(t), 10) }

// UnmarshalJSON accepts 1617875568, "1617875568", "", null and "2021-04-08T09:52:48Z".
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	v, err := parseFlexInt(b)
	if err == nil {
		*t = Timestamp(v)
		return nil
	}
	if s, quoted, _ := unquote(b); quoted {
		if tm, terr := parseISOTime(s); terr == nil {
			*t = Timestamp(tm.Unix())
			return nil
		}
	}
	return malformed("%s is not a timestamp", b)
}

// MarshalText writes the seconds in decimal, which encoding/json puts in a JSON string.
func (t Timestamp) MarshalText() ([]byte, error) { return FlexInt(t).MarshalText() }

// MicroTime is an instant with microsecond precision: MISP's first_seen and last_seen. It
// accepts ISO-8601 strings with or without a fraction and zone (no zone means UTC), a date
// ("2019-06-25"), a Unix time in seconds (number or string of digits), "" and null. Decoding
// keeps microseconds and converts to UTC. It encodes as "2019-06-25T14:52:53.000000+00:00",
// and the zero MicroTime as null, as MISP does.
type MicroTime struct{ time.Time }

// MicroTimeOf returns t in UTC truncated to the microsecond.
func MicroTimeOf(t time.Time) MicroTime {
	if t.IsZero() {
		return MicroTime{}
	}
	return MicroTime{t.UTC().Truncate(time.Microsecond)}
}

const microLayout = "2006-01-02T15:04:05.000000-07:00"

// UnmarshalJSON accepts the forms described on the type.
func (m *MicroTime) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*m = MicroTime{}
		return nil
	}
	s, quoted, err := unquote(b)
	if err != nil {
		return err
	}
	if !quoted {
		s = string(b)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		*m = MicroTime{}
		return nil
	}
	if isDigits(s) {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return malformed("%s is not a time", b)
		}
		t := time.Unix(v, 0).UTC()
		if t.Year() < 1 || t.Year() > 9999 {
			return malformed("%s is out of the years 1-9999", b)
		}
		*m = MicroTimeOf(t)
		return nil
	}
	if !quoted {
		return malformed("%s is not a time", b)
	}
	t, err := parseISOTime(s)
	if err != nil {
		return malformed("%q is not an ISO-8601 time", s)
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return malformed("%q is out of the years 0-9999 in UTC", s)
	}
	*m = MicroTimeOf(t)
	return nil
}

// MarshalJSON writes the ISO-8601 form with microseconds, or null for the zero time.
func (m MicroTime) MarshalJSON() ([]byte, error) {
	if m.IsZero() {
		return []byte("null"), nil
	}
	buf := make([]byte, 0, len(microLayout)+2)
	buf = append(buf, '"')
	buf = m.UTC().AppendFormat(buf, microLayout)
	return append(buf, '"'), nil
}

// String returns the wire form without quotes, or "" for the zero time.
func (m MicroTime) String() string {
	if m.IsZero() {
		return ""
	}
	return m.UTC().Format(microLayout)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isoLayouts are the date-time spellings accepted on input, most common first.
var isoLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseISOTime parses the ISO-8601 spellings MISP and PyMISP produce. A time without a zone
// is taken as UTC.
func parseISOTime(s string) (time.Time, error) {
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, malformed("%q is not an ISO-8601 time", s)
}

// Date is a calendar day, MISP's event date. It accepts "2021-06-07", an ISO-8601 date-time
// (its day in its own zone), a Unix time (number or string of digits; its UTC day), "" and
// null. It encodes as "2021-06-07"; the zero Date encodes as "".
type Date struct{ time.Time }

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	if t.IsZero() {
		return Date{}
	}
	y, mo, d := t.Date()
	return Date{time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)}
}

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, malformed("%q is not a YYYY-MM-DD date", s)
	}
	return Date{t}, nil
}

// UnmarshalJSON accepts the forms described on the type.
func (d *Date) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*d = Date{}
		return nil
	}
	s, quoted, err := unquote(b)
	if err != nil {
		return err
	}
	if !quoted {
		s = string(b)
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		*d = Date{}
		return nil
	case isDigits(s):
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return malformed("%s is not a date", b)
		}
		t := time.Unix(v, 0).UTC()
		if t.Year() < 1 || t.Year() > 9999 {
			return malformed("%s is out of the years 1-9999", b)
		}
		*d = DateOf(t)
		return nil
	case !quoted:
		return malformed("%s is not a date", b)
	}
	if len(s) == len(time.DateOnly) {
		v, err := ParseDate(s)
		if err != nil {
			return err
		}
		*d = v
		return nil
	}
	t, err := parseISOTime(s)
	if err != nil {
		return malformed("%q is not a date", s)
	}
	*d = DateOf(t)
	return nil
}

// MarshalJSON writes "YYYY-MM-DD", or "" for the zero Date. (It must be a MarshalJSON:
// the embedded time.Time's would otherwise be used.)
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte(`""`), nil
	}
	buf := make([]byte, 0, 12)
	buf = append(buf, '"')
	buf = d.AppendFormat(buf, time.DateOnly)
	return append(buf, '"'), nil
}

// String returns "YYYY-MM-DD", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

// NullString is a string MISP sends as null when it is empty (object_relation outside an
// object, a tag's relationship_type) and sometimes as false (relationship_type on a galaxy
// cluster). null, false and "" decode to ""; "" encodes as null.
type NullString string

// UnmarshalJSON accepts a string, null or false.
func (s *NullString) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null", "false":
		*s = ""
		return nil
	}
	v, quoted, err := unquote(b)
	if err != nil {
		return err
	}
	if !quoted {
		return malformed("%s is not a string", b)
	}
	*s = NullString(v)
	return nil
}

// MarshalJSON writes the string, or null when it is empty.
func (s NullString) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	return json.Marshal(string(s))
}

// StringList is a list of strings that MISP sometimes sends as one string: an
// organisation's restricted_to_domain is [] in JSON but "" (or a JSON-encoded list inside a
// string) from older instances. A bare non-empty string becomes a one-element list. An empty
// list decodes to nil and nil encodes as [].
type StringList []string

// UnmarshalJSON accepts a list of strings, a string, or null.
func (l *StringList) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*l = nil
		return nil
	}
	if len(b) > 0 && b[0] == '[' {
		var v []string
		if err := json.Unmarshal(b, &v); err != nil {
			return malformed("%s is not a list of strings", truncate(b))
		}
		if len(v) == 0 {
			v = nil
		}
		*l = v
		return nil
	}
	s, quoted, err := unquote(b)
	if err != nil {
		return err
	}
	if !quoted {
		return malformed("%s is not a list of strings", truncate(b))
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		*l = nil
	case s[0] == '[':
		return l.UnmarshalJSON([]byte(s))
	default:
		*l = StringList{s}
	}
	return nil
}

// MarshalJSON writes a JSON list, [] when empty.
func (l StringList) MarshalJSON() ([]byte, error) {
	if len(l) == 0 {
		return []byte("[]"), nil
	}
	return json.Marshal([]string(l))
}

func truncate(b []byte) []byte {
	if len(b) > 64 {
		return append(b[:60:60], "..."...)
	}
	return b
}

// enumUnmarshal decodes a small integer sent as a number or string and checks its range.
func enumUnmarshal(b []byte, name string, lo, hi int64) (int64, error) {
	v, err := parseFlexInt(b)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	if v < lo || v > hi {
		return 0, malformed("%s %d is out of range %d-%d", name, v, lo, hi)
	}
	return v, nil
}

// Limits bound what a decoder accepts in one body, beyond the byte size the caller bounds
// before reading (an HTTP handler's request limit, a file size check). The zero value of a
// field means "no limit".
type Limits struct {
	// MaxAttributes bounds the attributes of one event, counting those inside objects.
	MaxAttributes int
	// MaxObjects bounds the objects of one event.
	MaxObjects int
	// MaxTags bounds the tags on any one event, attribute or object attribute.
	MaxTags int
	// MaxEvents bounds the events in one list body.
	MaxEvents int
	// MaxDepth bounds the nesting of objects and lists in a body. MISP's deepest answers nest
	// about 13 levels (event, galaxy, cluster, relation, tag, …); a body nested thousands of
	// levels deep is an attack on the decoder, and is refused before decoding starts.
	MaxDepth int
}

// DefaultLimits returns the limits DecodeEvent and the other decoders use: one million
// attributes and two hundred thousand objects per event, ten thousand tags per element,
// one hundred thousand events per list and 64 levels of nesting — far above the largest
// events MISP instances exchange, far below what would exhaust memory before the caller's
// body limit does.
func DefaultLimits() Limits {
	return Limits{
		MaxAttributes: 1_000_000,
		MaxObjects:    200_000,
		MaxTags:       10_000,
		MaxEvents:     100_000,
		MaxDepth:      64,
	}
}

// ErrLimit is wrapped by every error about a body that exceeds a Limits bound.
var ErrLimit = errors.New("MISP body exceeds a limit")

func overLimit(what string, got, limit int) error {
	return fmt.Errorf("%s: %d, more than the limit of %d: %w", what, got, limit, ErrLimit)
}

// listOrOne decodes either a JSON list of T or a single T (a list of one), and null as nil.
type listOrOne[T any] []T

func (l *listOrOne[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case isNull(b):
		*l = nil
		return nil
	case len(b) > 0 && b[0] == '[':
		var v []T
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*l = v
		return nil
	case len(b) > 0 && b[0] == '{':
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*l = []T{v}
		return nil
	}
	return malformed("expected an object or a list, got %s", truncate(b))
}

// envelope is implemented by the per-type envelope structs: a body decoded into one holds
// either wrapped elements, nested bodies (the response/request wrappers, decoded in turn),
// or a bare element.
type envelope[T any, E any] interface {
	*E
	parts() (wrapped []T, nested [][]byte, bare *T)
}

// decodeEnvelopes decodes a body that is one envelope object or a list of them; list says
// which.
func decodeEnvelopes[E any](data []byte, maxDepth int) (envs []E, list bool, err error) {
	t := bytes.TrimSpace(data)
	if maxDepth > 0 {
		if d := jsonDepth(t, maxDepth); d > maxDepth {
			return nil, false, overLimit("nesting depth", d, maxDepth)
		}
	}
	if len(t) > 0 && t[0] == '[' {
		if err := decodeBody(t, &envs); err != nil {
			return nil, true, err
		}
		return envs, true, nil
	}
	// The commonest body, {"response": [ … ]}, is decoded in one pass rather than through
	// listOrOne, which would scan the list a second and third time.
	if key, rest := firstKey(t); (key == "response" || key == "request") && len(rest) > 0 && rest[0] == '[' {
		var w struct {
			Response []E `json:"response"`
			Request  []E `json:"request"`
		}
		if err := decodeBody(t, &w); err != nil {
			return nil, false, err
		}
		return append(w.Response, w.Request...), true, nil
	}
	var one E
	if err := decodeBody(t, &one); err != nil {
		return nil, false, err
	}
	return []E{one}, false, nil
}

// jsonDepth returns the deepest nesting of objects and lists in b, stopping early once it
// exceeds stop. It does not validate b.
func jsonDepth(b []byte, stop int) int {
	depth, deepest := 0, 0
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > deepest {
				deepest = depth
				if deepest > stop {
					return deepest
				}
			}
		case '}', ']':
			depth--
		}
	}
	return deepest
}

// firstKey returns the first key of the JSON object in b when it is a plain string (no
// escapes), and what follows its colon, white space trimmed; "" when b does not start so.
func firstKey(b []byte) (key string, rest []byte) {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || b[0] != '{' {
		return "", nil
	}
	b = bytes.TrimLeft(b[1:], " \t\r\n")
	if len(b) == 0 || b[0] != '"' {
		return "", nil
	}
	end := bytes.IndexByte(b[1:], '"')
	if end < 0 || bytes.IndexByte(b[1:1+end], '\\') >= 0 {
		return "", nil
	}
	key = string(b[1 : 1+end])
	b = bytes.TrimLeft(b[2+end:], " \t\r\n")
	if len(b) == 0 || b[0] != ':' {
		return "", nil
	}
	return key, bytes.TrimLeft(b[1:], " \t\r\n")
}

// maxWrapperDepth bounds how many response/request wrappers may nest: each level is
// decoded in turn, so the bound keeps the work linear in the body size.
const maxWrapperDepth = 4

// flatten collects the elements of decoded envelopes in order, decoding the bodies nested
// in response/request wrappers in turn. A bare element that is entirely zero ({}) is not an
// element. A body that is a list, or that holds a wrapper (response, request, or a list
// under the element's key), may hold no element at all; any other body without an element
// is malformed. It fails when there are more than max elements (when max > 0).
func flatten[T any, E any, P envelope[T, E]](envs []E, list bool, what string, max int) ([]T, error) {
	var out []T
	container := list
	var walk func(envs []E, depth int) error
	walk = func(envs []E, depth int) error {
		for i := range envs {
			wrapped, nested, bare := P(&envs[i]).parts()
			switch {
			case wrapped != nil:
				container = true
				out = append(out, wrapped...)
			case nested != nil:
				container = true
				if depth >= maxWrapperDepth {
					return malformed("%s body nests response/request wrappers too deeply", what)
				}
				for _, raw := range nested {
					if isNull(bytes.TrimSpace(raw)) {
						continue
					}
					sub, _, err := decodeEnvelopes[E](raw, 0)
					if err != nil {
						return err
					}
					if err := walk(sub, depth+1); err != nil {
						return err
					}
				}
			case bare != nil && !reflect.ValueOf(bare).Elem().IsZero():
				out = append(out, *bare)
			}
			if max > 0 && len(out) > max {
				return overLimit(what+"s in body", len(out), max)
			}
		}
		return nil
	}
	if err := walk(envs, 0); err != nil {
		return nil, err
	}
	if len(out) == 0 && !container {
		return nil, malformed("no %s in body", what)
	}
	return out, nil
}

// joinNested returns the bodies of the response and request wrappers, non-nil when either
// wrapper was present.
func joinNested(response, request json.RawMessage) [][]byte {
	if response == nil && request == nil {
		return nil
	}
	out := make([][]byte, 0, 2)
	if response != nil {
		out = append(out, response)
	}
	if request != nil {
		out = append(out, request)
	}
	return out
}

// decodeOne decodes a body holding exactly one element of an envelope type.
func decodeOne[T any, E any, P envelope[T, E]](data []byte, what string) (*T, error) {
	list, err := decodeMany[T, E, P](data, what, 0, DefaultLimits().MaxDepth)
	if err != nil {
		return nil, err
	}
	if len(list) != 1 {
		return nil, malformed("body holds %d %ss, want one", len(list), what)
	}
	return &list[0], nil
}

// decodeMany decodes a body holding any number of elements of an envelope type.
func decodeMany[T any, E any, P envelope[T, E]](data []byte, what string, max, maxDepth int) ([]T, error) {
	envs, list, err := decodeEnvelopes[E](data, maxDepth)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", what, err)
	}
	return flatten[T, E, P](envs, list, what, max)
}

// decodeBody unmarshals a whole body, rejecting anything that is not a JSON object or list
// and wrapping syntax and type errors in ErrMalformed.
func decodeBody(data []byte, v any) error {
	t := bytes.TrimSpace(data)
	if len(t) == 0 {
		return malformed("empty body")
	}
	if t[0] != '{' && t[0] != '[' {
		return malformed("body is not a JSON object or list")
	}
	if err := json.Unmarshal(t, v); err != nil {
		if errors.Is(err, ErrMalformed) || errors.Is(err, ErrLimit) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return nil
}

// encodeWrapped writes {"<key>": v}. A v with its own MarshalJSON (all of which produce
// compact JSON through json.Marshal) is asked directly, sparing json.Marshal's re-scan of
// the whole answer.
func encodeWrapped(key string, v any) ([]byte, error) {
	var inner []byte
	var err error
	if m, ok := v.(json.Marshaler); ok {
		inner, err = m.MarshalJSON()
	} else {
		inner, err = json.Marshal(v)
	}
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 0, len(inner)+len(key)+6)
	buf = append(buf, `{"`...)
	buf = append(buf, key...)
	buf = append(buf, `":`...)
	buf = append(buf, inner...)
	return append(buf, '}'), nil
}
