package journal

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// chain builds n entries: an alert, playbook actions and outputs, a note, a status change.
func chain(t *testing.T, c Chain, n int) []Entry {
	t.Helper()
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	kinds := []string{KindAction, KindOutput, KindMessage, KindNote, KindStatus, KindEvidence}
	var out []Entry
	var prev *Entry
	for i := range n {
		e, err := c.Next(prev, t0.Add(time.Duration(i)*time.Minute), kinds[i%len(kinds)], "playbook:triage/unpack",
			map[string]any{"step": i, "text": fmt.Sprintf("entry %d", i+1)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
		prev = &out[len(out)-1]
	}
	return out
}

func problems(ps []Problem) string {
	var s []string
	for _, p := range ps {
		s = append(s, fmt.Sprintf("%d %s", p.Seq, p.What))
	}
	return strings.Join(s, "; ")
}

func TestVerify(t *testing.T) {
	c := Chain{Key: []byte("server secret")}
	for _, tc := range []struct {
		name   string
		tamper func([]Entry) []Entry
		head   bool
		want   string
	}{
		{"intact", func(e []Entry) []Entry { return e }, true, ""},
		{"body edited", func(e []Entry) []Entry { e[3].Body = json.RawMessage(`{"step":3,"text":"nothing happened"}`); return e }, true, "4 modified"},
		{"time edited", func(e []Entry) []Entry { e[2].Time = e[2].Time.Add(time.Hour); return e }, true, "3 modified"},
		{"actor edited", func(e []Entry) []Entry { e[0].Actor = "someone else"; return e }, true, "1 modified"},
		{"middle removed", func(e []Entry) []Entry { return append(e[:4], e[5:]...) }, true, "5 removed"},
		{"two removed", func(e []Entry) []Entry { return append(e[:1], e[3:]...) }, true, "2 removed"},
		{"first removed", func(e []Entry) []Entry { return e[1:] }, true, "1 removed"},
		{"last removed", func(e []Entry) []Entry { return e[:len(e)-1] }, true, "8 truncated"},
		{"last removed, no head", func(e []Entry) []Entry { return e[:len(e)-1] }, false, ""},
		{"two swapped", func(e []Entry) []Entry { e[2], e[3] = e[3], e[2]; return e }, true, "3 reordered; 4 reordered"},
		{"entry replaced, its hash recomputed without the key", func(e []Entry) []Entry {
			f := e[4]
			f.Body = json.RawMessage(`{"forged":true}`)
			f.Hash = Chain{}.Sum(f)
			e[4] = f
			return e
		}, true, "5 modified; 6 inserted"},
		{"forged entry inserted with the key and renumbered", func(e []Entry) []Entry {
			forged, _ := c.Next(&e[1], e[1].Time, KindNote, "mallory", "all clear")
			forged.Prev = "0000"
			forged.Hash = c.Sum(forged)
			return append(e[:2], append([]Entry{forged}, e[2:]...)...)
		}, true, "3 inserted"},
		{"duplicate", func(e []Entry) []Entry { return append(e, e[7]) }, true, "8 inserted"},
		{"moved to the end", func(e []Entry) []Entry { return append(append(e[:1:1], e[2:]...), e[1]) }, true, "2 reordered; 3 reordered; 4 reordered; 5 reordered; 6 reordered; 7 reordered; 8 reordered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := chain(t, c, 8)
			head := &Head{Count: 8, Hash: e[7].Hash}
			if !tc.head {
				head = nil
			}
			if got := problems(c.Verify(tc.tamper(e), head)); got != tc.want {
				t.Errorf("problems %q, want %q", got, tc.want)
			}
		})
	}
	// A chain made under one key does not verify under another, nor without one.
	e := chain(t, c, 3)
	if got := problems(Chain{Key: []byte("other")}.Verify(e, nil)); got != "1 modified; 2 modified; 3 modified" {
		t.Errorf("other key: %q", got)
	}
	if got := problems(Chain{}.Verify(chain(t, Chain{}, 3), nil)); got != "" {
		t.Errorf("keyless chain: %q", got)
	}
}

func TestNext(t *testing.T) {
	c := Chain{}
	e, err := c.Next(nil, time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600)), KindNote, "alice", json.RawMessage(`{"a":1}`))
	if err != nil || e.Seq != 1 || e.Prev != "" || e.Time.Location() != time.UTC || string(e.Body) != `{"a":1}` || len(e.Hash) != 64 {
		t.Fatalf("%+v %v", e, err)
	}
	f, _ := c.Next(&e, e.Time, KindNote, "alice", "x")
	if f.Seq != 2 || f.Prev != e.Hash {
		t.Errorf("second entry %+v", f)
	}
	if _, err := c.Next(nil, e.Time, KindNote, "a", json.RawMessage(`{`)); err == nil {
		t.Error("invalid JSON accepted")
	}
	if _, err := c.Next(nil, e.Time, KindNote, "a", strings.Repeat("x", MaxBodyBytes)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("oversized body: %v", err)
	}
	if _, err := c.Next(nil, e.Time, "", "a", 1); err == nil {
		t.Error("entry without a kind accepted")
	}
	// Length-prefixed fields: moving a byte from one field to the next changes the hash.
	a := Entry{Seq: 1, Kind: "ab", Actor: "c", Body: json.RawMessage("1")}
	b := Entry{Seq: 1, Kind: "a", Actor: "bc", Body: json.RawMessage("1")}
	if c.Sum(a) == c.Sum(b) {
		t.Error("field boundaries do not count")
	}
}

// FuzzVerify: any tampering with a valid chain's stored JSON is either reported or leaves the
// entries as they were; Verify never panics on arbitrary entries.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`[{"seq":1,"kind":"note","body":{}}]`), uint8(0))
	f.Add([]byte(`[{"seq":2},{"seq":1},{"seq":-5,"prev":"x"}]`), uint8(3))
	f.Add([]byte(`[]`), uint8(9))
	f.Fuzz(func(t *testing.T, data []byte, flip uint8) {
		var es []Entry
		if json.Unmarshal(data, &es) != nil {
			return
		}
		c := Chain{Key: []byte("k")}
		c.Verify(es, &Head{Count: int64(flip), Hash: "h"})
		// A chain built from the fuzzed bodies verifies, and flipping one byte of one body is caught.
		var built []Entry
		var prev *Entry
		for _, e := range es {
			body := e.Body
			if !json.Valid(body) {
				body = json.RawMessage(`null`)
			}
			n, err := c.Next(prev, e.Time, "note", e.Actor, body)
			if err != nil {
				return
			}
			built = append(built, n)
			prev = &built[len(built)-1]
		}
		if ps := c.Verify(built, nil); len(ps) > 0 {
			t.Fatalf("fresh chain has problems: %v", ps)
		}
		if len(built) > 0 {
			i := int(flip) % len(built)
			built[i].Actor += "!"
			if ps := c.Verify(built, nil); len(ps) == 0 {
				t.Fatalf("tampered entry %d not reported", i)
			}
		}
	})
}

// BenchmarkVerify checks a journal of 100 000 entries (keyed).
func BenchmarkVerify(b *testing.B) {
	c := Chain{Key: []byte("server secret")}
	var es []Entry
	var prev *Entry
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for i := range 100_000 {
		e, _ := c.Next(prev, t0.Add(time.Duration(i)*time.Second), KindOutput, "playbook:triage/lookup", map[string]any{"i": i, "verdict": "malicious"})
		es = append(es, e)
		prev = &es[len(es)-1]
	}
	head := &Head{Count: int64(len(es)), Hash: es[len(es)-1].Hash}
	for b.Loop() {
		if ps := c.Verify(es, head); len(ps) > 0 {
			b.Fatal(ps)
		}
	}
	b.ReportMetric(float64(len(es)*b.N)/b.Elapsed().Seconds(), "entries/s")
}
