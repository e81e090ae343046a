package pipeline

import (
	"context"
	"iter"
	"sync"

	"github.com/hunchsec/hunch/record"
)

// item is one element of a stream: a record or an error in its place.
type item struct {
	rec record.Record
	err error
}

// batchSize is how many input records a worker takes at a time: large enough to amortise the
// hand-offs (a batch of text lines takes a worker about 2 ms; at 256 records the waits for the
// reading goroutine left the second core idle a tenth of the time), small enough that memory
// stays bounded (workers × 2 batches in flight).
const batchSize = 1024

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
		// A batch's result: fn's records, appended in place, and the input errors with the
		// number of records that come before each.
		type placedErr struct {
			at  int
			err error
		}
		type result struct {
			recs []record.Record
			errs []placedErr
		}
		// The record slices go round: the consumer hands each back once it has yielded it.
		free := make(chan []record.Record, 2*workers+1)
		newWorker := func() func([]item) result {
			return func(batch []item) result {
				var res result
				select {
				case res.recs = <-free:
				default:
					res.recs = make([]record.Record, 0, 4*len(batch))
				}
				for _, it := range batch {
					if it.err != nil {
						res.errs = append(res.errs, placedErr{len(res.recs), it.err})
						continue
					}
					res.recs = fn(it.rec, res.recs)
				}
				return res
			}
		}
		emit := func(res result) bool {
			next := 0
			for _, e := range res.errs {
				for ; next < e.at; next++ {
					if !yield(res.recs[next], nil) {
						return false
					}
				}
				if !yield(record.Record{}, e.err) {
					return false
				}
			}
			for ; next < len(res.recs); next++ {
				if !yield(res.recs[next], nil) {
					return false
				}
			}
			clear(res.recs) // drop references to the records yielded
			select {
			case free <- res.recs[:0]:
			default:
			}
			return true
		}
		if err := runOrdered(ctx, in, workers, newWorker, emit); err != nil {
			yield(record.Record{}, err)
		}
	}
}

// runOrdered reads in on its own goroutine in batches of batchSize, lets workers goroutines turn
// each batch into a result with the function newWorker gives each of them, and calls emit with
// the results in input order on the caller's goroutine, until emit returns false. It returns
// ctx's error when ctx is cancelled before the end, nil otherwise. At most 2×workers batches
// are in flight.
func runOrdered[R any](ctx context.Context, in record.Stream, workers int, newWorker func() func([]item) R, emit func(R) bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type job struct {
		in   []item
		done chan R
	}
	jobs := make(chan job)
	order := make(chan chan R, 2*workers)
	// Input batches go round too: a worker hands each back once it has turned it into a result.
	batches := make(chan []item, 2*workers+1)
	newBatch := func() []item {
		select {
		case b := <-batches:
			return b
		default:
			return make([]item, 0, batchSize)
		}
	}

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work := newWorker()
			for j := range jobs {
				j.done <- work(j.in)
				clear(j.in) // drop references to the input records
				select {
				case batches <- j.in[:0]:
				default:
				}
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
		batch := newBatch()
		send := func() bool {
			j := job{in: batch, done: make(chan R, 1)}
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
			batch = newBatch()
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
	var err error
	for done := range order {
		if stopped {
			continue // drain so the producer and workers can finish
		}
		var out R
		select {
		case out = <-done:
		case <-ctx.Done(): // the caller's context: our own cancel comes only after stopped is set
			stopped = true
			err = ctx.Err()
			continue
		}
		if !emit(out) {
			stopped = true
			cancel()
		}
	}
	if !stopped && ctx.Err() != nil {
		err = ctx.Err()
	}
	return err
}

// Encoded is a run of consecutive output records rendered by a record.Encoder, as a
// record.EncodingWriter's WriteEncoded takes them.
type Encoded struct {
	// Data holds the N renderings, concatenated in order. It is valid only until the loop body
	// that received it returns; the buffer is then reused.
	Data []byte
	N    int
}

// renderFunc appends the rendering of the output records of one input record to dst and
// returns dst and the number of records rendered.
type renderFunc func(rec record.Record, dst []byte) ([]byte, int)

// flushSize is how many rendered bytes the single-goroutine path of mapEncoded gathers before
// it yields them.
const flushSize = 64 << 10

// mapEncoded is mapOrdered for a sink that takes rendered records: each worker (made by
// newRender, one per goroutine) renders the outputs of its records itself, so rendering runs in
// parallel too, and the caller receives runs of rendered records in input order. Errors in the
// input stream pass through in their place. The rendering buffers are recycled.
func mapEncoded(ctx context.Context, in record.Stream, workers int, newRender func() renderFunc) iter.Seq2[Encoded, error] {
	if workers <= 1 {
		return func(yield func(Encoded, error) bool) {
			render := newRender()
			var buf []byte
			n := 0
			flush := func() bool {
				if n == 0 {
					return true
				}
				ok := yield(Encoded{Data: buf, N: n}, nil)
				buf, n = buf[:0], 0
				return ok
			}
			for rec, err := range in {
				if err != nil {
					if !flush() || !yield(Encoded{}, err) {
						return
					}
					continue
				}
				if canceled(ctx) {
					if flush() {
						yield(Encoded{}, ctx.Err())
					}
					return
				}
				var k int
				buf, k = render(rec, buf)
				n += k
				if len(buf) >= flushSize && !flush() {
					return
				}
			}
			flush()
		}
	}
	return func(yield func(Encoded, error) bool) {
		// A batch's result: its rendered bytes and where its runs end, each run followed by
		// the error that interrupted it (nil for the last).
		type run struct {
			end, n int
			err    error
		}
		type result struct {
			buf  []byte
			runs []run
		}
		free := make(chan []byte, 2*workers+1)
		newWorker := func() func([]item) result {
			render := newRender()
			return func(batch []item) result {
				var buf []byte
				select {
				case buf = <-free:
				default:
				}
				var runs []run
				n := 0
				for _, it := range batch {
					if it.err != nil {
						runs = append(runs, run{end: len(buf), n: n, err: it.err})
						n = 0
						continue
					}
					var k int
					buf, k = render(it.rec, buf)
					n += k
				}
				return result{buf: buf, runs: append(runs, run{end: len(buf), n: n})}
			}
		}
		emit := func(res result) bool {
			start := 0
			for _, r := range res.runs {
				if r.n > 0 && !yield(Encoded{Data: res.buf[start:r.end], N: r.n}, nil) {
					return false
				}
				start = r.end
				if r.err != nil && !yield(Encoded{}, r.err) {
					return false
				}
			}
			select {
			case free <- res.buf[:0]:
			default:
			}
			return true
		}
		if err := runOrdered(ctx, in, workers, newWorker, emit); err != nil {
			yield(Encoded{}, err)
		}
	}
}
