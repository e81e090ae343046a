package storetest

import (
	"maps"
	"testing"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// testSettings checks the named values: missing names, replacing, listing by prefix (with a non-ASCII one), deleting.
func testSettings(t *testing.T, b Backend) {
	c := ctx(t)
	_, err := b.Setting(c, "instance.uuid")
	wantErr(t, "missing setting", err, store.ErrNotFound)
	wantErr(t, "delete missing setting", b.DeleteSetting(c, "instance.uuid"), store.ErrNotFound)

	must(t, b.PutSetting(c, "instance.uuid", "first"))
	must(t, b.PutSetting(c, "instance.uuid", "second"))
	v, err := b.Setting(c, "instance.uuid")
	must(t, err)
	if v != "second" {
		t.Fatalf("Setting after replace = %q, want second", v)
	}
	must(t, b.PutSetting(c, "taxonomy.tlp", "1"))
	must(t, b.PutSetting(c, "taxonomy.admiralty-scale", "0"))
	must(t, b.PutSetting(c, "taxonomyx", "no"))
	must(t, b.PutSetting(c, "é.a", "1"))
	must(t, b.PutSetting(c, "é.b", "2"))

	got, err := b.ListSettings(c, "taxonomy.")
	must(t, err)
	if want := map[string]string{"taxonomy.tlp": "1", "taxonomy.admiralty-scale": "0"}; !maps.Equal(got, want) {
		t.Fatalf("ListSettings(taxonomy.) = %v, want %v", got, want)
	}
	got, err = b.ListSettings(c, "é.")
	must(t, err)
	if want := map[string]string{"é.a": "1", "é.b": "2"}; !maps.Equal(got, want) {
		t.Fatalf("ListSettings(é.) = %v, want %v", got, want)
	}
	all, err := b.ListSettings(c, "")
	must(t, err)
	if len(all) != 6 {
		t.Fatalf("ListSettings(\"\") has %d names, want 6: %v", len(all), all)
	}
	must(t, b.DeleteSetting(c, "taxonomy.tlp"))
	_, err = b.Setting(c, "taxonomy.tlp")
	wantErr(t, "deleted setting", err, store.ErrNotFound)
}

func testCorrelationExclusions(t *testing.T, b Backend) {
	c := ctx(t)
	list, err := b.ListCorrelationExclusions(c)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("a new store lists %d exclusions", len(list))
	}
	x := &misp.CorrelationExclusion{Value: "%.example.com", Comment: "our own domains"}
	must(t, b.AddCorrelationExclusion(c, x))
	if x.ID == 0 {
		t.Fatal("AddCorrelationExclusion left the id unset")
	}
	y := &misp.CorrelationExclusion{Value: "8.8.8.8", FromJSON: true}
	must(t, b.AddCorrelationExclusion(c, y))
	wantErr(t, "a value stored twice", b.AddCorrelationExclusion(c, &misp.CorrelationExclusion{Value: "8.8.8.8"}), store.ErrConflict)
	if err := b.AddCorrelationExclusion(c, &misp.CorrelationExclusion{}); err == nil {
		t.Error("an empty value was stored")
	}
	got, err := b.CorrelationExclusion(c, int64(x.ID))
	must(t, err)
	if *got != *x {
		t.Errorf("CorrelationExclusion = %+v, want %+v", got, x)
	}
	list, err = b.ListCorrelationExclusions(c)
	must(t, err)
	if len(list) != 2 || list[0] != *x || list[1] != *y {
		t.Errorf("ListCorrelationExclusions = %+v", list)
	}
	must(t, b.DeleteCorrelationExclusion(c, int64(x.ID)))
	_, err = b.CorrelationExclusion(c, int64(x.ID))
	wantErr(t, "deleted exclusion", err, store.ErrNotFound)
	wantErr(t, "deleting it again", b.DeleteCorrelationExclusion(c, int64(x.ID)), store.ErrNotFound)
}
