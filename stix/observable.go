package stix

// Observables read back into MISP attributes: a cyber-observable object of a bundle, or the objects a pattern
// describes, as one tree of properties and references, and the MISP attribute types each shape becomes.

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// node is one observable: its SCO type, its properties by path ("value", "hashes.SHA-256",
// "additional_header_fields.Reply-To", "values.data"), each possibly several times, and the observables it refers to
// by reference property ("dst_ref", "to_refs", "body_multipart.body_raw_ref").
type node struct {
	typ   string
	props map[string][]string
	refs  map[string][]*node
}

func newNode(typ string) *node {
	return &node{typ: typ, props: map[string][]string{}, refs: map[string][]*node{}}
}

func (n *node) prop(path string) string {
	if v := n.props[path]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (n *node) ref(key string) *node {
	if l := n.refs[key]; len(l) > 0 {
		return l[0]
	}
	return nil
}

// mattr is a MISP attribute read from STIX: its type and value.
type mattr struct{ typ, value string }

// hashTypes are the MISP hash types by the normalised name of a STIX hash key (upper case, without '-', '_' and
// quotes), from the table the writer uses.
func hashTypes() map[string]string {
	m := map[string]string{}
	for typ, h := range hashAlgos {
		m[normHash(h.key)] = typ
	}
	return m
}

func normHash(k string) string {
	return strings.NewReplacer("-", "", "_", "", "'", "").Replace(strings.ToUpper(k))
}

// ipNode reports the address of an ipv4-addr or ipv6-addr observable (or of an untyped one holding an address).
func ipNode(n *node) (string, bool) {
	if n == nil {
		return "", false
	}
	v := n.prop("value")
	switch n.typ {
	case "ipv4-addr", "ipv6-addr":
		return v, v != ""
	case "":
		if _, err := netip.ParseAddr(v); err == nil {
			return v, true
		}
		if _, err := netip.ParsePrefix(v); err == nil {
			return v, true
		}
	}
	return "", false
}

// portOf reads a port property (a number, quoted in patterns as MISP writes them).
func portOf(n *node, key string) (string, bool) {
	v := n.prop(key)
	if v == "" {
		return "", false
	}
	p, err := strconv.ParseInt(v, 10, 32)
	if err != nil || p < 0 || p > 65535 {
		return "", false
	}
	return strconv.FormatInt(p, 10), true
}

// attrsOf returns the MISP attributes observable n stands for, or an error naming what has no MISP equivalent.
func attrsOf(n *node, hashes map[string]string) ([]mattr, error) {
	var out []mattr
	add := func(typ, v string) {
		if v != "" {
			out = append(out, mattr{typ, v})
		}
	}
	switch n.typ {
	case "ipv4-addr", "ipv6-addr":
		add("ip-dst", n.prop("value"))
	case "domain-name":
		d := n.prop("value")
		if ips := n.refs["resolves_to_refs"]; len(ips) > 0 {
			for _, r := range ips {
				if ip, ok := ipNode(r); ok {
					add("domain|ip", d+"|"+ip)
				}
			}
		} else {
			add("domain", d)
		}
	case "url":
		add("url", n.prop("value"))
	case "email-addr":
		add("email", n.prop("value"))
	case "mutex":
		add("mutex", n.prop("name"))
	case "mac-addr":
		add("mac-address", n.prop("value"))
	case "autonomous-system":
		if v := n.prop("number"); v != "" {
			add("AS", "AS"+v)
		}
	case "windows-registry-key":
		k := n.prop("key")
		if d := n.props["values.data"]; len(d) > 0 {
			for _, v := range d {
				add("regkey|value", k+"|"+v)
			}
		} else {
			add("regkey", k)
		}
	case "user-account":
		if n.prop("account_type") == "github" {
			add("github-username", n.prop("account_login"))
		}
	case "file", "x509-certificate":
		name := n.prop("name")
		for _, path := range sortedKeys(n.props) {
			vals := n.props[path]
			key, ok := strings.CutPrefix(path, "hashes.")
			if !ok || len(vals) == 0 {
				continue
			}
			typ, ok := hashes[normHash(key)]
			if !ok {
				return nil, fmt.Errorf("hash %q has no MISP type", key)
			}
			switch {
			case n.typ == "x509-certificate":
				switch typ {
				case "md5", "sha1", "sha256":
					add("x509-fingerprint-"+typ, vals[0])
				default:
					return nil, fmt.Errorf("x509 fingerprint %q has no MISP type", key)
				}
			case name != "":
				add("filename|"+typ, name+"|"+vals[0])
			default:
				add(typ, vals[0])
			}
		}
		if n.typ == "file" {
			if len(out) == 0 {
				add("filename", name)
			}
			add("size-in-bytes", n.prop("size"))
		}
	case "email-message":
		for _, r := range n.refs["from_ref"] {
			add("email-src", r.prop("value"))
		}
		for _, r := range n.refs["to_refs"] {
			add("email-dst", r.prop("value"))
		}
		for _, r := range n.refs["body_multipart.body_raw_ref"] {
			add("email-attachment", r.prop("name"))
		}
		add("email-subject", n.prop("subject"))
		add("email-body", n.prop("body"))
		add("email-message-id", n.prop("message_id"))
		for _, l := range n.props["received_lines"] {
			add("email-header", l)
		}
		for _, path := range sortedKeys(n.props) {
			vals := n.props[path]
			h, ok := strings.CutPrefix(path, "additional_header_fields.")
			if !ok || len(vals) == 0 {
				continue
			}
			switch normHash(h) {
			case "REPLYTO":
				add("email-reply-to", vals[0])
			case "XMAILER":
				add("email-x-mailer", vals[0])
			}
		}
	case "network-traffic":
		ext := "extensions.http-request-ext."
		add("http-method", n.prop(ext+"request_method"))
		add("user-agent", n.prop(ext+"request_header.User-Agent"))
		for _, side := range []string{"src", "dst"} {
			r := n.ref(side + "_ref")
			p, hasPort := portOf(n, side+"_port")
			if ip, ok := ipNode(r); ok {
				if hasPort {
					add("ip-"+side+"|port", ip+"|"+p)
				} else {
					add("ip-"+side, ip)
				}
				continue
			}
			if r != nil && (r.typ == "domain-name" || r.typ == "") && r.prop("value") != "" {
				if hasPort {
					add("hostname|port", r.prop("value")+"|"+p)
				} else {
					add("hostname", r.prop("value"))
				}
				continue
			}
			if hasPort && side == "dst" {
				add("port", p)
			}
		}
	default:
		return nil, fmt.Errorf("SCO type %q has no MISP attribute type", n.typ)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds nothing a MISP attribute takes", n.typ)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
