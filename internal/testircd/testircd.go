// Package testircd starts a real IRC server (Debian's ngircd) for tests: on a free loopback port, with an
// operator "hunch" whose password is OperPassword, its log shown only with go test -v.
package testircd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hunchsec/hunch/internal/testdaemon"
)

// OperPassword is the password of the server's operator "hunch".
const OperPassword = "oper-secret"

// Start runs a real IRC server (Debian's ngircd) on a free loopback port, skipping when it is not
// installed (failing under CI=true, whose script installs it).
func Start(t *testing.T) string {
	t.Helper()
	bin := testdaemon.Find(t, "ngircd", "ngircd", "/usr/sbin/ngircd", "/usr/local/sbin/ngircd")
	port := testdaemon.FreePort(t)
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
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	testdaemon.Start(t, cmd, addr)
	return addr
}
