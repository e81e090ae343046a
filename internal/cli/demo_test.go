package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// TestDemoFindsPlantedIndicators runs the README's demo pipeline over examples/events.ndjson and
// compares what it finds with examples/expected_iocs.json, written by the program that generated
// the events: every planted indicator found, marked decoded exactly when it is only visible after
// decoding, and nothing else reported.
func TestDemoFindsPlantedIndicators(t *testing.T) {
	data, err := os.ReadFile("../../examples/expected_iocs.json")
	if err != nil {
		t.Fatal(err)
	}
	var planted []struct {
		Event   int    `json:"event"`
		Field   string `json:"field"`
		Type    string `json:"type"`
		Value   string `json:"value"`
		Decoded bool   `json:"decoded"`
	}
	if err := json.Unmarshal(data, &planted); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, p := range planted {
		want[fmt.Sprintf("%d %s %s %s decoded=%v", p.Event, p.Field, p.Type, p.Value, p.Decoded)] = true
	}

	for _, args := range [][]string{
		{"extract", "--unpack", "-o", "ndjson", "../../examples/events.ndjson"},
		{"extract", "--unpack", "-o", "ndjson", "-j", "2", "../../examples/events.ndjson"},
	} {
		code, out, errOut := runHunch(t, "", args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		got := map[string]bool{}
		sc := bufio.NewScanner(strings.NewReader(out))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m struct {
				Record int    `json:"record"`
				Field  string `json:"field"`
				Type   string `json:"type"`
				Value  string `json:"value"`
				Via    string `json:"via"`
			}
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			got[fmt.Sprintf("%d %s %s %s decoded=%v", m.Record, m.Field, m.Type, m.Value, m.Via == "decoded")] = true
		}
		var missing, extra []string
		for k := range want {
			if !got[k] {
				missing = append(missing, k)
			}
		}
		for k := range got {
			if !want[k] {
				extra = append(extra, k)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		if len(missing) > 0 || len(extra) > 0 {
			t.Errorf("%v: %d planted, %d found\nmissing:\n  %s\nunexpected:\n  %s", args, len(want), len(got),
				strings.Join(missing, "\n  "), strings.Join(extra, "\n  "))
		}
	}
}
