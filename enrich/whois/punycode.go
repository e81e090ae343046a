package whois

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// toASCII converts a domain name to lower-case A-labels: ideographic full stops become dots,
// letters are lower-cased and each label with non-ASCII letters is Punycode-encoded
// (RFC 3492) behind "xn--". It does not apply Unicode normalisation; a name that is not
// already in NFC form should be given in A-labels.
func toASCII(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("not valid UTF-8")
	}
	s = strings.NewReplacer("\u3002", ".", "\uff0e", ".", "\uff61", ".").Replace(s)
	s = strings.ToLower(s)
	labels := strings.Split(s, ".")
	for i, l := range labels {
		ascii := true
		for _, r := range l {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)):
				ascii = false
			default:
				return "", errors.New("a domain name holds only letters, digits and hyphens")
			}
		}
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return "", errors.New("empty label or a label starting or ending with a hyphen")
		}
		if ascii {
			continue
		}
		if utf8.RuneCountInString(l) > 63 {
			return "", errors.New("label longer than 63 characters")
		}
		labels[i] = "xn--" + punyEncode(l)
	}
	return strings.Join(labels, "."), nil
}

// Punycode parameters, RFC 3492 §5.
const (
	punyBase        = 36
	punyTMin        = 1
	punyTMax        = 26
	punySkew        = 38
	punyDamp        = 700
	punyInitialBias = 72
	punyInitialN    = 128
)

// punyEncode is the Punycode encoding of RFC 3492 §6.3 (without the "xn--" prefix). The
// caller bounds the label's length, so the arithmetic cannot overflow.
func punyEncode(label string) string {
	runes := []rune(label)
	var out []byte
	for _, r := range runes {
		if r < utf8.RuneSelf {
			out = append(out, byte(r))
		}
	}
	b := len(out)
	h := b
	if b > 0 {
		out = append(out, '-')
	}
	n, delta, bias := punyInitialN, 0, punyInitialBias
	for h < len(runes) {
		m := int(unicode.MaxRune) + 1
		for _, r := range runes {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range runes {
			if int(r) < n {
				delta++
			}
			if int(r) != n {
				continue
			}
			q := delta
			for k := punyBase; ; k += punyBase {
				t := min(max(k-bias, punyTMin), punyTMax)
				if q < t {
					break
				}
				out = append(out, punyDigit(t+(q-t)%(punyBase-t)))
				q = (q - t) / (punyBase - t)
			}
			out = append(out, punyDigit(q))
			bias = punyAdapt(delta, h+1, h == b)
			delta = 0
			h++
		}
		delta++
		n++
	}
	return string(out)
}

func punyDigit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

func punyAdapt(delta, numPoints int, first bool) int {
	if first {
		delta /= punyDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((punyBase-punyTMin)*punyTMax)/2 {
		delta /= punyBase - punyTMin
		k += punyBase
	}
	return k + (punyBase-punyTMin+1)*delta/(delta+punySkew)
}
