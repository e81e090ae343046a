package cli

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/automation/chat"
	"github.com/hunchsec/hunch/automation/chat/irc"
	"github.com/hunchsec/hunch/internal/demogeo"
	"github.com/hunchsec/hunch/internal/testircd"
)

// lockedBuffer is a bytes.Buffer safe to write from the command's goroutine and read from the test's.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestChatIRC runs `hunch chat irc` against a real ngircd with the demo's local intel lists and GeoIP
// database: ten indicators pasted in one message get ten verdict lines in one reply within two seconds (the
// lookups answered from the cache, warmed by a first paste), and !ip answers too.
func TestChatIRC(t *testing.T) {
	addr := testircd.Start(t)
	data := t.TempDir()
	if err := demogeo.Write(filepath.Join(data, "geoip", "demo-geo.mmdb")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errb lockedBuffer
	cfgHome := t.TempDir()
	env := map[string]string{"XDG_CONFIG_HOME": cfgHome, "HUNCH_IRC_OPER_PASSWORD": testircd.OperPassword}
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"--config", "../../examples/hunch.yaml", "--data", data, "chat", "irc", "--server", addr,
			"--channel", "#soc", "--verbose", "#soc", "--oper", "hunch"}, strings.NewReader(""), &bytes.Buffer{}, &errb, func(k string) string { return env[k] })
	}()
	for !strings.Contains(errb.String(), "hunch: on ") {
		select {
		case code := <-done:
			t.Fatalf("bot exited %d: %s", code, errb.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	u, err := irc.Dial(ctx, irc.Options{Addr: addr, Nick: "analyst", Channels: []string{"#soc"}})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	got := make(chan chat.Message, 100)
	go u.Run(ctx, func(m chat.Message) { got <- m })
	time.Sleep(300 * time.Millisecond)
	var ips []string
	for i := range 9 {
		ips = append(ips, fmt.Sprintf("198.51.100.%d", 30+i))
	}
	ips = append(ips, "198.51.100.23") // listed as malicious in examples/intel.csv
	paste := func() ([]string, time.Duration) {
		start := time.Now()
		u.Send("#soc", []string{"from the proxy log: " + strings.Join(ips, " ")})
		var lines []string
		timeout := time.After(10 * time.Second)
		for len(lines) < 10 {
			select {
			case m := <-got:
				if m.Nick == "hunch" {
					lines = append(lines, m.Text)
				}
			case <-timeout:
				t.Fatalf("%d of 10 lines: %q; bot: %s", len(lines), lines, errb.String())
			}
		}
		return lines, time.Since(start)
	}
	paste() // the first paste fills the cache
	lines, took := paste()
	t.Logf("ten verdict lines, cached, in %v", took)
	if took > 2*time.Second {
		t.Errorf("ten cached verdicts took %v, want under 2 s", took)
	}
	if !strings.HasPrefix(lines[9], "198.51.100.23 (ipv4): malicious, DBotScore 3, decided by threatintel — NL, Bulletproof Hosting Example BV, AS64500") {
		t.Errorf("the listed address: %q", lines[9])
	}
	u.Send("#soc", []string{"!ip 192.0.2.10"})
	select {
	case m := <-got:
		if !strings.HasPrefix(m.Text, "192.0.2.10 (ipv4): benign, DBotScore 1, decided by allowlist") {
			t.Errorf("!ip: %q", m.Text)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no answer to !ip")
	}
	u.Send("#soc", []string{"!incident new Spray from 203.0.113.77"})
	select {
	case m := <-got:
		if m.Text != "incident 1 opened: Spray from 203.0.113.77" {
			t.Errorf("!incident new: %q", m.Text)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no answer to !incident new")
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Errorf("bot exit %d: %s", code, errb.String())
	}
	if code, out, _ := runHunch(t, "", "--data", data, "incident", "verify", "1"); code != ExitOK || !strings.Contains(out, "journal intact, 1 entries") {
		t.Errorf("the chat's incident: exit %d %s", code, out)
	}
	if code, _, errOut := runHunch(t, "", "chat", "irc", "--server", addr); code != ExitUsage || !strings.Contains(errOut, "--channel are required") {
		t.Errorf("no channel: exit %d %s", code, errOut)
	}
}
