//go:build !unix

package unpack_test

import "time"

// processStart anchors cpuTime where the process CPU time is not available.
var processStart = time.Now()

// cpuTime falls back to wall-clock time where the process CPU time is not available.
func cpuTime() time.Duration { return time.Since(processStart) }
