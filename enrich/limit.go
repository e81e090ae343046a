package enrich

import (
	"context"
	"errors"
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

// Limiter enforces a Rate over sliding windows, so the budget holds in every window and not just
// on average (a token bucket lets twice the per-minute budget through in the minute after an idle
// spell). A request holds its slot from the moment it is admitted until one window after its reply
// arrived (Release): whatever the network's latency, the provider never receives more than the
// budget in any window of its own clock. Safe for concurrent use.
type Limiter struct {
	clock    Clock
	mu       sync.Mutex
	windows  []*window
	inflight int
	released chan struct{} // closed and replaced on every Release
}

type window struct {
	span time.Duration
	done []time.Time // ring of release times, oldest at head; len(done) is the budget
	head int
	n    int
}

// NewLimiter returns a limiter for r on clock c (nil: the system clock), or nil when r has no limit.
func NewLimiter(r Rate, c Clock) *Limiter {
	l := &Limiter{clock: clockOr(c), released: make(chan struct{})}
	if r.PerMinute > 0 {
		l.windows = append(l.windows, &window{span: time.Minute, done: make([]time.Time, r.PerMinute)})
	}
	if r.PerDay > 0 {
		l.windows = append(l.windows, &window{span: 24 * time.Hour, done: make([]time.Time, r.PerDay)})
	}
	if len(l.windows) == 0 {
		return nil
	}
	return l
}

// MaxWait bounds how long Wait blocks before it gives up with ErrBudget; a spent daily budget
// would otherwise park a lookup for hours.
const MaxWait = 10 * time.Minute

// ErrBudget is returned by Wait when the next free slot is further away than the caller may wait.
var ErrBudget = errors.New("request budget spent")

// Wait blocks until one more request fits every window and takes a slot for it; the caller must
// Release the slot when the reply has arrived (or the attempt failed). It returns ctx's error if
// ctx is done first, and ErrBudget (wrapped, with the time of the next free slot) when that slot
// is more than maxWait away (maxWait ≤ 0 means MaxWait). A nil Limiter never waits.
func (l *Limiter) Wait(ctx context.Context, maxWait time.Duration) error {
	if l == nil {
		return ctx.Err()
	}
	if maxWait <= 0 {
		maxWait = MaxWait
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.mu.Lock()
		now := l.clock.Now()
		var free time.Time // earliest moment every window has room; zero: now
		blocked := false   // some window is full of requests still in flight
		for _, w := range l.windows {
			w.expire(now)
			if w.n+l.inflight < len(w.done) {
				continue
			}
			if w.n == 0 {
				blocked = true
				continue
			}
			if t := w.done[w.head].Add(w.span); t.After(free) {
				free = t
			}
		}
		if !blocked && !free.After(now) {
			l.inflight++
			l.mu.Unlock()
			return nil
		}
		released := l.released
		l.mu.Unlock()
		if blocked && free.IsZero() {
			select {
			case <-released:
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		d := free.Sub(now)
		if d > maxWait {
			return fmt.Errorf("%w: next request possible at %s", ErrBudget, free.UTC().Format(time.RFC3339))
		}
		if err := l.clock.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

// Release ends a request admitted by Wait: its slot frees one window from now.
func (l *Limiter) Release() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	l.inflight--
	for _, w := range l.windows {
		w.expire(now)
		w.done[(w.head+w.n)%len(w.done)] = now
		w.n++
	}
	close(l.released)
	l.released = make(chan struct{})
}

// expire drops release times that have left the window.
func (w *window) expire(now time.Time) {
	for w.n > 0 && !w.done[w.head].Add(w.span).After(now) {
		w.head = (w.head + 1) % len(w.done)
		w.n--
	}
}
