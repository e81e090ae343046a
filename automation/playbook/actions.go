package playbook

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"slices"
	"strings"
	"time"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/respond"
	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/ioc"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/unpack"
)

// Env is what the built-in actions reach. Nil parts make their actions fail with a clear
// error naming what is not configured.
type Env struct {
	// Reputation looks indicators up; each result has at least indicator, type, verdict and
	// dbot_score (0–3).
	Reputation func(ctx context.Context, inds []enrich.Indicator) ([]map[string]any, error)
	// Intel and IntelUser: the intel store the intel actions write to, and as whom.
	Intel     *intel.Service
	IntelUser acl.User
	// Chat posts lines to a channel.
	Chat func(ctx context.Context, channel string, lines []string) error
	// Query runs a SIEM query on a named connection, in its own language, over the last span
	// ("24h", "7d"; "" for the connection's default), returning at most limit records.
	Query func(ctx context.Context, connection, query, last string, limit int) ([]map[string]any, error)
	// HTTP makes the http and webhook requests (http.DefaultClient when nil).
	HTTP *http.Client
	// Mail sends notify mails.
	Mail Mail
	// MaxResponseBytes bounds an http action's response body; default 1 MiB.
	MaxResponseBytes int64
	// EDR are the EDRs the isolate and release actions reach, by name (mde, crowdstrike).
	EDR map[string]respond.EDR
	// Directory is the LDAP directory the account actions change (none when nil).
	Directory *respond.LDAP
	// SIEMUpdate changes a SIEM's own incident or notable (Splunk ES notables by rule_uid,
	// Sentinel incidents by name) on a configured connection.
	SIEMUpdate func(ctx context.Context, connection, id string, u SIEMChange) (map[string]any, error)
}

// SIEMChange is what siem_update changes; empty fields stay.
type SIEMChange struct {
	Status, Owner, Comment, Severity, Classification string
}

// Mail is an SMTP relay.
type Mail struct {
	Addr     string // host:port
	From     string
	Username string // with Password, PLAIN authentication (the relay must offer TLS unless on loopback)
	Password string
}

// Builtins returns the built-in actions over env.
func Builtins(env Env) map[string]Action {
	return map[string]Action{
		"unpack":            actUnpack,
		"extract":           actExtract,
		"reputation":        env.reputation,
		"query":             env.query,
		"intel_add":         env.intelAdd,
		"block":             env.block,
		"intel_search":      env.intelSearch,
		"intel_sighting":    env.intelSighting,
		"notify":            env.notify,
		"http":              env.httpAction,
		"set":               actSet,
		"note":              actNote,
		"close":             actClose,
		"isolate":           env.edrAction("isolate"),
		"disable_account":   env.accountAction("disable"),
		"enable_account":    env.accountAction("enable"),
		"remove_from_group": env.accountAction("ungroup"),
		"release":           env.edrAction("release"),
		"evidence":          actEvidence,
	}
}

func str(args map[string]any, k string) string {
	v, ok := args[k]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil
		}
		return []string{x}
	case []any:
		var out []string
		for _, y := range x {
			out = append(out, fmt.Sprint(y))
		}
		return out
	case []string:
		return x
	}
	return nil
}

func need(args map[string]any, keys ...string) error {
	for _, k := range keys {
		if v, ok := args[k]; !ok || v == nil || v == "" {
			return fmt.Errorf("argument %q is required", k)
		}
	}
	return nil
}

// actUnpack decodes the encoded blobs in text (base64, hex, compression, UTF-16, archives).
func actUnpack(_ context.Context, c Call) (map[string]any, error) {
	if err := need(c.Args, "text"); err != nil {
		return nil, err
	}
	r := unpack.Unpack(str(c.Args, "text"))
	blobs := make([]any, 0, len(r.Blobs))
	for _, b := range r.Blobs {
		blobs = append(blobs, map[string]any{"encoding": b.Encoding(), "kind": b.Kind, "text": b.Text, "size": b.Size, "sha256": b.SHA256, "depth": b.Depth})
	}
	return map[string]any{"text": r.FullDecoded, "blobs": blobs, "count": len(blobs)}, nil
}

// actExtract finds indicators in text (of types, when given).
func actExtract(_ context.Context, c Call) (map[string]any, error) {
	if err := need(c.Args, "text"); err != nil {
		return nil, err
	}
	ex, err := ioc.NewExtractor(ioc.Options{})
	if err != nil {
		return nil, err
	}
	types := strs(c.Args["types"])
	seen := map[string]bool{}
	var inds []any
	for _, m := range ex.Extract(str(c.Args, "text")) {
		if len(types) > 0 && !slices.Contains(types, string(m.Type)) {
			continue
		}
		k := string(m.Type) + "\x00" + m.Value
		if !seen[k] {
			seen[k] = true
			inds = append(inds, map[string]any{"type": string(m.Type), "value": m.Value})
		}
	}
	return map[string]any{"indicators": inds, "count": len(inds)}, nil
}

// indicatorsArg reads a list of {type, value} maps, or of plain values classified by the
// ioc scanner.
func indicatorsArg(v any) ([]enrich.Indicator, error) {
	var ex *ioc.Extractor
	var out []enrich.Indicator
	items, _ := v.([]any)
	if s, ok := v.(string); ok && s != "" {
		items = []any{s}
	}
	for _, it := range items {
		switch x := it.(type) {
		case map[string]any:
			t, _ := x["type"].(string)
			val, _ := x["value"].(string)
			if t == "" || val == "" {
				return nil, fmt.Errorf("indicator %v: needs type and value", x)
			}
			out = append(out, enrich.Indicator{Type: ioc.Type(t), Value: val})
		case string:
			if ex == nil {
				var err error
				if ex, err = ioc.NewExtractor(ioc.Options{}); err != nil {
					return nil, err
				}
			}
			ms := ex.Extract(x)
			if len(ms) == 0 || ms[0].Start != 0 || ms[0].End != len(x) {
				return nil, fmt.Errorf("%q is not an indicator", x)
			}
			out = append(out, enrich.Indicator{Type: ms[0].Type, Value: ms[0].Value})
		default:
			return nil, fmt.Errorf("indicator %v: want {type, value} or a value", it)
		}
	}
	return out, nil
}

// reputation looks up indicators: every result, the highest DBotScore, and the malicious and
// suspicious ones.
func (env Env) reputation(ctx context.Context, c Call) (map[string]any, error) {
	if env.Reputation == nil {
		return nil, errors.New("reputation: no providers configured")
	}
	inds, err := indicatorsArg(c.Args["indicators"])
	if err != nil {
		return nil, err
	}
	if len(inds) == 0 {
		return map[string]any{"results": []any{}, "max_score": 0, "malicious": []any{}, "suspicious": []any{}}, nil
	}
	res, err := env.Reputation(ctx, inds)
	if err != nil {
		return nil, err
	}
	max := 0.0
	results, mal, sus := []any{}, []any{}, []any{}
	for _, r := range res {
		results = append(results, r)
		s, _ := number(r["dbot_score"])
		max = float64(max2(max, s))
		ind := map[string]any{"type": r["type"], "value": r["indicator"]}
		switch s {
		case 3:
			mal = append(mal, ind)
		case 2:
			sus = append(sus, ind)
		}
	}
	return map[string]any{"results": results, "max_score": max, "malicious": mal, "suspicious": sus}, nil
}

func max2(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// DefaultQueryLimit bounds the records a query action keeps in a run's state (its limit argument
// may lower it).
const DefaultQueryLimit = 10000

func (env Env) query(ctx context.Context, c Call) (map[string]any, error) {
	if env.Query == nil {
		return nil, errors.New("query: no SIEM connections configured")
	}
	if err := need(c.Args, "connection", "query"); err != nil {
		return nil, err
	}
	limit := DefaultQueryLimit
	if n, ok := number(c.Args["limit"]); ok && n > 0 && n < float64(DefaultQueryLimit) {
		limit = int(n)
	}
	rows, err := env.Query(ctx, str(c.Args, "connection"), str(c.Args, "query"), str(c.Args, "last"), limit)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(rows))
	for i, r := range rows {
		out[i] = r
	}
	return map[string]any{"records": out, "count": len(rows)}, nil
}

// eventUUID derives an event's UUID from an execution key, so that the event a repeated
// execution would make is the one already made.
func eventUUID(key string) string {
	h := sha256.Sum256([]byte("hunch playbook event\x00" + key))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// intelReady says why the intel actions cannot run, if they cannot.
func (env Env) intelReady(action string) error {
	switch {
	case env.Intel == nil:
		return fmt.Errorf("%s: no intel store", action)
	case env.IntelUser.OrgID == 0:
		return fmt.Errorf("%s: the intel store has no host organisation yet (run 'hunch init' or start 'hunch serve' once)", action)
	}
	return nil
}

// NewEvent is an intel event an action records: its indicators, tags and comment, whether they are
// marked for detection, and whether each gets a sighting. Key makes it idempotent: the event's
// UUID is derived from it, so recording it again finds the event made the first time.
type NewEvent struct {
	Key, Info, Comment string
	Indicators         []enrich.Indicator
	Tags               []string
	ToIDS              *bool
	Sightings          bool
}

// Record stores ev in the intel store (or finds it, made before under the same key) and adds the
// sightings it asks for once.
func (env Env) Record(ctx context.Context, ev NewEvent) (map[string]any, error) {
	if len(ev.Indicators) == 0 {
		return nil, errors.New("no indicators")
	}
	uuid := eventUUID(ev.Key)
	stored, err := env.Intel.Store().EventByUUID(ctx, uuid)
	made := false
	if errors.Is(err, store.ErrNotFound) {
		ne := &misp.Event{Info: ev.Info, UUID: uuid, ThreatLevel: misp.ThreatLevel(2)}
		for _, t := range ev.Tags {
			ne.Tag = append(ne.Tag, misp.Tag{Name: t})
		}
		for _, i := range ev.Indicators {
			a := misp.Attribute{Type: i.Type.MISPType(), Value: i.Value, Comment: ev.Comment}
			if ev.ToIDS != nil {
				a.ToIDS = misp.OptBoolOf(*ev.ToIDS)
			}
			ne.Attribute = append(ne.Attribute, a)
		}
		if stored, err = env.Intel.AddEvent(ctx, env.IntelUser, ne, false); err != nil {
			return nil, err
		}
		made = true
	} else if err != nil {
		return nil, err
	}
	sightings := 0
	if ev.Sightings {
		existing, err := env.Intel.EventSightings(ctx, env.IntelUser, stored)
		if err != nil {
			return nil, err
		}
		if len(existing) == 0 {
			for _, a := range stored.Attribute {
				s, err := env.Intel.AddSightings(ctx, env.IntelUser, intel.SightingInput{Attribute: a.UUID, Type: misp.SightingSeen,
					Source: "hunch playbook"})
				if err != nil {
					return nil, fmt.Errorf("sighting %s: %w", a.Value, err)
				}
				sightings += len(s)
			}
		} else {
			sightings = len(existing)
		}
	}
	return map[string]any{"event_id": int64(stored.ID), "event_uuid": stored.UUID, "attributes": len(stored.Attribute), "sightings": sightings,
		"created": made}, nil
}

// intelAdd records indicators as a new intel event (with sightings unless sightings: false) and
// links the incident to it.
func (env Env) intelAdd(ctx context.Context, c Call) (map[string]any, error) {
	if err := env.intelReady("intel_add"); err != nil {
		return nil, err
	}
	inds, err := indicatorsArg(c.Args["indicators"])
	if err != nil {
		return nil, err
	}
	ev := NewEvent{Key: c.Key, Info: str(c.Args, "info"), Comment: fmt.Sprintf("hunch incident %d", c.Incident.ID), Indicators: inds,
		Tags: strs(c.Args["tags"]), Sightings: true}
	if ev.Info == "" {
		ev.Info = fmt.Sprintf("incident %d: %s", c.Incident.ID, c.Incident.Name)
	}
	if ids, ok := c.Args["to_ids"].(bool); ok {
		ev.ToIDS = &ids
	}
	if v, ok := c.Args["sightings"].(bool); ok {
		ev.Sightings = v
	}
	out, err := env.Record(ctx, ev)
	if err != nil {
		return nil, fmt.Errorf("intel_add: %w", err)
	}
	if _, err := incidents(c).Update(ctx, c.Incident.ID, c.Engine.actor(), automation.Change{AddLabels: []string{automation.IntelEventLabel(out["event_uuid"].(string))}}); err != nil {
		return nil, err
	}
	return out, nil
}

// BlockTag is the tag that puts an attribute on blocklist list (server.edl selects it).
func BlockTag(list string) (string, error) {
	if list == "" || strings.ContainsAny(list, " \t\r\n,") {
		return "", errors.New(`a blocklist name (e.g. c2) is required, without spaces or commas`)
	}
	return "edl:" + list, nil
}

// block puts indicators on a blocklist: an intel event whose attributes carry the tag
// edl:LIST and are marked for detection, which the External Dynamic List that selects that tag
// (server.edl in the configuration) serves to the firewalls from then on.
func (env Env) block(ctx context.Context, c Call) (map[string]any, error) {
	if err := env.intelReady("block"); err != nil {
		return nil, err
	}
	list := str(c.Args, "list")
	tag, err := BlockTag(list)
	if err != nil {
		return nil, fmt.Errorf("block: %w", err)
	}
	inds, err := indicatorsArg(c.Args["indicators"])
	if err != nil {
		return nil, err
	}
	yes := true
	out, err := env.Record(ctx, NewEvent{Key: c.Key, Info: fmt.Sprintf("hunch blocklist %s: incident %d, %s", list, c.Incident.ID, c.Incident.Name),
		Comment: fmt.Sprintf("hunch incident %d", c.Incident.ID), Indicators: inds, Tags: []string{tag}, ToIDS: &yes})
	if err != nil {
		return nil, fmt.Errorf("block: %w", err)
	}
	out["list"] = list
	return out, nil
}

// intelSearch finds what the intel store holds for values.
func (env Env) intelSearch(ctx context.Context, c Call) (map[string]any, error) {
	if err := env.intelReady("intel_search"); err != nil {
		return nil, err
	}
	values := strs(c.Args["values"])
	if len(values) == 0 {
		values = strs(c.Args["value"])
	}
	if len(values) == 0 {
		return nil, errors.New(`intel_search: argument "values" is required`)
	}
	seq, _ := env.Intel.SearchAttributes(ctx, env.IntelUser, intel.Search{Value: store.Any(values...)})
	hits := []any{}
	events := map[int64]bool{}
	for a, err := range seq {
		if err != nil {
			return nil, err
		}
		events[int64(a.EventID)] = true
		hits = append(hits, map[string]any{"value": a.Value, "type": a.Type, "event_id": int64(a.EventID), "to_ids": a.ToIDS.Bool()})
		if len(hits) >= 1000 {
			break
		}
	}
	return map[string]any{"hits": hits, "count": len(hits), "events": len(events)}, nil
}

// intelSighting records a sighting of each value the intel store holds.
func (env Env) intelSighting(ctx context.Context, c Call) (map[string]any, error) {
	if err := env.intelReady("intel_sighting"); err != nil {
		return nil, err
	}
	values := strs(c.Args["values"])
	if len(values) == 0 {
		return nil, errors.New(`intel_sighting: argument "values" is required`)
	}
	source := str(c.Args, "source")
	if source == "" {
		source = "hunch playbook"
	}
	s, err := env.Intel.AddSightings(ctx, env.IntelUser, intel.SightingInput{Values: values, Type: misp.SightingSeen, Source: source})
	if err != nil {
		return nil, fmt.Errorf("intel_sighting: %w", err)
	}
	return map[string]any{"count": len(s)}, nil
}

// notify sends a message by chat (channel), webhook (url, JSON body) or mail (to).
func (env Env) notify(ctx context.Context, c Call) (map[string]any, error) {
	msg := str(c.Args, "message")
	if msg == "" {
		return nil, errors.New(`notify: argument "message" is required`)
	}
	switch via := str(c.Args, "via"); via {
	case "", "chat":
		if env.Chat == nil {
			return nil, errors.New("notify: no chat connection")
		}
		ch := str(c.Args, "channel")
		if ch == "" {
			return nil, errors.New(`notify: argument "channel" is required`)
		}
		if err := env.Chat(ctx, ch, strings.Split(msg, "\n")); err != nil {
			return nil, err
		}
		return map[string]any{"via": "chat", "channel": ch}, nil
	case "webhook":
		body, _ := json.Marshal(map[string]any{"text": msg, "incident": c.Incident.ID, "run": c.Run, "task": c.Task})
		status, _, err := env.do(ctx, http.MethodPost, str(c.Args, "url"), map[string]string{"Content-Type": "application/json"}, body, c.Key)
		if err != nil {
			return nil, err
		}
		return map[string]any{"via": "webhook", "status": status}, nil
	case "mail":
		to := strs(c.Args["to"])
		if len(to) == 0 || env.Mail.Addr == "" || env.Mail.From == "" {
			return nil, errors.New("notify: mail needs to, and a configured relay and sender")
		}
		subject := str(c.Args, "subject")
		if subject == "" {
			subject = fmt.Sprintf("hunch incident %d: %s", c.Incident.ID, c.Incident.Name)
		}
		if err := env.Mail.send(to, subject, msg, c.Key); err != nil {
			return nil, fmt.Errorf("notify: mail: %w", err)
		}
		return map[string]any{"via": "mail", "to": toAny(to)}, nil
	default:
		return nil, fmt.Errorf("notify: via %q: want chat, webhook or mail", via)
	}
}

// send mails body to rcpt, with the key as Message-ID so a repeat is recognisable.
func (m Mail) send(to []string, subject, body, key string) error {
	for _, s := range append(slices.Clone(to), subject, m.From) {
		if strings.ContainsAny(s, "\r\n") {
			return errors.New("a line break in an address or the subject")
		}
	}
	var auth smtp.Auth
	if m.Username != "" {
		host, _, _ := strings.Cut(m.Addr, ":")
		auth = smtp.PlainAuth("", m.Username, m.Password, host)
	}
	h := sha256.Sum256([]byte(key))
	msg := "From: " + m.From + "\r\nTo: " + strings.Join(to, ", ") + "\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + hex.EncodeToString(h[:12]) + "@hunch>\r\nDate: " + time.Now().UTC().Format(time.RFC1123Z) +
		"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n") + "\r\n"
	return smtp.SendMail(m.Addr, auth, m.From, to, []byte(msg))
}

// httpAction makes an HTTP request: method, url, headers, body (text, or JSON for a map or a
// list). The output has status and body (decoded when JSON).
func (env Env) httpAction(ctx context.Context, c Call) (map[string]any, error) {
	method := strings.ToUpper(str(c.Args, "method"))
	if method == "" {
		method = http.MethodGet
	}
	headers := map[string]string{}
	if h, ok := c.Args["headers"].(map[string]any); ok {
		for k, v := range h {
			headers[k] = fmt.Sprint(v)
		}
	}
	var body []byte
	switch b := c.Args["body"].(type) {
	case nil:
	case string:
		body = []byte(b)
	default:
		body, _ = json.Marshal(b)
		if headers["Content-Type"] == "" {
			headers["Content-Type"] = "application/json"
		}
	}
	status, resp, err := env.do(ctx, method, str(c.Args, "url"), headers, body, c.Key)
	if err != nil {
		return nil, err
	}
	var decoded any = string(resp)
	var j any
	if json.Unmarshal(resp, &j) == nil {
		decoded = j
	}
	return map[string]any{"status": status, "body": decoded}, nil
}

// do sends a request with the execution key as Idempotency-Key; a non-2xx answer is an error.
func (env Env) do(ctx context.Context, method, url string, headers map[string]string, body []byte, key string) (int, []byte, error) {
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return 0, nil, fmt.Errorf("url %q: want http:// or https://", url)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("User-Agent", "hunch-playbook")
	cl := env.HTTP
	if cl == nil {
		cl = http.DefaultClient
	}
	res, err := cl.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	limit := env.MaxResponseBytes
	if limit <= 0 {
		limit = 1 << 20
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return res.StatusCode, nil, err
	}
	if int64(len(b)) > limit {
		return res.StatusCode, nil, fmt.Errorf("%s %s: response larger than %d bytes", method, url, limit)
	}
	if res.StatusCode/100 != 2 {
		return res.StatusCode, b, fmt.Errorf("%s %s: %s", method, url, res.Status)
	}
	return res.StatusCode, b, nil
}

func incidents(c Call) *automation.Incidents { return c.Engine.Incidents }

// actSet changes the incident's severity, owner or status.
func actSet(ctx context.Context, c Call) (map[string]any, error) {
	var ch automation.Change
	if s := str(c.Args, "severity"); s != "" {
		v, err := automation.ParseSeverity(s)
		if err != nil {
			return nil, err
		}
		ch.Severity = &v
	}
	if _, ok := c.Args["owner"]; ok {
		o := str(c.Args, "owner")
		ch.Owner = &o
	}
	if s := str(c.Args, "status"); s != "" {
		ch.Status = &s
	}
	if ch.Severity == nil && ch.Owner == nil && ch.Status == nil {
		return nil, errors.New("set: give severity, owner or status")
	}
	inc, err := incidents(c).Update(ctx, c.Incident.ID, c.Engine.actor(), ch)
	if err != nil {
		return nil, err
	}
	return map[string]any{"severity": inc.Severity, "owner": inc.Owner, "status": inc.Status}, nil
}

// actNote journals a note.
func actNote(ctx context.Context, c Call) (map[string]any, error) {
	e, err := incidents(c).Note(ctx, c.Incident.ID, c.Engine.actor(), str(c.Args, "text"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"entry": e.Seq}, nil
}

// actClose closes the incident (status done), journaling the reason.
func actClose(ctx context.Context, c Call) (map[string]any, error) {
	done := "done"
	if r := str(c.Args, "reason"); r != "" {
		if _, err := incidents(c).Note(ctx, c.Incident.ID, c.Engine.actor(), "closed: "+r); err != nil {
			return nil, err
		}
	}
	inc, err := incidents(c).Update(ctx, c.Incident.ID, c.Engine.actor(), automation.Change{Status: &done})
	if err != nil {
		return nil, err
	}
	return map[string]any{"status": inc.Status}, nil
}

// actEvidence keeps a value as evidence.
func actEvidence(ctx context.Context, c Call) (map[string]any, error) {
	if err := need(c.Args, "name", "value"); err != nil {
		return nil, err
	}
	ev, err := incidents(c).AddEvidence(ctx, c.Incident.ID, c.Engine.actor(), "value", str(c.Args, "name"), []byte(str(c.Args, "value")))
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": ev.ID, "sha256": ev.SHA256, "entry": ev.Entry}, nil
}

// edrAction isolates or releases a host on an EDR: host, edr (the only one configured when
// omitted), comment, dry_run. The output holds every request sent and reply got.
func (env Env) edrAction(verb string) Action {
	return func(ctx context.Context, c Call) (map[string]any, error) {
		if err := need(c.Args, "host"); err != nil {
			return nil, err
		}
		name := str(c.Args, "edr")
		if name == "" && len(env.EDR) == 1 {
			for n := range env.EDR {
				name = n
			}
		}
		edr := env.EDR[name]
		if edr == nil {
			return nil, fmt.Errorf("%s: no EDR %q configured (configured: %d)", verb, name, len(env.EDR))
		}
		comment := str(c.Args, "comment")
		if comment == "" {
			comment = fmt.Sprintf("hunch incident %d: %s", c.Incident.ID, c.Incident.Name)
		}
		dry, _ := c.Args["dry_run"].(bool)
		var r respond.Result
		var err error
		if verb == "isolate" {
			r, err = edr.Isolate(ctx, str(c.Args, "host"), comment, dry)
		} else {
			r, err = edr.Release(ctx, str(c.Args, "host"), comment, dry)
		}
		if err != nil {
			return nil, err
		}
		out, _ := jsonRound(r).(map[string]any)
		out["edr"] = name
		return out, nil
	}
}

// accountAction disables or enables an account, or removes it from a group, in the directory:
// account, group (for remove_from_group), dry_run. The output holds the entry and the values
// before and after.
func (env Env) accountAction(what string) Action {
	return func(ctx context.Context, c Call) (map[string]any, error) {
		if env.Directory == nil {
			return nil, fmt.Errorf("%s: no directory configured (HUNCH_LDAP_URL)", what)
		}
		if err := need(c.Args, "account"); err != nil {
			return nil, err
		}
		dry, _ := c.Args["dry_run"].(bool)
		var r respond.AccountResult
		var err error
		switch what {
		case "disable", "enable":
			r, err = env.Directory.SetDisabled(ctx, str(c.Args, "account"), what == "disable", dry)
		default:
			if err := need(c.Args, "group"); err != nil {
				return nil, err
			}
			r, err = env.Directory.RemoveFromGroup(ctx, str(c.Args, "account"), str(c.Args, "group"), dry)
		}
		if err != nil {
			return nil, err
		}
		out, _ := jsonRound(r).(map[string]any)
		return out, nil
	}
}

// siemUpdate changes the SIEM's incident or notable the alert came from: connection, id, status,
// owner, comment, severity, classification.
func (env Env) siemUpdate(ctx context.Context, c Call) (map[string]any, error) {
	if env.SIEMUpdate == nil {
		return nil, errors.New("siem_update: no SIEM connections")
	}
	if err := need(c.Args, "connection", "id"); err != nil {
		return nil, err
	}
	ch := SIEMChange{Status: str(c.Args, "status"), Owner: str(c.Args, "owner"), Comment: str(c.Args, "comment"),
		Severity: str(c.Args, "severity"), Classification: str(c.Args, "classification")}
	if ch == (SIEMChange{}) {
		return nil, errors.New("siem_update: give status, owner, comment, severity or classification")
	}
	return env.SIEMUpdate(ctx, str(c.Args, "connection"), str(c.Args, "id"), ch)
}
