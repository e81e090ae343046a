package pipeline

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/hunchsec/hunch/record"
)

// TestCmdlineRiskOnDemoEvents scores the bundled demo events against what their generator
// planted: every event whose indicators are hidden in an encoded command scores at least 40
// (an encoded command alone), and no event scores 20 or more without a reason in its command line.
func TestCmdlineRiskOnDemoEvents(t *testing.T) {
	data, err := os.ReadFile("../examples/expected_iocs.json")
	if err != nil {
		t.Fatal(err)
	}
	var planted []struct {
		Event   int  `json:"event"`
		Decoded bool `json:"decoded"`
	}
	if err := json.Unmarshal(data, &planted); err != nil {
		t.Fatal(err)
	}
	hidden := map[int]bool{}
	for _, p := range planted {
		if p.Decoded {
			hidden[p.Event] = true
		}
	}
	f, err := os.Open("../examples/events.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n, flagged := 0, 0
	for rec, err := range CmdlineRisk(context.Background(), record.Read(context.Background(), f, "events", record.ReadOptions{}), CmdlineOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		v, _ := rec.Get(FieldCmdlineScore)
		score, _ := v.Int()
		rules, _ := rec.Get(FieldCmdlineRules)
		reasons, _ := rec.Get(FieldCmdlineReasons)
		if len(rules.List()) != len(reasons.List()) || (score > 0) != (len(rules.List()) > 0) {
			t.Errorf("event %d: score %d, rules %v, reasons %v", n, score, rules, reasons)
		}
		if hidden[n] && score < 40 {
			t.Errorf("event %d hides indicators in an encoded command but scores %d (%v)", n, score, rules)
		}
		if score >= 20 {
			flagged++
		}
	}
	if n != 40 || flagged < len(hidden) {
		t.Errorf("%d events, %d flagged, %d with hidden indicators", n, flagged, len(hidden))
	}
	// --min-score drops the rest.
	f.Seek(0, 0)
	kept := 0
	for _, err := range CmdlineRisk(context.Background(), record.Read(context.Background(), f, "events", record.ReadOptions{}), CmdlineOptions{MinScore: 20}) {
		if err != nil {
			t.Fatal(err)
		}
		kept++
	}
	if kept != flagged {
		t.Errorf("MinScore 20 kept %d, want %d", kept, flagged)
	}
}
