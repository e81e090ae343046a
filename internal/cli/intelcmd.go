package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/store"
)

// defaultMaxImportBytes bounds one imported file unless --max-file-size says otherwise (the largest events
// MISP instances exchange are tens of megabytes).
const defaultMaxImportBytes = 1 << 30

func newIntelCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "intel",
		Short: "Import, search and export the intel store from the command line",
		Long: `intel works on the same store 'hunch serve' serves (the SQLite file in the data directory, or
PostgreSQL with --db), acting for the instance itself: it sees and may change everything.`,
	}
	cmd.AddCommand(newIntelImportCmd(e))
	cmd.AddCommand(newIntelSearchCmd(e), newIntelExportCmd(e), newIntelUpdateCmd(e))
	cmd.AddCommand(newIntelWarninglistCmd(e), newIntelEDLCmd(e))
	cmd.AddCommand(newIntelServerCmd(e))
	cmd.AddCommand(newIntelTaxiiCmd(e))
	cmd.AddCommand(newIntelFeedCmd(e))
	return cmd
}

// importFlags are the flags of `hunch intel import`.
type importFlags struct {
	db      string
	update  bool
	maxSize byteSize
	format  string
}

func newIntelImportCmd(e *env) *cobra.Command {
	f := &importFlags{}
	cmd := &cobra.Command{
		Use:   "import FILE…",
		Short: "Import MISP events from JSON files (- for stdin)",
		Long: `import reads MISP events in any of the shapes MISP and PyMISP write: {"Event": …},
{"response": [{"Event": …}, …]} (a restSearch answer), a JSON list of events, or one event per
line (NDJSON). Each event is saved with its attributes, objects, references, reports, tags and
galaxies. The creator organisation is kept; the owner is the host organisation (made on the first
'hunch serve'), or the creator when the instance has none yet.

An event whose uuid is stored already is skipped, or applied as an edit with --update (under
MISP's timestamp rule: one not newer than the stored copy is skipped). One line per file reports
what was imported; events that failed are reported on stderr and make the exit status 3.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("import needs at least one file (- for standard input)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.maxSize <= 0 {
				return usagef("--max-file-size must be positive")
			}
			if f.format != "misp" && f.format != "stix2" {
				return usagef("--format %q: want misp or stix2", f.format)
			}
			return e.withIntel(f.db, func(svc *intel.Service) error { return e.importFiles(svc, f, args) })
		},
	}
	dbFlag(cmd, &f.db)
	cmd.Flags().BoolVar(&f.update, "update", false, "apply events already stored as edits instead of skipping them")
	cmd.Flags().StringVar(&f.format, "format", "misp", "input format: misp (MISP JSON) or stix2 (a STIX 2.1 bundle: reports become events)")
	f.maxSize = defaultMaxImportBytes
	cmd.Flags().Var(&f.maxSize, "max-file-size", "largest file read, e.g. 2GiB (default 1GiB); a file holds all its events in memory")
	return cmd
}

// importTally counts what one file brought.
type importTally struct {
	events, attributes, objects, updated, skipped, failed int
	// warned counts the attributes saved whose values hit an enabled warninglist.
	warned int
}

func (e *env) importFiles(svc *intel.Service, f *importFlags, files []string) error {
	// Fail before importing anything when a file cannot be opened.
	for _, name := range files {
		if name == "-" {
			continue
		}
		fi, err := os.Stat(name)
		if err != nil {
			return fmt.Errorf("opening input: %w", err)
		}
		if fi.IsDir() {
			return fmt.Errorf("opening input: %s is a directory", name)
		}
	}
	w, err := e.writer()
	if err != nil {
		return err
	}
	partial := false
	// The next file is read and decoded while the events of this one are saved: on two cores a bulk import
	// takes the time of the saving alone.
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	var cluster func(string, string) (string, bool)
	if f.format == "stix2" {
		if cluster, err = svc.STIXClusterMatcher(ctx); err != nil {
			return err
		}
	}
	decoded := make(chan decodedFile, 1)
	go func() {
		defer close(decoded)
		for _, name := range files {
			d := e.decodeFile(name, int64(f.maxSize), cluster)
			select {
			case decoded <- d:
			case <-ctx.Done():
				return
			}
			if d.readErr != nil {
				return
			}
		}
	}()
	for d := range decoded {
		t, err := e.importFile(svc, f, d)
		if err != nil {
			w.Close()
			return err
		}
		name := d.name
		if t.failed > 0 {
			partial = true
		}
		r := record.New(
			record.Field{Name: "file", Value: record.String(name)},
			record.Field{Name: "events", Value: record.Int(int64(t.events))},
			record.Field{Name: "attributes", Value: record.Int(int64(t.attributes))},
			record.Field{Name: "objects", Value: record.Int(int64(t.objects))},
			record.Field{Name: "updated", Value: record.Int(int64(t.updated))},
			record.Field{Name: "skipped", Value: record.Int(int64(t.skipped))},
			record.Field{Name: "failed", Value: record.Int(int64(t.failed))},
			record.Field{Name: "warninglisted", Value: record.Int(int64(t.warned))},
		)
		if err := w.Write(r); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if partial {
		return errPartial
	}
	return nil
}

// importFile imports the events of one file. A file that cannot be read or decoded counts as one
// failure; an event the service refuses is one failure, reported with its place in the file.
func (e *env) importFile(svc *intel.Service, f *importFlags, d decodedFile) (importTally, error) {
	var t importTally
	if d.readErr != nil {
		return t, d.readErr
	}
	name := d.name
	if d.decodeErr != nil {
		fmt.Fprintf(e.stderr, "hunch: %s: %v\n", name, d.decodeErr)
		t.failed++
		return t, nil
	}
	for i, ev := range d.events {
		d.events[i] = nil // saved events are garbage while the rest of the file is saved
		if err := e.ctx.Err(); err != nil {
			return t, err
		}
		where := fmt.Sprintf("%s: event %d", name, i+1)
		if ev.UUID != "" {
			where += " (" + ev.UUID + ")"
		}
		attrs, objs := countElements(ev)
		u, err := importer(e, svc, ev)
		if err != nil {
			fmt.Fprintf(e.stderr, "hunch: %s: %v\n", where, err)
			t.failed++
			continue
		}
		_, err = svc.AddEvent(e.ctx, u, ev, true)
		var exists *intel.EventExistsError
		switch {
		case err == nil:
			t.events++
			t.attributes += attrs
			t.objects += objs
			if err := e.flagWarninglisted(svc, &t, where, ev); err != nil {
				return t, err
			}
			continue
		case errors.As(err, &exists) && !f.update:
			fmt.Fprintf(e.stderr, "hunch: %s: already stored as event %d; skipped (--update applies it as an edit)\n", where, exists.ID)
			t.skipped++
			continue
		case errors.As(err, &exists):
			_, err = svc.EditEvent(e.ctx, u, strconv.FormatInt(exists.ID, 10), ev, true)
			switch {
			case err == nil:
				t.updated++
				t.attributes += attrs
				t.objects += objs
				if err := e.flagWarninglisted(svc, &t, where, ev); err != nil {
					return t, err
				}
				continue
			case errors.Is(err, store.ErrNotNewer):
				fmt.Fprintf(e.stderr, "hunch: %s: not newer than stored event %d; skipped\n", where, exists.ID)
				t.skipped++
				continue
			}
		}
		if !refusal(err) {
			return t, fmt.Errorf("%s: %w", where, err)
		}
		fmt.Fprintf(e.stderr, "hunch: %s: %v\n", where, err)
		t.failed++
	}
	return t, nil
}

// flagWarninglisted notes on stderr the attributes of ev, just saved, whose values hit an enabled warninglist
// (likely false positives: a public resolver, a CDN, a top site), and counts them in t.
func (e *env) flagWarninglisted(svc *intel.Service, t *importTally, where string, ev *misp.Event) error {
	n, err := svc.FlagWarninglistHits(e.ctx, ev)
	if err != nil || n == 0 {
		return err
	}
	t.warned += n
	names := slices.Sorted(maps.Values(ev.Warnings))
	fmt.Fprintf(e.stderr, "hunch: %s: %d attribute(s) on warninglists: %s\n", where, n, strings.Join(names, "; "))
	return nil
}

// refusal reports whether err is the service refusing one event (bad input, access), as opposed
// to the store failing, which stops the import.
func refusal(err error) bool {
	var inv *intel.InvalidError
	var ae *acl.Error
	return errors.As(err, &inv) || errors.As(err, &ae) || errors.Is(err, store.ErrConflict) ||
		errors.Is(err, store.ErrNotNewer) || errors.Is(err, store.ErrNotFound)
}

// decodedFile is one import file read and decoded: readErr stops the import, decodeErr fails the file.
type decodedFile struct {
	name               string
	events             []*misp.Event
	readErr, decodeErr error
}

// decodeFile reads and decodes file name ("-": standard input) of at most max bytes.
// With cluster set, the file is a STIX 2.1 bundle whose galaxy objects cluster names as tags.
func (e *env) decodeFile(name string, max int64, cluster func(string, string) (string, bool)) decodedFile {
	d := decodedFile{name: name}
	data, err := readImport(e, name, max)
	if err != nil {
		d.readErr = err
		return d
	}
	if cluster != nil {
		d.events, d.decodeErr = e.decodeSTIX(name, data, cluster)
		return d
	}
	d.events, d.decodeErr = decodeEvents(data)
	return d
}

// readImport reads file name ("-": standard input), at most max bytes.
func readImport(e *env, name string, max int64) ([]byte, error) {
	var r io.Reader = e.stdin
	if name != "-" {
		fh, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("opening input: %w", err)
		}
		defer fh.Close()
		r = fh
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("reading %s: larger than %d bytes (--max-file-size)", name, max)
	}
	return data, nil
}

// decodeEvents decodes every MISP event shape misp.DecodeEvents reads, and NDJSON: one event (in
// any of those shapes) per line.
func decodeEvents(data []byte) ([]*misp.Event, error) {
	events, err := misp.DecodeEvents(data)
	if err == nil || !bytes.Contains(bytes.TrimSpace(data), []byte("\n")) {
		return events, err
	}
	var out []*misp.Event
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		evs, lerr := misp.DecodeEvents(b)
		if lerr != nil {
			if line == 1 {
				return nil, err // not NDJSON: the whole-body error says more
			}
			return nil, fmt.Errorf("line %d: %w", line, lerr)
		}
		out = append(out, evs...)
	}
	if serr := sc.Err(); serr != nil {
		return nil, serr
	}
	return out, nil
}

// countElements counts an event's attributes (those inside objects included) and objects.
func countElements(ev *misp.Event) (attributes, objects int) {
	attributes = len(ev.Attribute)
	for _, o := range ev.Object {
		attributes += len(o.Attribute)
	}
	return attributes, len(ev.Object)
}

// importer is who an import acts as: intel.System, as a member of the organisation that will own
// the event — the host organisation, or, on an instance without one, the event's creator
// (found by uuid, then name, and added when unknown).
func importer(e *env, svc *intel.Service, ev *misp.Event) (acl.User, error) {
	u := intel.System
	if id := svc.Policy().Settings().Instance.HostOrgID; id != 0 {
		u.OrgID = id
		return u, nil
	}
	c := ev.Orgc
	if c == nil || (c.UUID == "" && c.Name == "") {
		c = ev.Org
	}
	if c == nil || (c.UUID == "" && c.Name == "") {
		return u, errors.New("the event names no creator organisation (Orgc) and the instance has no host organisation yet: start 'hunch serve' once or add one with 'hunch org add'")
	}
	st := svc.Store()
	var o *misp.Organisation
	var err error = store.ErrNotFound
	if c.UUID != "" {
		o, err = st.OrgByUUID(e.ctx, c.UUID)
	}
	if errors.Is(err, store.ErrNotFound) && c.Name != "" {
		o, err = st.OrgByName(e.ctx, c.Name)
	}
	if errors.Is(err, store.ErrNotFound) {
		o = &misp.Organisation{Name: c.Name, UUID: c.UUID}
		if o.Name == "" {
			o.Name = c.UUID
		}
		err = svc.AddOrg(e.ctx, intel.System, o)
	}
	if err != nil {
		return u, fmt.Errorf("creator organisation %q: %w", c.Name, err)
	}
	u.OrgID = int64(o.ID)
	return u, nil
}

// searchFlags are the restSearch filters `hunch intel search` and `hunch intel export` take.
type searchFlags struct {
	db        string
	value     []string
	types     []string
	category  []string
	tags      []string
	events    []string
	org       []string
	last      string
	from      string
	to        string
	toIDS     string
	published string
	limit     int
	query     string
}

func (f *searchFlags) register(cmd *cobra.Command) {
	dbFlag(cmd, &f.db)
	fl := cmd.Flags()
	fl.StringArrayVar(&f.value, "value", nil, "attribute value; % is a wildcard, !x excludes x (repeatable: OR)")
	fl.StringArrayVar(&f.types, "type", nil, "attribute type, e.g. ip-dst (repeatable)")
	fl.StringArrayVar(&f.category, "category", nil, "attribute category, e.g. 'Network activity' (repeatable)")
	fl.StringArrayVar(&f.tags, "tag", nil, "tag of the attribute or its event; % wildcards, !x excludes (repeatable)")
	fl.StringArrayVar(&f.events, "event", nil, "event id or uuid (repeatable)")
	fl.StringArrayVar(&f.org, "org", nil, "creator organisation: name, id or uuid (repeatable)")
	fl.StringVar(&f.last, "last", "", "events published within this span, e.g. 7d, 12h")
	fl.StringVar(&f.from, "from", "", "events dated on or after this day (YYYY-MM-DD)")
	fl.StringVar(&f.to, "to", "", "events dated on or before this day (YYYY-MM-DD)")
	fl.StringVar(&f.toIDS, "to-ids", "", "only attributes flagged for detection (true) or not (false)")
	fl.StringVar(&f.published, "published", "", "only published (true) or unpublished (false) events")
	fl.IntVar(&f.limit, "limit", 0, "at most this many results (0: all)")
	fl.StringVar(&f.query, "query", "", `restSearch parameters as a JSON object for the other filters, e.g. '{"eventinfo":"%APT%"}'; flags override it`)
}

// search builds the restSearch query the flags stand for, with returnFormat format ("" for json).
func (f *searchFlags) search(format string) (intel.Search, error) {
	params := map[string]any{}
	if f.query != "" {
		if err := json.Unmarshal([]byte(f.query), &params); err != nil {
			return intel.Search{}, usagef("--query: not a JSON object: %v", err)
		}
	}
	list := func(name string, v []string) {
		if len(v) > 0 {
			params[name] = v
		}
	}
	list("value", f.value)
	list("type", f.types)
	list("category", f.category)
	list("tags", f.tags)
	list("eventid", f.events)
	list("org", f.org)
	for name, v := range map[string]string{"last": f.last, "from": f.from, "to": f.to} {
		if v != "" {
			params[name] = v
		}
	}
	for name, v := range map[string]string{"to_ids": f.toIDS, "published": f.published} {
		if v == "" {
			continue
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return intel.Search{}, usagef("--%s %q: want true or false", strings.ReplaceAll(name, "_", "-"), v)
		}
		params[name] = b
	}
	if f.limit < 0 {
		return intel.Search{}, usagef("--limit must not be negative")
	}
	if f.limit > 0 {
		params["limit"] = f.limit
	}
	if format != "" {
		params["returnFormat"] = format
	}
	body, err := json.Marshal(params)
	if err != nil {
		return intel.Search{}, err
	}
	q, err := intel.ParseSearch(body)
	if err != nil {
		return intel.Search{}, usageError{err}
	}
	return q, nil
}

func newIntelSearchCmd(e *env) *cobra.Command {
	f := &searchFlags{}
	cmd := &cobra.Command{
		Use:   "search [flags]",
		Short: "Search the intel store's attributes (as attributes/restSearch does) and write them as records",
		Long: `search selects attributes with restSearch's filters and writes one record per attribute (-o table,
json, ndjson, csv): its id, event, type, category, value, to_ids flag, tags, comment and time.
Filters of the same flag are ORed, different flags ANDed; --query takes any other restSearch
parameter as JSON.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := f.search("")
			if err != nil {
				return err
			}
			q.IncludeEventUUID = true
			return e.withIntel(f.db, func(svc *intel.Service) error {
				attrs, _ := svc.SearchAttributes(e.ctx, intel.System, q)
				return e.emit(func(yield func(record.Record, error) bool) {
					for a, err := range attrs {
						if err != nil {
							yield(record.Record{}, err)
							return
						}
						if !yield(attributeRecord(a), nil) {
							return
						}
					}
				})
			})
		},
	}
	f.register(cmd)
	return cmd
}

// attributeRecord is the record `hunch intel search` writes for a.
func attributeRecord(a *misp.Attribute) record.Record {
	tags := make([]string, 0, len(a.Tag))
	for _, t := range a.Tag {
		tags = append(tags, t.Name)
	}
	return record.New(
		record.Field{Name: "id", Value: record.Int(int64(a.ID))},
		record.Field{Name: "event_id", Value: record.Int(int64(a.EventID))},
		record.Field{Name: "event_uuid", Value: record.String(a.EventUUID)},
		record.Field{Name: "type", Value: record.String(a.Type)},
		record.Field{Name: "category", Value: record.String(a.Category)},
		record.Field{Name: "value", Value: record.String(a.Value)},
		record.Field{Name: "to_ids", Value: record.Bool(a.ToIDS.Bool())},
		record.Field{Name: "tags", Value: record.Strings(tags...)},
		record.Field{Name: "comment", Value: record.String(a.Comment)},
		record.Field{Name: "timestamp", Value: record.Time(a.Timestamp.Time())},
		record.Field{Name: "uuid", Value: record.String(a.UUID)},
	)
}

func newIntelExportCmd(e *env) *cobra.Command {
	f := &searchFlags{}
	var format, scope, out string
	cmd := &cobra.Command{
		Use:   "export [flags]",
		Short: "Export the intel store as MISP writes restSearch answers: json, csv, text, suricata, snort, hashes, rpz, zeek or stix2",
		Long: `export writes what the filters select as MISP's restSearch answers it, streamed: -F json (events,
{"response":[{"Event":…}]}, which 'hunch intel import' and MISP read back; with --scope attributes
{"response":{"Attribute":[…]}}), -F csv (MISP's CSV export, one line per attribute) or -F text
(each distinct value once), -F suricata or -F snort (NIDS rules), -F hashes (hash values), -F rpz
(a DNS response policy zone), -F zeek (a Zeek intel file) or -F stix2 (a STIX 2.1 bundle: to_ids
attributes as indicators with patterns, the others as observed data). Like MISP's, the text, NIDS,
hashes, rpz and zeek formats select only to_ids attributes of published events unless
--to-ids/--published say otherwise.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var sc intel.Scope
			switch scope {
			case "events":
				sc = intel.ScopeEvents
			case "attributes":
				sc = intel.ScopeAttributes
			default:
				return usagef("--scope %q: want events or attributes", scope)
			}
			if !slices.Contains(intel.Formats(), intel.Format(format)) {
				return usagef("--format %q: want %s", format, intel.FormatNames())
			}
			q, err := f.search(format)
			if err != nil {
				return err
			}
			return e.withIntel(f.db, func(svc *intel.Service) error {
				w := e.stdout
				if out != "" && out != "-" {
					fh, err := os.Create(out)
					if err != nil {
						return fmt.Errorf("creating output: %w", err)
					}
					defer fh.Close()
					if err := svc.Export(e.ctx, intel.System, sc, q, fh); err != nil {
						return err
					}
					return fh.Close()
				}
				return svc.Export(e.ctx, intel.System, sc, q, w)
			})
		},
	}
	f.register(cmd)
	cmd.Flags().StringVarP(&format, "format", "F", "json", intel.FormatNames())
	cmd.Flags().StringVar(&scope, "scope", "events", "events (events/restSearch) or attributes (attributes/restSearch)")
	cmd.Flags().StringVar(&out, "out", "", "write to this file instead of stdout")
	return cmd
}
