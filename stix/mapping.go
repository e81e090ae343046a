package stix

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// sco is one STIX Cyber-observable Object an attribute becomes: its type and a writer of its
// properties, which gets the identifiers of all the attribute's SCOs (for src_ref,
// resolves_to_refs and the like).
type sco struct {
	typ   string
	write func(e *enc, ids []string)
}

// mapping is how one MISP attribute type converts: pattern gives the comparison
// expressions of an indicator's pattern (without the brackets), observe the SCOs of an
// observed-data; either reports false when the value cannot be converted validly (a port that is not a
// number, a hash of the wrong length), and the attribute then becomes an x-misp-attribute.
type mapping struct {
	// patternType is the language of the pattern, "" for a STIX pattern made of the
	// comparison expressions pattern returns; for any other the value is the pattern
	// as it stands (yara, sigma, snort rules).
	patternType string
	pattern     func(v string) (string, bool)
	observe     func(v string) ([]sco, bool)
}

// split cuts a composite value (filename|md5, ip-dst|port…) at its first '|'.
func split(v string) (string, string, bool) {
	a, b, ok := strings.Cut(v, "|")
	return a, b, ok && a != "" && b != ""
}

func ipType(v string) string {
	if strings.Contains(v, ":") {
		return "ipv6-addr"
	}
	return "ipv4-addr"
}

// ipValue reports whether v is an address or a CIDR block the STIX schemas accept as the
// value of an ipv4-addr or ipv6-addr (their IPv6 form does not take an embedded IPv4
// address).
func ipValue(v string) bool {
	var ok bool
	if strings.Contains(v, "/") {
		_, err := netip.ParsePrefix(v)
		ok = err == nil
	} else {
		_, err := netip.ParseAddr(v)
		ok = err == nil
	}
	return ok && !(strings.Contains(v, ":") && strings.Contains(v, "."))
}

func quote(v string) string { return "'" + escapePattern(v) + "'" }

func port(p string) (int64, bool) {
	n, err := strconv.ParseInt(p, 10, 32)
	return n, err == nil && n >= 0 && n <= 65535
}

func simple(scoType, prop string) mapping {
	return mapping{
		pattern: func(v string) (string, bool) { return scoType + ":" + prop + " = " + quote(v), true },
		observe: func(v string) ([]sco, bool) {
			return []sco{{scoType, func(e *enc, _ []string) { e.str(prop, v) }}}, true
		},
	}
}

// ipMapping is ip-src (side "src") or ip-dst ("dst"), with a port when withPort.
func ipMapping(side string, withPort bool) mapping {
	parts := func(v string) (ip string, p int64, ok bool) {
		if !withPort {
			return v, 0, v != ""
		}
		ip, ps, ok := split(v)
		if !ok {
			return "", 0, false
		}
		p, ok = port(ps)
		return ip, p, ok
	}
	return mapping{
		pattern: func(v string) (string, bool) {
			ip, p, ok := parts(v)
			if !ok {
				return "", false
			}
			s := "network-traffic:" + side + "_ref.type = '" + ipType(ip) + "' AND network-traffic:" + side + "_ref.value = " + quote(ip)
			if withPort {
				s += " AND network-traffic:" + side + "_port = '" + strconv.FormatInt(p, 10) + "'"
			}
			return s, true
		},
		observe: func(v string) ([]sco, bool) {
			ip, p, ok := parts(v)
			if !ok || !ipValue(ip) {
				return nil, false
			}
			return []sco{
				{"network-traffic", func(e *enc, ids []string) {
					e.str(side+"_ref", ids[1])
					if withPort {
						e.num(side+"_port", p)
					}
					e.strs("protocols", []string{"tcp"})
				}},
				{ipType(ip), func(e *enc, _ []string) { e.str("value", ip) }},
			}, true
		},
	}
}

// hashAlgo describes one MISP hash type: its name in patterns (as misp-stix writes it), its
// key in an SCO's hashes (the STIX vocabulary where there is one) and, for the keys the
// STIX schema constrains, the form a value must have there.
type hashAlgo struct {
	pattern, key string
	form         *regexp.Regexp
}

func hexOf(n int) *regexp.Regexp { return regexp.MustCompile(fmt.Sprintf("^[a-fA-F0-9]{%d}$", n)) }

var hashAlgos = map[string]hashAlgo{
	"md5":          {"MD5", "MD5", hexOf(32)},
	"sha1":         {"'SHA-1'", "SHA-1", hexOf(40)},
	"sha224":       {"'SHA-224'", "SHA-224", nil},
	"sha256":       {"'SHA-256'", "SHA-256", hexOf(64)},
	"sha384":       {"'SHA-384'", "SHA-384", nil},
	"sha512":       {"'SHA-512'", "SHA-512", hexOf(128)},
	"sha512/224":   {"'SHA512-224'", "SHA512-224", nil},
	"sha512/256":   {"'SHA512-256'", "SHA512-256", nil},
	"sha3-224":     {"'SHA3-224'", "SHA3-224", nil},
	"sha3-256":     {"'SHA3-256'", "SHA3-256", hexOf(64)},
	"sha3-384":     {"'SHA3-384'", "SHA3-384", nil},
	"sha3-512":     {"'SHA3-512'", "SHA3-512", hexOf(128)},
	"ssdeep":       {"SSDEEP", "SSDEEP", regexp.MustCompile(`^[a-zA-Z0-9/+:.]{1,128}$`)},
	"tlsh":         {"TLSH", "TLSH", regexp.MustCompile(`^[a-zA-Z0-9]{70}$`)},
	"imphash":      {"IMPHASH", "IMPHASH", nil},
	"authentihash": {"AUTHENTIHASH", "AUTHENTIHASH", nil},
	"vhash":        {"VHASH", "VHASH", nil},
	"pehash":       {"PEHASH", "PEHASH", nil},
	"telfhash":     {"TELFHASH", "TELFHASH", nil},
}

// valid reports whether v can stand in an SCO's hashes under h.key.
func (h hashAlgo) valid(v string) bool {
	return v != "" && (h.form == nil || h.form.MatchString(v))
}

// hashMapping is a hash type (on file, or on x509-certificate for the x509 fingerprints), with a
// file name first when named (filename|md5…).
func hashMapping(scoType string, h hashAlgo, named bool) mapping {
	parts := func(v string) (name, hash string, ok bool) {
		if named {
			return split(v)
		}
		return "", v, v != ""
	}
	return mapping{
		pattern: func(v string) (string, bool) {
			name, hash, ok := parts(v)
			if !ok {
				return "", false
			}
			s := scoType + ":hashes." + h.pattern + " = " + quote(hash)
			if named {
				s = scoType + ":name = " + quote(name) + " AND " + s
			}
			return s, true
		},
		observe: func(v string) ([]sco, bool) {
			name, hash, ok := parts(v)
			if !ok || !h.valid(hash) {
				return nil, false
			}
			return []sco{{scoType, func(e *enc, _ []string) {
				if named {
					e.str("name", name)
				}
				e.open("hashes")
				e.str(h.key, hash)
				e.closeObj()
			}}}, true
		},
	}
}

// emailMapping is email-src (from_ref) or email-dst (to_refs).
func emailMapping(ref string, list bool) mapping {
	path := ref
	if list {
		path += "[*]"
	}
	return mapping{
		pattern: func(v string) (string, bool) { return "email-message:" + path + ".value = " + quote(v), true },
		observe: func(v string) ([]sco, bool) {
			return []sco{
				{"email-message", func(e *enc, ids []string) {
					e.boolean("is_multipart", false)
					if list {
						e.strs(ref, ids[1:2])
					} else {
						e.str(ref, ids[1])
					}
				}},
				{"email-addr", func(e *enc, _ []string) { e.str("value", v) }},
			}, true
		},
	}
}

// macAddr is the form of a mac-addr value in STIX.
var macAddr = regexp.MustCompile(`^([0-9a-f]{2}:){5}[0-9a-f]{2}$`)

// hives are the abbreviations of registry hives, which STIX wants spelt out in keys.
var hives = []struct{ short, long string }{
	{"HKLM", "HKEY_LOCAL_MACHINE"}, {"HKCU", "HKEY_CURRENT_USER"}, {"HKCR", "HKEY_CLASSES_ROOT"},
	{"HKCC", "HKEY_CURRENT_CONFIG"}, {"HKU", "HKEY_USERS"},
}

// abbreviated is the windows-registry-key schema's test for an abbreviated hive (it matches
// the abbreviations anywhere in the key, not only at its start).
var abbreviated = regexp.MustCompile(`^HKLM|HKCC|HKCR|HKCU|HKU|hklm|hkcc|hkcr|hkcu|hku`)

// registryKey spells out the hive of key k (HKLM\… → HKEY_LOCAL_MACHINE\…), as STIX wants
// keys; false when the key still holds an abbreviation the schema refuses.
func registryKey(k string) (string, bool) {
	for _, h := range hives {
		if len(k) >= len(h.short) && strings.EqualFold(k[:len(h.short)], h.short) &&
			(len(k) == len(h.short) || k[len(h.short)] == '\\' || k[len(h.short)] == '/') {
			k = h.long + k[len(h.short):]
			break
		}
	}
	return k, k != "" && !abbreviated.MatchString(k)
}

// emailField is an email-message property (header: an additional header field, named as
// in the message) holding the whole value.
func emailField(name string, header bool) mapping {
	path := name
	if header {
		path = "additional_header_fields." + strings.ToLower(strings.ReplaceAll(name, "-", "_"))
	}
	return mapping{
		pattern: func(v string) (string, bool) { return "email-message:" + path + " = " + quote(v), v != "" },
		observe: func(v string) ([]sco, bool) {
			return []sco{{"email-message", func(e *enc, _ []string) {
				e.boolean("is_multipart", false)
				if header {
					e.open("additional_header_fields")
					e.str(name, v)
					e.closeObj()
				} else {
					e.str(name, v)
				}
			}}}, v != ""
		},
	}
}

func asNumber(v string) (int64, bool) {
	v = strings.TrimPrefix(strings.TrimPrefix(v, "AS"), "as")
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n >= 0
}

// mappings is the MISP attribute type → STIX conversion table, after misp-stix's
// misp_to_stix21 (attributes with a type missing here become x-misp-attribute objects).
func mappings() map[string]mapping {
	m := map[string]mapping{
		"ip-src":      ipMapping("src", false),
		"ip-dst":      ipMapping("dst", false),
		"ip-src|port": ipMapping("src", true),
		"ip-dst|port": ipMapping("dst", true),
		"domain":      simple("domain-name", "value"),
		"hostname":    simple("domain-name", "value"),
		"url":         simple("url", "value"),
		"link":        simple("url", "value"),
		"uri":         simple("url", "value"),
		"filename":    simple("file", "name"),
		"email":       simple("email-addr", "value"),
		"email-src":   emailMapping("from_ref", false),
		"email-dst":   emailMapping("to_refs", true),
		"mutex":       simple("mutex", "name"),
		"mac-address": {
			pattern: func(v string) (string, bool) { return "mac-addr:value = " + quote(v), v != "" },
			observe: func(v string) ([]sco, bool) {
				m := strings.ToLower(strings.ReplaceAll(v, "-", ":"))
				return []sco{{"mac-addr", func(e *enc, _ []string) { e.str("value", m) }}}, macAddr.MatchString(m)
			},
		},
		"email-subject": {
			pattern: func(v string) (string, bool) { return "email-message:subject = " + quote(v), true },
			observe: func(v string) ([]sco, bool) {
				return []sco{{"email-message", func(e *enc, _ []string) {
					e.boolean("is_multipart", false)
					e.str("subject", v)
				}}}, true
			},
		},
		"domain|ip": {
			pattern: func(v string) (string, bool) {
				d, ip, ok := split(v)
				return "domain-name:value = " + quote(d) + " AND domain-name:resolves_to_refs[*].value = " + quote(ip), ok
			},
			observe: func(v string) ([]sco, bool) {
				d, ip, ok := split(v)
				ok = ok && ipValue(ip)
				return []sco{
					{"domain-name", func(e *enc, ids []string) {
						e.str("value", d)
						e.strs("resolves_to_refs", ids[1:2])
					}},
					{ipType(ip), func(e *enc, _ []string) { e.str("value", ip) }},
				}, ok
			},
		},
		"hostname|port": {
			pattern: func(v string) (string, bool) {
				h, ps, ok := split(v)
				p, pok := port(ps)
				return "domain-name:value = " + quote(h) + " AND network-traffic:dst_port = '" + strconv.FormatInt(p, 10) + "'", ok && pok
			},
			observe: func(v string) ([]sco, bool) {
				h, ps, ok := split(v)
				p, pok := port(ps)
				return []sco{
					{"domain-name", func(e *enc, _ []string) { e.str("value", h) }},
					{"network-traffic", func(e *enc, ids []string) {
						e.str("dst_ref", ids[0])
						e.num("dst_port", p)
						e.strs("protocols", []string{"tcp"})
					}},
				}, ok && pok
			},
		},
		"AS": {
			pattern: func(v string) (string, bool) {
				n, ok := asNumber(v)
				return "autonomous-system:number = '" + strconv.FormatInt(n, 10) + "'", ok
			},
			observe: func(v string) ([]sco, bool) {
				n, ok := asNumber(v)
				return []sco{{"autonomous-system", func(e *enc, _ []string) { e.num("number", n) }}}, ok
			},
		},
		"regkey": {
			pattern: func(v string) (string, bool) {
				k, ok := registryKey(v)
				return "windows-registry-key:key = " + quote(k), ok
			},
			observe: func(v string) ([]sco, bool) {
				k, ok := registryKey(v)
				return []sco{{"windows-registry-key", func(e *enc, _ []string) { e.str("key", k) }}}, ok
			},
		},
		"regkey|value": {
			pattern: func(v string) (string, bool) {
				k, d, ok := split(v)
				k, kok := registryKey(k)
				return "windows-registry-key:key = " + quote(k) + " AND windows-registry-key:values[*].data = " + quote(d), ok && kok
			},
			observe: func(v string) ([]sco, bool) {
				k, d, ok := split(v)
				k, kok := registryKey(k)
				ok = ok && kok
				return []sco{{"windows-registry-key", func(e *enc, _ []string) {
					e.str("key", k)
					e.openList("values")
					e.open("")
					e.str("data", d)
					e.closeObj()
					e.closeList()
				}}}, ok
			},
		},
		"email-body":       emailField("body", false),
		"email-message-id": emailField("message_id", false),
		"email-reply-to":   emailField("Reply-To", true),
		"email-x-mailer":   emailField("X-Mailer", true),
		"email-header": {
			pattern: func(v string) (string, bool) { return "email-message:received_lines = " + quote(v), v != "" },
			observe: func(v string) ([]sco, bool) {
				return []sco{{"email-message", func(e *enc, _ []string) {
					e.boolean("is_multipart", false)
					e.strs("received_lines", []string{v})
				}}}, v != ""
			},
		},
		"email-attachment": {
			pattern: func(v string) (string, bool) {
				return "email-message:body_multipart[*].body_raw_ref.name = " + quote(v), v != ""
			},
			observe: func(v string) ([]sco, bool) {
				return []sco{
					{"email-message", func(e *enc, ids []string) {
						e.boolean("is_multipart", true)
						e.openList("body_multipart")
						e.open("")
						e.str("body_raw_ref", ids[1])
						e.str("content_disposition", "attachment; filename="+quote(v))
						e.closeObj()
						e.closeList()
					}},
					{"file", func(e *enc, _ []string) { e.str("name", v) }},
				}, v != ""
			},
		},
		"github-username": {
			pattern: func(v string) (string, bool) {
				return "user-account:account_type = 'github' AND user-account:account_login = " + quote(v), v != ""
			},
			observe: func(v string) ([]sco, bool) {
				return []sco{{"user-account", func(e *enc, _ []string) {
					e.str("account_type", "github")
					e.str("account_login", v)
				}}}, v != ""
			},
		},
		"http-method": {
			pattern: func(v string) (string, bool) {
				return "network-traffic:extensions.'http-request-ext'.request_method = " + quote(v), v != ""
			},
		},
		"port": {
			pattern: func(v string) (string, bool) {
				p, ok := port(v)
				return "network-traffic:dst_port = '" + strconv.FormatInt(p, 10) + "'", ok
			},
		},
		"size-in-bytes": {
			pattern: func(v string) (string, bool) {
				n, err := strconv.ParseInt(v, 10, 64)
				return "file:size = '" + strconv.FormatInt(n, 10) + "'", err == nil && n >= 0
			},
		},
		"user-agent": {
			pattern: func(v string) (string, bool) {
				return "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = " + quote(v), true
			},
		},
		"malware-sample": hashMapping("file", hashAlgos["md5"], true),
		"attachment": {
			pattern: func(v string) (string, bool) { return "file:name = " + quote(v), v != "" },
			observe: func(v string) ([]sco, bool) {
				return []sco{{"file", func(e *enc, _ []string) { e.str("name", v) }}}, v != ""
			},
		},
		"x509-fingerprint-md5":    hashMapping("x509-certificate", hashAlgos["md5"], false),
		"x509-fingerprint-sha1":   hashMapping("x509-certificate", hashAlgos["sha1"], false),
		"x509-fingerprint-sha256": hashMapping("x509-certificate", hashAlgos["sha256"], false),
	}
	for typ, lang := range map[string]string{"yara": "yara", "sigma": "sigma", "snort": "snort", "suricata": "suricata"} {
		m[typ] = mapping{patternType: lang, pattern: func(v string) (string, bool) { return v, v != "" }}
	}
	m["stix2-pattern"] = mapping{patternType: "stix", pattern: func(v string) (string, bool) { return v, v != "" }}
	for typ, h := range hashAlgos {
		m[typ] = hashMapping("file", h, false)
		m["filename|"+typ] = hashMapping("file", h, true)
	}
	return m
}
