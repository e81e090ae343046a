package evtx

import (
	"context"
	"encoding/json"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/record"
)

// manifestEntry is one file of logs/MANIFEST.json.
type manifestEntry struct {
	File   string         `json:"file"`
	Events int            `json:"events"`
	Counts map[string]int `json:"channel_eventid_counts"`
}

// evtxManifest returns the EVTX entries of the corpus manifest (skipping without the corpus).
func evtxManifest(t testing.TB) []manifestEntry {
	t.Helper()
	b, err := os.ReadFile(testcorpus.Path(t, "logs/MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all []manifestEntry
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	var out []manifestEntry
	for _, e := range all {
		if strings.HasSuffix(e.File, ".evtx") {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		t.Fatal("no evtx files in the manifest")
	}
	return out
}

// readAll reads a whole file, failing the test on any error.
func readAll(t testing.TB, p string, opts Options) []record.Record {
	t.Helper()
	r, err := Open(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var recs []record.Record
	for rec, err := range r.Records(context.Background()) {
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		recs = append(recs, rec)
	}
	return recs
}

func TestCorpusCounts(t *testing.T) {
	for _, e := range evtxManifest(t) {
		t.Run(path.Base(e.File), func(t *testing.T) {
			p := testcorpus.Path(t, "logs/"+e.File)
			recs := readAll(t, p, Options{VerifyChecksums: true})
			if len(recs) != e.Events {
				t.Errorf("%d events, manifest says %d", len(recs), e.Events)
			}
			got := map[string]int{}
			for i, r := range recs {
				ch, _ := r.Get("Channel")
				id, _ := r.Get("EventID")
				n, ok := id.Int()
				if !ok {
					t.Fatalf("record %d: EventID %v is not an int", i, id)
				}
				got[ch.Text()+":"+strconv.FormatInt(n, 10)]++
				if r.Meta.N != i+1 || r.Meta.Source != p {
					t.Errorf("record %d: meta %+v", i, r.Meta)
				}
				checkSystem(t, r)
			}
			for k, n := range e.Counts {
				if got[k] != n {
					t.Errorf("%s: %d events, manifest says %d", k, got[k], n)
				}
			}
			for k, n := range got {
				if _, ok := e.Counts[k]; !ok {
					t.Errorf("%s: %d events, not in the manifest", k, n)
				}
			}
		})
	}
}

// checkSystem checks the typed System fields of a corpus record.
func checkSystem(t *testing.T, r record.Record) {
	t.Helper()
	for _, name := range []string{"Computer", "Channel", "Provider", "Level", "Keywords", "ProcessID", "ThreadID"} {
		v, ok := r.Get(name)
		if s, isStr := v.Str(); !ok || !isStr || s == "" {
			t.Errorf("record %d: %s = %v (present %v)", r.Meta.N, name, v, ok)
		}
	}
	if v, _ := r.Get("EventRecordID"); v.Kind() != record.KindInt {
		t.Errorf("record %d: EventRecordID %v", r.Meta.N, v)
	}
	tc, _ := r.Get("TimeCreated")
	if tm, ok := tc.Time(); !ok || tm.Year() < 2010 || tm.Year() > 2030 || tm.Location().String() != "UTC" {
		t.Errorf("record %d: TimeCreated %v", r.Meta.N, tc.Text())
	}
}

// TestCorpusEncodedCommands checks that every EVTX line of logs/encoded_commands.jsonl has a
// record in its file whose field holds exactly the value.
func TestCorpusEncodedCommands(t *testing.T) {
	type line struct {
		File, Channel, Field, Value string
		EventID                     string `json:"event_id"`
		Occurrences                 int
	}
	lines := testcorpus.ReadJSONL[line](t, testcorpus.Path(t, "logs/encoded_commands.jsonl"))
	matched, total := 0, 0
	for _, l := range lines {
		if !strings.HasSuffix(l.File, ".evtx") {
			continue
		}
		total++
		n := 0
		for _, r := range readAll(t, testcorpus.Path(t, "logs/"+l.File), Options{}) {
			ch, _ := r.Get("Channel")
			id, _ := r.Get("EventID")
			v, ok := r.Get(l.Field)
			if ok && v.Text() == l.Value && ch.Text() == l.Channel && id.Text() == l.EventID {
				n++
			}
		}
		if n != l.Occurrences {
			t.Errorf("%s %s:%s %s: %d records hold the value, want %d", l.File, l.Channel, l.EventID, l.Field, n, l.Occurrences)
			continue
		}
		matched++
	}
	t.Logf("%d of %d evtx lines of encoded_commands.jsonl matched", matched, total)
	if total == 0 {
		t.Fatal("no evtx lines in encoded_commands.jsonl")
	}
}
