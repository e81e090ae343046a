package intel_test

import (
	"context"
	"testing"

	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
)

// TestEventTagsCreatedExportable: tags an event brings that do not exist yet are created exportable, as MISP's
// captureTag creates them; a stored non-exportable tag stays so.
func TestEventTagsCreatedExportable(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := context.Background()
	quiet := &misp.Tag{Name: "internal:only", Exportable: false}
	if err := f.Store.CreateTag(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	e := &misp.Event{Info: "tags", Tag: []misp.Tag{{Name: "new:event-tag"}, {Name: "internal:only"}},
		Attribute: []misp.Attribute{{Type: "domain", Value: "t.example.org", Tag: []misp.Tag{{Name: "new:attr-tag"}}}}}
	if _, err := f.Svc.AddEvent(ctx, f.ACL("admin"), e, false); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"new:event-tag": true, "new:attr-tag": true, "internal:only": false} {
		tag, err := f.Store.TagByName(ctx, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if bool(tag.Exportable) != want {
			t.Errorf("%s: exportable %v, want %v", name, tag.Exportable, want)
		}
	}
}
