package ioc

import "strings"

// Refang restores a defanged indicator: defanged schemes (hxxp, hxxps, hXXp, fxp, fxps,
// ftx) at the start of s or of a word, bracketed or escaped dots ("[.]", "(.)", "{.}",
// "[dot]", "(dot)", "[ . ]", "\."), bracketed colons and scheme separators ("[:]",
// "[://]") and at-signs ("[@]", "[at]", "(at)"). Spaces around a bracketed form go with
// it. Anything else is kept as written, so refanging an already live value is a no-op.
func Refang(s string) string {
	if !strings.ContainsAny(s, "[](){}\\xXtT") {
		return s
	}
	t := []byte(s)
	b := make([]byte, 0, len(s))
	n := len(t)
	for i := 0; i < n; i++ {
		c := t[i]
		switch c {
		case '[', '(', '{', ' ':
			if l, _ := dotSep(t, i); l > 0 && c != '.' {
				b = trimSpaceRight(b, c)
				b = append(b, '.')
				i += l - 1
				continue
			}
			if l, _ := atSep(t, i); l > 0 {
				b = trimSpaceRight(b, c)
				b = append(b, '@')
				i += l - 1
				continue
			}
			if c == ' ' {
				break
			}
			if hasPrefix(t[i:], "[://]") {
				b = append(b, "://"...)
				i += 4
				continue
			}
			if l := bracketed(t, i, ':', "colon"); l > 0 {
				b = append(b, ':')
				i += l - 1
				continue
			}
			if l := bracketed(t, i, '/', "slash"); l > 0 {
				b = append(b, '/')
				i += l - 1
				continue
			}
		case '\\':
			if i+1 < n && t[i+1] == '.' {
				b = append(b, '.')
				i++
				continue
			}
		default:
			if (i == 0 || !is(t[i-1], cAlnum)) && is(c, cAlpha) {
				j := i
				for j < n && j-i <= 10 && is(t[j], cAlpha|cDigit) {
					j++
				}
				if l, _ := schemeSep(t, j); l > 0 && j-i <= 10 {
					var lb [10]byte
					for k := i; k < j; k++ {
						lb[k-i] = lower(t[k])
					}
					if canon, ok := schemes[string(lb[:j-i])]; ok {
						b = append(b, canon...)
						b = append(b, "://"...)
						i = j + l - 1
						continue
					}
				}
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// trimSpaceRight removes the spaces that belong to a spaced defanged form (" [.] ") when
// the form started at a space.
func trimSpaceRight(b []byte, c byte) []byte {
	if c != ' ' {
		return b
	}
	return b
}

// Defang makes an indicator safe to paste: schemes become hxxp, hxxps, fxp (and so on),
// the dots of the host and of an e-mail domain become "[.]", and "@" becomes "[@]" in an
// e-mail address. Paths, queries and fragments are kept as written.
func Defang(value string) string {
	v := value
	var b strings.Builder
	hostStart := 0
	if i := strings.Index(v, "://"); i > 0 && isSchemeName(v[:i]) {
		scheme := strings.ToLower(v[:i])
		switch scheme {
		case "http":
			b.WriteString("hxxp")
		case "https":
			b.WriteString("hxxps")
		case "ftp":
			b.WriteString("fxp")
		case "ftps":
			b.WriteString("fxps")
		case "sftp":
			b.WriteString("sfxp")
		default:
			b.WriteString(v[:i])
		}
		b.WriteString("://")
		hostStart = i + 3
	}
	rest := v[hostStart:]
	hostEnd := len(rest)
	if hostStart > 0 {
		if k := strings.IndexAny(rest, "/?#"); k >= 0 {
			hostEnd = k
		}
	} else if k := strings.IndexAny(rest, "/?#"); k >= 0 {
		hostEnd = k
	}
	host := rest[:hostEnd]
	email := hostStart == 0 && strings.Contains(host, "@")
	for i := 0; i < len(host); i++ {
		switch host[i] {
		case '.':
			b.WriteString("[.]")
		case '@':
			if email {
				b.WriteString("[@]")
			} else {
				b.WriteByte('@')
			}
		default:
			b.WriteByte(host[i])
		}
	}
	b.WriteString(rest[hostEnd:])
	return b.String()
}

func isSchemeName(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !is(s[i], cAlnum) && s[i] != '+' && s[i] != '-' && s[i] != '.' {
			return false
		}
	}
	return is(s[0], cAlpha)
}
