package elastic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/record"
)

// page is one decoded _search reply.
type page struct {
	records  []record.Record
	pitID    string
	lastSort json.RawMessage
	warnings []string
}

// hitDecoder turns _search replies into records: _index and _id, then the _source fields in
// their order with nested objects kept as record objects, then the hit's "fields" object when
// the search asked for fields. The time field becomes a record time. The whole reply is parsed
// in one pass by record's JSON decoder (the one NDJSON files go through), which accepts exactly
// what encoding/json accepts and keeps the field order.
type hitDecoder struct {
	timeField string
	source    string // Meta.Source of the records
	buf       bytes.Buffer
}

func newHitDecoder(timeField, source string) *hitDecoder {
	return &hitDecoder{timeField: timeField, source: source}
}

var errNoHits = errors.New("the reply has no hits object")

// parseObject parses a JSON object held in data into a record.
func (d *hitDecoder) parseObject(data []byte) (record.Record, error) {
	line := data
	if bytes.IndexByte(data, '\n') >= 0 { // pretty-printed: make it one line
		d.buf.Reset()
		if err := json.Compact(&d.buf, data); err != nil {
			return record.Record{}, fmt.Errorf("decode reply: %w", err)
		}
		line = d.buf.Bytes()
	}
	var out record.Record
	n := 0
	for r, err := range record.Read(context.Background(), bytes.NewReader(line), d.source, record.ReadOptions{Format: record.FormatNDJSON, MaxLineBytes: len(line) + 1}) {
		if err != nil {
			var pe *record.ParseError
			if errors.As(err, &pe) {
				return record.Record{}, fmt.Errorf("decode reply: %s", pe.Reason)
			}
			return record.Record{}, fmt.Errorf("decode reply: %w", err)
		}
		out = r
		n++
	}
	if n != 1 {
		return record.Record{}, errors.New("decode reply: empty reply")
	}
	return out, nil
}

func (d *hitDecoder) decode(data []byte) (page, error) {
	reply, err := d.parseObject(data)
	if err != nil {
		return page{}, err
	}
	var p page
	if v, ok := reply.Get("pit_id"); ok {
		p.pitID, _ = v.Str()
	}
	if v, ok := reply.Get("timed_out"); ok {
		if b, _ := v.Bool(); b {
			p.warnings = append(p.warnings, "the search timed out on some shards: results are partial")
		}
	}
	if shards, ok := object(reply, "_shards"); ok {
		if w := shardWarning(shards); w != "" {
			p.warnings = append(p.warnings, w)
		}
	}
	hitsObj, ok := object(reply, "hits")
	if !ok {
		return page{}, errNoHits
	}
	hv, _ := hitsObj.Get("hits")
	if hv.Kind() != record.KindList && !hv.IsNull() {
		return page{}, errors.New("hits.hits is not a list")
	}
	hits := hv.List()
	if len(hits) == 0 {
		return p, nil
	}
	p.records = make([]record.Record, 0, len(hits))
	for i, h := range hits {
		ho, ok := h.Object()
		if !ok {
			return page{}, fmt.Errorf("hit %d is not an object", i+1)
		}
		var index, id record.Value = record.String(""), record.String("")
		var src, fields record.Record
		hasFields := false
		for _, f := range ho.Fields() {
			switch f.Name {
			case "_index":
				index = f.Value
			case "_id":
				id = f.Value
			case "_source":
				if f.Value.IsNull() {
					continue
				}
				if src, ok = f.Value.Object(); !ok {
					return page{}, fmt.Errorf("hit %d: _source is not an object", i+1)
				}
			case "fields":
				fields, hasFields = f.Value.Object()
			}
		}
		out := make([]record.Field, 0, 3+src.Len())
		out = append(out, record.Field{Name: "_index", Value: index}, record.Field{Name: "_id", Value: id})
		for _, f := range src.Fields() {
			if f.Name == "_index" || f.Name == "_id" {
				continue // metadata fields cannot be in _source; a document that has them anyway loses to the hit's
			}
			if f.Name == d.timeField {
				f.Value = timeValue(f.Value)
			}
			out = append(out, f)
		}
		if hasFields {
			out = append(out, record.Field{Name: "fields", Value: record.Object(fields)})
		}
		rec := record.WithFields(out)
		rec.Meta = record.Meta{Source: d.source}
		p.records = append(p.records, rec)
	}
	last, _ := hits[len(hits)-1].Object()
	if sv, ok := last.Get("sort"); ok && sv.Kind() == record.KindList {
		if lossy(sv) {
			// A number beyond float64's exact integers (an unsigned_long sort value) would
			// not go back to the server as it came: read the raw text instead.
			if p.lastSort, err = rawLastSort(data); err != nil {
				return page{}, err
			}
		} else {
			p.lastSort = sv.AppendJSON(nil)
		}
	}
	return p, nil
}

func object(r record.Record, name string) (record.Record, bool) {
	v, ok := r.Get(name)
	if !ok {
		return record.Record{}, false
	}
	return v.Object()
}

func intOf(r record.Record, name string) int64 {
	v, _ := r.Get(name)
	n, _ := v.Int()
	return n
}

func textOf(r record.Record, name string) string {
	v, _ := r.Get(name)
	return v.Text()
}

// shardWarning describes failed shards from a _shards object, or is "" when none failed.
func shardWarning(shards record.Record) string {
	failed := intOf(shards, "failed")
	if failed <= 0 {
		return ""
	}
	w := fmt.Sprintf("%d of %d shards failed: results are partial", failed, intOf(shards, "total"))
	fv, _ := shards.Get("failures")
	for i, f := range fv.List() {
		if i == 3 {
			w += fmt.Sprintf("; and %d more", len(fv.List())-i)
			break
		}
		fo, _ := f.Object()
		reason, _ := object(fo, "reason")
		w += fmt.Sprintf("; index %s shard %d: %s: %s", textOf(fo, "index"), intOf(fo, "shard"), textOf(reason, "type"), describeValue(reason))
	}
	return w
}

// describeValue is errorObject.describe for an error object read as a record.
func describeValue(r record.Record) string {
	o := errorObject{Type: textOf(r, "type"), Reason: textOf(r, "reason")}
	if cb, ok := object(r, "caused_by"); ok {
		o.CausedBy = &errorObject{Type: textOf(cb, "type"), Reason: textOf(cb, "reason")}
	}
	return o.describe()
}

// lossy reports whether a sort list holds a float at or beyond 2^53, where the parsed value may
// differ from the server's literal.
func lossy(v record.Value) bool {
	for _, e := range v.List() {
		if f, ok := e.Float(); ok && e.Kind() == record.KindFloat && math.Abs(f) >= 1<<53 {
			return true
		}
	}
	return false
}

// rawLastSort reads the last hit's sort values as the server wrote them.
func rawLastSort(data []byte) (json.RawMessage, error) {
	var r struct {
		Hits struct {
			Hits []struct {
				Sort json.RawMessage `json:"sort"`
			} `json:"hits"`
		} `json:"hits"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("decode reply: %w", err)
	}
	h := r.Hits.Hits
	if len(h) == 0 {
		return nil, errNoHits
	}
	return h[len(h)-1].Sort, nil
}

// timeValue makes a time field's value a record time: a date string as Elasticsearch's default
// date format writes it (strict_date_optional_time), or a number as epoch milliseconds (the
// default format's other half). Anything else is kept as it is.
func timeValue(v record.Value) record.Value {
	switch v.Kind() {
	case record.KindString:
		s, _ := v.Str()
		if t, ok := parseDate(s); ok {
			return record.Time(t)
		}
	case record.KindInt:
		n, _ := v.Int()
		return record.Time(time.UnixMilli(n).UTC())
	case record.KindFloat:
		f, _ := v.Float()
		if !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) < 1e15 {
			return record.Time(time.UnixMicro(int64(f * 1000)).UTC())
		}
	}
	return v
}

// parseDate reads the forms of strict_date_optional_time hunch recognises, longest first.
func parseDate(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' {
		return time.Time{}, false
	}
	layouts := [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04",
		"2006-01-02",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// esqlResponse is an ES|QL reply in format=json, row-major.
type esqlResponse struct {
	Columns []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"columns"`
	Values    [][]json.RawMessage `json:"values"`
	IsPartial bool                `json:"is_partial"`
}

type esqlResult struct {
	records []record.Record
	partial bool
}

// decodeESQL turns columns and values into records, one per row, fields in column order. Values
// are typed by their column: date and date_nanos become record times, the integer types ints,
// the floating types floats, boolean bools, multi-values lists, null null, the rest strings.
func decodeESQL(data []byte) (esqlResult, error) {
	var er esqlResponse
	if err := json.Unmarshal(data, &er); err != nil {
		return esqlResult{}, fmt.Errorf("elastic esql: decode reply: %w", err)
	}
	if er.Columns == nil {
		return esqlResult{}, errors.New("elastic esql: the reply has no columns (was format=json honoured?)")
	}
	res := esqlResult{partial: er.IsPartial, records: make([]record.Record, 0, len(er.Values))}
	for i, row := range er.Values {
		if len(row) != len(er.Columns) {
			return esqlResult{}, fmt.Errorf("elastic esql: row %d has %d values for %d columns", i+1, len(row), len(er.Columns))
		}
		fields := make([]record.Field, len(row))
		for j, raw := range row {
			v, err := esqlValue(raw, er.Columns[j].Type)
			if err != nil {
				return esqlResult{}, fmt.Errorf("elastic esql: row %d column %s: %w", i+1, er.Columns[j].Name, err)
			}
			fields[j] = record.Field{Name: er.Columns[j].Name, Value: v}
		}
		res.records = append(res.records, record.WithFields(fields))
	}
	return res, nil
}

func esqlValue(raw json.RawMessage, typ string) (record.Value, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return record.Null(), errors.New("empty value")
	}
	switch raw[0] {
	case 'n':
		if string(raw) != "null" {
			return record.Null(), fmt.Errorf("invalid value %s", raw)
		}
		return record.Null(), nil
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return record.Null(), err
		}
		vs := make([]record.Value, len(elems))
		for i, e := range elems {
			v, err := esqlValue(e, typ)
			if err != nil {
				return record.Null(), err
			}
			vs[i] = v
		}
		return record.List(vs...), nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return record.Null(), err
		}
		if typ == "date" || typ == "date_nanos" {
			if t, ok := parseDate(s); ok {
				return record.Time(t), nil
			}
		}
		return record.String(s), nil
	case 't', 'f':
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return record.Null(), err
		}
		return record.Bool(b), nil
	case '{':
		if !json.Valid(raw) {
			return record.Null(), fmt.Errorf("invalid value %s", raw)
		}
		return record.String(string(raw)), nil
	}
	s := string(raw)
	if !json.Valid(raw) {
		return record.Null(), fmt.Errorf("invalid value %s", raw)
	}
	switch {
	case strings.Contains(typ, "long") || strings.Contains(typ, "integer"):
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return record.Int(n), nil
		}
		if typ == "unsigned_long" {
			return record.String(s), nil // beyond int64: kept exact as text
		}
	case typ == "date" || typ == "date_nanos":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return record.Time(time.UnixMilli(n).UTC()), nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && !strings.Contains(typ, "double") && !strings.Contains(typ, "float") {
		return record.Int(n), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return record.String(s), nil
	}
	return record.Float(f), nil
}
