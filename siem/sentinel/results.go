package sentinel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

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
		if err := json.Unmarshal(raw, &str); err != nil {
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

// parseJSON turns one JSON document into a record value: objects keep their key order, integers
// that fit int64 stay exact.
func parseJSON(data []byte) (record.Value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := jsonValue(dec, 0)
	if err != nil {
		return record.Value{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return record.Value{}, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func jsonValue(dec *json.Decoder, depth int) (record.Value, error) {
	if depth > maxDynamicDepth {
		return record.Value{}, fmt.Errorf("nested deeper than %d", maxDynamicDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return record.Value{}, err
	}
	switch t := tok.(type) {
	case nil:
		return record.Null(), nil
	case bool:
		return record.Bool(t), nil
	case string:
		return record.String(t), nil
	case json.Number:
		if n, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return record.Int(n), nil
		}
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return record.String(string(t)), nil
		}
		return record.Float(f), nil
	case json.Delim:
		switch t {
		case '[':
			var vs []record.Value
			for dec.More() {
				v, err := jsonValue(dec, depth+1)
				if err != nil {
					return record.Value{}, err
				}
				vs = append(vs, v)
			}
			if _, err := dec.Token(); err != nil {
				return record.Value{}, err
			}
			return record.List(vs...), nil
		case '{':
			var r record.Record
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return record.Value{}, err
				}
				k, _ := kt.(string)
				v, err := jsonValue(dec, depth+1)
				if err != nil {
					return record.Value{}, err
				}
				r.Set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return record.Value{}, err
			}
			return record.Object(r), nil
		}
	}
	return record.Value{}, fmt.Errorf("unexpected JSON token %v", tok)
}
