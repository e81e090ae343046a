// Package session finds anomalous sessions: it cuts events into sessions (by user or host, with
// an idle gap and a longest duration), learns a first-order Markov model of the commands of
// all sessions, and scores each session by how likely the model finds it — whole, and in its
// rarest window of k consecutive commands. The model works at msticpy's three levels:
// commands only; commands with the set of parameters used (each parameter an independent
// Bernoulli given the command); and commands with parameters and their values (values counted
// for parameters whose values repeat, the categorical ones). Counts are Laplace-smoothed and
// unseen commands, parameters and values map to an unknown token, so a session never seen
// before gets a small but finite likelihood.
package session

import (
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Tokens added around every session and standing for what the model never saw.
const (
	Start   = "##START##"
	End     = "##END##"
	Unknown = "##UNK##"
)

// Cmd is one command of a session: its name and, at the richer levels, its parameters.
type Cmd struct {
	Name   string
	Params map[string]string // parameter → value ("" when the level ignores values)
}

// Level is how much of a command the model looks at.
type Level int

// The three levels.
const (
	CmdsOnly         Level = iota // the command name
	CmdsParams                    // the name and which parameters were given
	CmdsParamsValues              // the name, the parameters and their values
)

// Event is one input to Sessionize.
type Event struct {
	Key  string // who or where: a user, a host, or both
	Time time.Time
	Cmd  Cmd
}

// Session is a run of one key's events.
type Session struct {
	Key        string
	Start, End time.Time
	Cmds       []Cmd
}

// SessionizeOptions bound a session.
type SessionizeOptions struct {
	MaxGap      time.Duration // a longer pause between two events starts a new session; default 30m
	MaxDuration time.Duration // a session longer than this is cut; 0: no limit
}

// Sessionize groups events by key, in time order, into sessions.
func Sessionize(events []Event, opts SessionizeOptions) []Session {
	if opts.MaxGap <= 0 {
		opts.MaxGap = 30 * time.Minute
	}
	byKey := map[string][]Event{}
	var keys []string
	for _, e := range events {
		if _, ok := byKey[e.Key]; !ok {
			keys = append(keys, e.Key)
		}
		byKey[e.Key] = append(byKey[e.Key], e)
	}
	sort.Strings(keys)
	var out []Session
	for _, k := range keys {
		evs := byKey[k]
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
		var cur *Session
		for _, e := range evs {
			if cur != nil && (e.Time.Sub(cur.End) > opts.MaxGap || opts.MaxDuration > 0 && e.Time.Sub(cur.Start) > opts.MaxDuration) {
				out = append(out, *cur)
				cur = nil
			}
			if cur == nil {
				cur = &Session{Key: k, Start: e.Time}
			}
			cur.End = e.Time
			cur.Cmds = append(cur.Cmds, e.Cmd)
		}
		if cur != nil {
			out = append(out, *cur)
		}
	}
	return out
}

// Model is a first-order Markov model of sessions' commands at one level.
type Model struct {
	level Level
	// logPrior and logTrans are smoothed log probabilities over the known commands plus
	// Start, End and Unknown.
	logTrans map[string]map[string]float64
	logUnkTr float64 // any transition the counts never saw (into or out of Unknown)
	// Parameter model: P(param used | cmd) and P(value | param).
	logParam    map[string]map[string][2]float64 // cmd → param → [log P(absent), log P(present)]
	params      map[string][]string              // cmd → its known parameters, sorted
	logUnkParam float64                          // an unknown parameter appearing
	logValue    map[string]map[string]float64    // param → value → log P
	logUnkValue map[string]float64               // param → log P(unknown value)
	categorical map[string]bool                  // parameters whose values are modelled
}

// ErrNoSessions means Train was given nothing to learn from.
var ErrNoSessions = errors.New("session: no sessions to train on")

// Train learns the model of sessions at level.
func Train(sessions []Session, level Level) (*Model, error) {
	if len(sessions) == 0 {
		return nil, ErrNoSessions
	}
	m := &Model{level: level}
	// Transition counts, with every session framed by Start and End.
	cmds := map[string]bool{Start: true, End: true, Unknown: true}
	trans := map[string]map[string]float64{}
	for _, s := range sessions {
		prev := Start
		for _, c := range append(slices.Clone(s.Cmds), Cmd{Name: End}) {
			cmds[c.Name] = true
			if trans[prev] == nil {
				trans[prev] = map[string]float64{}
			}
			trans[prev][c.Name]++
			prev = c.Name
		}
	}
	// Laplace smoothing: every pair of known commands (and Unknown) gets one more count.
	names := make([]string, 0, len(cmds))
	for c := range cmds {
		names = append(names, c)
	}
	sort.Strings(names)
	m.logTrans = map[string]map[string]float64{}
	for _, from := range names {
		if from == End {
			continue
		}
		row := map[string]float64{}
		total := 0.0
		for _, to := range names {
			if to == Start {
				continue
			}
			total += trans[from][to] + 1
		}
		for _, to := range names {
			if to == Start {
				continue
			}
			row[to] = math.Log((trans[from][to] + 1) / total)
		}
		m.logTrans[from] = row
	}
	m.logUnkTr = math.Log(1 / float64(len(names)))
	if level >= CmdsParams {
		m.trainParams(sessions)
	}
	return m, nil
}

func (m *Model) trainParams(sessions []Session) {
	cmdCount := map[string]float64{}
	paramCount := map[string]map[string]float64{}
	values := map[string]map[string]float64{}
	for _, s := range sessions {
		for _, c := range s.Cmds {
			cmdCount[c.Name]++
			for p, v := range c.Params {
				if paramCount[c.Name] == nil {
					paramCount[c.Name] = map[string]float64{}
				}
				paramCount[c.Name][p]++
				if values[p] == nil {
					values[p] = map[string]float64{}
				}
				values[p][v]++
			}
		}
	}
	m.logParam = map[string]map[string][2]float64{}
	m.params = map[string][]string{}
	for c, ps := range paramCount {
		row := map[string][2]float64{}
		for p, n := range ps {
			// Smoothed Bernoulli: (n+1)/(N+2).
			present := (n + 1) / (cmdCount[c] + 2)
			row[p] = [2]float64{math.Log(1 - present), math.Log(present)}
			m.params[c] = append(m.params[c], p)
		}
		sort.Strings(m.params[c])
		m.logParam[c] = row
	}
	total := 0.0
	for _, n := range cmdCount {
		total += n
	}
	m.logUnkParam = math.Log(1 / (total + 2))
	if m.level < CmdsParamsValues {
		return
	}
	// A parameter is categorical when its values repeat: fewer distinct values than half its uses.
	m.categorical = map[string]bool{}
	m.logValue = map[string]map[string]float64{}
	m.logUnkValue = map[string]float64{}
	for p, vs := range values {
		uses := 0.0
		for _, n := range vs {
			uses += n
		}
		if float64(len(vs)) > uses/2 {
			continue
		}
		m.categorical[p] = true
		row := map[string]float64{}
		denom := uses + float64(len(vs)) + 1
		for v, n := range vs {
			row[v] = math.Log((n + 1) / denom)
		}
		m.logValue[p] = row
		m.logUnkValue[p] = math.Log(1 / denom)
	}
}

// name maps a command the model never saw to Unknown.
func (m *Model) name(c string) string {
	if _, ok := m.logTrans[c]; ok {
		return c
	}
	return Unknown
}

func (m *Model) logTransition(from, to string) float64 {
	if row, ok := m.logTrans[from]; ok {
		if p, ok := row[to]; ok {
			return p
		}
	}
	return m.logUnkTr
}

// logCmd is the log probability of a command's parameters (and values) given its name.
func (m *Model) logCmd(c Cmd) float64 {
	if m.level < CmdsParams {
		return 0
	}
	lp := 0.0
	known := m.logParam[c.Name]
	for _, p := range m.params[c.Name] {
		_, used := c.Params[p]
		if used {
			lp += known[p][1]
		} else {
			lp += known[p][0]
		}
	}
	for p, v := range c.Params {
		if _, ok := known[p]; !ok {
			lp += m.logUnkParam
		}
		if m.level == CmdsParamsValues && m.categorical[p] {
			if lv, ok := m.logValue[p][v]; ok {
				lp += lv
			} else {
				lp += m.logUnkValue[p]
			}
		}
	}
	return lp
}

// LogLikelihood is the log probability of the whole session, from Start to End.
func (m *Model) LogLikelihood(cmds []Cmd) float64 {
	lp := 0.0
	prev := Start
	for _, c := range cmds {
		n := m.name(c.Name)
		lp += m.logTransition(prev, n) + m.logCmd(c)
		prev = n
	}
	return lp + m.logTransition(prev, End)
}

// GeometricMean is the session's likelihood per step (its length-normalised likelihood).
func (m *Model) GeometricMean(cmds []Cmd) float64 {
	return math.Exp(m.LogLikelihood(cmds) / float64(len(cmds)+1))
}

// RarestWindow finds the k consecutive commands of the session the model finds least likely
// (the window's first command is scored from the one before it, or from Start). It returns the
// window's start index and its likelihood; ok is false for a session shorter than k.
func (m *Model) RarestWindow(cmds []Cmd, k int) (start int, likelihood float64, ok bool) {
	if k <= 0 || len(cmds) < k {
		return 0, 0, false
	}
	best := math.Inf(1)
	for i := 0; i+k <= len(cmds); i++ {
		prev := Start
		if i > 0 {
			prev = m.name(cmds[i-1].Name)
		}
		lp := 0.0
		for _, c := range cmds[i : i+k] {
			n := m.name(c.Name)
			lp += m.logTransition(prev, n) + m.logCmd(c)
			prev = n
		}
		if lp < best {
			best, start = lp, i
		}
	}
	return start, math.Exp(best), true
}

// Scored is a session with its scores.
type Scored struct {
	Session
	LogLikelihood  float64
	GeometricMean  float64
	RarestStart    int     // index of the rarest window's first command (-1: session too short)
	RarestLikeness float64 // the rarest window's likelihood
}

// Rank scores every session with m and sorts them rarest first: by the rarest window's
// likelihood, sessions shorter than k after the rest (by their geometric mean).
func Rank(m *Model, sessions []Session, k int) []Scored {
	out := make([]Scored, len(sessions))
	for i, s := range sessions {
		sc := Scored{Session: s, LogLikelihood: m.LogLikelihood(s.Cmds), GeometricMean: m.GeometricMean(s.Cmds), RarestStart: -1}
		if st, l, ok := m.RarestWindow(s.Cmds, k); ok {
			sc.RarestStart, sc.RarestLikeness = st, l
		}
		out[i] = sc
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.RarestStart < 0) != (b.RarestStart < 0) {
			return a.RarestStart >= 0
		}
		if a.RarestStart < 0 {
			return a.GeometricMean < b.GeometricMean
		}
		return a.RarestLikeness < b.RarestLikeness
	})
	return out
}

// ParseCommandLine turns a command line into a Cmd: the program's base name (lower case,
// without .exe) and, for each -flag or /flag, the token after it as its value when that token
// is not itself a flag. Quoted arguments stay whole.
func ParseCommandLine(line string) Cmd {
	toks := splitArgs(line)
	if len(toks) == 0 {
		return Cmd{}
	}
	name := strings.ToLower(toks[0])
	if i := strings.LastIndexAny(name, `\/`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSuffix(name, ".exe")
	c := Cmd{Name: name}
	for i := 1; i < len(toks); i++ {
		t := toks[i]
		if !isFlag(t) {
			continue
		}
		if c.Params == nil {
			c.Params = map[string]string{}
		}
		p := strings.ToLower(strings.TrimLeft(t, "-/"))
		v := ""
		if k, val, ok := strings.Cut(p, ":"); ok { // /i:url, -Name:value
			p, v = k, val
		} else if i+1 < len(toks) && !isFlag(toks[i+1]) {
			v = toks[i+1]
			i++
		}
		c.Params[p] = v
	}
	return c
}

// isFlag: -x or /x; a /token with another slash before any colon is a path (/bin/bash).
func isFlag(t string) bool {
	if len(t) < 2 || (t[0] != '-' && t[0] != '/') {
		return false
	}
	head, _, _ := strings.Cut(t[1:], ":")
	return t[0] == '-' || !strings.ContainsAny(head, `/\`)
}

// splitArgs splits a command line on white space, keeping double-quoted parts together
// (the quotes removed).
func splitArgs(s string) []string {
	var out []string
	var b strings.Builder
	inQuote, have := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
			have = true
		case !inQuote && unicode.IsSpace(r):
			if have {
				out = append(out, b.String())
				b.Reset()
				have = false
			}
		default:
			b.WriteRune(r)
			have = true
		}
	}
	if have {
		out = append(out, b.String())
	}
	return out
}
