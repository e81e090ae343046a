package sentinel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hunchsec/hunch/record"
)

// maxDynamicDepth bounds the nesting of a dynamic cell turned into record values.
const maxDynamicDepth = 128

// results is a decoded query reply.
type results struct {
	tables []table
	err    *ErrorInfo // the error sent beside the tables, if any
}

// table is one result table; its cells stay raw JSON until a row is turned into a record.
type table struct {
	name    string
	columns []column
	rows    [][]json.RawMessage
}

type column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// parseResults decodes a query reply: {"tables":[{"name","columns":[{"name","type"}],"rows":[[…]]}],"error":{…}}.
func parseResults(data []byte) (results, error) {
	var w struct {
		Tables *[]struct {
			Name    string              `json:"name"`
			Columns []column            `json:"columns"`
			Rows    [][]json.RawMessage `json:"rows"`
		} `json:"tables"`
		Error *ErrorInfo `json:"error"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return results{}, fmt.Errorf("decoding the query reply: %w", err)
	}
	if w.Tables == nil && w.Error == nil {
		return results{}, errors.New("decoding the query reply: no tables and no error")
	}
	res := results{err: w.Error}
	if w.Tables == nil {
		return res, nil
	}
	for ti, t := range *w.Tables {
		for ri, row := range t.Rows {
			if len(row) != len(t.Columns) {
				return results{}, fmt.Errorf("decoding the query reply: table %d (%s) row %d has %d cells for %d columns", ti, t.Name, ri+1, len(row), len(t.Columns))
			}
		}
		res.tables = append(res.tables, table{name: t.Name, columns: t.Columns, rows: t.Rows})
	}
	return res, nil
}

// record turns row i into a record, fields in column order.
func (t *table) record(i int) (record.Record, error) {
	row := t.rows[i]
	fields := make([]record.Field, len(t.columns))
	for j, c := range t.columns {
		v, err := cell(c.Type, row[j])
		if err != nil {
			return record.Record{}, fmt.Errorf("row %d column %s (%s): %w", i+1, c.Name, c.Type, err)
		}
		fields[j] = record.Field{Name: c.Name, Value: v}
	}
	return record.WithFields(fields), nil
}

// cell converts one cell by its column type: datetime → time, int/long → int, real → float,
// bool → bool, dynamic → the JSON value it encodes; guid, timespan, decimal and string stay text
// (decimal keeps its exact digits). A cell that does not fit its type is kept as it came.
func cell(typ string, raw json.RawMessage) (record.Value, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return record.Null(), nil
	}
	str, isStr := "", raw[0] == '"'
	if isStr {
		var err error
		if str, err = unquote(raw); err != nil {
			return record.Value{}, err
		}
	}
	switch strings.ToLower(typ) {
	case "datetime", "date":
		if isStr {
			if str == "" {
				return record.Null(), nil
			}
			if t, err := time.Parse(time.RFC3339Nano, str); err == nil {
				return record.Time(t), nil
			}
			return record.String(str), nil
		}
	case "int", "long":
		lit := string(raw)
		if isStr {
			lit = str
		}
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return record.Int(n), nil
		}
		if f, ok := parseFloat(lit); ok {
			return record.Float(f), nil
		}
		if isStr {
			return record.String(str), nil
		}
	case "real", "double", "float":
		lit := string(raw)
		if isStr {
			lit = str
		}
		if f, ok := parseFloat(lit); ok {
			return record.Float(f), nil
		}
		if isStr {
			return record.String(str), nil
		}
	case "bool", "boolean":
		switch strings.ToLower(string(raw)) {
		case "true", `"true"`, "1":
			return record.Bool(true), nil
		case "false", `"false"`, "0":
			return record.Bool(false), nil
		}
	case "dynamic":
		if isStr {
			// dynamic cells arrive as JSON text; a string that is not JSON stays a string.
			if v, err := parseJSON([]byte(str)); err == nil {
				return v, nil
			}
			return record.String(str), nil
		}
	default:
		if isStr {
			return record.String(str), nil
		}
	}
	if isStr {
		return record.String(str), nil
	}
	return parseJSON(raw)
}

// parseFloat reads a real, including the NaN and infinities Kusto writes as strings.
func parseFloat(s string) (float64, bool) {
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// parseJSON turns one JSON document into a record value: objects keep their key order (a
// repeated key keeps its last value in its first place), integers that fit int64 stay exact.
func parseJSON(data []byte) (record.Value, error) {
	if !json.Valid(data) {
		return record.Value{}, errors.New("not valid JSON")
	}
	p := dynParser{data: data}
	return p.value(0)
}

// dynParser reads a document json.Valid has accepted.
type dynParser struct {
	data []byte
	i    int
}

func (p *dynParser) ws() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *dynParser) value(depth int) (record.Value, error) {
	if depth > maxDynamicDepth {
		return record.Value{}, fmt.Errorf("nested deeper than %d", maxDynamicDepth)
	}
	p.ws()
	switch c := p.data[p.i]; c {
	case '{':
		p.i++
		var fields []record.Field
		var index map[string]int
		p.ws()
		if p.data[p.i] == '}' {
			p.i++
			return record.Object(record.Record{}), nil
		}
		for {
			p.ws()
			k, err := p.str()
			if err != nil {
				return record.Value{}, err
			}
			p.ws()
			p.i++ // ':'
			v, err := p.value(depth + 1)
			if err != nil {
				return record.Value{}, err
			}
			fields, index = setField(fields, index, k, v)
			p.ws()
			c := p.data[p.i]
			p.i++
			if c == '}' {
				return record.Object(record.WithFields(fields)), nil
			}
		}
	case '[':
		p.i++
		var vs []record.Value
		p.ws()
		if p.data[p.i] == ']' {
			p.i++
			return record.List(), nil
		}
		for {
			v, err := p.value(depth + 1)
			if err != nil {
				return record.Value{}, err
			}
			vs = append(vs, v)
			p.ws()
			c := p.data[p.i]
			p.i++
			if c == ']' {
				return record.List(vs...), nil
			}
		}
	case '"':
		s, err := p.str()
		return record.String(s), err
	case 't':
		p.i += 4
		return record.Bool(true), nil
	case 'f':
		p.i += 5
		return record.Bool(false), nil
	case 'n':
		p.i += 4
		return record.Null(), nil
	}
	start := p.i
	for p.i < len(p.data) && strings.IndexByte("+-.eE0123456789", p.data[p.i]) >= 0 {
		p.i++
	}
	lit := string(p.data[start:p.i])
	if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
		return record.Int(n), nil
	}
	if f, err := strconv.ParseFloat(lit, 64); err == nil {
		return record.Float(f), nil
	}
	return record.String(lit), nil // out of float64 range: keep the digits
}

// str reads the string literal at p.i.
func (p *dynParser) str() (string, error) {
	start := p.i
	p.i++
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case '\\':
			p.i += 2
			continue
		case '"':
			p.i++
			return unquote(p.data[start:p.i])
		}
		p.i++
	}
	return "", errors.New("unterminated string")
}

// setField sets name in fields, keeping the first position of a repeated name; index maps names
// to positions once an object has many fields.
func setField(fields []record.Field, index map[string]int, name string, v record.Value) ([]record.Field, map[string]int) {
	if index != nil {
		if i, ok := index[name]; ok {
			fields[i].Value = v
			return fields, index
		}
		index[name] = len(fields)
		return append(fields, record.Field{Name: name, Value: v}), index
	}
	for i := range fields {
		if fields[i].Name == name {
			fields[i].Value = v
			return fields, nil
		}
	}
	fields = append(fields, record.Field{Name: name, Value: v})
	if len(fields) >= 16 {
		index = make(map[string]int, len(fields)*2)
		for i, f := range fields {
			index[f.Name] = i
		}
	}
	return fields, index
}

// unquote returns the text of a JSON string literal, quotes included in lit.
func unquote(lit []byte) (string, error) {
	if len(lit) >= 2 && lit[0] == '"' && lit[len(lit)-1] == '"' {
		inner := lit[1 : len(lit)-1]
		simple := utf8.Valid(inner)
		for _, c := range inner {
			if c == '\\' || c == '"' || c < 0x20 {
				simple = false
				break
			}
		}
		if simple {
			return string(inner), nil
		}
	}
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		return "", err
	}
	return s, nil
}
