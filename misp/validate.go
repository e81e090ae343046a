package misp

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// MaxValueLength is the default limit on the length of an attribute value in bytes,
// MISP's (longer values "would get truncated"; they belong in an attachment).
const MaxValueLength = 65535

// Sentinel errors of attribute checking. Match them with errors.Is.
var (
	// ErrInvalidValue: the value is not valid for its type (a *ValueError says why).
	ErrInvalidValue = errors.New("invalid attribute value")
	// ErrUnknownType: the attribute type is not one of MISP's types.
	ErrUnknownType = errors.New("unknown attribute type")
	// ErrInvalidCategory: the category is unknown or does not allow the type.
	ErrInvalidCategory = errors.New("invalid attribute category")
)

// ValueError reports a value that is not valid for its attribute type. It unwraps to
// ErrInvalidValue.
type ValueError struct {
	Type   string // the attribute type
	Value  string // the value as given (possibly long; Error shortens it)
	Reason string // MISP's explanation, as MISP words it ("IP address has an invalid format.")
}

// Error names the type, a shortened value and the reason.
func (e *ValueError) Error() string {
	v := e.Value
	if len(v) > 80 {
		cut := 80
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		v = v[:cut] + "…"
	}
	return fmt.Sprintf("invalid %s value %q: %s", e.Type, v, strings.TrimSuffix(e.Reason, "."))
}

// Unwrap returns ErrInvalidValue.
func (e *ValueError) Unwrap() error { return ErrInvalidValue }

// Reasons, worded as MISP words them.
const (
	reasonGeneric   = `Value not in the right type/format. Please double check the value or select type "other".`
	reasonEmpty     = "Value is empty."
	reasonControl   = "Value provided consists purely of control characters and is therefore considered to be empty."
	reasonUTF8      = "Value is not valid UTF-8."
	reasonComposite = "Composite type found but the value not in the composite (value1|value2) format."
	reasonNewline   = "Value must not contain new line character."
	reasonIP        = "IP address has an invalid format."
	reasonCIDR      = "Invalid CIDR notation value found."
	reasonPort      = "Port numbers have to be integers between 1 and 65535."
	reasonEmail     = `Email address has an invalid format. Please double check the value or select type "other".`
	reasonAS        = "AS number have to be integer between 1 and 4294967295"
	reasonWholeNum  = "The value has to be a whole number greater or equal 0."
)

// NormalizeValue checks value against the rules of attribute type typ and returns it in
// the canonical form MISP stores, with MISP's behaviour: surrounding white space is
// trimmed; defanged network values are refanged ("hxxp", "[.]", "[at]", …); hashes are
// lower-cased and must have their type's exact number of hex digits (md5 32, sha1 40,
// sha224 56, sha256 64, sha384 96, sha512 128, …); IP addresses and CIDR blocks are
// validated and written canonically (IPv6 compressed, "/32" and "/128" dropped); domains
// and hostnames are lower-cased, stripped of outer dots and converted to punycode when
// they hold non-ASCII letters; ports are 1–65535; AS numbers lose an "AS" prefix and asdot
// notation ("1.10" → "65546"); composite values ("filename|md5", "ip-dst|port", …) are
// split at their '|' and each part is checked by its own type ("1.2.3.4:80" becomes
// "1.2.3.4|80"); free-text types take any text. Values longer than MaxValueLength bytes
// are refused. Errors wrap ErrUnknownType or ErrInvalidValue (as a *ValueError).
//
// Unlike MISP, hunch keeps 4-byte UTF-8 characters (MISP replaced them with '?' because
// of MySQL's utf8 columns), refuses invalid UTF-8, accepts signed whole numbers for type
// integer (MISP refused every string), writes ports, AS numbers and CIDR prefix lengths
// without leading zeros, and treats hostnames like domains (outer dots, punycode).
func NormalizeValue(typ, value string) (string, error) {
	return NormalizeValueMax(typ, value, MaxValueLength)
}

// NormalizeValueMax is NormalizeValue with a limit of maxLen bytes on the value (before
// and after normalisation) instead of MaxValueLength; maxLen <= 0 means no limit.
func NormalizeValueMax(typ, value string, maxLen int) (string, error) {
	k := kindOf(typ)
	if k == kUnknown || !ValidType(typ) {
		return "", fmt.Errorf("%w %q", ErrUnknownType, typ)
	}
	v, reason := normalizeChecked(typ, k, value, maxLen)
	if reason != "" {
		return "", &ValueError{Type: typ, Value: value, Reason: reason}
	}
	return v, nil
}

// NormalizeAttribute checks an attribute's category, type and value together, as MISP
// does when it saves one: an empty category becomes the type's default category, the
// category must exist and allow the type, and the value is normalised by NormalizeValue.
// It returns the category and the normalised value.
func NormalizeAttribute(category, typ, value string) (string, string, error) {
	m := DescribeTypes()
	if !m.ValidType(typ) {
		return "", "", fmt.Errorf("%w %q", ErrUnknownType, typ)
	}
	if category == "" {
		category = m.DefaultCategory(typ)
	}
	if !m.ValidCategory(category) {
		return "", "", fmt.Errorf("%w: unknown category %q", ErrInvalidCategory, category)
	}
	if !m.CategoryAllows(category, typ) {
		return "", "", fmt.Errorf("%w: category %q does not allow type %q", ErrInvalidCategory, category, typ)
	}
	v, err := NormalizeValue(typ, value)
	if err != nil {
		return "", "", err
	}
	return category, v, nil
}

// normalizeChecked does the work of NormalizeValueMax; it returns the value or a reason.
func normalizeChecked(typ string, k valueKind, value string, maxLen int) (string, string) {
	v := trimPHP(value)
	if v == "" {
		return "", reasonEmpty
	}
	if maxLen > 0 && len(v) > maxLen {
		return "", reasonTooLong(maxLen)
	}
	if !utf8.ValidString(v) {
		return "", reasonUTF8
	}
	if ctypeCntrl(v) {
		return "", reasonControl
	}
	v = refangForType(typ, v)
	var reason string
	if k == kComposite {
		v, reason = normalizeComposite(typ, v)
	} else {
		v, reason = normalizeOne(typ, k, v)
	}
	if reason != "" {
		return "", reason
	}
	if maxLen > 0 && len(v) > maxLen {
		return "", reasonTooLong(maxLen)
	}
	return v, ""
}

func reasonTooLong(maxLen int) string {
	return fmt.Sprintf("The entered string is longer than %d bytes and would get truncated. Please consider adding the data as an attachment instead.", maxLen)
}

// valueKind groups the attribute types by the rule that checks their values.
type valueKind uint8

const (
	kUnknown   valueKind = iota
	kComposite           // two parts joined by '|'
	kFree                // any text
	kLine                // any text without a line break
	kLowerLine           // lower-cased, no line break (anonymised, vhash)
	kHexHash             // fixed number of hex digits, lower-cased
	kIP
	kDomain // domain and hostname
	kEmail  // lower-cased e-mail address
	kEmailCase
	kPort
	kAS
	kMAC
	kMACEUI64
	kHTTPMethod
	kHex
	kVulnerability
	kWeakness
	kCardNumber // digits only
	kBankCode   // upper-case letters and digits
	kPhone
	kNumeric // PHP is_numeric
	kBoolean
	kDatetime
	kWholeNumber
	kInteger
	kCortex
	kSSHFingerprint
	kLink
	kTLSH
	kTelfhash
	kSSDeep
	kImpfuzzy
	kCDHash
	kWindowsService
	kAlnum
	kUUID
)

// kindOf returns the rule for typ; kUnknown for a name that is not a MISP type.
func kindOf(typ string) valueKind {
	switch typ {
	case "filename|md5", "filename|sha1", "filename|sha256", "domain|ip", "regkey|value",
		"filename|authentihash", "filename|vhash", "filename|ssdeep", "filename|imphash",
		"filename|impfuzzy", "filename|pehash", "filename|sha224", "filename|sha384",
		"filename|sha512", "filename|sha512/224", "filename|sha512/256", "filename|sha3-224",
		"filename|sha3-256", "filename|sha3-384", "filename|sha3-512", "filename|tlsh",
		"ip-dst|port", "ip-src|port", "hostname|port", "malware-sample":
		return kComposite
	case "md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha512/224", "sha512/256",
		"sha3-224", "sha3-256", "sha3-384", "sha3-512", "imphash", "authentihash", "pehash",
		"ja3-fingerprint-md5", "jarm-fingerprint", "hassh-md5", "hasshserver-md5",
		"x509-fingerprint-md5", "x509-fingerprint-sha1", "x509-fingerprint-sha256",
		"git-commit-id", "dom-hash":
		return kHexHash
	case "ip-src", "ip-dst":
		return kIP
	case "domain", "hostname":
		return kDomain
	case "email", "email-src", "email-dst", "target-email", "whois-registrant-email":
		return kEmail
	case "eppn", "dns-soa-email", "jabber-id":
		return kEmailCase
	case "port":
		return kPort
	case "AS":
		return kAS
	case "mac-address":
		return kMAC
	case "mac-eui-64":
		return kMACEUI64
	case "http-method":
		return kHTTPMethod
	case "hex":
		return kHex
	case "vulnerability":
		return kVulnerability
	case "weakness":
		return kWeakness
	case "cc-number", "bin":
		return kCardNumber
	case "iban", "bic":
		return kBankCode
	case "prtn", "whois-registrant-phone", "phone-number":
		return kPhone
	case "bank-account-nr", "aba-rtn", "float":
		return kNumeric
	case "boolean":
		return kBoolean
	case "datetime":
		return kDatetime
	case "size-in-bytes", "counter":
		return kWholeNumber
	case "integer":
		return kInteger
	case "cortex":
		return kCortex
	case "ssh-fingerprint":
		return kSSHFingerprint
	case "link":
		return kLink
	case "tlsh":
		return kTLSH
	case "telfhash":
		return kTelfhash
	case "ssdeep":
		return kSSDeep
	case "impfuzzy":
		return kImpfuzzy
	case "cdhash":
		return kCDHash
	case "windows-service-name", "windows-service-displayname":
		return kWindowsService
	case "btc", "dash", "xmr":
		return kAlnum
	case "uuid":
		return kUUID
	case "anonymised", "vhash":
		return kLowerLine
	case "mutex", "process-state", "snort", "suricata", "bro", "zeek", "community-id",
		"pattern-in-file", "pattern-in-traffic", "pattern-in-memory", "filename-pattern",
		"pgp-public-key", "pgp-private-key", "yara", "stix2-pattern", "sigma", "gene",
		"kusto-query", "mime-type", "identity-card-number", "cookie", "attachment", "comment",
		"text", "other", "cpe", "email-attachment", "email-body", "email-header", "first-name",
		"middle-name", "last-name", "full-name":
		return kFree
	case "target-user", "campaign-name", "campaign-id", "threat-actor", "target-machine",
		"target-org", "target-location", "target-external", "email-subject", "malware-type",
		"url", "uri", "user-agent", "regkey", "filename", "pdb", "windows-scheduled-task",
		"whois-registrant-name", "whois-registrant-org", "whois-registrar",
		"whois-creation-date", "date-of-birth", "place-of-birth", "gender", "passport-number",
		"passport-country", "passport-expiration", "redress-number", "nationality",
		"visa-number", "issue-date-of-the-visa", "primary-residence", "country-of-residence",
		"special-service-request", "frequent-flyer-number", "travel-details",
		"payment-details", "place-port-of-original-embarkation", "place-port-of-clearance",
		"place-port-of-onward-foreign-destination", "passenger-name-record-locator-number",
		"email-dst-display-name", "email-src-display-name", "email-reply-to",
		"email-x-mailer", "email-mime-boundary", "email-thread-index", "email-message-id",
		"github-username", "github-repository", "github-organisation", "twitter-id", "dkim",
		"dkim-signature", "favicon-mmh3", "chrome-extension-id", "edge-extension-id",
		"mobile-application-id", "azure-application-id", "named pipe", "onion-address":
		return kLine
	}
	return kUnknown
}

// hexHashLen is the number of hex digits of a kHexHash type.
func hexHashLen(typ string) int {
	switch typ {
	case "md5", "imphash", "ja3-fingerprint-md5", "hassh-md5", "hasshserver-md5",
		"x509-fingerprint-md5", "dom-hash":
		return 32
	case "sha1", "pehash", "x509-fingerprint-sha1", "git-commit-id":
		return 40
	case "sha224", "sha512/224", "sha3-224":
		return 56
	case "jarm-fingerprint":
		return 62
	case "sha256", "authentihash", "sha512/256", "sha3-256", "x509-fingerprint-sha256":
		return 64
	case "sha384", "sha3-384":
		return 96
	case "sha512", "sha3-512":
		return 128
	}
	return 0
}

// normalizeComposite checks a composite value part by part.
func normalizeComposite(typ, v string) (string, string) {
	switch typ {
	case "ip-dst|port", "ip-src|port":
		v = ipPortForm(v)
	case "hostname|port":
		v = strings.ReplaceAll(v, ":", "|")
	}
	first, second, ok := strings.Cut(v, "|")
	if !ok || strings.IndexByte(second, '|') >= 0 {
		return "", reasonComposite
	}
	t1, t2 := compositeParts(typ)
	a, r := normalizePart(t1, trimPHP(first), false)
	if r != "" {
		return "", r
	}
	b, r := normalizePart(t2, trimPHP(second), typ == "regkey|value" || typ == "malware-sample")
	if r != "" {
		return "", r
	}
	return a + "|" + b, ""
}

// compositeParts returns the types whose rules check the two parts of a composite
// value; "" stands for free text.
func compositeParts(typ string) (first, second string) {
	switch typ {
	case "regkey|value":
		return "regkey", ""
	case "malware-sample":
		return "filename", ""
	case "domain|ip":
		return "domain", "ip-dst"
	}
	first, second, _ = strings.Cut(typ, "|")
	return first, second
}

// normalizePart checks one part of a composite value against type typ ("" for free
// text); emptyOK allows an empty free-text part.
func normalizePart(typ, v string, emptyOK bool) (string, string) {
	if v == "" {
		if emptyOK {
			return "", ""
		}
		return "", reasonComposite
	}
	if ctypeCntrl(v) {
		return "", reasonControl
	}
	if typ == "" {
		return v, ""
	}
	k := kindOf(typ)
	if k == kIP {
		// A composite holds one address, never a block; a full-length prefix
		// ("/32", "/128") names one address and is dropped, as MISP drops it.
		ip, r := normalizeIP(v, true)
		if r == "" && strings.IndexByte(ip, '/') >= 0 {
			return "", reasonIP
		}
		return ip, r
	}
	return normalizeOne(typ, k, v)
}

// ipPortForm rewrites the address-and-port spellings MISP accepts for ip-src|port and
// ip-dst|port ("1.2.3.4:80", "[2001:db8::1]:80", "2001:db8::1.80", "2001:db8::1 port 80",
// "2001:db8::1p80", "2001:db8::1#80", "2001:db8::1:80") as "address|port".
func ipPortForm(v string) string {
	if strings.IndexByte(v, '|') >= 0 {
		return v
	}
	if strings.HasPrefix(v, "[") {
		if i := strings.Index(v, "]:"); i > 0 {
			return v[1:i] + "|" + v[i+2:]
		}
	}
	if a, p, ok := strings.Cut(v, " port "); ok {
		return a + "|" + p
	}
	switch strings.Count(v, ":") {
	case 0:
		return v
	case 1:
		return strings.Replace(v, ":", "|", 1)
	}
	for _, sep := range []string{".", "p", "#", ":"} {
		i := strings.LastIndex(v, sep)
		if i <= 0 {
			continue
		}
		if _, err := netip.ParseAddr(v[:i]); err == nil {
			return v[:i] + "|" + v[i+1:]
		}
	}
	return v
}

// normalizeOne checks a value of a non-composite type of valueKind k.
func normalizeOne(typ string, k valueKind, v string) (string, string) {
	switch k {
	case kFree:
		return v, ""
	case kLine:
		if strings.IndexByte(v, '\n') >= 0 {
			return "", reasonNewline
		}
		return v, ""
	case kLowerLine:
		if strings.IndexByte(v, '\n') >= 0 {
			return "", reasonNewline
		}
		return strings.ToLower(v), ""
	case kHexHash:
		if strings.HasPrefix(typ, "x509-fingerprint-") {
			v = strings.ReplaceAll(v, ":", "")
		}
		n := hexHashLen(typ)
		if len(v) != n || !hexOnly(v) {
			return "", fmt.Sprintf(`Checksum has an invalid length or format (expected: %d hexadecimal characters). Please double check the value or select type "other".`, n)
		}
		return strings.ToLower(v), ""
	case kIP:
		return normalizeIP(v, true)
	case kDomain:
		return normalizeDomain(typ, v)
	case kEmail, kEmailCase:
		if k == kEmail {
			v = strings.ToLower(v)
		}
		if !emailLike(v) {
			return "", reasonEmail
		}
		return v, ""
	case kPort:
		return normalizePort(v)
	case kAS:
		return normalizeAS(v)
	case kMAC:
		return normalizeMAC(v, 6)
	case kMACEUI64:
		return normalizeMAC(v, 8)
	case kHTTPMethod:
		v = strings.ToUpper(v)
		for _, m := range httpMethods() {
			if strings.Contains(v, m) {
				return v, ""
			}
		}
		return "", "Unknown HTTP method."
	case kHex:
		if !hexOnly(v) {
			return "", reasonGeneric
		}
		return strings.ToUpper(v), ""
	case kVulnerability:
		v = strings.ToUpper(strings.ReplaceAll(v, "–", "-"))
		if rest, ok := strings.CutPrefix(v, "CVE-"); ok && len(rest) >= 9 && digitsOnly(rest[:4]) &&
			rest[4] == '-' && digitsOnly(rest[5:]) {
			return v, ""
		}
		return "", "Invalid format. Expected: CVE-xxxx-xxxx..."
	case kWeakness:
		v = strings.ToUpper(strings.ReplaceAll(v, "–", "-"))
		if rest, ok := strings.CutPrefix(v, "CWE-"); ok && digitsOnly(rest) {
			return v, ""
		}
		return "", "Invalid format. Expected: CWE-x..."
	case kCardNumber:
		v = keepBytes(v, func(c byte) bool { return c >= '0' && c <= '9' })
		if v == "" {
			return "", reasonGeneric
		}
		return v, ""
	case kBankCode:
		v = keepBytes(strings.ToUpper(v), func(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' })
		if v == "" {
			return "", reasonGeneric
		}
		return v, ""
	case kPhone:
		// MISP turns a leading "00" into '+' first; doing it after dropping the
		// other characters gives the same result for real numbers and a stable one
		// for junk ("0A00" would otherwise become "000", then "+0").
		v = strings.ReplaceAll(v, "(0)", "")
		v = keepBytes(v, func(c byte) bool { return c >= '0' && c <= '9' || c == '+' })
		if rest, ok := strings.CutPrefix(v, "00"); ok {
			v = "+" + rest
		}
		if !phpNumeric(v) {
			return "", reasonGeneric
		}
		return v, ""
	case kNumeric:
		if !phpNumeric(v) {
			return "", reasonGeneric
		}
		return v, ""
	case kBoolean:
		switch strings.ToLower(v) {
		case "false", "0":
			return "0", ""
		}
		// MISP casts the text to a boolean the PHP way: "true" and any other
		// non-empty text except "0" is true.
		return "1", ""
	case kDatetime:
		t, ok := parseAttrDatetime(v)
		if !ok {
			return "", "Datetime has to be in the ISO 8601 format."
		}
		return t.Format("2006-01-02T15:04:05.000000-0700"), ""
	case kWholeNumber:
		if !digitsOnly(v) {
			return "", reasonWholeNum
		}
		return v, ""
	case kInteger:
		d := strings.TrimLeft(v, "+-")
		if len(v)-len(d) > 1 || !digitsOnly(d) {
			return "", "The value has to be an integer value."
		}
		return v, ""
	case kCortex:
		if !json.Valid([]byte(v)) {
			return "", reasonGeneric
		}
		return v, ""
	case kSSHFingerprint:
		if sshFingerprint(v) {
			return v, ""
		}
		return "", "SSH fingerprint must be in MD5 or SHA256 format."
	case kLink:
		if validLink(v) {
			return v, ""
		}
		return "", reasonGeneric
	case kTLSH:
		v = strings.ToLower(v)
		h := strings.TrimPrefix(v, "t")
		if len(h) <= 35 || !hexOnly(h) {
			return "", `Checksum has an invalid length or format (expected: at least 35 hexadecimal characters, optionally starting with t1 instead of hexadecimal characters). Please double check the value or select type "other".`
		}
		return v, ""
	case kTelfhash:
		v = strings.ToLower(v)
		if len(v) != 70 && len(v) != 72 {
			return "", `Checksum has an invalid length or format (expected: 70 or 72 hexadecimal characters). Please double check the value or select type "other".`
		}
		return v, ""
	case kSSDeep:
		if ssdeep(v) {
			return v, ""
		}
		return "", "Invalid SSDeep hash. The format has to be blocksize:hash:hash"
	case kImpfuzzy:
		if strings.Count(v, ":") == 2 && digitsOnly(v[:strings.IndexByte(v, ':')]) {
			return v, ""
		}
		return "", "Invalid impfuzzy format. The format has to be imports:hash:hash"
	case kCDHash:
		v = strings.ToLower(v)
		if len(v) < 40 || !hexOnly(v) {
			return "", "The input doesn't match the expected format (expected: 40 or more hexadecimal characters)"
		}
		return v, ""
	case kWindowsService:
		if len(v) > 256 || strings.ContainsAny(v, `\/`) {
			return "", "Invalid format. Only values shorter than 256 characters that don't include any forward or backward slashes are allowed."
		}
		return v, ""
	case kAlnum:
		if keepBytes(v, alnumByte) != v {
			return "", reasonGeneric
		}
		return v, ""
	case kUUID:
		v = strings.ToLower(v)
		if !uuidForm(v) {
			return "", reasonGeneric
		}
		return v, ""
	}
	return "", reasonGeneric
}

func httpMethods() []string {
	return []string{"OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT",
		"PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "VERSION-CONTROL",
		"REPORT", "CHECKOUT", "CHECKIN", "UNCHECKOUT", "MKWORKSPACE", "UPDATE", "LABEL", "MERGE",
		"BASELINE-CONTROL", "MKACTIVITY", "ORDERPATCH", "ACL", "PATCH", "SEARCH"}
}

// normalizeIP checks an IP address (or, with cidr, a CIDR block) and writes it
// canonically.
func normalizeIP(v string, cidr bool) (string, string) {
	addr, bits, block := strings.Cut(v, "/")
	if block && !cidr {
		return "", reasonIP
	}
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" {
		return "", reasonIP
	}
	if !block {
		return a.String(), ""
	}
	if !digitsOnly(bits) {
		return "", reasonCIDR
	}
	n := 1 << 10 // more than any prefix length
	if t := strings.TrimLeft(bits, "0"); len(t) <= 3 {
		n, _ = strconv.Atoi("0" + t)
	}
	if a.Is4() && n > 32 {
		return "", "Invalid CIDR notation value found, for IPv4 must be lower or equal 32."
	}
	if !a.Is4() && n > 128 {
		return "", "Invalid CIDR notation value found, for IPv6 must be lower or equal 128."
	}
	if a.Is4() && n == 32 || !a.Is4() && n == 128 {
		return a.String(), ""
	}
	return a.String() + "/" + strconv.Itoa(n), ""
}

// normalizeDomain lower-cases a domain or hostname, strips outer dots, converts
// internationalised names to punycode and checks it against MISP's domain pattern.
func normalizeDomain(typ, v string) (string, string) {
	v = strings.Trim(strings.ToLower(v), ".")
	if !domainLike(v) && !asciiOnly(v) {
		if p, err := idna.Lookup.ToASCII(v); err == nil {
			v = p
		}
	}
	if !domainLike(v) {
		name := "Domain"
		if typ == "hostname" {
			name = "Hostname"
		}
		return "", name + ` has an invalid format. Please double check the value or select type "other".`
	}
	return v, ""
}

// domainLike is MISP's domain test: letters, digits, '.', '-' and '_', then a dot and a
// last label of at least two letters, digits or '-'.
func domainLike(v string) bool {
	i := strings.LastIndexByte(v, '.')
	if i <= 0 || len(v)-i-1 < 2 {
		return false
	}
	for j := 0; j < len(v); j++ {
		c := v[j]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' ||
			j < i && (c == '.' || c == '_') || j == i
		if !ok {
			return false
		}
	}
	return true
}

// emailLike is MISP's deliberately loose e-mail test (partial addresses pass): one
// character, non-space characters, '@', then text with a dot, all on one line.
func emailLike(v string) bool {
	if strings.IndexByte(v, '\n') >= 0 || v == "" {
		return false
	}
	_, n := utf8.DecodeRuneInString(v)
	lastDot := strings.LastIndexByte(v, '.')
	for j := n; j < len(v); j++ {
		switch v[j] {
		case '@':
			if lastDot > j {
				return true
			}
		case ' ', '\t', '\r', '\v', '\f':
			return false
		}
	}
	return false
}

// normalizePort checks a port number 1–65535 and drops leading zeros.
func normalizePort(v string) (string, string) {
	t := strings.TrimLeft(v, "0")
	if !digitsOnly(v) || len(t) > 5 {
		return "", reasonPort
	}
	n, _ := strconv.Atoi("0" + t)
	if n < 1 || n > 65535 {
		return "", reasonPort
	}
	return strconv.Itoa(n), ""
}

// normalizeAS checks an AS number ("AS15169", "15169" or asdot "1.10") and returns
// its decimal form.
func normalizeAS(v string) (string, string) {
	if len(v) >= 2 && strings.EqualFold(v[:2], "AS") {
		v = v[2:]
	}
	if hi, lo, ok := strings.Cut(v, "."); ok {
		h, err1 := strconv.ParseUint(hi, 10, 16)
		l, err2 := strconv.ParseUint(lo, 10, 16)
		if err1 != nil || err2 != nil || !digitsOnly(hi) || !digitsOnly(lo) {
			return "", reasonAS
		}
		return strconv.FormatUint(h<<16|l, 10), ""
	}
	if !digitsOnly(v) {
		return "", reasonAS
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		return "", reasonAS
	}
	return strconv.FormatUint(n, 10), ""
}

// normalizeMAC writes a MAC address (groups bytes) as lower-case hex pairs joined by ':'.
func normalizeMAC(v string, groups int) (string, string) {
	var hex []byte
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '.', ':', '-', ' ':
		default:
			hex = append(hex, lowerByte(c))
		}
	}
	if len(hex) != 2*groups || !hexOnly(string(hex)) {
		return "", reasonGeneric
	}
	out := make([]byte, 0, 3*groups-1)
	for i := 0; i < len(hex); i += 2 {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, hex[i], hex[i+1])
	}
	return string(out), ""
}

// parseAttrDatetime reads the date and time spellings MISP's PHP DateTime accepts in
// practice: ISO 8601 / RFC 3339 with or without fraction, zone or time, a space instead
// of 'T', and "@unix". A time without a zone is UTC; a given zone is kept.
func parseAttrDatetime(v string) (time.Time, bool) {
	if len(v) > 64 {
		return time.Time{}, false // longer than any date and time spelling
	}
	if rest, ok := strings.CutPrefix(v, "@"); ok {
		d := strings.TrimPrefix(rest, "-")
		if digitsOnly(d) && len(d) <= 12 {
			n, _ := strconv.ParseInt(rest, 10, 64)
			return time.Unix(n, 0).UTC(), true
		}
		return time.Time{}, false
	}
	for _, layout := range []string{
		"2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999Z0700",
		"2006-01-02T15:04:05.999999999Z07",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999 Z07:00",
		"2006-01-02 15:04:05.999999999Z0700",
		"2006-01-02 15:04:05.999999999 -0700",
		"2006-01-02 15:04:05.999999999 MST",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04",
		"2006-01-02 15:04",
		"2006-01-02",
		time.RFC1123Z,
		time.RFC1123,
	} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// sshFingerprint accepts "SHA256:<base64 of 32 bytes>" and MD5 fingerprints written as
// 32 hex digits, optionally with colons and an "MD5:" prefix.
func sshFingerprint(v string) bool {
	if b64, ok := strings.CutPrefix(v, "SHA256:"); ok {
		d, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(b64, "="))
		return err == nil && len(d) == 32
	}
	v = strings.ReplaceAll(strings.TrimPrefix(v, "MD5:"), ":", "")
	return len(v) == 32 && hexOnly(v)
}

// validLink checks a link the way PHP's FILTER_VALIDATE_URL with a required scheme does
// in practice: ASCII without spaces, a scheme, and a host for hierarchical schemes.
func validLink(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f {
			return false
		}
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" {
		return false
	}
	switch u.Scheme {
	case "mailto", "news", "file", "urn", "data", "tel":
		return u.Opaque != "" || u.Path != ""
	}
	return u.Host != "" && u.Hostname() != ""
}

// ssdeep is MISP's pattern: block size, ':', base64 text, ':', base64 text.
func ssdeep(v string) bool {
	bs, rest, ok := strings.Cut(v, ":")
	if !ok || !digitsOnly(bs) {
		return false
	}
	h1, h2, ok := strings.Cut(rest, ":")
	if !ok {
		return false
	}
	b64 := func(c byte) bool { return alnumByte(c) || c == '/' || c == '+' }
	return keepBytes(h1, b64) == h1 && keepBytes(h2, b64) == h2
}

func uuidForm(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if v[i] != '-' {
				return false
			}
		default:
			if !hexDigit(v[i]) {
				return false
			}
		}
	}
	return true
}

// phpNumeric is PHP's is_numeric for trimmed text: an optional sign, digits with an
// optional decimal point (or a point and digits), and an optional exponent.
func phpNumeric(v string) bool {
	i := 0
	if i < len(v) && (v[i] == '+' || v[i] == '-') {
		i++
	}
	digits := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
		digits++
	}
	if i < len(v) && v[i] == '.' {
		i++
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		exp := 0
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(v)
}

// refangForType undoes the defanging MISP undoes for network types before checking them
// (ComplexTypeTool's refang table), repeating until nothing changes so that a refanged
// value is stable ("[[.].]" becomes ".", not "[.]").
func refangForType(typ, v string) string {
	for {
		r := refangOnce(typ, v)
		if r == v {
			return r
		}
		v = r
	}
}

func refangOnce(typ, v string) string {
	switch typ {
	case "url", "link":
		if len(v) >= 4 {
			for _, p := range []string{"hxxp", "hxtp", "htxp", "meow", "h[tt]p"} {
				if len(v) >= len(p) && strings.EqualFold(v[:len(p)], p) {
					v = "http" + v[len(p):]
					break
				}
			}
		}
		if strings.IndexByte(v, '[') >= 0 {
			v = strings.ReplaceAll(v, "[hxxp://]", "http://")
			v = strings.ReplaceAll(v, "[:]", ":")
		}
		return refangDots(v)
	case "ip-dst", "ip-src", "domain|ip", "domain", "hostname":
		return refangDots(v)
	case "email", "email-src", "email-dst":
		v = refangDots(v)
		if strings.IndexByte(v, '[') >= 0 {
			v = strings.ReplaceAll(v, "[@]", "@")
			v = strings.ReplaceAll(v, "[at]", "@")
		}
		return v
	}
	return v
}

func refangDots(v string) string {
	if strings.IndexByte(v, '[') >= 0 {
		v = strings.ReplaceAll(v, "[.]", ".")
		v = strings.ReplaceAll(v, "[dot]", ".")
	}
	if strings.IndexByte(v, '(') >= 0 {
		v = strings.ReplaceAll(v, "(dot)", ".")
	}
	return v
}

// trimPHP trims what PHP's trim() does: space, \t, \n, \r, NUL and \v.
func trimPHP(v string) string { return strings.Trim(v, " \t\n\r\x00\x0b") }

// ctypeCntrl is PHP's ctype_cntrl: non-empty and only ASCII control characters.
func ctypeCntrl(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x20 && v[i] != 0x7f {
			return false
		}
	}
	return true
}

func keepBytes(v string, keep func(byte) bool) string {
	for i := 0; i < len(v); i++ {
		if !keep(v[i]) {
			b := make([]byte, 0, len(v))
			b = append(b, v[:i]...)
			for ; i < len(v); i++ {
				if keep(v[i]) {
					b = append(b, v[i])
				}
			}
			return string(b)
		}
	}
	return v
}

func digitsOnly(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

func hexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexOnly(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !hexDigit(v[i]) {
			return false
		}
	}
	return true
}

func alnumByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func asciiOnly(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 {
			return false
		}
	}
	return true
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
