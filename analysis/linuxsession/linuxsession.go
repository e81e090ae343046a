// Package linuxsession hunts Linux hosts in their syslog and auditd records: it pairs logons
// with logoffs into sessions (sshd, su, sudo, login, systemd-logind; PAM's "session opened" and
// "session closed"), keeps failed logons, clusters logons by host, account, source and method
// (a pair seen once stands out), rebuilds auditd EXECVE commands with their parent chains, and
// flags risky sessions with the reason: a sudo to a shell, an edit of a sensitive file, a new
// or changed account, cron or systemd persistence, a download piped to a shell. It works on
// plain values; package pipeline adapts records to it.
package linuxsession

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Line is one syslog message.
type Line struct {
	Time    time.Time
	Host    string
	App     string // sshd, sudo, su, login, systemd-logind, CRON …
	PID     int
	Message string
}

// Exec is one auditd EXECVE event (with its SYSCALL fields).
type Exec struct {
	Time    time.Time
	Host    string
	PID     int
	PPID    int
	UID     string
	AUID    string // the login user's uid ("4294967295" or "" when unset)
	Session string // auditd's ses
	Exe     string
	Cmdline string
}

// Session is a logon session, or a failed logon (Failed set).
type Session struct {
	Host   string
	Kind   string // ssh, su, sudo, login, logind
	User   string // who the session runs as
	By     string // who opened it (su, sudo)
	Source string // the client address (ssh)
	Method string // password, publickey, keyboard-interactive …
	PID    int
	ID     string // the login session id (systemd-logind's, auditd's ses)
	Start  time.Time
	End    time.Time // zero while open
	Failed bool
	// Commands are what ran in it: sudo's COMMAND, and auditd commands of its pid or login session.
	Commands []Command
	// Reasons say why the session is risky; none for a benign one.
	Reasons []string
}

// Command is one command seen in a session.
type Command struct {
	Time    time.Time
	Cmdline string
	Chain   []string // parent executables, nearest first (auditd)
	Reasons []string
}

// Open reports whether the session has no end yet.
func (s *Session) Open() bool { return s.End.IsZero() && !s.Failed }

// Duration is the session's length, or zero while open.
func (s *Session) Duration() time.Duration {
	if s.End.IsZero() {
		return 0
	}
	return s.End.Sub(s.Start)
}

var (
	sshAccepted = regexp.MustCompile(`^Accepted (\S+) for (\S+) from (\S+) port (\d+)`)
	sshFailed   = regexp.MustCompile(`^Failed (\S+) for (?:invalid user )?(\S+) from (\S+) port (\d+)`)
	sshInvalid  = regexp.MustCompile(`^Invalid user (\S*) from (\S+)`)
	pamOpened   = regexp.MustCompile(`^pam_unix\(([\w-]+):session\): session opened for user (\S+?)(?:\(uid=\d+\))? by (\S*?)(?:\(uid=(\d+)\))?$`)
	pamClosed   = regexp.MustCompile(`^pam_unix\(([\w-]+):session\): session closed for user (\S+?)(?:\(uid=\d+\))?$`)
	sudoCmd     = regexp.MustCompile(`^\s*(\S+) : (?:.*; )?USER=(\S+) ; COMMAND=(.*)$`)
	logindNew   = regexp.MustCompile(`^New session (\S+) of user (\S+)\.`)
	logindGone  = regexp.MustCompile(`^Removed session (\S+)\.`)
	sshClosed   = regexp.MustCompile(`^(?:Disconnected from user (\S+) (\S+) port|Received disconnect from (\S+) port)`)
)

// kindOf maps a PAM service to a session kind.
func kindOf(service string) string {
	switch service {
	case "sshd":
		return "ssh"
	case "su", "su-l":
		return "su"
	case "sudo", "sudo-i":
		return "sudo"
	case "login":
		return "login"
	}
	return service
}

// Sessions pairs the lines' logons and logoffs into sessions, in order of start; lines must
// be in time order. Commands and reasons are filled by Assess.
func Sessions(lines []Line) []*Session {
	var out []*Session
	open := map[string]*Session{} // host/kind/pid
	logind := map[string]*Session{}
	key := func(host, kind string, pid int) string { return fmt.Sprintf("%s/%s/%d", host, kind, pid) }
	for _, l := range lines {
		msg := strings.TrimSpace(l.Message)
		app := strings.ToLower(l.App)
		switch {
		case app == "sshd":
			if m := sshAccepted.FindStringSubmatch(msg); m != nil {
				s := &Session{Host: l.Host, Kind: "ssh", User: m[2], Source: m[3], Method: m[1], PID: l.PID, Start: l.Time}
				out = append(out, s)
				open[key(l.Host, "ssh", l.PID)] = s
				continue
			}
			if m := sshFailed.FindStringSubmatch(msg); m != nil {
				out = append(out, &Session{Host: l.Host, Kind: "ssh", User: m[2], Source: m[3], Method: m[1], PID: l.PID, Start: l.Time, Failed: true})
				continue
			}
			if m := sshInvalid.FindStringSubmatch(msg); m != nil {
				out = append(out, &Session{Host: l.Host, Kind: "ssh", User: m[1], Source: m[2], Method: "invalid user", PID: l.PID, Start: l.Time, Failed: true})
				continue
			}
			if sshClosed.MatchString(msg) {
				if s := open[key(l.Host, "ssh", l.PID)]; s != nil && s.End.IsZero() {
					s.End = l.Time
				}
				continue
			}
		case app == "sudo":
			if m := sudoCmd.FindStringSubmatch(msg); m != nil {
				// sudo logs the command before PAM opens the session: start it here.
				s := &Session{Host: l.Host, Kind: "sudo", User: m[2], By: m[1], PID: l.PID, Start: l.Time,
					Commands: []Command{{Time: l.Time, Cmdline: strings.TrimSpace(m[3])}}}
				out = append(out, s)
				open[key(l.Host, "sudo", l.PID)] = s
				continue
			}
		case app == "systemd-logind":
			if m := logindNew.FindStringSubmatch(msg); m != nil {
				s := &Session{Host: l.Host, Kind: "logind", User: m[2], ID: m[1], Start: l.Time}
				out = append(out, s)
				logind[l.Host+"/"+m[1]] = s
				continue
			}
			if m := logindGone.FindStringSubmatch(msg); m != nil {
				if s := logind[l.Host+"/"+m[1]]; s != nil && s.End.IsZero() {
					s.End = l.Time
				}
				continue
			}
		}
		if m := pamOpened.FindStringSubmatch(msg); m != nil {
			kind := kindOf(m[1])
			k := key(l.Host, kind, l.PID)
			if s := open[k]; s != nil && s.End.IsZero() && (kind == "ssh" || kind == "sudo") {
				if s.By == "" && kind == "sudo" {
					s.By = m[3]
				}
				continue // the session Accepted / COMMAND began
			}
			s := &Session{Host: l.Host, Kind: kind, User: m[2], By: m[3], PID: l.PID, Start: l.Time}
			out = append(out, s)
			open[k] = s
			continue
		}
		if m := pamClosed.FindStringSubmatch(msg); m != nil {
			if s := open[key(l.Host, kindOf(m[1]), l.PID)]; s != nil && s.End.IsZero() {
				s.End = l.Time
			}
		}
	}
	return merge(out)
}

// merge folds each systemd-logind session into the ssh or login session it belongs to (same
// host and account, opened within five seconds), which takes its session id and, when it has
// none, its end; logind sessions of their own (a desktop, a cron job's) stay.
func merge(sessions []*Session) []*Session {
	out := sessions[:0:0]
	for _, l := range sessions {
		if l.Kind != "logind" {
			continue
		}
		for _, s := range sessions {
			if (s.Kind == "ssh" || s.Kind == "login") && !s.Failed && s.ID == "" && s.Host == l.Host && s.User == l.User &&
				absDur(l.Start.Sub(s.Start)) <= 5*time.Second {
				s.ID = l.ID
				if s.End.IsZero() {
					s.End = l.End
				}
				l.Kind = "" // folded
				break
			}
		}
	}
	for _, s := range sessions {
		if s.Kind != "" {
			out = append(out, s)
		}
	}
	return out
}

// Rule is one pattern of a risky command.
type Rule struct {
	Reason string
	Match  *regexp.Regexp
}

// sensitive files whose edit is a reason of its own.
const sensitive = `(/etc/(sudoers(\.d/\S*)?|passwd|shadow|group|gshadow|ssh/sshd_config|pam\.d/\S+|ld\.so\.preload|profile(\.d/\S*)?|rc\.local|hosts)|\.ssh/authorized_keys|\.bashrc)`

// Rules are the risky-command patterns, each with its reason.
var Rules = []Rule{
	{"sudo to a shell", regexp.MustCompile(`^(\S*/)?(ba|z|k|c|tc|da|fi)?sh( -[ilps]+)?\s*$|^(\S*/)?sudo\s+-[is]\b|^(\S*/)?su(\s+-|\s+root)?\s*$`)},
	{"download piped to a shell", regexp.MustCompile(`\b(curl|wget|fetch)\b[^|;]*\|\s*(sudo\s+)?(\S*/)?(ba|z|da)?sh\b|\b(curl|wget)\b.*-O-?\s*\S*\s*\|\s*\S*sh\b|\b(ba)?sh\s+-c\s+["']?\$\((curl|wget)`)},
	{"edit of a sensitive file", regexp.MustCompile(`\b(vi|vim|nano|emacs|ed|tee|sed\s+-i|cp|mv|chmod|chown|visudo|echo\b.*>>?)\b.*` + sensitive)},
	// in command position: at the start, after ; | & or a quote, after sudo or -c; a path may lead
	{"account created or changed", regexp.MustCompile(`(^|[;|&"']\s*|\bsudo\s+|\s-c\s+)(\S*/)?(useradd|adduser|usermod|groupadd|passwd|chpasswd|gpasswd)(\s|$)`)},
	// crontab installs with -e, a file, or standard input (crontab, crontab -); -l and -r do not
	{"cron persistence", regexp.MustCompile(`\bcrontab(\s+-u\s+\S+)?(\s+-e\b|\s+-\s*$|\s+[^-\s]\S*\s*$|\s*$)|/etc/cron(tab|\.d|\.daily|\.hourly|\.weekly|\.monthly)|/var/spool/cron`)},
	{"systemd persistence", regexp.MustCompile(`\bsystemctl\s+(--\S+\s+)*enable\b|/etc/systemd/system/\S+\.(service|timer)|\.config/systemd/user/`)},
}

// Reasons returns why a command line is risky (none for a benign one).
func Reasons(cmdline string) []string {
	var out []string
	c := strings.TrimSpace(cmdline)
	for _, r := range Rules {
		if r.Match.MatchString(c) && !slices.Contains(out, r.Reason) {
			out = append(out, r.Reason)
		}
	}
	return out
}

// Assess attaches auditd commands to the sessions they ran in (same host, or any when the
// audit record names none; a sudo session whose pid is the command's or an ancestor's, else
// the ssh or login session whose pid is an ancestor) and gives every command and session its
// reasons. execs must be in time order.
func Assess(sessions []*Session, execs []Exec) {
	byPID := map[string]Exec{}
	for _, x := range execs {
		byPID[x.Host+"/"+strconv.Itoa(x.PID)] = x
	}
	for _, x := range execs {
		cmd := Command{Time: x.Time, Cmdline: x.Cmdline, Chain: chain(byPID, x)}
		s := owner(sessions, x, byPID)
		if s == nil {
			continue
		}
		s.Commands = append(s.Commands, cmd)
	}
	for _, s := range sessions {
		for i := range s.Commands {
			c := &s.Commands[i]
			c.Reasons = Reasons(c.Cmdline)
			for _, r := range c.Reasons {
				if !slices.Contains(s.Reasons, r) {
					s.Reasons = append(s.Reasons, r)
				}
			}
		}
		if s.Kind == "su" && s.User == "root" {
			// su to root opens a root shell, as sudo -i does
			if !slices.Contains(s.Reasons, "sudo to a shell") {
				s.Reasons = append(s.Reasons, "su to root")
			}
		}
	}
}

// chain is x's parent executables, nearest first, as far as auditd saw them (at most 16).
func chain(byPID map[string]Exec, x Exec) []string {
	var out []string
	seen := map[int]bool{x.PID: true}
	for p := x.PPID; p > 1 && len(out) < 16 && !seen[p]; {
		seen[p] = true
		parent, ok := byPID[x.Host+"/"+strconv.Itoa(p)]
		if !ok {
			break
		}
		out = append(out, parent.Exe)
		p = parent.PPID
	}
	return out
}

// owner finds the session a command ran in: a sudo session whose pid is the command's or an
// ancestor's; else, by auditd's login session id, the ssh or login session systemd-logind
// opened that id for (or the logind session itself); else an ssh or login session whose pid
// is an ancestor.
func owner(sessions []*Session, x Exec, byPID map[string]Exec) *Session {
	ancestors := map[int]bool{x.PID: true}
	for p, n := x.PPID, 0; p > 1 && n < 32; n++ {
		ancestors[p] = true
		parent, ok := byPID[x.Host+"/"+strconv.Itoa(p)]
		if !ok {
			break
		}
		p = parent.PPID
	}
	during := func(s *Session) bool {
		return (x.Host == "" || s.Host == x.Host) && !s.Failed && !x.Time.Before(s.Start) && (s.End.IsZero() || !x.Time.After(s.End))
	}
	for _, s := range sessions {
		if s.Kind == "sudo" && ancestors[s.PID] && during(s) {
			return s
		}
	}
	if x.Session != "" && x.Session != "4294967295" {
		for _, s := range sessions {
			if s.ID == x.Session && s.Kind != "sudo" && during(s) {
				return s
			}
		}
	}
	for _, s := range sessions {
		if (s.Kind == "ssh" || s.Kind == "login") && ancestors[s.PID] && during(s) {
			return s
		}
	}
	return nil
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// Cluster is the logons of one host, account, source and method.
type Cluster struct {
	Host, User, Source, Method string
	Logons, Failures           int
	First, Last                time.Time
	// Rare is set when the account logged on from this source once, while it has other sources.
	Rare bool
}

// Clusters groups ssh and login logons (and failures) by host, account, source and method.
func Clusters(sessions []*Session) []Cluster {
	idx := map[string]*Cluster{}
	var order []string
	sources := map[string]map[string]bool{} // host/user → sources with successful logons
	for _, s := range sessions {
		if s.Kind != "ssh" && s.Kind != "login" {
			continue
		}
		k := s.Host + "\x00" + s.User + "\x00" + s.Source + "\x00" + s.Method
		c := idx[k]
		if c == nil {
			c = &Cluster{Host: s.Host, User: s.User, Source: s.Source, Method: s.Method, First: s.Start}
			idx[k] = c
			order = append(order, k)
		}
		if s.Failed {
			c.Failures++
		} else {
			c.Logons++
			hu := s.Host + "\x00" + s.User
			if sources[hu] == nil {
				sources[hu] = map[string]bool{}
			}
			sources[hu][s.Source] = true
		}
		if s.Start.After(c.Last) {
			c.Last = s.Start
		}
	}
	out := make([]Cluster, 0, len(order))
	for _, k := range order {
		c := *idx[k]
		c.Rare = c.Logons == 1 && len(sources[c.Host+"\x00"+c.User]) > 1
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].First.Before(out[j].First) })
	return out
}
