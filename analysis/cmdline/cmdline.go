// Package cmdline scores command lines for what attackers do with them: encoded PowerShell,
// download cradles, living-off-the-land binaries used to fetch or run code, caret, backtick,
// concatenation and char-code obfuscation, AMSI bypass strings, and hidden-window or
// policy-bypass switches. Each rule that fires adds its weight and a reason; the score is
// capped at 100. Rules look at the command line as written: decode it first (package unpack)
// to score what an encoded command hides.
//
// For the domains a command line or a log names, Watchlist flags lookalikes of watched domains
// (homoglyphs, one-edit typos, suffix swaps, the name embedded in another domain) and DGAScore
// rates how machine-generated a name looks.
package cmdline

import (
	"math"
	"regexp"
	"strings"
)

// MaxScore is the highest score Analyze gives.
const MaxScore = 100

// Finding is one rule that fired on a command line.
type Finding struct {
	Rule   string // rule name, e.g. encoded_command
	Weight int    // what it adds to the score
	Reason string // why it matters, for the analyst
	Match  string // the text that made it fire (the first match, at most 120 bytes)
}

// Result is a command line's score and the rules that made it.
type Result struct {
	Score    int
	Findings []Finding
}

// Rules names every rule Analyze applies, in the order findings are reported.
func Rules() []string {
	out := make([]string, 0, len(rules()))
	for _, r := range rules() {
		out = append(out, r.name)
	}
	return out
}

type rule struct {
	name   string
	weight int
	reason string
	re     *regexp.Regexp
	// min is how many matches the rule needs (obfuscation counts repeats); 0 means 1.
	min int
	// any lists lower-case strings of which the command line must hold one before the
	// regular expression is tried: most command lines hold none, and skip every rule cheaply.
	any []string
}

func rules() []rule {
	return []rule{
		{name: "encoded_command", any: []string{"powershell", "pwsh"}, weight: 40, reason: "PowerShell runs a base64-encoded command (-EncodedCommand, any prefix of it, or its alias -ec)",
			re: regexp.MustCompile(`(?i)(?:^|[\s"'\\/])(?:powershell|pwsh)(?:\.exe)?[\\"']*\s(?:.*\s)?[-/]e(?:c|n(?:c(?:o(?:d(?:e(?:d(?:c(?:o(?:m(?:m(?:a(?:n(?:d)?)?)?)?)?)?)?)?)?)?)?)?)?\s+["']?[A-Za-z0-9+/=]{16,}`)},
		{name: "amsi_bypass", any: []string{"amsi"}, weight: 50, reason: "a string used to switch off the Antimalware Scan Interface",
			re: regexp.MustCompile(`(?i)amsiutils|amsiinitfailed|amsiscanbuffer|amsicontext|amsi\.dll`)},
		{name: "download_cradle", any: []string{"webclient", "download", "invoke-webrequest", "iwr", "invoke-restmethod", "irm", "bitstransfer", "bitsadmin", "urlcache", "xmlhttp", "winhttp", "curl", "wget"}, weight: 35, reason: "downloads content and runs or stores it",
			re: regexp.MustCompile(`(?i)net\.webclient|download(?:string|file|data)\s*\(|invoke-webrequest|\biwr\s|invoke-restmethod|\birm\s|start-bitstransfer|bitsadmin(?:\.exe)?\s+/transfer|certutil(?:\.exe)?\s+.*-urlcache|msxml2\.xmlhttp|winhttp\.winhttprequest|(?:curl|wget)(?:\.exe)?\s+.*https?://.*\|\s*(?:iex|sh|bash|powershell)`)},
		{name: "native_injection", any: []string{"virtualalloc", "createthread", "writeprocessmemory", "createremotethread", "dllimport", "getdelegateforfunctionpointer", "interopservices"}, weight: 30, reason: "calls Windows APIs that allocate and run code in memory (shellcode loaders)",
			re: regexp.MustCompile(`(?i)virtualalloc|createthread|writeprocessmemory|createremotethread|\[dllimport|getdelegateforfunctionpointer|system\.runtime\.interopservices`)},
		{name: "compressed_payload", any: []string{"frombase64string", "compression"}, weight: 20, reason: "unpacks a base64 or compressed payload at run time",
			re: regexp.MustCompile(`(?i)frombase64string|io\.compression\.(?:gzipstream|deflatestream)|system\.io\.compression`)},
		{name: "invoke_expression", any: []string{"iex", "invoke-expression", ".invoke("}, weight: 15, reason: "evaluates a string as PowerShell code",
			re: regexp.MustCompile(`(?i)\binvoke-expression\b|\biex\b\s*[\(\$"']|\|\s*iex\b|\.invoke\(\)`)},
		{name: "lolbin_execution", any: []string{"rundll32", "regsvr32", "mshta", "certutil", "msbuild", "installutil", "cmstp", "wmic", "odbcconf", "msiexec", "forfiles"}, weight: 25, reason: "a signed Windows binary abused to run or fetch code",
			re: regexp.MustCompile(`(?i)rundll32(?:\.exe)?\s+.*(?:javascript:|vbscript:|url\.dll|shell32\.dll,\s*shellexec_rundll|zipfldr\.dll)|regsvr32(?:\.exe)?\s+.*(?:/i:https?|scrobj\.dll)|mshta(?:\.exe)?\s+.*(?:https?:|javascript:|vbscript:)|certutil(?:\.exe)?\s+.*-decode|msbuild(?:\.exe)?\s+\S+\.(?:xml|csproj)|installutil(?:\.exe)?\s+.*/u\b|cmstp(?:\.exe)?\s+.*/s\b|wmic(?:\.exe)?\s+.*process\s+call\s+create|odbcconf(?:\.exe)?\s+.*regsvr|msiexec(?:\.exe)?\s+.*https?://|forfiles(?:\.exe)?\s+.*/c\b`)},
		{name: "caret_obfuscation", any: []string{"^"}, weight: 20, reason: "cmd.exe carets splitting words so signatures miss them",
			re: regexp.MustCompile(`[A-Za-z]\^[A-Za-z]`), min: 3},
		{name: "backtick_obfuscation", any: []string{"`"}, weight: 20, reason: "PowerShell backticks inside words so signatures miss them",
			re: regexp.MustCompile("[A-Za-z]`[A-Za-z]"), min: 2},
		{name: "string_concatenation", any: []string{"+"}, weight: 20, reason: "strings cut into pieces and joined at run time",
			re: regexp.MustCompile(`['"]\s*\+\s*['"]`), min: 2},
		{name: "char_codes", any: []string{"[char]"}, weight: 20, reason: "text built from character codes",
			re: regexp.MustCompile(`(?i)\[char\]\s*\d{2,3}`), min: 3},
		{name: "hidden_window", any: []string{"-w", "/w"}, weight: 10, reason: "runs without a visible window",
			re: regexp.MustCompile(`(?i)\s[-/]w(?:i(?:n(?:d(?:o(?:w(?:s(?:t(?:y(?:l(?:e)?)?)?)?)?)?)?)?)?)?\s+(?:hidden|1)\b`)},
		{name: "policy_bypass", any: []string{"-ex", "/ex", "-nop", "/nop"}, weight: 10, reason: "sidesteps the PowerShell execution policy or profile",
			re: regexp.MustCompile(`(?i)\s[-/]ex(?:e(?:c(?:u(?:t(?:i(?:o(?:n(?:p(?:o(?:l(?:i(?:c(?:y)?)?)?)?)?)?)?)?)?)?)?)?)?\s+(?:bypass|unrestricted)\b|\s[-/]nop(?:rofile)?\b`)},
	}
}

// Analyzer applies the rules; build it once with New and share it between goroutines.
type Analyzer struct {
	rules []rule
}

// New returns an Analyzer with every rule.
func New() *Analyzer { return &Analyzer{rules: rules()} }

// Analyze scores cmd.
func (a *Analyzer) Analyze(cmd string) Result {
	var res Result
	lower := strings.ToLower(cmd)
	for _, r := range a.rules {
		if !containsAny(lower, r.any) {
			continue
		}
		need := max(r.min, 1)
		matches := r.re.FindAllStringIndex(cmd, need)
		if len(matches) < need {
			continue
		}
		m := cmd[matches[0][0]:matches[0][1]]
		if len(m) > 120 {
			m = m[:120]
		}
		res.Findings = append(res.Findings, Finding{Rule: r.name, Weight: r.weight, Reason: r.reason, Match: strings.TrimSpace(m)})
		res.Score += r.weight
	}
	res.Score = min(res.Score, MaxScore)
	return res
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// Entropy is the Shannon entropy of s in bits per byte (0 for an empty string): English text
// sits near 4.1–4.4, base64 of random bytes near 6, random bytes near 8.
func Entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	n := float64(len(s))
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}
