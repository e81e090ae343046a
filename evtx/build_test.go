package evtx

import (
	"encoding/binary"
	"hash/crc32"
	"time"
	"unicode/utf16"
)

// This file builds EVTX files for the tests: a file header, chunks, and records whose binary
// XML uses inline names and text values (no templates), as the format allows.

// xmlNode is an element of a test event.
type xmlNode struct {
	name  string
	attrs [][2]string
	text  string
	kids  []xmlNode
}

// el makes an element with text.
func el(name, text string, attrs ...string) xmlNode {
	n := xmlNode{name: name, text: text}
	for i := 0; i+1 < len(attrs); i += 2 {
		n.attrs = append(n.attrs, [2]string{attrs[i], attrs[i+1]})
	}
	return n
}

// parent makes an element with children.
func parent(name string, kids ...xmlNode) xmlNode { return xmlNode{name: name, kids: kids} }

// testEvent is the Event element of a typical record with the given EventData children.
func testEvent(id, recID int, at time.Time, data ...xmlNode) xmlNode {
	sys := parent("System",
		el("Provider", "", "Name", "Test-Provider", "Guid", "{00000000-0000-0000-0000-000000000001}"),
		el("EventID", itoa(id)),
		el("Version", "2"),
		el("Level", "4"),
		el("Task", "12544"),
		el("Opcode", "0"),
		el("Keywords", "0x8020000000000000"),
		el("TimeCreated", "", "SystemTime", at.UTC().Format(time.RFC3339Nano)),
		el("EventRecordID", itoa(recID)),
		xmlNode{name: "Execution", attrs: [][2]string{{"ProcessID", "4"}, {"ThreadID", "64"}}},
		el("Channel", "Security"),
		el("Computer", "host.example"),
		xmlNode{name: "Security", attrs: [][2]string{{"UserID", "S-1-5-18"}}},
	)
	ev := parent("Event", sys)
	if data != nil {
		ev.kids = append(ev.kids, data...)
	}
	return ev
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	neg := n < 0
	if neg {
		n = -n
	}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}

// binxml encodes nodes as binary XML; base is the chunk offset where the output will start,
// which inline names refer to.
type binxml struct {
	base int
	b    []byte
}

func (x *binxml) u8(v byte)    { x.b = append(x.b, v) }
func (x *binxml) u16(v uint16) { x.b = binary.LittleEndian.AppendUint16(x.b, v) }
func (x *binxml) u32(v uint32) { x.b = binary.LittleEndian.AppendUint32(x.b, v) }

func utf16le(s string) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

// name writes an inline name: its own offset, then next-offset, hash, length, UTF-16, NUL.
func (x *binxml) name(s string) {
	x.u32(uint32(x.base + len(x.b) + 4))
	x.u32(0)
	x.u16(0)
	x.u16(uint16(len([]rune(s))))
	x.b = append(x.b, utf16le(s)...)
	x.u16(0)
}

func (x *binxml) text(s string) {
	x.u8(0x05)
	x.u8(0x01)
	x.u16(uint16(len(utf16.Encode([]rune(s)))))
	x.b = append(x.b, utf16le(s)...)
}

func (x *binxml) node(n xmlNode) {
	tag := byte(0x01)
	if len(n.attrs) > 0 {
		tag = 0x41
	}
	x.u8(tag)
	x.u16(0xffff)
	x.u32(0) // element size, unused by readers
	x.name(n.name)
	if len(n.attrs) > 0 {
		x.u32(0) // attribute list size
		for _, a := range n.attrs {
			x.u8(0x06)
			x.name(a[0])
			x.text(a[1])
		}
	}
	if n.text == "" && len(n.kids) == 0 {
		x.u8(0x03)
		return
	}
	x.u8(0x02)
	if n.text != "" {
		x.text(n.text)
	}
	for _, k := range n.kids {
		x.node(k)
	}
	x.u8(0x04)
}

// testRecord is one record to build.
type testRecord struct {
	id      uint64
	written time.Time
	event   xmlNode
	raw     func(x *binxml) // writes the record's binary XML instead of event, when set
}

// toFiletime converts a time to a FILETIME.
func toFiletime(t time.Time) uint64 {
	return uint64(t.Unix()+11_644_473_600)*10_000_000 + uint64(t.Nanosecond()/100)
}

// buildChunk lays records out in a 64 KiB chunk with a valid header and checksums.
func buildChunk(recs []testRecord) []byte {
	c := make([]byte, chunkSize)
	copy(c, "ElfChnk\x00")
	at := chunkHeaderSize
	last := at
	for _, r := range recs {
		x := binxml{base: at + recordHeaderLen}
		x.u8(0x0f) // fragment header
		x.u8(1)
		x.u8(1)
		x.u8(0)
		if r.raw != nil {
			r.raw(&x)
		} else {
			x.node(r.event)
		}
		x.u8(0x00)
		size := recordHeaderLen + len(x.b) + 4
		copy(c[at:], "**\x00\x00")
		binary.LittleEndian.PutUint32(c[at+4:], uint32(size))
		binary.LittleEndian.PutUint64(c[at+8:], r.id)
		binary.LittleEndian.PutUint64(c[at+16:], toFiletime(r.written))
		copy(c[at+recordHeaderLen:], x.b)
		binary.LittleEndian.PutUint32(c[at+size-4:], uint32(size))
		last = at
		at += size
	}
	if len(recs) > 0 {
		binary.LittleEndian.PutUint64(c[0x08:], 1)
		binary.LittleEndian.PutUint64(c[0x10:], uint64(len(recs)))
		binary.LittleEndian.PutUint64(c[0x18:], recs[0].id)
		binary.LittleEndian.PutUint64(c[0x20:], recs[len(recs)-1].id)
	}
	binary.LittleEndian.PutUint32(c[0x28:], 128)
	binary.LittleEndian.PutUint32(c[0x2c:], uint32(last))
	binary.LittleEndian.PutUint32(c[0x30:], uint32(at))
	fixChunkChecksums(c)
	return c
}

// fixChunkChecksums recomputes a chunk's data and header CRC32s.
func fixChunkChecksums(c []byte) {
	free := binary.LittleEndian.Uint32(c[0x30:])
	binary.LittleEndian.PutUint32(c[0x34:], crc32.ChecksumIEEE(c[chunkHeaderSize:free]))
	h := crc32.NewIEEE()
	h.Write(c[:0x78])
	h.Write(c[0x80:chunkHeaderSize])
	binary.LittleEndian.PutUint32(c[0x7c:], h.Sum32())
}

// buildFile makes an EVTX file of the given chunks.
func buildFile(chunks ...[]byte) []byte {
	f := make([]byte, fileHeaderSize)
	copy(f, "ElfFile\x00")
	if len(chunks) > 0 {
		binary.LittleEndian.PutUint64(f[0x10:], uint64(len(chunks)-1))
	}
	binary.LittleEndian.PutUint32(f[0x20:], 128)
	binary.LittleEndian.PutUint16(f[0x24:], 1)
	binary.LittleEndian.PutUint16(f[0x26:], 3)
	binary.LittleEndian.PutUint16(f[0x28:], fileHeaderSize)
	binary.LittleEndian.PutUint16(f[0x2a:], uint16(len(chunks)))
	binary.LittleEndian.PutUint32(f[0x7c:], crc32.ChecksumIEEE(f[:120]))
	for _, c := range chunks {
		f = append(f, c...)
	}
	return f
}

// simpleChunk makes a chunk of n 4688 events numbered from first.
func simpleChunk(first, n int) []byte {
	base := time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC)
	var recs []testRecord
	for i := range n {
		id := first + i
		at := base.Add(time.Duration(id) * time.Second)
		recs = append(recs, testRecord{id: uint64(id), written: at, event: testEvent(4688, id, at,
			parent("EventData",
				el("Data", "C:\\Windows\\System32\\cmd.exe", "Name", "NewProcessName"),
				el("Data", "cmd.exe /c echo "+itoa(id), "Name", "CommandLine"),
			))})
	}
	return buildChunk(recs)
}

// open writes an element's start (without attributes) and the close of its start tag.
func (x *binxml) open(name string) {
	x.u8(0x01)
	x.u16(0xffff)
	x.u32(0)
	x.name(name)
	x.u8(0x02)
}

// close writes an element's end tag.
func (x *binxml) close() { x.u8(0x04) }

// templateDef writes a template instance that defines template id with the given body and no
// arguments.
func (x *binxml) templateDef(id uint32, body func()) {
	x.u8(0x0c)
	x.u8(0x01)
	x.u32(id)
	x.u32(0)
	x.u32(0)
	x.b = append(x.b, make([]byte, 16)...)
	lenAt := len(x.b)
	x.u32(0)
	start := len(x.b)
	x.b = append(x.b, 0x0f, 1, 1, 0)
	body()
	x.u8(0x00)
	binary.LittleEndian.PutUint32(x.b[lenAt:], uint32(len(x.b)-start))
	x.u32(0) // arguments
}

// templateRef writes an instance of the already defined template id, without arguments.
func (x *binxml) templateRef(id uint32) {
	x.u8(0x0c)
	x.u8(0x01)
	x.u32(id)
	x.u32(0)
	x.u32(0)
}

// templateArg is a substitution value of a template instance.
type templateArg struct {
	typ  uint16
	data []byte
}

// templateDefArgs writes a template instance that defines template id with the given body and
// passes args.
func (x *binxml) templateDefArgs(id uint32, body func(), args []templateArg) {
	x.templateDef(id, body)
	x.b = x.b[:len(x.b)-4] // drop templateDef's empty argument count
	x.u32(uint32(len(args)))
	for _, a := range args {
		x.u16(uint16(len(a.data)))
		x.u16(a.typ)
	}
	for _, a := range args {
		x.b = append(x.b, a.data...)
	}
}

// substData writes <Data Name="name">%id%</Data> with a substitution of the given type.
func (x *binxml) substData(name string, id uint16, typ byte) {
	x.u8(0x41)
	x.u16(0xffff)
	x.u32(0)
	x.name("Data")
	x.u32(0)
	x.u8(0x06)
	x.name("Name")
	x.text(name)
	x.u8(0x02)
	x.u8(0x0d)
	x.u16(id)
	x.u8(typ)
	x.u8(0x04)
}

// templateBomb writes an event whose templates each use the previous one twice: 2^levels
// leaves from a few bytes per level.
func templateBomb(levels uint32) func(x *binxml) {
	return func(x *binxml) {
		x.open("Event")
		x.node(parent("System", el("EventID", "1")))
		for i := uint32(1); i <= levels; i++ {
			x.open("S" + itoa(int(i)))
			x.templateDef(i, func() {
				if i == 1 {
					x.node(el("A", "x"))
					return
				}
				x.open("B")
				x.open("C")
				x.templateRef(i - 1)
				x.close()
				x.open("D")
				x.templateRef(i - 1)
				x.close()
				x.close()
			})
			x.close()
		}
		x.close()
	}
}

// typedArgsEvent writes an event from a template whose arguments have the value types the
// parser renders lossily, and others: EventData LogonId (HexInt64 0x3e7), ProcessId (HexInt32
// 0x5ec), Count (UInt64 999), Pid (UInt32 1516), When (FILETIME at), SysWhen (SYSTEMTIME
// 2024-05-06T07:08:09.123Z), Blob (binary DEADBEEF), Text (string); Keywords (HexInt64) and
// SystemTime (FILETIME at) in System.
func typedArgsEvent(at time.Time) func(x *binxml) {
	le := func(n uint64, size int) []byte {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, n)
		return b[:size]
	}
	sysTime := make([]byte, 16)
	for i, v := range []uint16{2024, 5, 1, 6, 7, 8, 9, 123} {
		binary.LittleEndian.PutUint16(sysTime[2*i:], v)
	}
	args := []templateArg{
		{0x15, le(0x3e7, 8)},                   // HexInt64
		{0x14, le(0x5ec, 4)},                   // HexInt32
		{0x0a, le(999, 8)},                     // UInt64
		{0x08, le(1516, 4)},                    // UInt32
		{0x11, le(toFiletime(at), 8)},          // FILETIME
		{0x12, sysTime},                        // SYSTEMTIME
		{0x0e, []byte{0xde, 0xad, 0xbe, 0xef}}, // binary
		{0x01, utf16le("text")},                // string
		{0x15, le(0x8020000000000000, 8)},      // Keywords, HexInt64
		{0x11, le(toFiletime(at), 8)},          // SystemTime, FILETIME
	}
	raw := func(x *binxml) {
		x.open("Event")
		x.templateDefArgs(7, func() {
			x.open("System")
			x.node(el("EventID", "4688"))
			x.open("Keywords")
			x.u8(0x0d)
			x.u16(8)
			x.u8(0x15)
			x.close()
			x.u8(0x41)
			x.u16(0xffff)
			x.u32(0)
			x.name("TimeCreated")
			x.u32(0)
			x.u8(0x06)
			x.name("SystemTime")
			x.u8(0x0e)
			x.u16(9)
			x.u8(0x11)
			x.u8(0x03)
			x.close()
			x.open("EventData")
			for i, name := range []string{"LogonId", "ProcessId", "Count", "Pid", "When", "SysWhen", "Blob", "Text"} {
				x.substData(name, uint16(i), byte(args[i].typ))
			}
			x.close()
		}, args)
		x.close()
	}
	return raw
}
