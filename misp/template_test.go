package misp

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

func loadTestTemplates(t *testing.T) *Templates {
	t.Helper()
	ts, err := LoadTemplates(os.DirFS("testdata/templates"))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestLoadTemplatesHandWritten(t *testing.T) {
	ts := loadTestTemplates(t)
	if got := ts.Names(); !slices.Equal(got, []string{"test-conn", "test-note"}) {
		t.Fatalf("Names() = %v", got)
	}
	if ts.Len() != 2 {
		t.Errorf("Len() = %d", ts.Len())
	}
	conn, ok := ts.Get("test-conn")
	if !ok {
		t.Fatal("test-conn not found")
	}
	if conn.Version != 3 || conn.MetaCategory != "network" || len(conn.Attributes) != 5 {
		t.Errorf("test-conn decoded as %+v", conn)
	}
	seen := conn.Attributes["seen"]
	if seen.Type != "datetime" || !seen.DisableCorrelation || seen.ToIDS == nil || *seen.ToIDS {
		t.Errorf("seen decoded as %+v", seen)
	}
	if conn.Attributes["dst-ip"].ToIDS != nil || !conn.Attributes["dst-ip"].Multiple {
		t.Errorf("dst-ip decoded as %+v", conn.Attributes["dst-ip"])
	}
	if got := conn.Attributes["protocol"].ValuesList; !slices.Equal(got, []string{"tcp", "udp", "sctp"}) {
		t.Errorf("values_list = %v", got)
	}
	if byUUID, ok := ts.GetByUUID("0f6c3a4e-1111-4a2b-9c3d-0123456789ab"); !ok || byUUID != conn {
		t.Error("GetByUUID does not find test-conn by its lower-case uuid")
	}
	if _, ok := ts.Get("file"); ok {
		t.Error("Get found a template that is not there")
	}
	rels := ts.Relationships()
	if len(rels) != 2 || rels[0].Name != "connects-to" || rels[0].Opposite != "connected-from" {
		t.Errorf("Relationships() = %+v", rels)
	}
	if r, ok := ts.Relationship("related-to"); !ok || r.Description != "Anything else." {
		t.Errorf("Relationship(related-to) = %+v, %v; want the first entry", r, ok)
	}
	if _, ok := ts.Relationship("drops"); ok {
		t.Error("Relationship found a name outside the vocabulary")
	}
}

func TestValidateObject(t *testing.T) {
	ts := loadTestTemplates(t)
	tests := []struct {
		name      string
		template  string
		attrs     []ObjAttr
		wantKnown bool
		problems  []string // substrings, one per expected problem, in order
	}{
		{"valid", "test-conn", []ObjAttr{
			{"dst-ip", "ip-dst", "1.2.3.4"}, {"dst-port", "port", "443"}, {"protocol", "text", "tcp"},
		}, true, nil},
		{"multiple relation repeated", "test-conn", []ObjAttr{
			{"dst-ip", "ip-dst", "1.2.3.4"}, {"dst-ip", "ip-dst", "1.2.3.5"}, {"dst-port", "port", "443"},
		}, true, nil},
		{"ip-src fills an ip-dst relation", "test-conn", []ObjAttr{
			{"dst-ip", "ip-src", "1.2.3.4"}, {"dst-port", "port", "443"},
		}, true, nil},
		{"hostname satisfies requiredOneOf", "test-conn", []ObjAttr{
			{"hostname", "hostname", "www.example.com"}, {"dst-port", "port", "80"},
		}, true, nil},
		{"unknown template is accepted", "no-such-template", []ObjAttr{{"x", "text", "y"}}, false, nil},
		{"no requirements", "test-note", nil, true, nil},
		{"required missing", "test-conn", []ObjAttr{{"dst-ip", "ip-dst", "1.2.3.4"}}, true,
			[]string{"a required attribute is not set (dst-port)"}},
		{"requiredOneOf missing", "test-conn", []ObjAttr{{"dst-port", "port", "80"}}, true,
			[]string{"at least one of the following attributes to be set: dst-ip, hostname"}},
		{"single relation repeated", "test-conn", []ObjAttr{
			{"dst-ip", "ip-dst", "1.2.3.4"}, {"dst-port", "port", "80"}, {"dst-port", "port", "81"},
		}, true, []string{"more than one attribute (dst-port)"}},
		{"unknown relation", "test-conn", []ObjAttr{
			{"dst-ip", "ip-dst", "1.2.3.4"}, {"dst-port", "port", "80"}, {"colour", "text", "red"},
		}, true, []string{`"colour" is not defined`}},
		{"wrong type", "test-conn", []ObjAttr{
			{"dst-ip", "domain", "example.com"}, {"dst-port", "port", "80"},
		}, true, []string{`"dst-ip" takes type ip-dst, not "domain"`}},
		{"invalid value", "test-conn", []ObjAttr{
			{"dst-ip", "ip-dst", "1.2.3.4"}, {"dst-port", "port", "99999"},
		}, true, []string{`"dst-port": Port numbers have to be integers`}},
		{"no relation", "test-conn", []ObjAttr{
			{"dst-ip", "ip-dst", "1.2.3.4"}, {"dst-port", "port", "80"}, {"", "text", "x"},
		}, true, []string{"no object_relation set"}},
		{"everything wrong at once", "test-conn", []ObjAttr{{"protocol", "text", "tcp"}, {"protocol", "text", "udp"}}, true,
			[]string{"(dst-port)", "at least one of", "more than one attribute (protocol)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			known, err := ts.ValidateObject(tc.template, tc.attrs)
			if known != tc.wantKnown {
				t.Errorf("known = %v, want %v", known, tc.wantKnown)
			}
			if tc.problems == nil {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			var oe *ObjectError
			if !errors.As(err, &oe) || !errors.Is(err, ErrInvalidObject) {
				t.Fatalf("got %v, want an *ObjectError", err)
			}
			if oe.Template != tc.template || len(oe.Problems) != len(tc.problems) {
				t.Fatalf("got %q with problems %q, want %d problems", oe.Template, oe.Problems, len(tc.problems))
			}
			for i, want := range tc.problems {
				if !strings.Contains(oe.Problems[i], want) {
					t.Errorf("problem %d = %q, want it to contain %q", i, oe.Problems[i], want)
				}
			}
		})
	}
}

func TestLoadTemplatesErrors(t *testing.T) {
	valid := func(name, uuid string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(`{"name":"` + name + `","uuid":"` + uuid + `","version":1,"attributes":{"a":{"misp-attribute":"text","ui-priority":0,"description":"x"}}}`)}
	}
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"empty tree", fstest.MapFS{}, "no objects/*/definition.json"},
		{"bad JSON", fstest.MapFS{"objects/x/definition.json": {Data: []byte(`{`)}}, "objects/x/definition.json"},
		{"name differs from directory", fstest.MapFS{"objects/x/definition.json": valid("y", "u1")}, "differs from its directory"},
		{"duplicate uuid", fstest.MapFS{
			"objects/x/definition.json": valid("x", "u1"),
			"objects/y/definition.json": valid("y", "U1"),
		}, "uuid U1 used by template"},
		{"bad relationships", fstest.MapFS{
			"objects/x/definition.json":     valid("x", "u1"),
			"relationships/definition.json": {Data: []byte(`{"values": 3}`)},
		}, "decoding relationships"},
		{"unnamed relationship", fstest.MapFS{
			"objects/x/definition.json":     valid("x", "u1"),
			"relationships/definition.json": {Data: []byte(`{"values": [{"description": "x"}]}`)},
		}, "has no name"},
		{"oversized file", fstest.MapFS{
			"objects/x/definition.json": {Data: make([]byte, MaxTemplateSize+1)},
		}, "more than the limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadTemplates(tc.fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// Without relationships/definition.json the templates still load.
	ts, err := LoadTemplates(fstest.MapFS{"objects/x/definition.json": valid("x", "u1")})
	if err != nil || ts.Len() != 1 || len(ts.Relationships()) != 0 {
		t.Errorf("tree without relationships: %v", err)
	}
}

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		name, doc, want string // want "" means valid
	}{
		{"valid", `{"name":"n","uuid":"u","attributes":{"a":{"misp-attribute":"md5"}},"required":["a"],"requiredOneOf":["a"]}`, ""},
		{"not an object", `[]`, "invalid object template"},
		{"no name", `{"uuid":"u","attributes":{"a":{"misp-attribute":"md5"}}}`, "no name"},
		{"no uuid", `{"name":"n","attributes":{"a":{"misp-attribute":"md5"}}}`, "no uuid"},
		{"no attributes", `{"name":"n","uuid":"u","attributes":{}}`, "no attributes"},
		{"empty relation", `{"name":"n","uuid":"u","attributes":{"":{"misp-attribute":"md5"}}}`, "empty relation"},
		{"unknown type", `{"name":"n","uuid":"u","attributes":{"a":{"misp-attribute":"ipv4"}}}`, `unknown type "ipv4"`},
		{"required undefined", `{"name":"n","uuid":"u","attributes":{"a":{"misp-attribute":"md5"}},"required":["b"]}`, `required relation "b"`},
		{"requiredOneOf undefined", `{"name":"n","uuid":"u","attributes":{"a":{"misp-attribute":"md5"}},"requiredOneOf":["b"]}`, `required relation "b"`},
		{"wrong field type", `{"name":"n","uuid":"u","version":"1","attributes":{"a":{"misp-attribute":"md5"}}}`, "invalid object template"},
	}
	for _, tc := range tests {
		_, err := ParseTemplate([]byte(tc.doc))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !errors.Is(err, ErrInvalidTemplate) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got %v, want ErrInvalidTemplate containing %q", tc.name, err, tc.want)
		}
	}
}

// TestLoadTemplatesCorpus loads the real misp-objects tree and checks every object of
// the vendor-published MISP events against it.
func TestLoadTemplatesCorpus(t *testing.T) {
	dir := filepath.Dir(testcorpus.Path(t, "misp-data/objects/relationships/definition.json"))
	ts, err := LoadTemplates(os.DirFS(filepath.Dir(dir)))
	if err != nil {
		t.Fatal(err)
	}
	if ts.Len() != 424 {
		t.Errorf("%d templates, want 424", ts.Len())
	}
	if len(ts.Relationships()) < 50 {
		t.Errorf("only %d relationships", len(ts.Relationships()))
	}
	for _, r := range []string{"related-to", "drops", "connects-to", "derived-from"} {
		if _, ok := ts.Relationship(r); !ok {
			t.Errorf("relationship %q missing", r)
		}
	}
	di, ok := ts.Get("domain-ip")
	if !ok || di.Attributes["ip"].Type != "ip-dst" || !slices.Equal(di.RequiredOneOf, []string{"ip", "domain", "hostname"}) {
		t.Errorf("domain-ip = %+v", di)
	}
	file, _ := ts.Get("file")
	if file == nil || file.UUID != "688c46fb-5edb-40a3-8273-1af7923e2215" {
		t.Errorf("file template uuid: %+v", file)
	}

	objects, unknown := 0, 0
	for name, events := range readCorpusEvents(t) {
		for _, ev := range events {
			for _, o := range ev.Object {
				objects++
				attrs := make([]ObjAttr, len(o.Attribute))
				for i, a := range o.Attribute {
					attrs[i] = ObjAttr{Relation: a.ObjectRelation, Type: a.Type, Value: a.Value}
				}
				known, err := ts.ValidateObject(o.Name, attrs)
				if err != nil {
					t.Errorf("%s: %v", name, err)
				}
				if !known {
					unknown++
				}
			}
		}
	}
	if objects < 100 {
		t.Errorf("only %d objects in the corpus events", objects)
	}
	// One vendor object (corporate-asset) has no template in misp-objects.
	if unknown != 1 {
		t.Errorf("%d objects of unknown templates, want 1", unknown)
	}
	t.Logf("%d objects checked, %d of unknown templates", objects, unknown)
}
