package siem

import (
	"errors"
	"fmt"
	"strings"
)

// QuoteSPL returns s as one SPL string literal: double quotes, with backslash and double quote
// escaped by a backslash. Newlines and pipes inside the quotes are plain characters to SPL.
func QuoteSPL(s string) string { return quoteBackslash(s, false) }

// UnquoteSPL reads back a literal written by QuoteSPL; it is the inverse used by tests and tools.
func UnquoteSPL(q string) (string, error) { return unquoteAll(q, false) }

// QuoteLucene returns s as one Elasticsearch query_string phrase: double quotes, with backslash
// and double quote escaped. Inside a phrase the reserved characters (+ - = && || > < ! ( ) { }
// [ ] ^ ~ * ? : /) and whitespace have no meaning, which escaping alone cannot promise for < and >.
func QuoteLucene(s string) string { return quoteBackslash(s, false) }

// UnquoteLucene reads back a phrase written by QuoteLucene.
func UnquoteLucene(q string) (string, error) { return unquoteAll(q, false) }

// QuoteKQL returns s as one Kusto string literal: double quotes, with backslash, double quote,
// newline, carriage return and tab escaped (\\ \" \n \r \t), so the literal stays on one line.
func QuoteKQL(s string) string { return quoteBackslash(s, true) }

// UnquoteKQL reads back a literal written by QuoteKQL.
func UnquoteKQL(q string) (string, error) { return unquoteAll(q, true) }

// QuoteESQL returns s as one ES|QL string literal: double quotes, with backslash, double quote,
// newline, carriage return and tab escaped (\\ \" \n \r \t).
func QuoteESQL(s string) string { return quoteBackslash(s, true) }

// UnquoteESQL reads back a literal written by QuoteESQL.
func UnquoteESQL(q string) (string, error) { return unquoteAll(q, true) }

// Quote quotes s as a string literal of lang. SQL has no quoting here: bind values with BindSQL.
func Quote(lang Language, s string) (string, error) {
	switch lang {
	case SPL:
		return QuoteSPL(s), nil
	case KQL:
		return QuoteKQL(s), nil
	case Lucene:
		return QuoteLucene(s), nil
	case ESQL:
		return QuoteESQL(s), nil
	case SQL:
		return "", errors.New("sql values are bound as parameters, not quoted: use BindSQL")
	}
	return "", fmt.Errorf("unknown query language %q", lang)
}

func quoteBackslash(s string, controls bool) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := range len(s) {
		switch c := s[i]; {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case controls && c == '\n':
			b.WriteString(`\n`)
		case controls && c == '\r':
			b.WriteString(`\r`)
		case controls && c == '\t':
			b.WriteString(`\t`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// scanQuoted reads one double-quoted literal at the start of q and returns its value and the
// number of bytes it took. With controls, \n \r \t are escapes and raw newlines are refused.
func scanQuoted(q string, controls bool) (string, int, error) {
	if q == "" || q[0] != '"' {
		return "", 0, errors.New("literal does not start with a double quote")
	}
	var b strings.Builder
	for i := 1; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '"':
			return b.String(), i + 1, nil
		case c == '\\':
			if i+1 == len(q) {
				return "", 0, errors.New("literal ends inside an escape")
			}
			i++
			switch e := q[i]; {
			case e == '\\' || e == '"':
				b.WriteByte(e)
			case controls && e == 'n':
				b.WriteByte('\n')
			case controls && e == 'r':
				b.WriteByte('\r')
			case controls && e == 't':
				b.WriteByte('\t')
			default:
				return "", 0, fmt.Errorf("unknown escape \\%c at byte %d", e, i)
			}
		case controls && (c == '\n' || c == '\r'):
			return "", 0, fmt.Errorf("line break inside literal at byte %d", i)
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errors.New("literal has no closing double quote")
}

func unquoteAll(q string, controls bool) (string, error) {
	v, n, err := scanQuoted(q, controls)
	if err != nil {
		return "", err
	}
	if n != len(q) {
		return "", fmt.Errorf("text after the literal at byte %d", n)
	}
	return v, nil
}
