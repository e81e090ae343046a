package record

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"
	"unsafe"
)

func TestValueText(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	tests := []struct {
		v     Value
		text  string
		texts []string
	}{
		{Null(), "", nil},
		{String("a<b>&c"), "a<b>&c", []string{"a<b>&c"}},
		{Int(-7), "-7", []string{"-7"}},
		{Float(0.1), "0.1", []string{"0.1"}},
		{Float(1e21), "1000000000000000000000", []string{"1000000000000000000000"}},
		{Float(math.Inf(-1)), "-Inf", []string{"-Inf"}},
		{Bool(true), "true", []string{"true"}},
		{Time(ts), "2024-01-02T03:04:05.000000006Z", []string{"2024-01-02T03:04:05.000000006Z"}},
		{Strings("a", "b"), "a\nb", []string{"a", "b"}},
		{List(Int(1), List(String("x"), Null())), "1\nx\n", []string{"1", "x"}},
		{Object(obj("u", String("http://e.com/?a=1&b=<2>"))), `{"u":"http://e.com/?a=1&b=<2>"}`, []string{`{"u":"http://e.com/?a=1&b=<2>"}`}},
	}
	for _, tc := range tests {
		if got := tc.v.Text(); got != tc.text {
			t.Errorf("%s Text() = %q, want %q", tc.v.Kind(), got, tc.text)
		}
		if got := tc.v.Texts(); !slices.Equal(got, tc.texts) {
			t.Errorf("%s Texts() = %q, want %q", tc.v.Kind(), got, tc.texts)
		}
	}
}

func TestValueAccessors(t *testing.T) {
	if s, ok := String("x").Str(); !ok || s != "x" {
		t.Error("Str")
	}
	if _, ok := Int(1).Str(); ok {
		t.Error("Str on int")
	}
	if n, ok := Int(5).Int(); !ok || n != 5 {
		t.Error("Int")
	}
	if f, ok := Int(5).Float(); !ok || f != 5 {
		t.Error("Float on int")
	}
	if b, ok := Bool(false).Bool(); !ok || b {
		t.Error("Bool")
	}
	if _, ok := Time(time.Unix(0, 0)).Time(); !ok {
		t.Error("Time")
	}
	if _, ok := String("x").Object(); ok {
		t.Error("Object on string")
	}
	if !Null().IsNull() || (Value{}).Kind() != KindNull || Kind(42).String() != "kind(42)" {
		t.Error("null kind")
	}
}

func TestRecordEditing(t *testing.T) {
	r := New(Field{"a", Int(1)}, Field{"b", Strings("x")}, Field{"c", Object(obj("d", Int(2)))})
	c := r.Clone()
	c.Set("a", Int(9))
	c.Set("z", Null())
	c.Delete("b")
	inner, _ := c.fields[1].Value.Object()
	inner.fields[0].Value = Int(99)
	if v, _ := r.Get("a"); !v.Equal(Int(1)) || r.Len() != 3 || r.Index("b") != 1 {
		t.Fatalf("editing a clone changed the original: %s", r.AppendJSON(nil))
	}
	if o, _ := r.fields[2].Value.Object(); !o.Equal(obj("d", Int(2))) {
		t.Fatalf("nested object of the original changed: %s", r.AppendJSON(nil))
	}
	if got := string(c.AppendJSON(nil)); got != `{"a":9,"c":{"d":99},"z":null}` {
		t.Fatalf("clone = %s", got)
	}
	if !slices.Equal(c.Names(), []string{"a", "c", "z"}) || c.Field(2).Name != "z" || c.Index("b") != -1 {
		t.Fatalf("names %v", c.Names())
	}
	if _, ok := c.Get("b"); ok {
		t.Fatal("deleted field still there")
	}
	// MarshalJSON keeps field order; encoding/json then re-escapes HTML in it, which
	// AppendJSON (what the writers use) does not.
	r2 := obj("u", String("<a&b>"), "n", Float(1.5))
	b, err := json.Marshal(r2)
	if err != nil || string(b) != `{"u":"\u003ca\u0026b\u003e","n":1.5}` {
		t.Fatalf("json.Marshal = %s, %v", b, err)
	}
	if got := string(r2.AppendJSON(nil)); got != `{"u":"<a&b>","n":1.5}` {
		t.Fatalf("AppendJSON = %s", got)
	}
	if v, err := Int(3).MarshalJSON(); err != nil || string(v) != "3" {
		t.Fatalf("Value.MarshalJSON = %s, %v", v, err)
	}
}

func TestValueEqual(t *testing.T) {
	vals := []Value{Null(), String("1"), Int(1), Float(1), Bool(true), Time(time.Unix(1, 0)), Strings("1"), Object(obj("a", Int(1)))}
	for i, a := range vals {
		for j, b := range vals {
			if a.Equal(b) != (i == j) {
				t.Errorf("%s.Equal(%s) = %v", a.Kind(), b.Kind(), a.Equal(b))
			}
		}
	}
	if !Float(math.NaN()).Equal(Float(math.NaN())) || List(Int(1)).Equal(List(Int(1), Int(2))) {
		t.Error("NaN or list length")
	}
	if !Time(time.Unix(1, 0).UTC()).Equal(Time(time.Unix(1, 0).In(time.FixedZone("x", 3600)))) {
		t.Error("same instant in two zones")
	}
}

// TestValueSize: every field of every record holds a Value, so its size is the size of records.
func TestValueSize(t *testing.T) {
	if got := unsafe.Sizeof(Value{}); got > 24 {
		t.Errorf("Value is %d bytes, want at most 24", got)
	}
}
