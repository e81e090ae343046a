package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
)

// TestCommittedFilesAreCurrent fails when examples/ was not regenerated after a change here.
func TestCommittedFilesAreCurrent(t *testing.T) {
	events, iocs, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"events.ndjson": events, "expected_iocs.json": iocs} {
		got, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("examples/%s is stale: run go run ./examples/gen from the repository root", name)
		}
	}
	again, _, _ := generate()
	if !bytes.Equal(events, again) {
		t.Error("two runs of generate differ")
	}
}

var (
	encFlag   = regexp.MustCompile(`(?i)\s([-/]e[a-z]*)\s+([A-Za-z0-9+/]{16,}={0,2})`)
	innerBlob = regexp.MustCompile(`'([A-Za-z0-9+/]{16,}={0,2})'`)
)

// decodeAll decodes b (base64 already removed) as gzip, raw deflate, UTF-16LE or UTF-8 text,
// then recursively decodes the quoted base64 blobs inside, returning all the texts.
func decodeAll(t *testing.T, b []byte) []string {
	t.Helper()
	var s string
	switch {
	case len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		s = string(out)
	case len(b) > 1 && b[1] == 0:
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		s = string(utf16.Decode(u))
	default:
		out, err := io.ReadAll(flate.NewReader(bytes.NewReader(b)))
		if err != nil {
			t.Fatalf("blob is neither gzip, UTF-16LE nor deflate: %v", err)
		}
		s = string(out)
	}
	texts := []string{s}
	for _, m := range innerBlob.FindAllStringSubmatch(s, -1) {
		inner, err := base64.StdEncoding.DecodeString(m[1])
		if err != nil {
			t.Fatalf("inner blob %q: %v", m[1], err)
		}
		texts = append(texts, decodeAll(t, inner)...)
	}
	return texts
}

// TestEncodingsDecode decodes every blob in the events and checks that each indicator marked
// decoded is in the decoded text of its event, and that the demo covers the flag spellings.
func TestEncodingsDecode(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "events.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	decoded := map[int]string{}
	flags := map[string]bool{}
	encodedLines := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var ev struct{ CommandLine string }
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		var texts []string
		if encFlag.MatchString(ev.CommandLine) {
			encodedLines++
		}
		for _, m := range encFlag.FindAllStringSubmatch(ev.CommandLine, -1) {
			flags[m[1]] = true
			b, err := base64.StdEncoding.DecodeString(m[2])
			if err != nil {
				t.Fatalf("event %d: %s %q: %v", n, m[1], m[2], err)
			}
			if len(b) < 2 || b[1] != 0 {
				t.Fatalf("event %d: %s blob is not UTF-16LE", n, m[1])
			}
			texts = append(texts, decodeAll(t, b)...)
		}
		if strings.Contains(ev.CommandLine, "FromBase64String('") {
			for _, m := range innerBlob.FindAllStringSubmatch(ev.CommandLine, -1) {
				b, err := base64.StdEncoding.DecodeString(m[1])
				if err != nil {
					t.Fatal(err)
				}
				texts = append(texts, decodeAll(t, b)...)
			}
		}
		decoded[n] = strings.Join(texts, "\n")
	}
	for _, want := range []string{"-enc", "-EncodedCommand", "/e", "-eNc", "-ec"} {
		if !flags[want] {
			t.Errorf("no command line uses %s (have %v)", want, flags)
		}
	}
	if encodedLines < 9 {
		t.Errorf("%d -EncodedCommand lines, want about ten", encodedLines)
	}

	var iocs []IOC
	b, err := os.ReadFile(filepath.Join("..", "expected_iocs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &iocs); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, in := range iocs {
		if !in.Decoded {
			continue
		}
		n++
		if !strings.Contains(decoded[in.Event], in.Value) {
			t.Errorf("event %d: decoded %s %q not found in the decoded text", in.Event, in.Type, in.Value)
		}
	}
	if n < 30 {
		t.Errorf("only %d decoded indicators", n)
	}
	all := strings.Join(slices.Collect(maps.Values(decoded)), "\n")
	raw := string(mustRead(t))
	for _, want := range []struct{ text, where string }{
		{"IO.Compression.GzipStream", raw},
		{"IO.Compression.DeflateStream", all},
		{"[Text.Encoding]::Unicode.GetString([Convert]::FromBase64String", all},
		{"Net.Sockets.TCPClient('203.0.113.5',443)", all},
		{"hxxp://", raw},
	} {
		if !strings.Contains(want.where, want.text) {
			t.Errorf("the demo has no %s", want.text)
		}
	}
}

func mustRead(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "events.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCheckRejects(t *testing.T) {
	events := []byte(`{"CommandLine":"ping 8.8.8.8 evil.test x@evil.test 198.51.100.9"}` + "\n")
	tests := []struct {
		name string
		in   IOC
	}{
		{"public address", IOC{Event: 1, Field: "CommandLine", Type: "ipv4", Value: "8.8.8.8"}},
		{"real domain", IOC{Event: 1, Field: "CommandLine", Type: "domain", Value: "evil.test"}},
		{"e-mail outside example domains", IOC{Event: 1, Field: "CommandLine", Type: "email", Value: "x@evil.test"}},
		{"not in its field", IOC{Event: 1, Field: "CommandLine", Type: "ipv4", Value: "198.51.100.10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := check(events, []IOC{tt.in}); err == nil {
				t.Errorf("check accepted %+v", tt.in)
			}
		})
	}
	ok := IOC{Event: 1, Field: "CommandLine", Type: "ipv4", Value: "198.51.100.9"}
	if err := check(events, []IOC{ok}); err != nil {
		t.Errorf("check rejected %+v: %v", ok, err)
	}
	dup := []IOC{ok, {Event: 1, Field: "CommandLine", Type: "ipv4", Value: "198.51.100.9", Decoded: true}}
	if err := check(events, dup); err == nil {
		t.Error("check accepted an indicator both plain and decoded")
	}
}
