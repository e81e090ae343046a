package chat

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/enrich"
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
