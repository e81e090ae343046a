package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/misp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const (
	testBundle = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
	testOrg    = "5e5e5e5e-1111-4222-8333-000000000001"
	testEvent  = "5e5e5e5e-1111-4222-8333-000000000002"
)

func testUUID(n int) string { return fmt.Sprintf("5e5e5e5e-2222-4333-8444-%012d", n) }

func testOrgc() *misp.Organisation { return &misp.Organisation{Name: "ACME CERT", UUID: testOrg} }

// sampleValues are plausible values of the attribute types the mapping converts, and of a
// few it leaves to x-misp-attribute; other types get "sample value".
var sampleValues = map[string]string{
	"md5": "098f6bcd4621d373cade4e832627b4f6", "sha1": "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3",
	"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	"sha224": "90a3ed9e32b2aaf4c61c410eb925426119e1a9dc53d4286ade99a809",
	"sha384": "768412320f7b0aa5812fce428dc4706b3cae50e02a64caa16a782249bfe8efc4b7ef1ccb126255d196047dfedf17a0a9",
	"sha512": "ee26b0dd4af7e749aa1a8ee3c10ae9923f618980772e473f8819a5d4940e0db27ac185f8a0e1d5f84f88bc887fd67b143732c304cc5fa9ad8e6f57f50028a8ff",
	"ssdeep": "3:hMCEpn:hu", "imphash": "f34d5f2d4577ed6d9ceec516c1f5a744",
	"tlsh":     "T1A5A2B1A5C6E4E8F0D2C1B0A9F8E7D6C5B4A3928170F6E5D4C3B2A1908F7E6D5C4B3A",
	"filename": "invoice.pdf.exe", "ip-src": "198.51.100.7", "ip-dst": "2001:db8::1",
	"ip-src|port": "198.51.100.7|4444", "ip-dst|port": "203.0.113.9|443", "hostname": "c2.example.org",
	"domain": "example.org", "domain|ip": "example.org|192.0.2.1", "hostname|port": "c2.example.org|8080",
	"email": "a@example.org", "email-src": "phish@example.org", "email-dst": "victim@example.com",
	"email-subject": "Your invoice", "url": "https://example.org/a?b='c'", "link": "https://example.org/report",
	"uri": "/gate.php", "user-agent": "Mozilla/5.0 (X11)", "regkey": `HKLM\Software\Run`,
	"regkey|value": `HKLM\Software\Run|C:\evil.exe`, "AS": "AS174", "mutex": "Global\\m",
	"mac-address": "00:11:22:33:44:55", "vulnerability": "CVE-2021-44228", "campaign-name": "Operation X",
	"malware-sample": "sample.exe|098f6bcd4621d373cade4e832627b4f6", "attachment": "report.pdf",
	"x509-fingerprint-sha1": "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", "x509-fingerprint-md5": "098f6bcd4621d373cade4e832627b4f6",
	"x509-fingerprint-sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	"yara":                    "rule x { condition: true }", "sigma": "title: x", "snort": "alert tcp any any -> any any (msg:\"x\";)",
	"stix2-pattern": "[file:name = 'x']", "text": "free text", "port": "443", "size-in-bytes": "1024",
}

func sampleValue(typ string) string {
	if v, ok := sampleValues[typ]; ok {
		return v
	}
	if h, ok := hashAlgos[typ]; ok {
		for _, n := range []int{32, 40, 64, 70, 128} {
			if v := strings.Repeat("a", n); h.valid(v) {
				return v
			}
		}
	}
	if name, h, ok := strings.Cut(typ, "|"); ok && name == "filename" {
		return "a.exe|" + sampleValue(h)
	}
	return "sample value"
}

func attr(n int, typ string, toIDS bool) misp.Attribute {
	cat := misp.DefaultCategory(typ)
	return misp.Attribute{Type: typ, Category: cat, Value: sampleValue(typ), ToIDS: misp.OptBoolOf(toIDS),
		UUID: testUUID(n), Timestamp: 1600000000}
}

// bundleOf writes the events to one bundle.
func bundleOf(t testing.TB, events ...*misp.Event) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewBundleWriter(&buf, Options{BundleID: testBundle})
	for _, e := range events {
		if err := w.WriteEvent(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type stixObject struct {
	Type        string   `json:"type"`
	ID          string   `json:"id"`
	Pattern     string   `json:"pattern"`
	PatternType string   `json:"pattern_type"`
	Labels      []string `json:"labels"`
	ObjectRefs  []string `json:"object_refs"`
	SourceRef   string   `json:"source_ref"`
	TargetRef   string   `json:"target_ref"`
	RelType     string   `json:"relationship_type"`
}

func objectsOf(t testing.TB, bundle []byte) []stixObject {
	t.Helper()
	var b struct {
		Type    string       `json:"type"`
		ID      string       `json:"id"`
		Objects []stixObject `json:"objects"`
	}
	if err := json.Unmarshal(bundle, &b); err != nil {
		t.Fatalf("bundle is not JSON: %v\n%s", err, bundle)
	}
	if b.Type != "bundle" || !strings.HasPrefix(b.ID, "bundle--") {
		t.Fatalf("not a bundle: %.200s", bundle)
	}
	return b.Objects
}

func event(published bool, attrs ...misp.Attribute) *misp.Event {
	return &misp.Event{UUID: testEvent, Info: "test event", Published: misp.FlexBool(published), Timestamp: 1600000000,
		PublishTimestamp: 1600000100, Orgc: testOrgc(), Attribute: attrs}
}

// TestEveryTypeValidates writes one bundle per MISP attribute type and to_ids value and
// checks it against the OASIS schemas, and that the attribute became what the mapping says.
func TestEveryTypeValidates(t *testing.T) {
	s := loadSchemas(t)
	m := mappings()
	bundles, objects := 0, 0
	for i, typ := range misp.Types() {
		for _, toIDS := range []bool{true, false} {
			b := bundleOf(t, event(toIDS, attr(i, typ, toIDS)))
			objects += s.validate(t, fmt.Sprintf("%s to_ids=%v", typ, toIDS), b)
			bundles++
			want := "x-misp-attribute"
			mp, mapped := m[typ]
			switch {
			case typ == "vulnerability":
				want = "vulnerability"
			case typ == "campaign-name":
				want = "campaign"
			case mapped && toIDS && mp.pattern != nil:
				want = "indicator"
			case mapped && !toIDS && mp.observe != nil:
				want = "observed-data"
			}
			wantID := want + "--" + testUUID(i)
			found := false
			for _, o := range objectsOf(t, b) {
				if o.ID == wantID {
					found = true
					if !strings.Contains(strings.Join(o.Labels, ","), `misp:type="`+typ+`"`) {
						t.Errorf("%s: labels %q lack the type", typ, o.Labels)
					}
				}
			}
			if !found {
				t.Errorf("%s to_ids=%v: no %s in %s", typ, toIDS, wantID, b)
			}
		}
	}
	t.Logf("%d bundles, %d objects validated", bundles, objects)
}

// TestCorpusEvents converts the real MISP events of the corpus, one bundle per file and one
// bundle of them all, and validates them.
func TestCorpusEvents(t *testing.T) {
	s := loadSchemas(t)
	dir := testcorpus.Path(t, "misp_events")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all []*misp.Event
	bundles, objects := 0, 0
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
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		b := bundleOf(t, events...)
		n := s.validate(t, filepath.Base(f), b)
		objects += n
		bundles++
		attrs := 0
		for _, e := range events {
			attrs += len(e.Attribute) + len(e.Object)
		}
		if n < attrs {
			t.Errorf("%s: %d objects for %d attributes and objects", filepath.Base(f), n, attrs)
		}
		all = append(all, events...)
	}
	if bundles == 0 {
		t.Fatal("no events in the corpus")
	}
	objects += s.validate(t, "all events", bundleOf(t, all...))
	t.Logf("%d bundles, %d objects validated (%d events)", bundles+1, objects, len(all))
}

func TestValidatorRejects(t *testing.T) {
	s := loadSchemas(t)
	good := string(bundleOf(t, event(true, attr(1, "ip-src", true), attr(2, "text", false))))
	if _, err := s.check([]byte(good)); err != nil {
		t.Fatalf("good bundle rejected: %v", err)
	}
	for _, tc := range []struct{ name, from, to string }{
		{"indicator without pattern", `"pattern":`, `"x_pattern":`},
		{"custom object without modified", `"x_misp_type":"text","x_misp_category":"Other","x_misp_value":"free text"`, `"x_misp_type":"text"`},
		{"bad identifier", `indicator--5e5e5e5e-2222-4333-8444-000000000001"`, `indicator--nope"`},
		{"timestamp without millis", `"created":"2020-09-13T12:26:40.000Z"`, `"created":"2020-09-13T12:26:40Z"`},
		{"bundle type", `{"type":"bundle"`, `{"type":"bundles"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(good, tc.from, tc.to, 1)
			if tc.name == "custom object without modified" {
				// drop modified from the custom object only
				i := strings.Index(bad, `{"type":"x-misp-attribute"`)
				j := i + strings.Index(bad[i:], `"modified":"2020-09-13T12:26:40.000Z",`)
				bad = bad[:j] + bad[j+len(`"modified":"2020-09-13T12:26:40.000Z",`):]
			}
			if bad == good {
				t.Fatalf("replacement did not apply")
			}
			if _, err := s.check([]byte(bad)); err == nil {
				t.Errorf("accepted: %s", bad)
			}
		})
	}
}

// TestPatterns pins the patterns of the types PyMISP and misp-stix users rely on, and the
// escaping of quotes and backslashes.
func TestPatterns(t *testing.T) {
	for _, tc := range []struct{ typ, value, want string }{
		{"ip-src", "8.8.8.8", "[network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '8.8.8.8']"},
		{"ip-dst", "2001:db8::1", "[network-traffic:dst_ref.type = 'ipv6-addr' AND network-traffic:dst_ref.value = '2001:db8::1']"},
		{"ip-dst|port", "1.2.3.4|443", "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '1.2.3.4' AND network-traffic:dst_port = '443']"},
		{"domain", "example.org", "[domain-name:value = 'example.org']"},
		{"hostname", "a.example.org", "[domain-name:value = 'a.example.org']"},
		{"domain|ip", "example.org|1.2.3.4", "[domain-name:value = 'example.org' AND domain-name:resolves_to_refs[*].value = '1.2.3.4']"},
		{"url", "http://x/'a'", `[url:value = 'http://x/\'a\'']`},
		{"md5", "098f6bcd4621d373cade4e832627b4f6", "[file:hashes.MD5 = '098f6bcd4621d373cade4e832627b4f6']"},
		{"sha256", sampleValues["sha256"], "[file:hashes.'SHA-256' = '" + sampleValues["sha256"] + "']"},
		{"filename|sha1", `C:\a.exe|` + sampleValues["sha1"], `[file:name = 'C:\\a.exe' AND file:hashes.'SHA-1' = '` + sampleValues["sha1"] + `']`},
		{"filename", `it's`, `[file:name = 'it\'s']`},
		{"email-src", "a@b.c", "[email-message:from_ref.value = 'a@b.c']"},
		{"email-dst", "a@b.c", "[email-message:to_refs[*].value = 'a@b.c']"},
		{"AS", "AS174", "[autonomous-system:number = '174']"},
		{"regkey", `HKLM\Run`, `[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\Run']`},
		{"mutex", "m", "[mutex:name = 'm']"},
	} {
		t.Run(tc.typ, func(t *testing.T) {
			a := misp.Attribute{Type: tc.typ, Category: "Network activity", Value: tc.value, ToIDS: misp.BoolTrue, UUID: testUUID(7)}
			var buf bytes.Buffer
			w := NewBundleWriter(&buf, Options{BundleID: testBundle})
			if err := w.WriteAttribute(&a, nil); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			objs := objectsOf(t, buf.Bytes())
			if len(objs) != 1 || objs[0].Type != "indicator" {
				t.Fatalf("got %s", buf.Bytes())
			}
			if objs[0].Pattern != tc.want || objs[0].PatternType != "stix" {
				t.Errorf("pattern %q (%s), want %q", objs[0].Pattern, objs[0].PatternType, tc.want)
			}
		})
	}
}

// TestRestSearchAttributes is what PyMISP's restsearch_attributes_stix2 check needs: a
// bundle with an indicator whose pattern holds the ip, with the creator's identity once.
func TestRestSearchAttributes(t *testing.T) {
	s := loadSchemas(t)
	ev := &EventContext{UUID: testEvent, Info: "x", Orgc: testOrgc(), Timestamp: 1600000000}
	var buf bytes.Buffer
	w := NewBundleWriter(&buf, Options{})
	a1, a2 := attr(1, "ip-dst", true), attr(2, "sha256", true)
	a1.Value = "203.0.113.77"
	for _, a := range []*misp.Attribute{&a1, &a2} {
		if err := w.WriteAttribute(a, ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	s.validate(t, "restSearch", buf.Bytes())
	identities, found := 0, false
	for _, o := range objectsOf(t, buf.Bytes()) {
		switch o.Type {
		case "identity":
			identities++
		case "indicator":
			found = found || strings.Contains(o.Pattern, "203.0.113.77")
		}
	}
	if identities != 1 || !found {
		t.Errorf("identities %d, indicator with the ip %v: %s", identities, found, buf.Bytes())
	}
}

// TestEventStructure checks the report/grouping, object references and galaxies.
func TestEventStructure(t *testing.T) {
	s := loadSchemas(t)
	e := event(false, attr(1, "ip-dst", true), attr(2, "domain", false))
	e.Attribute[0].Galaxy = misp.GalaxyList{{Name: "Malpedia", Type: "malpedia", GalaxyCluster: misp.GalaxyClusterList{
		{UUID: testUUID(50), Value: "Emotet", Meta: misp.GalaxyMeta{"synonyms": {"Geodo"}}}}}}
	e.Galaxy = []misp.Galaxy{
		{Name: "Attack Pattern", Type: "mitre-attack-pattern", GalaxyCluster: misp.GalaxyClusterList{
			{UUID: testUUID(51), Value: "Phishing - T1566", Meta: misp.GalaxyMeta{"external_id": {"T1566"}}}}},
		{Name: "Threat Actor", Type: "threat-actor", GalaxyCluster: misp.GalaxyClusterList{{UUID: testUUID(52), Value: "APT 28"}}},
		{Name: "Sector", Type: "sector", GalaxyCluster: misp.GalaxyClusterList{{UUID: testUUID(53), Value: "Finance"}}},
	}
	e.Object = []misp.Object{
		{Name: "file", MetaCategory: "file", UUID: testUUID(60), Timestamp: 1600000000,
			Attribute: misp.AttributeList{
				{Type: "filename", ObjectRelation: "filename", Value: "a.exe", ToIDS: misp.BoolTrue, UUID: testUUID(61)},
				{Type: "md5", ObjectRelation: "md5", Value: sampleValues["md5"], ToIDS: misp.BoolTrue, UUID: testUUID(62)},
				{Type: "ip-dst", ObjectRelation: "ip", Value: "192.0.2.5", ToIDS: misp.BoolTrue, UUID: testUUID(63)},
			},
			ObjectReference: misp.ObjectReferenceList{{UUID: testUUID(64), ObjectUUID: testUUID(60), ReferencedUUID: testUUID(1), RelationshipType: "connects-to"}}},
		{Name: "domain-ip", MetaCategory: "network", UUID: testUUID(70), Timestamp: 1600000000,
			Attribute: misp.AttributeList{{Type: "domain", ObjectRelation: "domain", Value: "x.example", ToIDS: misp.BoolFalse, UUID: testUUID(71)},
				{Type: "ip-dst", ObjectRelation: "ip", Value: "192.0.2.6", ToIDS: misp.BoolFalse, UUID: testUUID(72)}}},
		{Name: "person", MetaCategory: "misc", UUID: testUUID(80), Timestamp: 1600000000,
			Attribute:       misp.AttributeList{{Type: "first-name", ObjectRelation: "first-name", Value: "Ann", ToIDS: misp.BoolFalse, UUID: testUUID(81)}},
			ObjectReference: misp.ObjectReferenceList{{ObjectUUID: testUUID(80), ReferencedUUID: testUUID(70), RelationshipType: "Owner Of"}}},
	}
	b := bundleOf(t, e)
	s.validate(t, "structure", b)
	byID := map[string]stixObject{}
	var grouping stixObject
	for _, o := range objectsOf(t, b) {
		if _, dup := byID[o.ID]; dup {
			t.Errorf("duplicate id %s", o.ID)
		}
		byID[o.ID] = o
		if o.Type == "grouping" {
			grouping = o
		}
	}
	if grouping.ID != "grouping--"+testEvent {
		t.Fatalf("no grouping for the unpublished event: %s", b)
	}
	for _, want := range []string{
		"indicator--" + testUUID(1), "observed-data--" + testUUID(2), "indicator--" + testUUID(60),
		"observed-data--" + testUUID(70), "x-misp-object--" + testUUID(80), "attack-pattern--" + testUUID(51),
		"threat-actor--" + testUUID(52), "x-misp-galaxy-cluster--" + testUUID(53), "relationship--" + testUUID(64),
	} {
		if !strings.Contains(strings.Join(grouping.ObjectRefs, " "), want) {
			t.Errorf("grouping does not refer to %s: %v", want, grouping.ObjectRefs)
		}
		if _, ok := byID[want]; !ok {
			t.Errorf("no object %s", want)
		}
	}
	for _, ref := range grouping.ObjectRefs {
		if _, ok := byID[ref]; !ok {
			t.Errorf("grouping refers to missing %s", ref)
		}
	}
	if p := byID["indicator--"+testUUID(60)].Pattern; p != "[file:name = 'a.exe' AND file:hashes.MD5 = '"+sampleValues["md5"]+
		"'] AND [network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '192.0.2.5']" {
		t.Errorf("file object pattern %q", p)
	}
	if r := byID["relationship--"+testUUID(64)]; r.SourceRef != "indicator--"+testUUID(60) || r.TargetRef != "indicator--"+testUUID(1) || r.RelType != "connects-to" {
		t.Errorf("reference relationship %+v", r)
	}
	rels := 0
	for _, o := range byID {
		if o.Type == "relationship" && o.RelType == "owner-of" && o.SourceRef == "x-misp-object--"+testUUID(80) && o.TargetRef == "observed-data--"+testUUID(70) {
			rels++
		}
		if o.Type == "relationship" && o.RelType == "indicates" && o.SourceRef == "indicator--"+testUUID(1) && o.TargetRef == "malware--"+testUUID(50) {
			rels++
		}
	}
	if rels != 2 {
		t.Errorf("found %d of the 2 relationships (owner-of reference, indicates malware)", rels)
	}
}

func TestEmptyBundle(t *testing.T) {
	s := loadSchemas(t)
	b := bundleOf(t)
	if s.validate(t, "empty", b) != 0 || string(b) != `{"type":"bundle","id":"bundle--`+testBundle+`"}` {
		t.Errorf("empty bundle %s", b)
	}
	// an event with nothing in it gets a note for its report to refer to, as in misp-stix
	for _, org := range []*misp.Organisation{nil, testOrgc()} {
		e := event(true)
		e.Orgc = org
		b := bundleOf(t, e)
		s.validate(t, "empty event", b)
		objs := objectsOf(t, b)
		last := objs[len(objs)-1]
		if last.Type != "report" || len(last.ObjectRefs) != 1 || last.ObjectRefs[0] != "note--"+testEvent {
			t.Errorf("empty event: %s", b)
		}
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	fw := &failWriter{n: 100}
	w := NewBundleWriter(fw, Options{})
	var err error
	for i := 0; i < 2000 && err == nil; i++ {
		err = w.WriteEvent(event(true, attr(i, "ip-src", true)))
	}
	if err == nil {
		err = w.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("got %v, want the writer's error", err)
	}
	if w.Close() == nil {
		t.Error("Close after a failure succeeded")
	}
	w2 := NewBundleWriter(&bytes.Buffer{}, Options{})
	if err := w2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w2.WriteEvent(event(true)); err == nil {
		t.Error("WriteEvent after Close succeeded")
	}
}

// TestGolden pins the complete output for a few types.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attrs []misp.Attribute
	}{
		{"ip-src_indicator", []misp.Attribute{attr(1, "ip-src", true)}},
		{"ip-dst_observed", []misp.Attribute{attr(1, "ip-dst", false)}},
		{"filename-sha256", []misp.Attribute{attr(1, "filename|sha256", true), attr(2, "filename|sha256", false)}},
		{"domain-ip_email", []misp.Attribute{attr(1, "domain|ip", false), attr(2, "email-src", true), attr(3, "email-dst", false)}},
		{"custom_vulnerability", []misp.Attribute{attr(1, "text", false), attr(2, "vulnerability", true)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := json.Indent(&out, bundleOf(t, event(true, tc.attrs...)), "", "  "); err != nil {
				t.Fatal(err)
			}
			out.WriteByte('\n')
			path := filepath.Join("testdata", "golden", tc.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("%s differs (go test ./stix -run TestGolden -update rewrites it):\n%s", path, out.Bytes())
			}
		})
	}
}

// TestRandomInputIsValid feeds random-ish attributes, objects and galaxies (any type, odd
// values: quotes, backslashes, control characters, invalid UTF-8, bad uuids) and checks the
// output is JSON and, with the corpus, schema-valid.
func TestRandomInputIsValid(t *testing.T) {
	var s *schemas
	if testcorpus.Dir() != "" {
		s = loadSchemas(t)
	}
	types := misp.Types()
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "'", `\`, "\"", "|", "\x00", "\xff", "é", "1.2.3.4", "443", "::", "\n", "AS", "00", "/", " "}
	randStr := func() string {
		var sb strings.Builder
		for n := r.IntN(6); n >= 0; n-- {
			sb.WriteString(pieces[r.IntN(len(pieces))])
		}
		return sb.String()
	}
	randUUID := func(i int) string {
		if r.IntN(5) == 0 {
			return randStr()
		}
		return testUUID(i)
	}
	for round := 0; round < 200; round++ {
		var events []*misp.Event
		for k := 0; k < 1+r.IntN(3); k++ {
			e := event(r.IntN(2) == 0)
			e.UUID, e.Info = randUUID(round*1000+k), randStr()
			if r.IntN(4) == 0 {
				e.Orgc = &misp.Organisation{Name: randStr(), UUID: randUUID(99)}
			}
			for i := 0; i < r.IntN(8); i++ {
				typ := types[r.IntN(len(types))]
				a := attr(round*1000+100+i, typ, r.IntN(2) == 0)
				a.UUID = randUUID(round*1000 + 100 + i)
				if r.IntN(2) == 0 {
					a.Value = randStr()
				}
				a.Comment = randStr()
				a.Tag = []misp.Tag{{Name: randStr()}}
				if r.IntN(4) == 0 {
					a.Galaxy = misp.GalaxyList{{Name: randStr(), Type: []string{"threat-actor", "malpedia", "mitre-tool", randStr()}[r.IntN(4)],
						GalaxyCluster: misp.GalaxyClusterList{{UUID: randUUID(7), Value: randStr(), Meta: misp.GalaxyMeta{"synonyms": {randStr()}}}}}}
				}
				e.Attribute = append(e.Attribute, a)
			}
			if r.IntN(2) == 0 {
				o := misp.Object{Name: randStr(), UUID: randUUID(round*1000 + 500), Timestamp: 1600000000}
				for i := 0; i < r.IntN(4); i++ {
					a := attr(round*1000+600+i, types[r.IntN(len(types))], r.IntN(2) == 0)
					a.Value = randStr()
					o.Attribute = append(o.Attribute, a)
				}
				if len(e.Attribute) > 0 {
					o.ObjectReference = misp.ObjectReferenceList{{UUID: randUUID(round*1000 + 700), ReferencedUUID: e.Attribute[0].UUID, RelationshipType: randStr()}}
				}
				e.Object = append(e.Object, o)
			}
			events = append(events, e)
		}
		b := bundleOf(t, events...)
		if !json.Valid(b) {
			t.Fatalf("round %d: invalid JSON:\n%q", round, b)
		}
		if s != nil {
			s.validate(t, fmt.Sprintf("round %d", round), b)
		}
	}
}

// TestStreams checks that the bundle reaches the writer while it is being written, not at
// Close.
func TestStreams(t *testing.T) {
	var buf bytes.Buffer
	w := NewBundleWriter(&buf, Options{BundleID: testBundle})
	ev := &EventContext{Orgc: testOrgc()}
	for i := 0; i < 2000; i++ {
		a := attr(i, "ip-dst", true)
		if err := w.WriteAttribute(&a, ev); err != nil {
			t.Fatal(err)
		}
	}
	if buf.Len() < 100_000 {
		t.Errorf("%d bytes written before Close, want the bundle streamed", buf.Len())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(objectsOf(t, buf.Bytes())); n != 2001 {
		t.Errorf("%d objects, want 2000 indicators and one identity", n)
	}
}

// TestTLPMarkings checks that TLP tags become object_marking_refs to the marking
// definitions STIX 2.1 defines, each written once.
func TestTLPMarkings(t *testing.T) {
	s := loadSchemas(t)
	a1, a2 := attr(1, "domain", true), attr(2, "domain", false)
	a1.Tag = []misp.Tag{{Name: "tlp:red"}}
	a2.Tag = []misp.Tag{{Name: "TLP:AMBER"}, {Name: "tlp:green", Local: true}}
	e := event(true, a1, a2)
	e.Tag = []misp.Tag{{Name: "tlp:amber"}}
	b := bundleOf(t, e, e)
	s.validate(t, "tlp", b)
	var raw struct {
		Objects []struct {
			Type  string   `json:"type"`
			ID    string   `json:"id"`
			Marks []string `json:"object_marking_refs"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	const red, amber = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
	defs := map[string]int{}
	marks := map[string][]string{}
	for _, o := range raw.Objects {
		if o.Type == "marking-definition" {
			defs[o.ID]++
		}
		marks[o.ID] = o.Marks
	}
	if len(defs) != 2 || defs[red] != 1 || defs[amber] != 1 {
		t.Errorf("marking definitions %v, want red and amber once", defs)
	}
	for oid, want := range map[string]string{"indicator--" + testUUID(1): red, "observed-data--" + testUUID(2): amber, "report--" + testEvent: amber} {
		if got := marks[oid]; len(got) != 1 || got[0] != want {
			t.Errorf("%s marked %v, want %s", oid, got, want)
		}
	}
}
