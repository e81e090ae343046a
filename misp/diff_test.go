package misp

import (
	"fmt"
	"reflect"
	"time"
)

// diff compares two values field by field and returns one line per difference, naming its
// path (Event.Attribute[3].Value). A nil slice or map equals an empty one: the wire form
// cannot tell them apart. time.Time values compare with Equal.
func diff(a, b any) []string {
	var out []string
	diffValue(&out, "", reflect.ValueOf(a), reflect.ValueOf(b))
	return out
}

func diffValue(out *[]string, path string, a, b reflect.Value) {
	if len(*out) > 20 {
		return
	}
	if !a.IsValid() || !b.IsValid() {
		if a.IsValid() != b.IsValid() {
			*out = append(*out, fmt.Sprintf("%s: one side missing", path))
		}
		return
	}
	if a.Type() != b.Type() {
		*out = append(*out, fmt.Sprintf("%s: types %s and %s", path, a.Type(), b.Type()))
		return
	}
	if ta, ok := a.Interface().(time.Time); ok {
		if tb := b.Interface().(time.Time); !ta.Equal(tb) {
			*out = append(*out, fmt.Sprintf("%s: %v != %v", path, ta, tb))
		}
		return
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				*out = append(*out, fmt.Sprintf("%s: nil and non-nil", path))
			}
			return
		}
		diffValue(out, path, a.Elem(), b.Elem())
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			f := a.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			diffValue(out, path+"."+f.Name, a.Field(i), b.Field(i))
		}
	case reflect.Slice:
		if a.Len() != b.Len() {
			*out = append(*out, fmt.Sprintf("%s: length %d != %d", path, a.Len(), b.Len()))
			return
		}
		for i := 0; i < a.Len(); i++ {
			diffValue(out, fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i))
		}
	case reflect.Map:
		if a.Len() != b.Len() {
			*out = append(*out, fmt.Sprintf("%s: %d keys != %d keys", path, a.Len(), b.Len()))
			return
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				*out = append(*out, fmt.Sprintf("%s[%v]: missing on one side", path, k))
				continue
			}
			diffValue(out, fmt.Sprintf("%s[%v]", path, k), a.MapIndex(k), bv)
		}
	default:
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			*out = append(*out, fmt.Sprintf("%s: %#v != %#v", path, a.Interface(), b.Interface()))
		}
	}
}
