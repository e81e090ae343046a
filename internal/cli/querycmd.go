package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/internal/config"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
	siemsql "github.com/hunchsec/hunch/siem/sql"
	"github.com/hunchsec/hunch/siem/template"
)

// siemConstructor builds the source of one named connection.
type siemConstructor func(e *env, c config.Connection) (siem.Source, error)

// siemKinds maps a connection kind to the constructor of its source; adding a kind is one
// line here (connectionBackend already knows which templates every kind runs).
func siemKinds() map[string]siemConstructor {
	return map[string]siemConstructor{
		"sqlite":     openSQLite,
		"postgres":   openPostgres,
		"splunk":     openSplunk,
		"files":      openFiles,
		"sentinel":   openSentinel,
		"elastic":    openElastic,
		"opensearch": openElastic,
	}
}

// connectionBackend returns the template backend a connection kind runs.
func connectionBackend(kind string) template.Backend {
	switch kind {
	case "sqlite", "postgres":
		return template.SQL
	case "opensearch":
		return template.Elastic
	}
	return template.Backend(kind)
}

func openSQLite(e *env, c config.Connection) (siem.Source, error) {
	var cfg siemsql.Config
	if err := c.Decode(&cfg); err != nil {
		return nil, err
	}
	if cfg.DSN.IsSet() {
		return nil, fmt.Errorf("sqlite connection: dsn is for postgres; a sqlite connection has a path")
	}
	cfg.Path = e.cfg.RelativePath(cfg.Path)
	return siemsql.NewSQLite(cfg)
}

func openPostgres(e *env, c config.Connection) (siem.Source, error) {
	var cfg siemsql.Config
	if err := c.Decode(&cfg); err != nil {
		return nil, err
	}
	if cfg.Path != "" {
		return nil, fmt.Errorf("postgres connection: path is for sqlite; a postgres connection has a dsn")
	}
	return siemsql.NewPostgres(cfg, e.getenv)
}

// siemSource opens the connection called name in the configuration.
func (e *env) siemSource(name string) (siem.Source, error) {
	c, ok := e.cfg.SIEM.Connections[name]
	if !ok {
		return nil, usagef("no connection %q in siem.connections (configured: %s)", name, strings.Join(e.connectionNames(), ", "))
	}
	open, ok := siemKinds()[c.Kind]
	if !ok {
		return nil, fmt.Errorf("connection %s: kind %s is not available in this build (available: %s)", name, c.Kind, strings.Join(sortedKinds(), ", "))
	}
	src, err := open(e, c)
	if err != nil {
		return nil, fmt.Errorf("connection %s: %w", name, err)
	}
	return src, nil
}

func sortedKinds() []string {
	var out []string
	for k := range siemKinds() {
		out = append(out, k)
	}
	return sortedStrings(out)
}

// sortedStrings sorts ss in place and returns it.
func sortedStrings(ss []string) []string {
	slices.Sort(ss)
	return ss
}

func (e *env) connectionNames() []string {
	var out []string
	for n := range e.cfg.SIEM.Connections {
		out = append(out, n)
	}
	slices.Sort(out)
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}

// paramSearcher is a source that binds named parameters itself (the SQL sources).
type paramSearcher interface {
	SearchParams(ctx context.Context, q siem.Query, params map[string]any) record.Stream
}

func (e *env) templates() (*template.Library, error) {
	lib, err := template.Load(e.cfg.SIEMTemplateDirs())
	if err != nil {
		return nil, err
	}
	for _, n := range lib.Notes {
		fmt.Fprintf(e.stderr, "hunch: note: %s\n", n)
	}
	return lib, nil
}

func newQueryCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "query",
		Short: "Run hunting queries against SIEMs and databases, from templates or as written",
		Long: `query runs searches against the connections configured under siem.connections.
Templates (built-in, plus the folders in siem.template_dirs) take typed parameters that are
quoted for the query language or bound as SQL parameters, never pasted into the query.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newQueryListCmd(e), newQueryShowCmd(e), newQueryRunCmd(e))
	return cmd
}

func newQueryListCmd(e *env) *cobra.Command {
	var f struct{ backend, family, tag string }
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List query templates",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if f.backend != "" && !slices.Contains(template.Backends(), template.Backend(f.backend)) {
				return usagef("--backend %q: one of splunk, sentinel, elastic, files, sql", f.backend)
			}
			lib, err := e.templates()
			if err != nil {
				return err
			}
			if e.output == "" {
				e.output = "table"
			}
			w, err := e.writer()
			if err != nil {
				return err
			}
			for _, t := range lib.List(template.Filter{Backend: template.Backend(f.backend), Family: f.family, Tag: f.tag}) {
				rec := record.New(
					record.Field{Name: "name", Value: record.String(t.Name)},
					record.Field{Name: "backend", Value: record.String(string(t.Backend))},
					record.Field{Name: "language", Value: record.String(string(t.Language))},
					record.Field{Name: "family", Value: record.String(t.Family)},
					record.Field{Name: "tags", Value: record.Strings(t.Tags...)},
					record.Field{Name: "description", Value: record.String(t.Description)},
				)
				if err := w.Write(rec); err != nil {
					return fmt.Errorf("writing output: %w", err)
				}
			}
			if err := w.Close(); err != nil {
				return fmt.Errorf("writing output: %w", err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.backend, "backend", "", "only templates for this backend: splunk, sentinel, elastic, files, sql")
	fl.StringVar(&f.family, "family", "", "only templates of this data family (process, logon, network, dns, …)")
	fl.StringVar(&f.tag, "tag", "", "only templates with this tag")
	return cmd
}

// parseParams reads -p k=v flags.
func parseParams(ps []string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range ps {
		k, v, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, usagef("-p %q: want name=value", p)
		}
		if _, dup := out[k]; dup {
			return nil, usagef("-p %s given twice", k)
		}
		out[k] = v
	}
	return out, nil
}

func newQueryShowCmd(e *env) *cobra.Command {
	var params []string
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a template: metadata, parameters, body, and with -p the rendered query",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			vals, err := parseParams(params)
			if err != nil {
				return err
			}
			lib, err := e.templates()
			if err != nil {
				return err
			}
			t, err := lib.Get(args[0])
			if err != nil {
				return usageError{err}
			}
			var rendered *template.Rendered
			if len(params) > 0 {
				r, err := t.Render(vals, time.Now())
				if err != nil {
					return usageError{err}
				}
				rendered = &r
			}
			return writeTemplate(e.stdout, t, rendered)
		},
	}
	cmd.Flags().StringArrayVarP(&params, "param", "p", nil, "parameter value, name=value (repeatable); renders the query")
	return cmd
}

func writeTemplate(w io.Writer, t *template.Template, r *template.Rendered) error {
	var b strings.Builder
	fmt.Fprintf(&b, "name:        %s\n", t.Name)
	fmt.Fprintf(&b, "description: %s\n", t.Description)
	fmt.Fprintf(&b, "backend:     %s (%s)\n", t.Backend, t.Language)
	fmt.Fprintf(&b, "family:      %s\n", t.Family)
	fmt.Fprintf(&b, "tags:        %s\n", strings.Join(t.Tags, ", "))
	fmt.Fprintf(&b, "from:        %s\n", t.Origin)
	b.WriteString("parameters:\n")
	if len(t.Params) == 0 {
		b.WriteString("  (none)\n")
	}
	for _, p := range t.Params {
		need := "required"
		if !p.Required {
			need = "default " + *p.Default
		}
		fmt.Fprintf(&b, "  %s (%s, %s)", p.Name, p.Type, need)
		if len(p.Aliases) > 0 {
			fmt.Fprintf(&b, " aliases: %s", strings.Join(p.Aliases, ", "))
		}
		if p.Description != "" {
			fmt.Fprintf(&b, " — %s", p.Description)
		}
		b.WriteString("\n")
	}
	b.WriteString("body:\n")
	for line := range strings.SplitSeq(strings.TrimRight(t.Body, "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	if r != nil {
		b.WriteString("rendered:\n")
		for line := range strings.SplitSeq(r.Query.Text, "\n") {
			b.WriteString("  " + line + "\n")
		}
		if len(r.Params) > 0 {
			b.WriteString("bound parameters:\n")
			names := make([]string, 0, len(r.Params))
			for n := range r.Params {
				names = append(names, n)
			}
			slices.Sort(names)
			for _, n := range names {
				v := r.Params[n]
				if t, ok := v.(time.Time); ok {
					v = t.Format(time.RFC3339Nano)
				}
				fmt.Fprintf(&b, "  :%s = %#v\n", n, v)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func newQueryRunCmd(e *env) *cobra.Command {
	var f struct {
		params           []string
		connection, text string
		language         string
		from, to, last   string
		limit            int
		files            []string
	}
	cmd := &cobra.Command{
		Use:   "run [NAME] [-p name=value…] [--connection C]",
		Short: "Run a template (or --text, an ad-hoc query) against a connection and write the records",
		Long: `run renders the template NAME with the -p values and runs it against --connection (which
may be left out when exactly one configured connection fits the template's backend). With
--text instead of NAME it runs that query as written, in the connection's language.
On a SQL connection, -p binds the :name parameters of --text (as strings).
--from/--to/--last set the time range (for SQL, bound as :from and :to); --limit stops after
that many records (default: no limit).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if f.limit < 0 {
				return usagef("--limit %d: must not be negative (0 means no limit)", f.limit)
			}
			vals, err := parseParams(f.params)
			if err != nil {
				return err
			}
			if len(f.files) > 0 {
				if f.connection != "" {
					return usagef("give --files or --connection, not both")
				}
				if f.connection, err = e.adhocFiles(f.files); err != nil {
					return err
				}
			}
			var (
				q      siem.Query
				params map[string]any
				want   template.Backend
			)
			switch {
			case len(args) == 1 && f.text != "":
				return usagef("give a template NAME or --text, not both")
			case len(args) == 0 && f.text == "":
				return usagef("give a template NAME or --text")
			case f.text != "":
				if f.connection == "" {
					return usagef("--text needs --connection")
				}
				q.Text = f.text
			default:
				if f.language != "" {
					return usagef("--language is for --text; a template has its own")
				}
				lib, err := e.templates()
				if err != nil {
					return err
				}
				t, err := lib.Get(args[0])
				if err != nil {
					return usageError{err}
				}
				r, err := t.Render(vals, time.Now())
				if err != nil {
					return usageError{err}
				}
				q, params, want = r.Query, r.Params, t.Backend
			}
			name, err := e.pickConnection(f.connection, want)
			if err != nil {
				return err
			}
			conn := e.cfg.SIEM.Connections[name]
			have := connectionBackend(conn.Kind)
			if want != "" && want != have {
				return usagef("template %s is written for %s, but connection %s is %s (it runs %s templates)", args[0], want, name, conn.Kind, have)
			}
			if f.text != "" {
				if len(vals) > 0 {
					if have != template.SQL {
						return usagef("-p with --text binds SQL :name parameters; connection %s is %s (write the values into the query)", name, conn.Kind)
					}
					params = map[string]any{}
					for k, v := range vals {
						params[k] = v
					}
				}
				q.Language = template.DefaultLanguage(have)
				if f.language != "" {
					q.Language = siem.Language(f.language)
					if have != template.Elastic || (q.Language != siem.Lucene && q.Language != siem.ESQL) {
						return usagef("--language %s does not fit connection %s (%s)", f.language, name, conn.Kind)
					}
				}
			}
			if f.from != "" || f.to != "" || f.last != "" {
				q.Range, err = siem.ParseRange(f.from, f.to, f.last, time.Now())
				if err != nil {
					return usageError{err}
				}
			}
			q.Limit = f.limit
			src, err := e.siemSource(name)
			if err != nil {
				return err
			}
			if c, ok := src.(io.Closer); ok {
				defer c.Close()
			}
			var stream record.Stream
			if ps, ok := src.(paramSearcher); ok {
				stream = ps.SearchParams(e.ctx, q, params)
			} else if len(params) > 0 {
				return fmt.Errorf("connection %s cannot bind query parameters", name)
			} else {
				stream = src.Search(e.ctx, q)
			}
			if err := e.drain(stream, &tally{stderr: e.stderr}, func(s record.Stream) record.Stream { return s }, nil, nil); err != nil {
				return err
			}
			return e.siemWarningsDone()
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.params, "param", "p", nil, "template parameter, name=value (repeatable)")
	fl.StringVarP(&f.connection, "connection", "c", "", "connection from siem.connections to run against")
	fl.StringVar(&f.text, "text", "", "run this query as written instead of a template")
	fl.StringArrayVar(&f.files, "files", nil, "search these log files (globs, ** for any depth; repeatable) instead of a connection: EVTX, JSON, NDJSON, CSV, Zeek, syslog, auditd; each record gets its file in _file")
	fl.StringVar(&f.language, "language", "", "language of --text on an elastic connection: lucene (default) or esql")
	fl.StringVar(&f.from, "from", "", "start of the time range: RFC 3339, unix seconds or relative (-24h, -7d@d)")
	fl.StringVar(&f.to, "to", "", "end of the time range (default now)")
	fl.StringVar(&f.last, "last", "", "time range ending now, e.g. 24h or 7d (instead of --from)")
	fl.IntVar(&f.limit, "limit", 0, "stop after this many records (default 0: no limit)")
	return cmd
}

// pickConnection returns name when given; otherwise the one configured connection that runs
// backend's templates.
func (e *env) pickConnection(name string, backend template.Backend) (string, error) {
	if name != "" {
		if _, ok := e.cfg.SIEM.Connections[name]; !ok {
			return "", usagef("no connection %q in siem.connections (configured: %s)", name, strings.Join(e.connectionNames(), ", "))
		}
		return name, nil
	}
	var fits []string
	for _, n := range e.connectionNames() {
		if c, ok := e.cfg.SIEM.Connections[n]; ok && connectionBackend(c.Kind) == backend {
			fits = append(fits, n)
		}
	}
	switch len(fits) {
	case 1:
		return fits[0], nil
	case 0:
		return "", usagef("no connection in siem.connections runs %s templates; add one or pass --connection", backend)
	}
	return "", usagef("several connections run %s templates (%s): pass --connection", backend, strings.Join(fits, ", "))
}
