package stix

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/misp"
)

// TestRoundTrip writes an event holding one attribute of every type the mapping converts, as an indicator
// (to_ids) and as observed data, reads the bundle back, and wants every value with its type, category and
// to_ids flag back, the event's uuid, info, creator and tags.
func TestRoundTrip(t *testing.T) {
	types := slices.Sorted(func(yield func(string) bool) {
		for typ := range mappings() {
			if !yield(typ) {
				return
			}
		}
	})
	types = append(types, "vulnerability", "campaign-name", "text", "comment")
	for _, toIDS := range []bool{true, false} {
		var attrs []misp.Attribute
		for i, typ := range types {
			attrs = append(attrs, attr(i, typ, toIDS))
		}
		e := event(true, attrs...)
		e.Tag = []misp.Tag{{Name: "tlp:green"}, {Name: "type:OSINT"}}
		res, err := ParseBundle(bundleOf(t, e), ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Events) != 1 {
			t.Fatalf("to_ids=%v: %d events, want 1; skipped %v", toIDS, len(res.Events), res.Skipped)
		}
		got := res.Events[0]
		if got.UUID != testEvent || got.Info != e.Info || !bool(got.Published) || got.Orgc == nil || got.Orgc.UUID != testOrg ||
			got.Orgc.Name != "ACME CERT" || got.Timestamp != e.Timestamp {
			t.Errorf("to_ids=%v: event %+v", toIDS, got)
		}
		var tags []string
		for _, tg := range got.Tag {
			tags = append(tags, tg.Name)
		}
		slices.Sort(tags)
		if !slices.Equal(tags, []string{"tlp:green", "type:OSINT"}) {
			t.Errorf("to_ids=%v: event tags %v", toIDS, tags)
		}
		byUUID := map[string]misp.Attribute{}
		for _, a := range got.Attribute {
			byUUID[a.UUID] = a
		}
		for _, want := range attrs {
			a, ok := byUUID[want.UUID]
			if !ok {
				// a type without observed-data form (port, user-agent…) is an x-misp-attribute, read back too
				t.Errorf("to_ids=%v: %s %q lost", toIDS, want.Type, want.Value)
				continue
			}
			wantValue := want.Value
			if want.Type == "mac-address" || want.Type == "regkey" || want.Type == "regkey|value" {
				// STIX spells keys and mac addresses its own way
				wantValue, _ = normalisedValue(want.Type, want.Value)
			}
			if a.Type != want.Type || a.Value != wantValue || a.Category != want.Category || a.ToIDS.Bool() != toIDS {
				t.Errorf("to_ids=%v: %s %q came back as %s %q (category %q, to_ids %v)", toIDS, want.Type, wantValue,
					a.Type, a.Value, a.Category, a.ToIDS.Bool())
			}
		}
		if len(got.Attribute) != len(attrs) {
			t.Errorf("to_ids=%v: %d attributes, want %d", toIDS, len(got.Attribute), len(attrs))
		}
		if len(res.Skipped) != 0 {
			t.Errorf("to_ids=%v: skipped %v", toIDS, res.Skipped)
		}
	}
}

// normalisedValue is the value the writer puts in STIX for the types it normalises.
func normalisedValue(typ, v string) (string, bool) {
	switch typ {
	case "mac-address":
		return strings.ToLower(strings.ReplaceAll(v, "-", ":")), true
	case "regkey":
		return registryKey(v)
	case "regkey|value":
		k, d, _ := strings.Cut(v, "|")
		k, ok := registryKey(k)
		return k + "|" + d, ok
	}
	return v, true
}

// TestRoundTripObjects: a MISP object flagged to_ids becomes one indicator whose pattern joins its attributes;
// read back, each of its values comes back as an attribute.
func TestRoundTripObjects(t *testing.T) {
	e := event(false)
	e.Object = []misp.Object{{Name: "file", MetaCategory: "file", UUID: testUUID(90), Timestamp: 1600000000, Attribute: []misp.Attribute{
		{Type: "filename", Value: "a.exe", ObjectRelation: "filename", ToIDS: misp.OptBoolOf(true), UUID: testUUID(91)},
		{Type: "md5", Value: sampleValue("md5"), ObjectRelation: "md5", ToIDS: misp.OptBoolOf(true), UUID: testUUID(92)},
		{Type: "domain", Value: "x.example.org", ObjectRelation: "domain", ToIDS: misp.OptBoolOf(true), UUID: testUUID(93)},
	}}, {Name: "custom", MetaCategory: "misc", UUID: testUUID(94), Timestamp: 1600000000, Attribute: []misp.Attribute{
		{Type: "text", Value: "kept", ObjectRelation: "note", UUID: testUUID(95)}}}}
	res, err := ParseBundle(bundleOf(t, e), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Events[0]
	if bool(got.Published) {
		t.Errorf("a grouping came back published")
	}
	var vals []string
	for _, a := range got.Attribute {
		vals = append(vals, a.Type+"="+a.Value)
	}
	slices.Sort(vals)
	want := []string{"domain=x.example.org", "filename|md5=a.exe|" + sampleValue("md5")}
	if !slices.Equal(vals, want) {
		t.Errorf("object indicator came back as %v, want %v", vals, want)
	}
	if len(got.Object) != 1 || got.Object[0].Name != "custom" || got.Object[0].Attribute[0].Value != "kept" {
		t.Errorf("x-misp-object came back as %+v", got.Object)
	}
}

// TestPatternAttributes reads patterns of the shapes MISP writes, and others, into attributes.
func TestPatternAttributes(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    []string // type=value; a single stix2-pattern when MISP attributes do not express it
	}{
		{`[ipv4-addr:value = '192.0.2.1']`, []string{"ip-dst=192.0.2.1"}},
		{`[ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '192.0.2.2']`, []string{"ip-dst=192.0.2.1", "ip-dst=192.0.2.2"}},
		{`[domain-name:value = 'a.example'] OR [url:value = 'http://b.example/x']`, []string{"domain=a.example", "url=http://b.example/x"}},
		{`[file:hashes.'SHA-256' = '` + sampleValue("sha256") + `']`, []string{"sha256=" + sampleValue("sha256")}},
		{`[file:hashes.MD5 = '` + sampleValue("md5") + `' AND file:name = 'x.exe']`, []string{"filename|md5=x.exe|" + sampleValue("md5")}},
		{`[email-message:from_ref.value = 'a@example.org' AND email-message:subject = 'hi']`, []string{"email-src=a@example.org", "email-subject=hi"}},
		{`[email-addr:value = 'a@example.org']`, []string{"email=a@example.org"}},
		{`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '192.0.2.9' AND network-traffic:dst_port = 443]`, []string{"ip-dst|port=192.0.2.9|443"}},
		{`[network-traffic:src_ref.value = '2001:db8::1']`, []string{"ip-src=2001:db8::1"}},
		{`[url:value = 'http://a.example/it\'s']`, []string{"url=http://a.example/it's"}},
		{`[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.2']`, []string{"stix2-pattern=*"}},
		{`[ipv4-addr:value = '192.0.2.1'] WITHIN 300 SECONDS`, []string{"stix2-pattern=*"}},
		{`[file:size > 100]`, []string{"stix2-pattern=*"}},
		{`[process:name = 'x.exe']`, []string{"stix2-pattern=*"}},
		{`[ipv4-addr:value ISSUBSET '192.0.2.0/24']`, []string{"stix2-pattern=*"}},
		{`[file:name IN ('a', 'b')]`, []string{"stix2-pattern=*"}},
	} {
		b, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--" + testBundle, "objects": []any{map[string]any{
			"type": "indicator", "spec_version": "2.1", "id": "indicator--" + testUUID(1), "created": "2020-01-01T00:00:00Z",
			"modified": "2020-01-01T00:00:00Z", "pattern": tc.pattern, "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z"}}})
		res, err := ParseBundle(b, ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range res.Events {
			for _, a := range e.Attribute {
				v := a.Value
				if a.Type == "stix2-pattern" && v == tc.pattern {
					v = "*"
				}
				got = append(got, a.Type+"="+v)
				if !a.ToIDS.Bool() {
					t.Errorf("%s: %s not to_ids", tc.pattern, a.Type)
				}
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v (skipped %v)", tc.pattern, got, tc.want, res.Skipped)
		}
	}
}

// TestSkippedCounted: what is not imported is counted with its reason.
func TestSkippedCounted(t *testing.T) {
	bundle := `{"type":"bundle","id":"bundle--` + testBundle + `","objects":[
	 {"type":"indicator","id":"indicator--` + testUUID(1) + `","pattern":"[ipv4-addr:value = ","pattern_type":"stix"},
	 {"type":"indicator","id":"indicator--` + testUUID(2) + `","pattern":"x","pattern_type":"pcre"},
	 {"type":"location","id":"location--` + testUUID(3) + `","name":"x"},
	 {"type":"relationship","id":"relationship--` + testUUID(4) + `","source_ref":"a--1","target_ref":"b--2"},
	 {"type":"observed-data","id":"observed-data--` + testUUID(5) + `","object_refs":["process--` + testUUID(6) + `"]},
	 {"type":"process","id":"process--` + testUUID(6) + `","pid":4},
	 {"type":"malware","id":"malware--` + testUUID(7) + `","name":"Emotet","is_family":true},
	 "not an object"
	]}`
	res, err := ParseBundle([]byte(bundle), ParseOptions{Cluster: func(typ, name string) (string, bool) {
		return `misp-galaxy:malpedia="` + name + `"`, typ == "malware" && name == "Emotet"
	}})
	if err != nil {
		t.Fatal(err)
	}
	reasons := res.SkippedReasons()
	for _, want := range []string{"pattern type pcre is not imported", "object type location is not imported",
		"relationships are not imported", `SCO type "process" has no MISP attribute type`} {
		if reasons[want] != 1 {
			t.Errorf("reason %q counted %d times; all: %v", want, reasons[want], reasons)
		}
	}
	malformed := 0
	for r, n := range reasons {
		if strings.HasPrefix(r, "malformed") {
			malformed += n
		}
	}
	if malformed != 2 {
		t.Errorf("malformed: %d, want 2 (%v)", malformed, reasons)
	}
	if len(res.Events) != 1 || len(res.Events[0].Tag) != 1 || res.Events[0].Tag[0].Name != `misp-galaxy:malpedia="Emotet"` {
		t.Errorf("events %+v", res.Events)
	}
	if _, err := ParseBundle([]byte(`{"type":"indicator"}`), ParseOptions{}); err == nil {
		t.Error("a lone indicator was read as a bundle")
	}
	many := `{"type":"bundle","objects":[{},{},{}]}`
	if _, err := ParseBundle([]byte(many), ParseOptions{MaxObjects: 2}); err == nil || !strings.Contains(err.Error(), "limit of 2") {
		t.Errorf("MaxObjects not enforced: %v", err)
	}
}

// TestParseCorpus reads back the bundles the writer makes of the committed golden files.
func TestParseGoldenBundles(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.json")
	if len(files) == 0 {
		t.Skip("no golden bundles")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ParseBundle(data, ParseOptions{})
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		n := 0
		for _, e := range res.Events {
			n += len(e.Attribute) + len(e.Object)
		}
		if n == 0 {
			t.Errorf("%s: nothing imported; skipped %v", f, res.Skipped)
		}
	}
}

// TestCorpusRoundTrip writes each event of the corpus as a bundle and reads it back: every live attribute outside
// objects comes back with its type and value (as STIX spells it), and the event's uuid and info.
func TestCorpusRoundTrip(t *testing.T) {
	dir := testcorpus.Path(t, "misp_events")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	checked, lost := 0, 0
	skipped := map[string]int{}
	for _, f := range files {
		if filepath.Base(f) == "MANIFEST.json" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		events, err := misp.DecodeEvents(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			res, err := ParseBundle(bundleOf(t, e), ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for r, n := range res.SkippedReasons() {
				skipped[r] += n
			}
			if len(res.Events) != 1 || res.Events[0].UUID != e.UUID || res.Events[0].Info != e.Info {
				t.Errorf("%s: events %d", filepath.Base(f), len(res.Events))
				continue
			}
			got := map[string]bool{}
			for _, a := range res.Events[0].Attribute {
				got[a.Type+"|"+a.Value] = true
			}
			for _, a := range e.Attribute {
				if a.Deleted {
					continue
				}
				checked++
				v, _ := normalisedValue(a.Type, a.Value)
				if !got[a.Type+"|"+v] {
					lost++
					if lost <= 10 {
						t.Errorf("%s: %s %q not read back", filepath.Base(f), a.Type, a.Value)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no attributes in the corpus")
	}
	t.Logf("%d attributes read back, %d lost; objects not imported: %v", checked-lost, lost, skipped)
}

// TestGalaxiesRoundTrip: a cluster on the event comes back as an event tag, a cluster on an attribute (written as
// a relationship from the attribute's indicator) as that attribute's tag; no event is made of them.
func TestGalaxiesRoundTrip(t *testing.T) {
	actor := misp.Galaxy{Name: "Threat Actor", Type: "threat-actor", GalaxyCluster: []misp.GalaxyCluster{{
		UUID: testUUID(70), Type: "threat-actor", Value: "APT1", TagName: `misp-galaxy:threat-actor="APT1"`}}}
	pattern := misp.Galaxy{Name: "Attack Pattern", Type: "mitre-attack-pattern", GalaxyCluster: []misp.GalaxyCluster{{
		UUID: testUUID(71), Type: "mitre-attack-pattern", Value: "Phishing - T1566", TagName: `misp-galaxy:mitre-attack-pattern="Phishing - T1566"`}}}
	a := attr(1, "domain", true)
	a.Galaxy = misp.GalaxyList{pattern}
	b := attr(2, "url", false)
	b.Galaxy = misp.GalaxyList{pattern}
	e := event(true, a, b)
	e.Galaxy = []misp.Galaxy{actor}
	res, err := ParseBundle(bundleOf(t, e), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 1 {
		t.Fatalf("%d events: %+v", len(res.Events), res.Events)
	}
	got := res.Events[0]
	if len(got.Tag) != 1 || got.Tag[0].Name != `misp-galaxy:threat-actor="APT1"` {
		t.Errorf("event tags %+v", got.Tag)
	}
	for _, at := range got.Attribute {
		if len(at.Tag) != 1 || at.Tag[0].Name != `misp-galaxy:mitre-attack-pattern="Phishing - T1566"` {
			t.Errorf("%s tags %+v", at.Type, at.Tag)
		}
	}
	if len(res.Skipped) != 0 {
		t.Errorf("skipped %v", res.Skipped)
	}
}
