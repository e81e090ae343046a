package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/internal/testpg"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store/sqlite"
)

// corpusEvents returns the corpus's MISP event files and their manifest entries.
func corpusEvents(t *testing.T) ([]string, map[string]manifestEntry) {
	t.Helper()
	dir := testcorpus.Path(t, "misp_events")
	data, err := os.ReadFile(filepath.Join(dir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []manifestEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatal(err)
	}
	m := map[string]manifestEntry{}
	var files []string
	for _, e := range entries {
		m[e.File] = e
		files = append(files, filepath.Join(dir, e.File))
	}
	if len(files) != 18 {
		t.Fatalf("manifest lists %d files, want 18", len(files))
	}
	return files, m
}

type manifestEntry struct {
	File             string `json:"file"`
	UUID             string `json:"uuid"`
	Attributes       int    `json:"attributes"`
	Objects          int    `json:"objects"`
	ObjectAttributes int    `json:"object_attributes"`
	Galaxies         int    `json:"galaxies"`
}

type importRow struct {
	File                                                  string
	Events, Attributes, Objects, Updated, Skipped, Failed int
}

func importRows(t *testing.T, out string) []importRow {
	t.Helper()
	var rows []importRow
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r importRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("import output %q: %v", line, err)
		}
		rows = append(rows, r)
	}
	return rows
}

// TestImportCorpusRoundTrip imports every corpus event, checks nothing was lost on the way in,
// exports the store as MISP JSON, imports that into a fresh store and compares the two field by
// field: attributes, objects, references, tags and galaxies.
func TestImportCorpusRoundTrip(t *testing.T) {
	files, manifest := corpusEvents(t)
	dirA, dirB := t.TempDir(), t.TempDir()

	code, out, errs := runHunch(t, "", append([]string{"--data", dirA, "-o", "ndjson", "intel", "import"}, files...)...)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s", code, errs)
	}
	rows := importRows(t, out)
	if len(rows) != len(files) {
		t.Fatalf("%d report lines for %d files", len(rows), len(files))
	}
	for _, r := range rows {
		m := manifest[filepath.Base(r.File)]
		if r.Events != 1 || r.Failed != 0 || r.Attributes != m.Attributes+m.ObjectAttributes || r.Objects != m.Objects {
			t.Errorf("%s: imported %+v, manifest %+v", m.File, r, m)
		}
	}

	// Importing again skips every event; --update applies none (not newer).
	code, out, errs = runHunch(t, "", append([]string{"--data", dirA, "-o", "ndjson", "intel", "import"}, files[:2]...)...)
	if code != 0 || !strings.Contains(errs, "already stored") {
		t.Fatalf("re-import: exit %d\n%s", code, errs)
	}
	for _, r := range importRows(t, out) {
		if r.Events != 0 || r.Skipped != 1 {
			t.Errorf("re-import %s: %+v", r.File, r)
		}
	}

	export := filepath.Join(t.TempDir(), "export.json")
	if code, _, errs := runHunch(t, "", "--data", dirA, "intel", "export", "-F", "json", "--out", export); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, errs)
	}
	code, out, errs = runHunch(t, "", "--data", dirB, "-o", "ndjson", "intel", "import", export)
	if code != 0 {
		t.Fatalf("re-import of the export: exit %d\n%s", code, errs)
	}
	if r := importRows(t, out); len(r) != 1 || r[0].Events != len(files) {
		t.Fatalf("re-import of the export: %+v", r)
	}

	ctx := context.Background()
	a, err := sqlite.Open(ctx, filepath.Join(dirA, "hunch.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlite.Open(ctx, filepath.Join(dirB, "hunch.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		orig, err := misp.DecodeEvents(data)
		if err != nil || len(orig) != 1 {
			t.Fatalf("%s: %d events, %v", f, len(orig), err)
		}
		uuid := manifest[filepath.Base(f)].UUID
		ea, err := a.EventByUUID(ctx, uuid)
		if err != nil {
			t.Fatalf("%s: first store: %v", f, err)
		}
		eb, err := b.EventByUUID(ctx, uuid)
		if err != nil {
			t.Fatalf("%s: second store: %v", f, err)
		}
		name := filepath.Base(f)
		m := manifest[name]
		if n := countKeys(fingerprint(eb, false), ".value"); n != m.Attributes+m.ObjectAttributes {
			t.Errorf("%s: %d attributes after the round trip, manifest says %d", name, n, m.Attributes+m.ObjectAttributes)
		}
		if m.Galaxies > 0 && fingerprint(eb, false)["event.galaxies"] == "" {
			t.Errorf("%s: galaxies lost", name)
		}
		if d := diffPrints(fingerprint(orig[0], true), fingerprint(ea, false)); len(d) > 0 {
			t.Errorf("%s: import changed %d field(s):\n%s", name, len(d), strings.Join(d, "\n"))
		}
		if d := diffPrints(fingerprint(ea, false), fingerprint(eb, false)); len(d) > 0 {
			t.Errorf("%s: export and re-import changed %d field(s):\n%s", name, len(d), strings.Join(d, "\n"))
		}
	}
}

// fingerprint flattens what a round trip must keep of e into field → value: the event's own
// fields (not its ids, owner or timestamps, which belong to the instance), each attribute, object
// and reference by uuid, tags and galaxy clusters (by tag name). With wire, e is as decoded from a
// file, and MISP's defaults for what it leaves out are applied first, as a server does.
func fingerprint(e *misp.Event, wire bool) map[string]string {
	fp := map[string]string{}
	fp["event.info"] = e.Info
	fp["event.date"] = e.Date.String()
	fp["event.threat_level"] = fmt.Sprint(e.ThreatLevel)
	fp["event.analysis"] = fmt.Sprint(e.Analysis)
	fp["event.distribution"] = fmt.Sprint(e.Distribution.Level())
	fp["event.extends_uuid"] = e.ExtendsUUID
	if e.Orgc != nil {
		fp["event.orgc"] = e.Orgc.Name + " " + e.Orgc.UUID
	}
	var galaxies []string
	tags := func(list []misp.Tag) string {
		var names []string
		for _, t := range list {
			names = append(names, t.Name)
			if strings.HasPrefix(t.Name, "misp-galaxy:") {
				galaxies = append(galaxies, t.Name)
			}
		}
		slices.Sort(names)
		return strings.Join(names, ",")
	}
	clusters := func(list []misp.Galaxy) {
		for _, g := range list {
			for _, c := range g.GalaxyCluster {
				galaxies = append(galaxies, c.TagName)
			}
		}
	}
	fp["event.tags"] = tags(e.Tag)
	clusters(e.Galaxy)
	attr := func(a *misp.Attribute, object string) {
		k := "attribute " + strings.ToLower(a.UUID) + "."
		dist := a.Distribution
		toIDS := a.ToIDS
		if wire {
			if dist == misp.DistributionUnset {
				dist, _ = misp.DistributionOf(5)
			}
			if !toIDS.IsSet() {
				toIDS = misp.OptBoolOf(misp.DefaultToIDS(a.Type))
			}
		}
		fp[k+"object"] = object
		fp[k+"type"] = a.Type
		fp[k+"category"] = a.Category
		fp[k+"value"] = a.Value
		fp[k+"to_ids"] = fmt.Sprint(toIDS.Bool())
		fp[k+"comment"] = a.Comment
		fp[k+"distribution"] = fmt.Sprint(dist.Level())
		fp[k+"object_relation"] = string(a.ObjectRelation)
		fp[k+"first_seen"] = a.FirstSeen.String()
		fp[k+"last_seen"] = a.LastSeen.String()
		fp[k+"deleted"] = fmt.Sprint(bool(a.Deleted))
		fp[k+"disable_correlation"] = fmt.Sprint(bool(a.DisableCorrelation))
		fp[k+"timestamp"] = a.Timestamp.String()
		fp[k+"tags"] = tags(a.Tag)
		clusters(a.Galaxy)
	}
	for i := range e.Attribute {
		attr(&e.Attribute[i], "")
	}
	for _, o := range e.Object {
		k := "object " + strings.ToLower(o.UUID) + "."
		dist := o.Distribution
		if wire && dist == misp.DistributionUnset {
			dist, _ = misp.DistributionOf(5)
		}
		fp[k+"name"] = o.Name
		fp[k+"meta-category"] = o.MetaCategory
		fp[k+"template"] = o.TemplateUUID + " v" + o.TemplateVersion.String()
		fp[k+"comment"] = o.Comment
		fp[k+"distribution"] = fmt.Sprint(dist.Level())
		fp[k+"first_seen"] = o.FirstSeen.String()
		fp[k+"last_seen"] = o.LastSeen.String()
		fp[k+"deleted"] = fmt.Sprint(bool(o.Deleted))
		fp[k+"timestamp"] = o.Timestamp.String()
		for i := range o.Attribute {
			attr(&o.Attribute[i], strings.ToLower(o.UUID))
		}
		for _, r := range o.ObjectReference {
			rk := "reference " + strings.ToLower(r.UUID) + "."
			fp[rk+"from"] = strings.ToLower(o.UUID)
			fp[rk+"to"] = strings.ToLower(r.ReferencedUUID)
			fp[rk+"relationship"] = r.RelationshipType
			fp[rk+"comment"] = r.Comment
		}
	}
	slices.Sort(galaxies)
	fp["event.galaxies"] = strings.Join(slices.Compact(galaxies), ",")
	return fp
}

// countKeys counts the fields of fp whose names end in suffix.
func countKeys(fp map[string]string, suffix string) int {
	n := 0
	for k := range fp {
		if strings.HasSuffix(k, suffix) {
			n++
		}
	}
	return n
}

// diffPrints lists the fields whose values differ between want and got.
func diffPrints(want, got map[string]string) []string {
	var d []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			d = append(d, fmt.Sprintf("  %s: %q lost", k, w))
		} else if g != w {
			d = append(d, fmt.Sprintf("  %s: %q became %q", k, w, g))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			d = append(d, fmt.Sprintf("  %s: %q appeared", k, g))
		}
	}
	slices.Sort(d)
	if len(d) > 40 {
		d = append(d[:40], fmt.Sprintf("  … and %d more", len(d)-40))
	}
	return d
}

// TestIntelCommandsOnPostgres runs org/user add, import, search and export on a PostgreSQL store
// named by --db and by $HUNCH_DATABASE.
func TestIntelCommandsOnPostgres(t *testing.T) {
	dsn := testpg.DSN(t)
	data := t.TempDir()
	steps := []struct {
		env  map[string]string
		args []string
		want string // a fragment of stdout
	}{
		{nil, []string{"org", "add", "PG Org", "--local", "--db", dsn}, "\tPG Org\n"},
		{map[string]string{"HUNCH_DATABASE": dsn}, []string{"user", "add", "pg@org.test", "--org", "PG Org"}, ""},
		{nil, []string{"-o", "csv", "intel", "import", "--db", dsn, "../../examples/intel/phishing-wave.json"}, ",1,6,1,0,0,0,0\n"},
		{map[string]string{"HUNCH_DATABASE": dsn}, []string{"-o", "csv", "--columns", "value", "intel", "search", "--type", "domain"}, "value\nc2.example.com\n"},
		{nil, []string{"intel", "export", "-F", "text", "--db", dsn}, "198.51.100.23\n"},
		{nil, []string{"-o", "csv", "--columns", "email,org", "user", "list", "--db", dsn}, "pg@org.test,PG Org\n"},
	}
	for _, s := range steps {
		code, out, errs := runHunchEnv(t, s.env, "", append([]string{"--data", data}, s.args...)...)
		if code != 0 || !strings.Contains(out, s.want) {
			t.Errorf("%v: exit %d, stdout %q lacks %q\n%s", s.args, code, out, s.want, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "hunch.db")); err == nil {
		t.Error("the SQLite store was made although --db named PostgreSQL")
	}
}

// FuzzDecodeEvents feeds import's decoder (MISP JSON in every wrapper, or NDJSON): it must not
// panic, and what it decodes must encode again.
func FuzzDecodeEvents(f *testing.F) {
	for _, s := range []string{
		`{"Event":{"info":"x","Attribute":[{"type":"ip-dst","value":"198.51.100.1"}]}}`,
		`{"response":[{"Event":{"info":"a"}},{"Event":{"info":"b"}}]}`,
		`[{"info":"bare"}]`,
		"{\"Event\":{\"info\":\"1\"}}\n{\"Event\":{\"info\":\"2\"}}\n",
		"{\"Event\":{\"info\":\"1\"}}\n{\"Event\":",
		`{"hello":"world"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := decodeEvents(data)
		if err != nil {
			return
		}
		for _, e := range events {
			if e == nil {
				t.Fatal("nil event without an error")
			}
			if _, err := json.Marshal(e); err != nil {
				t.Fatalf("decoded event does not encode: %v", err)
			}
		}
	})
}

// TestImportLimitsAndOrder: a file over --max-file-size stops the import before anything of it is saved, the
// files before it stay imported, and a bad flag value is a usage error; files are imported in the order given
// while the next one is decoded ahead.
func TestImportLimitsAndOrder(t *testing.T) {
	data := t.TempDir()
	dir := t.TempDir()
	small := filepath.Join(dir, "small.json")
	big := filepath.Join(dir, "big.json")
	third := filepath.Join(dir, "third.json")
	write := func(name, info string, attrs int) {
		var b strings.Builder
		fmt.Fprintf(&b, `{"Event":{"info":%q,"Orgc":{"name":"Limit CERT"},"Attribute":[`, info)
		for i := range attrs {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"type":"domain","value":"%s-%d.example.org"}`, info, i)
		}
		b.WriteString(`]}}`)
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(small, "small", 3)
	write(big, "big", 200)
	write(third, "third", 2)

	code, out, errs := runHunch(t, "", "--data", data, "-o", "csv", "intel", "import", "--max-file-size", "4KiB", small, big, third)
	if code == 0 || !strings.Contains(errs, "larger than 4096 bytes (--max-file-size)") {
		t.Fatalf("a file over --max-file-size: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runHunch(t, "", "--data", data, "-o", "csv", "--columns", "value", "intel", "search", "--type", "domain")
	if code != 0 {
		t.Fatalf("search: %d %s", code, errs)
	}
	if !strings.Contains(out, "small-2.example.org") || strings.Contains(out, "big-") || strings.Contains(out, "third-") {
		t.Errorf("after the refused file: the first file must be stored and nothing of the others:\n%s", out)
	}
	if code, _, errs := runHunch(t, "", "--data", data, "intel", "import", "--max-file-size", "0", small); code != 2 {
		t.Errorf("--max-file-size 0: exit %d, want 2\n%s", code, errs)
	}

	// Without the limit the three import in order, one line each.
	data = t.TempDir()
	code, out, errs = runHunch(t, "", "--data", data, "-o", "ndjson", "intel", "import", small, big, third)
	if code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}
	rows := importRows(t, out)
	if len(rows) != 3 || rows[0].File != small || rows[1].File != big || rows[2].File != third ||
		rows[0].Attributes != 3 || rows[1].Attributes != 200 || rows[2].Attributes != 2 {
		t.Errorf("import rows: %+v", rows)
	}
}
