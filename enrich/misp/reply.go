package misp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/enrich"
)

// Attribute is what the provider reads of one attribute in a restSearch reply.
type Attribute struct {
	ID        string
	EventID   string
	Type      string // MISP attribute type: "ip-dst", "domain|ip", "sha256", …
	Category  string
	Value     string // composite values joined with '|', as MISP writes them
	Comment   string
	ToIDS     bool
	EventInfo string // the event's title (from the Event block MISP adds)
	EventUUID string
	Tags      []string // attribute tags, and event tags (includeEventTags)
	Warnings  []Warning
	Raw       json.RawMessage // the attribute's JSON as received
}

// Warning is one warninglist hit MISP reports for an attribute (includeWarninglistHits).
type Warning struct {
	Name     string // warninglist_name
	Category string // warninglist_category: "false_positive" or "known" (empty before MISP 2.4.150)
	Value    string // the attribute value (or composite half) that matched
}

// Matches tells whether the attribute's value, or one half of a composite value, is v.
func (a Attribute) Matches(v string) bool {
	if sameValue(a.Value, v) {
		return true
	}
	if !strings.Contains(a.Value, "|") {
		return false
	}
	for _, part := range strings.Split(a.Value, "|") {
		if sameValue(part, v) {
			return true
		}
	}
	return false
}

// wireAttribute is an attribute as MISP writes it. Ids are strings in MISP 2.4 and sometimes
// numbers in 2.5; to_ids is a JSON bool, or 0/1 in older exports.
type wireAttribute struct {
	ID       flexString `json:"id"`
	EventID  flexString `json:"event_id"`
	Type     string     `json:"type"`
	Category string     `json:"category"`
	Value    string     `json:"value"`
	Comment  string     `json:"comment"`
	ToIDS    flexBool   `json:"to_ids"`
	Event    *struct {
		ID   flexString `json:"id"`
		Info string     `json:"info"`
		UUID string     `json:"uuid"`
	} `json:"Event"`
	Tag []struct {
		Name string `json:"name"`
	} `json:"Tag"`
	Warnings []struct {
		Name     string `json:"warninglist_name"`
		Category string `json:"warninglist_category"`
		Value    string `json:"value"`
	} `json:"warnings"`
}

// ParseReply reads an attributes/restSearch reply in returnFormat json:
// {"response":{"Attribute":[…]}}. An empty result may also come as {"response":[]}. Anything
// else is an error wrapping enrich.ErrBadReply.
func ParseReply(data []byte) ([]Attribute, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%w: %v", enrich.ErrBadReply, err)
	}
	resp, ok := top["response"]
	if !ok {
		msg := ""
		if m, ok := top["message"]; ok {
			msg = ": " + string(m)
		}
		return nil, fmt.Errorf("%w: no \"response\" in the reply%s", enrich.ErrBadReply, msg)
	}
	resp = bytes.TrimSpace(resp)
	if len(resp) > 0 && resp[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(resp, &list); err != nil || len(list) > 0 {
			return nil, fmt.Errorf("%w: \"response\" is a list, not {\"Attribute\": […]}", enrich.ErrBadReply)
		}
		return nil, nil
	}
	var body struct {
		Attribute *[]json.RawMessage `json:"Attribute"`
	}
	if err := json.Unmarshal(resp, &body); err != nil {
		return nil, fmt.Errorf("%w: response: %v", enrich.ErrBadReply, err)
	}
	if body.Attribute == nil {
		return nil, fmt.Errorf("%w: no \"Attribute\" list in the response", enrich.ErrBadReply)
	}
	out := make([]Attribute, 0, len(*body.Attribute))
	for i, raw := range *body.Attribute {
		var w wireAttribute
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, fmt.Errorf("%w: attribute %d: %v", enrich.ErrBadReply, i, err)
		}
		a := Attribute{
			ID: string(w.ID), EventID: string(w.EventID), Type: w.Type, Category: w.Category,
			Value: w.Value, Comment: w.Comment, ToIDS: bool(w.ToIDS), Raw: raw,
		}
		if w.Event != nil {
			a.EventInfo, a.EventUUID = w.Event.Info, w.Event.UUID
			if a.EventID == "" {
				a.EventID = string(w.Event.ID)
			}
		}
		for _, t := range w.Tag {
			a.Tags = append(a.Tags, t.Name)
		}
		for _, h := range w.Warnings {
			a.Warnings = append(a.Warnings, Warning(h))
		}
		out = append(out, a)
	}
	return out, nil
}

// flexString reads a JSON string or number (or null) as a string.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or a number, got %.20s", b)
		}
		*f = flexString(n.String())
	}
	return nil
}

// flexBool reads a JSON bool, 0/1, or their string forms (or null, false).
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		*f = false
	case bool:
		*f = flexBool(x)
	case float64:
		*f = x != 0
	case string:
		t, err := strconv.ParseBool(strings.TrimSpace(x))
		if err != nil {
			return fmt.Errorf("want a boolean, got %q", x)
		}
		*f = flexBool(t)
	default:
		return fmt.Errorf("want a boolean, got %.20s", b)
	}
	return nil
}
