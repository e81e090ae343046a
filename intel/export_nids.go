package intel

// NIDS exports: Suricata and Snort rules written as MISP's NidsExport, NidsSuricataExport and NidsSnortExport
// write them, one rule or more per attribute, streamed.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// Settings the sensor exports read from the store.
const (
	// SettingBaseURL is MISP.baseurl: the instance's external URL, which NIDS rules and Zeek files point at
	// (<baseurl>/events/view/<id>). Unset, it is empty and references read "/events/view/<id>", as MISP
	// writes them with an empty MISP.baseurl.
	SettingBaseURL = "MISP.baseurl"
	// SettingNIDSSid is the sid base of NIDS rules for exporters without a nids_sid of their own (the system,
	// users whose nids_sid is 0); unset it is DefaultNIDSSid.
	SettingNIDSSid = "nids_sid"
)

// DefaultNIDSSid is the sid base of NIDS rules when SettingNIDSSid is unset, MISP's default nids_sid.
const DefaultNIDSSid = 4000000

// NIDSOptions shape a Suricata or Snort export.
type NIDSOptions struct {
	// Format is FormatSuricata or FormatSnort.
	Format Format
	// SidBase is added to each attribute's id times ten to number its rules.
	SidBase int64
	// BaseURL is MISP.baseurl, the start of each rule's reference URL.
	BaseURL string
}

// NIDSEvent is what a rule says of the event of its attribute.
type NIDSEvent struct {
	ID          int64
	ThreatLevel misp.ThreatLevel
}

// NIDSWriter writes MISP's NIDS exports: the explanation header, then rules, one per line. As MISP's, the
// lines are joined by newlines and each rule ends with ";) ". Rule n (from 1) of attribute id has sid
// SidBase + id*10 + n.
type NIDSWriter struct {
	w       io.Writer
	opts    NIDSOptions
	started bool
	buf     []byte
}

// NewNIDSWriter returns a NIDSWriter writing to w.
func NewNIDSWriter(w io.Writer, opts NIDSOptions) *NIDSWriter {
	return &NIDSWriter{w: w, opts: opts}
}

// WriteHeader writes the comment lines MISP starts the export with.
func (n *NIDSWriter) WriteHeader() error {
	for _, l := range []string{
		"# MISP export of IDS rules - optimized for " + string(n.opts.Format),
		"#",
		"# These NIDS rules contain some variables that need to exist in your configuration.",
		"# Make sure you have set:",
		"#",
		"# $HOME_NET     - Your internal network range",
		"# $EXTERNAL_NET - The network considered as outside",
		"# $SMTP_SERVERS - All your internal SMTP servers",
		"# $HTTP_PORTS   - The ports used to contain HTTP traffic (not required with suricata export)",
		"# ",
	} {
		if err := n.line(l); err != nil {
			return err
		}
	}
	return nil
}

func (n *NIDSWriter) line(l string) error {
	n.buf = n.buf[:0]
	if n.started {
		n.buf = append(n.buf, '\n')
	}
	n.started = true
	n.buf = append(n.buf, l...)
	for i := len(n.buf) - len(l); i < len(n.buf); i++ {
		if n.buf[i] == '\n' || n.buf[i] == '\r' {
			n.buf[i] = ' ' // a line break in a value must not start a line of its own
		}
	}
	if _, err := n.w.Write(n.buf); err != nil {
		return fmt.Errorf("intel: write %s: %w", n.opts.Format, err)
	}
	return nil
}

// nidsRule is one rule being written: the parts MISP's rule format fills in.
type nidsRule struct {
	msgPrefix string // msg: "MISP e<id> [<tags>]
	reference string // reference:url,…
	priority  string
	sid       int64
}

func (n *NIDSWriter) rule(r *nidsRule, proto, src, sport, dst, dport, msg, content, tag string) error {
	l := "alert " + proto + " " + src + " " + sport + " -> " + dst + " " + dport + " (" + r.msgPrefix + msg + "\"; " +
		content + " " + tag + " classtype:trojan-activity; sid:" + strconv.FormatInt(r.sid, 10) + "; rev:1; priority:" +
		r.priority + "; " + r.reference + ";) "
	r.sid++
	return n.line(l)
}

func (n *NIDSWriter) newRule(id int64, e NIDSEvent, tags []string) *nidsRule {
	return &nidsRule{
		msgPrefix: "msg: \"MISP e" + strconv.FormatInt(e.ID, 10) + " [" + nidsMsgEscaper.Replace(strings.Join(tags, ",")) + "] ",
		reference: "reference:url," + n.opts.BaseURL + "/events/view/" + strconv.FormatInt(e.ID, 10),
		priority:  strconv.Itoa(int(e.ThreatLevel)),
		sid:       n.opts.SidBase + id*10 + 1,
	}
}

// WriteAttribute writes the rules for a, of event e, tagged tags (in MISP's order: the attribute's, then in
// an event export the event's). Types without rules write nothing.
func (n *NIDSWriter) WriteAttribute(a *misp.Attribute, e NIDSEvent, tags []string) error {
	r := n.newRule(int64(a.ID), e, tags)
	v := a.Value
	suricata := n.opts.Format == FormatSuricata
	switch a.Type {
	case "ip-dst", "ip-dst|port":
		return n.ipDst(r, a.Type, v)
	case "ip-src", "ip-src|port":
		return n.ipSrc(r, a.Type, v)
	case "email":
		if err := n.email(r, "MAIL FROM", "Source Email Address: ", v); err != nil {
			return err
		}
		return n.email(r, "RCPT TO", "Destination Email Address: ", v)
	case "email-src":
		return n.email(r, "MAIL FROM", "Source Email Address: ", v)
	case "email-dst":
		return n.email(r, "RCPT TO", "Destination Email Address: ", v)
	case "email-subject":
		content := `flow:established,to_server; content:"Subject|3a|"; nocase; content:"` + nidsEscape(v) +
			`"; fast_pattern; nocase; content:"|0D 0A 0D 0A|"; within:8192;`
		return n.rule(r, "tcp", "$EXTERNAL_NET", "any", "$SMTP_SERVERS", "25", "Bad Email Subject", content, nidsSessionTag)
	case "email-attachment":
		content := `flow:established,to_server; content:"Content-Disposition|3a| attachment|3b| filename|3d 22|"; content:"` +
			nidsEscape(v) + `|22|"; fast_pattern; content:"|0D 0A 0D 0A|"; within:8192;`
		return n.rule(r, "tcp", "$EXTERNAL_NET", "any", "$SMTP_SERVERS", "25", "Bad Email Attachment", content, nidsSessionTag)
	case "domain":
		return n.domain(r, v)
	case "domain|ip":
		d, ip, _ := strings.Cut(v, "|")
		if err := n.domain(r, d); err != nil {
			return err
		}
		if err := n.ipDst(r, "ip-dst", ip); err != nil {
			return err
		}
		return n.ipSrc(r, "ip-src", ip)
	case "hostname":
		return n.hostname(r, v)
	case "url":
		if suricata {
			return n.suricataURL(r, v)
		}
		ev := nidsEscape(v)
		return n.rule(r, "tcp", "$HOME_NET", "any", "$EXTERNAL_NET", "$HTTP_PORTS", "Outgoing HTTP URL: "+ev,
			`flow:to_server,established; content:"`+ev+`"; nocase; http_uri;`, nidsSessionTag)
	case "user-agent":
		ev := nidsEscape(v)
		if suricata {
			return n.rule(r, "http", "$HOME_NET", "any", "$EXTERNAL_NET", "any", "Outgoing User-Agent "+ev,
				`flow:to_server,established; content:"`+ev+`"; fast_pattern; http_user_agent;`, nidsSessionTag)
		}
		return n.rule(r, "tcp", "$HOME_NET", "any", "$EXTERNAL_NET", "$HTTP_PORTS", "Outgoing User-Agent: "+ev,
			`flow:to_server,established; content:"`+ev+`"; http_header;`, nidsSessionTag)
	case "ja3-fingerprint-md5", "ja3s-fingerprint-md5":
		if !suricata {
			return nil // Snort has no JA3 keyword
		}
		kw, label := "ja3.hash", "JA3 Hash: "
		if a.Type == "ja3s-fingerprint-md5" {
			kw, label = "ja3s.hash", "JA3S Hash: "
		}
		ev := nidsEscape(v)
		return n.rule(r, "tls", "any", "any", "any", "any", label+ev, kw+`; content:"`+ev+`"; fast_pattern;`, nidsSessionTag)
	case "snort":
		return n.snort(r, v)
	}
	return nil
}

// WriteObject writes the rule MISP writes for a whole network-connection or ddos object of an event export
// (objects of other templates are exported attribute by attribute); tags are its attributes' tags and the
// event's. It reports whether o is one of these objects.
func (n *NIDSWriter) WriteObject(o *misp.Object, e NIDSEvent, tags []string) (bool, error) {
	if o.Name != "network-connection" && o.Name != "ddos" {
		return false, nil
	}
	rel := map[string]string{}
	for i := range o.Attribute {
		rel[string(o.Attribute[i].ObjectRelation)] = o.Attribute[i].Value
	}
	get := func(k, def string) string {
		if v, ok := rel[k]; ok {
			return v
		}
		return def
	}
	r := n.newRule(int64(o.ID), e, tags)
	proto, label := get("layer4-protocol", "ip"), "Network connection between "
	if o.Name == "ddos" {
		proto, label = get("protocol", "ip"), "DDOS attack detected between "
	}
	src, dst := get("ip-src", "$HOME_NET"), get("ip-dst", "$HOME_NET")
	return true, n.rule(r, proto, src, get("src-port", "any"), dst, get("dst-port", "any"), label+src+" and "+dst, "", "")
}

const nidsSessionTag = "tag:session,600,seconds;"

// nidsMsgEscaper escapes the tag names a rule's msg lists as Suricata and Snort read a quoted msg (\", \; and
// \\). MISP writes them raw, so that a galaxy tag (misp-galaxy:threat-actor="Sofacy") ends the msg early and
// the rule does not load.
var nidsMsgEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, ";", `\;`)

func nidsIPPort(typ, v string) (ip, port string) {
	if strings.Contains(typ, "port") {
		ip, port, _ = strings.Cut(v, "|")
		return ip, port
	}
	return v, "any"
}

func (n *NIDSWriter) ipDst(r *nidsRule, typ, v string) error {
	ip, port := nidsIPPort(typ, v)
	return n.rule(r, "ip", "$HOME_NET", "any", ip, port, "Outgoing To IP: "+v, "", "")
}

func (n *NIDSWriter) ipSrc(r *nidsRule, typ, v string) error {
	ip, port := nidsIPPort(typ, v)
	return n.rule(r, "ip", ip, port, "$HOME_NET", "any", "Incoming From IP: "+v, "", "")
}

func (n *NIDSWriter) email(r *nidsRule, verb, label, v string) error {
	ev := nidsEscape(v)
	content := `flow:established,to_server; content:"` + verb + `|3a|"; nocase; content:"` + ev +
		`"; fast_pattern; nocase; content:"|0D 0A 0D 0A|"; within:8192;`
	return n.rule(r, "tcp", "$EXTERNAL_NET", "any", "$SMTP_SERVERS", "25", label+ev, content, nidsSessionTag)
}

func (n *NIDSWriter) domain(r *nidsRule, v string) error {
	ev := nidsEscape(v)
	q := pregQuote(ev)
	if n.opts.Format == FormatSuricata {
		if err := n.rule(r, "dns", "any", "any", "any", "any", "Domain "+ev,
			`dns.query; content:"`+ev+`"; nocase; pcre: "/(^|[^A-Za-z0-9-])`+q+`$/i";`, ""); err != nil {
			return err
		}
		return n.rule(r, "http", "$HOME_NET", "any", "$EXTERNAL_NET", "any", "Outgoing HTTP Domain "+ev,
			`flow:to_server,established; http.header; content: "Host|3a|"; nocase; http.header; content:"`+ev+
				`"; fast_pattern; nocase; pcre: "/(^|[^A-Za-z0-9-])`+q+`[^A-Za-z0-9-\.]/Hi";`, nidsSessionTag)
	}
	content := `content:"|01 00 00 01 00 00 00 00 00 01|"; depth:10; offset:2; content:"` + dnsRawName(ev, false) +
		`"; fast_pattern; nocase;`
	if err := n.rule(r, "udp", "any", "any", "any", "53", "Domain: "+ev, content, ""); err != nil {
		return err
	}
	if err := n.rule(r, "tcp", "any", "any", "any", "53", "Domain: "+ev, content+" flow:established;", ""); err != nil {
		return err
	}
	return n.rule(r, "tcp", "$HOME_NET", "any", "$EXTERNAL_NET", "$HTTP_PORTS", "Outgoing HTTP Domain: "+ev,
		`flow:to_server,established; content: "Host|3a|"; nocase; http_header; content:"`+ev+
			`"; fast_pattern; nocase; http_header; pcre: "/(^|[^A-Za-z0-9-])`+q+`[^A-Za-z0-9-\.]/H";`, nidsSessionTag)
}

func (n *NIDSWriter) hostname(r *nidsRule, v string) error {
	ev := nidsEscape(v)
	q := pregQuote(ev)
	if n.opts.Format == FormatSuricata {
		if err := n.rule(r, "dns", "any", "any", "any", "any", "Hostname "+ev,
			`dns.query; content:"`+ev+`"; nocase; pcre: "/(^|[^A-Za-z0-9-\.])`+q+`$/i";`, ""); err != nil {
			return err
		}
		return n.rule(r, "http", "$HOME_NET", "any", "$EXTERNAL_NET", "any", "Outgoing HTTP Hostname "+ev,
			`flow:to_server,established; http.header; content: "Host|3a| `+ev+`"; fast_pattern; nocase; pcre: "/(^|[^A-Za-z0-9-\.])`+
				q+`[^A-Za-z0-9-\.]/Hi";`, nidsSessionTag)
	}
	content := `content:"|01 00 00 01 00 00 00 00 00 01|"; depth:10; offset:2; content:"` + dnsRawName(ev, true) +
		`"; fast_pattern; nocase;`
	if err := n.rule(r, "udp", "any", "any", "any", "53", "Hostname: "+ev, content, ""); err != nil {
		return err
	}
	if err := n.rule(r, "tcp", "any", "any", "any", "53", "Hostname: "+ev, content+" flow:established;", ""); err != nil {
		return err
	}
	return n.rule(r, "tcp", "$HOME_NET", "any", "$EXTERNAL_NET", "$HTTP_PORTS", "Outgoing HTTP Hostname: "+ev,
		`flow:to_server,established; content: "Host|3a| `+ev+`"; nocase; http_header; pcre: "/(^|[^A-Za-z0-9-\.])`+q+
			`[^A-Za-z0-9-\.]/H";`, nidsSessionTag)
}

// suricataURL writes NidsSuricataExport's url rule, which depends on the URL's scheme: http matches host and
// path, https the TLS SNI, ssh and ftp an IP host only (no rule for a named host), anything else the URI.
func (n *NIDSWriter) suricataURL(r *nidsRule, v string) error {
	u := phpParseURL(v)
	msg := "Outgoing URL " + nidsEscape(v)
	switch u.scheme {
	case "http":
		host := strings.Trim(nidsEscape(u.host), "[]")
		content := `flow:to_server,established; http.header; content:"` + host + `"; nocase;`
		if u.hasPath {
			content = `flow:to_server,established; http.header; content:"` + host + `"; fast_pattern; nocase; http.uri; content:"` +
				nidsEscape(u.path) + `"; nocase;`
		}
		return n.rule(r, "http", "$HOME_NET", "any", nidsCustomIP(host), nidsProtocolPort("http", u.port), msg, content, nidsSessionTag)
	case "https":
		host := nidsEscape(u.host)
		return n.rule(r, "tls", "$HOME_NET", "any", "$EXTERNAL_NET", nidsProtocolPort("https", u.port), msg,
			`tls.sni; content:"`+host+`";`, nidsSessionTag)
	case "ssh", "ftp":
		if _, err := netip.ParseAddr(u.host); err != nil || strings.Contains(u.host, "%") {
			return nil
		}
		port := "$SSH_PORTS"
		if u.scheme == "ftp" {
			port = nidsProtocolPort("ftp", u.port)
		}
		return n.rule(r, "tcp", "$HOME_NET", "any", u.host, port, msg, "flow:to_server; app-layer-protocol:"+u.scheme+";", "")
	}
	return n.rule(r, "http", "$HOME_NET", "any", "$EXTERNAL_NET", "any", msg,
		`flow:to_server,established; http.uri; content:"`+nidsEscape(v)+`"; fast_pattern; nocase;`, nidsSessionTag)
}

func nidsProtocolPort(scheme, port string) string {
	if port != "" {
		return port
	}
	switch scheme {
	case "http":
		return "$HTTP_PORTS"
	case "https":
		return "443"
	case "ssh":
		return "22"
	case "ftp":
		return "[20,21]"
	}
	return "any"
}

func nidsCustomIP(host string) string {
	if _, err := netip.ParseAddr(host); err == nil && !strings.Contains(host, "%") {
		return host
	}
	return "$EXTERNAL_NET"
}

// parsedURL is what MISP reads of a URL with PHP's parse_url.
type parsedURL struct {
	scheme, host, port, path string
	hasPath                  bool
}

// phpParseURL splits v as PHP's parse_url does for the URLs NIDS rules are made of: scheme "://" authority
// (user info dropped, [IPv6] kept bracketed, a numeric port split off) then the path up to '?' or '#'.
// Without "://" there is no scheme or host.
func phpParseURL(v string) parsedURL {
	var u parsedURL
	i := strings.Index(v, "://")
	if i <= 0 || strings.TrimLeft(v[:i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.") != "" {
		return u
	}
	u.scheme = v[:i]
	rest := v[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	auth := rest[:end]
	if at := strings.LastIndex(auth, "@"); at >= 0 {
		auth = auth[at+1:]
	}
	host := auth
	if c := strings.LastIndex(auth, ":"); c >= 0 && c > strings.LastIndex(auth, "]") {
		if p, err := strconv.Atoi(auth[c+1:]); err == nil && p > 0 && p <= 65535 {
			u.port = strconv.Itoa(p)
		}
		host = auth[:c]
	}
	u.host = host
	rest = rest[end:]
	if strings.HasPrefix(rest, "/") {
		p := rest
		if q := strings.IndexAny(p, "?#"); q >= 0 {
			p = p[:q]
		}
		u.path, u.hasPath = p, true
	}
	return u
}

// nidsEscaper replaces the characters MISP's replaceIllegalChars does not allow in a rule's content by their
// hex bytes: | " ; : \ and the sequence 0x; and line breaks, which MISP leaves in (ending the rule early).
var nidsEscaper = strings.NewReplacer("0x", "|30 78|", "|", "|7c|", `"`, "|22|", ";", "|3b|", ":", "|3a|", `\`, "|5c|",
	"\n", "|0a|", "\r", "|0d|")

func nidsEscape(v string) string { return nidsEscaper.Replace(v) }

// pregQuote escapes v as PHP's preg_quote without a delimiter.
func pregQuote(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch c {
		case '.', '\\', '+', '*', '?', '[', '^', ']', '$', '(', ')', '{', '}', '=', '!', '<', '>', '|', ':', '-', '#':
			b.WriteByte('\\')
			b.WriteByte(c)
		case 0:
			b.WriteString(`\000`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// dnsRawName writes name as DNS labels the way MISP's dnsNameToRawFormat does: foobar.com is
// |06|foobar|03|com|00|, with |01| in front for a hostname.
func dnsRawName(name string, hostname bool) string {
	var b strings.Builder
	if hostname {
		b.WriteString("|01|")
	}
	for l := range strings.SplitSeq(name, ".") {
		h := strconv.FormatInt(int64(len(l)), 16)
		if len(h) == 1 {
			h = "0" + h
		}
		b.WriteString("|" + h + "|" + l)
	}
	b.WriteString("|00|")
	return b.String()
}

var (
	snortSid       = regexp.MustCompile(`sid\s*:\s*[0-9]+\s*;`)
	snortRev       = regexp.MustCompile(`rev\s*:\s*[0-9]+\s*;`)
	snortClasstype = regexp.MustCompile(`classtype:[a-zA-Z_-]+;`)
	snortMsg       = regexp.MustCompile(`msg\s*:\s*"(.*?)"\s*;`)
	snortReference = regexp.MustCompile(`reference\s*:\s*.+?;`)
	snortEnd       = regexp.MustCompile(`;\s*\)`)
)

// snort passes a snort attribute's rule through as MISP does: newlines become spaces, its sid, rev,
// classtype, msg and reference are replaced by the export's, and those it lacks are added before the ')'.
func (n *NIDSWriter) snort(r *nidsRule, v string) error {
	rule := strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
	sid := "sid:" + strconv.FormatInt(r.sid, 10) + ";"
	reference := r.reference + ";"
	replace := func(re *regexp.Regexp, with func(m []string) string) bool {
		found := false
		rule = replaceAllSubmatchFunc(re, rule, func(m []string) string { found = true; return with(m) })
		return found
	}
	var extra string
	if !replace(snortSid, func([]string) string { return sid }) {
		extra += sid
	}
	if !replace(snortRev, func([]string) string { return "rev:1;" }) {
		extra += "rev:1;"
	}
	if !replace(snortClasstype, func([]string) string { return "classtype:trojan-activity;" }) {
		extra += "classtype:trojan-activity;"
	}
	if !replace(snortMsg, func(m []string) string { return r.msgPrefix + "snort-rule | " + m[1] + "\";" }) {
		extra += r.msgPrefix + "snort-rule\";"
	}
	if !replace(snortReference, func([]string) string { return reference }) {
		extra += reference
	}
	rule = snortEnd.ReplaceAllLiteralString(rule, "; "+extra+")")
	r.sid++
	return n.line(rule)
}

func replaceAllSubmatchFunc(re *regexp.Regexp, s string, f func([]string) string) string {
	idx := re.FindAllStringSubmatchIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range idx {
		b.WriteString(s[last:m[0]])
		groups := make([]string, len(m)/2)
		for g := range groups {
			if m[2*g] >= 0 {
				groups[g] = s[m[2*g]:m[2*g+1]]
			}
		}
		b.WriteString(f(groups))
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// nidsOptions reads the NIDS export's settings from the store: MISP.baseurl and the sid base, which is u's
// nids_sid as in MISP, else SettingNIDSSid, else DefaultNIDSSid.
func (s *Service) nidsOptions(ctx context.Context, u acl.User, f Format) (NIDSOptions, error) {
	opts := NIDSOptions{Format: f, SidBase: DefaultNIDSSid}
	v, err := s.st.Setting(ctx, SettingBaseURL)
	switch {
	case err == nil:
		opts.BaseURL = strings.TrimRight(v, "/")
	case !errors.Is(err, store.ErrNotFound):
		return opts, fmt.Errorf("intel: read setting %s: %w", SettingBaseURL, err)
	}
	if u.ID != 0 {
		// MISP numbers the rules from the exporting user's nids_sid.
		usr, err := s.st.User(ctx, u.ID)
		switch {
		case err == nil && usr.NIDSSID > 0:
			opts.SidBase = int64(usr.NIDSSID)
			return opts, nil
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return opts, fmt.Errorf("intel: read user %d: %w", u.ID, err)
		}
	}
	v, err = s.st.Setting(ctx, SettingNIDSSid)
	switch {
	case err == nil:
		if opts.SidBase, err = strconv.ParseInt(v, 10, 64); err != nil || opts.SidBase < 0 {
			return opts, fmt.Errorf("intel: setting %s is not a sid base: %q", SettingNIDSSid, v)
		}
	case !errors.Is(err, store.ErrNotFound):
		return opts, fmt.Errorf("intel: read setting %s: %w", SettingNIDSSid, err)
	}
	return opts, nil
}

// writeEventNIDS writes the rules of an event export for e as MISP's handler orders them: the event's
// attributes, then those of its objects other than network-connection and ddos, then one rule per
// network-connection or ddos object. Each rule's tags are its attribute's (or object's attributes') then the
// event's; q's to_ids filter applies to every attribute.
func writeEventNIDS(nw *NIDSWriter, e *misp.Event, q Search) error {
	ev := NIDSEvent{ID: int64(e.ID), ThreatLevel: e.ThreatLevel}
	keep := func(a *misp.Attribute) bool {
		return q.ToIDS == nil || (a.ToIDS == misp.BoolTrue) == *q.ToIDS
	}
	var tags []string
	attr := func(a *misp.Attribute) error {
		tags = appendTagNames(appendTagNames(tags[:0], a.Tag), e.Tag)
		return nw.WriteAttribute(a, ev, tags)
	}
	for i := range e.Attribute {
		if a := &e.Attribute[i]; keep(a) {
			if err := attr(a); err != nil {
				return err
			}
		}
	}
	var special []misp.Object
	for i := range e.Object {
		o := e.Object[i]
		kept := make([]misp.Attribute, 0, len(o.Attribute))
		for j := range o.Attribute {
			if keep(&o.Attribute[j]) {
				kept = append(kept, o.Attribute[j])
			}
		}
		if len(kept) == 0 {
			continue
		}
		o.Attribute = kept
		if o.Name == "network-connection" || o.Name == "ddos" {
			special = append(special, o)
			continue
		}
		for j := range o.Attribute {
			if err := attr(&o.Attribute[j]); err != nil {
				return err
			}
		}
	}
	for i := range special {
		o := &special[i]
		tags = tags[:0]
		for j := range o.Attribute {
			tags = appendTagNames(tags, o.Attribute[j].Tag)
		}
		tags = appendTagNames(tags, e.Tag)
		if _, err := nw.WriteObject(o, ev, tags); err != nil {
			return err
		}
	}
	return nil
}
