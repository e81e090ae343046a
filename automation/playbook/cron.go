package playbook

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed five-field cron expression (minute hour day-of-month month day-of-week,
// with *, lists, ranges and steps, and @hourly, @daily, @weekly, @monthly), read in UTC.
type Schedule struct {
	fields           [5]uint64 // bit i set when value i matches
	domStar, dowStar bool
}

var cronBounds = [5][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}}

// ParseSchedule reads a cron expression.
func ParseSchedule(expr string) (*Schedule, error) {
	switch strings.TrimSpace(expr) {
	case "@hourly":
		expr = "0 * * * *"
	case "@daily", "@midnight":
		expr = "0 0 * * *"
	case "@weekly":
		expr = "0 0 * * 0"
	case "@monthly":
		expr = "0 0 1 * *"
	}
	parts := strings.Fields(expr)
	if len(parts) != 5 {
		return nil, fmt.Errorf("cron %q: want five fields (minute hour day month weekday)", expr)
	}
	s := &Schedule{domStar: parts[2] == "*", dowStar: parts[4] == "*"}
	for i, p := range parts {
		lo, hi := cronBounds[i][0], cronBounds[i][1]
		for item := range strings.SplitSeq(p, ",") {
			step := 1
			if r, st, ok := strings.Cut(item, "/"); ok {
				n, err := strconv.Atoi(st)
				if err != nil || n < 1 {
					return nil, fmt.Errorf("cron %q: bad step %q", expr, st)
				}
				item, step = r, n
			}
			from, to := lo, hi
			if item != "*" {
				a, b, isRange := strings.Cut(item, "-")
				x, err := strconv.Atoi(a)
				if err != nil {
					return nil, fmt.Errorf("cron %q: bad value %q", expr, a)
				}
				from, to = x, x
				if isRange {
					if to, err = strconv.Atoi(b); err != nil {
						return nil, fmt.Errorf("cron %q: bad value %q", expr, b)
					}
				} else if step > 1 {
					to = hi
				}
			}
			if from < lo || to > hi || from > to {
				return nil, fmt.Errorf("cron %q: %d-%d is outside %d-%d", expr, from, to, lo, hi)
			}
			for v := from; v <= to; v += step {
				s.fields[i] |= 1 << v
			}
		}
	}
	if s.fields[4]&(1<<7) != 0 { // 7 is Sunday too
		s.fields[4] |= 1
	}
	return s, nil
}

// Next returns the first minute after t that the schedule matches (within five years).
func (s *Schedule) Next(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	end := t.AddDate(5, 0, 0)
	for t.Before(end) {
		if s.fields[3]&(1<<int(t.Month())) == 0 {
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if !s.dayMatches(t) {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if s.fields[1]&(1<<t.Hour()) == 0 {
			t = t.Truncate(time.Hour).Add(time.Hour)
			continue
		}
		if s.fields[0]&(1<<t.Minute()) == 0 {
			t = t.Add(time.Minute)
			continue
		}
		return t
	}
	return time.Time{}
}

// dayMatches applies cron's rule: when both day fields are restricted, either may match.
func (s *Schedule) dayMatches(t time.Time) bool {
	dom := s.fields[2]&(1<<t.Day()) != 0
	dow := s.fields[4]&(1<<int(t.Weekday())) != 0
	switch {
	case s.domStar && s.dowStar:
		return true
	case s.domStar:
		return dow
	case s.dowStar:
		return dom
	}
	return dom || dow
}
