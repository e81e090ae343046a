package cli

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/enrich/providers"
	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/stix"
	"github.com/hunchsec/hunch/taxii"
)

// taxiiFlags are the flags of `hunch intel taxii pull`.
type taxiiFlags struct {
	db           string
	collection   string
	addedAfter   string
	user         string
	key          string
	keyHeader    bool
	pageSize     int
	maxObjects   int
	timeout      time.Duration
	maxResponse  byteSize
	insecureRoot bool
}

func newIntelTaxiiCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "taxii", Short: "Pull TAXII 2.1 collections into the intel store"}
	f := &taxiiFlags{}
	pull := &cobra.Command{
		Use:   "pull URL --collection ID",
		Short: "Pull a TAXII 2.1 collection in as events (a feed)",
		Long: `pull reads a collection of a TAXII 2.1 server — URL is its discovery endpoint (…/taxii2/,
whose default API root is used) or an API root — page by page, reads its STIX 2.1 objects into
MISP events (indicators' patterns, observed data, reports as events, galaxy objects as tags) and
saves them: an event whose uuid is stored is applied as an edit when it is newer, and left alone
otherwise. The last date_added pulled is remembered per API root and collection, so the next pull
asks only for newer objects; --added-after overrides it.

The credential is --key (default env:HUNCH_TAXII_KEY; env:NAME and file:PATH are read, so it need
not be on the command line), sent as the password of HTTP Basic authentication with --user, or as
the Authorization header with --key-header (hunch's and MISP's API keys). Objects not imported
are counted by reason; events the store refuses are reported and make the exit status 3.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.collection == "" {
				return usagef("pull needs --collection ID")
			}
			if f.pageSize < 0 || f.maxObjects < 0 || f.timeout < 0 || f.maxResponse < 0 {
				return usagef("--page-size, --max-objects, --timeout and --max-response must not be negative")
			}
			var since time.Time
			if f.addedAfter != "" {
				t, err := time.Parse(time.RFC3339Nano, f.addedAfter)
				if err != nil {
					return usagef("--added-after %q: want an RFC 3339 time, e.g. 2024-01-31T00:00:00Z", f.addedAfter)
				}
				since = t
			}
			return e.withIntel(f.db, func(svc *intel.Service) error { return e.taxiiPull(svc, f, args[0], since) })
		},
	}
	dbFlag(pull, &f.db)
	fl := pull.Flags()
	fl.StringVar(&f.collection, "collection", "", "id (or alias) of the collection to pull")
	fl.StringVar(&f.addedAfter, "added-after", "", "pull objects added after this time (default: after the last pull)")
	fl.StringVar(&f.user, "user", "hunch", "user name sent with the key as HTTP Basic password")
	fl.StringVar(&f.key, "key", "env:HUNCH_TAXII_KEY", "credential: env:NAME, file:PATH or the key itself")
	fl.BoolVar(&f.keyHeader, "key-header", false, "send the key as the Authorization header instead of HTTP Basic")
	fl.IntVar(&f.pageSize, "page-size", 0, "objects asked for per page (default: the server's)")
	fl.IntVar(&f.maxObjects, "max-objects", intel.DefaultTAXIIMaxObjects, "most objects one pull reads (held in memory)")
	fl.DurationVar(&f.timeout, "timeout", taxii.DefaultTimeout, "time limit of each request")
	f.maxResponse = taxii.DefaultMaxResponseBytes
	fl.Var(&f.maxResponse, "max-response", "largest reply read, e.g. 64MiB")
	cmd.AddCommand(pull)
	return cmd
}

func (e *env) taxiiPull(svc *intel.Service, f *taxiiFlags, rawURL string, since time.Time) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("URL %q: want the http(s) URL of a TAXII discovery endpoint or API root", rawURL)
	}
	key, err := providers.Secret(f.key).Resolve(e.getenv)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	opts := taxii.Options{HTTPClient: e.httpClient(), Timeout: f.timeout, MaxResponseBytes: int64(f.maxResponse),
		UserAgent: "hunch/" + ver()}
	if f.keyHeader {
		opts.Key = key
	} else {
		opts.User, opts.Password = f.user, key
	}
	c := taxii.New(opts)
	root, err := apiRootOf(e, c, rawURL)
	if err != nil {
		return err
	}
	res, err := svc.PullTAXII(e.ctx, intel.TAXIIPull{Client: c, APIRoot: root, Collection: f.collection, AddedAfter: since,
		PageSize: f.pageSize, MaxObjects: f.maxObjects, As: func(ev *misp.Event) (acl.User, error) { return importer(e, svc, ev) }})
	if err != nil {
		return err
	}
	for _, msg := range res.Failures {
		fmt.Fprintf(e.stderr, "hunch: %s\n", msg)
	}
	skipped := 0
	var reasons []string
	for _, r := range slices.Sorted(maps.Keys(res.Skipped)) {
		skipped += res.Skipped[r]
		reasons = append(reasons, fmt.Sprintf("%d: %s", res.Skipped[r], r))
	}
	if e.verbose > 0 {
		for _, r := range reasons {
			fmt.Fprintf(e.stderr, "hunch: objects not imported, %s\n", r)
		}
	}
	w, err := e.writer()
	if err != nil {
		return err
	}
	stamp := func(t time.Time) record.Value {
		if t.IsZero() {
			return record.String("")
		}
		return record.String(t.UTC().Format(time.RFC3339Nano))
	}
	if err := w.Write(record.New(
		record.Field{Name: "api_root", Value: record.String(root)},
		record.Field{Name: "collection", Value: record.String(f.collection)},
		record.Field{Name: "since", Value: stamp(res.Since)},
		record.Field{Name: "last", Value: stamp(res.Last)},
		record.Field{Name: "pages", Value: record.Int(int64(res.Pages))},
		record.Field{Name: "objects", Value: record.Int(int64(res.Objects))},
		record.Field{Name: "events", Value: record.Int(int64(res.Events))},
		record.Field{Name: "added", Value: record.Int(int64(res.Added))},
		record.Field{Name: "updated", Value: record.Int(int64(res.Updated))},
		record.Field{Name: "unchanged", Value: record.Int(int64(res.Unchanged))},
		record.Field{Name: "failed", Value: record.Int(int64(res.Failed))},
		record.Field{Name: "objects_skipped", Value: record.Int(int64(skipped))},
	)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if res.Failed > 0 {
		return errPartial
	}
	return nil
}

// apiRootOf finds the API root of a URL: the default (or only) API root of a discovery endpoint, or the URL
// itself when it is an API root.
func apiRootOf(e *env, c *taxii.Client, rawURL string) (string, error) {
	d, derr := c.Discover(e.ctx, rawURL)
	if derr == nil && len(d.APIRoots) > 0 {
		if d.Default != "" {
			return d.Default, nil
		}
		if len(d.APIRoots) == 1 {
			return d.APIRoots[0], nil
		}
		return "", usagef("%s lists %d API roots and no default: give one of them as URL (%s)", rawURL, len(d.APIRoots),
			strings.Join(d.APIRoots, ", "))
	}
	if _, err := c.APIRoot(e.ctx, rawURL); err != nil {
		if derr != nil {
			return "", fmt.Errorf("%s is neither a TAXII discovery endpoint nor an API root: %w", rawURL, err)
		}
		return "", err
	}
	return rawURL, nil
}

func ver() string { v, _ := buildVersion(); return v }

// decodeSTIX reads a STIX 2.1 bundle into events for `hunch intel import --format stix2`, reporting on stderr how
// many objects were not imported and why.
func (e *env) decodeSTIX(name string, data []byte, cluster func(string, string) (string, bool)) ([]*misp.Event, error) {
	res, err := stix.ParseBundle(data, stix.ParseOptions{Cluster: cluster})
	if err != nil {
		return nil, err
	}
	reasons := res.SkippedReasons()
	for _, r := range slices.Sorted(maps.Keys(reasons)) {
		fmt.Fprintf(e.stderr, "hunch: %s: %d STIX objects not imported: %s\n", name, reasons[r], r)
	}
	return res.Events, nil
}
