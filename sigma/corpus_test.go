package sigma_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/hunchsec/hunch/evtx"
	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/sigma"
)

// corpusRules loads every rule of the shared corpus once per test.
func corpusRules(t *testing.T) []*sigma.Rule {
	t.Helper()
	dir := testcorpus.Path(t, "sigma/rules")
	rules, errs := sigma.LoadPaths([]string{dir}, sigma.LoadOptions{})
	for _, err := range errs {
		t.Errorf("load: %v", err)
	}
	return rules
}

// TestCorpusRulesCompile: every one of SigmaHQ's 1,391 rules parses and compiles (the issue
// asks for 95 %); a rule that does not is listed with its reason.
func TestCorpusRulesCompile(t *testing.T) {
	rules := corpusRules(t)
	if len(rules) != 1391 {
		t.Errorf("%d rules loaded, want the corpus's 1,391", len(rules))
	}
	bad := 0
	for _, r := range rules {
		if _, err := sigma.Compile(r); err != nil {
			bad++
			t.Logf("%s: %v", filepath.Base(r.Path), err)
		}
	}
	ok := len(rules) - bad
	t.Logf("%d of %d rules compile (%.1f %%)", ok, len(rules), 100*float64(ok)/float64(len(rules)))
	if float64(ok) < 0.95*float64(len(rules)) {
		t.Errorf("only %d of %d rules compile", ok, len(rules))
	}
	if bad > 0 {
		t.Errorf("%d rules do not compile", bad)
	}
}

type regressionInfo struct {
	RuleMetadata []struct {
		ID    string `yaml:"id"`
		Title string `yaml:"title"`
	} `yaml:"rule_metadata"`
	Tests []struct {
		Name       string `yaml:"name"`
		Type       string `yaml:"type"`
		MatchCount *int   `yaml:"match_count"`
		Path       string `yaml:"path"`
	} `yaml:"regression_tests_info"`
}

// TestRegressionPairs is SigmaHQ's own oracle: for every regression pair whose rule is in the
// corpus, the rule must match the pair's log at least match_count times (at least once when
// the count is absent). The EVTX file is read with hunch's EVTX reader and, as a cross-check,
// upstream's JSON rendering of the same events with a streaming decoder.
func TestRegressionPairs(t *testing.T) {
	base := testcorpus.Path(t, "sigma")
	rules := corpusRules(t)
	byID := map[string]*sigma.Rule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	infos, err := filepath.Glob(filepath.Join(base, "regression_data", "rules", "windows", "*", "*", "info.yml"))
	if err != nil {
		t.Fatal(err)
	}
	pairs, held, extra := 0, 0, 0
	for _, info := range infos {
		data, err := os.ReadFile(info)
		if err != nil {
			t.Fatal(err)
		}
		var ri regressionInfo
		if err := yaml.Unmarshal(data, &ri); err != nil {
			t.Fatalf("%s: %v", info, err)
		}
		r := byID[ri.RuleMetadata[0].ID]
		if r == nil {
			continue // a pair whose rule was not copied into the corpus
		}
		m, errs := sigma.NewMatcher([]*sigma.Rule{r}, sigma.Options{})
		if len(errs) > 0 {
			t.Errorf("%s: %v", r.Title, errs)
			continue
		}
		for _, tc := range ri.Tests {
			if tc.Type != "evtx" {
				continue
			}
			pairs++
			want := 1
			if tc.MatchCount != nil {
				want = *tc.MatchCount
			}
			evtxPath := filepath.Join(base, filepath.FromSlash(tc.Path))
			gotEVTX := countEVTX(t, m, evtxPath)
			gotJSON := countJSON(t, m, strings.TrimSuffix(evtxPath, ".evtx")+".json")
			switch {
			case gotEVTX < want:
				t.Errorf("%s (%s): %d matches in the EVTX file, want %d", r.Title, r.ID, gotEVTX, want)
			case gotJSON < want:
				t.Errorf("%s (%s): %d matches in the JSON rendering, want %d", r.Title, r.ID, gotJSON, want)
			default:
				held++
				if gotEVTX > want {
					extra++
					t.Logf("note: %s matched %d events, the pair says %d", r.Title, gotEVTX, want)
				}
			}
		}
	}
	t.Logf("%d of %d regression pairs hold (%d with more matches than the pair states)", held, pairs, extra)
	if pairs != 130 {
		t.Errorf("%d pairs with their rule in the corpus, want 130", pairs)
	}
}

func countEVTX(t *testing.T, m *sigma.Matcher, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	n := 0
	for rec, err := range evtx.Read(context.Background(), f, st.Size(), path, evtx.Options{}) {
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		n += len(m.Match(rec))
	}
	return n
}

// countJSON reads upstream's rendering: pretty-printed {"Event": {"System": …, "EventData": …}}
// objects one after another, flattened the way the EVTX reader names fields.
func countJSON(t *testing.T, m *sigma.Matcher, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	n := 0
	for {
		var doc struct {
			Event struct {
				System    map[string]any `json:"System"`
				EventData map[string]any `json:"EventData"`
			} `json:"Event"`
		}
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return n
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var rec record.Record
		sys := doc.Event.System
		for _, k := range sortedKeys(sys) {
			switch v := sys[k].(type) {
			case map[string]any: // {"#text": …} or attributes only
				if txt, ok := v["#text"]; ok {
					rec.Append(k, jsonValue(txt))
				}
			default:
				rec.Append(k, jsonValue(v))
			}
		}
		for _, k := range sortedKeys(doc.Event.EventData) {
			if k == "#attributes" {
				continue
			}
			rec.Append(k, jsonValue(doc.Event.EventData[k]))
		}
		n += len(m.Match(rec))
	}
}

func jsonValue(v any) record.Value {
	switch v := v.(type) {
	case string:
		return record.String(v)
	case float64:
		return record.Float(v)
	case nil:
		return record.Null()
	}
	b, _ := json.Marshal(v)
	return record.String(string(b))
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestPowerShellRulesOverCorpusLogs runs the PowerShell rules over the corpus's PowerShell
// event logs: no expected counts exist, so the test checks that they run and records the hits.
func TestPowerShellRulesOverCorpusLogs(t *testing.T) {
	dir := testcorpus.Path(t, "sigma/rules/windows/powershell")
	rules, errs := sigma.LoadPaths([]string{dir}, sigma.LoadOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	m, errs := sigma.NewMatcher(rules, sigma.Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	logs, _ := filepath.Glob(filepath.Join(testcorpus.Path(t, "logs/evtx"), "*", "*.evtx"))
	more, _ := filepath.Glob(filepath.Join(testcorpus.Path(t, "logs/evtx"), "*.evtx"))
	logs = append(logs, more...)
	events, hits := 0, map[string]int{}
	for _, p := range logs {
		if !strings.Contains(strings.ToLower(p), "powershell") {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		for rec, err := range evtx.Read(context.Background(), f, st.Size(), p, evtx.Options{}) {
			if err != nil {
				break // some corpus files are deliberately damaged; the evtx tests cover that
			}
			events++
			for _, r := range m.Match(rec) {
				hits[r.Title]++
			}
		}
		f.Close()
	}
	t.Logf("%d PowerShell rules over %d events in PowerShell logs: %d rules matched: %v", m.Len(), events, len(hits), hits)
	if events == 0 {
		t.Fatal("no PowerShell events found in the corpus logs")
	}
}

// BenchmarkScanProcessCreation runs all 1,183 process-creation rules over the regression pairs'
// Sysmon events (139 events, repeated to 10 000).
func BenchmarkScanProcessCreation(b *testing.B) {
	dir := testcorpus.Path(b, "sigma/rules/windows/process_creation")
	rules, errs := sigma.LoadPaths([]string{dir}, sigma.LoadOptions{})
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	m, _ := sigma.NewMatcher(rules, sigma.Options{})
	files, _ := filepath.Glob(filepath.Join(testcorpus.Path(b, "sigma/regression_data/rules/windows/process_creation"), "*", "*.evtx"))
	var events []record.Record
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		st, _ := f.Stat()
		for rec, err := range evtx.Read(context.Background(), f, st.Size(), p, evtx.Options{}) {
			if err == nil {
				events = append(events, rec)
			}
		}
		f.Close()
	}
	for len(events) < 10000 {
		events = append(events, events...)
	}
	events = events[:10000]
	b.ResetTimer()
	hits := 0
	for b.Loop() {
		hits = 0
		for _, ev := range events {
			hits += len(m.Match(ev))
		}
	}
	b.ReportMetric(float64(len(events)*b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(hits), "matches")
}
