package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

// encodedEntry is one line of the corpus's logs/encoded_commands.jsonl.
type encodedEntry struct {
	File    string `json:"file"`
	Channel string `json:"channel"`
	EventID string `json:"event_id"`
	Field   string `json:"field"`
	B64     string `json:"b64"`
	Decoded string `json:"decoded_utf16le_computed"`
}

// encodedFlag is a where-expression regex for a PowerShell -e… flag followed by base64.
const encodedFlag = `(?i)[-/]e[a-z]*\s+["']?[A-Za-z0-9+/=]{16,}`

// TestCorpusEncodedCommandsThroughQuery is the bridge's end-to-end check on real logs: every
// encoded PowerShell command of the corpus (EVTX and JSON logs) is found by `hunch query` over
// the files and decoded by `hunch unpack` from the query's output, with the decoded script
// equal to the corpus's; `hunch extract` then reads the decoded text.
func TestCorpusEncodedCommandsThroughQuery(t *testing.T) {
	logs := testcorpus.Path(t, "logs")
	entries := testcorpus.ReadJSONL[encodedEntry](t, filepath.Join(logs, "encoded_commands.jsonl"))
	byFile := map[string][]encodedEntry{}
	var order []string
	for _, e := range entries {
		if byFile[e.File] == nil {
			order = append(order, e.File)
		}
		byFile[e.File] = append(byFile[e.File], e)
	}
	fields := []string{"CommandLine", "ParentCommandLine", "Message", "ContextInfo"}
	var where []string
	for _, f := range fields {
		where = append(where, f+" ~ "+fmt.Sprintf("%q", encodedFlag))
	}
	found, extracted := 0, 0
	for _, file := range order {
		code, hits, errOut := runHunch(t, "", "query", "run", "--files", filepath.Join(logs, file), "--text", strings.Join(where, " or "), "-o", "ndjson")
		if code != ExitOK {
			t.Fatalf("%s: query exit %d: %s", file, code, errOut)
		}
		args := []string{"unpack", "-o", "ndjson", "--columns", "record,field,encoding,decoded,full_decoded"}
		for _, f := range fields {
			args = append(args, "-f", f)
		}
		code, blobs, errOut := runHunch(t, hits, args...)
		if code != ExitOK {
			t.Fatalf("%s: unpack exit %d: %s", file, code, errOut)
		}
		rows := ndjsonRows(t, blobs)
		for _, e := range byFile[file] {
			ok := false
			for _, r := range rows {
				if r["field"] == e.Field && strings.HasPrefix(fmt.Sprint(r["encoding"]), "base64>utf16le") && r["decoded"] == e.Decoded {
					ok = true
					break
				}
			}
			if !ok {
				t.Errorf("%s %s %s: the encoded command (%.40s…) was not found and decoded", file, e.EventID, e.Field, e.B64)
				continue
			}
			found++
		}
		code, iocs, errOut := runHunch(t, blobs, "extract", "-f", "full_decoded", "--unique", "global", "-o", "ndjson")
		if code != ExitOK {
			t.Fatalf("%s: extract exit %d: %s", file, code, errOut)
		}
		extracted += len(ndjsonRows(t, iocs))
	}
	t.Logf("%d of %d encoded commands found and decoded from %d files; %d distinct indicators extracted from the decoded text", found, len(entries), len(order), extracted)
	if found != len(entries) {
		t.Errorf("found %d of %d", found, len(entries))
	}
}
