package misp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/ioc"
)

// restSearchOf shapes an event's attributes (top-level and inside objects) the way MISP's
// attributes/restSearch returns them: each with an Event block and the event's tags merged
// into Tag with "inherited": 1 (includeEventTags).
func restSearchOf(t *testing.T, ev map[string]any) ([]byte, int, int) {
	t.Helper()
	eventBlock := map[string]any{"id": ev["id"], "info": ev["info"], "uuid": ev["uuid"], "org_id": ev["org_id"], "orgc_id": ev["orgc_id"]}
	var eventTags []any
	if tags, ok := ev["Tag"].([]any); ok {
		for _, tg := range tags {
			m := tg.(map[string]any)
			c := map[string]any{}
			for k, v := range m {
				c[k] = v
			}
			c["inherited"] = 1
			eventTags = append(eventTags, c)
		}
	}
	var attrs []any
	ids := 0
	add := func(list any) {
		l, _ := list.([]any)
		for _, x := range l {
			a := x.(map[string]any)
			a["Event"] = eventBlock
			tags, _ := a["Tag"].([]any)
			a["Tag"] = append(tags, eventTags...)
			if a["to_ids"] == true {
				ids++
			}
			attrs = append(attrs, a)
		}
	}
	add(ev["Attribute"])
	if objs, ok := ev["Object"].([]any); ok {
		for _, o := range objs {
			add(o.(map[string]any)["Attribute"])
		}
	}
	b, err := json.Marshal(map[string]any{"response": map[string]any{"Attribute": attrs}})
	if err != nil {
		t.Fatal(err)
	}
	return b, len(attrs), ids
}

// The real events ESET published, served as restSearch replies, parse completely, and an
// attribute marked to_ids makes its value malicious with the event as reference.
func TestCorpusEvents(t *testing.T) {
	dir := testcorpus.Path(t, "misp_events")
	files, err := filepath.Glob(filepath.Join(dir, "eset__*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no events in %s: %v", dir, err)
	}
	c, err := New(Options{HTTP: &enrich.HTTP{}, BaseURL: "https://misp.example", Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var wrapped struct {
				Response []struct{ Event map[string]any }
				Event    map[string]any
			}
			if err := json.Unmarshal(data, &wrapped); err != nil {
				t.Fatal(err)
			}
			ev := wrapped.Event
			if ev == nil && len(wrapped.Response) > 0 {
				ev = wrapped.Response[0].Event
			}
			if ev == nil {
				t.Fatal("no event")
			}
			reply, n, ids := restSearchOf(t, ev)
			attrs, err := ParseReply(reply)
			if err != nil {
				t.Fatal(err)
			}
			gotIDS := 0
			var first *Attribute
			for i, a := range attrs {
				if a.ToIDS {
					gotIDS++
					if first == nil && !strings.Contains(a.Value, "|") && a.Value != "" {
						first = &attrs[i]
					}
				}
				if a.EventInfo != ev["info"] || a.EventID != ev["id"] {
					t.Errorf("attribute %s: event %q %q", a.ID, a.EventID, a.EventInfo)
				}
			}
			if len(attrs) != n || gotIDS != ids {
				t.Fatalf("%d attributes (%d to_ids), want %d (%d)", len(attrs), gotIDS, n, ids)
			}
			if first == nil {
				return
			}
			ind := enrich.Indicator{Type: ioc.Domain, Value: first.Value}
			r := c.convert([]enrich.Result{{Indicator: ind}}, attrs, false)[0]
			if r.Verdict != enrich.Malicious || !strings.Contains(r.Summary, ev["info"].(string)) ||
				r.Reference != "https://misp.example/events/view/"+ev["id"].(string) {
				t.Errorf("%s: %v %q %s", first.Value, r.Verdict, r.Summary, r.Reference)
			}
		})
	}
}
