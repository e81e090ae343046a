package enrich

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Rate is a provider's request budget: at most PerMinute requests in any 60-second window and at
// most PerDay in any 24-hour window. Zero means no limit.
type Rate struct {
	PerMinute int `yaml:"per_minute" json:"per_minute"`
	PerDay    int `yaml:"per_day" json:"per_day"`
}

// Limiter enforces a Rate over sliding windows: it remembers when each of the last N requests was
// sent, so the budget holds for every window, not just on average (a token bucket would let twice
// the per-minute budget through in the minute after an idle spell). Safe for concurrent use.
type Limiter struct {
	clock   Clock
	mu      sync.Mutex
	windows []*window
}

type window struct {
	span  time.Duration
	sent  []time.Time // ring of the last len(sent) request times
	next  int         // ring position of the oldest entry once full
	count int
}

// NewLimiter returns a limiter for r on clock c (nil: the system clock), or nil when r has no limit.
func NewLimiter(r Rate, c Clock) *Limiter {
	l := &Limiter{clock: clockOr(c)}
	if r.PerMinute > 0 {
		l.windows = append(l.windows, &window{span: time.Minute, sent: make([]time.Time, r.PerMinute)})
	}
	if r.PerDay > 0 {
		l.windows = append(l.windows, &window{span: 24 * time.Hour, sent: make([]time.Time, r.PerDay)})
	}
	if len(l.windows) == 0 {
		return nil
	}
	return l
}

// MaxWait bounds how long Wait blocks before it gives up with ErrBudget; a daily budget that is
// spent would otherwise park a lookup for hours.
const MaxWait = 10 * time.Minute

// ErrBudget is returned by Wait when the next free slot is further away than the caller may wait.
var ErrBudget = fmt.Errorf("request budget spent")

// Wait blocks until one more request fits every window, then records it as sent. It returns ctx's
// error if ctx is done first, and ErrBudget (wrapped, with the time of the next free slot) when
// that slot is more than maxWait away (maxWait ≤ 0 means MaxWait). A nil Limiter never waits.
func (l *Limiter) Wait(ctx context.Context, maxWait time.Duration) error {
	if l == nil {
		return ctx.Err()
	}
	if maxWait <= 0 {
		maxWait = MaxWait
	}
	for {
		l.mu.Lock()
		now := l.clock.Now()
		var free time.Time // earliest moment every window has room
		for _, w := range l.windows {
			if w.count == len(w.sent) {
				if t := w.sent[w.next].Add(w.span); t.After(free) {
					free = t
				}
			}
		}
		if !free.After(now) {
			for _, w := range l.windows {
				w.record(now)
			}
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		d := free.Sub(now)
		if d > maxWait {
			return fmt.Errorf("%w: next request possible at %s", ErrBudget, free.UTC().Format(time.RFC3339))
		}
		if err := l.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

func (w *window) record(t time.Time) {
	if w.count < len(w.sent) {
		w.sent[(w.next+w.count)%len(w.sent)] = t
		w.count++
		return
	}
	w.sent[w.next] = t
	w.next = (w.next + 1) % len(w.sent)
}
