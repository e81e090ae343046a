package pipeline

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/analysis/linuxsession"
	"github.com/hunchsec/hunch/record"
)

// DefaultMaxLinuxEvents bounds the syslog lines and audit events LinuxSessions holds.
const DefaultMaxLinuxEvents = 2_000_000

// LinuxSessionOptions configures LinuxSessions.
type LinuxSessionOptions struct {
	// Risky keeps only the sessions with a reason.
	Risky bool
	// MaxEvents bounds the events held; DefaultMaxLinuxEvents when zero.
	MaxEvents int
}

// LinuxResult is what LinuxSessions found.
type LinuxResult struct {
	Sessions []record.Record // one per session or failed logon, in order of start
	Clusters []record.Record // one per host, account, source and method
}

// LinuxSessions reads syslog records (timestamp, host, app, pid, message, as the file source
// parses them) and auditd events (EXECVE with its SYSCALL: time, pid, ppid, uid, auid, ses, exe,
// cmdline, node) from in, and returns the sessions they make and the logon clusters. Records
// of neither kind are skipped.
func LinuxSessions(ctx context.Context, in record.Stream, opts LinuxSessionOptions) (LinuxResult, error) {
	max := opts.MaxEvents
	if max <= 0 {
		max = DefaultMaxLinuxEvents
	}
	var lines []linuxsession.Line
	var execs []linuxsession.Exec
	for r, err := range in {
		if err != nil {
			return LinuxResult{}, err
		}
		if ctx.Err() != nil {
			return LinuxResult{}, ctx.Err()
		}
		if len(lines)+len(execs) >= max {
			return LinuxResult{}, fmt.Errorf("%w: more than %d syslog lines and audit events", ErrTooManyEvents, max)
		}
		if l, ok := syslogLine(r); ok {
			lines = append(lines, l)
		} else if x, ok := auditExec(r); ok {
			execs = append(execs, x)
		}
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Time.Before(lines[j].Time) })
	sort.SliceStable(execs, func(i, j int) bool { return execs[i].Time.Before(execs[j].Time) })
	sessions := linuxsession.Sessions(lines)
	linuxsession.Assess(sessions, execs)
	var res LinuxResult
	for _, s := range sessions {
		if opts.Risky && len(s.Reasons) == 0 {
			continue
		}
		res.Sessions = append(res.Sessions, sessionRecord(s))
	}
	for _, c := range linuxsession.Clusters(sessions) {
		res.Clusters = append(res.Clusters, record.New(
			record.Field{Name: "host", Value: record.String(c.Host)},
			record.Field{Name: "user", Value: record.String(c.User)},
			record.Field{Name: "source", Value: record.String(c.Source)},
			record.Field{Name: "method", Value: record.String(c.Method)},
			record.Field{Name: "logons", Value: record.Int(int64(c.Logons))},
			record.Field{Name: "failures", Value: record.Int(int64(c.Failures))},
			record.Field{Name: "first", Value: record.Time(c.First)},
			record.Field{Name: "last", Value: record.Time(c.Last)},
			record.Field{Name: "rare", Value: record.Bool(c.Rare)}))
	}
	return res, nil
}

func sessionRecord(s *linuxsession.Session) record.Record {
	var cmds, why []string
	for _, c := range s.Commands {
		line := c.Cmdline
		if len(c.Chain) > 0 {
			line += "  ← " + strings.Join(c.Chain, " ← ")
		}
		cmds = append(cmds, line)
	}
	why = slices.Clone(s.Reasons)
	status := "open"
	switch {
	case s.Failed:
		status = "failed"
	case !s.End.IsZero():
		status = "closed"
	}
	r := record.New(
		record.Field{Name: "start", Value: record.Time(s.Start)},
		record.Field{Name: "host", Value: record.String(s.Host)},
		record.Field{Name: "kind", Value: record.String(s.Kind)},
		record.Field{Name: "user", Value: record.String(s.User)},
		record.Field{Name: "by", Value: record.String(s.By)},
		record.Field{Name: "source", Value: record.String(s.Source)},
		record.Field{Name: "method", Value: record.String(s.Method)},
		record.Field{Name: "status", Value: record.String(status)},
	)
	if !s.End.IsZero() {
		r.Append("end", record.Time(s.End))
		r.Append("duration", record.String(s.Duration().String()))
	}
	r.Append("commands", record.Strings(cmds...))
	r.Append("risky", record.Bool(len(why) > 0))
	r.Append("reasons", record.Strings(why...))
	return r
}

// syslogLine reads a syslog record.
func syslogLine(r record.Record) (linuxsession.Line, bool) {
	msg, app := r.FirstText("message"), r.FirstText("app")
	if msg == "" || app == "" {
		return linuxsession.Line{}, false
	}
	t, ok := r.EventTime("timestamp")
	if !ok {
		return linuxsession.Line{}, false
	}
	pid, _ := strconv.Atoi(r.FirstText("pid"))
	return linuxsession.Line{Time: t, Host: r.FirstText("host"), App: app, PID: pid, Message: msg}, true
}

// auditExec reads an auditd EXECVE event.
func auditExec(r record.Record) (linuxsession.Exec, bool) {
	cmd := r.FirstText("cmdline")
	if cmd == "" {
		return linuxsession.Exec{}, false
	}
	isExec := r.FirstText("type") == "EXECVE"
	if v, ok := r.Get("types"); ok && strings.Contains(v.Text(), "EXECVE") {
		isExec = true
	}
	if !isExec {
		return linuxsession.Exec{}, false
	}
	t, ok := r.EventTime("time")
	if !ok {
		return linuxsession.Exec{}, false
	}
	pid, _ := strconv.Atoi(r.FirstText("pid"))
	ppid, _ := strconv.Atoi(r.FirstText("ppid"))
	return linuxsession.Exec{Time: t, Host: r.FirstText("node", "host", "hostname"), PID: pid, PPID: ppid, UID: r.FirstText("uid"),
		AUID: r.FirstText("auid"), Session: r.FirstText("ses"), Exe: r.FirstText("exe"), Cmdline: cmd}, true
}
