package misp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Server is a remote instance this one synchronises with (MISP's `servers` row; JSON key "Server"). Sharing
// groups embed its short form (id, name, url), which is what its JSON encoding gives when only those are set;
// EncodeServer and EncodeServers write the whole row as servers/index and servers/add answer it.
//
// Authkey is the remote instance's API key of the sync user this side acts as. It travels in from servers/add
// and servers/edit; hunch never answers it back in full (see MaskAuthkey).
type Server struct {
	ID   FlexInt `json:"id,omitempty"`
	Name string  `json:"name"`
	URL  string  `json:"url"`

	Authkey string `json:"authkey,omitempty"`
	// OrgID is the local organisation that owns the link; RemoteOrgID the organisation that runs the remote
	// instance, as an organisation of this one.
	OrgID       FlexInt `json:"org_id,omitempty"`
	RemoteOrgID FlexInt `json:"remote_org_id,omitempty"`
	// Push and Pull say which directions the link may be synchronised in; PushSightings adds sightings to pushes.
	Push          FlexBool `json:"push,omitempty"`
	Pull          FlexBool `json:"pull,omitempty"`
	PushSightings FlexBool `json:"push_sightings,omitempty"`
	// SelfSigned accepts the remote's certificate without verifying it; CertFile names a PEM CA bundle that
	// verifies it; SkipProxy bypasses the HTTP proxy.
	SelfSigned FlexBool `json:"self_signed,omitempty"`
	CertFile   string   `json:"cert_file,omitempty"`
	SkipProxy  FlexBool `json:"skip_proxy,omitempty"`
	// CachingEnabled is MISP's server caching flag (kept; hunch does not cache remote servers).
	CachingEnabled FlexBool `json:"caching_enabled,omitempty"`
	// Priority orders the servers (lower first).
	Priority FlexInt `json:"priority,omitempty"`
	// PullRules and PushRules filter what travels by tags and organisations.
	PullRules SyncRules `json:"pull_rules,omitzero"`
	PushRules SyncRules `json:"push_rules,omitzero"`
	// Internal marks a link to another instance of the same organisation: nothing is downgraded.
	Internal FlexBool `json:"internal,omitempty"`
	// UnpublishEvent stores pushed events unpublished on the remote; PublishWithoutEmail publishes them there
	// without alerts.
	UnpublishEvent      FlexBool `json:"unpublish_event,omitempty"`
	PublishWithoutEmail FlexBool `json:"publish_without_email,omitempty"`
	// LastPushedID is the highest local event id up to which every pushable event has been pushed;
	// LastPulledID the highest remote event id up to which every listed event has been pulled. They are the
	// progress a sync resumes from.
	LastPushedID FlexInt `json:"lastpushedid,omitempty"`
	LastPulledID FlexInt `json:"lastpulledid,omitempty"`
}

// MaskAuthkey returns k as hunch shows a stored remote key: its first and last four characters with the rest
// replaced by '*' (MISP shows keys to admins the same way), or "" for an empty key.
func MaskAuthkey(k string) string {
	if k == "" {
		return ""
	}
	if len(k) <= 8 {
		return strings.Repeat("*", len(k))
	}
	return k[:4] + strings.Repeat("*", len(k)-8) + k[len(k)-4:]
}

// IsMaskedAuthkey reports whether k is a masked key (it holds '*', which no API key does): a client that sends
// back what it was shown leaves the stored key as it is.
func IsMaskedAuthkey(k string) bool { return strings.Contains(k, "*") }

// RuleList is one filter of a sync rule: values of which one must match (OR) and values none may match (NOT).
type RuleList struct {
	OR  []string `json:"OR"`
	NOT []string `json:"NOT"`
}

// ruleValues decodes a list of strings or numbers (MISP stores tag ids as numbers and names as strings).
type ruleValues []string

func (v *ruleValues) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		// MISP writes an empty PHP array as {} now and then.
		var obj map[string]json.RawMessage
		if json.Unmarshal(b, &obj) == nil && len(obj) == 0 {
			*v = nil
			return nil
		}
		return err
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) == nil {
			out = append(out, s)
			continue
		}
		var n json.Number
		if err := json.Unmarshal(r, &n); err != nil {
			return malformed("rule value %s is neither a string nor a number", r)
		}
		out = append(out, n.String())
	}
	if len(out) == 0 {
		out = nil
	}
	*v = out
	return nil
}

// UnmarshalJSON reads {"OR": [...], "NOT": [...]} with string or number values.
func (l *RuleList) UnmarshalJSON(b []byte) error {
	var w struct {
		OR  ruleValues `json:"OR"`
		NOT ruleValues `json:"NOT"`
	}
	if isNull(b) {
		*l = RuleList{}
		return nil
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*l = RuleList{OR: w.OR, NOT: w.NOT}
	return nil
}

// MarshalJSON writes both lists, as [] when empty.
func (l RuleList) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		OR  []string `json:"OR"`
		NOT []string `json:"NOT"`
	}{nonNil(l.OR), nonNil(l.NOT)})
}

// Empty reports whether l filters nothing.
func (l RuleList) Empty() bool { return len(l.OR) == 0 && len(l.NOT) == 0 }

// Allows reports whether a thing known by the names in have passes l: none of have is in NOT, and, when OR is
// not empty, one of have is in OR. Names compare without case.
func (l RuleList) Allows(have []string) bool {
	in := func(list []string) bool {
		for _, x := range list {
			for _, h := range have {
				if strings.EqualFold(strings.TrimSpace(x), h) {
					return true
				}
			}
		}
		return false
	}
	if in(l.NOT) {
		return false
	}
	return len(l.OR) == 0 || in(l.OR)
}

// SyncRules are a server's pull or push filter, MISP's JSON filter string: tags and organisations to require
// (OR) or refuse (NOT), attribute types and object templates to leave out, and (pull only) extra URL
// parameters. On the wire they are a JSON document inside a JSON string, as MISP stores them; a plain JSON
// object is accepted too.
type SyncRules struct {
	Tags           RuleList `json:"tags"`
	Orgs           RuleList `json:"orgs"`
	TypeAttributes RuleList `json:"type_attributes"`
	TypeObjects    RuleList `json:"type_objects"`
	URLParams      string   `json:"url_params"`
}

// IsZero reports whether r filters nothing.
func (r SyncRules) IsZero() bool {
	return r.Tags.Empty() && r.Orgs.Empty() && r.TypeAttributes.Empty() && r.TypeObjects.Empty() && r.URLParams == ""
}

// ParseSyncRules decodes a rules document: a JSON object, or "" and "[]" (MISP's empty rules) for none.
func ParseSyncRules(s string) (SyncRules, error) {
	type plain SyncRules
	var r plain
	t := strings.TrimSpace(s)
	if t == "" || t == "[]" || t == "{}" || t == "null" {
		return SyncRules{}, nil
	}
	if err := json.Unmarshal([]byte(t), &r); err != nil {
		return SyncRules{}, malformed("sync rules are not a valid JSON filter: %v", err)
	}
	return SyncRules(r), nil
}

// String returns the rules as the JSON document MISP stores.
func (r SyncRules) String() string {
	b, err := json.Marshal(struct {
		Tags           RuleList `json:"tags"`
		Orgs           RuleList `json:"orgs"`
		TypeAttributes RuleList `json:"type_attributes"`
		TypeObjects    RuleList `json:"type_objects"`
		URLParams      string   `json:"url_params"`
	}(r))
	if err != nil {
		return "{}"
	}
	return string(b)
}

// UnmarshalJSON accepts the rules as a JSON string holding the document (MISP's form) or as the object.
func (r *SyncRules) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if isNull(b) {
		*r = SyncRules{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := ParseSyncRules(s)
		if err != nil {
			return err
		}
		*r = v
		return nil
	}
	v, err := ParseSyncRules(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// MarshalJSON writes the rules as MISP does: a JSON string holding the document.
func (r SyncRules) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// serverWire is the whole server row as MISP answers it, every field present.
type serverWire struct {
	ID                  FlexInt   `json:"id"`
	Name                string    `json:"name"`
	URL                 string    `json:"url"`
	Authkey             string    `json:"authkey,omitempty"`
	OrgID               FlexInt   `json:"org_id"`
	Push                bool      `json:"push"`
	Pull                bool      `json:"pull"`
	PushSightings       bool      `json:"push_sightings"`
	LastPulledID        FlexInt   `json:"lastpulledid"`
	LastPushedID        FlexInt   `json:"lastpushedid"`
	RemoteOrgID         FlexInt   `json:"remote_org_id"`
	PublishWithoutEmail bool      `json:"publish_without_email"`
	UnpublishEvent      bool      `json:"unpublish_event"`
	SelfSigned          bool      `json:"self_signed"`
	PullRules           SyncRules `json:"pull_rules"`
	PushRules           SyncRules `json:"push_rules"`
	CertFile            *string   `json:"cert_file"`
	Internal            bool      `json:"internal"`
	SkipProxy           bool      `json:"skip_proxy"`
	CachingEnabled      bool      `json:"caching_enabled"`
	Priority            FlexInt   `json:"priority"`
}

func (s *Server) wire() serverWire {
	w := serverWire{ID: s.ID, Name: s.Name, URL: s.URL, Authkey: s.Authkey, OrgID: s.OrgID, Push: bool(s.Push),
		Pull: bool(s.Pull), PushSightings: bool(s.PushSightings), LastPulledID: s.LastPulledID,
		LastPushedID: s.LastPushedID, RemoteOrgID: s.RemoteOrgID, PublishWithoutEmail: bool(s.PublishWithoutEmail),
		UnpublishEvent: bool(s.UnpublishEvent), SelfSigned: bool(s.SelfSigned), PullRules: s.PullRules,
		PushRules: s.PushRules, Internal: bool(s.Internal), SkipProxy: bool(s.SkipProxy),
		CachingEnabled: bool(s.CachingEnabled), Priority: s.Priority}
	if s.CertFile != "" {
		w.CertFile = &s.CertFile
	}
	return w
}

// ServerOrg is the short organisation servers/index shows beside each server (Organisation, RemoteOrg).
type ServerOrg struct {
	ID   FlexInt `json:"id"`
	Name string  `json:"name"`
	UUID string  `json:"uuid"`
}

// ServerRow is one entry of servers/index: the server with its owner and remote organisations.
type ServerRow struct {
	Server       Server
	Organisation *ServerOrg
	RemoteOrg    *ServerOrg
}

// EncodeServer writes s as MISP answers servers/add and servers/edit: {"Server": {…}} with every field.
func EncodeServer(s *Server) ([]byte, error) { return encodeWrapped("Server", s.wire()) }

// EncodeServers writes rows as MISP answers servers/index: a list of {"Server", "Organisation", "RemoteOrg"}.
func EncodeServers(rows []ServerRow) ([]byte, error) {
	type entry struct {
		Server       serverWire `json:"Server"`
		Organisation *ServerOrg `json:"Organisation,omitempty"`
		RemoteOrg    *ServerOrg `json:"RemoteOrg,omitempty"`
	}
	out := make([]entry, 0, len(rows))
	for i := range rows {
		out = append(out, entry{rows[i].Server.wire(), rows[i].Organisation, rows[i].RemoteOrg})
	}
	return json.Marshal(out)
}

// DecodeServerInto decodes a servers/add or servers/edit body ({"Server": {…}} or the bare object) into s, and
// returns the names of the keys it held, sorted, so that an edit changes only those.
func DecodeServerInto(data []byte, s *Server) (set []string, err error) {
	var outer map[string]json.RawMessage
	if err := decodeBody(data, &outer); err != nil {
		return nil, fmt.Errorf("decoding server: %w", err)
	}
	inner := data
	if w, ok := outer["Server"]; ok {
		inner = w
		outer = nil
		if err := decodeBody(w, &outer); err != nil {
			return nil, fmt.Errorf("decoding server: %w", err)
		}
	}
	for k := range outer {
		set = append(set, k)
	}
	slices.Sort(set)
	if err := json.Unmarshal(inner, s); err != nil {
		return nil, fmt.Errorf("decoding server: %w", malformed("%v", err))
	}
	return set, nil
}
