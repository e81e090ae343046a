package pipeline

import (
	"context"
	"sync"

	"github.com/hunchsec/hunch/record"
)

// item is one element of a stream: a record or an error in its place.
type item struct {
	rec record.Record
	err error
}

// batchSize is how many input records a worker takes at a time: large enough to amortise the
// hand-off, small enough that memory stays bounded (workers × 2 batches in flight).
const batchSize = 256

// mapOrdered applies fn to every record of in and yields fn's outputs in input order. Errors in
// the input stream pass through in their place. With workers ≤ 1 it runs on the caller's
// goroutine; otherwise fn runs on that many goroutines, and fn must be safe for concurrent use.
// Memory stays bounded: at most 2×workers batches are in flight.
func mapOrdered(ctx context.Context, in record.Stream, workers int, fn func(record.Record, []record.Record) []record.Record) record.Stream {
	if workers <= 1 {
		return func(yield func(record.Record, error) bool) {
			var out []record.Record
			for rec, err := range in {
				if err != nil {
					if !yield(record.Record{}, err) {
						return
					}
					continue
				}
				if canceled(ctx) {
					yield(record.Record{}, ctx.Err())
					return
				}
				out = fn(rec, out[:0])
				for _, o := range out {
					if !yield(o, nil) {
						return
					}
				}
			}
		}
	}
	return func(yield func(record.Record, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()

		type job struct {
			in   []item
			done chan []item
		}
		jobs := make(chan job)
		order := make(chan chan []item, 2*workers)

		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var scratch []record.Record
				for j := range jobs {
					out := make([]item, 0, len(j.in))
					for _, it := range j.in {
						if it.err != nil {
							out = append(out, it)
							continue
						}
						scratch = fn(it.rec, scratch[:0])
						for _, o := range scratch {
							out = append(out, item{rec: o})
						}
					}
					j.done <- out
				}
			}()
		}

		// The producer reads the input on its own goroutine and hands out batches; each batch's
		// result channel is queued in input order for the consumer below.
		go func() {
			defer func() {
				close(jobs)
				wg.Wait()
				close(order)
			}()
			batch := make([]item, 0, batchSize)
			send := func() bool {
				j := job{in: batch, done: make(chan []item, 1)}
				select {
				case order <- j.done:
				case <-ctx.Done():
					return false
				}
				select {
				case jobs <- j:
				case <-ctx.Done():
					return false
				}
				batch = make([]item, 0, batchSize)
				return true
			}
			for rec, err := range in {
				batch = append(batch, item{rec, err})
				if len(batch) == batchSize && !send() {
					return
				}
				if ctx.Err() != nil {
					return
				}
			}
			if len(batch) > 0 {
				send()
			}
		}()

		stopped := false
		for done := range order {
			if stopped {
				continue // drain so the producer and workers can finish
			}
			var out []item
			select {
			case out = <-done:
			case <-ctx.Done(): // the caller's context: our own cancel comes only after stopped is set
				stopped = true
				yield(record.Record{}, ctx.Err())
				continue
			}
			for _, it := range out {
				if !yield(it.rec, it.err) {
					stopped = true
					cancel()
					break
				}
			}
		}
		if !stopped && ctx.Err() != nil {
			yield(record.Record{}, ctx.Err())
		}
	}
}
