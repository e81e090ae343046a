package evtx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"unsafe"

	vevtx "www.velocidex.com/golang/evtx"
)

// Limits of the binary XML checks. A token takes at least a byte and real chunks read most bytes
// once (template bodies and binary XML arguments twice), and each template instance costs the
// parser its template's size again, so a real 64 KiB chunk counts well under 2^18 tokens;
// nesting is two or three levels (a template instance holding a binary XML argument). Anything
// far beyond is hostile.
const (
	maxTokens = 1 << 20 // per chunk, template definitions and re-read arguments included
	maxDepth  = 32      // nested template definitions and binary XML arguments
)

// eventParser decodes the first n records of a chunk that passed the checks into event trees
// (nested *ordereddict.Dict, slices and scalars), in record order. It is the interface over
// the binary XML parser; tests replace it.
type eventParser func(chunk []byte, n int) ([]event, error)

// event is one decoded record: its header fields and the tree of its XML. Base is the address
// of the chunk buffer the parser read, which binary values in Tree are slices of (0 if unknown).
type event struct {
	RecordID uint64
	FileTime uint64
	Tree     any
	Base     uintptr
}

// baseReader is the chunk given to the parser; it notes the address of the buffer the parser
// reads the chunk into.
type baseReader struct {
	*bytes.Reader
	base uintptr
}

func (r *baseReader) Read(p []byte) (int, error) {
	if r.base == 0 && len(p) == chunkSize {
		r.base = uintptr(unsafe.Pointer(unsafe.SliceData(p)))
	}
	return r.Reader.Read(p)
}

// velocidexParser decodes a chunk with www.velocidex.com/golang/evtx. The chunk header's record
// numbers are replaced by 1..n, so the parser visits exactly the records that were checked.
func velocidexParser(chunk []byte, n int) ([]event, error) {
	fd := &baseReader{Reader: bytes.NewReader(chunk)}
	c := &vevtx.Chunk{Fd: fd}
	c.Header.FirstEventRecNumber = 1
	c.Header.LastEventRecNumber = uint64(n)
	recs, err := c.Parse(0)
	if err != nil {
		return nil, err
	}
	out := make([]event, len(recs))
	for i, r := range recs {
		out[i] = event{RecordID: r.Header.RecordID, FileTime: r.Header.FileTime, Tree: r.Event, Base: fd.base}
	}
	return out, nil
}

// safeParse calls parse, turning a panic into an error.
func safeParse(parse eventParser, chunk []byte, n int) (evs []event, err error) {
	defer func() {
		if p := recover(); p != nil {
			evs, err = nil, fmt.Errorf("parser panic: %v", p)
		}
	}()
	return parse(chunk, n)
}

// chunk checks, decodes and yields the records of the chunk in buf, which starts at file offset
// off; false means stop.
func (s *stream) chunk(buf []byte, off int64) bool {
	if string(buf[:8]) != "ElfChnk\x00" {
		if allZero(buf) {
			return true // an unused slot of a preallocated file
		}
		return s.bad(ErrBadChunk, "chunk at offset %#x: no chunk signature, chunk skipped", off)
	}
	free := binary.LittleEndian.Uint32(buf[0x30:])
	if free < chunkHeaderSize || free > chunkSize {
		return s.bad(ErrBadChunk, "chunk at offset %#x: free space offset %#x outside the chunk, chunk skipped", off, free)
	}
	if s.opts.VerifyChecksums {
		h := crc32.NewIEEE()
		h.Write(buf[:0x78])
		h.Write(buf[0x80:chunkHeaderSize])
		if h.Sum32() != binary.LittleEndian.Uint32(buf[0x7c:]) {
			return s.bad(ErrBadChunk, "chunk at offset %#x: header checksum mismatch, chunk skipped", off)
		}
		if crc32.ChecksumIEEE(buf[chunkHeaderSize:free]) != binary.LittleEndian.Uint32(buf[0x34:]) {
			return s.bad(ErrBadChunk, "chunk at offset %#x: record data checksum mismatch, chunk skipped", off)
		}
	}
	offsets, retyped, badErr := scanRecords(buf, int(free))
	if len(offsets) > 0 {
		evs, err := safeParse(s.parse, buf, len(offsets))
		if err != nil {
			return s.bad(ErrBadChunk, "chunk at offset %#x: %v, chunk skipped", off, err)
		}
		if len(evs) > len(offsets) {
			evs = evs[:len(offsets)]
		}
		for i, ev := range evs {
			rec, err := flatten(ev, s.opts.MaxFields, retyped)
			if err != nil {
				if !s.bad(ErrBadRecord, "record at offset %#x: %v, record skipped", off+int64(offsets[i]), err) {
					return false
				}
				continue
			}
			if !s.emit(rec) {
				return false
			}
		}
		if len(evs) < len(offsets) {
			at := off + int64(offsets[len(evs)])
			if !s.bad(ErrBadRecord, "record at offset %#x: parser decoded %d of %d records, rest of the chunk skipped", at, len(evs), len(offsets)) {
				return false
			}
			return true
		}
	}
	if badErr != nil {
		return s.bad(ErrBadRecord, "record at offset %#x: %v, rest of the chunk skipped", off+int64(badErr.at), badErr.reason)
	}
	return true
}

// recordError is a record that failed the checks, at offset at within its chunk.
type recordError struct {
	at     int
	reason string
}

// scanRecords returns the chunk offsets of the records stored before free that pass the checks,
// stopping at the first that does not, which it returns as well.
// Arguments the parser would render lossily are retyped in buf; retyped maps their offsets to
// their types.
func scanRecords(buf []byte, free int) (offsets []int, retyped map[int]uint16, bad *recordError) {
	retyped = map[int]uint16{}
	w := walker{buf: buf, known: map[uint32]int{}, retyped: retyped}
	for at := chunkHeaderSize; at+recordHeaderLen <= free; {
		if string(buf[at:at+4]) != "**\x00\x00" {
			return offsets, retyped, &recordError{at, "no record signature"}
		}
		size := int(binary.LittleEndian.Uint32(buf[at+4:]))
		if size < recordHeaderLen+5 || size > free-at {
			return offsets, retyped, &recordError{at, fmt.Sprintf("record size %d does not fit the chunk", size)}
		}
		if tail := int(binary.LittleEndian.Uint32(buf[at+size-4:])); tail != size {
			return offsets, retyped, &recordError{at, fmt.Sprintf("record size %d does not match its copy %d at the end", size, tail)}
		}
		if _, err := w.binxml(at+recordHeaderLen, 0); err != nil {
			return offsets, retyped, &recordError{at, "binary xml: " + err.Error()}
		}
		offsets = append(offsets, at)
		at += size
	}
	return offsets, retyped, nil
}

// allZero reports whether b holds only zero bytes.
func allZero(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// walker checks binary XML the way the velocidex parser will read it: it follows the same
// tokens, template definitions and substitution arguments, with the same offsets, and refuses
// what would make that parser read outside the chunk, loop over billions of arguments, or
// recurse or work without bound. known mirrors the parser's per-chunk template table. It also
// retypes the arguments the parser would render lossily as binary (see retype).
type walker struct {
	buf   []byte
	known map[uint32]int // template ids seen, with the tokens of their bodies
	// expanded counts the template tokens the parser will copy to expand instances.
	expanded int
	tokens   int
	// retyped maps the chunk offset of each value retyped as binary to its original type; nil:
	// retype none.
	retyped map[int]uint16
}

// Value types (MS-EVEN6 2.2.18) the velocidex parser renders lossily: HexInt32 and HexInt64 as
// bare integers (Windows shows 0x…), FILETIME as float seconds (about 1.6 µs of precision
// left), SYSTEMTIME as raw bytes.
const (
	typeFiletime   = 0x11
	typeSystemtime = 0x12
	typeHexInt32   = 0x14
	typeHexInt64   = 0x15
)

// retype reports whether an argument of type typ and size bytes is passed to the parser as
// binary instead.
func retype(typ, size int) bool {
	switch typ {
	case typeHexInt32:
		return size == 4
	case typeHexInt64, typeFiletime:
		return size == 8
	case typeSystemtime:
		return size == 16
	}
	return false
}

// need checks that n bytes are available at p.
func (w *walker) need(p, n int) error {
	if n < 0 || p < 0 || p > len(w.buf)-n {
		return fmt.Errorf("%d bytes at chunk offset %#x run past the chunk", n, p)
	}
	return nil
}

func (w *walker) u8(p int) (int, int, error) {
	if err := w.need(p, 1); err != nil {
		return 0, p, err
	}
	return int(w.buf[p]), p + 1, nil
}

func (w *walker) u16(p int) (int, int, error) {
	if err := w.need(p, 2); err != nil {
		return 0, p, err
	}
	return int(binary.LittleEndian.Uint16(w.buf[p:])), p + 2, nil
}

func (w *walker) u32(p int) (uint32, int, error) {
	if err := w.need(p, 4); err != nil {
		return 0, p, err
	}
	return binary.LittleEndian.Uint32(w.buf[p:]), p + 4, nil
}

// skip advances p by n bytes that must exist.
func (w *walker) skip(p, n int) (int, error) {
	if err := w.need(p, n); err != nil {
		return p, err
	}
	return p + n, nil
}

// name checks an element or attribute name reference at p (ReadName).
func (w *walker) name(p int) (int, error) {
	ref, p, err := w.u32(p)
	if err != nil {
		return p, err
	}
	at, inline := int(ref), int(ref) == p
	if !inline {
		if ref > uint32(len(w.buf)) {
			return p, fmt.Errorf("name reference %#x outside the chunk", ref)
		}
	}
	q, err := w.skip(at, 6)
	if err != nil {
		return p, err
	}
	n, q, err := w.u16(q)
	if err != nil {
		return p, err
	}
	q, err = w.skip(q, (n+1)*2)
	if err != nil {
		return p, err
	}
	if inline {
		return q, nil
	}
	return p, nil
}

// binxml checks a token stream starting at p (ParseBinXML) and returns where it ends.
func (w *walker) binxml(p, depth int) (int, error) {
	if depth > maxDepth {
		return p, fmt.Errorf("nesting deeper than %d", maxDepth)
	}
	var err error
	for {
		w.tokens++
		if w.tokens+w.expanded > maxTokens {
			return p, fmt.Errorf("more than %d tokens", maxTokens)
		}
		var tag int
		if tag, p, err = w.u8(p); err != nil {
			return p, err
		}
		switch tag {
		case 0x00:
			return p, nil
		case 0x01, 0x41: // open start element: dependency id, size, name, attribute list size
			if p, err = w.skip(p, 6); err != nil {
				return p, err
			}
			if p, err = w.name(p); err != nil {
				return p, err
			}
			if tag == 0x41 {
				if p, err = w.skip(p, 4); err != nil {
					return p, err
				}
			}
		case 0x02, 0x03, 0x04, 0x07, 0x47, 0x08, 0x48, 0x09, 0x49, 0x0A, 0x0B:
			// no payload as the parser reads them
		case 0x05, 0x45: // value text: string type, length-prefixed UTF-16
			var n int
			if p, err = w.skip(p, 1); err != nil {
				return p, err
			}
			if n, p, err = w.u16(p); err != nil {
				return p, err
			}
			if p, err = w.skip(p, n*2); err != nil {
				return p, err
			}
		case 0x06, 0x46: // attribute
			if p, err = w.name(p); err != nil {
				return p, err
			}
		case 0x0C:
			var stop bool
			if p, stop, err = w.template(p, depth); err != nil || stop {
				return p, err
			}
		case 0x0D, 0x0E: // substitution: id, value type (a zero is followed by the type)
			var t int
			if p, err = w.skip(p, 2); err != nil {
				return p, err
			}
			if t, p, err = w.u8(p); err != nil {
				return p, err
			}
			if t == 0 {
				if _, p, err = w.u8(p); err != nil {
					return p, err
				}
			}
		case 0x0F: // fragment header
			if p, err = w.skip(p, 3); err != nil {
				return p, err
			}
		default:
			return p, nil
		}
	}
}

// template checks a template instance (ParseTemplateInstance) at p, just after its token; stop
// reports that the parser ends the token stream there.
func (w *walker) template(p, depth int) (int, bool, error) {
	b, p, err := w.u8(p)
	if err != nil {
		return p, false, err
	}
	if b != 0x01 {
		return p, true, nil
	}
	id, p, err := w.u32(p)
	if err != nil {
		return p, false, err
	}
	if id == 0 {
		return p, true, nil
	}
	if p, err = w.skip(p, 4); err != nil {
		return p, false, err
	}
	nargs, p, err := w.u32(p)
	if err != nil {
		return p, false, err
	}
	size, known := w.known[id]
	if !known {
		if p, err = w.skip(p, 16); err != nil {
			return p, false, err
		}
		var bodyLen uint32
		if bodyLen, p, err = w.u32(p); err != nil {
			return p, false, err
		}
		w.known[id] = 0
		before := w.tokens
		if _, err = w.binxml(p, depth+1); err != nil {
			return p, false, err
		}
		size = w.tokens - before
		w.known[id] = size
		if bodyLen > uint32(len(w.buf)) {
			return p, false, fmt.Errorf("template body of %d bytes is larger than the chunk", bodyLen)
		}
		if p, err = w.skip(p, int(bodyLen)); err != nil {
			return p, false, err
		}
		if nargs, p, err = w.u32(p); err != nil {
			return p, false, err
		}
	}
	// The parser expands the template's tree (its own tokens; the expansions of templates it
	// uses are kept as values) for every instance: count that work too, so that many small
	// instances of a large template cannot make a chunk cost minutes.
	if w.expanded += size; w.tokens+w.expanded > maxTokens {
		return p, false, fmt.Errorf("more than %d tokens", maxTokens)
	}
	if uint64(nargs)*4 > uint64(len(w.buf)-p) {
		return p, false, fmt.Errorf("%d template arguments do not fit the chunk", nargs)
	}
	type arg struct{ size, typ, at int }
	args := make([]arg, nargs)
	for i := range args {
		args[i].size, p, _ = w.u16(p)
		args[i].at = p
		args[i].typ, p, _ = w.u16(p)
	}
	for _, a := range args {
		if retype(a.typ, a.size) && w.retyped != nil {
			// The parser would lose something of these values (see retype). Retyped as binary
			// of the same size, they come back as the bytes in place, which flatten finds by
			// offset in retyped and renders as Windows does.
			binary.LittleEndian.PutUint16(w.buf[a.at:], 0x0e)
			w.retyped[p] = uint16(a.typ)
		}
		n := a.size // bytes the parser consumes for this argument
		switch a.typ {
		case 0x04:
			n = 1
		case 0x06:
			n = 2
		case 0x08, 0x14:
			n = 4
		case 0x0A, 0x15, 0x11:
			n = 8
		case 0x0D:
			if n != 1 && n != 2 && n != 4 && n != 8 {
				n = 0
			}
		case 0x13: // SID: revision, count, authority, then 32-bit sub-authorities
			n = 8
			for i := 0; i < a.size-8; i += 4 {
				n += 4
			}
		case 0x21: // nested binary XML, parsed where it starts, then skipped by its size
			if _, err := w.binxml(p, depth+1); err != nil {
				return p, false, err
			}
		}
		if p, err = w.skip(p, n); err != nil {
			return p, false, err
		}
	}
	return p, false, nil
}
