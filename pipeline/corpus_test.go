package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/ioc"
	"github.com/hunchsec/hunch/record"
)

// collect runs a stream to the end, failing the test on any error.
func collect(t *testing.T, s record.Stream) []record.Record {
	t.Helper()
	var out []record.Record
	for r, err := range s {
		if err != nil {
			t.Fatalf("stream error: %v", err)
		}
		out = append(out, r)
	}
	return out
}

func str(r record.Record, name string) string {
	v, _ := r.Get(name)
	return v.Text()
}

var (
	// Independent cross-checks, deliberately simple: every http(s) URL start and every dotted quad
	// with valid octets and digit boundaries in the published decoded text.
	urlStart = regexp.MustCompile(`(?i)\bhttps?://[a-z0-9\[]`)
	quad     = regexp.MustCompile(`(?:^|[^0-9.])((?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]))(?:[^0-9.]|$)`)
)

// TestUnit42EncodedCommands is the headline case on real malware command lines: every URL and IP
// in each published decoded script is extracted by the pipeline from the raw command line
// (extract --unpack). That each command line decodes exactly to its script is unpack's own test.
func TestUnit42EncodedCommands(t *testing.T) {
	path := testcorpus.Path(t, "powershell/unit42_encodedcommand_cases.jsonl")
	type tcase struct {
		CommandLine string `json:"command_line"`
		Expect      string `json:"expect_decoded"`
		Verified    bool   `json:"decode_verified_utf16le"`
		Family      string `json:"family"`
	}
	cases := testcorpus.ReadJSONL[tcase](t, path)
	ex, err := ioc.NewExtractor(ioc.Options{Types: []ioc.Type{ioc.URL, ioc.IPv4, ioc.IPv6, ioc.Domain}})
	if err != nil {
		t.Fatal(err)
	}
	up := mustUnpacker(t)
	var verified, wantIOCs, foundIOCs int
	for i, c := range cases {
		if !c.Verified {
			continue
		}
		verified++
		rec := record.New(record.Field{Name: "CommandLine", Value: record.String(c.CommandLine)})
		rec.Meta = record.Meta{Source: "unit42", N: i + 1}

		// Extraction: every URL and IP in the published script is found from the command line.
		got := map[string]bool{}
		for _, m := range collect(t, Extract(context.Background(), seq(rec), ExtractOptions{Extractor: ex, Unpacker: up})) {
			got[str(m, FieldType)+" "+str(m, FieldValue)] = true
		}
		for _, m := range ex.Extract(c.Expect) {
			if m.Type != ioc.URL && m.Type != ioc.IPv4 && m.Type != ioc.IPv6 {
				continue
			}
			wantIOCs++
			if got[string(m.Type)+" "+m.Value] {
				foundIOCs++
			} else {
				t.Errorf("case %d (%s): %s %s in the decoded script was not extracted by the pipeline", i, c.Family, m.Type, m.Value)
			}
		}
		// Cross-check the extractor itself against the simple patterns.
		found := ex.Extract(c.Expect)
		for _, loc := range urlStart.FindAllStringIndex(c.Expect, -1) {
			if !anyMatchAt(found, ioc.URL, loc[0]) {
				t.Errorf("case %d (%s): URL at offset %d not extracted: %.80q", i, c.Family, loc[0], c.Expect[loc[0]:])
			}
		}
		for _, sm := range quad.FindAllStringSubmatchIndex(c.Expect, -1) {
			if !anyMatchAt(found, ioc.IPv4, sm[2]) && !insideURL(found, sm[2]) {
				t.Errorf("case %d (%s): IPv4 %q not extracted", i, c.Family, c.Expect[sm[2]:sm[3]])
			}
		}
	}
	t.Logf("unit42: %d verified records; %d URLs/IPs in their scripts, %d extracted by the pipeline", verified, wantIOCs, foundIOCs)
	if verified == 0 || wantIOCs == 0 {
		t.Fatal("corpus yielded nothing to check")
	}
}

func anyMatchAt(ms []ioc.Match, typ ioc.Type, start int) bool {
	for _, m := range ms {
		if m.Type == typ && m.Start == start {
			return true
		}
	}
	return false
}

func insideURL(ms []ioc.Match, off int) bool {
	for _, m := range ms {
		if m.Type == ioc.URL && m.Start <= off && off < m.End {
			return true
		}
	}
	return false
}

func seq(recs ...record.Record) record.Stream {
	return func(yield func(record.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// TestEncodedCommandsInJSONLogs: every encoded command listed for the JSON event logs is found in
// its record and field and decoded by the pipeline, reading the logs with hunch's own reader.
func TestEncodedCommandsInJSONLogs(t *testing.T) {
	listPath := testcorpus.Path(t, "logs/encoded_commands.jsonl")
	type entry struct {
		File     string `json:"file"`
		Field    string `json:"field"`
		B64      string `json:"b64"`
		Decoded  string `json:"decoded_utf16le_computed"`
		First    string `json:"first_record"`
		EventID  string `json:"event_id"`
		Occurred int    `json:"occurrences"`
	}
	entries := testcorpus.ReadJSONL[entry](t, listPath)
	logsDir := filepath.Dir(listPath)
	checked := 0
	for _, en := range entries {
		if !strings.HasPrefix(en.File, "json/") {
			continue // EVTX files need the EVTX reader, which is not part of this package's inputs
		}
		line, err := strconv.Atoi(strings.TrimPrefix(en.First, "line "))
		if err != nil {
			t.Fatalf("%s: first_record %q", en.File, en.First)
		}
		f, err := os.Open(filepath.Join(logsDir, en.File))
		if err != nil {
			t.Fatal(err)
		}
		var target record.Record
		for r, err := range record.Read(context.Background(), f, en.File, record.ReadOptions{}) {
			if err != nil {
				t.Fatalf("%s: %v", en.File, err)
			}
			if r.Meta.Line == line {
				target = r
				break
			}
		}
		f.Close()
		if target.Len() == 0 {
			t.Errorf("%s: no record at line %d", en.File, line)
			continue
		}
		blobs := collect(t, Unpack(context.Background(), seq(target), UnpackOptions{Fields: []string{en.Field}}))
		ok := false
		for _, b := range blobs {
			if str(b, FieldDecoded) == en.Decoded && strings.HasPrefix(str(b, FieldEncoding), "base64") {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s line %d field %s (event %s): the encoded command was not decoded (%d blobs)", en.File, line, en.Field, en.EventID, len(blobs))
		}
		checked++
	}
	t.Logf("encoded commands in JSON logs: %d checked", checked)
	if checked == 0 {
		t.Fatal("no JSON-log entries checked")
	}
}
