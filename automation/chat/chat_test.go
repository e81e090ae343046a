package chat

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/store/sqlite"
)

func TestHandle(t *testing.T) {
	var asked [][]enrich.Indicator
	b := &Bot{MaxIndicators: 3, Rep: func(_ context.Context, inds []enrich.Indicator) ([]string, error) {
		asked = append(asked, inds)
		out := make([]string, len(inds))
		for i, x := range inds {
			out[i] = fmt.Sprintf("%s %s", x.Type, x.Value)
		}
		return out, nil
	}}
	c := context.Background()
	say := func(channel, text string) string {
		t.Helper()
		lines, err := b.Handle(c, Message{Channel: channel, Nick: "alice", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(lines, "\n")
	}
	if got := say("#soc", "seen 198.51.100.7 today"); got != "" {
		t.Errorf("quiet channel answered %q", got)
	}
	if got := say("#soc", "!ip 198.51.100.7 hxxp://x[.]example/a 2001:db8::1"); got != "hxxp://x[.]example/a: not ip\nipv4 198.51.100.7\nipv6 2001:db8::1" {
		t.Errorf("!ip: %q", got)
	}
	if got := say("#soc", "!file"); got != "usage: !file VALUE…" {
		t.Errorf("!file alone: %q", got)
	}
	if got := say("#soc", "!verbose maybe"); got != "usage: !verbose on|off" {
		t.Errorf("bad verbose: %q", got)
	}
	if got := say("#SOC", "!verbose on"); got != "verbose is on in #SOC" {
		t.Errorf("verbose on: %q", got)
	}
	got := say("#soc", "beacon to c2[.]example[.]com from 198.51.100.7, 198.51.100.7 again, and evil@example.net, 192.0.2.1")
	if got != "domain c2.example.com\nipv4 198.51.100.7\nemail evil@example.net" && strings.Count(got, "\n") != 2 {
		t.Errorf("verbose, capped at 3: %q", got)
	}
	if got := say("#other", "198.51.100.7"); got != "" {
		t.Errorf("verbose leaked to another channel: %q", got)
	}
	if got := say("#soc", "!weather"); got != "" {
		t.Errorf("another bot's command answered: %q", got)
	}
	if got := say("#soc", "!help"); got != Help {
		t.Errorf("help: %q", got)
	}
	say("#soc", "!verbose off")
	if got := say("#soc", "198.51.100.9"); got != "" {
		t.Errorf("verbose off still answers: %q", got)
	}
}

func TestIncidentCommands(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	inc := &automation.Incidents{Store: db, Chain: journal.Chain{Key: []byte("k")}}
	b := &Bot{Incidents: inc, Rep: func(context.Context, []enrich.Indicator) ([]string, error) { return nil, nil }}
	c := context.Background()
	say := func(text string) string {
		t.Helper()
		lines, err := b.Handle(c, Message{Channel: "#soc", Nick: "alice", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(lines, "\n")
	}
	for _, x := range []struct{ say, want string }{
		{"!incident new Phish at finance", "incident 1 opened: Phish at finance"},
		{"!incident note 1 pulled the mail", "incident 1: note 2 journaled"},
		{"!incident assign 1 bob", "incident 1: Phish at finance — unknown, pending, owner bob, 3 journal entries"},
		{"!incident severity 1 high", "incident 1: Phish at finance — high, pending, owner bob, 4 journal entries"},
		{"!incident close 1", "incident 1: Phish at finance — high, done, owner bob, 5 journal entries"},
		{"!incident show 1", "incident 1: Phish at finance — high, done, owner bob, 5 journal entries"},
		{"!incident show 9", "error: incident 9: not found"},
		{"!incident severity 1 apocalyptic", "error: severity \"apocalyptic\": want unknown, info, low, medium, high, critical or 0, 0.5, 1, 2, 3, 4"},
		{"!incident frob 1", "usage: !incident new NAME | show N | note N TEXT | assign N NICK | severity N LEVEL | close N"},
		{"!incident", "usage: !incident new NAME | show N | note N TEXT | assign N NICK | severity N LEVEL | close N"},
	} {
		if got := say(x.say); got != x.want {
			t.Errorf("%s: %q, want %q", x.say, got, x.want)
		}
	}
	j, _ := db.Journal(c, 1)
	for _, e := range j {
		if e.Actor != "chat:alice" {
			t.Errorf("entry %d actor %q", e.Seq, e.Actor)
		}
	}
	if n, problems, _ := inc.Verify(c, 1); n != 5 || len(problems) > 0 {
		t.Errorf("journal %d %v", n, problems)
	}
}

func TestPivotCommand(t *testing.T) {
	var got []string
	b := &Bot{Rep: func(context.Context, []enrich.Indicator) ([]string, error) { return nil, nil },
		Pivot: func(_ context.Context, kind, value, fn string, args []string) ([]record.Record, error) {
			got = append(got, kind+" "+value+" "+fn+" "+strings.Join(args, " "))
			var out []record.Record
			for i := range 25 {
				out = append(out, record.New(record.Field{Name: "ip", Value: record.String(fmt.Sprintf("198.51.100.%d", i))},
					record.Field{Name: "type", Value: record.String("A")}))
			}
			return out, nil
		}}
	ctx := context.Background()
	say := func(text string) []string {
		lines, err := b.Handle(ctx, Message{Channel: "#soc", Nick: "alice", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return lines
	}
	if l := say("!pivot domain C2.Example.com"); len(l) != 1 || !strings.Contains(l[0], "domain c2.example.com: block* extract") && !strings.Contains(l[0], "resolve") {
		t.Errorf("list: %q", l)
	}
	l := say("!pivot domain c2.example.com resolve --dns 127.0.0.1:53")
	if len(l) != DefaultPivotLines+1 || l[0] != "ip=198.51.100.0 type=A" || !strings.HasPrefix(l[20], "… 5 more") || got[0] != "domain c2.example.com resolve --dns 127.0.0.1:53" {
		t.Errorf("run: %q %q", l, got)
	}
	if l := say("!pivot host WS01 isolate"); len(l) != 1 || !strings.Contains(l[0], "response action") || len(got) != 1 {
		t.Errorf("a response action from chat: %q", l)
	}
	if l := say("!pivot ip not-an-ip lookup"); !strings.Contains(l[0], "not a valid ip") {
		t.Errorf("bad entity: %q", l)
	}
	if !strings.Contains(Help, "!pivot KIND VALUE") || !strings.Contains(Help, "process") {
		t.Errorf("help: %s", Help)
	}
}
