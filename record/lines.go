package record

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// lineReader splits input into lines without holding more than the longest accepted line in
// memory. A line longer than max is skipped (read and dropped) and reported as too long.
type lineReader struct {
	br   *bufio.Reader
	max  int
	line int    // number of the line last returned (1-based)
	buf  []byte // reused for lines that do not fit bufio's buffer
	eof  bool
}

// next returns the next line without its "\n" or "\r\n", and its number. tooLong reports a
// line over the limit (line is then nil). err is io.EOF at the end, or the read error.
// The returned slice is valid until the next call.
func (lr *lineReader) next() (line []byte, n int, tooLong bool, err error) {
	if lr.eof {
		return nil, lr.line, false, io.EOF
	}
	lr.line++
	frag, err := lr.br.ReadSlice('\n')
	if err == nil || errors.Is(err, io.EOF) {
		if err != nil {
			lr.eof = true
			if len(frag) == 0 {
				lr.line--
				return nil, lr.line, false, io.EOF
			}
		}
		if len(frag) > lr.max+2 || len(trimEOL(frag)) > lr.max {
			return nil, lr.line, true, nil
		}
		return trimEOL(frag), lr.line, false, nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return nil, lr.line, false, err
	}
	// Long line: gather it in buf while it stays under the limit, else drain it.
	b := append(lr.buf[:0], frag...)
	over := len(b) > lr.max+2
	for {
		frag, err = lr.br.ReadSlice('\n')
		if !over {
			b = append(b, frag...)
			if len(b) > lr.max+2 {
				over = true
				b = b[:0]
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			lr.eof = true
		} else if err != nil {
			return nil, lr.line, false, err
		}
		break
	}
	if !over {
		lr.buf = b
		if t := trimEOL(b); len(t) <= lr.max {
			return t, lr.line, false, nil
		}
	}
	return nil, lr.line, true, nil
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}
