package scp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// maxHeaderLine bounds the transport header line ("chunked 1.0,<n>,<n>\n"); real ones are < 40 bytes.
const maxHeaderLine = 128

// Chunk is one transport unit: JSON metadata and a CSV body, both raw bytes.
type Chunk struct {
	Metadata []byte
	Body     []byte
}

// reader reads chunks from splunkd, tolerating blank lines between chunks (older recordings
// and some splunkd versions write a newline after a chunk).
type reader struct {
	br      *bufio.Reader
	lim     Limits
	n       int // chunks read so far
	trailer bool
}

func newReader(r io.Reader, lim Limits) *reader {
	return &reader{br: bufio.NewReaderSize(r, 64<<10), lim: lim}
}

// header reads the next transport header. It returns io.EOF at a clean end of stream.
func (rd *reader) header() (metaLen, bodyLen int, err error) {
	for {
		line, err := rd.line()
		if err != nil {
			if errors.Is(err, io.EOF) && len(line) == 0 {
				return 0, 0, io.EOF
			}
			if !errors.Is(err, io.EOF) {
				return 0, 0, err
			}
		}
		t := bytes.TrimRight(line, " \t\r\n")
		if len(t) == 0 {
			if err != nil {
				return 0, 0, io.EOF
			}
			continue // blank line between chunks
		}
		if err != nil {
			return 0, 0, fmt.Errorf("%w: transport header %q cut short at end of input", ErrMalformed, clip(line))
		}
		return parseHeader(t)
	}
}

// line reads up to and including '\n', refusing lines longer than maxHeaderLine.
func (rd *reader) line() ([]byte, error) {
	var buf []byte
	for {
		b, err := rd.br.ReadSlice('\n')
		buf = append(buf, b...)
		if len(buf) > maxHeaderLine {
			return nil, fmt.Errorf("%w: transport header longer than %d bytes: %q", ErrMalformed, maxHeaderLine, clip(buf))
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return buf, err
	}
}

// parseHeader parses "chunked 1.0,<metadata length>,<body length>" (the SDK's regex
// `chunked\s+1.0\s*,\s*(\d+)\s*,\s*(\d+)\s*\n`, without the line end).
func parseHeader(line []byte) (int, int, error) {
	bad := func() (int, int, error) {
		return 0, 0, fmt.Errorf("%w: bad transport header %q (want \"chunked 1.0,<metadata length>,<body length>\")", ErrMalformed, clip(line))
	}
	rest, ok := bytes.CutPrefix(line, []byte("chunked"))
	if !ok || len(rest) == 0 || !isSpace(rest[0]) {
		return bad()
	}
	rest = bytes.TrimLeft(rest, " \t\r\n\f\v")
	if len(rest) < 3 || rest[0] != '1' || rest[2] != '0' { // the SDK's regex leaves the dot unescaped
		return bad()
	}
	parts := bytes.Split(rest[3:], []byte(","))
	if len(parts) != 3 || len(bytes.TrimSpace(parts[0])) != 0 {
		return bad()
	}
	var n [2]int
	for i, p := range parts[1:] {
		p = bytes.TrimSpace(p)
		if len(p) == 0 || len(p) > 18 {
			return bad()
		}
		v, err := strconv.Atoi(string(p))
		if err != nil || v < 0 || p[0] == '+' || p[0] == '-' {
			return bad()
		}
		n[i] = v
	}
	return n[0], n[1], nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'
}

// next reads one chunk. At a clean end of input it returns io.EOF. When the input ends inside a
// body it returns the chunk read so far with an error wrapping ErrTruncated.
func (rd *reader) next() (Chunk, error) {
	metaLen, bodyLen, err := rd.header()
	if err != nil {
		return Chunk{}, err
	}
	rd.n++
	if metaLen > rd.lim.MaxMetadata {
		return Chunk{}, fmt.Errorf("%w: chunk %d: metadata of %d bytes exceeds the limit of %d", ErrLimit, rd.n, metaLen, rd.lim.MaxMetadata)
	}
	if bodyLen > rd.lim.MaxBody {
		return Chunk{}, fmt.Errorf("%w: chunk %d: body of %d bytes exceeds the limit of %d", ErrLimit, rd.n, bodyLen, rd.lim.MaxBody)
	}
	c := Chunk{Metadata: make([]byte, metaLen)}
	if _, err := io.ReadFull(rd.br, c.Metadata); err != nil {
		return Chunk{}, fmt.Errorf("%w: chunk %d: metadata of %d bytes cut short (%v)", ErrTruncated, rd.n, metaLen, err)
	}
	if bodyLen > 0 {
		c.Body = make([]byte, bodyLen)
		got, err := io.ReadFull(rd.br, c.Body)
		if err != nil {
			c.Body = c.Body[:got]
			// Not wrapped: a caller must not mistake this for a clean end of input.
			return c, fmt.Errorf("%w: chunk %d: body of %d bytes cut short after %d (%v)", ErrTruncated, rd.n, bodyLen, got, err)
		}
	}
	return c, nil
}

// appendChunk appends one chunk in transport form to dst.
func appendChunk(dst, meta, body []byte) []byte {
	dst = appendHeader(dst, len(meta), len(body))
	dst = append(dst, meta...)
	return append(dst, body...)
}

// appendHeader appends the transport header line.
func appendHeader(dst []byte, metaLen, bodyLen int) []byte {
	dst = append(dst, "chunked 1.0,"...)
	dst = strconv.AppendInt(dst, int64(metaLen), 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(bodyLen), 10)
	return append(dst, '\n')
}

// clip shortens b for an error message.
func clip(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
}
