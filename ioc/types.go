package ioc

import (
	"fmt"
	"strings"
)

// Type names a kind of indicator.
type Type string

// The built-in indicator types.
const (
	IPv4            Type = "ipv4"
	IPv6            Type = "ipv6"
	Domain          Type = "domain"
	URL             Type = "url"
	Email           Type = "email"
	MD5             Type = "md5"
	SHA1            Type = "sha1"
	SHA256          Type = "sha256"
	SHA512          Type = "sha512"
	WindowsPath     Type = "windows_path"
	LinuxPath       Type = "linux_path"
	CVE             Type = "cve"
	AttackTechnique Type = "attack_technique"
	RegistryKey     Type = "registry_key"
)

// builtin indexes the built-in types for per-extractor selection tables.
const (
	tIPv4 = iota
	tIPv6
	tDomain
	tURL
	tEmail
	tMD5
	tSHA1
	tSHA256
	tSHA512
	tWindowsPath
	tLinuxPath
	tCVE
	tAttackTechnique
	tRegistryKey
	numTypes
)

var builtinTypes = [numTypes]Type{IPv4, IPv6, Domain, URL, Email, MD5, SHA1, SHA256, SHA512,
	WindowsPath, LinuxPath, CVE, AttackTechnique, RegistryKey}

// Types returns all built-in types, in the order they are declared.
func Types() []Type {
	out := make([]Type, numTypes)
	copy(out, builtinTypes[:])
	return out
}

func typeIndex(t Type) int {
	for i, b := range builtinTypes {
		if b == t {
			return i
		}
	}
	return -1
}

// ParseType returns the built-in type named s, ignoring case and surrounding space.
func ParseType(s string) (Type, error) {
	t := Type(strings.ToLower(strings.TrimSpace(s)))
	if typeIndex(t) >= 0 {
		return t, nil
	}
	names := make([]string, numTypes)
	for i, b := range builtinTypes {
		names[i] = string(b)
	}
	return "", fmt.Errorf("unknown indicator type %q (valid: %s)", s, strings.Join(names, ", "))
}

// IPFlags describes the special-purpose ranges an IP address belongs to.
type IPFlags uint16

// IP address flags.
const (
	Private       IPFlags = 1 << iota // RFC 1918, fc00::/7
	Loopback                          // 127.0.0.0/8, ::1
	LinkLocal                         // 169.254.0.0/16, fe80::/10
	Multicast                         // 224.0.0.0/4, ff00::/8
	Reserved                          // 0.0.0.0/8, 240.0.0.0/4 and other IANA special-purpose space
	Documentation                     // 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32
	Unspecified                       // 0.0.0.0, ::
	Broadcast                         // 255.255.255.255
	Shared                            // 100.64.0.0/10 (carrier-grade NAT)
	Benchmarking                      // 198.18.0.0/15, 2001:2::/48
)

var flagNames = [...]string{"private", "loopback", "link-local", "multicast", "reserved",
	"documentation", "unspecified", "broadcast", "shared", "benchmarking"}

// Strings returns the names of the set flags in a stable order, or nil when none is set.
func (f IPFlags) Strings() []string {
	var out []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// String joins the flag names with commas.
func (f IPFlags) String() string { return strings.Join(f.Strings(), ",") }

// Match is one indicator found in text.
type Match struct {
	Type        Type    // indicator type
	Value       string  // canonical: refanged; hashes, domains and hosts lower-case; IPv6 in RFC 5952 form
	Raw         string  // exactly the input text that matched
	Start, End  int     // byte offsets of Raw in the scanned text
	Defanged    bool    // Raw was defanged
	Registrable string  // eTLD+1 for domains, URL hosts and e-mail domains ("" otherwise)
	IPFlags     IPFlags // special-purpose ranges of ipv4/ipv6 values
	Within      Type    // URL or Email when this match is the host of a URL or the domain of an e-mail
}

// Custom is a user-defined indicator type matched by a regular expression (RE2 syntax, as
// in package regexp). When the pattern has a named group "ioc", that group is the value;
// otherwise the whole match is.
type Custom struct {
	Name    string
	Pattern string
}

// Options configures an Extractor. The zero value extracts every built-in type.
type Options struct {
	// Types selects the types to report; nil or empty means all built-in types (plus all
	// Custom types). Custom type names may be listed too.
	Types []Type
	// Custom adds user-defined types for this extractor only.
	Custom []Custom
	// FileNameTLDs reports file names whose extension is a TLD (invoice.zip, run.py,
	// lib.so) and code-like dotted names (s.Read, System.IO) as domains.
	FileNameTLDs bool
	// ICANNOnly computes Registrable from the ICANN section of the public suffix list only,
	// so evil.blogspot.com yields blogspot.com. By default private suffixes count too,
	// which keeps tenants of shared hosting apart.
	ICANNOnly bool
}

// MISPType is the MISP attribute type a value of t is stored as: ip-dst for addresses, email-src, filename for paths,
// vulnerability for CVEs, regkey for registry keys, and the same name for domains, URLs and hashes.
func (t Type) MISPType() string {
	switch t {
	case IPv4, IPv6:
		return "ip-dst"
	case Email:
		return "email-src"
	case WindowsPath, LinuxPath:
		return "filename"
	case CVE:
		return "vulnerability"
	case RegistryKey:
		return "regkey"
	}
	return string(t)
}
