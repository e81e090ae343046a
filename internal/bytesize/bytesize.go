// Package bytesize parses and formats byte counts written for people: 1GiB, 500MB, 1.5KiB,
// 64k or a plain number. K, M, G (and KiB, MiB, GiB, TiB) are powers of 1024; KB, MB, GB, TB
// are powers of 1000. It is what every size flag and option of hunch accepts.
package bytesize

import (
	"fmt"
	"strconv"
	"strings"
)

// units maps a lower-case suffix to its multiplier; longer suffixes come first.
var units = []struct {
	suffix string
	mult   float64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30},
	{"b", 1},
}

// Parse parses a size such as "1GiB", "500MB", "1.5KiB", "64k", "10 MiB" or "1048576".
// Negative, non-numeric and overflowing sizes are errors.
func Parse(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || v != v {
		return 0, fmt.Errorf("invalid size %q: want a byte count such as 1GiB, 500MB or 1048576", s)
	}
	n := v * mult
	if n >= 1<<62 {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return int64(n), nil
}

// Format writes n in the largest binary unit that divides it exactly (16MiB, 512KiB), or as
// a plain number.
func Format(n int64) string {
	for _, u := range []struct {
		s string
		n int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.n && n%u.n == 0 {
			return strconv.FormatInt(n/u.n, 10) + u.s
		}
	}
	return strconv.FormatInt(n, 10)
}
