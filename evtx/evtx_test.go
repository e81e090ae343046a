package evtx

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/record"
)

// result is what a stream yielded, in order.
type result struct {
	recs []record.Record
	errs []error // every error, bad records and the final one
	seq  []string
}

func collect(s record.Stream) result {
	var r result
	for rec, err := range s {
		if err != nil {
			r.errs = append(r.errs, err)
			r.seq = append(r.seq, "err")
			continue
		}
		r.recs = append(r.recs, rec)
		r.seq = append(r.seq, "rec")
	}
	return r
}

func readBytes(b []byte, opts Options) result {
	return collect(Read(context.Background(), bytes.NewReader(b), int64(len(b)), "test.evtx", opts))
}

func str(t *testing.T, r record.Record, name string) string {
	t.Helper()
	v, ok := r.Get(name)
	if !ok {
		t.Fatalf("no field %s in %v", name, r.Names())
	}
	return v.Text()
}

func TestReadFields(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 987654300, time.UTC)
	recs := []testRecord{
		{id: 10, written: at, event: testEvent(4688, 10, at, parent("EventData",
			el("Data", "4", "Name", "ProcessID"), // collides with System's ProcessID
			el("Data", "powershell.exe -enc AAAA", "Name", "CommandLine"),
			xmlNode{name: "Data", attrs: [][2]string{{"Name", "Empty"}}},
			el("Binary", "00FF"),
		))},
		{id: 11, written: at, event: testEvent(7, 11, at, parent("EventData",
			el("Data", "first"), el("Data", "second"),
		))},
		{id: 12, written: at, event: testEvent(1102, 12, at, parent("UserData",
			parent("LogFileCleared",
				el("SubjectUserName", "alice"),
				el("Item", "a"), el("Item", "b"),
			)))},
		{id: 13, written: at, event: testEvent(8, 13, at, parent("EventData", el("Data", "only")))},
	}
	r := readBytes(buildFile(buildChunk(recs)), Options{VerifyChecksums: true})
	if len(r.errs) != 0 || len(r.recs) != 4 {
		t.Fatalf("errors %v, %d records", r.errs, len(r.recs))
	}
	r0 := r.recs[0]
	wantNames := []string{"EventID", "TimeCreated", "Computer", "Channel", "Provider", "EventRecordID", "Level", "Task",
		"Opcode", "Version", "Keywords", "ProcessID", "ThreadID", "UserID", "ProviderGuid",
		"EventData.ProcessID", "CommandLine", "Empty", "Binary"}
	if got := strings.Join(r0.Names(), ","); got != strings.Join(wantNames, ",") {
		t.Errorf("names\n got %s\nwant %s", got, strings.Join(wantNames, ","))
	}
	if v, _ := r0.Get("EventID"); v.Kind() != record.KindInt || v.Text() != "4688" {
		t.Errorf("EventID %v", v)
	}
	if v, _ := r0.Get("EventRecordID"); v.Kind() != record.KindInt || v.Text() != "10" {
		t.Errorf("EventRecordID %v", v)
	}
	if v, _ := r0.Get("TimeCreated"); !v.Equal(record.Time(at)) {
		t.Errorf("TimeCreated %v, want %v", v.Text(), at)
	}
	for name, want := range map[string]string{
		"Computer": "host.example", "Channel": "Security", "Provider": "Test-Provider", "Level": "4",
		"Task": "12544", "Opcode": "0", "Version": "2", "Keywords": "0x8020000000000000", "ProcessID": "4",
		"ThreadID": "64", "UserID": "S-1-5-18", "EventData.ProcessID": "4",
		"CommandLine": "powershell.exe -enc AAAA", "Empty": "", "Binary": "00FF",
	} {
		if got := str(t, r0, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
		if v, _ := r0.Get(name); v.Kind() != record.KindString {
			t.Errorf("%s is %v, want a string", name, v.Kind())
		}
	}
	if got := str(t, r.recs[1], "Data_1") + "|" + str(t, r.recs[1], "Data_2"); got != "first|second" {
		t.Errorf("unnamed data %q", got)
	}
	if got := str(t, r.recs[2], "UserData.LogFileCleared.SubjectUserName"); got != "alice" {
		t.Errorf("user data %q", got)
	}
	if v, _ := r.recs[2].Get("UserData.LogFileCleared.Item"); v.Kind() != record.KindList || strings.Join(v.Texts(), "|") != "a|b" {
		t.Errorf("repeated user data %v", v)
	}
	if got := str(t, r.recs[3], "Data_1"); got != "only" {
		t.Errorf("single unnamed data %q", got)
	}
	for i, rec := range r.recs {
		if rec.Meta.N != i+1 || rec.Meta.Source != "test.evtx" {
			t.Errorf("record %d meta %+v", i, rec.Meta)
		}
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.evtx")
	if err := os.WriteFile(p, buildFile(simpleChunk(1, 3), simpleChunk(4, 2)), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Size() != fileHeaderSize+2*chunkSize {
		t.Errorf("size %d", r.Size())
	}
	res := collect(r.Records(context.Background()))
	if len(res.errs) != 0 || len(res.recs) != 5 {
		t.Fatalf("errors %v, %d records", res.errs, len(res.recs))
	}
	for i, rec := range res.recs {
		if got, want := str(t, rec, "CommandLine"), "cmd.exe /c echo "+itoa(i+1); got != want {
			t.Errorf("record %d CommandLine %q", i, got)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing.evtx"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	small := filepath.Join(dir, "small.evtx")
	if err := os.WriteFile(small, buildFile(simpleChunk(1, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(small, Options{MaxFileSize: 1000}); !errors.Is(err, ErrFileTooLarge) {
		t.Errorf("max file size: %v", err)
	}
	if _, err := Open(p, Options{MaxChunks: 1}); !errors.Is(err, ErrTooManyChunks) {
		t.Errorf("max chunks: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "a.evtx"), Options{MaxChunks: 2}); err != nil {
		t.Errorf("max chunks 2: %v", err)
	}
}

func TestFileErrors(t *testing.T) {
	good := buildFile(simpleChunk(1, 2))
	badVersion := bytes.Clone(good)
	binary.LittleEndian.PutUint16(badVersion[0x26:], 2)
	notEVTX := bytes.Clone(good)
	copy(notEVTX, "ElfFilf")
	tests := []struct {
		name string
		data []byte
		opts Options
		want error
	}{
		{"empty", nil, Options{}, ErrNotEVTX},
		{"short", good[:100], Options{}, ErrNotEVTX},
		{"signature", notEVTX, Options{}, ErrNotEVTX},
		{"version", badVersion, Options{}, ErrUnsupportedVersion},
		{"max file size", good, Options{MaxFileSize: int64(len(good) - 1)}, ErrFileTooLarge},
		{"max chunks", buildFile(simpleChunk(1, 1), simpleChunk(2, 1), simpleChunk(3, 1)), Options{MaxChunks: 2}, ErrTooManyChunks},
		{"max records", buildFile(simpleChunk(1, 3), simpleChunk(4, 3)), Options{MaxRecords: 4}, ErrTooManyRecords},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := readBytes(tc.data, tc.opts)
			if len(r.errs) != 1 || !errors.Is(r.errs[0], tc.want) || record.IsParseError(r.errs[0]) {
				t.Fatalf("errors %v, want one %v", r.errs, tc.want)
			}
			if r.seq[len(r.seq)-1] != "err" {
				t.Errorf("the error is not last: %v", r.seq)
			}
			if tc.opts.MaxRecords > 0 && len(r.recs) != tc.opts.MaxRecords {
				t.Errorf("%d records before the limit, want %d", len(r.recs), tc.opts.MaxRecords)
			}
			if !strings.Contains(r.errs[0].Error(), "test.evtx") {
				t.Errorf("error does not name the file: %v", r.errs[0])
			}
		})
	}
	// the limits are not hit at exactly their value
	if r := readBytes(buildFile(simpleChunk(1, 3), simpleChunk(4, 3)), Options{MaxRecords: 6, MaxChunks: 2, MaxFileSize: fileHeaderSize + 2*chunkSize}); len(r.errs) != 0 || len(r.recs) != 6 {
		t.Errorf("at the limits: errors %v, %d records", r.errs, len(r.recs))
	}
}

// badOf checks that err is a ParseError of the given kind naming the file and offset.
func badOf(t *testing.T, err error, kind error, offset string) {
	t.Helper()
	var pe *record.ParseError
	if !errors.As(err, &pe) || !errors.Is(err, kind) {
		t.Fatalf("error %v is not a ParseError wrapping %v", err, kind)
	}
	if pe.Source != "test.evtx" || !strings.Contains(err.Error(), "test.evtx") || !strings.Contains(err.Error(), "offset "+offset) {
		t.Errorf("error %q does not name test.evtx and offset %s", err, offset)
	}
}

func TestBadChunksAndRecords(t *testing.T) {
	second := fileHeaderSize + chunkSize // file offset of the second chunk
	recAt := func(c []byte, i int) int { // chunk offset of record i
		at := chunkHeaderSize
		for ; i > 0; i-- {
			at += int(binary.LittleEndian.Uint32(c[at+4:]))
		}
		return at
	}
	tests := []struct {
		name    string
		corrupt func(c []byte) // applied to the second of three chunks of 3 records
		opts    Options
		seq     string
		kind    error
		offset  func(c []byte) int // file offset named in the error
		nextN   int                // Meta.N of the first record of the third chunk
		dropped bool
	}{
		{
			name:    "chunk signature",
			corrupt: func(c []byte) { copy(c, "XlfChnk") },
			seq:     "rec rec rec err rec rec rec", kind: ErrBadChunk,
			offset: func([]byte) int { return second }, nextN: 5,
		},
		{
			name:    "free space offset",
			corrupt: func(c []byte) { binary.LittleEndian.PutUint32(c[0x30:], 0x20000) },
			seq:     "rec rec rec err rec rec rec", kind: ErrBadChunk,
			offset: func([]byte) int { return second }, nextN: 5,
		},
		{
			name:    "header checksum",
			corrupt: func(c []byte) { c[0x10]++ },
			opts:    Options{VerifyChecksums: true},
			seq:     "rec rec rec err rec rec rec", kind: ErrBadChunk,
			offset: func([]byte) int { return second }, nextN: 5,
		},
		{
			name:    "data checksum",
			corrupt: func(c []byte) { c[recAt(c, 1)+30] ^= 0x20 },
			opts:    Options{VerifyChecksums: true},
			seq:     "rec rec rec err rec rec rec", kind: ErrBadChunk,
			offset: func([]byte) int { return second }, nextN: 5,
		},
		{
			name:    "record signature",
			corrupt: func(c []byte) { c[recAt(c, 1)] = 'x' },
			seq:     "rec rec rec rec err rec rec rec", kind: ErrBadRecord,
			offset: func(c []byte) int { return second + recAt(c, 1) }, nextN: 6,
		},
		{
			name: "record size",
			corrupt: func(c []byte) {
				at := recAt(c, 2)
				binary.LittleEndian.PutUint32(c[at+4:], 0x10000)
			},
			seq: "rec rec rec rec rec err rec rec rec", kind: ErrBadRecord,
			offset: func(c []byte) int { return second + recAt(c, 2) }, nextN: 7,
		},
		{
			name: "record size copy",
			corrupt: func(c []byte) {
				at := recAt(c, 0)
				binary.LittleEndian.PutUint32(c[at+4:], binary.LittleEndian.Uint32(c[at+4:])-2)
			},
			seq: "rec rec rec err rec rec rec", kind: ErrBadRecord,
			offset: func(c []byte) int { return second + recAt(c, 0) }, nextN: 5,
		},
		{
			name: "binary xml past the chunk",
			corrupt: func(c []byte) {
				// the first element's name reference points past the chunk end
				binary.LittleEndian.PutUint32(c[recAt(c, 0)+recordHeaderLen+4+7:], 0xfffffff0)
			},
			seq: "rec rec rec err rec rec rec", kind: ErrBadRecord,
			offset: func(c []byte) int { return second + recAt(c, 0) }, nextN: 5,
		},
		{
			name: "no event element",
			corrupt: func(c []byte) {
				c[recAt(c, 1)+recordHeaderLen+4] = 0x00 // end of stream right after the fragment header
			},
			seq: "rec rec rec rec err rec rec rec rec", kind: ErrBadRecord,
			offset: func(c []byte) int { return second + recAt(c, 1) }, nextN: 7,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := simpleChunk(4, 3)
			tc.corrupt(c)
			r := readBytes(buildFile(simpleChunk(1, 3), c, simpleChunk(7, 3)), tc.opts)
			if got := strings.Join(r.seq, " "); got != tc.seq {
				t.Fatalf("yielded %s, want %s (errors %v)", got, tc.seq, r.errs)
			}
			badOf(t, r.errs[0], tc.kind, hexOff(tc.offset(c)))
			last := r.recs[len(r.recs)-3]
			if last.Meta.N != tc.nextN || str(t, last, "EventRecordID") != "7" {
				t.Errorf("first record of the third chunk: meta %+v, id %s", last.Meta, str(t, last, "EventRecordID"))
			}
		})
	}
}

func hexOff(n int) string { return fmt.Sprintf("%#x", n) }

func TestUnusedAndTruncatedChunks(t *testing.T) {
	// an all-zero chunk slot is skipped silently
	f := buildFile(simpleChunk(1, 2), make([]byte, chunkSize), simpleChunk(3, 2))
	if r := readBytes(f, Options{}); len(r.errs) != 0 || len(r.recs) != 4 {
		t.Errorf("zero chunk: errors %v, %d records", r.errs, len(r.recs))
	}
	// a file cut inside a chunk: the complete records are read, the cut one is reported
	c := simpleChunk(1, 3)
	third := chunkHeaderSize
	for range 2 {
		third += int(binary.LittleEndian.Uint32(c[third+4:]))
	}
	f = buildFile(c)[:fileHeaderSize+third+40]
	r := readBytes(f, Options{})
	if got := strings.Join(r.seq, " "); got != "rec rec err" {
		t.Fatalf("truncated: yielded %s (%v)", got, r.errs)
	}
	badOf(t, r.errs[0], ErrBadRecord, hexOff(fileHeaderSize+third))
	// only a file header: no records, no errors
	if r := readBytes(buildFile(), Options{}); len(r.seq) != 0 {
		t.Errorf("header only: yielded %v", r.seq)
	}
}

func TestParserPanicRecovered(t *testing.T) {
	f := buildFile(simpleChunk(1, 2), simpleChunk(3, 2), simpleChunk(5, 2))
	calls := 0
	panicky := func(chunk []byte, n int) ([]event, error) {
		calls++
		if calls == 2 {
			var m map[string]int
			m["boom"]++ // a nil map write, as a parser bug would do
		}
		return velocidexParser(chunk, n)
	}
	r := collect(read(context.Background(), bytes.NewReader(f), int64(len(f)), "test.evtx", Options{}, panicky))
	if got := strings.Join(r.seq, " "); got != "rec rec err rec rec" {
		t.Fatalf("yielded %s (%v)", got, r.errs)
	}
	badOf(t, r.errs[0], ErrBadChunk, hexOff(fileHeaderSize+chunkSize))
	if !strings.Contains(r.errs[0].Error(), "parser panic") {
		t.Errorf("error %v does not say the parser panicked", r.errs[0])
	}
	// a parser that returns fewer records than were checked: the rest are reported
	short := func(chunk []byte, n int) ([]event, error) {
		evs, err := velocidexParser(chunk, n)
		return evs[:1], err
	}
	r = collect(read(context.Background(), bytes.NewReader(f), int64(len(f)), "test.evtx", Options{}, short))
	if got := strings.Join(r.seq, " "); got != "rec err rec err rec err" {
		t.Fatalf("short parser: yielded %s (%v)", got, r.errs)
	}
}

func TestHostileBinaryXML(t *testing.T) {
	// a template instance claiming 2^32-1 arguments must be refused, not looped over
	c := simpleChunk(1, 2)
	at := chunkHeaderSize + recordHeaderLen + 4                       // after the fragment header of record 1
	tmpl := []byte{0x0c, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} // template 1, not seen yet
	tmpl = append(tmpl, make([]byte, 16)...)                          // its GUID
	tmpl = append(tmpl, 1, 0, 0, 0, 0x00)                             // a 1-byte body: end of stream
	tmpl = append(tmpl, 0xff, 0xff, 0xff, 0xff)                       // then 2^32-1 arguments
	copy(c[at:], tmpl)
	done := make(chan result, 1)
	go func() { done <- readBytes(buildFile(c, simpleChunk(3, 1)), Options{}) }()
	select {
	case r := <-done:
		if got := strings.Join(r.seq, " "); got != "err rec" {
			t.Fatalf("yielded %s (%v)", got, r.errs)
		}
		badOf(t, r.errs[0], ErrBadRecord, hexOff(fileHeaderSize+chunkHeaderSize))
		if !strings.Contains(r.errs[0].Error(), "4294967295 template arguments") {
			t.Errorf("refused for another reason: %v", r.errs[0])
		}
	case <-time.After(20 * time.Second):
		t.Fatal("hostile template instance not refused")
	}
}

func TestCancel(t *testing.T) {
	f := buildFile(simpleChunk(1, 5))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var seq []string
	var last error
	for _, err := range Read(ctx, bytes.NewReader(f), int64(len(f)), "test.evtx", Options{}) {
		if err != nil {
			last = err
			seq = append(seq, "err")
			continue
		}
		seq = append(seq, "rec")
		if len(seq) == 2 {
			cancel()
		}
	}
	if got := strings.Join(seq, " "); got != "rec rec err" || !errors.Is(last, context.Canceled) {
		t.Errorf("yielded %s, last error %v", got, last)
	}
	// already cancelled
	if r := collect(Read(ctx, bytes.NewReader(f), int64(len(f)), "test.evtx", Options{})); len(r.errs) != 1 || !errors.Is(r.errs[0], context.Canceled) {
		t.Errorf("cancelled before: %v", r.errs)
	}
	// stopping early is fine
	for range Read(context.Background(), bytes.NewReader(f), int64(len(f)), "test.evtx", Options{}) {
		break
	}
}

func TestScalar(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, ""},
		{"x", "x"},
		{uint8(7), "7"},
		{uint16(65535), "65535"},
		{uint32(999), "999"},
		{uint64(1) << 63, "9223372036854775808"},
		{true, "true"},
		{[]byte{0x0a, 0xff}, "0AFF"},
		{time.Date(2024, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600)), "2024-01-02T02:04:05.0000006Z"},
		{1474398932.5810544, "2016-09-20T19:15:32.5810544Z"},
		{3.5, "1970-01-01T00:00:03.5Z"},
	}
	for _, tc := range tests {
		if got := scalar(tc.in); got != tc.want {
			t.Errorf("scalar(%#v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTimeCreated(t *testing.T) {
	exact := time.Date(2016, 9, 20, 19, 15, 32, 581054400, time.UTC)
	ft := toFiletime(exact)
	tests := []struct {
		name    string
		sys     any
		written uint64
		want    time.Time
		ok      bool
	}{
		{"header agrees", 1474398932.5810544, ft, exact, true},
		{"no header time", 1474398932.5810544, 0, exact, true},
		{"header disagrees", 1474398932.5810544, ft + 10_000_000, exact, true},
		{"exact system time", exact.Add(300), ft, exact.Add(300), true},
		{"no system time", nil, ft, exact, true},
		{"text system time", "2016-09-20T19:15:32.5810544Z", 0, exact, true},
		{"none", nil, 0, time.Time{}, false},
	}
	for _, tc := range tests {
		got, ok := timeCreated(tc.sys, tc.written)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("%s: %v %v, want %v %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestMaxFields(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	var data []xmlNode
	for i := range 50 {
		data = append(data, el("Data", itoa(i), "Name", "F"+itoa(i)))
	}
	wide := buildChunk([]testRecord{{id: 1, written: at, event: testEvent(1, 1, at, parent("EventData", data...))}})
	if r := readBytes(buildFile(wide), Options{}); len(r.errs) != 0 || r.recs[0].Len() != 15+50 {
		t.Fatalf("default limit: errors %v", r.errs)
	}
	r := readBytes(buildFile(wide, simpleChunk(2, 1)), Options{MaxFields: 40})
	if got := strings.Join(r.seq, " "); got != "err rec" {
		t.Fatalf("yielded %s (%v)", got, r.errs)
	}
	badOf(t, r.errs[0], ErrBadRecord, hexOff(fileHeaderSize+chunkHeaderSize))
	if !strings.Contains(r.errs[0].Error(), "more than 40 fields") {
		t.Errorf("error %v", r.errs[0])
	}

	// Templates that each use the previous one twice describe an event with 2^40 leaves in a
	// few kilobytes; the default limit refuses it at once.
	const levels = 40
	bomb := templateBomb(levels)
	done := make(chan result, 1)
	go func() {
		done <- readBytes(buildFile(buildChunk([]testRecord{{id: 1, written: at, raw: bomb}})), Options{})
	}()
	select {
	case r := <-done:
		if got := strings.Join(r.seq, " "); got != "err" || !strings.Contains(r.errs[0].Error(), "more than 10000 fields") {
			t.Fatalf("yielded %s (%v)", got, r.errs)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("event of 2^40 fields not refused")
	}
}

func TestTemplateValueTypes(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456700, time.UTC)
	raw := typedArgsEvent(at)
	// the header time differs from SystemTime: SystemTime must win, exactly
	r := readBytes(buildFile(buildChunk([]testRecord{{id: 1, written: at.Add(time.Second), raw: raw}})), Options{})
	if len(r.errs) != 0 || len(r.recs) != 1 {
		t.Fatalf("errors %v, %d records", r.errs, len(r.recs))
	}
	rec := r.recs[0]
	for name, want := range map[string]string{
		"LogonId": "0x3e7", "ProcessId": "0x5ec", "Count": "999", "Pid": "1516",
		"When": "2024-05-06T07:08:09.1234567Z", "SysWhen": "2024-05-06T07:08:09.123Z",
		"Blob": "DEADBEEF", "Text": "text", "Keywords": "0x8020000000000000",
	} {
		if got := str(t, rec, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if v, _ := rec.Get("TimeCreated"); !v.Equal(record.Time(at)) {
		t.Errorf("TimeCreated %s, want %s", v.Text(), at.Format(time.RFC3339Nano))
	}
}

func TestTemplateExpansionBudget(t *testing.T) {
	// Record 1 defines a template of 6,000 tokens; each later record is a bare instance of it
	// (47 bytes). The parser would copy the whole template for each: the walker counts that
	// and refuses the chunk's tail once a chunk's budget is spent.
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	recs := []testRecord{{id: 1, written: at, raw: func(x *binxml) {
		x.open("Event")
		x.node(parent("System", el("EventID", "1")))
		x.templateDef(1, func() {
			x.open("Big")
			ref := 0
			for i := range 3000 {
				x.u8(0x01)
				x.u16(0xffff)
				x.u32(0)
				if i == 0 {
					ref = x.base + len(x.b) + 4
					x.name("E")
				} else {
					x.u32(uint32(ref)) // the name written by the first element
				}
				x.u8(0x03)
			}
			x.close()
		})
		x.close()
	}}}
	for i := 2; i <= 500; i++ {
		recs = append(recs, testRecord{id: uint64(i), written: at, raw: func(x *binxml) { x.templateRef(1) }})
	}
	r := readBytes(buildFile(buildChunk(recs)), Options{})
	if len(r.errs) == 0 {
		t.Fatal("no error")
	}
	last := r.errs[len(r.errs)-1]
	if !errors.Is(last, ErrBadRecord) || !strings.Contains(last.Error(), "more than 1048576 tokens") {
		t.Fatalf("last error %v", last)
	}
	// the records before it were parsed (as errors: a bare template instance has no Event)
	if len(r.errs) < 100 || len(r.errs) > 200 {
		t.Errorf("%d errors, want the chunk cut after 100 to 200 records", len(r.errs))
	}
	if len(r.recs) != 1 {
		t.Errorf("%d records, want the first", len(r.recs))
	}
}
