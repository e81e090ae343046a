//go:build !unix

package cli

import "math"

// cpuSeconds is not measured here: the per-CPU-second figures come out as NaN.
func cpuSeconds() float64 { return math.NaN() }
