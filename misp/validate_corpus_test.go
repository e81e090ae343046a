package misp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

// corpusEvent is the little of a MISP event these tests need, decoded on its own so the
// type/value half of package misp is tested without the data model.
type corpusEvent struct {
	Attribute []corpusAttribute
	Object    []struct {
		Name      string `json:"name"`
		Attribute []corpusAttribute
	}
}

type corpusAttribute struct {
	Category       string `json:"category"`
	Type           string `json:"type"`
	Value          string `json:"value"`
	ObjectRelation string `json:"object_relation"`
}

// readCorpusEvents reads every event of the shared corpus's misp_events folder.
func readCorpusEvents(t *testing.T) map[string][]corpusEvent {
	t.Helper()
	dir := filepath.Dir(testcorpus.Path(t, "misp_events/MANIFEST.json"))
	var manifest []struct {
		File string `json:"file"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		t.Fatal(err)
	}
	out := map[string][]corpusEvent{}
	for _, m := range manifest {
		b, err := os.ReadFile(filepath.Join(dir, m.File))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Response []struct{ Event corpusEvent }
			Event    *corpusEvent
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", m.File, err)
		}
		for _, r := range doc.Response {
			out[m.File] = append(out[m.File], r.Event)
		}
		if doc.Event != nil {
			out[m.File] = append(out[m.File], *doc.Event)
		}
		if len(out[m.File]) == 0 {
			t.Fatalf("%s: no event", m.File)
		}
	}
	return out
}

// TestCorpusEventsNormalize checks every attribute of the vendor-published MISP events:
// MISP accepted them, so hunch must too, and their normalised form must be stable.
func TestCorpusEventsNormalize(t *testing.T) {
	total, changed := 0, 0
	for file, events := range readCorpusEvents(t) {
		for _, ev := range events {
			attrs := ev.Attribute
			for _, o := range ev.Object {
				attrs = append(attrs, o.Attribute...)
			}
			for _, a := range attrs {
				total++
				cat, v, err := NormalizeAttribute(a.Category, a.Type, a.Value)
				if err != nil {
					t.Errorf("%s: %v", file, err)
					continue
				}
				if cat != a.Category {
					t.Errorf("%s: category %q became %q", file, a.Category, cat)
				}
				if v != a.Value {
					changed++
					t.Logf("%s: %s %q normalised to %q", file, a.Type, a.Value, v)
				}
				if again, err := NormalizeValue(a.Type, v); err != nil || again != v {
					t.Errorf("%s: %s %q is not a fixed point: %q, %v", file, a.Type, v, again, err)
				}
			}
		}
	}
	if total < 1000 {
		t.Errorf("only %d attributes read from the corpus", total)
	}
	t.Logf("%d attributes, %d changed by normalisation", total, changed)
}
