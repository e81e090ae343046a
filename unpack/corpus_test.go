package unpack_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/unpack"
)

// readJSONL decodes every line of a JSON-lines file into a fresh T.
// hasText reports whether some text blob of r has exactly want as Text.
func hasText(r unpack.Result, want string) bool {
	for _, b := range r.Blobs {
		if b.Kind == "text" && b.Text == want {
			return true
		}
	}
	return false
}

// TestCorpusUnit42EncodedCommand checks every verified Unit 42 command line decodes to the
// published script exactly.
func TestCorpusUnit42EncodedCommand(t *testing.T) {
	p := testcorpus.Path(t, "powershell/unit42_encodedcommand_cases.jsonl")
	type rec struct {
		CommandLine string `json:"command_line"`
		B64         string `json:"b64"`
		Expect      string `json:"expect_decoded"`
		Verified    bool   `json:"decode_verified_utf16le"`
		Family      string `json:"family"`
	}
	recs := testcorpus.ReadJSONL[rec](t, p)
	verified, exact, trimmed, bytewise, utf8BOM, withList := 0, 0, 0, 0, 0, 0
	for i, r := range recs {
		if !r.Verified {
			// One unverified record's argument is UTF-8 with a BOM (PowerShell itself would
			// read it as UTF-16LE garbage): it decodes as the UTF-8 script.
			if want, ok := strings.CutPrefix(r.Expect, "\ufeff"); ok {
				if !someText(unpack.Unpack(r.CommandLine), func(s string) bool { return strings.TrimSpace(s) == strings.TrimSpace(want) }) {
					t.Errorf("record %d (%s): the UTF-8 script with a BOM was not decoded", i, r.Family)
				}
				utf8BOM++
			}
			continue
		}
		verified++
		res := unpack.Unpack(r.CommandLine)
		if byteList.MatchString(r.Expect) {
			withList++
			if !someBlob(res, func(b unpack.Blob) bool { return b.Encoding() == "hexbytes" && b.Depth == 2 && b.SHA256 != "" }) {
				t.Errorf("record %d (%s): the script's byte list gave no hexbytes blob", i, r.Family)
			}
		}
		switch {
		case hasText(res, r.Expect):
			exact++
			continue
		case someText(res, func(s string) bool { return strings.TrimSpace(s) == r.Expect }):
			// Unit 42 published the decoded scripts with surrounding whitespace stripped.
			trimmed++
			continue
		case someText(res, func(s string) bool { return bytewiseUTF16LE(s) == r.Expect }):
			// Unit 42 decoded byte by byte, dropping NULs, so a non-ASCII character such as
			// U+201D became the two characters "\x1d ". Our text holds the real character.
			bytewise++
			continue
		}
		var got []string
		for _, b := range res.Blobs {
			got = append(got, b.Encoding()+":"+b.Kind+":"+trunc(b.Text, 80))
		}
		t.Errorf("record %d (%s): no blob with the published text; blobs %q; cmd %q", i, r.Family, got, trunc(r.CommandLine, 120))
	}
	t.Logf("unit42: %d verified records (of %d): %d exact, %d equal after trimming surrounding whitespace as the publisher did, %d differing only by the publisher's byte-wise decoding of non-ASCII characters; %d unverified UTF-8 (BOM) script decoded; %d scripts with a shellcode byte list, each reported with hashes",
		verified, len(recs), exact, trimmed, bytewise, utf8BOM, withList)
	if verified == 0 {
		t.Fatal("no verified records")
	}
}

// byteList matches a list of at least 16 bytes written 0xHH, comma-separated.
var byteList = regexp.MustCompile(`(0x[0-9a-fA-F]{2} *, *){15}0x[0-9a-fA-F]{2}\b`)

// someBlob reports whether some blob of r satisfies ok.
func someBlob(r unpack.Result, ok func(unpack.Blob) bool) bool {
	for _, b := range r.Blobs {
		if ok(b) {
			return true
		}
	}
	return false
}

// someText reports whether some text blob of r satisfies ok.
func someText(r unpack.Result, ok func(string) bool) bool {
	for _, b := range r.Blobs {
		if b.Kind == "text" && ok(b.Text) {
			return true
		}
	}
	return false
}

// bytewiseUTF16LE renders s the way a byte-wise decoder does: its UTF-16LE bytes without
// NULs, each byte one character, surrounding whitespace trimmed.
func bytewiseUTF16LE(s string) string {
	var sb strings.Builder
	for _, c := range utf16le(s) {
		if c != 0 {
			sb.WriteRune(rune(c))
		}
	}
	return strings.TrimSpace(sb.String())
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// TestCorpusEncodedCommandsLog checks every line of logs/encoded_commands.jsonl.
func TestCorpusEncodedCommandsLog(t *testing.T) {
	p := testcorpus.Path(t, "logs/encoded_commands.jsonl")
	type rec struct {
		File    string `json:"file"`
		Field   string `json:"field"`
		Value   string `json:"value"`
		B64     string `json:"b64"`
		Decoded string `json:"decoded_utf16le_computed"`
		Record  string `json:"first_record"`
	}
	recs := testcorpus.ReadJSONL[rec](t, p)
	exact, prefix, original := 0, 0, 0
	for i, r := range recs {
		res := unpack.Unpack(r.Value)
		if hasText(res, r.Decoded) {
			exact++
			continue
		}
		// The corpus cut long values at 3000 characters ("...[truncated]"). Where the cut
		// falls inside the base64, its decoding must be a prefix of the full text (a line
		// whose cut falls before the base64 has nothing to decode); and the whole field,
		// read from the original log line, must decode exactly.
		cut, truncated := strings.CutSuffix(r.Value, "...[truncated]")
		if !truncated {
			t.Errorf("line %d (%s %s): decoded text not found; blobs %q", i+1, r.File, r.Field, describe(res))
			continue
		}
		if n := len(commonB64Prefix(cut, r.B64)); n > 0 {
			want := r.Decoded[:min(len(r.Decoded), n*3/8-2)]
			if !someText(res, func(s string) bool { return strings.HasPrefix(r.Decoded, s) && strings.HasPrefix(s, want) }) {
				t.Errorf("line %d (%s %s): truncated base64 (%d chars) did not decode to a prefix of the text; blobs %q", i+1, r.File, r.Field, n, describe(res))
				continue
			}
			prefix++
		}
		full := originalField(t, r.File, r.Record, r.Field)
		if !hasText(unpack.Unpack(full), r.Decoded) {
			t.Errorf("line %d (%s %s %s): the original field did not decode to the text", i+1, r.File, r.Record, r.Field)
			continue
		}
		original++
	}
	t.Logf("encoded_commands: %d lines: %d exact; %d truncated values decoded to a prefix; %d truncated lines decoded exactly from the original log field",
		len(recs), exact, prefix, original)
	if exact+original != len(recs) {
		t.Errorf("%d lines not decoded exactly", len(recs)-exact-original)
	}
}

// describe lists the blobs of r briefly.
func describe(r unpack.Result) []string {
	var got []string
	for _, b := range r.Blobs {
		got = append(got, b.Encoding()+":"+b.Kind+":"+trunc(b.Text, 80))
	}
	return got
}

// commonB64Prefix returns the longest prefix of b64 (at least 40 characters) that ends
// value, or "".
func commonB64Prefix(value, b64 string) string {
	for n := min(len(value), len(b64)); n >= 40; n-- {
		if strings.HasSuffix(value, b64[:n]) {
			return b64[:n]
		}
	}
	return ""
}

// originalField reads field of the JSON log line "line N" of a logs/ file.
func originalField(t *testing.T, file, record, field string) string {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(record, "line %d", &n); err != nil {
		t.Fatalf("first_record %q: %v", record, err)
	}
	f, err := os.Open(testcorpus.Path(t, "logs/"+file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for i := 1; sc.Scan(); i++ {
		if i != n {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s line %d: %v", file, n, err)
		}
		s, ok := m[field].(string)
		if !ok {
			t.Fatalf("%s line %d: no string field %q", file, n, field)
		}
		return s
	}
	t.Fatalf("%s: no line %d", file, n)
	return ""
}
