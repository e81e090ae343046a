package siem

import (
	"fmt"
	"strconv"
	"strings"
)

// Placeholder is the parameter style of a SQL driver.
type Placeholder int

// The placeholder styles BindSQL writes.
const (
	Dollar   Placeholder = iota // $1, $2 … (PostgreSQL); a name used twice reuses its number
	Question                    // ? (SQLite, MySQL); a name used twice is bound twice
)

// BindSQL turns the named parameters (:name) of query into the driver's placeholders and
// returns the rewritten query with the values in placeholder order, so that values never
// become SQL text. Names are letters, digits and underscores, starting with a letter or
// underscore. Text inside '…' strings, "…" identifiers, -- and /* */ comments, and the
// PostgreSQL cast "::" are left alone. A name missing from params is an error, as is a
// parameter in params that the query never uses.
func BindSQL(query string, params map[string]any, style Placeholder) (string, []any, error) {
	var b strings.Builder
	var args []any
	numbers := map[string]int{}
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(query[i+1:], c)
			if end < 0 {
				return "", nil, fmt.Errorf("sql: unterminated %c at byte %d", c, i)
			}
			b.WriteString(query[i : i+end+2])
			i += end + 2
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			end := strings.IndexByte(query[i:], '\n')
			if end < 0 {
				end = len(query) - i
			}
			b.WriteString(query[i : i+end])
			i += end
		case c == '/' && strings.HasPrefix(query[i:], "/*"):
			end := strings.Index(query[i+2:], "*/")
			if end < 0 {
				return "", nil, fmt.Errorf("sql: unterminated comment at byte %d", i)
			}
			b.WriteString(query[i : i+end+4])
			i += end + 4
		case c == ':' && strings.HasPrefix(query[i:], "::"):
			b.WriteString("::")
			i += 2
		case c == ':' && i+1 < len(query) && isNameStart(query[i+1]):
			j := i + 2
			for j < len(query) && isNameByte(query[j]) {
				j++
			}
			name := query[i+1 : j]
			v, ok := params[name]
			if !ok {
				return "", nil, fmt.Errorf("sql: no value for parameter :%s", name)
			}
			if style == Dollar {
				n, seen := numbers[name]
				if !seen {
					args = append(args, v)
					n = len(args)
					numbers[name] = n
				}
				b.WriteString("$" + strconv.Itoa(n))
			} else {
				numbers[name] = 0
				args = append(args, v)
				b.WriteByte('?')
			}
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	for name := range params {
		if _, used := numbers[name]; !used {
			return "", nil, fmt.Errorf("sql: parameter :%s is not used by the query", name)
		}
	}
	return b.String(), args, nil
}

func isNameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isNameByte(c byte) bool { return isNameStart(c) || c >= '0' && c <= '9' }
