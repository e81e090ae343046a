package scp

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/hunchsec/hunch/record"
)

// mvPrefix marks the companion column of a multi-value field: __mv_X holds X's values as $a$;$b$.
const mvPrefix = "__mv_"

// column is where one CSV column goes in a decoded record.
type column struct {
	field int  // index of the record field
	mv    bool // the column is __mv_<field>
}

// decodeBody turns a CSV body into records. Column order is kept; a __mv_X column is folded
// into X (a non-empty __mv_X wins over X and yields a list). Empty cells are empty strings.
// Records are numbered from first+1. At most maxRecords rows are accepted.
func decodeBody(body string, first, maxRecords int, source string) ([]record.Record, error) {
	var recs []record.Record
	for r, err := range decodeRows(body, first, maxRecords, source) {
		if err != nil {
			return nil, err
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// decodeRows is decodeBody as a stream: each record is made when it is asked for, so a chunk's
// records need not all be in memory at once. It ends after the first error.
func decodeRows(body string, first, maxRecords int, source string) record.Stream {
	return func(yield func(record.Record, error) bool) {
		if len(body) == 0 {
			return
		}
		fail := func(err error) { yield(record.Record{}, err) }
		if !utf8.ValidString(body) {
			fail(fmt.Errorf("%w: body is not valid UTF-8", ErrMalformed))
			return
		}
		p := csvParser{s: body}
		header, err := p.row(nil)
		if err != nil {
			fail(err)
			return
		}
		var names []string
		cols := make([]column, len(header))
		index := make(map[string]int, len(header))
		hasValue := make(map[string]bool, len(header))
		for i, h := range header {
			name, mv := strings.CutPrefix(h, mvPrefix)
			if name == "" {
				fail(fmt.Errorf("%w: header column %d has no name", ErrMalformed, i+1))
				return
			}
			f, seen := index[name]
			if !seen {
				f = len(names)
				index[name] = f
				names = append(names, name)
			} else if !mv && hasValue[name] {
				// A repeated value column: keep both, as the record reader does for CSV files.
				name = fmt.Sprintf("%s_%d", name, i+1)
				f = len(names)
				names = append(names, name)
			}
			if !mv {
				hasValue[name] = true
			}
			cols[i] = column{field: f, mv: mv}
		}
		n := len(names)
		var cells []string
		var slab []record.Field
		count := 0
		for row := 1; !p.done(); row++ {
			if cells, err = p.row(cells[:0]); err != nil {
				fail(fmt.Errorf("row %d: %w", row, err))
				return
			}
			if len(cells) > len(header) {
				fail(fmt.Errorf("%w: row %d has %d cells, the header %d", ErrMalformed, row, len(cells), len(header)))
				return
			}
			if count >= maxRecords {
				fail(fmt.Errorf("%w: more than %d records in one chunk", ErrLimit, maxRecords))
				return
			}
			if len(slab)+n > cap(slab) {
				slab = make([]record.Field, 0, n*64)
			}
			fields := slab[len(slab) : len(slab)+n : len(slab)+n]
			slab = slab[:len(slab)+n]
			for i, name := range names {
				fields[i] = record.Field{Name: name, Value: record.String("")}
			}
			for i, c := range cells {
				col := cols[i]
				if !col.mv {
					if fields[col.field].Value.Kind() != record.KindList {
						fields[col.field].Value = record.String(c)
					}
					continue
				}
				if c == "" {
					continue
				}
				vals, err := decodeMV(c)
				if err != nil {
					fail(fmt.Errorf("row %d, column %s: %w", row, header[i], err))
					return
				}
				if len(vals) == 1 {
					fields[col.field].Value = record.String(vals[0])
				} else {
					fields[col.field].Value = record.Strings(vals...)
				}
			}
			count++
			r := record.WithFields(fields)
			r.Meta = record.Meta{Source: source, N: first + count}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// decodeMV parses a multi-value cell: $v1$;$v2$ with $ inside a value doubled.
func decodeMV(s string) ([]string, error) {
	var out []string
	for i := 0; ; {
		if i >= len(s) || s[i] != '$' {
			return nil, fmt.Errorf("%w: multi-value cell %q: want $value$ at byte %d", ErrMalformed, clipS(s), i)
		}
		i++
		var b strings.Builder
		start := i
		for {
			j := strings.IndexByte(s[i:], '$')
			if j < 0 {
				return nil, fmt.Errorf("%w: multi-value cell %q: unterminated value", ErrMalformed, clipS(s))
			}
			i += j
			if i+1 < len(s) && s[i+1] == '$' {
				b.WriteString(s[start : i+1])
				i += 2
				start = i
				continue
			}
			break
		}
		if b.Len() == 0 {
			out = append(out, s[start:i])
		} else {
			b.WriteString(s[start:i])
			out = append(out, b.String())
		}
		i++ // closing $
		if i == len(s) {
			return out, nil
		}
		if s[i] != ';' {
			return nil, fmt.Errorf("%w: multi-value cell %q: want ; at byte %d", ErrMalformed, clipS(s), i)
		}
		i++
	}
}

func clipS(s string) string { return clip([]byte(s)) }

// csvParser reads RFC 4180 rows (, delimiter, " quote doubled, \r\n or \n line ends) from a
// string, returning cells that share its memory where no unquoting is needed.
type csvParser struct {
	s   string
	pos int
}

func (p *csvParser) done() bool { return p.pos >= len(p.s) }

// row appends the cells of the next row to dst.
func (p *csvParser) row(dst []string) ([]string, error) {
	s := p.s
	i := p.pos
	for {
		if i < len(s) && s[i] == '"' {
			// Quoted cell: find its end first, so that one with doubled quotes costs one allocation.
			i++
			start := i
			doubled := 0
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					return nil, fmt.Errorf("%w: unterminated quoted cell", ErrMalformed)
				}
				i += j
				if i+1 < len(s) && s[i+1] == '"' {
					doubled++
					i += 2
					continue
				}
				break
			}
			if doubled == 0 {
				dst = append(dst, s[start:i])
			} else {
				b := make([]byte, 0, i-start-doubled)
				for k := start; k < i; k++ {
					b = append(b, s[k])
					if s[k] == '"' {
						k++
					}
				}
				dst = append(dst, unsafe.String(unsafe.SliceData(b), len(b)))
			}
			i++ // closing quote
			if i < len(s) && s[i] != ',' && s[i] != '\r' && s[i] != '\n' {
				return nil, fmt.Errorf("%w: text after a closing quote", ErrMalformed)
			}
		} else {
			j := i
			for j < len(s) && s[j] != ',' && s[j] != '\n' && s[j] != '\r' {
				j++
			}
			if k := strings.IndexByte(s[i:j], '"'); k >= 0 {
				return nil, fmt.Errorf("%w: quote inside an unquoted cell", ErrMalformed)
			}
			dst = append(dst, s[i:j])
			i = j
		}
		if i >= len(s) {
			p.pos = i
			return dst, nil
		}
		switch s[i] {
		case ',':
			i++
			continue
		case '\r':
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
		case '\n':
			i++
		}
		p.pos = i
		return dst, nil
	}
}

// encoder renders records as a CSV body the way the SDK's writer does: every field X is
// followed by __mv_X; a single value fills X, a list fills X with its values joined by
// newlines and __mv_X with $v1$;$v2$ ($ doubled). Records are encoded as they come; the
// columns are the union of their fields in first-seen order, and rows written before a column
// appeared are padded when the body is finished.
type encoder struct {
	cols  []string
	index map[string]int
	vals  []record.Value
	// names of the last layout seen and its column mapping, reused while records share a layout.
	lastNames []string
	lastMap   []int
	// identityOf is the length of lastMap when isIdentity was worked out for it (-1: not yet).
	identityOf int
	isIdentity bool
	rows       []byte // encoded rows, without the header
	rowEnds    []int  // end of each row in rows
	grown      []int  // rows[i] was written with grown[i] columns, for rows before the last new column
	scratch    []byte
}

// reset starts a new body.
func (e *encoder) reset() {
	e.cols = e.cols[:0]
	if e.index == nil {
		e.index = make(map[string]int)
	}
	clear(e.index)
	e.lastNames = e.lastNames[:0]
	e.lastMap = e.lastMap[:0]
	e.identityOf = -1
	e.rows = e.rows[:0]
	e.rowEnds = e.rowEnds[:0]
	e.grown = e.grown[:0]
}

// add encodes one record.
func (e *encoder) add(r record.Record) {
	fs := r.Fields()
	m := e.mapping(fs)
	if len(fs) == len(e.cols) && e.identity(m) {
		// The usual case: the record's fields are the columns, in order.
		dst := e.rows
		for i := range fs {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.cell(dst, fs[i].Value)
		}
		e.rows = append(dst, '\r', '\n')
		e.rowEnds = append(e.rowEnds, len(e.rows))
		return
	}
	if cap(e.vals) < len(e.cols) {
		e.vals = make([]record.Value, len(e.cols), 2*len(e.cols))
	}
	vals := e.vals[:len(e.cols)]
	clear(vals)
	for i, f := range fs {
		vals[m[i]] = f.Value
	}
	dst := e.rows
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = e.cell(dst, v)
	}
	e.rows = append(dst, '\r', '\n')
	e.rowEnds = append(e.rowEnds, len(e.rows))
}

// identity reports whether mapping m sends every field to its own position; the answer is
// kept with the mapping.
func (e *encoder) identity(m []int) bool {
	if e.identityOf == len(m) {
		return e.isIdentity
	}
	e.identityOf, e.isIdentity = len(m), true
	for i, c := range m {
		if c != i {
			e.isIdentity = false
			break
		}
	}
	return e.isIdentity
}

// mapping returns the column of each field, adding columns for new names.
func (e *encoder) mapping(fs []record.Field) []int {
	if len(fs) == len(e.lastNames) {
		same := true
		for i := range fs {
			if fs[i].Name != e.lastNames[i] {
				same = false
				break
			}
		}
		if same {
			return e.lastMap
		}
	}
	e.lastMap = e.lastMap[:0]
	e.lastNames = e.lastNames[:0]
	e.identityOf = -1
	for _, f := range fs {
		e.lastNames = append(e.lastNames, f.Name)
		c, ok := e.index[f.Name]
		if !ok {
			if len(e.rowEnds) > 0 {
				// Rows so far have fewer columns: note how many, to pad them at the end.
				for len(e.grown) < len(e.rowEnds) {
					e.grown = append(e.grown, len(e.cols))
				}
			}
			c = len(e.cols)
			e.index[f.Name] = c
			e.cols = append(e.cols, f.Name)
		}
		e.lastMap = append(e.lastMap, c)
	}
	return e.lastMap
}

// finish returns the header line (appended to dst) and the rows, padded to the final
// columns; e.rowEnds are then offsets in rows. Without padding the rows are e's own buffer,
// valid until the next reset.
func (e *encoder) finish(dst []byte) (header, rows []byte) {
	if len(e.rowEnds) == 0 {
		return dst, nil
	}
	for i, c := range e.cols {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendCell(dst, c)
		dst = append(dst, ',')
		dst = appendCell(dst, mvPrefix+c)
	}
	dst = append(dst, '\r', '\n')
	if len(e.grown) == 0 {
		return dst, e.rows
	}
	// Rows written before the last column appeared get empty cells for the new ones.
	padded := make([]byte, 0, len(e.rows)+2*len(e.cols)*len(e.grown))
	prev := 0
	for i, end := range e.rowEnds {
		row := e.rows[prev:end]
		prev = end
		if i < len(e.grown) && e.grown[i] < len(e.cols) {
			padded = append(padded, row[:len(row)-2]...)
			for range len(e.cols) - e.grown[i] {
				padded = append(padded, ',', ',')
			}
			padded = append(padded, '\r', '\n')
		} else {
			padded = append(padded, row...)
		}
		e.rowEnds[i] = len(padded)
	}
	return dst, padded
}

// cell appends the X and __mv_X cells of one value.
func (e *encoder) cell(dst []byte, v record.Value) []byte {
	switch v.Kind() {
	case record.KindNull:
		return append(dst, ',')
	case record.KindString:
		s, _ := v.Str()
		if s == "" {
			return append(dst, ',')
		}
		dst = appendCell(dst, s)
		return append(dst, ',')
	case record.KindList:
		l := v.List()
		switch len(l) {
		case 0:
			return append(dst, ',')
		case 1:
			return e.cell(dst, l[0])
		}
		e.scratch = e.scratch[:0]
		for i, x := range l {
			if i > 0 {
				e.scratch = append(e.scratch, '\n')
			}
			e.scratch = appendText(e.scratch, x)
		}
		dst = appendCell(dst, string(e.scratch))
		dst = append(dst, ',')
		e.scratch = e.scratch[:0]
		for i, x := range l {
			if i > 0 {
				e.scratch = append(e.scratch, ';')
			}
			e.scratch = append(e.scratch, '$')
			start := len(e.scratch)
			e.scratch = appendText(e.scratch, x)
			if strings.IndexByte(string(e.scratch[start:]), '$') >= 0 {
				t := string(e.scratch[start:])
				e.scratch = append(e.scratch[:start], strings.ReplaceAll(t, "$", "$$")...)
			}
			e.scratch = append(e.scratch, '$')
		}
		dst = appendCell(dst, string(e.scratch))
		return dst
	}
	e.scratch = appendText(e.scratch[:0], v)
	dst = appendCell(dst, string(e.scratch))
	return append(dst, ',')
}

// appendText renders a scalar: times as epoch seconds (Splunk's _time form), others as Value.Text.
func appendText(dst []byte, v record.Value) []byte {
	switch v.Kind() {
	case record.KindString:
		s, _ := v.Str()
		return append(dst, s...)
	case record.KindInt:
		n, _ := v.Int()
		return strconv.AppendInt(dst, n, 10)
	case record.KindTime:
		t, _ := v.Time()
		return appendEpoch(dst, t)
	case record.KindFloat:
		f, _ := v.Float()
		if !math.IsInf(f, 0) && !math.IsNaN(f) {
			return strconv.AppendFloat(dst, f, 'f', -1, 64)
		}
	}
	return append(dst, v.Text()...)
}

// appendEpoch renders t as seconds since 1970 with up to nine fractional digits, trailing zeros dropped.
func appendEpoch(dst []byte, t time.Time) []byte {
	sec, ns := t.Unix(), int64(t.Nanosecond())
	if sec < 0 && ns > 0 { // Unix floors: -0.25 s is sec -1, ns 750000000
		sec, ns = sec+1, 1e9-ns
		if sec == 0 {
			dst = append(dst, '-')
		}
	}
	dst = strconv.AppendInt(dst, sec, 10)
	if ns == 0 {
		return dst
	}
	frac := strconv.AppendInt(nil, ns+1e9, 10)[1:] // 9 digits, zero-padded
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	dst = append(dst, '.')
	return append(dst, frac...)
}

// needsQuote reports whether s holds a comma, quote, CR or LF: a table loop for short cells,
// vectorised scans for long ones (command lines, decoded scripts).
func needsQuote(s string) bool {
	if len(s) < 64 {
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case ',', '"', '\r', '\n':
				return true
			}
		}
		return false
	}
	return strings.IndexByte(s, ',') >= 0 || strings.IndexByte(s, '"') >= 0 || strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0
}

// appendCell appends s as a CSV cell, quoted (Python's QUOTE_MINIMAL) when it holds a comma,
// quote, CR or LF.
func appendCell(dst []byte, s string) []byte {
	if !needsQuote(s) {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, '"')
		s = s[i+1:]
	}
	dst = append(dst, s...)
	return append(dst, '"')
}
