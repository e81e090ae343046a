package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// csvReader parses CSV rows (RFC 4180, plus lenient quotes unless strict) from lines, so that
// a row is never held in memory beyond the size limit and a bad row costs only itself.
type csvReader struct {
	lr     *lineReader
	comma  byte
	strict bool
	max    int
	buf    []byte // the bytes of the current row's fields, back to back
	ends   []int  // end offset in buf of each field
	cells  []string
}

// csvRowError is a malformed row; reading goes on with the next line.
type csvRowError struct {
	line   int
	reason string
}

func (e *csvRowError) Error() string { return e.reason }

// row returns the next non-blank row's fields (valid until the next call) and the line it
// starts on. At the end it
// returns io.EOF; a read error is returned as is; a malformed row as *csvRowError.
func (c *csvReader) row() ([]string, int, error) {
	var line []byte
	var start int
	for {
		l, n, tooLong, err := c.lr.next()
		if err != nil {
			return nil, n, err
		}
		if tooLong {
			return nil, n, &csvRowError{n, fmt.Sprintf("row longer than %d bytes", c.max)}
		}
		if len(l) > 0 {
			line, start = l, n
			break
		}
	}
	c.buf, c.ends = c.buf[:0], c.ends[:0]
	i := 0
	for {
		if i < len(line) && line[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(line[i:], '"')
				if j < 0 {
					// The quoted field goes on past the end of this line.
					c.buf = append(c.buf, line[i:]...)
					c.buf = append(c.buf, '\n')
					l, n, tooLong, err := c.lr.next()
					switch {
					case errors.Is(err, io.EOF):
						return nil, start, &csvRowError{start, "quoted field not closed before end of input"}
					case err != nil:
						return nil, start, err
					case tooLong || len(c.buf)+len(l) > c.max:
						return nil, start, &csvRowError{start, fmt.Sprintf("row longer than %d bytes (line %d)", c.max, n)}
					}
					line, i = l, 0
					continue
				}
				c.buf = append(c.buf, line[i:i+j]...)
				i += j + 1
				if i < len(line) && line[i] == '"' { // "" is an escaped quote
					c.buf = append(c.buf, '"')
					i++
					continue
				}
				if i == len(line) || line[i] == c.comma {
					break
				}
				if c.strict {
					return nil, start, &csvRowError{start, fmt.Sprintf("extraneous or missing \" in quoted field %d", len(c.ends)+1)}
				}
				c.buf = append(c.buf, '"') // lenient: a stray quote is a literal character
			}
		} else {
			j := bytes.IndexByte(line[i:], c.comma)
			if j < 0 {
				j = len(line) - i
			}
			field := line[i : i+j]
			if c.strict && bytes.IndexByte(field, '"') >= 0 {
				return nil, start, &csvRowError{start, fmt.Sprintf("bare \" in unquoted field %d", len(c.ends)+1)}
			}
			c.buf = append(c.buf, field...)
			i += j
		}
		c.ends = append(c.ends, len(c.buf))
		if len(c.buf) > c.max {
			return nil, start, &csvRowError{start, fmt.Sprintf("row longer than %d bytes", c.max)}
		}
		if i >= len(line) {
			break
		}
		i++ // the delimiter
	}
	// One string for the whole row; the fields are slices of it (one allocation per row).
	all := string(c.buf)
	fields := c.cells[:0]
	prev := 0
	for _, end := range c.ends {
		fields = append(fields, all[prev:end])
		prev = end
	}
	c.cells = fields
	return fields, start, nil
}

// csvComma picks the delimiter from the header line: the most frequent of , ; tab | outside
// quotes, comma when there is none.
func csvComma(header []byte) byte {
	var counts [4]int
	cands := [4]byte{',', ';', '\t', '|'}
	quoted := false
	for _, b := range header {
		if b == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		for k, c := range cands {
			if b == c {
				counts[k]++
			}
		}
	}
	best := 0
	for k := range counts {
		if counts[k] > counts[best] {
			best = k
		}
	}
	return cands[best]
}

// csv yields one record per row after the header row, with all values strings.
func (rd *reader) csv(lr *lineReader) {
	comma := rd.opts.Comma
	if comma == 0 && strings.EqualFold(filepath.Ext(rd.name), ".tsv") {
		comma = '\t'
	}
	if comma != 0 && (comma >= 0x80 || comma == '"' || comma == '\r' || comma == '\n') {
		rd.yield(Record{}, fmt.Errorf("read %s: csv delimiter %q not supported: want an ASCII character other than a quote or line break", rd.name, comma))
		return
	}
	if comma == 0 {
		// Peek at the header line (as far as the read buffer holds it) to choose the delimiter.
		var header []byte
		err := peekUntil(lr.br, func(head []byte, complete bool) bool {
			head = bytes.TrimLeft(head, "\r\n") // blank lines before the header
			nl := bytes.IndexByte(head, '\n')
			if nl < 0 && !complete {
				return false
			}
			header = head
			if nl >= 0 {
				header = head[:nl]
			}
			return true
		})
		if err != nil {
			rd.ioErr(err)
			return
		}
		comma = rune(csvComma(header))
	}
	c := &csvReader{lr: lr, comma: byte(comma), strict: rd.opts.StrictQuotes, max: rd.opts.MaxLineBytes}
	var header []string
	for {
		if rd.cancelled() {
			return
		}
		cells, line, err := c.row()
		var rowErr *csvRowError
		switch {
		case errors.Is(err, io.EOF):
			return
		case errors.As(err, &rowErr):
			if !rd.bad(rowErr.line, nil, "%s", rowErr.reason) {
				return
			}
			continue
		case err != nil:
			rd.ioErr(err)
			return
		}
		if header == nil {
			header = uniqueNames(cells)
			continue
		}
		if len(cells) != len(header) {
			if !rd.bad(line, nil, "row has %d fields, header has %d", len(cells), len(header)) {
				return
			}
			continue
		}
		fields := make([]Field, len(cells))
		for k, s := range cells {
			fields[k] = Field{Name: header[k], Value: String(s)}
		}
		if !rd.record(line, fields) {
			return
		}
	}
}

// uniqueNames makes CSV header names usable as field names: an empty name becomes column_N
// (N its 1-based position) and a repeated one gets the first free suffix _2, _3 … that is not
// also a name in the header.
func uniqueNames(names []string) []string {
	out := make([]string, len(names))
	taken := make(map[string]bool, len(names))
	for k, n := range names {
		if n == "" {
			names[k] = "column_" + strconv.Itoa(k+1)
		}
	}
	for _, n := range names {
		taken[n] = true
	}
	used := make(map[string]bool, len(names))
	next := make(map[string]int) // next suffix to try for a repeated name: linear, not quadratic
	for k, n := range names {
		name := n
		if used[name] {
			i := max(next[n], 2)
			for {
				name = n + "_" + strconv.Itoa(i)
				i++
				if !used[name] && !taken[name] {
					break
				}
			}
			next[n] = i
		}
		used[name] = true
		out[k] = name
	}
	return out
}
