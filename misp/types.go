package misp

import "strings"

// NonCorrelatingTypes returns the attribute types MISP never correlates
// (MispAttribute::NON_CORRELATING_TYPES): their values say too little on their own.
func NonCorrelatingTypes() []string {
	return []string{"comment", "http-method", "aba-rtn", "gender", "counter", "integer", "float",
		"port", "nationality", "cortex", "boolean", "anonymised"}
}

// IsNonCorrelating reports whether MISP never correlates attributes of type typ.
func IsNonCorrelating(typ string) bool {
	switch typ {
	case "comment", "http-method", "aba-rtn", "gender", "counter", "integer", "float",
		"port", "nationality", "cortex", "boolean", "anonymised":
		return true
	}
	return false
}

// IsPrimaryOnlyCorrelating reports whether MISP correlates attributes of type typ on the
// first part of their value only (MispAttribute::PRIMARY_ONLY_CORRELATING_TYPES:
// ip-src|port, ip-dst|port and hostname|port correlate on the address or host).
func IsPrimaryOnlyCorrelating(typ string) bool {
	switch typ {
	case "ip-src|port", "ip-dst|port", "hostname|port":
		return true
	}
	return false
}

// SplitComposite splits the value of a composite type at its '|' into the two parts
// MISP stores as value1 and value2. ok is false when typ is not a composite type or the
// value does not hold exactly one '|'. The parts are returned as written; normalise the
// whole value with NormalizeValue first.
func SplitComposite(typ, value string) (first, second string, ok bool) {
	if !IsComposite(typ) || strings.Count(value, "|") != 1 {
		return "", "", false
	}
	first, second, _ = strings.Cut(value, "|")
	return first, second, true
}
