package pipeline

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"

	"github.com/hunchsec/hunch/ioc"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/unpack"
)

// Unique says which repeated indicators Extract drops.
type Unique int

// Uniqueness modes.
const (
	UniqueNone   Unique = iota // every occurrence
	UniqueRecord               // each (type, value) once per input record
	UniqueGlobal               // each (type, value) once per stream
)

// ParseUnique parses "none", "record" or "global".
func ParseUnique(s string) (Unique, error) {
	switch s {
	case "", "none":
		return UniqueNone, nil
	case "record":
		return UniqueRecord, nil
	case "global":
		return UniqueGlobal, nil
	}
	return 0, fmt.Errorf("unknown uniqueness %q: use none, record or global", s)
}

// DefaultMaxUnique bounds the memory of UniqueGlobal: the number of distinct (type, value) pairs remembered.
const DefaultMaxUnique = 1_000_000

// ErrUniqueLimit is reported (once, in place of a record) when UniqueGlobal has remembered
// MaxUnique values; from then on new values are still emitted but repeats of them are not dropped.
var ErrUniqueLimit = errors.New("unique-value limit reached")

// ExtractOptions configures Extract.
type ExtractOptions struct {
	// Extractor finds the indicators; nil means ioc's default extractor.
	Extractor *ioc.Extractor
	// Fields names the fields to scan (dotted names reach into nested objects). Empty means
	// every string in the record (for plain text input, that is _raw).
	Fields []string
	// Keep appends the input record's fields that were not scanned to every match record.
	Keep bool
	// Unique drops repeated indicators; MaxUnique bounds UniqueGlobal's memory (0 = DefaultMaxUnique).
	Unique    Unique
	MaxUnique int
	// Unpacker, when set, also decodes every blob in the scanned text and scans the decoded
	// text. Indicators seen only after decoding carry via=decoded and the blob's encoding chain;
	// an indicator already visible in the plain text of the same record is not repeated.
	Unpacker *unpack.Unpacker
	// Workers is the number of goroutines scanning records (≤ 1: the caller's goroutine). Output order
	// is input order either way.
	Workers int
}

// Match record fields, in output order.
const (
	FieldSource      = "source"      // input name (file, "-" for stdin)
	FieldRecord      = "record"      // 1-based input record number
	FieldField       = "field"       // field the indicator was found in
	FieldType        = "type"        // indicator type
	FieldValue       = "value"       // canonical (refanged, normalised) value
	FieldRaw         = "raw"         // text as found
	FieldStart       = "start"       // byte offset of raw in the field (in the decoded text when via=decoded)
	FieldEnd         = "end"         // byte offset after raw
	FieldDefanged    = "defanged"    // raw was defanged
	FieldRegistrable = "registrable" // eTLD+1 for domains, URL hosts and e-mail domains
	FieldFlags       = "ip_flags"    // private, loopback, documentation, …
	FieldWithin      = "within"      // "url" or "email" when the match is the host/domain part of one
	FieldVia         = "via"         // "decoded" when seen only after decoding
	FieldEncoding    = "encoding"    // the decoding chain, e.g. base64>gzip>utf16le
)

// Extract scans the records of in for indicators and yields one record per indicator found.
// Errors in the input stream are passed through in their place.
func Extract(ctx context.Context, in record.Stream, opts ExtractOptions) record.Stream {
	ex := opts.Extractor
	if ex == nil {
		var err error
		if ex, err = ioc.NewExtractor(ioc.Options{}); err != nil {
			return failed(err)
		}
	}
	// The ip_flags lists are shared between the goroutines through a pool of caches.
	flagPool := sync.Pool{New: func() any { return new(ipFlagLists) }}
	perRecord := func(rec record.Record, out []record.Record) []record.Record {
		flags := flagPool.Get().(*ipFlagLists)
		defer flagPool.Put(flags)
		return extractRecord(ex, opts, rec, out, flags)
	}
	s := mapOrdered(ctx, in, opts.Workers, perRecord)
	if opts.Unique != UniqueGlobal {
		return s
	}
	max := opts.MaxUnique
	if max <= 0 {
		max = DefaultMaxUnique
	}
	return func(yield func(record.Record, error) bool) {
		seen := make(map[typeValue]struct{})
		warned := false
		for rec, err := range s {
			if err != nil {
				if !yield(rec, err) {
					return
				}
				continue
			}
			k := keyOf(rec)
			if _, dup := seen[k]; dup {
				continue
			}
			if len(seen) < max {
				seen[k] = struct{}{}
			} else if !warned {
				warned = true
				if !yield(record.Record{}, fmt.Errorf("%w: %d distinct values remembered; later repeats are not dropped (raise --max-unique)", ErrUniqueLimit, max)) {
					return
				}
			}
			if !yield(rec, nil) {
				return
			}
		}
	}
}

type typeValue struct{ t, v string }

func keyOf(r record.Record) typeValue {
	t, _ := r.Get(FieldType)
	v, _ := r.Get(FieldValue)
	ts, _ := t.Str()
	vs, _ := v.Str()
	return typeValue{ts, vs}
}

// ExtractEncoded is Extract for a sink that takes rendered records (a record.EncodingWriter):
// the workers render their match records with enc as well as finding them, so rendering runs in
// parallel too and match records are never kept. It yields runs of rendered records in input
// order, and the errors Extract yields in the same places; the bytes are those enc renders for
// Extract's records. With UniqueGlobal the repeats are dropped in input order, after the
// workers, so the records are rendered on the caller's goroutine.
func ExtractEncoded(ctx context.Context, in record.Stream, opts ExtractOptions, enc *record.Encoder) iter.Seq2[Encoded, error] {
	if opts.Unique == UniqueGlobal {
		return mapEncoded(ctx, Extract(ctx, in, opts), 1, func() renderFunc {
			return func(rec record.Record, dst []byte) ([]byte, int) { return enc.AppendRecord(dst, rec), 1 }
		})
	}
	ex := opts.Extractor
	if ex == nil {
		var err error
		if ex, err = ioc.NewExtractor(ioc.Options{}); err != nil {
			return func(yield func(Encoded, error) bool) { yield(Encoded{}, err) }
		}
	}
	return mapEncoded(ctx, in, opts.Workers, func() renderFunc {
		// Each worker builds its match records, one at a time, in the same fields and renders
		// them at once: nothing of them outlives the call.
		var (
			slab  fieldSlab
			flags ipFlagLists
		)
		return func(rec record.Record, dst []byte) ([]byte, int) {
			sc := scratchPool.Get().(*scratch)
			defer sc.release()
			all := findAll(ex, opts, rec, sc)
			var kept []record.Field
			if opts.Keep && len(all) > 0 {
				kept = keptSource(sc, rec, opts.Fields)
			}
			for _, f := range all {
				slab.buf = slab.buf[:0]
				dst = enc.AppendRecord(dst, matchRecord(&slab, &flags, opts, rec, kept, f))
			}
			clear(slab.buf[:cap(slab.buf)]) // drop references to this record's strings
			return dst, len(all)
		}
	})
}

// found is one indicator found in a record, before it becomes a match record.
type found struct {
	field    string
	m        ioc.Match
	via      string
	encoding string
}

// scratch is the working memory of finding the indicators of one record, reused across records
// through scratchPool.
type scratch struct {
	fields  []textField
	matches []ioc.Match
	all     []found
	plain   map[typeValue]struct{}
	decoded map[typeValue]struct{}
	kept    []record.Field // with Keep: the match field names, then the source's fields as kept
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{plain: make(map[typeValue]struct{}), decoded: make(map[typeValue]struct{})}
}}

// maxKeptMap is the most values a scratch map may have held and still be cleared for reuse.
const maxKeptMap = 256

// release drops the references to the last record's strings and returns sc to scratchPool.
func (sc *scratch) release() {
	clear(sc.all)
	clear(sc.fields)
	clear(sc.kept)
	sc.kept = sc.kept[:0]
	// Clearing costs what the map once held: a map grown by one large record is replaced.
	if len(sc.plain) > maxKeptMap || len(sc.decoded) > maxKeptMap {
		sc.plain, sc.decoded = make(map[typeValue]struct{}), make(map[typeValue]struct{})
	} else {
		clear(sc.plain)
		clear(sc.decoded)
	}
	sc.fields, sc.matches, sc.all = sc.fields[:0], sc.matches[:0], sc.all[:0]
	scratchPool.Put(sc)
}

func extractRecord(ex *ioc.Extractor, opts ExtractOptions, rec record.Record, out []record.Record, flags *ipFlagLists) []record.Record {
	sc := scratchPool.Get().(*scratch)
	defer sc.release()
	all := findAll(ex, opts, rec, sc)
	if len(all) == 0 {
		return out
	}
	// One allocation holds the fields of every match record of this input record.
	width := matchFields
	if opts.Keep {
		width += rec.Len()
	}
	slab := fieldSlab{buf: make([]record.Field, 0, width*len(all))}
	var kept []record.Field
	if opts.Keep {
		kept = keptSource(sc, rec, opts.Fields)
	}
	for _, f := range all {
		out = append(out, matchRecord(&slab, flags, opts, rec, kept, f))
	}
	return out
}

// keptSource works out once per input record the source fields every match record of it
// carries with Keep, renamed as appendSource renames them after the match fields (the same
// names in every match record), in sc's memory.
func keptSource(sc *scratch, src record.Record, skip []string) []record.Field {
	names := sc.kept[:0]
	for _, n := range matchFieldNames() {
		names = append(names, record.Field{Name: n})
	}
	r := record.WithFields(names)
	appendSource(&r, src, skip)
	sc.kept = r.Fields()
	return sc.kept[matchFields:]
}

// matchFieldNames are the names of the fields matchRecord writes, in order.
func matchFieldNames() [matchFields]string {
	return [matchFields]string{FieldSource, FieldRecord, FieldField, FieldType, FieldValue, FieldRaw, FieldStart, FieldEnd,
		FieldDefanged, FieldRegistrable, FieldFlags, FieldWithin, FieldVia, FieldEncoding}
}

// findAll returns the indicators of rec in output order, in sc's memory.
func findAll(ex *ioc.Extractor, opts ExtractOptions, rec record.Record, sc *scratch) []found {
	sc.fields = texts(rec, opts.Fields, sc.fields[:0])
	fields := sc.fields
	var plain map[typeValue]struct{}
	if opts.Unique == UniqueRecord || opts.Unpacker != nil {
		plain = sc.plain
	}
	matches, all := sc.matches[:0], sc.all[:0]
	defer func() { sc.matches, sc.all = matches, all }()
	for _, tf := range fields {
		matches = ex.AppendMatchesString(matches[:0], tf.text)
		for _, m := range matches {
			if plain != nil {
				k := typeValue{string(m.Type), m.Value}
				if _, dup := plain[k]; dup && opts.Unique == UniqueRecord {
					continue
				}
				plain[k] = struct{}{}
			}
			all = append(all, found{field: tf.name, m: m})
		}
	}
	if opts.Unpacker != nil {
		decoded := sc.decoded
		for _, tf := range fields {
			res := opts.Unpacker.Unpack(tf.text)
			for _, b := range res.Blobs {
				if b.Text == "" {
					continue
				}
				matches = ex.AppendMatchesString(matches[:0], b.Text)
				encoding := ""
				for _, m := range matches {
					k := typeValue{string(m.Type), m.Value}
					if _, inPlain := plain[k]; inPlain {
						continue
					}
					if _, dup := decoded[k]; dup && opts.Unique == UniqueRecord {
						continue
					}
					decoded[k] = struct{}{}
					if encoding == "" {
						encoding = b.Encoding()
					}
					all = append(all, found{field: tf.name, m: m, via: "decoded", encoding: encoding})
				}
			}
		}
	}
	return all
}

// ipFlagLists holds one ip_flags value per set of flags seen, shared by every match record
// with those flags (values are immutable), so a flagged IP costs no allocation. Each goroutine
// keeps its own.
type ipFlagLists map[ioc.IPFlags]record.Value

func (l *ipFlagLists) value(f ioc.IPFlags) record.Value {
	if f == 0 {
		return record.Strings() // an empty list, without allocating
	}
	if v, ok := (*l)[f]; ok {
		return v
	}
	if *l == nil {
		*l = make(ipFlagLists)
	}
	v := record.Strings(f.Strings()...)
	(*l)[f] = v
	return v
}

// matchFields is the number of fields matchRecord writes before the source record's.
const matchFields = 14

func matchRecord(slab *fieldSlab, flags *ipFlagLists, opts ExtractOptions, src record.Record, kept []record.Field, f found) record.Record {
	m := &f.m
	n := matchFields
	if opts.Keep {
		n += src.Len()
	}
	r := record.WithFields(append(slab.take(n),
		record.Field{Name: FieldSource, Value: record.String(src.Meta.Source)},
		record.Field{Name: FieldRecord, Value: record.Int(int64(src.Meta.N))},
		record.Field{Name: FieldField, Value: record.String(f.field)},
		record.Field{Name: FieldType, Value: record.String(string(m.Type))},
		record.Field{Name: FieldValue, Value: record.String(m.Value)},
		record.Field{Name: FieldRaw, Value: record.String(m.Raw)},
		record.Field{Name: FieldStart, Value: record.Int(int64(m.Start))},
		record.Field{Name: FieldEnd, Value: record.Int(int64(m.End))},
		record.Field{Name: FieldDefanged, Value: record.Bool(m.Defanged)},
		record.Field{Name: FieldRegistrable, Value: record.String(m.Registrable)},
		record.Field{Name: FieldFlags, Value: flags.value(m.IPFlags)},
		record.Field{Name: FieldWithin, Value: record.String(string(m.Within))},
		record.Field{Name: FieldVia, Value: record.String(f.via)},
		record.Field{Name: FieldEncoding, Value: record.String(f.encoding)},
	))
	r.Meta = src.Meta
	for _, k := range kept {
		r.Append(k.Name, k.Value)
	}
	return r
}
