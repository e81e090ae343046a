package misp

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

// corpusEvents returns the paths of the shared corpus's MISP events.
func corpusEvents(t testing.TB) []string {
	t.Helper()
	dir := filepath.Dir(testcorpus.Path(t, "misp_events/MANIFEST.json"))
	paths, err := filepath.Glob(filepath.Join(dir, "eset__*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no events in %s", dir)
	}
	return paths
}

// rawCounts counts the elements of an event body by walking it as plain JSON, independently
// of this package's types.
type rawCounts struct {
	events, attributes, objects, references, tags, galaxies, clusters int
}

func countRaw(t *testing.T, data []byte) rawCounts {
	t.Helper()
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var events []map[string]any
	var collect func(v any)
	collect = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, x := range v {
				collect(x)
			}
		case map[string]any:
			if r, ok := v["response"]; ok {
				collect(r)
				return
			}
			if e, ok := v["Event"].(map[string]any); ok {
				events = append(events, e)
				return
			}
			events = append(events, v)
		}
	}
	collect(doc)
	list := func(m map[string]any, key string) []any {
		l, _ := m[key].([]any)
		return l
	}
	var c rawCounts
	c.events = len(events)
	countAttr := func(a map[string]any) {
		c.attributes++
		c.tags += len(list(a, "Tag"))
		for _, g := range list(a, "Galaxy") {
			c.galaxies++
			c.clusters += len(list(g.(map[string]any), "GalaxyCluster"))
		}
	}
	for _, e := range events {
		c.tags += len(list(e, "Tag"))
		for _, g := range list(e, "Galaxy") {
			c.galaxies++
			c.clusters += len(list(g.(map[string]any), "GalaxyCluster"))
		}
		for _, a := range list(e, "Attribute") {
			countAttr(a.(map[string]any))
		}
		for _, o := range list(e, "Object") {
			c.objects++
			om := o.(map[string]any)
			c.references += len(list(om, "ObjectReference"))
			for _, a := range list(om, "Attribute") {
				countAttr(a.(map[string]any))
			}
		}
	}
	return c
}

func countDecoded(events []*Event) rawCounts {
	var c rawCounts
	c.events = len(events)
	countAttr := func(a *Attribute) {
		c.attributes++
		c.tags += len(a.Tag)
		c.galaxies += len(a.Galaxy)
		for _, g := range a.Galaxy {
			c.clusters += len(g.GalaxyCluster)
		}
	}
	for _, e := range events {
		c.tags += len(e.Tag)
		c.galaxies += len(e.Galaxy)
		for _, g := range e.Galaxy {
			c.clusters += len(g.GalaxyCluster)
		}
		for i := range e.Attribute {
			countAttr(&e.Attribute[i])
		}
		for i := range e.Object {
			c.objects++
			c.references += len(e.Object[i].ObjectReference)
			for j := range e.Object[i].Attribute {
				countAttr(&e.Object[i].Attribute[j])
			}
		}
	}
	return c
}

// manifestEntry is one file's line in the corpus's MANIFEST.json, counted by the corpus's
// curator: a second, independent source for the counts.
type manifestEntry struct {
	File       string `json:"file"`
	Attributes int    `json:"attributes"`
	Objects    int    `json:"objects"`
	ObjectAttr int    `json:"object_attributes"`
	EventTags  int    `json:"event_tags"`
	Galaxies   int    `json:"galaxies"`
	ToIDSTrue  int    `json:"to_ids_true"`
}

func readManifest(t *testing.T) map[string]manifestEntry {
	t.Helper()
	data, err := os.ReadFile(testcorpus.Path(t, "misp_events/MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list []manifestEntry
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	out := map[string]manifestEntry{}
	for _, m := range list {
		out[m.File] = m
	}
	return out
}

func TestCorpusEventsRoundTrip(t *testing.T) {
	var total rawCounts
	manifest := readManifest(t)
	for _, path := range corpusEvents(t) {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			events, err := DecodeEvents(data)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			want := countRaw(t, data)
			got := countDecoded(events)
			if got != want {
				t.Errorf("decoded counts %+v, raw JSON counts %+v", got, want)
			}
			if want.attributes+want.objects == 0 {
				t.Errorf("event with nothing in it: the count check proves nothing")
			}
			total.attributes += got.attributes
			total.objects += got.objects
			total.references += got.references
			total.tags += got.tags
			total.clusters += got.clusters

			e, err := DecodeEvent(data)
			if err != nil {
				t.Fatalf("DecodeEvent: %v", err)
			}
			if m, ok := manifest[filepath.Base(path)]; !ok {
				t.Errorf("%s is not in MANIFEST.json", filepath.Base(path))
			} else {
				objAttrs, toIDS := 0, 0
				for _, o := range e.Object {
					objAttrs += len(o.Attribute)
					for _, a := range o.Attribute {
						if a.ToIDS.Bool() {
							toIDS++
						}
					}
				}
				for _, a := range e.Attribute {
					if a.ToIDS.Bool() {
						toIDS++
					}
				}
				got := manifestEntry{File: m.File, Attributes: len(e.Attribute), Objects: len(e.Object), ObjectAttr: objAttrs,
					EventTags: len(e.Tag), Galaxies: len(e.Galaxy), ToIDSTrue: toIDS}
				if got != m {
					t.Errorf("decoded %+v, MANIFEST.json says %+v", got, m)
				}
			}
			if !ValidUUID(e.UUID) || e.Info == "" || e.Date.IsZero() || e.Timestamp == 0 {
				t.Errorf("event lost its identity: uuid %q info %q date %v timestamp %d", e.UUID, e.Info, e.Date, e.Timestamp)
			}

			enc, err := EncodeEvent(e)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			back, err := DecodeEvent(enc)
			if err != nil {
				t.Fatalf("decode of encoded: %v", err)
			}
			if d := diff(e, back); len(d) > 0 {
				t.Errorf("decode(encode(e)) differs from e:\n%s", strings.Join(d, "\n"))
			}
			if got := countDecoded([]*Event{back}); got != want {
				t.Errorf("re-decoded counts %+v, raw %+v", got, want)
			}
			// Encoding is deterministic: a second round gives the same bytes.
			enc2, err := EncodeEvent(back)
			if err != nil {
				t.Fatal(err)
			}
			if string(enc) != string(enc2) {
				t.Errorf("encode(decode(encode(e))) != encode(e)")
			}
			checkWireFidelity(t, data, enc)
		})
	}
	t.Logf("corpus: %d attributes, %d objects, %d references, %d tags, %d clusters",
		total.attributes, total.objects, total.references, total.tags, total.clusters)
}

// checkWireFidelity compares the original MISP JSON with hunch's encoding of it, value by
// value, for every key of the original that hunch models. MISP's own output is already in
// the canonical form, so the two must agree except where MISP itself is inconsistent
// (listed in normalised).
func checkWireFidelity(t *testing.T, original, encoded []byte) {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(original, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(encoded, &b); err != nil {
		t.Fatal(err)
	}
	if m, ok := a.(map[string]any); ok {
		if r, ok := m["response"].([]any); ok {
			a = r[0]
		}
	}
	var problems []string
	var walk func(path string, x, y any)
	walk = func(path string, x, y any) {
		if len(problems) > 10 {
			return
		}
		switch xv := x.(type) {
		case map[string]any:
			yv, ok := y.(map[string]any)
			if !ok {
				problems = append(problems, path+": object became "+jsonText(y))
				return
			}
			for k, v := range xv {
				w, present := yv[k]
				if !present {
					// A default cluster's distribution is left out: PyMISP refuses to load a
					// default cluster that has one (see GalaxyCluster.MarshalJSON).
					defaultCluster := k == "distribution" && xv["default"] == true && strings.Contains(path, "GalaxyCluster[")
					if !dropped[k] && !defaultCluster {
						problems = append(problems, path+"."+k+": dropped")
					}
					continue
				}
				walk(path+"."+k, v, w)
			}
		case []any:
			yv, ok := y.([]any)
			if !ok || len(yv) != len(xv) {
				problems = append(problems, path+": list became "+jsonText(y))
				return
			}
			for i := range xv {
				walk(path+"["+itoa(i)+"]", xv[i], yv[i])
			}
		default:
			if jsonText(x) == jsonText(y) || normalised(path, x, y) {
				return
			}
			problems = append(problems, path+": "+jsonText(x)+" became "+jsonText(y))
		}
	}
	walk("", a, b)
	if len(problems) > 0 {
		t.Errorf("encoding differs from MISP's:\n%s", strings.Join(problems, "\n"))
	}
}

// dropped are the keys of MISP's output this package does not model.
var dropped = map[string]bool{
	"GalaxyClusterRelationTag": true, // a join row; the relation's Tag list carries the tags
}

// normalised accepts the places where MISP's own output is inconsistent and hunch writes one
// form: null or a number where MISP elsewhere writes a string, 0/1 where it writes booleans.
func normalised(path string, x, y any) bool {
	key := path[strings.LastIndexByte(path, '.')+1:]
	switch key {
	case "local", "protected":
		return jsonText(x) == "0" && jsonText(y) == "false" || x == nil && jsonText(y) == "false"
	case "tag_id", "extends_version":
		if f, ok := x.(float64); ok {
			return jsonText(y) == `"`+itoa(int(f))+`"`
		}
		return x == nil && jsonText(y) == `"0"`
	case "relationship_type":
		return x == false && y == nil
	case "extends_uuid":
		return x == nil && y == ""
	case "restricted_to_domain":
		return x == "" && jsonText(y) == "[]"
	}
	return false
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func itoa(i int) string { return FlexInt(i).String() }

func TestDecodeEventShapes(t *testing.T) {
	const bare = `{"info":"x","uuid":"5a3c2fda-78f4-44b7-8366-46da02de0b81","date":"2021-06-07","Attribute":[{"type":"md5","value":"d41d8cd98f00b204e9800998ecf8427e"}]}`
	tests := []struct {
		name    string
		body    string
		wantErr error
	}{
		{"bare", bare, nil},
		{"wrapped", `{"Event":` + bare + `}`, nil},
		{"response list", `{"response":[{"Event":` + bare + `}]}`, nil},
		{"response object", `{"response":{"Event":` + bare + `}}`, nil},
		{"request", `{"request":{"Event":` + bare + `}}`, nil},
		{"list of one", `[{"Event":` + bare + `}]`, nil},
		{"leading space", " \n" + bare, nil},
		{"two events", `{"response":[{"Event":` + bare + `},{"Event":` + bare + `}]}`, ErrMalformed},
		{"empty object", `{}`, ErrMalformed},
		{"empty response", `{"response":[]}`, ErrMalformed},
		{"not json", `Event`, ErrMalformed},
		{"string", `"x"`, ErrMalformed},
		{"empty", ``, ErrMalformed},
		{"truncated", `{"Event":{"info":"x"`, ErrMalformed},
		{"bad distribution", `{"info":"x","distribution":"9"}`, ErrMalformed},
		{"bad type", `{"info":["x"]}`, ErrMalformed},
		{"bad flag", `{"info":"x","published":"maybe"}`, ErrMalformed},
		{"deep wrappers", strings.Repeat(`{"response":`, 8) + bare + strings.Repeat(`}`, 8), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := DecodeEvent([]byte(tt.body))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Info != "x" || len(e.Attribute) != 1 || e.Attribute[0].Type != "md5" || e.Date.String() != "2021-06-07" {
				t.Errorf("decoded %+v", e)
			}
		})
	}
}

func TestDecodeEventsShapes(t *testing.T) {
	const one = `{"info":"a"}`
	tests := []struct {
		body string
		want int
	}{
		{`{"response":[]}`, 0},
		{`[]`, 0},
		{`{"response":[{"Event":` + one + `},{"Event":` + one + `}]}`, 2},
		{`[{"Event":` + one + `},` + one + `]`, 2},
		{one, 1},
	}
	for _, tt := range tests {
		got, err := DecodeEvents([]byte(tt.body))
		if err != nil {
			t.Errorf("%s: %v", tt.body, err)
			continue
		}
		if len(got) != tt.want {
			t.Errorf("%s: %d events, want %d", tt.body, len(got), tt.want)
		}
	}
}

func TestLimits(t *testing.T) {
	body := []byte(`{"Event":{"info":"x","Tag":[{"name":"a"},{"name":"b"}],
		"Attribute":[{"type":"md5","value":"1"},{"type":"md5","value":"2"}],
		"Object":[{"name":"file","Attribute":[{"type":"md5","value":"3","Tag":[{"name":"a"},{"name":"b"},{"name":"c"}]}]}]}}`)
	tests := []struct {
		name    string
		limits  Limits
		wantErr bool
	}{
		{"defaults", DefaultLimits(), false},
		{"none", Limits{}, false},
		{"attributes counted with objects' at 3", Limits{MaxAttributes: 3}, false},
		{"attributes counted with objects' at 2", Limits{MaxAttributes: 2}, true},
		{"objects", Limits{MaxObjects: 0 + 1}, false},
		{"objects 0 is unlimited", Limits{MaxObjects: 0}, false},
		{"tags on event", Limits{MaxTags: 1}, true},
		{"tags on object attribute", Limits{MaxTags: 2}, true},
		{"tags fit", Limits{MaxTags: 3}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.limits.DecodeEvent(body)
			if tt.wantErr {
				if !errors.Is(err, ErrLimit) {
					t.Fatalf("err = %v, want ErrLimit", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	list := []byte(`[{"info":"a"},{"info":"b"},{"info":"c"}]`)
	if _, err := (Limits{MaxEvents: 2}).DecodeEvents(list); !errors.Is(err, ErrLimit) {
		t.Errorf("3 events with MaxEvents 2: err = %v", err)
	}
	if _, err := (Limits{MaxAttributes: 1}).DecodeAttributes([]byte(`[{"value":"a"},{"value":"b"}]`)); !errors.Is(err, ErrLimit) {
		t.Errorf("2 attributes with MaxAttributes 1: err = %v", err)
	}
}

func TestNesting(t *testing.T) {
	const inner = `{"info":"x"}`
	tests := []struct {
		name    string
		body    string
		wantErr error
	}{
		{"four response wrappers", strings.Repeat(`{"response":`, 4) + inner + strings.Repeat(`}`, 4), nil},
		{"five response wrappers", strings.Repeat(`{"response":`, 5) + inner + strings.Repeat(`}`, 5), ErrMalformed},
		{"thousands of wrappers", strings.Repeat(`{"response":`, 5000) + inner + strings.Repeat(`}`, 5000), ErrLimit},
		{"thousands of lists", strings.Repeat(`[`, 5000) + inner + strings.Repeat(`]`, 5000), ErrLimit},
		{"deep inside an event", `{"info":"x","Tag":[{"name":` + strings.Repeat(`[`, 70) + strings.Repeat(`]`, 70) + `}]}`, ErrLimit},
		{"brackets in strings do not count", `{"info":"` + strings.Repeat(`[{`, 100) + `\"` + `"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeEvents([]byte(tt.body))
			if tt.wantErr == nil && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
	if _, err := (Limits{MaxDepth: 2}).DecodeEvent([]byte(`{"Event":{"info":"x"}}`)); err != nil {
		t.Errorf("depth 2 with MaxDepth 2: %v", err)
	}
	if _, err := (Limits{MaxDepth: 2}).DecodeEvent([]byte(`{"Event":{"info":"x","Tag":[]}}`)); !errors.Is(err, ErrLimit) {
		t.Errorf("depth 3 with MaxDepth 2: %v", err)
	}
}
