package enrich

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/hunchsec/hunch/ioc"
)

// DefaultConcurrency is how many batches of one provider are in flight at once when its Source
// does not say.
const DefaultConcurrency = 4

// Source is a provider as the engine runs it, with the settings that come from configuration.
type Source struct {
	Provider    Provider
	Reliability Reliability // unset: DefaultReliability
	Concurrency int         // batches in flight at once; ≤ 0: DefaultConcurrency
	TTL         TTL         // cache lifetime by verdict; zero fields: DefaultTTL's
	// NoCache keeps this provider's answers out of the cache: for local sources that answer as
	// fast as the cache and whose data may change at any moment (a list file edited).
	NoCache bool
}

// Options configures an Engine.
type Options struct {
	Sources []Source
	// Cache, when set, answers repeated lookups and keeps new answers.
	Cache *Cache
	Clock Clock
	// MinReliability: only providers at or above it count towards the combined verdict (unset: all).
	MinReliability Reliability
	// Progress, when set, is called after each (indicator, provider) answer with the number done
	// and the total of the current Lookup. Calls may come from several goroutines, one at a time.
	Progress func(done, total int)
	// Logger receives cache errors (which never fail a lookup). Nil: discarded.
	Logger *slog.Logger
}

// Engine looks indicators up in every applicable provider and combines the answers.
// Safe for concurrent use.
type Engine struct {
	sources []Source
	byName  map[string]int
	cache   *Cache
	clock   Clock
	min     Reliability
	prog    func(done, total int)
	log     *slog.Logger
	progMu  sync.Mutex
}

// New checks the options and returns an engine.
func New(o Options) (*Engine, error) {
	e := &Engine{cache: o.Cache, clock: clockOr(o.Clock), min: o.MinReliability, prog: o.Progress,
		log: o.Logger, byName: map[string]int{}}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for _, s := range o.Sources {
		if s.Provider == nil {
			return nil, fmt.Errorf("enrich: a source has no provider")
		}
		name := s.Provider.Name()
		if _, dup := e.byName[name]; dup {
			return nil, fmt.Errorf("enrich: provider %q configured twice", name)
		}
		if s.Reliability == ReliabilityUnset {
			s.Reliability = DefaultReliability
		}
		if s.Concurrency <= 0 {
			s.Concurrency = DefaultConcurrency
		}
		e.byName[name] = len(e.sources)
		e.sources = append(e.sources, s)
	}
	return e, nil
}

// Providers returns the names of the engine's providers, in configuration order.
func (e *Engine) Providers() []string {
	out := make([]string, len(e.sources))
	for i, s := range e.sources {
		out[i] = s.Provider.Name()
	}
	return out
}

// LookupOptions narrows one Lookup.
type LookupOptions struct {
	// Providers names the providers to ask (empty: all).
	Providers []string
	// NoCache neither reads nor writes the cache; Refresh skips reading it but keeps new answers.
	NoCache, Refresh bool
}

// Report is everything the providers said about one indicator.
type Report struct {
	Indicator Indicator `json:"indicator"`
	// Verdict is the combined verdict (see Combine); DecidedBy names the provider credited with it.
	Verdict   Verdict  `json:"verdict"`
	DecidedBy string   `json:"decided_by,omitempty"`
	Results   []Result `json:"results"`
}

// Combine computes the combined verdict: the highest verdict among the successful answers of
// providers whose reliability is at least min (unset min: every provider). Among the providers
// giving that verdict the most reliable is credited, the first in configuration order on a tie.
// Failed lookups and providers below min never count; with no qualifying answer the verdict is
// Unknown and nobody is credited.
func Combine(results []Result, min Reliability) (Verdict, string) {
	best, by, byRel := Unknown, "", ReliabilityUnset
	for _, r := range results {
		if r.Err != nil || r.Reliability < min || r.Verdict == Unknown {
			continue
		}
		if r.Verdict > best || (r.Verdict == best && r.Reliability > byRel) {
			best, by, byRel = r.Verdict, r.Provider, r.Reliability
		}
	}
	return best, by
}

// Lookup asks every selected provider that supports an indicator's type about it and returns one
// Report per indicator, in input order. Identical indicators are looked up once. Every
// (indicator, provider) pair yields a Result — failures and cancellation included — so nothing is
// dropped silently. The error is only for bad options (an unknown provider name).
func (e *Engine) Lookup(ctx context.Context, inds []Indicator, o LookupOptions) ([]Report, error) {
	sel, err := e.selected(o.Providers)
	if err != nil {
		return nil, err
	}
	// Distinct indicators, and the slot of each input in them.
	index := make(map[Indicator]int, len(inds))
	uniq := make([]Indicator, 0, len(inds))
	slot := make([]int, len(inds))
	for i, ind := range inds {
		j, ok := index[ind]
		if !ok {
			j = len(uniq)
			index[ind] = j
			uniq = append(uniq, ind)
		}
		slot[i] = j
	}
	// results[j] holds one entry per selected provider supporting uniq[j]'s type, in source
	// order, all cut from one slab.
	type pending struct {
		src  int
		todo []int // positions in uniq
		at   []int // positions in the slab
	}
	work := make([]pending, len(sel))
	count := make([]int32, len(uniq)+1)
	for w, si := range sel {
		work[w].src = si
		types := e.sources[si].Provider.Types()
		for j, ind := range uniq {
			if slices.Contains(types, ind.Type) {
				work[w].todo = append(work[w].todo, j)
				count[j+1]++
			}
		}
	}
	for j := range uniq { // count becomes the start of each indicator's results
		count[j+1] += count[j]
	}
	slab := make([]Result, count[len(uniq)])
	fill := make([]int32, len(uniq))
	total := 0
	for w := range work {
		p := &work[w]
		p.at = make([]int, len(p.todo))
		for k, j := range p.todo {
			p.at[k] = int(count[j] + fill[j])
			fill[j]++
			slab[p.at[k]].Indicator = uniq[j]
		}
		total += len(p.todo)
	}
	var done atomic.Int64
	progress := func(n int) {
		if e.prog == nil || n == 0 {
			return
		}
		d := done.Add(int64(n))
		e.progMu.Lock()
		e.prog(int(d), total)
		e.progMu.Unlock()
	}
	var wg sync.WaitGroup
	for _, p := range work {
		wg.Go(func() {
			e.run(ctx, p.src, uniq, p.todo, o, progress, func(k int, r Result) {
				slab[p.at[k]] = r
			})
		})
	}
	wg.Wait()
	out := make([]Report, len(inds))
	for i, j := range slot {
		rs := slab[count[j]:count[j+1]:count[j+1]]
		v, by := Combine(rs, e.min)
		out[i] = Report{Indicator: uniq[j], Verdict: v, DecidedBy: by, Results: rs}
	}
	return out, nil
}

func (e *Engine) selected(names []string) ([]int, error) {
	if len(names) == 0 {
		out := make([]int, len(e.sources))
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	var out []int
	for _, n := range names {
		i, ok := e.byName[n]
		if !ok {
			return nil, fmt.Errorf("unknown provider %q (configured: %v)", n, e.Providers())
		}
		if !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out, nil
}

// run answers todo (positions in uniq) from provider si: cache first, then batches on
// Concurrency goroutines. set(k, r) stores the answer for todo[k].
func (e *Engine) run(ctx context.Context, si int, uniq []Indicator, todo []int, o LookupOptions,
	progress func(int), set func(k int, r Result)) {
	src := e.sources[si]
	name := src.Provider.Name()
	var miss []int // positions in todo
	if e.cache != nil && !o.NoCache && !o.Refresh && !src.NoCache {
		now := e.clock.Now()
		hits := 0
		for k, j := range todo {
			r, ok, err := e.cache.Get(ctx, name, uniq[j], now)
			if err != nil {
				e.log.Warn("cache read failed", "provider", name, "err", err)
			}
			if ok {
				r.Reliability = src.Reliability // configuration may have changed since
				set(k, r)
				hits++
				continue
			}
			miss = append(miss, k)
		}
		progress(hits)
	} else {
		miss = make([]int, len(todo))
		for k := range miss {
			miss[k] = k
		}
	}
	if len(miss) == 0 {
		return
	}
	size := 1
	if b, ok := src.Provider.(Batcher); ok && b.MaxBatch() > 1 {
		size = b.MaxBatch()
	}
	batches := make(chan []int)
	var wg sync.WaitGroup
	for range min(src.Concurrency, (len(miss)+size-1)/size) {
		wg.Go(func() {
			inds := make([]Indicator, 0, size)
			for b := range batches {
				inds = inds[:0]
				for _, k := range b {
					inds = append(inds, uniq[todo[k]])
				}
				rs := e.ask(ctx, src, inds, !o.NoCache && !src.NoCache)
				for n, k := range b {
					set(k, rs[n])
				}
				progress(len(b))
			}
		})
	}
	for start := 0; start < len(miss); start += size {
		batches <- miss[start:min(start+size, len(miss))]
	}
	close(batches)
	wg.Wait()
}

// ask sends one batch to a provider and completes its answers, keeping them in the cache when keep.
func (e *Engine) ask(ctx context.Context, src Source, inds []Indicator, keep bool) []Result {
	name := src.Provider.Name()
	var rs []Result
	if err := ctx.Err(); err != nil {
		rs = Fail(inds, fmt.Errorf("%s: %w", name, err))
	} else {
		rs = src.Provider.Lookup(ctx, inds)
		if len(rs) != len(inds) {
			rs = Fail(inds, fmt.Errorf("%s: %w: %d answers for %d indicators", name, ErrBadReply, len(rs), len(inds)))
		}
	}
	now := e.clock.Now()
	for n := range rs {
		r := &rs[n]
		r.Indicator = inds[n]
		r.Provider = name
		r.Reliability = src.Reliability
		r.Cached = false
		if r.Time.IsZero() {
			r.Time = now
		}
		if r.Err != nil {
			r.Verdict = Unknown
			continue
		}
		if e.cache != nil && keep {
			if err := e.cache.Put(ctx, *r, src.TTL.For(r.Verdict)); err != nil {
				e.log.Warn("cache write failed", "provider", name, "err", err)
			}
		}
	}
	return rs
}

// Supported reports whether any provider handles type t.
func (e *Engine) Supported(t ioc.Type) bool {
	for _, s := range e.sources {
		if slices.Contains(s.Provider.Types(), t) {
			return true
		}
	}
	return false
}
