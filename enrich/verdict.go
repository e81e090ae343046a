package enrich

import (
	"fmt"
	"strings"
)

// Verdict is one provider's judgement of an indicator, on the DBotScore scale shared by every
// provider: the numbers are XSOAR's (0 unknown, 1 good, 2 suspicious, 3 bad).
type Verdict int

// The verdicts, in increasing severity.
const (
	Unknown    Verdict = 0
	Benign     Verdict = 1
	Suspicious Verdict = 2
	Malicious  Verdict = 3
)

var verdictNames = [...]string{"unknown", "benign", "suspicious", "malicious"}

// String returns "unknown", "benign", "suspicious" or "malicious".
func (v Verdict) String() string {
	if v < 0 || int(v) >= len(verdictNames) {
		return fmt.Sprintf("verdict(%d)", int(v))
	}
	return verdictNames[v]
}

// ParseVerdict reads a verdict name or its DBotScore number ("3", "malicious"; case-insensitive).
func ParseVerdict(s string) (Verdict, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	for i, n := range verdictNames {
		if t == n || t == fmt.Sprint(i) {
			return Verdict(i), nil
		}
	}
	switch t {
	case "good", "clean", "harmless":
		return Benign, nil
	case "bad":
		return Malicious, nil
	}
	return Unknown, fmt.Errorf("unknown verdict %q: use unknown, benign, suspicious or malicious (0-3)", s)
}

// MarshalText encodes the verdict by name.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText accepts what ParseVerdict accepts.
func (v *Verdict) UnmarshalText(b []byte) error {
	p, err := ParseVerdict(string(b))
	*v = p
	return err
}

// Reliability grades how far a source is trusted, on XSOAR's scale: A+ (third-party enrichment)
// and A (completely reliable) down to F (reliability cannot be judged). Higher values are more
// reliable; the zero value means "not set".
type Reliability int

// The reliability grades.
const (
	ReliabilityUnset Reliability = iota
	ReliabilityF                 // reliability cannot be judged
	ReliabilityE                 // unreliable
	ReliabilityD                 // not usually reliable
	ReliabilityC                 // fairly reliable
	ReliabilityB                 // usually reliable
	ReliabilityA                 // completely reliable
	ReliabilityAPlus             // third-party enrichment
)

// DefaultReliability is the grade of a provider whose configuration sets none (XSOAR's default).
const DefaultReliability = ReliabilityC

var reliabilityNames = [...]string{"", "F", "E", "D", "C", "B", "A", "A+"}

var reliabilityLong = [...]string{"", "Reliability cannot be judged", "Unreliable", "Not usually reliable",
	"Fairly reliable", "Usually reliable", "Completely reliable", "3rd party enrichment"}

// String returns the grade's letter ("A+", "A", … "F"), or "" when unset.
func (r Reliability) String() string {
	if r < 0 || int(r) >= len(reliabilityNames) {
		return fmt.Sprintf("reliability(%d)", int(r))
	}
	return reliabilityNames[r]
}

// Long returns XSOAR's full label, e.g. "C - Fairly reliable".
func (r Reliability) Long() string {
	if r <= 0 || int(r) >= len(reliabilityNames) {
		return r.String()
	}
	return reliabilityNames[r] + " - " + reliabilityLong[r]
}

// ParseReliability reads a grade as a letter ("B", "a+") or in XSOAR's long forms
// ("B - Usually reliable", and the older "B: Usually reliable").
func ParseReliability(s string) (Reliability, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if i := strings.IndexAny(t, " :-"); i > 0 {
		t = t[:i]
	}
	for i, n := range reliabilityNames {
		if i > 0 && t == n {
			return Reliability(i), nil
		}
	}
	return ReliabilityUnset, fmt.Errorf("unknown reliability %q: use A+, A, B, C, D, E or F", s)
}

// MarshalText encodes the grade's letter.
func (r Reliability) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText accepts what ParseReliability accepts; an empty text leaves the grade unset.
func (r *Reliability) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*r = ReliabilityUnset
		return nil
	}
	p, err := ParseReliability(string(b))
	*r = p
	return err
}
