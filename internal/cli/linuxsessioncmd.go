package cli

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem/files"
)

func newAnalyzeLinuxSessionsCmd(e *env) *cobra.Command {
	var (
		in       inputFlags
		logons   bool
		opts     pipeline.LinuxSessionOptions
		timezone string
	)
	cmd := &cobra.Command{
		Use:   "linux-sessions [FILE...]",
		Short: "Linux logon sessions from syslog and auditd: paired, clustered, and the risky ones flagged with why",
		Long: `linux-sessions reads syslog (auth.log, secure, journal exports: RFC 3164 or 5424) and auditd
(audit.log) files — recognised by their content — or records on standard input (e.g. from 'hunch
query run --files'), and pairs logons with logoffs: sshd (Accepted/Failed/Invalid user, PAM,
Disconnected), su, sudo (its COMMAND line), login, and systemd-logind sessions. auditd EXECVE
commands are rebuilt with their parent chains and put in the session they ran in (the sudo whose
process is an ancestor, or the ssh session of their login session id). A session is risky, with
its reasons, when a command in it
  goes to a root shell (sudo bash, sudo -i, sudo su),
  pipes a download to a shell (curl … | sh),
  edits a sensitive file (/etc/sudoers, passwd, shadow, sshd_config, pam.d, authorized_keys …),
  creates or changes an account (useradd, usermod, passwd …),
  or persists through cron or systemd (crontab FILE, /etc/cron.d, systemctl enable, unit files).
One record per session or failed logon: start, host, kind, user, by, source, method, status, end,
duration, commands, risky, reasons. --risky keeps the risky ones; --logons writes the logon
clusters instead (host, account, source, method: logons, failures, first, last, and rare when an
account logged on once from a source while it has others).`,
		Example: `  hunch analyze linux-sessions --risky /var/log/auth.log /var/log/audit/audit.log
  hunch analyze linux-sessions --logons -o table /var/log/auth.log*`,
		RunE: func(_ *cobra.Command, args []string) error {
			var src record.Stream
			t := &tally{stderr: e.stderr, strict: in.strict}
			if len(args) > 0 {
				fo := files.Options{}
				if timezone != "" {
					loc, err := time.LoadLocation(timezone)
					if err != nil {
						return usagef("--timezone: %v", err)
					}
					fo.Location = loc
				}
				src = t.wrap(files.Read(e.ctx, args, fo))
			} else {
				s, tt, err := e.inputs(&in, nil)
				if err != nil {
					return err
				}
				src, t = s, tt
			}
			res, err := pipeline.LinuxSessions(e.ctx, src, opts)
			if err != nil {
				return err
			}
			out := res.Sessions
			if logons {
				out = res.Clusters
			}
			if err := e.emit(streamOf(out)); err != nil {
				return err
			}
			return t.done()
		},
	}
	in.register(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&opts.Risky, "risky", false, "only the risky sessions")
	fl.BoolVar(&logons, "logons", false, "write the logon clusters instead of the sessions")
	fl.IntVar(&opts.MaxEvents, "max-events", pipeline.DefaultMaxLinuxEvents, "most syslog lines and audit events held")
	fl.StringVar(&timezone, "timezone", "", "IANA zone of RFC 3164 syslog timestamps (default UTC)")
	return cmd
}
