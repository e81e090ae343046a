package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/internal/config"
	"github.com/hunchsec/hunch/pipeline/pivot"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem/template"
)

// pivotCommand is the full command line of function fn on value, with the caller's configuration, data directory
// and output format.
func (e *env) pivotCommand(fn *pivot.Function, kind, value string, args []string) ([]string, error) {
	cmd, err := fn.Command(kind, value, args)
	if err != nil {
		return nil, err
	}
	common := []string{}
	if e.configPath != "" {
		common = append(common, "--config", e.configPath)
	}
	if e.data != "" {
		common = append(common, "--data", e.data)
	}
	// flags go before a "--" that ends them
	if i := slices.Index(cmd, "--"); i >= 0 {
		return append(append(slices.Clone(cmd[:i]), common...), cmd[i:]...), nil
	}
	return append(cmd, common...), nil
}

// runPivot runs function name of kind on value, writing its output to stdout; format is the -o format.
func (e *env) runPivot(ctx context.Context, kind, value, name string, args []string, format string, stdout, stderr io.Writer) (int, error) {
	fn := pivot.Default().Get(kind, name)
	if fn == nil {
		return ExitUsage, usagef("no pivot %q for %s (hunch pivot %s VALUE lists them)", name, kind, kind)
	}
	v, err := pivot.Check(kind, value)
	if err != nil {
		return ExitUsage, usageError{err}
	}
	cmd, err := e.pivotCommand(fn, kind, v, args)
	if err != nil {
		return ExitUsage, usageError{err}
	}
	if format != "" && !slices.Contains(cmd, "-o") {
		cmd = append([]string{cmd[0]}, append([]string{"-o", format}, cmd[1:]...)...)
	}
	if len(e.columns) > 0 && !slices.Contains(cmd, "--columns") {
		cmd = append([]string{cmd[0]}, append([]string{"--columns", strings.Join(e.columns, ",")}, cmd[1:]...)...)
	}
	var in io.Reader = strings.NewReader("")
	switch {
	case fn.Input != nil:
		in = strings.NewReader(fn.Input(v))
	case fn.Stdin:
		in = strings.NewReader(v + "\n")
	}
	return run(ctx, cmd, in, stdout, stderr, e.getenv), nil
}

// entityValues reads the values of kind from records on r: the field named as the kind (or as its template
// parameters), else value, indicator, address.
func entityValues(ctx context.Context, r io.Reader, kind string) ([]string, error) {
	names := append(append([]string{kind}, pivot.TemplateParams[kind]...), "value", "indicator", "query", "address", "addresses")
	var out []string
	for rec, err := range record.Read(ctx, r, "-", record.ReadOptions{}) {
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			v, ok := rec.Get(n)
			if !ok || v.IsNull() {
				continue
			}
			found := false
			for _, s := range v.Texts() {
				if c, err := pivot.Check(kind, s); err == nil {
					found = true
					if !slices.Contains(out, c) {
						out = append(out, c)
					}
				}
			}
			if found {
				break // the first field holding entities of the kind
			}
		}
	}
	return out, nil
}

func newPivotCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pivot KIND VALUE [FUNCTION [ARGS…]]",
		Short: "From one entity, every function that applies to it; run one, and pipe the records to the next",
		Long: `pivot starts from an entity — ip, domain, url, hash, account, host, process or email — and lists every
function of hunch that takes it (lookup, rep, geoip, whois, resolve, intel, extract, unpack, cmdline,
the SIEM query templates whose parameters fit, and the response actions isolate, release, block),
or runs one with the arguments that follow. The result is records, so pivots chain:

  hunch pivot domain c2.example.com resolve | hunch pivot ip - whois | hunch pivot ip - lookup

A VALUE of - reads the entities from the records on standard input (the field named like the kind,
or value, indicator, address). Response actions need the confirmation their verbs ask for (--yes).
The web UI's entity pages (/ui/pivot/KIND/VALUE) and the chat bot (!pivot) use the same registry.`,
		Example: `  hunch pivot ip 198.51.100.23
  hunch pivot host WKS-014.corp.example.com query files.process_by_host --files examples/events.ndjson
  hunch pivot process "powershell -enc SQBFAFgA…" unpack`,
		Args:               cobra.MinimumNArgs(2),
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			// The function's own flags follow it, so pivot reads its three words itself and hands the rest on;
			// hunch's global flags may stand anywhere.
			args, err := e.takeGlobalFlags(args)
			if err != nil {
				return err
			}
			if len(args) < 2 {
				return usagef("hunch pivot KIND VALUE [FUNCTION [ARGS…]]")
			}
			kind, value := args[0], args[1]
			if kind == "-h" || kind == "--help" {
				return usagef("hunch pivot KIND VALUE [FUNCTION [ARGS…]] (hunch help pivot)")
			}
			if !slices.Contains(pivot.Kinds, kind) {
				return usagef("entity kind %q: want one of %s", kind, strings.Join(pivot.Kinds, ", "))
			}
			reg := pivot.Default()
			if len(args) == 2 {
				if value == "-" {
					return usagef("give a function to run on the entities read from standard input")
				}
				if _, err := pivot.Check(kind, value); err != nil {
					return usageError{err}
				}
				return e.emit(streamOf(e.pivotList(reg, kind)))
			}
			name, rest := args[2], args[3:]
			values := []string{value}
			if value == "-" {
				var err error
				if values, err = entityValues(e.ctx, e.stdin, kind); err != nil {
					return err
				}
			}
			format := e.output
			if format == "" {
				format = "ndjson"
				if _, tty := terminalFD(e.stdout); tty {
					format = "table"
				}
			}
			worst := ExitOK
			for _, v := range values {
				code, err := e.runPivot(e.ctx, kind, v, name, rest, format, e.stdout, e.stderr)
				if err != nil {
					return err
				}
				worst = max(worst, code)
			}
			switch worst {
			case ExitOK:
				return nil
			case ExitPartial:
				return errPartial
			case ExitUsage:
				return usagef("%s %s: see the message above", kind, name)
			}
			return fmt.Errorf("%s %s failed on %d of %d values", kind, name, len(values), len(values))
		},
	}
	return cmd
}

// pivotList is what applies to kind: every function, and the query templates whose parameters fit.
func (e *env) pivotList(reg *pivot.Registry, kind string) []record.Record {
	var out []record.Record
	for _, f := range reg.For(kind) {
		out = append(out, record.New(
			record.Field{Name: "function", Value: record.String(f.Name)},
			record.Field{Name: "summary", Value: record.String(f.Summary)},
			record.Field{Name: "args", Value: record.String(f.Args)},
			record.Field{Name: "destructive", Value: record.Bool(f.Destructive)}))
	}
	if lib, err := e.templates(); err == nil {
		for _, t := range lib.List(template.Filter{}) {
			for _, p := range t.Params {
				if slices.Contains(pivot.TemplateParams[kind], p.Name) {
					out = append(out, record.New(
						record.Field{Name: "function", Value: record.String("query " + t.Name)},
						record.Field{Name: "summary", Value: record.String(t.Description)},
						record.Field{Name: "args", Value: record.String("-p " + p.Name + " from the value; [--connection C | --files GLOB]")},
						record.Field{Name: "destructive", Value: record.Bool(false)}))
					break
				}
			}
		}
	}
	return out
}

func newResolveCmd(e *env) *cobra.Command {
	var (
		dns     string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "resolve DOMAIN…",
		Short: "A domain's addresses (A and AAAA), one record each",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			r := &net.Resolver{}
			if dns != "" {
				r = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
					d := net.Dialer{Timeout: timeout}
					return d.DialContext(ctx, network, dns)
				}}
			}
			var out []record.Record
			failed := 0
			for _, a := range args {
				ctx, cancel := context.WithTimeout(e.ctx, timeout)
				ips, err := r.LookupIP(ctx, "ip", a)
				cancel()
				if err != nil {
					failed++
					fmt.Fprintf(e.stderr, "hunch: %s: %v\n", a, err)
					continue
				}
				for _, ip := range ips {
					kind := "A"
					if ip.To4() == nil {
						kind = "AAAA"
					}
					out = append(out, record.New(record.Field{Name: "domain", Value: record.String(a)},
						record.Field{Name: "type", Value: record.String(kind)}, record.Field{Name: "ip", Value: record.String(ip.String())}))
				}
			}
			if err := e.emit(streamOf(out)); err != nil {
				return err
			}
			if failed > 0 {
				if failed == len(args) {
					return fmt.Errorf("no domain resolved")
				}
				return errPartial
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dns, "dns", "", "DNS server, host:port (default: the system's resolver)")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "per lookup")
	return cmd
}

// takeGlobalFlags removes hunch's global flags (--config, --data, -o/--output, --columns, -v) from args, sets them,
// and loads the configuration they name.
func (e *env) takeGlobalFlags(args []string) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, val, hasVal := strings.Cut(a, "=")
		var dst *string
		switch name {
		case "--config":
			dst = &e.configPath
		case "--data":
			dst = &e.data
		case "-o", "--output":
			dst = &e.output
		case "--columns":
			var cols string
			dst = &cols
			defer func() { e.columns = strings.Split(cols, ",") }()
		case "-v", "--verbose":
			e.verbose++
			continue
		default:
			rest = append(rest, a)
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, usagef("%s needs a value", name)
			}
			i++
			val = args[i]
		}
		*dst = val
	}
	cfg, err := config.Load(e.configPath, e.getenv)
	if err != nil {
		return nil, err
	}
	e.cfg = cfg
	return rest, nil
}

// pivotRecords runs a pivot function in this process and returns its records (for the web UI and the chat bot).
func (e *env) pivotRecords(ctx context.Context, kind, value, fn string, args []string) ([]record.Record, string, error) {
	var out, errb bytes.Buffer
	code, err := e.runPivot(ctx, kind, value, fn, args, "ndjson", &out, &errb)
	if err != nil {
		return nil, errb.String(), err
	}
	var recs []record.Record
	for r, err := range record.Read(ctx, &out, "-", record.ReadOptions{Format: record.FormatNDJSON}) {
		if err != nil {
			return recs, errb.String(), err
		}
		recs = append(recs, r)
	}
	if code != ExitOK && code != ExitPartial {
		return recs, errb.String(), fmt.Errorf("%s %s failed: %s", kind, fn, lastLine(errb.String()))
	}
	return recs, errb.String(), nil
}
