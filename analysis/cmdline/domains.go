package cmdline

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Lookalike is an observed domain that imitates a watched one.
type Lookalike struct {
	Domain  string // the observed domain
	Watched string // the watched domain it imitates
	Kind    string // tld_swap, homoglyph, typo (one edit), or embedded (the watched name inside another registrable domain)
	Reason  string
}

// Watchlist finds domains that imitate a list of watched ones (the organisation's own, its
// suppliers', the services its users log in to).
type Watchlist struct {
	watched []watchedDomain
}

type watchedDomain struct {
	domain   string // registrable domain, lower case, e.g. example.com
	label    string // its label without the public suffix, e.g. example
	skeleton string // label with lookalike characters folded
}

// NewWatchlist returns a watch list of the registrable domains of domains.
func NewWatchlist(domains []string) *Watchlist {
	w := &Watchlist{}
	for _, d := range domains {
		reg, label, ok := registrable(d)
		if !ok {
			continue
		}
		w.watched = append(w.watched, watchedDomain{domain: reg, label: label, skeleton: skeleton(label)})
	}
	return w
}

// Check reports whether domain imitates a watched domain: the same name once lookalike
// characters are folded (paypa1.com, rnicrosoft.com, or Cyrillic letters in punycode), one
// edit away (omission, insertion, replacement or transposition: exmaple.com), or the watched
// name embedded in a different registrable domain (example-login.com, example.com.evil.net).
// A watched domain and its subdomains are not lookalikes.
func (w *Watchlist) Check(domain string) (Lookalike, bool) {
	reg, label, ok := registrable(domain)
	if !ok {
		return Lookalike{}, false
	}
	host := strings.ToLower(strings.TrimSuffix(domain, "."))
	for _, wd := range w.watched {
		if reg == wd.domain {
			return Lookalike{}, false
		}
	}
	// The closest imitation wins: a suffix swap, then a homoglyph, a typo, an embedded name.
	sk := skeleton(label)
	var best Lookalike
	bestRank := 0
	for _, wd := range w.watched {
		var l Lookalike
		rank := 0
		switch {
		case label == wd.label:
			l, rank = Lookalike{Kind: "tld_swap", Reason: "the name " + wd.label + " under another suffix"}, 4
		case sk == wd.skeleton:
			l, rank = Lookalike{Kind: "homoglyph", Reason: "reads as " + wd.label + " once lookalike characters are folded"}, 3
		case len(wd.label) >= 4 && editDistance1(label, wd.label):
			l, rank = Lookalike{Kind: "typo", Reason: "one edit away from " + wd.label}, 2
		case len(wd.label) >= 4 && strings.Contains(host, wd.label):
			l, rank = Lookalike{Kind: "embedded", Reason: wd.label + " inside the different registrable domain " + reg}, 1
		}
		if rank > bestRank {
			l.Domain, l.Watched = domain, wd.domain
			best, bestRank = l, rank
		}
	}
	return best, bestRank > 0
}

// registrable returns the registrable domain (eTLD+1) of d in lower case, Unicode form, and its
// label without the public suffix.
func registrable(d string) (reg, label string, ok bool) {
	d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
	if u, err := idna.ToUnicode(d); err == nil {
		d = u
	}
	reg, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return "", "", false
	}
	suffix, _ := publicsuffix.PublicSuffix(reg)
	label = strings.TrimSuffix(strings.TrimSuffix(reg, suffix), ".")
	return reg, label, label != ""
}

// skeleton folds characters that look alike into one: digits that pass for letters, letter
// pairs that pass for one letter, and Cyrillic and Greek letters that look Latin.
func skeleton(s string) string {
	var b strings.Builder
	for _, r := range s {
		if l, ok := confusable(r); ok {
			b.WriteString(l)
		} else {
			b.WriteRune(r)
		}
	}
	out := b.String()
	for _, p := range [][2]string{{"rn", "m"}, {"vv", "w"}, {"cl", "d"}, {"-", ""}} {
		out = strings.ReplaceAll(out, p[0], p[1])
	}
	return out
}

// confusable maps a character to the Latin letter it passes for.
func confusable(r rune) (string, bool) {
	switch r {
	case '0', 'о', 'ο': // zero, Cyrillic o, Greek omicron
		return "o", true
	case '1', 'l', 'і', 'ӏ', 'ι': // one, l, Cyrillic i and palochka, Greek iota: all read as l/i
		return "l", true
	case 'i':
		return "l", true
	case '3':
		return "e", true
	case '5':
		return "s", true
	case 'а', 'α':
		return "a", true
	case 'е', 'ε':
		return "e", true
	case 'р', 'ρ':
		return "p", true
	case 'с', 'ϲ':
		return "c", true
	case 'у':
		return "y", true
	case 'х', 'χ':
		return "x", true
	case 'ѕ':
		return "s", true
	case 'ј':
		return "j", true
	case 'ԁ':
		return "d", true
	case 'ɡ':
		return "g", true
	case 'ν':
		return "v", true
	}
	return "", false
}

// editDistance1 reports whether a and b differ by exactly one omission, insertion,
// replacement or transposition of adjacent characters.
func editDistance1(a, b string) bool {
	if a == b || !utf8.ValidString(a) || !utf8.ValidString(b) {
		return false
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	switch len(ra) - len(rb) {
	case 0:
		var diff []int
		for i := range ra {
			if ra[i] != rb[i] {
				diff = append(diff, i)
				if len(diff) > 2 {
					return false
				}
			}
		}
		if len(diff) == 1 {
			return true
		}
		return len(diff) == 2 && diff[1] == diff[0]+1 && ra[diff[0]] == rb[diff[1]] && ra[diff[1]] == rb[diff[0]]
	case 1:
		i := 0
		for i < len(rb) && ra[i] == rb[i] {
			i++
		}
		return string(ra[i+1:]) == string(rb[i:])
	}
	return false
}

// DGAScore rates how machine-generated a domain's registrable label looks, from 0 (a word-like
// name) to 1: few vowels, long consonant runs, and digits interleaved with letters (a number at
// the end, as in office365, does not count). Labels shorter than 6 score 0. It is a hint to look
// closer, not a verdict.
func DGAScore(domain string) float64 {
	_, label, ok := registrable(domain)
	if !ok || utf8.RuneCountInString(label) < 6 {
		return 0
	}
	vowels, letters, run, longest := 0, 0, 0, 0
	interleaved, sawDigit := false, false
	for _, r := range label {
		switch {
		case strings.ContainsRune("aeiouy", r):
			vowels++
			letters++
			run = 0
			interleaved = interleaved || sawDigit
		case r >= '0' && r <= '9':
			sawDigit = true
			run = 0
		case r >= 'a' && r <= 'z':
			letters++
			run++
			longest = max(longest, run)
			interleaved = interleaved || sawDigit
		default:
			run = 0
		}
	}
	score := 0.0
	if letters > 0 {
		switch v := float64(vowels) / float64(letters); {
		case v < 0.2:
			score += 0.4
		case v < 0.3:
			score += 0.2
		}
	}
	if longest >= 4 {
		score += 0.3
	}
	if interleaved {
		score += 0.3
	}
	return min(score, 1)
}
