package record

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Kind is the type of a Value.
type Kind uint8

// The kinds of value a field can hold.
const (
	KindNull   Kind = iota // no value (JSON null)
	KindString             // text
	KindInt                // 64-bit signed integer
	KindFloat              // 64-bit float
	KindBool               // true or false
	KindTime               // instant, written as RFC 3339 with nanoseconds
	KindList               // multi-value field (Splunk mv); elements are values
	KindObject             // nested object: ordered fields
)

var kindNames = [...]string{"null", "string", "int", "float", "bool", "time", "list", "object"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is a typed field value. The zero Value is null.
// It is kept small (24 bytes) because every field of every record holds one: ints, bools and
// floats (as bits) live in n; a string is its bytes at p and its length in n; a list is its
// elements at p and their count in n; times and objects live behind p.
type Value struct {
	p    unsafe.Pointer
	n    int64
	kind Kind
}

func (v Value) f() float64 { return math.Float64frombits(uint64(v.n)) }

func (v Value) str() string {
	if v.kind != KindString || v.n == 0 {
		return ""
	}
	return unsafe.String((*byte)(v.p), int(v.n))
}

func (v Value) t() time.Time {
	if v.kind != KindTime || v.p == nil {
		return time.Time{}
	}
	return *(*time.Time)(v.p)
}

func (v Value) list() []Value {
	if v.kind != KindList || v.n == 0 {
		return nil
	}
	return unsafe.Slice((*Value)(v.p), int(v.n))
}

func (v Value) obj() *Record {
	if v.kind != KindObject {
		return nil
	}
	return (*Record)(v.p)
}

// objectOf returns an object value that holds fields (without copying them).
func objectOf(fields []Field) Value {
	return Value{kind: KindObject, p: unsafe.Pointer(&Record{fields: fields})}
}

// Null returns the null value.
func Null() Value { return Value{} }

// String returns a text value.
func String(s string) Value {
	if s == "" {
		return Value{kind: KindString}
	}
	return Value{kind: KindString, p: unsafe.Pointer(unsafe.StringData(s)), n: int64(len(s))}
}

// Int returns an integer value.
func Int(n int64) Value { return Value{kind: KindInt, n: n} }

// Float returns a float value.
func Float(f float64) Value { return Value{kind: KindFloat, n: int64(math.Float64bits(f))} }

// Bool returns a boolean value.
func Bool(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.n = 1
	}
	return v
}

// Time returns a time value.
func Time(t time.Time) Value { return Value{kind: KindTime, p: unsafe.Pointer(&t)} }

// List returns a multi-value of the given values.
func List(vs ...Value) Value {
	if len(vs) == 0 {
		return Value{kind: KindList}
	}
	return Value{kind: KindList, p: unsafe.Pointer(unsafe.SliceData(vs)), n: int64(len(vs))}
}

// Strings returns a multi-value of text values.
func Strings(ss ...string) Value {
	if len(ss) == 0 {
		return List()
	}
	vs := make([]Value, len(ss))
	for i, s := range ss {
		vs[i] = String(s)
	}
	return List(vs...)
}

// Object returns a nested-object value holding r's fields.
func Object(r Record) Value { return objectOf(r.fields) }

// Kind returns the value's kind.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.kind == KindNull }

// Str returns the text of a string value and whether v is one.
func (v Value) Str() (string, bool) { return v.str(), v.kind == KindString }

// Int returns the integer of an int value and whether v is one.
func (v Value) Int() (int64, bool) { return v.n, v.kind == KindInt }

// Float returns the number of a float or int value and whether v is one of those.
func (v Value) Float() (float64, bool) {
	switch v.kind {
	case KindFloat:
		return v.f(), true
	case KindInt:
		return float64(v.n), true
	}
	return 0, false
}

// Bool returns the truth of a bool value and whether v is one.
func (v Value) Bool() (bool, bool) { return v.n == 1, v.kind == KindBool }

// Time returns the instant of a time value and whether v is one.
func (v Value) Time() (time.Time, bool) { return v.t(), v.kind == KindTime }

// List returns the elements of a list value (nil for other kinds). The slice must not be modified.
func (v Value) List() []Value { return v.list() }

// Object returns the nested record of an object value and whether v is one.
func (v Value) Object() (Record, bool) {
	o := v.obj()
	if v.kind != KindObject || o == nil {
		return Record{}, false
	}
	return *o, true
}

// Text renders the value as text: strings as they are, numbers in their shortest form, times in
// RFC 3339 with nanoseconds, lists as their elements joined by newlines (Splunk's mv rendering),
// objects as compact JSON, null as "".
func (v Value) Text() string {
	switch v.kind {
	case KindNull:
		return ""
	case KindString:
		return v.str()
	case KindInt:
		return strconv.FormatInt(v.n, 10)
	case KindFloat:
		return formatFloat(v.f())
	case KindBool:
		return strconv.FormatBool(v.n == 1)
	case KindTime:
		return v.t().Format(time.RFC3339Nano)
	case KindList:
		parts := make([]string, len(v.list()))
		for i, e := range v.list() {
			parts[i] = e.Text()
		}
		return strings.Join(parts, "\n")
	case KindObject:
		return string(v.AppendJSON(nil))
	}
	return ""
}

// Texts returns a list's elements as text, or a one-element slice holding v.Text() for a
// non-null scalar, or nil for null. It is how a transform reads "every string in this field".
func (v Value) Texts() []string {
	switch v.kind {
	case KindNull:
		return nil
	case KindList:
		out := make([]string, 0, len(v.list()))
		for _, e := range v.list() {
			out = append(out, e.Texts()...)
		}
		return out
	}
	return []string{v.Text()}
}

func formatFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func (v Value) clone() Value {
	switch v.kind {
	case KindList:
		old := v.list()
		l := make([]Value, len(old))
		for i, e := range old {
			l[i] = e.clone()
		}
		v = List(l...)
	case KindObject:
		if o := v.obj(); o != nil {
			c := o.Clone()
			v.p = unsafe.Pointer(&c)
		}
	}
	return v
}

// Equal reports whether two values have the same kind and content.
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case KindNull:
		return true
	case KindString:
		return v.str() == w.str()
	case KindInt, KindBool:
		return v.n == w.n
	case KindFloat:
		return v.f() == w.f() || (math.IsNaN(v.f()) && math.IsNaN(w.f()))
	case KindTime:
		return v.t().Equal(w.t())
	case KindList:
		a, b := v.list(), w.list()
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if !a[i].Equal(b[i]) {
				return false
			}
		}
		return true
	case KindObject:
		a, _ := v.Object()
		b, _ := w.Object()
		return a.Equal(b)
	}
	return false
}

// Equal reports whether two records hold the same fields in the same order (Meta is ignored).
func (r Record) Equal(o Record) bool {
	if len(r.fields) != len(o.fields) {
		return false
	}
	for i := range r.fields {
		if r.fields[i].Name != o.fields[i].Name || !r.fields[i].Value.Equal(o.fields[i].Value) {
			return false
		}
	}
	return true
}

// MarshalJSON writes the value as JSON: objects keep their field order.
func (v Value) MarshalJSON() ([]byte, error) {
	return v.AppendJSON(nil), nil
}

// MarshalJSON writes the record as a JSON object in field order.
func (r Record) MarshalJSON() ([]byte, error) {
	return r.AppendJSON(nil), nil
}

// AppendJSON appends the record as a compact JSON object in field order.
func (r Record) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	for i, f := range r.fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, f.Name)
		dst = append(dst, ':')
		dst = f.Value.AppendJSON(dst)
	}
	return append(dst, '}')
}

// AppendJSON appends the value as compact JSON. Non-finite floats are written as strings.
func (v Value) AppendJSON(dst []byte) []byte {
	switch v.kind {
	case KindString:
		return appendJSONString(dst, v.str())
	case KindInt:
		return strconv.AppendInt(dst, v.n, 10)
	case KindFloat:
		if math.IsInf(v.f(), 0) || math.IsNaN(v.f()) {
			return appendJSONString(dst, formatFloat(v.f()))
		}
		return strconv.AppendFloat(dst, v.f(), 'g', -1, 64)
	case KindBool:
		return strconv.AppendBool(dst, v.n == 1)
	case KindTime:
		return appendJSONString(dst, v.t().Format(time.RFC3339Nano))
	case KindList:
		dst = append(dst, '[')
		for i, e := range v.list() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.AppendJSON(dst)
		}
		return append(dst, ']')
	case KindObject:
		o := v.obj()
		if o == nil {
			return append(dst, "{}"...)
		}
		return o.AppendJSON(dst)
	}
	return append(dst, "null"...)
}
