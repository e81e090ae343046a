package warninglist

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// compilePCRE compiles a regex list entry written for PHP's preg_match, /expression/flags with any non-alphanumeric
// delimiter (or a bracket pair), as RE2. The flags i, m, s and U carry over; u and D change nothing in RE2 (Go
// matches UTF-8, and $ without m only matches at the end); g, which is no PCRE flag but appears in lists written
// for JavaScript, is ignored. Other flags, and PCRE features RE2 lacks (look-around, back-references), are errors.
func compilePCRE(e string) (*regexp.Regexp, error) {
	e = strings.TrimSpace(e)
	if len(e) < 2 {
		return nil, errors.New("not a /expression/flags regex")
	}
	open := e[0]
	if open == '\\' || open >= '0' && open <= '9' || open >= 'a' && open <= 'z' || open >= 'A' && open <= 'Z' || open >= 0x80 {
		return nil, errors.New("not a /expression/flags regex: the delimiter must not be alphanumeric or a backslash")
	}
	closing := open
	switch open {
	case '(':
		closing = ')'
	case '[':
		closing = ']'
	case '{':
		closing = '}'
	case '<':
		closing = '>'
	}
	end := strings.LastIndexByte(e, closing)
	if end <= 0 {
		return nil, fmt.Errorf("no ending delimiter %q", closing)
	}
	expr, flags := e[1:end], e[end+1:]
	var mode strings.Builder
	for _, f := range flags {
		switch f {
		case 'i', 'm', 's', 'U':
			if !strings.ContainsRune(mode.String(), f) {
				mode.WriteRune(f)
			}
		case 'u', 'D', 'g':
		default:
			return nil, fmt.Errorf("unsupported flag %q", f)
		}
	}
	if mode.Len() > 0 {
		expr = "(?" + mode.String() + ")" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("not an RE2 expression: %w", err)
	}
	return re, nil
}

// acPattern is one substring entry and its list.
type acPattern struct {
	s    string
	list uint16
}

// automaton is an Aho-Corasick automaton over the substring entries: a value is scanned once, whatever the number
// of entries. The root's transitions are a table; each other state's are a sorted run of (byte, state) edges.
type automaton struct {
	next     map[uint64]int32 // while building
	root     [256]int32       // -1: stay at the root
	edgeAt   []int32          // state s's edges are edgeByte[edgeAt[s]:edgeAt[s+1]]
	edgeByte []byte
	edgeTo   []int32
	fail     []int32
	out      [][]int32 // patterns ending at each state
	dictLink []int32   // nearest state down the failure chain with an output, -1 for none
	patterns []acPattern
}

func edge(state int32, b byte) uint64 { return uint64(state)<<8 | uint64(b) }

func buildAutomaton(ps []acPattern) *automaton {
	a := &automaton{next: map[uint64]int32{}, fail: []int32{0}, out: [][]int32{nil}, patterns: ps}
	children := [][]byte{nil}
	for pi, p := range ps {
		var st int32
		for i := 0; i < len(p.s); i++ {
			nx, ok := a.next[edge(st, p.s[i])]
			if !ok {
				nx = int32(len(a.fail))
				a.next[edge(st, p.s[i])] = nx
				a.fail = append(a.fail, 0)
				a.out = append(a.out, nil)
				children = append(children, nil)
				children[st] = append(children[st], p.s[i])
			}
			st = nx
		}
		a.out[st] = append(a.out[st], int32(pi))
	}
	a.dictLink = make([]int32, len(a.fail))
	a.dictLink[0] = -1
	// Breadth-first: a state's failure link is the longest proper suffix of its path that is a path too.
	queue := []int32{}
	for _, b := range children[0] {
		c := a.next[edge(0, b)]
		a.fail[c] = 0
		a.dictLink[c] = -1
		queue = append(queue, c)
	}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		for _, b := range children[st] {
			c := a.next[edge(st, b)]
			f := a.fail[st]
			for {
				if nx, ok := a.next[edge(f, b)]; ok {
					a.fail[c] = nx
					break
				}
				if f == 0 {
					a.fail[c] = 0
					break
				}
				f = a.fail[f]
			}
			if fc := a.fail[c]; len(a.out[fc]) > 0 {
				a.dictLink[c] = fc
			} else {
				a.dictLink[c] = a.dictLink[fc]
			}
			queue = append(queue, c)
		}
	}
	a.compact(children)
	return a
}

// compact moves the transitions out of the map into the root table and the sorted edge runs.
func (a *automaton) compact(children [][]byte) {
	for i := range a.root {
		a.root[i] = -1
	}
	for _, b := range children[0] {
		a.root[b] = a.next[edge(0, b)]
	}
	a.edgeAt = make([]int32, len(a.fail)+1)
	for st := range a.fail {
		a.edgeAt[st] = int32(len(a.edgeByte))
		if st == 0 {
			continue
		}
		bs := children[st]
		slices.Sort(bs)
		for _, b := range bs {
			a.edgeByte = append(a.edgeByte, b)
			a.edgeTo = append(a.edgeTo, a.next[edge(int32(st), b)])
		}
	}
	a.edgeAt[len(a.fail)] = int32(len(a.edgeByte))
	a.next = nil
}

// step returns the state st goes to on b, if it has that edge.
func (a *automaton) step(st int32, b byte) (int32, bool) {
	if st == 0 {
		nx := a.root[b]
		return nx, nx >= 0
	}
	lo, hi := int(a.edgeAt[st]), int(a.edgeAt[st+1])
	for hi-lo > 8 {
		mid := (lo + hi) / 2
		if a.edgeByte[mid] < b {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for i := lo; i < hi; i++ {
		if a.edgeByte[i] == b {
			return a.edgeTo[i], true
		} else if a.edgeByte[i] > b {
			break
		}
	}
	return 0, false
}

// scan calls yield for each entry found in v, in the order their ends are found, until yield returns false.
func (a *automaton) scan(v string, yield func(*acPattern) bool) {
	if len(a.patterns) == 0 {
		return
	}
	var st int32
	for i := 0; i < len(v); i++ {
		b := v[i]
		for {
			if nx, ok := a.step(st, b); ok {
				st = nx
				break
			}
			if st == 0 {
				break
			}
			st = a.fail[st]
		}
		for o := st; o > 0; o = a.dictLink[o] {
			for _, pi := range a.out[o] {
				if !yield(&a.patterns[pi]) {
					return
				}
			}
			if a.dictLink[o] < 0 {
				break
			}
		}
	}
}
