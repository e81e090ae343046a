package hunt

import (
	"context"
	"time"
)

// Scheduler runs the hunts that have a schedule, each parameter set once per due time.
type Scheduler struct {
	Files []*File
	// Run runs one hunt with one parameter set.
	Run func(ctx context.Context, f *File, params map[string]string)
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	next map[*File]time.Time
}

// Tick runs every hunt that came due since the last tick, and plans its next time. The first
// tick only plans.
func (s *Scheduler) Tick(ctx context.Context) {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	if s.next == nil {
		s.next = map[*File]time.Time{}
	}
	for _, f := range s.Files {
		if f.Schedule == nil || f.Schedule.parsed == nil {
			continue
		}
		due, planned := s.next[f]
		if planned && !now.Before(due) {
			sets := f.Schedule.Runs
			if len(sets) == 0 {
				sets = []map[string]string{{}}
			}
			for _, p := range sets {
				if ctx.Err() != nil {
					return
				}
				s.Run(ctx, f, p)
			}
		}
		if !planned || !now.Before(due) {
			s.next[f] = f.Schedule.Next(now)
		}
	}
}

// Serve ticks every interval until ctx ends.
func (s *Scheduler) Serve(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 20 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
