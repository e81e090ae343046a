package files

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/record"
)

var now = time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)

// collect reads a stream into JSON lines for records and "error: …" lines for errors.
func collect(t *testing.T, s record.Stream) []string {
	t.Helper()
	var out []string
	for r, err := range s {
		if err != nil {
			out = append(out, "error: "+err.Error())
			continue
		}
		out = append(out, string(r.AppendJSON(nil)))
	}
	return out
}

func read(t *testing.T, name string, opts Options) []string {
	t.Helper()
	opts.Now = now
	return collect(t, ReadFile(context.Background(), filepath.Join("testdata", name), opts))
}

func check(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("result %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

func TestZeek(t *testing.T) {
	check(t, read(t, "conn.log", Options{}), []string{
		`{"ts":"2026-11-22T11:00:00.123456Z","uid":"Ck1","id.orig_h":"10.0.0.5","id.orig_p":49152,"id.resp_h":"93.184.216.34","id.resp_p":443,"proto":"tcp","service":"ssl","duration":1.5,"orig_bytes":512,"local_orig":true,"tunnel_parents":[],"note":"a\tb","_path":"conn"}`,
		`{"ts":"2026-11-22T11:01:00Z","uid":"Ck2","id.orig_h":"10.0.0.6","id.orig_p":5353,"id.resp_h":"224.0.0.251","id.resp_p":5353,"proto":"udp","service":null,"duration":null,"orig_bytes":null,"local_orig":false,"tunnel_parents":["Ca","Cb"],"note":null,"_path":"conn"}`,
		`error: testdata/conn.log:11: 1 values for 13 fields`,
		`{"ts":"2026-11-22T11:02:00.5Z","uid":"Ck3","id.orig_h":"10.0.0.5","id.orig_p":49153,"id.resp_h":"8.8.8.8","id.resp_p":53,"proto":"udp","service":"dns","duration":0.01,"orig_bytes":40,"local_orig":true,"tunnel_parents":[],"note":"","_path":"conn"}`,
	})
}

func TestZeekHeaderErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1\t2\n", "data line before #fields"},
		{"#fields\ta\tb\n#types\tcount\n", "#fields has 2 names but #types 1"},
		{"#separator \\xZZ\n", "bad #separator"},
		{"#fields\ta\n#types\tcount\nx\n", "field a: bad count"},
		{"#fields\ta\n#types\ttime\nx\n", "field a: bad time"},
		{"#fields\ta\n#types\tbool\nx\n", "field a: bad bool"},
		{"#fields\ta\n#types\tdouble\nx\n", "field a: bad double"},
		{"#fields\ta\n#types\tset[count]\n1,x\n", "field a: bad count"},
	}
	for _, tt := range tests {
		got := collect(t, readZeek(context.Background(), strings.NewReader(tt.in), "z", Options{}.withDefaults()))
		if len(got) != 1 || !strings.Contains(got[0], tt.want) {
			t.Errorf("%q: %v, want %q", tt.in, got, tt.want)
		}
	}
}

func TestZeekJSON(t *testing.T) {
	check(t, read(t, "dns.json", Options{}), []string{
		`{"ts":"2026-11-22T11:00:00.5Z","uid":"Cd1","id.orig_h":"10.0.0.5","query":"evil.example","qtype_name":"A","answers":["1.2.3.4"]}`,
		`{"ts":"2026-11-22T10:01:00.25Z","uid":"Cd2","id.orig_h":"10.0.0.6","query":"good.example","qtype_name":"AAAA"}`,
		`error: testdata/dns.json:3: invalid json: unexpected end of JSON input`,
	})
}

func TestSyslog3164(t *testing.T) {
	check(t, read(t, "syslog.log", Options{}), []string{
		`{"timestamp":"2026-11-22T10:00:00Z","host":"web01","app":"sshd","pid":1234,"message":"Accepted publickey for root from 10.0.0.5 port 50000 ssh2"}`,
		`{"timestamp":"2026-11-22T10:00:05Z","host":"web01","app":"sudo","message":"alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash"}`,
		`{"priority":34,"facility":4,"facility_name":"auth","severity":2,"severity_name":"crit","timestamp":"2026-11-22T10:00:10Z","host":"web01","app":"su","message":"'su root' failed for lonvick on /dev/pts/8"}`,
		`error: testdata/syslog.log:4: bad rfc 3164 timestamp "Nov 22 10:00:1 "`,
		`{"timestamp":"2026-11-22T10:00:20.5+01:00","host":"web02","app":"kernel","message":"[ 12.3] usb 1-1: new device"}`,
		`{"timestamp":"2025-12-31T23:59:59Z","host":"web01","app":"cron","pid":77,"message":"year rollover"}`,
	})
}

func TestSyslogLocation(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	r, err := ParseSyslog("Jan  2 03:04:05 h a: m", now, loc)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := r.Get("timestamp")
	if got, _ := v.Time(); !got.Equal(time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC)) {
		t.Errorf("timestamp %v", got)
	}
	// a date one day ahead of now is still this year; two days ahead is last year
	for _, tt := range []struct {
		line string
		year int
	}{{"Nov 24 00:00:00 h a: m", 2026}, {"Nov 25 02:00:00 h a: m", 2025}} {
		r, _ := ParseSyslog(tt.line, now, time.UTC)
		v, _ := r.Get("timestamp")
		if got, _ := v.Time(); got.Year() != tt.year {
			t.Errorf("%s: year %d, want %d", tt.line, got.Year(), tt.year)
		}
	}
}

func TestSyslog5424(t *testing.T) {
	check(t, read(t, "rfc5424.log", Options{}), []string{
		`{"priority":165,"facility":20,"facility_name":"local4","severity":5,"severity_name":"notice","timestamp":"2026-11-22T10:00:00.003Z","host":"mymachine.example.com","app":"evntslog","pid":null,"msgid":"ID47","sd":{"exampleSDID@32473":{"iut":"3","eventSource":"Application","eventID":"1011"},"examplePriority@32473":{"class":"high"}},"message":"An application event log entry"}`,
		`{"priority":34,"facility":4,"facility_name":"auth","severity":2,"severity_name":"crit","timestamp":"2026-11-22T10:00:01Z","host":"mymachine.example.com","app":"su","pid":42,"msgid":"ID47","sd":null,"message":"'su root' failed for lonvick on /dev/pts/8"}`,
		`{"priority":13,"facility":1,"facility_name":"user","severity":5,"severity_name":"notice","timestamp":null,"host":null,"app":null,"pid":null,"msgid":null,"sd":null,"message":""}`,
		`error: testdata/rfc5424.log:4: bad priority "999"`,
		`{"priority":14,"facility":1,"facility_name":"user","severity":6,"severity_name":"info","timestamp":"2026-11-22T10:00:03Z","host":"host","app":"app","pid":null,"msgid":null,"sd":{"esc@1":{"q":"a\"b]c\\"}},"message":"escaped"}`,
	})
}

func TestSyslogErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"<1>1 2026 h", "header is short"},
		{"<1>1 notatime h a p m - x", "bad rfc 5424 timestamp"},
		{"<1>1 - h a p m [x", "bad structured data id"},
		{"<1>1 - h a p m [x a=1]", "bad structured data param"},
		{`<1>1 - h a p m [x a="1]`, "unterminated"},
		{`<1>1 - h a p m [x a="1"`, "not closed"},
		{`<1>1 - h a p m x`, "want - or ["},
		{"<x>Nov 22", "bad priority"},
		{"<1>short", "too short"},
		{"Feb 30 10:00:00 h a: m", "bad rfc 3164 timestamp"},
		{"Foo 10 10:00:00 h a: m", "bad rfc 3164 timestamp"},
		{"Nov 10 24:00:00 h a: m", "bad rfc 3164 timestamp"},
		{"Nov 1x 10:00:00 h a: m", "bad rfc 3164 timestamp"},
		{"2026-11-22T99:00:00Z h a: m", "bad timestamp"},
	} {
		if _, err := ParseSyslog(tt.in, now, time.UTC); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestAuditd(t *testing.T) {
	check(t, read(t, "audit.log", Options{}), []string{
		`{"time":"2026-11-22T11:00:00.123Z","serial":100,"type":"SYSCALL","types":["SYSCALL","EXECVE","CWD","PATH","PATH","PROCTITLE"],"arch":"c000003e","syscall":"59","success":"yes","exit":"0","a0":"55d0","a1":"55d1","a2":"55d2","a3":"0","items":"2","ppid":"900","pid":"901","auid":"1000","uid":"0","gid":"0","euid":"0","comm":"curl","exe":"/usr/bin/curl","key":"exec","argv":["curl","-o","/tmp/my file"],"cmdline":"curl -o /tmp/my file","cwd":"/root","item":"0","name":"/usr/bin/curl","inode":"1","nametype":"NORMAL","proctitle":"curl -o /tmp/my file"}`,
		`error: testdata/audit.log:9: line does not start with type=`,
		`{"time":"2026-11-22T11:00:01Z","serial":101,"type":"USER_LOGIN","types":["USER_LOGIN"],"pid":"700","uid":"0","auid":"1000","ses":"3","op":"login","id":"1000","exe":"/usr/sbin/sshd","hostname":"10.0.0.5","addr":"10.0.0.5","terminal":"/dev/pts/0","res":"success","UID":"root","AUID":"alice"}`,
		`{"time":"2026-11-22T11:00:02Z","serial":102,"type":"SYSCALL","types":["SYSCALL","EXECVE"],"arch":"c000003e","syscall":"59","success":"yes","exit":"0","pid":"902","comm":"python3","exe":"/usr/bin/python3","key":"(null)","argv":["python3","-c","print(1+1)"],"cmdline":"python3 -c print(1+1)"}`,
	})
}

func TestAuditdInterleavedAndOpenLimit(t *testing.T) {
	in := "type=SYSCALL msg=audit(1.000:1): pid=1\n" +
		"type=SYSCALL msg=audit(1.000:2): pid=2\n" +
		"type=CWD msg=audit(1.000:1): cwd=\"/a\"\n" +
		"type=CWD msg=audit(1.000:2): cwd=\"/b\"\n"
	opts := Options{}.withDefaults()
	got := collect(t, readAuditd(context.Background(), strings.NewReader(in), "a", opts))
	check(t, got, []string{
		`{"time":"1970-01-01T00:00:01Z","serial":1,"type":"SYSCALL","types":["SYSCALL","CWD"],"pid":"1","cwd":"/a"}`,
		`{"time":"1970-01-01T00:00:01Z","serial":2,"type":"SYSCALL","types":["SYSCALL","CWD"],"pid":"2","cwd":"/b"}`,
	})
	// with one event open at most, serial 1 is emitted before its CWD line arrives
	opts.MaxOpenAudit = 1
	got = collect(t, readAuditd(context.Background(), strings.NewReader(in), "a", opts))
	if len(got) != 4 || !strings.Contains(got[0], `"types":["SYSCALL"]`) {
		t.Errorf("MaxOpenAudit=1: %v", got)
	}
}

func TestAuditLineErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"type=X msg=foo", "missing msg=audit("},
		{"type=X msg=audit(1.0:1 x", "not closed"},
		{"type=X msg=audit(1.0): x", "bad audit stamp"},
		{"type=X msg=audit(x:1): x", "bad audit time"},
		{"type=X msg=audit(1.0:x): x", "bad audit serial"},
		{`type=X msg=audit(1.0:1): a="b`, "unterminated"},
		{`type=X msg=audit(1.0:1): msg='a="b'`, "msg: unterminated"},
	} {
		if _, err := ParseAuditLine(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestDetect(t *testing.T) {
	for _, tt := range []struct {
		name, head string
		want       Format
	}{
		{"conn.log", "#separator \\x09\n", Zeek},
		{"audit.log", "type=SYSCALL msg=audit(1.2:3): a=b\n", Auditd},
		{"x", `{"ts":1.5,"uid":"C1"}` + "\n", ZeekJSON},
		{"x", "<13>1 - - - - - -\n", Syslog},
		{"messages", "Nov 22 10:00:00 h a: m\n", Syslog},
		{"auth.log", "2026-11-23T08:00:01.123456+00:00 web01 sshd[2211]: Accepted publickey for alice\n", Syslog},
		{"x.log", "2026-11-23T08:00:01Z web01 kernel: [ 0.0] Linux\n", Syslog},
		{"x.log", "2026-11-23T08:00:01Z started the service\n", Text},
		{"x.log", "2026-11-23T08:00:01Z {\"a\": 1}\n", Text},
		{"a.csv", "a,b\n", CSV},
		{"a.tsv", "a\tb\n", CSV},
		{"a.json", "[{}]", JSON},
		{"a.json", `{"a":1}` + "\n", NDJSON},
		{"a.jsonl", `x`, NDJSON},
		{"x", `{"a":1}`, NDJSON},
		{"x", `[`, JSON},
		{"x.log", "hello\n", Text},
		{"x", "\xEF\xBB\xBF#separator \\x09\n", Zeek},
		{"Security.evtx", "", EVTX},
		{"renamed.log", "ElfFile\x00\x00\x00", EVTX},
	} {
		if got := Detect(tt.name, []byte(tt.head)); got != tt.want {
			t.Errorf("Detect(%q, %q) = %q, want %q", tt.name, tt.head, got, tt.want)
		}
	}
}

func TestFormatOverrideAndUnknown(t *testing.T) {
	got := read(t, "syslog.log", Options{Format: Text})
	if len(got) != 6 || !strings.HasPrefix(got[0], `{"_raw":"Nov 22`) {
		t.Errorf("text override: %v", got)
	}
	got = read(t, "syslog.log", Options{Format: "qradar"})
	if len(got) != 1 || !strings.Contains(got[0], `unknown format "qradar"`) {
		t.Errorf("unknown format: %v", got)
	}
	got = read(t, "syslog.log", Options{Format: EVTX})
	if len(got) != 1 || !strings.Contains(got[0], "no evtx signature") {
		t.Errorf("a text file read as EVTX: %v", got)
	}
	// a reader added to the table is used
	readers := DefaultReaders()
	readers["upper"] = func(ctx context.Context, r io.Reader, name string, opts Options) record.Stream {
		return func(yield func(record.Record, error) bool) {
			yield(record.New(record.Field{Name: "x", Value: record.String(name)}), nil)
		}
	}
	got = read(t, "syslog.log", Options{Format: "upper", Readers: readers})
	check(t, got, []string{`{"x":"testdata/syslog.log"}`})
}

func TestMaxLineBytes(t *testing.T) {
	long := strings.Repeat("x", 200)
	in := "Nov 22 10:00:00 h a: " + long + "\nNov 22 10:00:01 h a: short\n"
	opts := Options{MaxLineBytes: 100}.withDefaults()
	got := collect(t, readSyslog(context.Background(), strings.NewReader(in), "s", opts))
	check(t, got[:1], []string{"error: s:1: line longer than 100 bytes"})
	if len(got) != 2 || !strings.Contains(got[1], `"short"`) {
		t.Errorf("after long line: %v", got)
	}
	// a line longer than the bufio buffer within the limit is read whole
	opts.MaxLineBytes = 200 << 10
	big := strings.Repeat("y", 100<<10)
	got = collect(t, readSyslog(context.Background(), strings.NewReader("Nov 22 10:00:00 h a: "+big), "s", opts))
	if len(got) != 1 || !strings.Contains(got[0], big) {
		t.Errorf("big line not read whole")
	}
	if (Options{}).withDefaults().MaxLineBytes != DefaultMaxLineBytes {
		t.Error("default MaxLineBytes not applied")
	}
}

func TestGlob(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"a.log", "b.txt", "x/c.log", "x/y/d.log", "z/e.log"} {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("Nov 22 10:00:00 h a: "+filepath.Base(p)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rel := func(names []string) string {
		var out []string
		for _, n := range names {
			r, _ := filepath.Rel(dir, n)
			out = append(out, filepath.ToSlash(r))
		}
		return strings.Join(out, " ")
	}
	for _, tt := range []struct {
		pats []string
		want string
	}{
		{[]string{"*.log"}, "a.log"},
		{[]string{"**/*.log"}, "a.log x/c.log x/y/d.log z/e.log"},
		{[]string{"x/**/*.log"}, "x/c.log x/y/d.log"},
		{[]string{"x/**"}, "x/c.log x/y/d.log"},
		{[]string{"*/*.log"}, "x/c.log z/e.log"},
		{[]string{"b.txt", "*.txt", "a.log"}, "b.txt a.log"},
		{[]string{"[xz]/?.log"}, "x/c.log z/e.log"},
	} {
		pats := make([]string, len(tt.pats))
		for i, p := range tt.pats {
			pats[i] = filepath.Join(dir, p)
		}
		got, err := Glob(pats, 0)
		if err != nil || rel(got) != tt.want {
			t.Errorf("Glob(%v) = %q, %v, want %q", tt.pats, rel(got), err, tt.want)
		}
	}
	if _, err := Glob([]string{filepath.Join(dir, "**/*.log")}, 3); !errors.Is(err, ErrTooManyFiles) {
		t.Errorf("MaxFiles: %v", err)
	}
	if _, err := Glob([]string{filepath.Join(dir, "*.nope")}, 0); err == nil || !strings.Contains(err.Error(), "no files match") {
		t.Errorf("no match: %v", err)
	}
	if _, err := Glob([]string{filepath.Join(dir, "missing.log")}, 0); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if _, err := Glob([]string{dir}, 0); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	if _, err := Glob([]string{filepath.Join(dir, "[")}, 0); err == nil || !strings.Contains(err.Error(), "bad pattern") {
		t.Errorf("bad pattern: %v", err)
	}
	if _, err := Glob(nil, 0); err == nil {
		t.Error("no patterns accepted")
	}
	// Read tags each record with its file
	var files []string
	for r, err := range Read(context.Background(), []string{filepath.Join(dir, "**/*.log")}, Options{Now: now}) {
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, r.Meta.Source)
	}
	if rel(files) != "a.log x/c.log x/y/d.log z/e.log" {
		t.Errorf("Meta.Source: %v", files)
	}
	got := collect(t, Read(context.Background(), []string{filepath.Join(dir, "**/*.log")}, Options{MaxFiles: 2}))
	if len(got) != 1 || !strings.Contains(got[0], "too many files") {
		t.Errorf("Read MaxFiles: %v", got)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	var last error
	for _, name := range []string{"syslog.log", "audit.log", "conn.log"} {
		n, last = 0, nil
		for _, err := range ReadFile(ctx, filepath.Join("testdata", name), Options{}) {
			n++
			cancel()
			last = err
		}
		if !errors.Is(last, context.Canceled) || n != 2 {
			t.Errorf("%s: %d results, last %v", name, n, last)
		}
		ctx, cancel = context.WithCancel(context.Background())
	}
	cancel()
}
