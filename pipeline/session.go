package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hunchsec/hunch/analysis/session"
	"github.com/hunchsec/hunch/record"
)

// SessionOptions configures Sessions.
type SessionOptions struct {
	KeyFields  []string      // fields whose values, joined, say whose session an event is; default User
	TimeField  string        // default: the first of TimeCreated, UtcTime, @timestamp, _time, timestamp present
	CmdField   string        // the command line; default CommandLine
	Level      session.Level // how much of each command the model looks at
	Window     int           // rarest-window length; default 2
	Sessionize session.SessionizeOptions
	MaxEvents  int // most events held (sessions are scored once all are read); default 5 000 000
}

// DefaultMaxSessionEvents bounds the events Sessions holds in memory.
const DefaultMaxSessionEvents = 5_000_000

// ErrTooManyEvents is returned when the input holds more events than SessionOptions.MaxEvents.
var ErrTooManyEvents = errors.New("too many events for session scoring")

// Sessions reads every event of in, cuts them into sessions, trains a Markov model on all of
// them and yields one record per session, rarest first: rank, key, start, end, events,
// rarest_window (the commands), rarest_window_likelihood, geometric_mean. Events without a
// command or a time are skipped; input errors are passed through.
func Sessions(ctx context.Context, in record.Stream, opts SessionOptions) record.Stream {
	return func(yield func(record.Record, error) bool) {
		if opts.Window <= 0 {
			opts.Window = 2
		}
		if opts.MaxEvents <= 0 {
			opts.MaxEvents = DefaultMaxSessionEvents
		}
		keys := opts.KeyFields
		if len(keys) == 0 {
			keys = []string{"User"}
		}
		cmdField := opts.CmdField
		if cmdField == "" {
			cmdField = "CommandLine"
		}
		var events []session.Event
		for rec, err := range in {
			if err != nil {
				if !yield(rec, err) {
					return
				}
				continue
			}
			if canceled(ctx) {
				yield(record.Record{}, ctx.Err())
				return
			}
			v, ok := lookup(rec, cmdField)
			if !ok || v.Text() == "" {
				continue
			}
			t, ok := rec.EventTime(opts.TimeField)
			if !ok {
				continue
			}
			if len(events) >= opts.MaxEvents {
				yield(record.Record{}, fmt.Errorf("%w: more than %d", ErrTooManyEvents, opts.MaxEvents))
				return
			}
			parts := make([]string, len(keys))
			for i, k := range keys {
				if kv, ok := lookup(rec, k); ok {
					parts[i] = kv.Text()
				}
			}
			events = append(events, session.Event{Key: strings.Join(parts, "|"), Time: t, Cmd: session.ParseCommandLine(v.Text())})
		}
		sessions := session.Sessionize(events, opts.Sessionize)
		if len(sessions) == 0 {
			return
		}
		m, err := session.Train(sessions, opts.Level)
		if err != nil {
			yield(record.Record{}, err)
			return
		}
		for i, s := range session.Rank(m, sessions, opts.Window) {
			var window []string
			if s.RarestStart >= 0 {
				for _, c := range s.Cmds[s.RarestStart : s.RarestStart+opts.Window] {
					window = append(window, c.Name)
				}
			}
			r := record.New(
				record.Field{Name: "rank", Value: record.Int(int64(i + 1))},
				record.Field{Name: "key", Value: record.String(s.Key)},
				record.Field{Name: "start", Value: record.Time(s.Start)},
				record.Field{Name: "end", Value: record.Time(s.End)},
				record.Field{Name: "events", Value: record.Int(int64(len(s.Cmds)))},
				record.Field{Name: "rarest_window", Value: record.Strings(window...)},
				record.Field{Name: "rarest_window_likelihood", Value: record.Float(s.RarestLikeness)},
				record.Field{Name: "geometric_mean", Value: record.Float(s.GeometricMean)},
			)
			if !yield(r, nil) {
				return
			}
		}
	}
}
