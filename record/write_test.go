package record

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// sampleRecords covers every value kind, field order, missing and late fields, and awkward
// text: quotes, delimiters, line breaks, control characters, wide runes, HTML-ish URLs.
func sampleRecords() []Record {
	ts := time.Date(2024, 3, 1, 12, 30, 45, 123456789, time.UTC)
	nested := obj("user", String("alice"), "ids", List(Int(1), Int(2)))
	return []Record{
		obj("time", Time(ts), "host", String("ws-01"), "pid", Int(4242), "score", Float(0.75), "ok", Bool(true),
			"cmd", String(`powershell.exe -enc SQBFAFgA "x" & del`), "url", String("http://example.com/a?b=1&c=<2>")),
		obj("host", String("ws-02"), "pid", Int(-1), "tags", Strings("a", "b,c"), "ctx", Object(nested), "none", Null()),
		obj("host", String("db-01, \"primary\""), "msg", String("line one\nline two\r\nthree\tfour\x1b[31mred"), "score", Float(math.Inf(1))),
		obj("host", String("日本語ホスト"), "msg", String(strings.Repeat("long ", 40)), "extra", String("x\u202Eexe.txt")),
		obj("nan", Float(math.NaN()), "empty", String(""), "objnil", Value{kind: KindObject}, "list", List()),
	}
}

func writeAll(t *testing.T, f OutFormat, opts WriteOptions, recs []Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestWritersGolden(t *testing.T) {
	tests := []struct {
		file string
		f    OutFormat
		opts WriteOptions
	}{
		{"sample.ndjson", OutNDJSON, WriteOptions{}},
		{"sample.json", OutJSON, WriteOptions{}},
		{"sample.csv", OutCSV, WriteOptions{}},
		{"sample.table", OutTable, WriteOptions{Width: 100}},
		{"sample-narrow.table", OutTable, WriteOptions{Width: 40}},
		{"sample-columns.csv", OutCSV, WriteOptions{Columns: []string{"pid", "host", "missing"}}},
		{"sample-columns.ndjson", OutNDJSON, WriteOptions{Columns: []string{"pid", "host", "missing"}}},
		{"sample-columns.table", OutTable, WriteOptions{Columns: []string{"pid", "host", "missing"}}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			golden(t, tc.file, writeAll(t, tc.f, tc.opts, sampleRecords()))
		})
	}
}

func TestWritersEmpty(t *testing.T) {
	for f, want := range map[OutFormat]string{OutNDJSON: "", OutJSON: "[]\n", OutCSV: "", OutTable: ""} {
		if got := string(writeAll(t, f, WriteOptions{}, nil)); got != want {
			t.Errorf("%s with no records: %q, want %q", f, got, want)
		}
	}
	for f, want := range map[OutFormat]string{OutNDJSON: "{}\n{}\n", OutJSON: "[\n{},\n{}\n]\n", OutCSV: "", OutTable: ""} {
		if got := string(writeAll(t, f, WriteOptions{}, []Record{{}, {}})); got != want {
			t.Errorf("%s with records without fields: %q, want %q", f, got, want)
		}
	}
	if got := string(writeAll(t, OutCSV, WriteOptions{Columns: []string{"a", "b"}}, nil)); got != "a,b\n" {
		t.Errorf("csv with columns and no records: %q", got)
	}
}

// TestJSONWritersReadBack: what the JSON writers write, the readers read back Equal.
func TestJSONWritersReadBack(t *testing.T) {
	recs := sampleRecords()[:2] // finite floats, no times: kinds JSON carries back as they are
	recs[0].Delete("time")
	for _, f := range []OutFormat{OutNDJSON, OutJSON} {
		out := writeAll(t, f, WriteOptions{}, recs)
		if !json.Valid(out) && f == OutJSON {
			t.Fatalf("%s output is not valid JSON: %s", f, out)
		}
		var got []Record
		for r, err := range Read(context.Background(), bytes.NewReader(out), "x", ReadOptions{Format: Format(f)}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		if len(got) != len(recs) {
			t.Fatalf("%s: read back %d records, want %d", f, len(got), len(recs))
		}
		for i := range recs {
			if !got[i].Equal(recs[i]) {
				t.Errorf("%s: record %d read back as %s, want %s", f, i, got[i].AppendJSON(nil), recs[i].AppendJSON(nil))
			}
		}
	}
}

func TestCSVWriterLateColumns(t *testing.T) {
	var recs []Record
	for i := range window + 2 {
		r := obj("n", Int(int64(i)))
		if i == 1 {
			r.Set("early", String("e"))
		}
		if i == window+1 {
			r.Set("late", String("l,\"x\""))
			r.Set("later", Int(7))
		}
		recs = append(recs, r)
	}
	out := string(writeAll(t, OutCSV, WriteOptions{}, recs))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if lines[0] != "n,early,_extra" {
		t.Fatalf("header %q", lines[0])
	}
	if len(lines) != window+3 {
		t.Fatalf("%d lines, want %d", len(lines), window+3)
	}
	if lines[2] != "1,e," || lines[window+1] != "1000,," {
		t.Errorf("rows %q, %q", lines[2], lines[window+1])
	}
	if want := `1001,,"{""late"":""l,\""x\"""",""later"":7}"`; lines[window+2] != want {
		t.Errorf("late row %q, want %q", lines[window+2], want)
	}
	// Read back: the late fields are recoverable from _extra.
	var last Record
	for r, err := range Read(context.Background(), strings.NewReader(out), "x.csv", ReadOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		last = r
	}
	if v, _ := last.Get("_extra"); v.Text() != `{"late":"l,\"x\"","later":7}` {
		t.Errorf("_extra read back as %q", v.Text())
	}
}

func TestCSVWriterExtraNameClash(t *testing.T) {
	var recs []Record
	for range window + 1 {
		recs = append(recs, obj("_extra", String("mine")))
	}
	recs = append(recs, obj("_extra", String("mine"), "new", Int(1)))
	out := string(writeAll(t, OutCSV, WriteOptions{}, recs))
	if !strings.HasPrefix(out, "_extra,_extra_2\n") || !strings.HasSuffix(out, "mine,\"{\"\"new\"\":1}\"\n") {
		t.Errorf("unexpected output head/tail: %q … %q", out[:30], out[len(out)-30:])
	}
}

func TestTableFitsWidth(t *testing.T) {
	recs := sampleRecords()
	for _, width := range []int{40, 60, 80, 120, 200} {
		out := string(writeAll(t, OutTable, WriteOptions{Width: width}, recs))
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(recs)+2 {
			t.Fatalf("width %d: %d lines, want %d (one per record, header, rule)", width, len(lines), len(recs)+2)
		}
		for _, l := range lines {
			if w := displayWidth(l); w > width {
				t.Errorf("width %d: line is %d wide: %q", width, w, l)
			}
			if strings.ContainsAny(l, "\r\t\x1b\u202e") {
				t.Errorf("width %d: control character shown raw: %q", width, l)
			}
		}
	}
	// Rows after the sizing window stream with the same widths and never wrap.
	var many []Record
	for i := range window + 5 {
		many = append(many, obj("i", Int(int64(i)), "s", String("short")))
	}
	many = append(many, obj("i", Int(1), "s", String(strings.Repeat("wide ", 50)), "new", String("not shown")))
	out := string(writeAll(t, OutTable, WriteOptions{Width: 30}, many))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	lastLine := lines[len(lines)-1]
	if lastLine != "  1  wide…" { // widths from the first 1000 rows: i ≤ 999
		t.Errorf("late wide row %q", lastLine)
	}
}

func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

func TestFitWidths(t *testing.T) {
	tests := []struct {
		natural []int
		total   int
		want    []int
	}{
		{[]int{3, 4}, 20, []int{3, 4}},
		{[]int{10, 50, 5}, 40, []int{10, 21, 5}},
		{[]int{50, 50}, 32, []int{15, 15}},
		{[]int{51, 50}, 33, []int{16, 15}},
		{[]int{9, 9, 9, 9}, 10, []int{4, 4, 4, 4}},
		{[]int{2, 9, 9, 9}, 10, []int{2, 4, 4, 4}},
		{nil, 10, []int{}},
	}
	for _, tc := range tests {
		got := fitWidths(tc.natural, tc.total)
		if !equalInts(got, tc.want) {
			t.Errorf("fitWidths(%v, %d) = %v, want %v", tc.natural, tc.total, got, tc.want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDisplayText(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
		width int
		clip  bool
	}{
		{"plain", 10, "plain", 5, false},
		{"plain", 3, "pla", 3, true},
		{"a\r\nb\nc\rd", 20, "a⏎b⏎c⏎d", 7, false},
		{"t\tab\x00\x7f\x9b", 20, "t ab\uFFFD\uFFFD\uFFFD", 7, false},
		{"bad\xffutf8", 20, "bad\uFFFDutf8", 8, false},
		{"日本語", 5, "日本", 4, true},
		{"e\u0301", 5, "e\u0301", 1, false},
		{"evil\u202Etxt.exe", 30, "evil\uFFFDtxt.exe", 12, false},
	}
	for _, tc := range tests {
		text, width, clipped := displayText(tc.in, tc.limit)
		if text != tc.want || width != tc.width || clipped != tc.clip {
			t.Errorf("displayText(%q, %d) = %q, %d, %v; want %q, %d, %v", tc.in, tc.limit, text, width, clipped, tc.want, tc.width, tc.clip)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{"http://example.com/?a=1&b=<2>", `"http://example.com/?a=1&b=<2>"`},
		{`q"b\s`, `"q\"b\\s"`},
		{"\n\r\t\b\f", `"\n\r\t\b\f"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001f` + "\x7f" + `"`},
		{"bad\xff\xfe", `"bad\ufffd\ufffd"`},
		{"\xe2\x82", `"\ufffd\ufffd"`},
		{"é日😀", `"é日😀"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"\ufffd", "\"\ufffd\""},
	}
	for _, tc := range tests {
		got := string(appendJSONString([]byte("x"), tc.in))
		if got != "x"+tc.want {
			t.Errorf("appendJSONString(%q) = %s, want %s", tc.in, got[1:], tc.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got[1:]), &back); err != nil {
			t.Errorf("appendJSONString(%q) = %s: not valid JSON: %v", tc.in, got[1:], err)
		}
		if want := strings.ToValidUTF8(tc.in, "\ufffd"); utf8.ValidString(tc.in) && back != want {
			t.Errorf("appendJSONString(%q) decodes to %q", tc.in, back)
		}
	}
}

// failWriter fails every write after the first n bytes.
type failWriter struct {
	n   int
	err error
}

func (w *failWriter) Write(b []byte) (int, error) {
	if len(b) > w.n {
		k := w.n
		w.n = 0
		return k, w.err
	}
	w.n -= len(b)
	return len(b), nil
}

func TestWriterErrorsAreSticky(t *testing.T) {
	boom := errors.New("pipe closed")
	big := obj("s", String(strings.Repeat("x", 70000))) // beyond the output buffer
	for _, f := range []OutFormat{OutNDJSON, OutJSON, OutCSV, OutTable} {
		w, err := NewWriter(&failWriter{n: 10, err: boom}, f, WriteOptions{Columns: []string{"s"}})
		if err != nil {
			t.Fatal(err)
		}
		var first error
		for range 3 {
			if err := w.Write(big); err != nil && first == nil {
				first = err
			}
		}
		cerr := w.Close()
		if !errors.Is(cerr, boom) {
			t.Errorf("%s: Close = %v, want the write error", f, cerr)
		}
		if first != nil && first != cerr {
			t.Errorf("%s: Close = %v, first error was %v", f, cerr, first)
		}
		if err := w.Write(big); err != cerr {
			t.Errorf("%s: Write after failure = %v, want %v", f, err, cerr)
		}
	}
}

func TestWriteAfterClose(t *testing.T) {
	for _, f := range []OutFormat{OutNDJSON, OutJSON, OutCSV, OutTable} {
		w, _ := NewWriter(&bytes.Buffer{}, f, WriteOptions{})
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Write(obj("a", Int(1))); !errors.Is(err, ErrWriterClosed) {
			t.Errorf("%s: Write after Close = %v", f, err)
		}
		if err := w.Close(); err != nil {
			t.Errorf("%s: second Close = %v", f, err)
		}
	}
}

func TestParseOutFormat(t *testing.T) {
	for in, want := range map[string]OutFormat{"table": OutTable, "JSON": OutJSON, "ndjson": OutNDJSON, "jsonl": OutNDJSON, "csv": OutCSV} {
		if got, err := ParseOutFormat(in); err != nil || got != want {
			t.Errorf("ParseOutFormat(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "yaml"} {
		if _, err := ParseOutFormat(in); err == nil {
			t.Errorf("ParseOutFormat(%q) accepted", in)
		}
	}
	if _, err := NewWriter(&bytes.Buffer{}, "yaml", WriteOptions{}); err == nil {
		t.Error("NewWriter accepted an unknown format")
	}
}

// TestWritersAnyKind: every kind, including a malformed value no constructor makes, writes
// without panicking in every format.
func TestWritersAnyKind(t *testing.T) {
	var values []Value
	for k := range Kind(12) {
		values = append(values, Value{kind: k})
	}
	values = append(values, List(Value{kind: KindObject}, List(), Null()), Object(Record{}), Time(time.Time{}), Float(math.Inf(-1)))
	var r Record
	for i, v := range values {
		r.Set(string(rune('a'+i)), v)
	}
	for _, f := range []OutFormat{OutNDJSON, OutJSON, OutCSV, OutTable} {
		out := writeAll(t, f, WriteOptions{}, []Record{r, {}, r})
		if len(out) == 0 {
			t.Errorf("%s wrote nothing", f)
		}
		if f == OutJSON && !json.Valid(out) {
			t.Errorf("json output not valid: %s", out)
		}
	}
}

// TestTableHeadersGiveWay: in a squeezed table a long header is cut before the values are.
func TestTableHeadersGiveWay(t *testing.T) {
	recs := []Record{obj("registrable_domain", String("a.com"), "value", String(strings.Repeat("v", 30)))}
	out := string(writeAll(t, OutTable, WriteOptions{Width: 30}, recs))
	want := "regis…  value\n" + "------  " + strings.Repeat("-", 22) + "\n" + "a.com   " + strings.Repeat("v", 21) + "…\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// TestPlainWord: the eight-bytes-at-once test agrees with the byte table for every byte value in
// every position, and for random words mixing the bytes near the edges of the test.
func TestPlainWord(t *testing.T) {
	plain := func(w string) bool {
		for i := range len(w) {
			if w[i] >= utf8.RuneSelf || !jsonSafe[w[i]] {
				return false
			}
		}
		return true
	}
	for pos := range 8 {
		for c := range 256 {
			w := []byte("abcdefgh")
			w[pos] = byte(c)
			if got, want := plainWord(load64(string(w))), plain(string(w)); got != want {
				t.Errorf("plainWord(%q) = %v, want %v", w, got, want)
			}
		}
	}
	edge := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, '"', '#', '[', '\\', ']', 0x7f, 0x80, 0xa2, 0xdc, 0xff, 'a'}
	seed := uint64(1)
	for range 200000 {
		var w [8]byte
		for i := range w {
			seed = seed*6364136223846793005 + 1442695040888963407
			w[i] = edge[(seed>>33)%uint64(len(edge))]
		}
		if got, want := plainWord(load64(string(w[:]))), plain(string(w[:])); got != want {
			t.Fatalf("plainWord(%q) = %v, want %v", w, got, want)
		}
	}
}
