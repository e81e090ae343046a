package cli

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/geoip"
	"github.com/hunchsec/hunch/ioc"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
)

func newLookupCmd(e *env) *cobra.Command {
	var (
		in         inputFlags
		ef         engineFlags
		field      string
		typeField  string
		keep       bool
		details    string
		minVerdict string
		noGeo      bool
		batch      int
	)
	cmd := &cobra.Command{
		Use:   "lookup [INDICATOR...] | lookup -f FIELD [FILE...]",
		Short: "Look indicators up in threat-intelligence providers, GeoIP and the cache",
		Long: `lookup asks every configured provider that handles an indicator's type, and combines
their answers into one verdict: unknown, benign, suspicious or malicious (XSOAR's DBotScore
scale). The combined verdict is the highest verdict among providers at or above
enrich.min_reliability, credited to the most reliable of them (decided_by).

Indicators come from the arguments, or, with -f, from a field of records read from files or
standard input (so 'hunch extract … | hunch lookup -f value' works). A record's type is taken
from its "type" field (--type-field) or detected from the value; defanged values are refanged.
Each distinct indicator is looked up once and yields one row: indicator, type, verdict,
decided_by and one column per provider with its verdict and summary; IP addresses also get
country, city, lat, lon, asn and as_org when GeoIP databases are configured. --keep instead
appends those fields to every input record. -o json and ndjson add "results": every
provider's full answer with its details and raw reply.

Answers are cached in the data directory (per verdict lifetimes, enrich.ttl). A provider that
fails for an indicator shows "error: …" in its column; the command then exits 3.
Providers are configured in hunch.yaml; 'hunch config check' tells which are usable.`,
		Example: `  hunch lookup 198.51.100.7 evil.example.com
  hunch extract --unpack -f CommandLine events.ndjson | hunch lookup -f value
  hunch lookup --providers virustotal,otx -o json 44d88612fea8a8f36de82e1278abb02f`,
		RunE: func(cmd *cobra.Command, args []string) error {
			minV := enrich.Unknown
			if minVerdict != "" {
				v, err := enrich.ParseVerdict(minVerdict)
				if err != nil {
					return usageError{err}
				}
				minV = v
			}
			wantDetails, err := detailsWanted(details, e.output, e.stdout)
			if err != nil {
				return err
			}
			progress, finish := e.progressBar()
			defer finish()
			eng, closeEngine, err := e.engine(&ef, progress)
			if err != nil {
				return err
			}
			defer closeEngine()
			var locate func(enrich.Indicator) []record.Field
			if !noGeo {
				db, err := e.geoDB()
				if err != nil {
					return fmt.Errorf("opening GeoIP databases: %w", err)
				}
				if db != nil {
					defer db.Close()
					locate = geoFields(db)
				}
			}
			var fails failures
			opts := pipeline.LookupOptions{Engine: eng, Lookup: enrich.LookupOptions{Providers: ef.providers, NoCache: ef.noCache, Refresh: ef.refresh},
				Field: field, TypeField: typeField, Keep: keep, Details: wantDetails, Batch: batch, Locate: locate, OnResult: fails.add}
			if len(ef.providers) > 0 {
				opts.Providers = ef.providers
			}
			if len(eng.Providers()) == 0 && locate == nil {
				return errors.New("no usable providers and no GeoIP databases: configure enrich.providers in hunch.yaml ('hunch config check' tells what is missing)")
			}
			filter := func(s record.Stream) record.Stream {
				s = pipeline.Lookup(e.ctx, s, opts)
				if minV == enrich.Unknown {
					return s
				}
				return filterVerdict(s, minV)
			}
			var runErr error
			if field == "" && len(args) > 0 {
				runErr = e.emit(filter(indicatorRecords(args)))
			} else {
				if field == "" {
					opts.Field = ""
				}
				runErr = e.transform(&in, args, filter)
			}
			finish()
			if err := fails.report(e.stderr); err != nil && runErr == nil {
				return err
			}
			return runErr
		},
	}
	in.register(cmd)
	ef.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&field, "field", "f", "", "field holding the indicator; the arguments are then files (default: value, indicator or _raw)")
	fl.StringVar(&typeField, "type-field", "type", "field holding the indicator's type (detected from the value when absent)")
	fl.BoolVar(&keep, "keep", false, "append the verdict fields to every input record instead of one row per indicator")
	fl.StringVar(&details, "details", "auto", "add every provider's full answer as \"results\": auto (with -o json/ndjson), always, never")
	fl.StringVar(&minVerdict, "min-verdict", "", "only rows whose combined verdict is at least this: benign, suspicious, malicious")
	fl.BoolVar(&noGeo, "no-geoip", false, "do not add GeoIP fields")
	fl.IntVar(&batch, "batch", pipeline.DefaultLookupBatch, "records gathered per round of lookups")
	return cmd
}

func detailsWanted(mode, output string, stdout io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		if output == "" {
			if _, tty := terminalFD(stdout); tty {
				return false, nil
			}
			return true, nil // ndjson when piped
		}
		return output == "json" || output == "ndjson", nil
	}
	return false, usagef("--details must be auto, always or never")
}

// emit writes a stream to the output writer.
func (e *env) emit(s record.Stream) error {
	w, err := e.writer()
	if err != nil {
		return err
	}
	for rec, err := range s {
		if err != nil {
			w.Close()
			return err
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	return w.Close()
}

// indicatorRecords turns command-line indicators into records with a "value" field.
func indicatorRecords(args []string) record.Stream {
	return func(yield func(record.Record, error) bool) {
		for i, a := range args {
			r := record.New(record.Field{Name: pipeline.FieldValue, Value: record.String(a)})
			r.Meta = record.Meta{Source: "args", N: i + 1}
			if !yield(r, nil) {
				return
			}
		}
	}
}

func filterVerdict(in record.Stream, min enrich.Verdict) record.Stream {
	return func(yield func(record.Record, error) bool) {
		for rec, err := range in {
			if err == nil {
				v, _ := rec.Get(pipeline.FieldVerdict)
				if got, perr := enrich.ParseVerdict(v.Text()); perr == nil && got < min {
					continue
				}
			}
			if !yield(rec, err) {
				return
			}
		}
	}
}

// geoFields adds the GeoIP columns to IP indicators (empty values for other types keep the columns aligned).
func geoFields(db *geoip.DB) func(enrich.Indicator) []record.Field {
	return func(ind enrich.Indicator) []record.Field {
		var loc geoip.Location
		if ind.Type == ioc.IPv4 || ind.Type == ioc.IPv6 {
			if a, err := netip.ParseAddr(ind.Value); err == nil {
				loc, _ = db.Lookup(a)
			}
		}
		fs := loc.Fields()
		out := make([]record.Field, len(fs))
		for i, f := range fs {
			out[i] = record.Field{Name: f.Name, Value: geoValue(f.Value)}
		}
		return out
	}
}

// geoValue converts a GeoIP field value (string, float64, int64 or nil) to a record value.
func geoValue(v any) record.Value {
	switch v := v.(type) {
	case string:
		return record.String(v)
	case float64:
		return record.Float(v)
	case int64:
		return record.Int(v)
	}
	return record.Null()
}

// failures counts failed provider answers by provider and message.
type failures struct {
	mu sync.Mutex
	n  map[string]int
}

func (f *failures) add(r enrich.Result) {
	if r.Err == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == nil {
		f.n = map[string]int{}
	}
	msg := r.Err.Error()
	if !strings.HasPrefix(msg, r.Provider) {
		msg = r.Provider + ": " + msg
	}
	f.n[msg]++
}

// report prints one line per distinct failure and returns errPartial when there were any.
func (f *failures) report(w io.Writer) error {
	if len(f.n) == 0 {
		return nil
	}
	msgs := make([]string, 0, len(f.n))
	total := 0
	for m, n := range f.n {
		msgs = append(msgs, m)
		total += n
	}
	sort.Strings(msgs)
	for _, m := range msgs {
		fmt.Fprintf(w, "hunch: lookup failed (%d×): %s\n", f.n[m], m)
	}
	fmt.Fprintf(w, "hunch: %d lookup(s) failed; their rows say why\n", total)
	return errPartial
}
