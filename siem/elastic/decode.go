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

// searchResponse is the part of a _search reply hunch reads.
type searchResponse struct {
	PitID           string `json:"pit_id"`
	TimedOut        bool   `json:"timed_out"`
	TerminatedEarly bool   `json:"terminated_early"`
	Shards          struct {
		Total      int            `json:"total"`
		Successful int            `json:"successful"`
		Skipped    int            `json:"skipped"`
		Failed     int            `json:"failed"`
		Failures   []shardFailure `json:"failures"`
	} `json:"_shards"`
	Hits *struct {
		Hits []hit `json:"hits"`
	} `json:"hits"`
}

type shardFailure struct {
	Shard  int         `json:"shard"`
	Index  string      `json:"index"`
	Node   string      `json:"node"`
	Reason errorObject `json:"reason"`
}

type hit struct {
	Index  string          `json:"_index"`
	ID     string          `json:"_id"`
	Source json.RawMessage `json:"_source"`
	Fields json.RawMessage `json:"fields"`
	Sort   json.RawMessage `json:"sort"`
}

// page is one decoded _search reply.
type page struct {
	records  []record.Record
	pitID    string
	lastSort json.RawMessage
	warnings []string
}

// hitDecoder turns _search replies into records: _index and _id, then the _source fields in
// their order with nested objects kept as record objects, then the hit's "fields" object when
// the search asked for fields. The time field becomes a record time. The _source documents are
// handed to record's NDJSON reader, one per line, so they are parsed by the same fast decoder
// as NDJSON files.
type hitDecoder struct {
	timeField string
	source    string // Meta.Source of the records
	maxLine   int
	buf       bytes.Buffer
}

func newHitDecoder(timeField, source string, maxBytes int64) *hitDecoder {
	maxLine := record.DefaultMaxLineBytes
	if maxBytes > 0 && maxBytes < math.MaxInt32 {
		maxLine = int(maxBytes) + 64
	}
	return &hitDecoder{timeField: timeField, source: source, maxLine: maxLine}
}

var errNoHits = errors.New("the reply has no hits object")

func (d *hitDecoder) decode(data []byte) (page, error) {
	var sr searchResponse
	if err := json.Unmarshal(data, &sr); err != nil {
		return page{}, fmt.Errorf("decode reply: %w", err)
	}
	if sr.Hits == nil {
		return page{}, errNoHits
	}
	p := page{pitID: sr.PitID}
	if sr.TimedOut {
		p.warnings = append(p.warnings, "the search timed out on some shards: results are partial")
	}
	if sr.Shards.Failed > 0 {
		w := fmt.Sprintf("%d of %d shards failed: results are partial", sr.Shards.Failed, sr.Shards.Total)
		for i, f := range sr.Shards.Failures {
			if i == 3 {
				w += fmt.Sprintf("; and %d more", len(sr.Shards.Failures)-i)
				break
			}
			w += fmt.Sprintf("; index %s shard %d: %s: %s", f.Index, f.Shard, f.Reason.Type, f.Reason.describe())
		}
		p.warnings = append(p.warnings, w)
	}
	hits := sr.Hits.Hits
	if len(hits) == 0 {
		return p, nil
	}
	p.lastSort = hits[len(hits)-1].Sort
	if len(p.lastSort) == 0 || string(p.lastSort) == "null" {
		p.lastSort = nil
	}
	d.buf.Reset()
	for _, h := range hits {
		src := h.Source
		if len(src) == 0 || string(src) == "null" {
			src = json.RawMessage("{}")
		}
		if src[0] != '{' && !isSpaceThenBrace(src) {
			return page{}, fmt.Errorf("hit %s: _source is not an object", h.ID)
		}
		if h.Fields != nil {
			d.buf.WriteString(`{"s":`)
		}
		if err := json.Compact(&d.buf, src); err != nil {
			return page{}, fmt.Errorf("hit %s: %w", h.ID, err)
		}
		if h.Fields != nil {
			d.buf.WriteString(`,"f":`)
			if err := json.Compact(&d.buf, h.Fields); err != nil {
				return page{}, fmt.Errorf("hit %s: %w", h.ID, err)
			}
			d.buf.WriteByte('}')
		}
		d.buf.WriteByte('\n')
	}
	p.records = make([]record.Record, 0, len(hits))
	i := 0
	for r, err := range record.Read(context.Background(), bytes.NewReader(d.buf.Bytes()), d.source, record.ReadOptions{Format: record.FormatNDJSON, MaxLineBytes: d.maxLine}) {
		if err != nil {
			return page{}, fmt.Errorf("hit %d: %w", i+1, err)
		}
		if i >= len(hits) {
			return page{}, errors.New("more documents than hits") // unreachable: one line per hit
		}
		h := hits[i]
		var fields record.Record
		srcFields := r
		if h.Fields != nil {
			srcFields, _ = valueObject(r, "s")
			fields, _ = valueObject(r, "f")
		}
		extra := 0
		if h.Fields != nil {
			extra = 1
		}
		out := make([]record.Field, 0, 2+srcFields.Len()+extra)
		out = append(out, record.Field{Name: "_index", Value: record.String(h.Index)}, record.Field{Name: "_id", Value: record.String(h.ID)})
		for _, f := range srcFields.Fields() {
			if f.Name == "_index" || f.Name == "_id" {
				continue // metadata fields cannot be in _source; a document that has them anyway loses to the hit's
			}
			if f.Name == d.timeField {
				f.Value = timeValue(f.Value)
			}
			out = append(out, f)
		}
		if h.Fields != nil {
			out = append(out, record.Field{Name: "fields", Value: record.Object(fields)})
		}
		rec := record.WithFields(out)
		rec.Meta = record.Meta{Source: d.source}
		p.records = append(p.records, rec)
		i++
	}
	if i != len(hits) {
		return page{}, fmt.Errorf("decoded %d documents of %d hits", i, len(hits))
	}
	return p, nil
}

func isSpaceThenBrace(b []byte) bool {
	t := bytes.TrimLeft(b, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

func valueObject(r record.Record, name string) (record.Record, bool) {
	v, ok := r.Get(name)
	if !ok {
		return record.Record{}, false
	}
	return v.Object()
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

// dateLayouts are the forms of strict_date_optional_time hunch recognises, longest first.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

func parseDate(s string) (time.Time, bool) {
	if len(s) < 10 || s[4] != '-' {
		return time.Time{}, false
	}
	for _, l := range dateLayouts {
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
func decodeESQL(data []byte, _ string) (esqlResult, error) {
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
