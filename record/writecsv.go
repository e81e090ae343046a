package record

import (
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// csvWriter writes CSV; see NewWriter for how it chooses its columns.
type csvWriter struct {
	out     *out
	fixed   bool     // columns given by the caller
	cols    []string // header, once known
	index   map[string]int
	extra   int      // position of the _extra column, or -1
	pending []Record // the first records, until the header is known
	started bool     // header written
	buf     []byte
	cells   []string
}

func newCSVWriter(w io.Writer, opts WriteOptions) *csvWriter {
	c := &csvWriter{out: newOut(w), extra: -1}
	if len(opts.Columns) > 0 {
		c.fixed = true
		c.setCols(opts.Columns)
	}
	return c
}

func (c *csvWriter) setCols(cols []string) {
	c.cols = cols
	c.index = make(map[string]int, len(cols))
	for i, n := range cols {
		if _, dup := c.index[n]; !dup {
			c.index[n] = i
		}
	}
}

func (c *csvWriter) Write(r Record) error {
	if c.out.err != nil || c.out.closed {
		return c.out.write(nil)
	}
	if !c.started && !c.fixed {
		if len(c.pending) < window {
			c.pending = append(c.pending, r)
			return nil
		}
		if err := c.start(true); err != nil {
			return err
		}
	}
	if !c.started {
		if err := c.start(false); err != nil {
			return err
		}
	}
	return c.row(r)
}

// start fixes the header (from the buffered records unless fixed), writes it and the buffered
// records. withExtra adds the _extra column for fields first seen after the window.
func (c *csvWriter) start(withExtra bool) error {
	c.started = true
	if !c.fixed {
		var cols []string
		seen := map[string]bool{}
		for _, r := range c.pending {
			for _, f := range r.fields {
				if !seen[f.Name] {
					seen[f.Name] = true
					cols = append(cols, f.Name)
				}
			}
		}
		if withExtra {
			name := "_extra"
			for i := 2; seen[name]; i++ {
				name = "_extra_" + strconv.Itoa(i)
			}
			c.extra = len(cols)
			cols = append(cols, name)
		}
		c.setCols(cols)
	}
	if err := c.line(c.cols); err != nil {
		return err
	}
	for _, r := range c.pending {
		if err := c.row(r); err != nil {
			return err
		}
	}
	c.pending = nil
	return nil
}

func (c *csvWriter) row(r Record) error {
	cells := c.cells[:0]
	for range c.cols {
		cells = append(cells, "")
	}
	var extra Record
	for _, f := range r.fields {
		i, ok := c.index[f.Name]
		if ok && i != c.extra {
			cells[i] = f.Value.Text()
			continue
		}
		if c.extra >= 0 {
			extra.fields = append(extra.fields, f)
		}
	}
	if len(extra.fields) > 0 {
		cells[c.extra] = string(extra.AppendJSON(nil))
	}
	c.cells = cells
	return c.line(cells)
}

func (c *csvWriter) line(cells []string) error {
	if len(cells) == 0 {
		return nil // records without fields: no columns, no rows
	}
	b := c.buf[:0]
	if len(cells) == 1 && cells[0] == "" {
		b = append(b, `""`...) // a blank line would be skipped by readers
	}
	for i, s := range cells {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCSVField(b, s)
	}
	b = append(b, '\n')
	c.buf = b
	return c.out.write(b)
}

// appendCSVField quotes a field when it holds a delimiter, quote or line break, or starts with
// white space (as encoding/csv does) or a byte order mark, doubling quotes inside.
func appendCSVField(b []byte, s string) []byte {
	need := s == `\.` || strings.ContainsAny(s, ",\"\r\n") || strings.HasPrefix(s, "\ufeff")
	if !need && s != "" {
		r, _ := utf8.DecodeRuneInString(s)
		need = unicode.IsSpace(r)
	}
	if !need {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

func (c *csvWriter) Close() error {
	if c.out.err == nil && !c.out.closed && !c.started && (c.fixed || len(c.pending) > 0) {
		if err := c.start(false); err != nil {
			return err
		}
	}
	return c.out.close()
}
