package irc

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/automation/chat"
	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/internal/testircd"
)

// TestBotOnRealServer: a bot and an analyst on a real ngircd; ten indicators pasted in one message get one
// reply of ten verdict lines within two seconds; commands and a private message work; nothing the reply
// carries can start a new IRC command.
func TestBotOnRealServer(t *testing.T) {
	addr := testircd.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	asked := 0
	bot := &chat.Bot{Rep: func(_ context.Context, inds []enrich.Indicator) ([]string, error) {
		asked++
		out := make([]string, len(inds))
		for i, ind := range inds {
			out[i] = fmt.Sprintf("%s (%s): malicious, decided by threatintel\r\nQUIT :injected", ind.Value, ind.Type)
		}
		return out, nil
	}}
	bot.SetVerbose("#soc", true)
	b, err := Dial(ctx, Options{Addr: addr, Nick: "hunch", Channels: []string{"#soc"}, Oper: "hunch", OperPassword: testircd.OperPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	go Serve(ctx, b, bot)
	u, err := Dial(ctx, Options{Addr: addr, Nick: "analyst", Channels: []string{"#soc"}})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	got := make(chan chat.Message, 100)
	go u.Run(ctx, func(m chat.Message) { got <- m })
	time.Sleep(300 * time.Millisecond) // both joined

	var ips []string
	for i := range 10 {
		ips = append(ips, fmt.Sprintf("198.51.100.%d", 10+i))
	}
	start := time.Now()
	if err := u.Send("#soc", []string{"seen on the proxy: " + strings.Join(ips, ", ")}); err != nil {
		t.Fatal(err)
	}
	var lines []string
	timeout := time.After(5 * time.Second)
	for len(lines) < 10 {
		select {
		case m := <-got:
			if m.Nick == b.Nick() && m.Channel == "#soc" {
				lines = append(lines, m.Text)
			}
		case <-timeout:
			t.Fatalf("%d of 10 lines after 5 s: %q", len(lines), lines)
		}
	}
	took := time.Since(start)
	t.Logf("10 verdict lines in %v", took)
	if took > 2*time.Second {
		t.Errorf("ten verdict lines took %v, want under 2 s", took)
	}
	if asked != 1 {
		t.Errorf("reputation asked %d times for one message", asked)
	}
	for i, l := range lines {
		if !strings.HasPrefix(l, ips[i]+" (ipv4): malicious") || !strings.Contains(l, "QUIT :injected") {
			t.Errorf("line %d: %q", i, l) // the CR LF became a space: QUIT stayed text
		}
	}
	// A command, and a private message answered privately.
	u.Send("#soc", []string{"!domain c2[.]example[.]com nonsense"})
	u.Send(b.Nick(), []string{"!help"})
	want := map[string]bool{"c2.example.com (domain)": false, "nonsense: not domain": false, "hunch: !ip": false}
	timeout = time.After(5 * time.Second)
	for done := 0; done < len(want); {
		select {
		case m := <-got:
			for k, seen := range want {
				if !seen && strings.HasPrefix(m.Text, k) {
					want[k] = true
					done++
					if k == "hunch: !ip" && m.Channel != b.Nick() && m.Channel != u.Nick() {
						t.Errorf("help answered in %q, want privately", m.Channel)
					}
				}
			}
		case <-timeout:
			t.Fatalf("answers missing: %v", want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{":alice!a@h PRIVMSG #soc :hello there", "alice!a@h|PRIVMSG|[#soc hello there]"},
		{"PING :irc.example", "|PING|[irc.example]"},
		{":srv 001 hunch :Welcome", "srv|001|[hunch Welcome]"},
		{"privmsg  #a  b", "|PRIVMSG|[#a b]"},
		{"", "||[]"},
	} {
		p, cmd, params := parse(c.line)
		if got := fmt.Sprintf("%s|%s|%v", p, cmd, params); got != c.want {
			t.Errorf("parse(%q) = %s, want %s", c.line, got, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{":a!b@c PRIVMSG #x :y z", "PING :x", ":", " : ", "NICK", ":x 433 * hunch :in use"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		_, cmd, params := parse(line)
		if strings.ContainsAny(cmd, " ") {
			t.Fatalf("command %q holds a space", cmd)
		}
		for i, p := range params[:max(0, len(params)-1)] {
			if strings.Contains(p, " ") || p == "" {
				t.Fatalf("middle parameter %d %q", i, p)
			}
		}
	})
}
