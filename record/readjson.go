package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// json yields the objects of a JSON input: the elements of top-level arrays, and top-level
// objects, in any sequence (one array, one object, or values one after another as in
// concatenated or pretty-printed files). The structure is walked with json.Decoder tokens,
// so an array is never held whole: only one element (or one field of a top-level object)
// is in memory at a time.
func (rd *reader) json(r io.Reader) {
	lc := &lineCounter{r: r}
	dec := json.NewDecoder(lc)
	var p jsonParser
	for {
		if rd.cancelled() {
			return
		}
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			rd.decodeErr(lc, err)
			return
		}
		switch tok {
		case json.Delim('['):
			if !rd.jsonArray(dec, lc, &p) {
				return
			}
		case json.Delim('{'):
			if !rd.jsonObject(dec, lc, &p) {
				return
			}
		default:
			// A top-level scalar; Token has consumed it, so it ends just before the offset.
			line := lc.lineAt(dec.InputOffset() - 1)
			if !rd.bad(line, nil, "json %s at top level is not an object", tokenKind(tok)) {
				return
			}
		}
	}
}

// jsonArray yields the elements of an array whose '[' has been read; false means stop.
func (rd *reader) jsonArray(dec *json.Decoder, lc *lineCounter, p *jsonParser) bool {
	for dec.More() {
		if rd.cancelled() {
			return false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			rd.decodeErr(lc, err)
			return false
		}
		line := lc.lineAt(dec.InputOffset() - int64(len(raw)))
		if len(raw) > rd.opts.MaxLineBytes {
			if !rd.tooLong(line, "array element") {
				return false
			}
			continue
		}
		var ok bool
		if raw[0] != '{' {
			v, _ := p.parse(raw)
			ok = rd.bad(line, nil, "array element is a json %s, not an object", jsonKind(v))
		} else if fields, perr := p.parseRecord(raw); perr != nil {
			ok = rd.bad(line, perr.err, "%s", perr.reason) // unreachable: the decoder validated raw
		} else {
			ok = rd.record(line, fields)
		}
		if !ok {
			return false
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		rd.decodeErr(lc, err)
		return false
	}
	return true
}

// jsonObject yields a top-level object whose '{' has been read, decoding it field by field;
// false means stop.
func (rd *reader) jsonObject(dec *json.Decoder, lc *lineCounter, p *jsonParser) bool {
	start := dec.InputOffset() - 1
	line := lc.lineAt(start)
	var fs fieldSet
	tooLong := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			rd.decodeErr(lc, err)
			return false
		}
		key, _ := tok.(string) // the decoder guarantees a string key here
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			rd.decodeErr(lc, err)
			return false
		}
		if tooLong || dec.InputOffset()-start > int64(rd.opts.MaxLineBytes) {
			tooLong, fs = true, fieldSet{} // keep reading to the end of the object, keep nothing
			continue
		}
		v, err := p.parse(raw)
		if err != nil {
			rd.bad(line, err, "invalid json") // unreachable: the decoder validated raw
			return false
		}
		fs.set(key, v)
	}
	if _, err := dec.Token(); err != nil { // '}'
		rd.decodeErr(lc, err)
		return false
	}
	if tooLong {
		return rd.tooLong(line, "object")
	}
	return rd.record(line, fs.fields)
}

// decodeErr reports a decoder error: a read error as such, malformed JSON as a ParseError
// (which ends the stream all the same: the decoder cannot resynchronise).
func (rd *reader) decodeErr(lc *lineCounter, err error) {
	if lc.err != nil {
		rd.ioErr(lc.err)
		return
	}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		rd.bad(lc.lineAt(se.Offset), err, "invalid json: %s", se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		rd.bad(lc.lineAt(max(lc.off-1, 0)), err, "invalid json: unexpected end of input")
	default:
		rd.bad(0, err, "invalid json: %s", err.Error())
	}
}

func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "value"
}

// lineCounter passes reads through and remembers where the newlines are, so that a byte offset
// reported by json.Decoder can be turned into a line number. Offsets must be asked for in
// increasing order; only newlines not yet passed are kept (those in the decoder's buffer).
type lineCounter struct {
	r    io.Reader
	off  int64   // bytes read so far
	nl   []int64 // offsets of newlines at or after the last offset asked for
	line int     // newlines before the last offset asked for
	err  error   // the first read error other than io.EOF
}

func (c *lineCounter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	for i := 0; i < n; {
		j := bytes.IndexByte(b[i:n], '\n')
		if j < 0 {
			break
		}
		c.nl = append(c.nl, c.off+int64(i+j))
		i += j + 1
	}
	c.off += int64(n)
	if err != nil && !errors.Is(err, io.EOF) && c.err == nil {
		c.err = err
	}
	return n, err
}

// lineAt returns the 1-based line holding byte offset off.
func (c *lineCounter) lineAt(off int64) int {
	k := 0
	for k < len(c.nl) && c.nl[k] < off {
		k++
	}
	c.line += k
	c.nl = c.nl[k:]
	return c.line + 1
}
