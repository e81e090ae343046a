package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/ioc"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
)

// Fields hunch rep adds beside the lookup's.
const (
	fieldDBotScore    = "dbot_score"      // the combined verdict as XSOAR's DBotScore: 0 unknown … 3 bad
	fieldIntelEvents  = "intel_events"    // intel store events holding the value
	fieldIntelIDS     = "intel_to_ids"    // whether any of those attributes is marked for detection
	fieldSightings    = "intel_sightings" // sightings of those attributes
	fieldWarninglists = "warninglists"    // enabled warninglists the value hits
	fieldFeeds        = "feeds"           // cached feeds holding the value
)

// repKinds are the sub-commands of hunch rep and the indicator types each accepts.
var repKinds = []struct {
	name  string
	types []ioc.Type
	what  string
}{
	{"ip", []ioc.Type{ioc.IPv4, ioc.IPv6}, "IP addresses"},
	{"url", []ioc.Type{ioc.URL}, "URLs"},
	{"domain", []ioc.Type{ioc.Domain}, "domain names"},
	{"file", []ioc.Type{ioc.MD5, ioc.SHA1, ioc.SHA256, ioc.SHA512}, "file hashes (MD5, SHA-1, SHA-256, SHA-512)"},
	{"email", []ioc.Type{ioc.Email}, "e-mail addresses"},
}

func newRepCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rep",
		Short: "Reputation of an IP, URL, domain, file hash or e-mail address: verdict, providers, location, what the intel store knows",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	for _, k := range repKinds {
		cmd.AddCommand(newRepKindCmd(e, k.name, k.types, k.what))
	}
	return cmd
}

func newRepKindCmd(e *env, name string, types []ioc.Type, what string) *cobra.Command {
	var (
		ef    engineFlags
		db    string
		noGeo bool
	)
	cmd := &cobra.Command{
		Use:   name + " VALUE...",
		Short: "Reputation of " + what,
		Long: `rep ` + name + ` answers for each value (defanged forms are refanged) with:
- verdict and dbot_score: the combined verdict of every configured provider, as 'hunch lookup'
  combines it, on XSOAR's DBotScore scale (0 unknown, 1 good, 2 suspicious, 3 bad), decided_by and
  one column per provider with its verdict and summary;
- for IP addresses, country, city, coordinates, ASN and AS organisation from the GeoIP databases;
- what the intel store knows: the events holding the value (intel_events), whether any of those
  attributes is marked for detection (intel_to_ids), their sightings, the enabled warninglists it
  hits and the cached feeds that list it.
A value that is not one of ` + what + ` is a usage error.`,
		Example: `  hunch rep ` + map[string]string{"ip": "ip 198.51.100.23 2001:db8::1", "url": "url 'hxxp://evil[.]example/a.ps1'",
			"domain": "domain c2.example.com", "file": "file 44d88612fea8a8f36de82e1278abb02f", "email": "email billing@example.net"}[name],
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("rep %s: give at least one value", name)
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			ex, err := ioc.NewExtractor(ioc.Options{})
			if err != nil {
				return err
			}
			in := make([]record.Record, 0, len(args))
			var values []intel.TypedValue
			for _, a := range args {
				t, canon, ok := pipeline.Classify(ex, a)
				if !ok || !slices.Contains(types, t) {
					got := "nothing hunch recognises"
					if ok {
						got = "a " + string(t)
					}
					return usagef("%q is %s, not one of %s", a, got, what)
				}
				in = append(in, record.New(record.Field{Name: pipeline.FieldValue, Value: record.String(canon)},
					record.Field{Name: pipeline.FieldType, Value: record.String(string(t))}))
				values = append(values, intel.TypedValue{Type: t.MISPType(), Value: canon})
			}
			rep, closeRep, err := e.reputer(&ef, !noGeo && name == "ip")
			if err != nil {
				return err
			}
			defer closeRep()
			var fails failures
			out, err := rep(e.ctx, in, fails.add)
			if err != nil {
				return err
			}
			err = e.withIntel(db, func(svc *intel.Service) error { return intelContext(e, svc, out, values) })
			if err != nil {
				return err
			}
			if err := e.emit(streamOf(out)); err != nil {
				return err
			}
			return fails.report(e.stderr)
		},
	}
	ef.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&db, "db", "", "intel store (default: the data directory's, or server.database)")
	fl.BoolVar(&noGeo, "no-geoip", false, "do not add GeoIP fields")
	return cmd
}

// reputer returns a function that looks records (value and type fields) up as hunch rep does —
// every configured provider, GeoIP when geo is set — and adds dbot_score; done releases it.
func (e *env) reputer(ef *engineFlags, geo bool) (rep func(ctx context.Context, in []record.Record, onResult func(enrich.Result)) ([]record.Record, error), done func(), err error) {
	eng, closeEngine, err := e.engine(ef, nil)
	if err != nil {
		return nil, nil, err
	}
	closers := []func(){closeEngine}
	done = func() {
		for _, c := range closers {
			c()
		}
	}
	var locate func(enrich.Indicator) []record.Field
	if geo {
		gdb, err := e.geoDB()
		if err != nil {
			done()
			return nil, nil, fmt.Errorf("opening GeoIP databases: %w", err)
		}
		if gdb != nil {
			closers = append(closers, func() { gdb.Close() })
			locate = geoFields(gdb)
		}
	}
	rep = func(ctx context.Context, in []record.Record, onResult func(enrich.Result)) ([]record.Record, error) {
		opts := pipeline.LookupOptions{Engine: eng, Lookup: enrich.LookupOptions{Providers: ef.providers, NoCache: ef.noCache, Refresh: ef.refresh},
			Locate: locate, OnResult: onResult}
		if len(ef.providers) > 0 {
			opts.Providers = ef.providers
		}
		var out []record.Record
		for rec, err := range pipeline.Lookup(ctx, streamOf(in), opts) {
			if err != nil {
				return nil, err
			}
			v, _ := rec.Get(pipeline.FieldVerdict)
			score, _ := enrich.ParseVerdict(v.Text())
			rec.Append(fieldDBotScore, record.Int(int64(score)))
			out = append(out, rec)
		}
		return out, nil
	}
	return rep, done, nil
}

// intelContext appends what the intel store knows of each value to its record.
func intelContext(e *env, svc *intel.Service, recs []record.Record, values []intel.TypedValue) error {
	plain := make([]string, len(values))
	for i, v := range values {
		plain[i] = v.Value
	}
	wl, err := svc.CheckValue(e.ctx, intel.System, plain)
	if err != nil {
		return err
	}
	feeds, err := svc.FeedHits(e.ctx, intel.System, values)
	if err != nil {
		return err
	}
	for i := range recs {
		body, _ := json.Marshal(map[string]any{"value": []string{values[i].Value}})
		q, err := intel.ParseSearch(body)
		if err != nil {
			return err
		}
		attrs, _ := svc.SearchAttributes(e.ctx, intel.System, q)
		events, toIDS, sightings := []string{}, false, 0
		for a, err := range attrs {
			if err != nil {
				return err
			}
			if id := strconv.FormatInt(int64(a.EventID), 10); !slices.Contains(events, id) {
				events = append(events, id)
			}
			toIDS = toIDS || a.ToIDS.Bool()
			s, err := svc.Sightings(e.ctx, intel.System, "attribute", strconv.FormatInt(int64(a.ID), 10))
			if err != nil {
				return err
			}
			sightings += len(s)
		}
		var lists, feedNames []string
		for _, h := range wl {
			if h.Value == values[i].Value {
				for _, x := range h.Hits {
					lists = append(lists, x.Name)
				}
			}
		}
		for _, f := range feeds[values[i]] {
			feedNames = append(feedNames, f.Name)
		}
		sort.Strings(lists)
		sort.Strings(feedNames)
		recs[i].Append(fieldIntelEvents, record.Strings(events...))
		recs[i].Append(fieldIntelIDS, record.Bool(toIDS))
		recs[i].Append(fieldSightings, record.Int(int64(sightings)))
		recs[i].Append(fieldWarninglists, record.Strings(lists...))
		recs[i].Append(fieldFeeds, record.Strings(feedNames...))
	}
	return nil
}

func streamOf(recs []record.Record) record.Stream {
	return func(yield func(record.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}
