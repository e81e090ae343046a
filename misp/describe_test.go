package misp

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

func TestMatrixCounts(t *testing.T) {
	m := DescribeTypes()
	if got := len(m.Types()); got != 194 {
		t.Errorf("types: %d, want 194", got)
	}
	if got := len(m.Categories()); got != 16 {
		t.Errorf("categories: %d, want 16", got)
	}
	pairs := 0
	for _, c := range m.Categories() {
		pairs += len(m.CategoryTypes(c))
	}
	if pairs != 486 {
		t.Errorf("category/type pairs: %d, want 486", pairs)
	}
	if got := len(m.CompositeTypes()); got != 25 {
		t.Errorf("composite types: %d, want 25 (24 with '|' and malware-sample)", got)
	}
}

func TestMatrixLookups(t *testing.T) {
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"ValidType ip-dst", ValidType("ip-dst"), true},
		{"ValidType AS", ValidType("AS"), true},
		{"ValidType as (case-sensitive)", ValidType("as"), false},
		{"ValidType named pipe", ValidType("named pipe"), true},
		{"ValidType ipv4", ValidType("ipv4"), false},
		{"ValidType empty", ValidType(""), false},
		{"ValidCategory Network activity", ValidCategory("Network activity"), true},
		{"ValidCategory Network Activity", ValidCategory("Network Activity"), false},
		{"ValidCategory Other", ValidCategory("Other"), true},
		{"CategoryAllows Network activity/ip-dst", CategoryAllows("Network activity", "ip-dst"), true},
		{"CategoryAllows Financial fraud/ip-dst", CategoryAllows("Financial fraud", "ip-dst"), false},
		{"CategoryAllows Payload delivery/filename|md5", CategoryAllows("Payload delivery", "filename|md5"), true},
		{"CategoryAllows unknown category", CategoryAllows("Nope", "ip-dst"), false},
		{"DefaultCategory ip-dst", DefaultCategory("ip-dst"), "Network activity"},
		{"DefaultCategory md5", DefaultCategory("md5"), "Payload delivery"},
		{"DefaultCategory vulnerability", DefaultCategory("vulnerability"), "External analysis"},
		{"DefaultCategory regkey", DefaultCategory("regkey"), "Persistence mechanism"},
		{"DefaultCategory unknown", DefaultCategory("ipv4"), ""},
		{"DefaultToIDS ip-dst", DefaultToIDS("ip-dst"), true},
		{"DefaultToIDS comment", DefaultToIDS("comment"), false},
		{"DefaultToIDS vulnerability", DefaultToIDS("vulnerability"), false},
		{"DefaultToIDS unknown", DefaultToIDS("ipv4"), false},
		{"IsComposite filename|md5", IsComposite("filename|md5"), true},
		{"IsComposite malware-sample", IsComposite("malware-sample"), true},
		{"IsComposite md5", IsComposite("md5"), false},
		{"IsComposite made-up a|b", IsComposite("a|b"), false},
		{"IsNonCorrelating comment", IsNonCorrelating("comment"), true},
		{"IsNonCorrelating ip-dst", IsNonCorrelating("ip-dst"), false},
		{"IsPrimaryOnlyCorrelating ip-dst|port", IsPrimaryOnlyCorrelating("ip-dst|port"), true},
		{"IsPrimaryOnlyCorrelating domain|ip", IsPrimaryOnlyCorrelating("domain|ip"), false},
		{"CategoryTypes unknown", CategoryTypes("Nope") == nil, true},
	}
	for _, tc := range tests {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestMatrixIsImmutable(t *testing.T) {
	ts := Types()
	ts[0] = "changed"
	if Types()[0] == "changed" {
		t.Error("Types returned the matrix's own slice")
	}
	cs := CategoryTypes("Network activity")
	cs[0] = "changed"
	if CategoryTypes("Network activity")[0] == "changed" {
		t.Error("CategoryTypes returned the matrix's own slice")
	}
	j := DescribeTypesJSON()
	j[0] = 'X'
	if DescribeTypesJSON()[0] != '{' {
		t.Error("DescribeTypesJSON returned the matrix's own slice")
	}
}

func TestNonCorrelatingTypesAreTypes(t *testing.T) {
	for _, typ := range NonCorrelatingTypes() {
		if !ValidType(typ) || !IsNonCorrelating(typ) {
			t.Errorf("non-correlating type %q: ValidType %v, IsNonCorrelating %v", typ, ValidType(typ), IsNonCorrelating(typ))
		}
	}
	n := 0
	for _, typ := range Types() {
		if IsNonCorrelating(typ) {
			n++
		}
	}
	if n != len(NonCorrelatingTypes()) {
		t.Errorf("IsNonCorrelating holds for %d types, NonCorrelatingTypes lists %d", n, len(NonCorrelatingTypes()))
	}
}

// TestDescribeTypesJSON checks that the served body decodes to the same document as the
// embedded file and keeps MISP's key order.
func TestDescribeTypesJSON(t *testing.T) {
	body := DescribeTypesJSON()
	if !strings.HasPrefix(string(body), `{"result":{"sane_defaults":{"md5":{"default_category":"Payload delivery","to_ids":1}`) {
		t.Errorf("body starts %.80s", body)
	}
	var got, want any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(describeTypesJSON, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("served describeTypes differs from the embedded file")
	}
}

// TestEmbeddedMatchesCorpus checks that the embedded copy is the corpus file unmodified.
func TestEmbeddedMatchesCorpus(t *testing.T) {
	p := testcorpus.Path(t, "misp-data/describeTypes.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(describeTypesJSON) {
		t.Error("misp/data/describeTypes.json differs from the corpus copy")
	}
}

func TestParseMatrixRejectsInconsistentData(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"not JSON", `{`},
		{"no result", `{}`},
		{"type without defaults", `{"result":{"sane_defaults":{},"types":["md5"],"categories":["A"],"category_type_mappings":{"A":["md5"]}}}`},
		{"unknown default category", `{"result":{"sane_defaults":{"md5":{"default_category":"B","to_ids":1}},"types":["md5"],"categories":["A"],"category_type_mappings":{"A":["md5"]}}}`},
		{"default category does not allow type", `{"result":{"sane_defaults":{"md5":{"default_category":"A","to_ids":1}},"types":["md5"],"categories":["A"],"category_type_mappings":{"A":[]}}}`},
		{"mapping names unknown type", `{"result":{"sane_defaults":{"md5":{"default_category":"A","to_ids":1}},"types":["md5"],"categories":["A"],"category_type_mappings":{"A":["md5","sha1"]}}}`},
		{"mapping names unknown category", `{"result":{"sane_defaults":{"md5":{"default_category":"A","to_ids":1}},"types":["md5"],"categories":["A"],"category_type_mappings":{"A":["md5"],"B":["md5"]}}}`},
		{"duplicate type", `{"result":{"sane_defaults":{"md5":{"default_category":"A","to_ids":1}},"types":["md5","md5"],"categories":["A"],"category_type_mappings":{"A":["md5"]}}}`},
	}
	for _, tc := range tests {
		if _, err := parseMatrix([]byte(tc.doc)); err == nil {
			t.Errorf("%s: parsed without error", tc.name)
		}
	}
	ok := `{"result":{"sane_defaults":{"md5":{"default_category":"A","to_ids":1}},"types":["md5"],"categories":["A"],"category_type_mappings":{"A":["md5"]}}}`
	m, err := parseMatrix([]byte(ok))
	if err != nil || !slices.Equal(m.Types(), []string{"md5"}) || !m.DefaultToIDS("md5") {
		t.Errorf("minimal matrix: %v", err)
	}
}
