// Package testdaemon holds what tests that run a real server from Debian's packages (ngircd,
// slapd) share: finding its binary (skipping without it, failing under CI=true, whose script
// installs it), a free loopback port, and waiting until it listens.
package testdaemon

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Find returns the path of program (on the PATH, or at one of paths), skipping the test when it
// is missing, or failing it when CI=true.
func Find(t *testing.T, program, pkg string, paths ...string) string {
	t.Helper()
	if p, err := exec.LookPath(program); err == nil {
		return p
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found and CI=true (apt-get install %s)", program, pkg)
	}
	t.Skipf("skipping: %s not found (apt-get install %s)", program, pkg)
	return ""
}

// FreePort returns a loopback port nothing listens on right now.
func FreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs cmd, stops it when the test ends, and waits until it accepts connections on addr.
func Start(t *testing.T, cmd *exec.Cmd, addr string) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if i > 100 {
			t.Fatal(fmt.Errorf("%s did not listen on %s: %w", cmd.Path, addr, err))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
