package record

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tableWriter writes aligned columns for a terminal; see NewWriter.
type tableWriter struct {
	out     *out
	width   int
	cols    []string
	index   map[string]int
	widths  []int
	right   []bool // numeric columns are right-aligned
	more    bool   // some columns did not fit and are not shown
	pending []Record
	started bool
	buf     []byte
	cells   []tableCell
}

// tableCell is a cell's text made safe and clipped for display, with its display width.
type tableCell struct {
	text    string
	width   int
	clipped bool // text was cut short of the value
}

// minColWidth is the narrowest a column is squeezed to when the table does not fit.
const minColWidth = 4

// minHeaderWidth is the narrowest a header is cut to, in a squeezed table, before values are.
const minHeaderWidth = 6

func (t *tableWriter) Write(r Record) error {
	if t.out.err != nil || t.out.closed {
		return t.out.write(nil)
	}
	if !t.started {
		if len(t.pending) < window {
			t.pending = append(t.pending, r)
			return nil
		}
		if err := t.start(); err != nil {
			return err
		}
	}
	return t.row(r)
}

func (t *tableWriter) Close() error {
	if t.out.err == nil && !t.out.closed && !t.started && (len(t.pending) > 0 || len(t.cols) > 0) {
		if err := t.start(); err != nil {
			return err
		}
	}
	return t.out.close()
}

// start chooses columns and widths from the buffered rows, then writes the header and them.
func (t *tableWriter) start() error {
	t.started = true
	if len(t.cols) == 0 {
		seen := map[string]bool{}
		for _, r := range t.pending {
			for _, f := range r.fields {
				if !seen[f.Name] {
					seen[f.Name] = true
					t.cols = append(t.cols, f.Name)
				}
			}
		}
	}
	natural := make([]int, len(t.cols)) // widest of header and values
	values := make([]int, len(t.cols))  // widest value
	numeric := make([]bool, len(t.cols))
	index := make(map[string]int, len(t.cols))
	for i, c := range t.cols {
		if _, dup := index[c]; !dup {
			index[c] = i
		}
		natural[i] = t.cell(String(c)).width
		numeric[i] = true
	}
	for _, r := range t.pending {
		for _, f := range r.fields {
			if i, ok := index[f.Name]; ok {
				values[i] = max(values[i], t.cell(f.Value).width)
				if _, isNum := f.Value.Float(); !isNum && !f.Value.IsNull() {
					numeric[i] = false
				}
			}
		}
	}
	for i := range natural {
		natural[i] = max(natural[i], values[i])
	}
	// Too many columns for the width even at their narrowest: show the first ones that fit
	// and a last "…" column marking rows that hold more.
	avail := t.width
	if keep := fitCount(natural, t.width); keep < len(t.cols) {
		t.cols, natural, values, numeric = t.cols[:keep], natural[:keep], values[:keep], numeric[:keep]
		t.more = true
		avail -= 3
	}
	t.index = make(map[string]int, len(t.cols))
	for i, c := range t.cols {
		if _, dup := t.index[c]; !dup {
			t.index[c] = i
		}
	}
	t.right = numeric
	t.widths = fitWidths(natural, avail)
	if slices.Compare(t.widths, natural) != 0 {
		// Squeezed: headers give way before values do (a header is cut to no less than
		// minHeaderWidth when its values are narrower).
		for i := range natural {
			natural[i] = max(values[i], min(natural[i], minHeaderWidth))
		}
		t.widths = fitWidths(natural, avail)
	}
	header := make([]tableCell, len(t.cols))
	rule := make([]tableCell, len(t.cols))
	for i, c := range t.cols {
		header[i] = t.cell(String(c))
		rule[i] = tableCell{text: strings.Repeat("-", t.widths[i]), width: t.widths[i]}
	}
	if err := t.line(header, "…"); err != nil {
		return err
	}
	if err := t.line(rule, "-"); err != nil {
		return err
	}
	for _, r := range t.pending {
		if err := t.row(r); err != nil {
			return err
		}
	}
	t.pending = nil
	return nil
}

// fitCount is how many leading columns fit in total at their narrowest, leaving room for
// the "…" column when not all fit (always at least one).
func fitCount(natural []int, total int) int {
	used := -2
	for _, w := range natural {
		used += 2 + min(w, minColWidth)
	}
	if used <= total {
		return len(natural)
	}
	used = -2
	for k, w := range natural {
		if used+2+min(w, minColWidth)+3 > total {
			return max(k, 1)
		}
		used += 2 + min(w, minColWidth)
	}
	return len(natural)
}

func (t *tableWriter) row(r Record) error {
	cells := t.cells[:0]
	for range t.cols {
		cells = append(cells, tableCell{})
	}
	marker := ""
	for _, f := range r.fields {
		if i, ok := t.index[f.Name]; ok {
			cells[i] = t.cell(f.Value)
		} else if !f.Value.IsNull() {
			marker = "…"
		}
	}
	t.cells = cells
	return t.line(cells, marker)
}

// line writes cells padded to the column widths, two spaces apart, trailing space trimmed;
// marker fills the "…" column when some columns are not shown.
func (t *tableWriter) line(cells []tableCell, marker string) error {
	if len(cells) == 0 && !t.more {
		return nil // records without fields: nothing to show
	}
	b := t.buf[:0]
	for i, c := range cells {
		if i > 0 {
			b = append(b, ' ', ' ')
		}
		w := t.widths[i]
		text, width := c.text, c.width
		if width > w || (c.clipped && width == w) {
			text, width = clip(text, w-1)
			text += "…"
			width++
		}
		pad := w - width
		if t.right[i] {
			b = appendSpaces(b, pad)
			b = append(b, text...)
		} else {
			b = append(b, text...)
			b = appendSpaces(b, pad)
		}
	}
	if t.more {
		b = append(b, ' ', ' ')
		b = append(b, marker...)
	}
	b = append(bytes.TrimRight(b, " "), '\n')
	t.buf = b
	return t.out.write(b)
}

func appendSpaces(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return b
}

// cell renders a value for display, clipped to a little more than the table width (no column
// is wider), so a huge field costs no more than a short one.
func (t *tableWriter) cell(v Value) tableCell {
	var s string
	switch v.Kind() {
	case KindList:
		parts := make([]string, 0, len(v.List()))
		total := 0
		for _, e := range v.List() {
			p := e.Text()
			parts = append(parts, p)
			if total += len(p) + 2; total > 4*t.width+8 {
				break
			}
		}
		s = strings.Join(parts, ", ")
	default:
		s = v.Text()
	}
	text, width, clipped := displayText(s, t.width+1)
	return tableCell{text: text, width: width, clipped: clipped}
}

// displayText makes s safe for a terminal on one line (line breaks as ⏎, tabs as a space, other
// control characters, bidirectional overrides and invalid UTF-8 as �) and clips it to limit display columns.
func displayText(s string, limit int) (text string, width int, clipped bool) {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			plain = false
			break
		}
	}
	if plain {
		if len(s) > limit {
			return s[:limit], limit, true
		}
		return s, len(s), false
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\r' && i < len(s) && s[i] == '\n':
			continue // \r\n shows as one ⏎
		case r == '\n' || r == '\r':
			r = '⏎'
		case r == '\t':
			r = ' '
		case r == utf8.RuneError && size == 1, unicode.IsControl(r),
			r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			r = '\uFFFD' // bidi overrides too: a file name must not reverse on screen
		}
		w := runeWidth(r)
		if width+w > limit {
			return b.String(), width, true
		}
		b.WriteRune(r)
		width += w
	}
	return b.String(), width, false
}

// clip returns the longest prefix of s (already display-safe) at most w columns wide.
func clip(s string, w int) (string, int) {
	width := 0
	for i, r := range s {
		rw := runeWidth(r)
		if width+rw > w {
			return s[:i], width
		}
		width += rw
	}
	return s, width
}

// runeWidth is the number of terminal columns r takes: 0 for combining marks and zero-width
// format characters, 2 for East Asian wide and fullwidth characters and most emoji, else 1.
// It covers the common cases without a Unicode width table.
func runeWidth(r rune) int {
	switch {
	case r < 0x300:
		return 1
	case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r), unicode.Is(unicode.Cf, r):
		return 0
	case r >= 0x1100 && r <= 0x115F, // Hangul Jamo
		r >= 0x2E80 && r <= 0xA4CF && r != 0x303F, // CJK … Yi
		r >= 0xAC00 && r <= 0xD7A3,                // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF,                // CJK compatibility ideographs
		r >= 0xFE30 && r <= 0xFE4F,                // CJK compatibility forms
		r >= 0xFF00 && r <= 0xFF60,                // fullwidth forms
		r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x1F300 && r <= 0x1F64F, // emoji
		r >= 0x1F900 && r <= 0x1F9FF,
		r >= 0x20000 && r <= 0x3FFFD: // CJK extensions
		return 2
	}
	return 1
}

// fitWidths shrinks column widths to fit total (columns two spaces apart): columns narrower
// than a common cap keep their natural width and the wider ones share the rest equally. When
// even minColWidth per column does not fit, the table is wider than total.
func fitWidths(natural []int, total int) []int {
	widths := make([]int, len(natural))
	copy(widths, natural)
	if len(natural) == 0 {
		return widths
	}
	avail := total - 2*(len(natural)-1)
	sum := 0
	for _, w := range natural {
		sum += w
	}
	if sum <= avail {
		return widths
	}
	capped := func(c int) int {
		s := 0
		for _, w := range natural {
			s += min(w, c)
		}
		return s
	}
	lo, hi := minColWidth, 0
	for _, w := range natural {
		hi = max(hi, w)
	}
	if capped(lo) > avail {
		for i, w := range natural {
			widths[i] = min(w, minColWidth)
		}
		return widths
	}
	for lo < hi { // the largest cap that fits
		mid := (lo + hi + 1) / 2
		if capped(mid) <= avail {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	left := avail - capped(lo)
	for i, w := range natural {
		widths[i] = min(w, lo)
		if w > lo && left > 0 {
			widths[i]++
			left--
		}
	}
	return widths
}
