package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

// schemas are the compiled OASIS STIX 2.1 schemas a bundle is checked with.
type schemas struct {
	bundle, core, grouping, note *jsonschema.Schema
}

// loadSchemas compiles the OASIS STIX 2.1 schemas of the shared corpus (every file of the
// set is added under its $id, so that relative references resolve without the network).
func loadSchemas(t testing.TB) *schemas {
	t.Helper()
	dir := testcorpus.Path(t, "stix2-schemas")
	c := jsonschema.NewCompiler()
	ids := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		m, _ := doc.(map[string]any)
		sid, _ := m["$id"].(string)
		if sid == "" {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		ids[filepath.ToSlash(rel)] = sid
		return c.AddResource(sid, doc)
	})
	if err != nil {
		t.Fatalf("load schemas: %v", err)
	}
	compile := func(rel string) *jsonschema.Schema {
		sid, ok := ids[rel]
		if !ok {
			t.Fatalf("no %s in the schema set", rel)
		}
		s, err := c.Compile(sid)
		if err != nil {
			t.Fatalf("compile %s: %v", rel, err)
		}
		return s
	}
	return &schemas{bundle: compile("common/bundle.json"), core: compile("common/core.json"), grouping: compile("sdos/grouping.json"),
		note: compile("sdos/note.json")}
}

// check validates one bundle and returns the number of objects in it. The bundle schema
// cannot accept two kinds of object a MISP export holds: grouping and note, which its list
// of object schemas leaves out, and custom objects with created/modified (x-misp-*), which
// its custom branch, oneOf(core, cyber-observable-core), rejects because every object core
// accepts cyber-observable-core accepts too. Those are checked against their own schema
// (grouping.json, note.json, core.json) and taken out of the bundle, and the rest of the
// bundle against bundle.json.
func (s *schemas) check(bundle []byte) (int, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(bundle))
	if err != nil {
		return 0, fmt.Errorf("not JSON: %w", err)
	}
	b, ok := doc.(map[string]any)
	if !ok {
		return 0, errors.New("bundle is not an object")
	}
	objects, _ := b["objects"].([]any)
	var rest []any
	var errs []error
	for i, o := range objects {
		m, _ := o.(map[string]any)
		typ, _ := m["type"].(string)
		var own *jsonschema.Schema
		switch {
		case typ == "grouping":
			own = s.grouping
		case typ == "note":
			own = s.note
		case strings.HasPrefix(typ, "x-"):
			own = s.core
		default:
			rest = append(rest, o)
			continue
		}
		if err := own.Validate(o); err != nil {
			errs = append(errs, fmt.Errorf("object %d (%s): %w", i, typ, err))
		}
	}
	if len(rest) == 0 {
		delete(b, "objects")
	} else {
		b["objects"] = rest
	}
	if err := s.bundle.Validate(b); err != nil {
		errs = append(errs, err)
	}
	return len(objects), errors.Join(errs...)
}

// validate is check as a test step: an invalid bundle fails the test, with the bundle.
func (s *schemas) validate(t *testing.T, name string, bundle []byte) int {
	t.Helper()
	n, err := s.check(bundle)
	if err == nil {
		return n
	}
	// name the objects at fault: each is checked in a bundle of its own
	var b struct {
		Objects []json.RawMessage `json:"objects"`
	}
	if json.Unmarshal(bundle, &b) == nil {
		found := false
		for i, o := range b.Objects {
			one := []byte(`{"type":"bundle","id":"bundle--1b4e28ba-2fa1-41d2-883f-0016d3cca427","objects":[` + string(o) + `]}`)
			if _, oerr := s.check(one); oerr != nil {
				found = true
				t.Errorf("%s: object %d is invalid: %s\n%.1500v", name, i, o, oerr)
			}
		}
		if found {
			return n
		}
	}
	t.Errorf("%s: %.3000v\n%.3000s", name, err, bundle)
	return n
}
