package ioc

import "strings"

// Refang restores one defanged indicator: defanged schemes (hxxp, hxxps, hXXp, fxp, fxps,
// ftx, h00p) and scheme separators ("[://]", "[:]//", ":\\\\", "__"); dots written
// "[.]", "(.)", "{.}", "[dot]", "[ . ]", with lopsided or repeated brackets ("[.", ".]",
// "((.]]") or escaped ("\\."); at-signs "[@]", "[at]", "(at)"; colons "[:]" and slashes
// "[/]". Because s is a single indicator, whitespace next to a separator is dropped
// ("http:// example .com /x"), the words " dot " and " at " between names become "." and
// "@", and unbalanced closing brackets at the end go. Everything else is kept as written,
// so refanging a live value returns it unchanged.
func Refang(s string) string {
	t := []byte(strings.TrimSpace(s))
	n := len(t)
	b := make([]byte, 0, n)
	for i := 0; i < n; i++ {
		c := t[i]
		if is(c, cAlpha) && (i == 0 || !is(t[i-1], cAlnum)) {
			if j, canon, l := refangScheme(t, i); l > 0 {
				b = append(b, canon...)
				b = append(b, "://"...)
				i = j + l - 1
				continue
			}
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			j := i
			for j < n && isSpace(t[j]) {
				j++
			}
			if w, ch := spacedWord(t, j); w > 0 && len(b) > 0 && is(b[len(b)-1], cAlnum) {
				b = append(b, ch)
				i = w - 1
				continue
			}
			prevSep := len(b) > 0 && strings.IndexByte(".@/:", b[len(b)-1]) >= 0
			if prevSep || startsSep(t, j) {
				i = j - 1
				continue
			}
			b = append(b, t[i:j]...)
			i = j - 1
			continue
		case '.', '\\', '[', '(', '{':
			if l, _ := dotSep(t, i); l > 0 && t[i+l-1] != ' ' {
				b = append(b, '.')
				i += l - 1
				continue
			}
			if c == '\\' {
				break
			}
			if l, _ := atSep(t, i); l > 0 {
				b = append(b, '@')
				i += l - 1
				continue
			}
			if hasPrefix(t[i:], "[://]") {
				b = append(b, "://"...)
				i += 4
				continue
			}
			if l := bracketSep(t, i, ':', "colon"); l > 0 {
				b = append(b, ':')
				i += l - 1
				continue
			}
			if l := bracketSep(t, i, '/', "slash"); l > 0 {
				b = append(b, '/')
				i += l - 1
				continue
			}
		}
		b = append(b, c)
	}
	// Unbalanced closing brackets at the end ("hxxp__test]").
	for len(b) > 0 && isCloser(b[len(b)-1]) {
		o := map[byte]byte{')': '(', ']': '[', '}': '{'}[b[len(b)-1]]
		opens, closes := 0, 0
		for _, x := range b {
			if x == o {
				opens++
			} else if x == b[len(b)-1] {
				closes++
			}
		}
		if closes <= opens {
			break
		}
		b = b[:len(b)-1]
	}
	return string(b)
}

// refangScheme matches a scheme (defanged or not) and a scheme separator at i; it returns
// the separator's offset, the canonical scheme and the separator's length.
func refangScheme(t []byte, i int) (int, string, int) {
	j := i
	for j < len(t) && j-i <= 10 && is(t[j], cAlnum) {
		j++
	}
	if j-i > 10 || j == i {
		return 0, "", 0
	}
	l, _ := schemeSep(t, j)
	if l == 0 {
		return 0, "", 0
	}
	var lb [10]byte
	for k := i; k < j; k++ {
		lb[k-i] = lower(t[k])
	}
	canon, ok := canonScheme(string(lb[:j-i]))
	if !ok {
		return 0, "", 0
	}
	return j, canon, l
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// spacedWord matches "dot" or "at" (any case) at j followed by whitespace and a name, and
// returns where the name starts and the separator it stands for.
func spacedWord(t []byte, j int) (int, byte) {
	for _, w := range [...]struct {
		word string
		ch   byte
	}{{"dot", '.'}, {"at", '@'}} {
		e := j + len(w.word)
		if e < len(t) && equalFold(t[j:e], w.word) && isSpace(t[e]) {
			k := e
			for k < len(t) && isSpace(t[k]) {
				k++
			}
			if k < len(t) && is(t[k], cAlnum) {
				return k, w.ch
			}
		}
	}
	return 0, 0
}

// startsSep reports whether a separator (plain or defanged) starts at j.
func startsSep(t []byte, j int) bool {
	if j >= len(t) {
		return true
	}
	switch t[j] {
	case '.', '@', '/', ':':
		return true
	case '\\':
		l, _ := dotSep(t, j)
		return l > 0
	case '[', '(', '{':
		if l, _ := dotSep(t, j); l > 0 {
			return true
		}
		if l, _ := atSep(t, j); l > 0 {
			return true
		}
		return bracketSep(t, j, '/', "slash") > 0 || bracketSep(t, j, ':', "colon") > 0
	}
	return false
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
