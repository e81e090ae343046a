// Package testircd starts a real IRC server (Debian's ngircd) for tests: on a free loopback port, with an
// operator "hunch" whose password is OperPassword, its log shown only with go test -v.
package testircd

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// OperPassword is the password of the server's operator "hunch".
const OperPassword = "oper-secret"

// Start runs a real IRC server (Debian's ngircd) on a free loopback port, skipping when it is not
// installed (failing under CI=true, whose script installs it).
func Start(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("ngircd")
	if err != nil {
		for _, p := range []string{"/usr/sbin/ngircd", "/usr/local/sbin/ngircd"} {
			if _, err := os.Stat(p); err == nil {
				bin = p
			}
		}
	}
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("ngircd not found and CI=true (apt-get install ngircd)")
		}
		t.Skip("skipping: ngircd not found (apt-get install ngircd)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	conf := filepath.Join(dir, "ngircd.conf")
	motd := filepath.Join(dir, "motd")
	os.WriteFile(motd, []byte("hunch test server\n"), 0o644)
	os.WriteFile(conf, []byte(fmt.Sprintf(`[Global]
	Name = irc.hunch.test
	Info = hunch test server
	Listen = 127.0.0.1
	Ports = %d
	MotdFile = %s
	PidFile = %s
[Limits]
	PingTimeout = 120
[Operator]
	Name = hunch
	Password = %s
[Options]
	DNS = no
	Ident = no
	PAM = no
`, port, motd, filepath.Join(dir, "pid"), OperPassword)), 0o644)
	cmd := exec.Command(bin, "-n", "-f", conf)
	if testing.Verbose() {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr // the server's log
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return addr
		}
		if i > 50 {
			t.Fatalf("ngircd did not listen on %s: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
