package automation

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/store/sqlite"
)

func TestParseAlert(t *testing.T) {
	splunk, _ := os.ReadFile("../examples/alerts/splunk_webhook.json")
	a, err := ParseAlert("splunk", splunk, Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "Encoded PowerShell" || a.Key != "splunk:Encoded PowerShell" || a.Severity != 3 || fmt.Sprint(a.Labels) != "[app:search]" {
		t.Errorf("splunk: %+v", a)
	}
	if got := fmt.Sprint(a.Indicators); !strings.Contains(got, "{ipv4 198.51.100.23}") || !strings.Contains(got, "{domain splunk.example.org}") {
		t.Errorf("splunk indicators: %s", got)
	}
	sentinel, _ := os.ReadFile("../examples/alerts/sentinel_incident.json")
	a, err = ParseAlert("sentinel", sentinel, Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "Suspicious sign-ins from 203.0.113.77" || a.Key != "sentinel:4711" || a.Severity != 2 || fmt.Sprint(a.Labels) != "[spray]" {
		t.Errorf("sentinel: %+v", a)
	}
	if got := fmt.Sprint(a.Indicators); !strings.Contains(got, "{email alice@example.com}") || !strings.Contains(got, "{ipv4 203.0.113.77}") {
		t.Errorf("sentinel indicators: %s", got)
	}
	generic := []byte(`{"alert":{"rule":{"name":"Beacon","id":"r-9"},"level":"critical","tags":["c2"]},"hosts":[{"ip":"192.0.2.5"}]}`)
	a, err = ParseAlert("json", generic, Mapping{Name: "alert.rule.name", Key: "alert.rule.id", Severity: "alert.level", Labels: []string{"alert.tags.0", "hosts.0.ip"}})
	if err != nil || a.Name != "Beacon" || a.Key != "json:r-9" || a.Severity != 4 || fmt.Sprint(a.Labels) != "[c2 192.0.2.5]" {
		t.Errorf("json: %+v %v", a, err)
	}
	for _, c := range []struct {
		format, payload string
		m               Mapping
		want            string
	}{
		{"splunk", `{"owner":"admin"}`, Mapping{}, "not Splunk's webhook payload"},
		{"sentinel", `{"object":{"properties":{}}}`, Mapping{}, "no title"},
		{"json", `{"a":1}`, Mapping{}, "needs a mapping for the name"},
		{"json", `{"a":1}`, Mapping{Name: "b"}, "no b in the payload"},
		{"json", `{"a":"x","s":"apocalyptic"}`, Mapping{Name: "a", Severity: "s"}, "severity"},
		{"xml", `{}`, Mapping{}, "want splunk, sentinel, json"},
		{"splunk", `[1]`, Mapping{}, "not a JSON object"},
		{"splunk", `{`, Mapping{}, "not JSON"},
		{"splunk", `{"sid":"` + strings.Repeat("x", MaxAlertBytes) + `"}`, Mapping{}, "more than"},
	} {
		if _, err := ParseAlert(c.format, []byte(c.payload), c.m); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %.40s: %v, want %q", c.format, c.payload, err, c.want)
		}
	}
}

// TestIngestMerges: the first alert opens an incident, the same search firing again joins it (and a worse one
// raises its severity), a closed incident takes no more alerts.
func TestIngestMerges(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := &Incidents{Store: db, Chain: journal.Chain{Key: []byte("k")}, Now: func() time.Time { return time.Date(2026, 3, 10, 4, 0, 0, 0, time.UTC) }}
	c := context.Background()
	payload, _ := os.ReadFile("../examples/alerts/splunk_webhook.json")
	a, _ := ParseAlert("splunk", payload, Mapping{})
	a.Severity = 2
	inc, merged, err := s.Ingest(c, a, "webhook:splunk")
	if err != nil || merged || inc.Name != "Encoded PowerShell" || inc.JournalCount != 2 {
		t.Fatalf("first alert: %+v %v %v", inc, merged, err)
	}
	a.Severity = 3
	again, merged, err := s.Ingest(c, a, "webhook:splunk")
	if err != nil || !merged || again.ID != inc.ID || again.Severity != 3 || again.JournalCount != 4 {
		t.Fatalf("second alert: %+v %v %v", again, merged, err)
	}
	done := "done"
	if _, err := s.Update(c, inc.ID, "alice", Change{Status: &done}); err != nil {
		t.Fatal(err)
	}
	third, merged, err := s.Ingest(c, a, "webhook:splunk")
	if err != nil || merged || third.ID == inc.ID {
		t.Fatalf("after closing: %+v %v %v", third, merged, err)
	}
	j, _ := db.Journal(c, inc.ID)
	if j[1].Kind != journal.KindAlert || !strings.Contains(string(j[1].Body), `"indicators":[`) || !strings.Contains(string(j[1].Body), "198.51.100.23") {
		t.Errorf("alert entry: %s", j[1].Body)
	}
	if _, problems, _ := s.Verify(c, inc.ID); len(problems) > 0 {
		t.Errorf("journal: %v", problems)
	}
}

func FuzzParseAlert(f *testing.F) {
	for _, p := range []string{"../examples/alerts/splunk_webhook.json", "../examples/alerts/sentinel_incident.json"} {
		b, _ := os.ReadFile(p)
		f.Add("splunk", b)
		f.Add("sentinel", b)
	}
	f.Add("json", []byte(`{"a":{"b":[1,"x 10.0.0.1"]}}`))
	f.Fuzz(func(t *testing.T, format string, payload []byte) {
		a, err := ParseAlert(format, payload, Mapping{Name: "a.b.1", Key: "a", Labels: []string{"a.b.0"}})
		if err == nil && a.Name == "" {
			t.Fatalf("an alert without a name from %q", payload)
		}
	})
}
