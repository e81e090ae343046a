//go:build unix

package unpack_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used, so timing tests are not thrown off by
// other work on a busy machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
