package record

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

// item is one thing a stream yielded: a record, or an error rendered as text.
type item struct {
	rec  Record
	line int
	err  string
}

func readAll(t *testing.T, input, name string, opts ReadOptions) []item {
	t.Helper()
	var out []item
	for r, err := range Read(context.Background(), strings.NewReader(input), name, opts) {
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("non-parse error: %v", err)
			}
			if pe.Source != name {
				t.Errorf("ParseError.Source = %q, want %q", pe.Source, name)
			}
			out = append(out, item{err: err.Error()})
			continue
		}
		if r.Meta.Source != name {
			t.Errorf("Meta.Source = %q, want %q", r.Meta.Source, name)
		}
		out = append(out, item{rec: r, line: r.Meta.Line})
	}
	return out
}

// rec builds a record of string fields from name, value pairs.
func rec(kv ...string) Record {
	var r Record
	for i := 0; i+1 < len(kv); i += 2 {
		r.Set(kv[i], String(kv[i+1]))
	}
	return r
}

func ok(line int, r Record) item { return item{rec: r, line: line} }
func bad(msg string) item        { return item{err: msg} }

func checkItems(t *testing.T, got, want []item) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d items, want %d:\n%s", len(got), len(want), dump(got))
	}
	for i := range want {
		g, w := got[i], want[i]
		n := i + 1 // record numbers are positions: malformed records count
		if g.err != w.err {
			t.Errorf("item %d: error %q, want %q", i, g.err, w.err)
			continue
		}
		if w.err != "" {
			continue
		}
		if !g.rec.Equal(w.rec) {
			t.Errorf("item %d: record %s, want %s", i, g.rec.AppendJSON(nil), w.rec.AppendJSON(nil))
		}
		if g.line != w.line {
			t.Errorf("item %d: line %d, want %d", i, g.line, w.line)
		}
		if g.rec.Meta.N != n {
			t.Errorf("item %d: N %d, want %d", i, g.rec.Meta.N, n)
		}
	}
}

func dump(items []item) string {
	var b strings.Builder
	for _, it := range items {
		if it.err != "" {
			b.WriteString("  error " + it.err + "\n")
		} else {
			b.WriteString("  " + string(it.rec.AppendJSON(nil)) + "\n")
		}
	}
	return b.String()
}

func raw(s string) Record { return rec("_raw", s) }

func TestReadText(t *testing.T) {
	tests := []struct {
		name  string
		input string
		opts  ReadOptions
		want  []item
	}{
		{"lines", "a\nb\n", ReadOptions{}, []item{ok(1, raw("a")), ok(2, raw("b"))}},
		{"crlf", "a\r\nb\r\n", ReadOptions{}, []item{ok(1, raw("a")), ok(2, raw("b"))}},
		{"final line without newline", "a\nb", ReadOptions{}, []item{ok(1, raw("a")), ok(2, raw("b"))}},
		{"empty input", "", ReadOptions{}, nil},
		{"blank lines are records", "a\n\nb\n", ReadOptions{}, []item{ok(1, raw("a")), ok(2, raw("")), ok(3, raw("b"))}},
		{"bom stripped", "\ufeffa\n", ReadOptions{}, []item{ok(1, raw("a"))}},
		{"lone cr kept inside", "a\rb\n", ReadOptions{}, []item{ok(1, raw("a\rb"))}},
		{"too long line skipped", "short\n" + strings.Repeat("x", 11) + "\nok\n", ReadOptions{MaxLineBytes: 10},
			[]item{ok(1, raw("short")), bad("in.txt:2: line longer than 10 bytes"), ok(3, raw("ok"))}},
		{"line at the limit", strings.Repeat("x", 10) + "\r\n", ReadOptions{MaxLineBytes: 10}, []item{ok(1, raw(strings.Repeat("x", 10)))}},
		{"long line beyond the read buffer", strings.Repeat("y", 200000) + "\nz", ReadOptions{},
			[]item{ok(1, raw(strings.Repeat("y", 200000))), ok(2, raw("z"))}},
		{"long line over the limit beyond the buffer", "a\n" + strings.Repeat("y", 200000) + "\nz", ReadOptions{MaxLineBytes: 100000},
			[]item{ok(1, raw("a")), bad("in.txt:2: line longer than 100000 bytes"), ok(3, raw("z"))}},
		{"forced text on json", `{"a":1}` + "\n", ReadOptions{Format: FormatText}, []item{ok(1, raw(`{"a":1}`))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkItems(t, readAll(t, tc.input, "in.txt", tc.opts), tc.want)
		})
	}
}

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name  string
		input string
		opts  ReadOptions
		want  []item
	}{
		{"basic", "a,b\n1,2\n3,\n", ReadOptions{}, []item{ok(2, rec("a", "1", "b", "2")), ok(3, rec("a", "3", "b", ""))}},
		{"header only", "a,b\n", ReadOptions{}, nil},
		{"empty", "", ReadOptions{}, nil},
		{"crlf and bom", "\ufeffa,b\r\n1,2\r\n", ReadOptions{}, []item{ok(2, rec("a", "1", "b", "2"))}},
		{"bad row between good ones", "a,b,c,d\n1,2,3,4\n1,2,3,4,5\n5,6,7,8\n", ReadOptions{},
			[]item{ok(2, rec("a", "1", "b", "2", "c", "3", "d", "4")), bad("in.csv:3: row has 5 fields, header has 4"), ok(4, rec("a", "5", "b", "6", "c", "7", "d", "8"))}},
		{"quoted with embedded newlines", "id,msg\n1,\"line one\nline two\r\nline three\"\n2,\"x\"\n", ReadOptions{},
			[]item{ok(2, rec("id", "1", "msg", "line one\nline two\nline three")), ok(5, rec("id", "2", "msg", "x"))}},
		{"escaped quotes and delimiters", "a,b\n\"say \"\"hi\"\"\",\"x,y\"\n", ReadOptions{}, []item{ok(2, rec("a", `say "hi"`, "b", "x,y"))}},
		{"duplicate header names", "a,a,b,a\n1,2,3,4\n", ReadOptions{}, []item{ok(2, rec("a", "1", "a_2", "2", "b", "3", "a_3", "4"))}},
		{"generated name avoids a real one", "a,a,a_2\n1,2,3\n", ReadOptions{}, []item{ok(2, rec("a", "1", "a_3", "2", "a_2", "3"))}},
		{"empty header name", "a,,c\n1,2,3\n", ReadOptions{}, []item{ok(2, rec("a", "1", "column_2", "2", "c", "3"))}},
		{"blank lines skipped", "a\n\nx\n\ny\n", ReadOptions{}, []item{ok(3, rec("a", "x")), ok(5, rec("a", "y"))}},
		{"semicolons detected", "a;b\n1;2,5\n", ReadOptions{}, []item{ok(2, rec("a", "1", "b", "2,5"))}},
		{"tabs forced", "a\tb\n1\t2\n", ReadOptions{Comma: '\t'}, []item{ok(2, rec("a", "1", "b", "2"))}},
		{"lenient bare quote", "a,b\nsay \"hi\",2\n", ReadOptions{}, []item{ok(2, rec("a", `say "hi"`, "b", "2"))}},
		{"lenient stray quote in quoted field", "a,b\n\"x\"y\",2\n", ReadOptions{}, []item{ok(2, rec("a", `x"y`, "b", "2"))}},
		{"strict bare quote", "a,b\nsay \"hi\",2\n3,4\n", ReadOptions{StrictQuotes: true},
			[]item{bad("in.csv:2: bare \" in unquoted field 1"), ok(3, rec("a", "3", "b", "4"))}},
		{"strict stray quote", "a,b\n1,\"x\"y\"\n3,4\n", ReadOptions{StrictQuotes: true},
			[]item{bad("in.csv:2: extraneous or missing \" in quoted field 2"), ok(3, rec("a", "3", "b", "4"))}},
		{"unterminated quote", "a,b\n1,2\n3,\"open\nmore\n", ReadOptions{},
			[]item{ok(2, rec("a", "1", "b", "2")), bad("in.csv:3: quoted field not closed before end of input")}},
		{"row over the limit", "a,b\n1,2\n" + strings.Repeat("x", 30) + ",1\n3,4\n", ReadOptions{MaxLineBytes: 20},
			[]item{ok(2, rec("a", "1", "b", "2")), bad("in.csv:3: row longer than 20 bytes"), ok(4, rec("a", "3", "b", "4"))}},
		{"quoted row over the limit across lines", "a,b\n1,\"" + strings.Repeat("x", 15) + "\n" + strings.Repeat("y", 15) + "\"\n3,4\n", ReadOptions{MaxLineBytes: 20},
			[]item{bad("in.csv:2: row longer than 20 bytes (line 3)"), ok(4, rec("a", "3", "b", "4"))}},
		{"trailing delimiter is an empty field", "a,b\n1,\n", ReadOptions{}, []item{ok(2, rec("a", "1", "b", ""))}},
		{"single column with quoted empty", "a\n\"\"\nx\n", ReadOptions{}, []item{ok(2, rec("a", "")), ok(3, rec("a", "x"))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.opts.Format == FormatAuto {
				tc.opts.Format = FormatCSV
			}
			checkItems(t, readAll(t, tc.input, "in.csv", tc.opts), tc.want)
		})
	}
}

func TestReadCSVBadDelimiter(t *testing.T) {
	for _, err := range Read(context.Background(), strings.NewReader("a\n"), "x.csv", ReadOptions{Comma: '"'}) {
		if err == nil || IsParseError(err) || !strings.Contains(err.Error(), "delimiter") {
			t.Fatalf("got %v, want a delimiter error", err)
		}
		return
	}
	t.Fatal("no error for a quote delimiter")
}

func TestReadTSVByName(t *testing.T) {
	got := readAll(t, "a\tb,c\n1\t2,3\n", "x.tsv", ReadOptions{})
	checkItems(t, got, []item{ok(2, rec("a", "1", "b,c", "2,3"))})
}

// obj builds a record from name, value pairs of any kind.
func obj(kv ...any) Record {
	var r Record
	for i := 0; i+1 < len(kv); i += 2 {
		r.Set(kv[i].(string), kv[i+1].(Value))
	}
	return r
}

func TestReadJSON(t *testing.T) {
	tests := []struct {
		name  string
		input string
		opts  ReadOptions
		want  []item
	}{
		{"array", `[{"a":1},{"a":2}]`, ReadOptions{}, []item{ok(1, obj("a", Int(1))), ok(1, obj("a", Int(2)))}},
		{"empty array", `[]`, ReadOptions{}, nil},
		{"array one per line", "[\n {\"a\":1},\n {\"a\":2}\n]\n", ReadOptions{}, []item{ok(2, obj("a", Int(1))), ok(3, obj("a", Int(2)))}},
		{"single object", `{"b":"x","a":true}`, ReadOptions{}, []item{ok(1, obj("b", String("x"), "a", Bool(true)))}},
		{"pretty printed objects one after another", "{\n  \"a\": 1\n}\n{\n  \"a\": 2,\n  \"b\": null\n}\n", ReadOptions{},
			[]item{ok(1, obj("a", Int(1))), ok(4, obj("a", Int(2), "b", Null()))}},
		{"ndjson content in a json file", "{\"a\":1}\n{\"a\":2}\n", ReadOptions{}, []item{ok(1, obj("a", Int(1))), ok(2, obj("a", Int(2)))}},
		{"non-object elements", "[{\"a\":1},\n2,\n\"s\",\n[1],\n{\"a\":3}]", ReadOptions{},
			[]item{ok(1, obj("a", Int(1))), bad("in.json:2: array element is a json number, not an object"),
				bad("in.json:3: array element is a json string, not an object"), bad("in.json:4: array element is a json array, not an object"), ok(5, obj("a", Int(3)))}},
		{"top-level scalar", "{\"a\":1}\n42\n{\"a\":2}", ReadOptions{},
			[]item{ok(1, obj("a", Int(1))), bad("in.json:2: json number at top level is not an object"), ok(3, obj("a", Int(2)))}},
		{"nested order kept", `{"z":{"y":1,"x":[1,"a",null,{"q":false}]},"a":[]}`, ReadOptions{},
			[]item{ok(1, obj("z", Object(obj("y", Int(1), "x", List(Int(1), String("a"), Null(), Object(obj("q", Bool(false)))))), "a", List()))}},
		{"numbers", `{"i":-12,"f":1.5,"e":2e3,"one":1.0,"big":12345678901234567890,"neg0":-0,"huge":1e400,"max":9223372036854775807,"min":-9223372036854775808}`, ReadOptions{},
			[]item{ok(1, obj("i", Int(-12), "f", Float(1.5), "e", Int(2000), "one", Int(1), "big", Float(12345678901234567890), "neg0", Int(0),
				"huge", String("1e400"), "max", Int(math.MaxInt64), "min", Int(math.MinInt64)))}},
		{"strings not parsed as times", `{"t":"2024-01-02T03:04:05Z","u":"\u00e9\ud83d\ude00\ud800x","esc":"a\"b\\c\/d\n"}`, ReadOptions{},
			[]item{ok(1, obj("t", String("2024-01-02T03:04:05Z"), "u", String("é😀\uFFFDx"), "esc", String("a\"b\\c/d\n")))}},
		{"invalid utf-8 replaced", "{\"a\":\"x\xffy\"}", ReadOptions{}, []item{ok(1, obj("a", String("x\uFFFDy")))}},
		{"duplicate keys: last value, first place", `[{"a":1,"b":2,"a":3}]`, ReadOptions{}, []item{ok(1, obj("a", Int(3), "b", Int(2)))}},
		{"duplicate keys at top level", `{"a":1,"b":2,"a":3}`, ReadOptions{}, []item{ok(1, obj("a", Int(3), "b", Int(2)))}},
		{"syntax error ends the stream", "[{\"a\":1},\n{\"a\":},\n{\"a\":3}]", ReadOptions{},
			[]item{ok(1, obj("a", Int(1))), bad("in.json:2: invalid json: invalid character '}' looking for beginning of value")}},
		{"truncated input", "[{\"a\":1},\n{\"a\":", ReadOptions{},
			[]item{ok(1, obj("a", Int(1))), bad("in.json:2: invalid json: unexpected end of input")}},
		{"element over the limit", `[{"a":"` + strings.Repeat("x", 40) + `"},{"a":"y"}]`, ReadOptions{MaxLineBytes: 30},
			[]item{bad("in.json:1: array element longer than 30 bytes"), ok(1, obj("a", String("y")))}},
		{"top-level object over the limit", `{"a":"` + strings.Repeat("x", 40) + `"}` + "\n" + `{"a":"y"}`, ReadOptions{MaxLineBytes: 30},
			[]item{bad("in.json:1: object longer than 30 bytes"), ok(2, obj("a", String("y")))}},
		{"bom", "\ufeff[{\"a\":1}]", ReadOptions{}, []item{ok(1, obj("a", Int(1)))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkItems(t, readAll(t, tc.input, "in.json", tc.opts), tc.want)
		})
	}
}

func TestReadNDJSON(t *testing.T) {
	tests := []struct {
		name  string
		input string
		opts  ReadOptions
		want  []item
	}{
		{"lines", "{\"a\":1}\n{\"a\":\"x\",\"b\":[true]}\n", ReadOptions{}, []item{ok(1, obj("a", Int(1))), ok(2, obj("a", String("x"), "b", List(Bool(true))))}},
		{"blank lines ignored, crlf", "{\"a\":1}\r\n\r\n  \n{\"a\":2}", ReadOptions{}, []item{ok(1, obj("a", Int(1))), ok(4, obj("a", Int(2)))}},
		{"bad line between good ones", "{\"a\":1}\n{\"a\":1,}\n{\"a\":3}\n", ReadOptions{},
			[]item{ok(1, obj("a", Int(1))), bad("in.ndjson:2: invalid json: invalid character '}' looking for beginning of object key string"), ok(3, obj("a", Int(3)))}},
		{"truncated line", "{\"a\":\n{\"a\":3}\n", ReadOptions{},
			[]item{bad("in.ndjson:1: invalid json: unexpected end of JSON input"), ok(2, obj("a", Int(3)))}},
		{"not an object", "[1]\n\"s\"\n{}\n", ReadOptions{},
			[]item{bad("in.ndjson:1: json array is not an object"), bad("in.ndjson:2: json string is not an object"), ok(3, obj())}},
		{"two objects on a line", "{\"a\":1}{\"a\":2}\n", ReadOptions{},
			[]item{bad("in.ndjson:1: invalid json: invalid character '{' after top-level value")}},
		{"line over the limit", "{\"a\":\"" + strings.Repeat("x", 20) + "\"}\n{\"a\":1}\n", ReadOptions{MaxLineBytes: 20},
			[]item{bad("in.ndjson:1: line longer than 20 bytes"), ok(2, obj("a", Int(1)))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkItems(t, readAll(t, tc.input, "in.ndjson", tc.opts), tc.want)
		})
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name, head string
		want       Format
	}{
		{"a.csv", "x y z", FormatCSV},
		{"A.TSV", "", FormatCSV},
		{"a.json", "hello", FormatJSON},
		{"a.ndjson", "", FormatNDJSON},
		{"a.jsonl", "", FormatNDJSON},
		{"a.txt", "{", FormatText},
		{"/var/log/syslog.log", "[", FormatText},
		{"-", "[{\"a\":1}]", FormatJSON},
		{"-", "  \n[", FormatJSON},
		{"-", "{\"a\":1}\n{\"a\":2}\n", FormatNDJSON},
		{"-", "{\"a\":1}\n\n\r\n{\"a\":2}", FormatNDJSON},
		{"-", "{\"a\":1}\n", FormatJSON},
		{"-", "{\"a\":1}\n[", FormatJSON},
		{"-", "{\n \"a\": 1\n}\n{\n", FormatJSON},
		{"-", "{\"a\":1", FormatJSON},
		{"-", "\ufeff{\"a\":1}\n{\"a\":2}\n", FormatNDJSON},
		{"-", "Jan 1 00:00:00 host sshd[1]: hello", FormatText},
		{"-", "a,b,c\n1,2,3\n", FormatText},
		{"-", "", FormatText},
		{"data", "{\"a\":1}\n{", FormatNDJSON},
		{"events.gz", "x", FormatText},
	}
	for _, tc := range tests {
		if got := DetectFormat(tc.name, []byte(tc.head)); got != tc.want {
			t.Errorf("DetectFormat(%q, %q) = %q, want %q", tc.name, tc.head, got, tc.want)
		}
	}
}

func TestReadAutoDetect(t *testing.T) {
	tests := []struct {
		input string
		want  []item
	}{
		{"{\"a\":1}\n{\"a\":2}\n", []item{ok(1, obj("a", Int(1))), ok(2, obj("a", Int(2)))}},
		{"[{\"a\":1}]", []item{ok(1, obj("a", Int(1)))}},
		{"plain\n", []item{ok(1, raw("plain"))}},
		{"a,b\n1,2\n", []item{ok(1, raw("a,b")), ok(2, raw("1,2"))}},
	}
	for _, tc := range tests {
		checkItems(t, readAll(t, tc.input, "-", ReadOptions{}), tc.want)
	}
}

// TestReadDoesNotWaitForMore: on a live stream (a pipe left open), detection, the byte order
// mark check and the CSV delimiter choice decide from the bytes that have come, and the first
// record is yielded without waiting for more input.
func TestReadDoesNotWaitForMore(t *testing.T) {
	tests := []struct{ name, input, field, want string }{
		{"-", "hi\n", "_raw", "hi"},
		{"-", "{\"a\":\"x\"}\n{\"a\":\"y\"}\n", "a", "x"},
		{"live.csv", "\n\na;b\n1;2\n", "b", "2"},
	}
	for _, tc := range tests {
		pr, pw := io.Pipe()
		go func() {
			_, _ = pw.Write([]byte(tc.input)) // and keep the pipe open
		}()
		got := make(chan string, 1)
		go func() {
			for r := range Read(context.Background(), pr, tc.name, ReadOptions{}) {
				v, _ := r.Get(tc.field)
				got <- v.Text()
				return
			}
			got <- "(no record)"
		}()
		select {
		case s := <-got:
			if s != tc.want {
				t.Errorf("%q: first record has %s=%q, want %q", tc.input, tc.field, s, tc.want)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("%q: reader waited for more input before yielding the first record", tc.input)
		}
		pw.Close()
	}
}

func TestReadCancel(t *testing.T) {
	for _, f := range []Format{FormatText, FormatNDJSON, FormatCSV, FormatJSON} {
		t.Run(string(f), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var input string
			switch f {
			case FormatText, FormatCSV:
				input = strings.Repeat("a\n", 100)
			case FormatNDJSON:
				input = strings.Repeat("{\"a\":1}\n", 100)
			case FormatJSON:
				input = "[" + strings.Repeat("{\"a\":1},", 99) + "{}]"
			}
			n := 0
			var last error
			for _, err := range Read(ctx, strings.NewReader(input), "x", ReadOptions{Format: f}) {
				if err != nil {
					last = err
					continue
				}
				n++
				if n == 3 {
					cancel()
				}
			}
			if !errors.Is(last, context.Canceled) || n != 3 {
				t.Fatalf("got %d records and %v, want 3 and context.Canceled", n, last)
			}
		})
	}
}

func TestReadIOError(t *testing.T) {
	boom := errors.New("disk on fire")
	for _, f := range []Format{FormatText, FormatNDJSON, FormatCSV, FormatJSON} {
		t.Run(string(f), func(t *testing.T) {
			input := "a\nb\n"
			switch f {
			case FormatNDJSON:
				input = "{\"a\":1}\n{\"a\":2}\n"
			case FormatJSON:
				input = "[{\"a\":1},{\"a\":2},"
			}
			r := io.MultiReader(strings.NewReader(input), iotest.ErrReader(boom))
			var errs []error
			n := 0
			for _, err := range Read(context.Background(), r, "x", ReadOptions{Format: f}) {
				if err != nil {
					errs = append(errs, err)
				} else {
					n++
				}
			}
			if len(errs) != 1 || !errors.Is(errs[0], boom) || IsParseError(errs[0]) || !strings.HasPrefix(errs[0].Error(), "read x: ") {
				t.Fatalf("errors %v, want one wrapped read error", errs)
			}
			if n == 0 {
				t.Errorf("no records before the error")
			}
		})
	}
}

func TestReadEarlyBreakLeaksNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, f := range []Format{FormatText, FormatNDJSON, FormatCSV, FormatJSON} {
		input := strings.Repeat("{\"a\":1}\n", 1000)
		for range Read(context.Background(), strings.NewReader(input), "x", ReadOptions{Format: f}) {
			break
		}
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("goroutines: %d before, %d after", before, after)
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": FormatAuto, "auto": FormatAuto, "TEXT": FormatText, "txt": FormatText,
		"csv": FormatCSV, "tsv": FormatCSV, "json": FormatJSON, "ndjson": FormatNDJSON, "jsonl": FormatNDJSON} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), `"xml"`) {
		t.Errorf("ParseFormat(xml) error = %v", err)
	}
}

// TestReadCorpusJSONLogs reads the OTRF event logs of the shared corpus (NDJSON content in
// .json files) as auto-detected JSON and as NDJSON: both must give one record per line.
func TestReadCorpusJSONLogs(t *testing.T) {
	dir := testcorpus.Path(t, "logs/json")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files in %s: %v", dir, err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		lines := 0
		for _, l := range strings.Split(string(data), "\n") {
			if strings.TrimSpace(l) != "" {
				lines++
			}
		}
		for _, f := range []Format{FormatAuto, FormatNDJSON} {
			n := 0
			for r, err := range Read(context.Background(), strings.NewReader(string(data)), filepath.Base(file), ReadOptions{Format: f}) {
				if err != nil {
					t.Fatalf("%s (%q): %v", file, f, err)
				}
				n++
				if r.Len() == 0 {
					t.Fatalf("%s: empty record at line %d", file, r.Meta.Line)
				}
			}
			if n != lines {
				t.Errorf("%s (%q): %d records, want %d", filepath.Base(file), f, n, lines)
			}
		}
	}
}

// TestReadWideInputs: very wide headers and objects are handled in linear time (a quadratic
// step would make this test run for minutes) and keep their names right.
func TestReadWideInputs(t *testing.T) {
	const n = 100000
	header := strings.TrimSuffix(strings.Repeat("a,", n), ",")
	row := strings.TrimSuffix(strings.Repeat("1,", n), ",")
	got := readAll(t, header+"\n"+row+"\n", "wide.csv", ReadOptions{})
	if len(got) != 1 || got[0].err != "" || got[0].rec.Len() != n {
		t.Fatalf("wide csv: %d items", len(got))
	}
	if f := got[0].rec.Field(n - 1); f.Name != fmt.Sprintf("a_%d", n) {
		t.Errorf("last column %q", f.Name)
	}
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, `"k%d":%d,`, i, i)
	}
	b.WriteString(`"k0":"last"}`)
	for _, f := range []Format{FormatJSON, FormatNDJSON} {
		got = readAll(t, b.String(), "wide", ReadOptions{Format: f})
		if len(got) != 1 || got[0].err != "" || got[0].rec.Len() != n {
			t.Fatalf("wide %s object: %d items", f, len(got))
		}
		if v, _ := got[0].rec.Get("k0"); v.Text() != "last" || got[0].rec.Index("k0") != 0 {
			t.Errorf("%s: repeated key k0 = %q at %d", f, v.Text(), got[0].rec.Index("k0"))
		}
	}
}
