package evtx

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/Velocidex/ordereddict"

	"github.com/hunchsec/hunch/record"
)

// filetime converts a FILETIME (100 ns intervals since 1601-01-01 UTC) to a UTC time.
func filetime(ft uint64) time.Time {
	const perSec, epochDelta = 10_000_000, 11_644_473_600 // seconds from 1601 to 1970
	return time.Unix(int64(ft/perSec)-epochDelta, int64(ft%perSec)*100).UTC()
}

// unixFloat converts the parser's rendering of a FILETIME, float seconds since 1970, to a UTC
// time rounded to 100 ns; false for values no FILETIME gives.
func unixFloat(v float64) (time.Time, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < -12e9 || v > 2e12 {
		return time.Time{}, false
	}
	sec := math.Floor(v)
	return time.Unix(int64(sec), int64(math.Round((v-sec)*1e7))*100).UTC(), true
}

// timeCreated returns System/TimeCreated/@SystemTime: exact when it arrives as a time (see
// value); given as float seconds since 1970 by the parser (about 1.6 µs of precision left), the
// record header's written time (exact) when within 2 µs of it; the header time when there is no
// SystemTime.
func timeCreated(sys any, written uint64) (time.Time, bool) {
	var st time.Time
	switch v := sys.(type) {
	case time.Time:
		return v.UTC(), true
	case float64:
		st, _ = unixFloat(v)
	case string:
		st, _ = time.Parse(time.RFC3339Nano, v)
	}
	if written != 0 {
		w := filetime(written)
		if st.IsZero() || w.Sub(st).Abs() <= 2*time.Microsecond {
			return w, true
		}
	}
	return st.UTC(), !st.IsZero()
}

// flatten turns one decoded event into a record; see the package doc for the names.
// maxFields bounds the elements and values visited: templates can share subtrees, so a small
// chunk can describe an event of astronomical size.
// retyped gives the original types of values the parser returns as bytes (see retype).
func flatten(ev event, maxFields int, retyped map[int]uint16) (record.Record, error) {
	root, ok := ev.Tree.(*ordereddict.Dict)
	if !ok {
		return record.Record{}, errors.New("no Event element")
	}
	evAny, _ := root.Get("Event")
	evd, ok := evAny.(*ordereddict.Dict)
	if !ok {
		return record.Record{}, errors.New("no Event element")
	}
	sysAny, _ := evd.Get("System")
	sys, ok := sysAny.(*ordereddict.Dict)
	if !ok {
		return record.Record{}, errors.New("no Event/System element")
	}
	b := builder{max: maxFields, index: make(map[string]int, 32), fields: make([]record.Field, 0, 24+evd.Len()),
		base: ev.Base, retyped: retyped}

	idAny, _ := sys.Get("EventID")
	if d, ok := idAny.(*ordereddict.Dict); ok {
		idAny, _ = d.Get("Value")
	}
	id, ok := toInt(idAny)
	if !ok {
		return record.Record{}, fmt.Errorf("no numeric Event/System/EventID (%v)", idAny)
	}
	b.append("EventID", record.Int(id))
	if tc, ok := timeCreated(b.value(get(sys, "TimeCreated", "SystemTime")), ev.FileTime); ok {
		b.append("TimeCreated", record.Time(tc))
	}
	b.str("Computer", sys, "Computer")
	b.str("Channel", sys, "Channel")
	b.str("Provider", sys, "Provider", "Name")
	rid, ok := toInt(get(sys, "EventRecordID"))
	if !ok && ev.RecordID <= math.MaxInt64 {
		rid, ok = int64(ev.RecordID), true
	}
	if ok {
		b.append("EventRecordID", record.Int(rid))
	}
	b.str("Level", sys, "Level")
	b.str("Task", sys, "Task")
	b.str("Opcode", sys, "Opcode")
	b.str("Version", sys, "Version")
	switch k := get(sys, "Keywords").(type) {
	case nil:
	case uint64:
		b.append("Keywords", record.String("0x"+strconv.FormatUint(k, 16)))
	default:
		b.append("Keywords", record.String(b.scalar(k)))
	}
	b.str("ProcessID", sys, "Execution", "ProcessID")
	b.str("ThreadID", sys, "Execution", "ThreadID")
	b.str("UserID", sys, "Security", "UserID")
	b.str("ProviderGuid", sys, "Provider", "Guid")
	b.str("ActivityID", sys, "Correlation", "ActivityID")
	b.str("RelatedActivityID", sys, "Correlation", "RelatedActivityID")

	for _, k := range evd.Keys() {
		v, _ := evd.Get(k)
		switch k {
		case "System":
		case "EventData":
			b.eventData(v)
		default: // UserData, RenderingInfo, DebugData…
			b.put(k, v)
		}
	}
	if b.visits > b.max {
		return record.Record{}, fmt.Errorf("more than %d fields and elements", b.max)
	}
	return record.WithFields(b.fields), nil
}

// builder accumulates a record's fields.
type builder struct {
	fields  []record.Field
	index   map[string]int // position of each name in fields
	visits  int            // values and elements visited
	max     int
	base    uintptr        // address of the parser's chunk buffer
	retyped map[int]uint16 // original types of values retyped as binary, by chunk offset
}

// value returns v, or for bytes the parser returned for a retyped value, the value Windows
// shows: a "0x…" string for HexInt32/HexInt64, a time for FILETIME and SYSTEMTIME.
func (b *builder) value(v any) any {
	bs, ok := v.([]byte)
	if !ok || b.base == 0 || len(bs) == 0 {
		return v
	}
	off := uintptr(unsafe.Pointer(unsafe.SliceData(bs))) - b.base
	if off >= chunkSize {
		return v
	}
	switch typ := b.retyped[int(off)]; {
	case typ == typeHexInt32 && len(bs) == 4:
		return "0x" + strconv.FormatUint(uint64(binary.LittleEndian.Uint32(bs)), 16)
	case typ == typeHexInt64 && len(bs) == 8:
		return "0x" + strconv.FormatUint(binary.LittleEndian.Uint64(bs), 16)
	case typ == typeFiletime && len(bs) == 8:
		return filetime(binary.LittleEndian.Uint64(bs))
	case typ == typeSystemtime && len(bs) == 16:
		u := func(i int) int { return int(binary.LittleEndian.Uint16(bs[2*i:])) }
		return time.Date(u(0), time.Month(u(1)), u(3), u(4), u(5), u(6), u(7)*int(time.Millisecond), time.UTC)
	}
	return v
}

// scalar renders v as scalar does, after value.
func (b *builder) scalar(v any) string { return scalar(b.value(v)) }

// set sets field name, replacing an earlier value of the same name.
func (b *builder) set(name string, v record.Value) {
	if i, ok := b.index[name]; ok {
		b.fields[i].Value = v
		return
	}
	b.index[name] = len(b.fields)
	b.fields = append(b.fields, record.Field{Name: name, Value: v})
}

// append adds a System field (their names are distinct).
func (b *builder) append(name string, v record.Value) { b.set(name, v) }

// get follows path through nested dicts.
func get(d *ordereddict.Dict, path ...string) any {
	var v any = d
	for _, k := range path {
		dd, ok := v.(*ordereddict.Dict)
		if !ok {
			return nil
		}
		v, _ = dd.Get(k)
	}
	return v
}

// str adds field name from the scalar at path, when present.
func (b *builder) str(name string, d *ordereddict.Dict, path ...string) {
	v := get(d, path...)
	if v == nil {
		return
	}
	if _, ok := v.(*ordereddict.Dict); ok {
		return
	}
	b.append(name, record.String(b.scalar(v)))
}

// eventData adds EventData's children: named Data by name, unnamed as Data_N, others by their
// element name.
func (b *builder) eventData(v any) {
	d, ok := v.(*ordereddict.Dict)
	if !ok {
		if v != nil { // <EventData> holding text only
			b.add("Data_1", v)
		}
		return
	}
	unnamed := 0
	for _, k := range d.Keys() {
		v, _ := d.Get(k)
		if strings.HasPrefix(k, "xmlns") {
			continue
		}
		if k != "Data" {
			b.add(k, v)
			continue
		}
		items, ok := v.([]any)
		if !ok {
			items = []any{v}
		}
		for _, it := range items {
			if m, ok := it.(*ordereddict.Dict); ok {
				if name, ok := get(m, "Name").(string); ok {
					val := get(m, "Value")
					if val == nil {
						val = ""
					}
					b.add(name, val)
					continue
				}
			}
			unnamed++
			b.add("Data_"+strconv.Itoa(unnamed), it)
		}
	}
}

// add adds an EventData field, renaming it EventData.name when name is taken.
func (b *builder) add(name string, v any) {
	if _, ok := b.index[name]; ok {
		name = "EventData." + name
	}
	b.put(name, v)
}

// put adds v under name: dicts and lists of dicts are flattened with dotted paths, lists of
// scalars become lists of strings, scalars strings.
func (b *builder) put(name string, v any) {
	b.visits++
	if b.visits > b.max {
		return
	}
	switch v := v.(type) {
	case *ordereddict.Dict:
		for _, k := range v.Keys() {
			if strings.HasPrefix(k, "xmlns") {
				continue
			}
			e, _ := v.Get(k)
			b.put(name+"."+k, e)
		}
	case []any:
		scalars := make([]record.Value, 0, len(v))
		for _, e := range v {
			switch e.(type) {
			case *ordereddict.Dict, []any:
				for i, e := range v {
					b.put(name+"."+strconv.Itoa(i+1), e)
				}
				return
			}
			scalars = append(scalars, record.String(b.scalar(e)))
		}
		b.set(name, record.List(scalars...))
	case []string:
		b.set(name, record.Strings(v...))
	default:
		b.set(name, record.String(b.scalar(v)))
	}
}

// scalar renders a parser value as Windows' XML rendering would, as far as the value allows.
func scalar(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case uint8:
		return strconv.FormatUint(uint64(v), 10)
	case uint16:
		return strconv.FormatUint(uint64(v), 10)
	case uint32:
		return strconv.FormatUint(uint64(v), 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case bool:
		return strconv.FormatBool(v)
	case float64: // FILETIME, as seconds since 1970
		if t, ok := unixFloat(v); ok {
			return t.Format(time.RFC3339Nano)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []byte:
		return strings.ToUpper(hex.EncodeToString(v))
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(v)
	}
}

// toInt converts an integer parser value.
func toInt(v any) (int64, bool) {
	switch v := v.(type) {
	case uint8:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint64:
		if v > math.MaxInt64 {
			return 0, false
		}
		return int64(v), true
	case int:
		return int64(v), true
	case int64:
		return v, true
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n, err == nil
	}
	return 0, false
}
