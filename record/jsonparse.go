package record

import (
	"errors"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth is the deepest nesting accepted, the same limit encoding/json applies, so that
// both agree on which documents are valid and a hostile line cannot exhaust the stack.
const maxJSONDepth = 10000

// errJSONSyntax is returned by jsonParser for any input encoding/json would reject. The reader
// asks encoding/json for the precise reason when it needs one (the slow path, bad lines only).
var errJSONSyntax = errors.New("invalid json")

// jsonParser decodes one complete JSON text held in memory into Values, keeping the field
// order of objects. It accepts exactly what encoding/json accepts: invalid UTF-8 and lone
// surrogates in strings become U+FFFD, duplicate object keys keep the last value (at the
// position of the first). Field names are interned so that a stream of records with the same
// keys does not allocate them again for every record.
type jsonParser struct {
	data  []byte
	pos   int
	depth int
	names map[string]string
	buf   []byte
	text  string // data as a string
	width int    // number of fields of the last top-level object
}

// maxInterned bounds the name cache so that input with ever-new keys keeps bounded memory.
const maxInterned = 4096

func (p *jsonParser) name(b []byte) string {
	if s, ok := p.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if p.names == nil {
		p.names = make(map[string]string)
	}
	if len(p.names) < maxInterned {
		p.names[s] = s
	}
	return s
}

// parse decodes data as a single JSON value surrounded by optional white space.
func (p *jsonParser) parse(data []byte) (Value, error) {
	p.data, p.pos, p.depth = data, 0, 0
	// One string for the whole text: plain strings in it become slices of it rather than
	// an allocation each.
	p.text = string(data)
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return Value{}, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return Value{}, errJSONSyntax
	}
	p.data, p.text = nil, ""
	return v, nil
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (Value, error) {
	if p.pos >= len(p.data) {
		return Value{}, errJSONSyntax
	}
	switch c := p.data[p.pos]; c {
	case '{':
		return p.object()
	case '[':
		return p.array()
	case '"':
		s, err := p.str(false)
		if err != nil {
			return Value{}, err
		}
		return String(s), nil
	case 't':
		return p.literal("true", Bool(true))
	case 'f':
		return p.literal("false", Bool(false))
	case 'n':
		return p.literal("null", Null())
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return p.number()
		}
		return Value{}, errJSONSyntax
	}
}

func (p *jsonParser) literal(word string, v Value) (Value, error) {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return Value{}, errJSONSyntax
	}
	p.pos += len(word)
	return v, nil
}

func (p *jsonParser) object() (Value, error) {
	p.depth++
	if p.depth > maxJSONDepth {
		return Value{}, errJSONSyntax
	}
	p.pos++ // {
	fields, err := p.members()
	if err != nil {
		return Value{}, err
	}
	p.depth--
	return objectOf(fields), nil
}

// members parses the inside of an object after its '{', through its '}'.
func (p *jsonParser) members() ([]Field, error) {
	var fs fieldSet
	if p.depth == 1 && p.width > 0 {
		// Records in a stream tend to have the same width: allocate once, not by doubling.
		fs.fields = make([]Field, 0, p.width)
	}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return fs.fields, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, errJSONSyntax
		}
		key, err := p.str(true)
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, errJSONSyntax
		}
		p.pos++
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		fs.set(key, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, errJSONSyntax
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			if p.depth == 1 {
				p.width = len(fs.fields)
			}
			return fs.fields, nil
		default:
			return nil, errJSONSyntax
		}
	}
}

// fieldSet collects the fields of an object: a repeated name keeps its first position and
// takes the last value, as in encoding/json. Wide objects get an index, so that building one
// stays linear in its number of fields.
type fieldSet struct {
	fields []Field
	index  map[string]int
}

func (s *fieldSet) set(name string, v Value) {
	if s.index == nil {
		for i := range s.fields {
			if s.fields[i].Name == name {
				s.fields[i].Value = v
				return
			}
		}
		s.fields = append(s.fields, Field{Name: name, Value: v})
		if len(s.fields) > 32 {
			s.index = make(map[string]int, 2*len(s.fields))
			for i, f := range s.fields {
				s.index[f.Name] = i
			}
		}
		return
	}
	if i, ok := s.index[name]; ok {
		s.fields[i].Value = v
		return
	}
	s.index[name] = len(s.fields)
	s.fields = append(s.fields, Field{Name: name, Value: v})
}

func (p *jsonParser) array() (Value, error) {
	p.depth++
	if p.depth > maxJSONDepth {
		return Value{}, errJSONSyntax
	}
	p.pos++ // [
	list := []Value{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return List(list...), nil
	}
	for {
		p.skipSpace()
		v, err := p.value()
		if err != nil {
			return Value{}, err
		}
		list = append(list, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return Value{}, errJSONSyntax
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.depth--
			return List(list...), nil
		default:
			return Value{}, errJSONSyntax
		}
	}
}

// number parses a JSON number: an integer literal in int64 range becomes KindInt, as does any
// number whose value is integral and in range (1.0, 2e3); everything else is KindFloat. This
// keeps a read → write → read round trip stable, since floats are written in shortest form.
// A number beyond the float64 range is kept as its literal text (KindString).
func (p *jsonParser) number() (Value, error) {
	start := p.pos
	d := p.data
	i := p.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	if i >= len(d) {
		return Value{}, errJSONSyntax
	}
	switch {
	case d[i] == '0':
		i++
	case d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return Value{}, errJSONSyntax
	}
	integer := true
	if i < len(d) && d[i] == '.' {
		integer = false
		i++
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			return Value{}, errJSONSyntax
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		integer = false
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			return Value{}, errJSONSyntax
		}
	}
	p.pos = i
	return numberValue(d[start:i], integer), nil
}

// numberValue converts a syntactically valid JSON number.
func numberValue(lit []byte, integer bool) Value {
	if integer && len(lit) <= 18 {
		// Fits int64 without overflow checks: at most 18 digits (or '-' and 17).
		var n int64
		neg := lit[0] == '-'
		for _, c := range lit[boolInt(neg):] {
			n = n*10 + int64(c-'0')
		}
		if neg {
			n = -n
		}
		return Int(n)
	}
	s := string(lit)
	if integer {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return Int(n)
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// Beyond float64 (1e400): keep the literal as text rather than invent an infinity,
		// which JSON cannot carry back out.
		return String(s)
	}
	// -2^63 ≤ f < 2^63 is exactly the range int64(f) can hold.
	if f == math.Trunc(f) && f >= -9223372036854775808 && f < 9223372036854775808 {
		return Int(int64(f))
	}
	return Float(f)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// str parses a JSON string at p.pos (which holds the opening quote).
func (p *jsonParser) str(isName bool) (string, error) {
	p.pos++
	d := p.data
	start := p.pos
	for i := start; i < len(d); i++ {
		c := d[i]
		switch {
		case c == '"':
			p.pos = i + 1
			if isName {
				return p.name(d[start:i]), nil
			}
			return p.text[start:i], nil
		case c == '\\' || c >= utf8.RuneSelf:
			return p.strSlow(start, i, isName)
		case c < 0x20:
			return "", errJSONSyntax
		}
	}
	return "", errJSONSyntax
}

// strSlow finishes a string that holds escapes or non-ASCII bytes; d[start:i] is plain ASCII.
func (p *jsonParser) strSlow(start, i int, isName bool) (string, error) {
	d := p.data
	b := append(p.buf[:0], d[start:i]...)
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			p.pos = i + 1
			p.buf = b
			if isName {
				return p.name(b), nil
			}
			return string(b), nil
		case c < 0x20:
			return "", errJSONSyntax
		case c == '\\':
			if i+1 >= len(d) {
				return "", errJSONSyntax
			}
			i += 2
			switch d[i-1] {
			case '"', '\\', '/':
				b = append(b, d[i-1])
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := hex4(d, i)
				if !ok {
					return "", errJSONSyntax
				}
				i += 4
				if utf16.IsSurrogate(r) {
					// A high surrogate followed by an escaped low one forms one rune;
					// anything else is a lone surrogate, replaced as encoding/json does.
					r2, ok := rune(-1), false
					if i+6 <= len(d) && d[i] == '\\' && d[i+1] == 'u' {
						r2, ok = hex4(d, i+2)
					}
					if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
						i += 6
						r = dec
					} else {
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", errJSONSyntax
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, d[i:i+size]...)
			}
			i += size
		}
	}
	return "", errJSONSyntax
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
