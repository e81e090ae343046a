package cli

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// gcSettings reads the collector's current GOGC and soft memory limit.
func gcSettings() (percent int, limit int64) {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64()), int64(s[1].Value.Uint64())
}

func TestPaceGC(t *testing.T) {
	tests := []struct {
		name        string
		env         map[string]string
		wantPercent int
		wantLimit   int64
	}{
		{"defaults", nil, gcPercent, gcLimit},
		{"GOGC set", map[string]string{"GOGC": "100"}, 100, math.MaxInt64},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, 100, math.MaxInt64},
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			restore := paceGC(func(k string) string { return tt.env[k] })
			p, l := gcSettings()
			restore()
			if p != tt.wantPercent || l != tt.wantLimit {
				t.Errorf("while running: GOGC=%d limit=%d, want %d and %d", p, l, tt.wantPercent, tt.wantLimit)
			}
			if p, l := gcSettings(); p != 100 || l != math.MaxInt64 {
				t.Errorf("after restore: GOGC=%d limit=%d, want the previous 100 and no limit", p, l)
			}
		})
	}
}

// TestPaceGCBacksOff: a live heap past gcBackoff brings the default pacing back while the verb runs.
func TestPaceGCBacksOff(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	restore := paceGC(func(string) string { return "" })
	defer restore()
	live := make([]byte, gcBackoff+(8<<20))
	for i := range live {
		live[i] = byte(i)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		if p, l := gcSettings(); p == 100 && l == math.MaxInt64 {
			break
		}
		if time.Now().After(deadline) {
			p, l := gcSettings()
			t.Fatalf("live heap of %d MB: GOGC=%d limit=%d, want the default pacing back", len(live)>>20, p, l)
		}
		time.Sleep(gcWatchEvery)
	}
	runtime.KeepAlive(live)
}
