package misp

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFlexInt(t *testing.T) {
	tests := []struct {
		in      string
		want    FlexInt
		wantErr bool
	}{
		{`12`, 12, false},
		{`"12"`, 12, false},
		{`" 12 "`, 12, false},
		{`""`, 0, false},
		{`null`, 0, false},
		{`0`, 0, false},
		{`"0"`, 0, false},
		{`-1`, -1, false},
		{`"-1"`, -1, false},
		{`1e3`, 1000, false},
		{`12.0`, 12, false},
		{`9223372036854775807`, 9223372036854775807, false},
		{`12.5`, 0, true},
		{`"12.0"`, 0, true},
		{`"12a"`, 0, true},
		{`"abc"`, 0, true},
		{`true`, 0, true},
		{`[1]`, 0, true},
		{`{}`, 0, true},
		{`"1\u0032"`, 12, false},
		{`99999999999999999999`, 0, true},
	}
	for _, tt := range tests {
		var got FlexInt = 7
		err := json.Unmarshal([]byte(tt.in), &got)
		if tt.wantErr {
			if err == nil {
				t.Errorf("%s: decoded %d, want an error", tt.in, got)
			} else if !errors.Is(err, ErrMalformed) && !isJSONTypeError(err) {
				t.Errorf("%s: err %v does not wrap ErrMalformed", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, tt := range []struct {
		v    FlexInt
		want string
	}{{0, `"0"`}, {12, `"12"`}, {-3, `"-3"`}} {
		b, err := json.Marshal(tt.v)
		if err != nil || string(b) != tt.want {
			t.Errorf("marshal %d = %s, %v; want %s", tt.v, b, err, tt.want)
		}
	}
}

// isJSONTypeError reports errors encoding/json raises itself before calling UnmarshalJSON
// (a syntax error in the literal).
func isJSONTypeError(err error) bool {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	return errors.As(err, &se) || errors.As(err, &te)
}

func TestFlexBool(t *testing.T) {
	tests := []struct {
		in      string
		want    FlexBool
		wantErr bool
	}{
		{`true`, true, false},
		{`false`, false, false},
		{`1`, true, false},
		{`0`, false, false},
		{`2`, true, false},
		{`"1"`, true, false},
		{`"0"`, false, false},
		{`"true"`, true, false},
		{`"false"`, false, false},
		{`"True"`, true, false},
		{`"FALSE"`, false, false},
		{`" true "`, true, false},
		{`""`, false, false},
		{`null`, false, false},
		{`"yes"`, false, true},
		{`"2"`, false, true},
		{`1.5`, false, true},
		{`[]`, false, true},
	}
	for _, tt := range tests {
		var got FlexBool
		err := json.Unmarshal([]byte(tt.in), &got)
		if tt.wantErr {
			if err == nil {
				t.Errorf("%s: decoded %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for v, want := range map[FlexBool]string{true: "true", false: "false"} {
		if b, _ := json.Marshal(v); string(b) != want {
			t.Errorf("marshal %v = %s", v, b)
		}
	}
}

func TestTimestamp(t *testing.T) {
	tests := []struct {
		in      string
		want    Timestamp
		wantErr bool
	}{
		{`1617875568`, 1617875568, false},
		{`"1617875568"`, 1617875568, false},
		{`""`, 0, false},
		{`null`, 0, false},
		{`"2021-04-08T09:52:48Z"`, 1617875568, false},
		{`"2021-04-08T11:52:48+02:00"`, 1617875568, false},
		{`"2021-04-08 09:52:48"`, 1617875568, false},
		{`"yesterday"`, 0, true},
		{`true`, 0, true},
	}
	for _, tt := range tests {
		var got Timestamp
		err := json.Unmarshal([]byte(tt.in), &got)
		if tt.wantErr {
			if err == nil {
				t.Errorf("%s: decoded %d, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	if b, _ := json.Marshal(Timestamp(1617875568)); string(b) != `"1617875568"` {
		t.Errorf("marshal = %s", b)
	}
	if got := Timestamp(1617875568).Time(); !got.Equal(time.Date(2021, 4, 8, 9, 52, 48, 0, time.UTC)) {
		t.Errorf("Time() = %v", got)
	}
	if TimestampOf(time.Unix(5, 999)) != 5 {
		t.Errorf("TimestampOf")
	}
}

func TestMicroTime(t *testing.T) {
	ref := time.Date(2019, 6, 25, 14, 52, 53, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{`"2019-06-25T14:52:53.000000+00:00"`, ref, false},
		{`"2019-06-25T14:52:53+00:00"`, ref, false},
		{`"2019-06-25T14:52:53Z"`, ref, false},
		{`"2019-06-25T16:52:53.000000+02:00"`, ref, false},
		{`"2019-06-25T16:52:53+0200"`, ref, false},
		{`"2019-06-25T14:52:53"`, ref, false},
		{`"2019-06-25 14:52:53"`, ref, false},
		{`"2019-06-25T14:52:53.123456+00:00"`, ref.Add(123456 * time.Microsecond), false},
		{`"2019-06-25T14:52:53.1234567Z"`, ref.Add(123456 * time.Microsecond), false},
		{`"2019-06-25"`, time.Date(2019, 6, 25, 0, 0, 0, 0, time.UTC), false},
		{`1561474373`, ref, false},
		{`"1561474373"`, ref, false},
		{`null`, time.Time{}, false},
		{`""`, time.Time{}, false},
		{`"25/06/2019"`, time.Time{}, true},
		{`true`, time.Time{}, true},
		{`1.5`, time.Time{}, true},
	}
	for _, tt := range tests {
		var got MicroTime
		err := json.Unmarshal([]byte(tt.in), &got)
		if tt.wantErr {
			if err == nil {
				t.Errorf("%s: decoded %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("%s: got %v, %v; want %v", tt.in, got.Time, err, tt.want)
		}
	}
	for _, tt := range []struct {
		v    MicroTime
		want string
	}{
		{MicroTimeOf(ref), `"2019-06-25T14:52:53.000000+00:00"`},
		{MicroTimeOf(ref.Add(7 * time.Microsecond).In(time.FixedZone("x", 3600))), `"2019-06-25T14:52:53.000007+00:00"`},
		{MicroTime{}, `null`},
	} {
		if b, err := json.Marshal(tt.v); err != nil || string(b) != tt.want {
			t.Errorf("marshal %v = %s, %v; want %s", tt.v.Time, b, err, tt.want)
		}
	}
}

func TestDate(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{`"2021-06-07"`, "2021-06-07", false},
		{`"2021-06-07T23:30:00+02:00"`, "2021-06-07", false},
		{`"2021-06-07 10:00:00"`, "2021-06-07", false},
		{`1623024000`, "2021-06-07", false},
		{`"1623024000"`, "2021-06-07", false},
		{`""`, "", false},
		{`null`, "", false},
		{`"2021-13-07"`, "", true},
		{`"07/06/2021"`, "", true},
		{`true`, "", true},
	}
	for _, tt := range tests {
		var got Date
		err := json.Unmarshal([]byte(tt.in), &got)
		if tt.wantErr {
			if err == nil {
				t.Errorf("%s: decoded %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.in, got, err, tt.want)
		}
		b, _ := json.Marshal(got)
		if string(b) != `"`+tt.want+`"` {
			t.Errorf("%s: re-encoded as %s", tt.in, b)
		}
	}
}

func TestNullString(t *testing.T) {
	for in, want := range map[string]NullString{`null`: "", `false`: "", `""`: "", `"ip"`: "ip", `"a\"b"`: `a"b`} {
		var got NullString = "x"
		if err := json.Unmarshal([]byte(in), &got); err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{`true`, `1`, `[]`} {
		var got NullString
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("%s: decoded %q, want an error", in, got)
		}
	}
	if b, _ := json.Marshal(NullString("")); string(b) != "null" {
		t.Errorf("empty marshals as %s", b)
	}
	if b, _ := json.Marshal(NullString("ip")); string(b) != `"ip"` {
		t.Errorf("ip marshals as %s", b)
	}
}

func TestStringList(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{`[]`, nil, false},
		{`["a.example","b.example"]`, []string{"a.example", "b.example"}, false},
		{`""`, nil, false},
		{`null`, nil, false},
		{`"a.example"`, []string{"a.example"}, false},
		{`"[\"a.example\"]"`, []string{"a.example"}, false},
		{`"[]"`, nil, false},
		{`[1]`, nil, true},
		{`1`, nil, true},
	}
	for _, tt := range tests {
		var got StringList
		err := json.Unmarshal([]byte(tt.in), &got)
		if tt.wantErr {
			if err == nil {
				t.Errorf("%s: decoded %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || len(diff([]string(got), tt.want)) > 0 || (tt.want == nil && got != nil) {
			t.Errorf("%s: got %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if b, _ := json.Marshal(StringList(nil)); string(b) != "[]" {
		t.Errorf("nil marshals as %s", b)
	}
}

func TestEnums(t *testing.T) {
	tests := []struct {
		in      string
		target  interface{ UnmarshalJSON([]byte) error }
		wantErr bool
	}{
		{`"3"`, new(Distribution), false},
		{`5`, new(Distribution), false},
		{`"6"`, new(Distribution), true},
		{`-1`, new(Distribution), true},
		{`"4"`, new(ThreatLevel), false},
		{`"5"`, new(ThreatLevel), true},
		{`"2"`, new(Analysis), false},
		{`3`, new(Analysis), true},
		{`"2"`, new(SightingType), false},
		{`"3"`, new(SightingType), true},
		{`"1"`, new(ReferencedType), false},
		{`2`, new(ReferencedType), true},
		{`"x"`, new(Distribution), true},
		{`""`, new(Distribution), false},
		{`null`, new(Distribution), false},
		{`"3.0"`, new(Distribution), true},
	}
	for _, tt := range tests {
		err := json.Unmarshal([]byte(tt.in), tt.target)
		if (err != nil) != tt.wantErr {
			t.Errorf("%T %s: err = %v, want error %v", tt.target, tt.in, err, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("%T %s: err %v does not wrap ErrMalformed", tt.target, tt.in, err)
		}
	}
	for _, tt := range []struct {
		v    any
		want string
	}{
		{DistributionAll, `"3"`}, {ThreatLevelHigh, `"1"`}, {AnalysisCompleted, `"2"`},
		{SightingFalsePositive, `"1"`}, {ReferencedObject, `"1"`},
	} {
		if b, _ := json.Marshal(tt.v); string(b) != tt.want {
			t.Errorf("marshal %v = %s, want %s", tt.v, b, tt.want)
		}
	}
	names := map[string]string{
		DistributionOrganisation.String(): "Your organisation only",
		DistributionInherit.String():      "Inherit event",
		Distribution("9").String():        `Distribution("9")`,
		DistributionUnset.String():        "unset",
		ThreatLevelUndefined.String():     "Undefined",
		AnalysisOngoing.String():          "Ongoing",
		SightingExpiration.String():       "expiration",
		ReferencedAttribute.String():      "Attribute",
	}
	for got, want := range names {
		if got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func TestGalaxyMeta(t *testing.T) {
	var m GalaxyMeta
	in := `{"refs":["https://a.example"],"country":"RU","cfr-suspected-victims":["A","B"],"n":3,"x":{"a":1},"e":null}`
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	want := GalaxyMeta{"refs": {"https://a.example"}, "country": {"RU"}, "cfr-suspected-victims": {"A", "B"},
		"n": {"3"}, "x": {`{"a":1}`}, "e": nil}
	if d := diff(m, want); len(d) > 0 {
		t.Errorf("meta: %v", d)
	}
	for _, empty := range []string{`[]`, `{}`, `null`} {
		var m GalaxyMeta
		if err := json.Unmarshal([]byte(empty), &m); err != nil || m != nil {
			t.Errorf("%s: %v, %v", empty, m, err)
		}
	}
	if err := json.Unmarshal([]byte(`"x"`), &m); err == nil {
		t.Errorf("a string meta decoded")
	}
}

func TestOptBool(t *testing.T) {
	tests := []struct {
		in      string
		want    OptBool
		wantErr bool
	}{
		{`true`, BoolTrue, false},
		{`false`, BoolFalse, false},
		{`1`, BoolTrue, false},
		{`0`, BoolFalse, false},
		{`"1"`, BoolTrue, false},
		{`"0"`, BoolFalse, false},
		{`"True"`, BoolTrue, false},
		{`null`, BoolUnset, false},
		{`""`, BoolUnset, false},
		{`"maybe"`, BoolUnset, true},
	}
	for _, tt := range tests {
		var got OptBool = 7
		err := json.Unmarshal([]byte(tt.in), &got)
		if tt.wantErr {
			if err == nil {
				t.Errorf("%s: decoded %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	a, err := DecodeAttribute([]byte(`{"type":"ip-dst","value":"198.51.100.7"}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.ToIDS.IsSet() || a.ToIDS.Bool() || a.ToIDS.Or(true) != BoolTrue || BoolFalse.Or(true) != BoolFalse {
		t.Errorf("absent to_ids: %v", a.ToIDS)
	}
	enc, _ := EncodeAttribute(a)
	if strings.Contains(string(enc), "to_ids") {
		t.Errorf("unset to_ids written: %s", enc)
	}
	a.ToIDS = OptBoolOf(false)
	enc, _ = EncodeAttribute(a)
	if !strings.Contains(string(enc), `"to_ids":false`) {
		t.Errorf("to_ids false not written: %s", enc)
	}
	if BoolUnset.String() != "unset" || BoolTrue.String() != "true" || BoolFalse.String() != "false" {
		t.Errorf("String")
	}
}
