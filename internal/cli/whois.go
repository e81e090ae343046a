package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/enrich/whois"
	"github.com/hunchsec/hunch/record"
)

func newWhoisCmd(e *env) *cobra.Command {
	var raw bool
	cmd := &cobra.Command{
		Use:   "whois QUERY...",
		Short: "Registration data for IPs, domains and AS numbers (RDAP, Team Cymru)",
		Long: `whois asks the registry responsible for each query over RDAP, found through IANA's
bootstrap files (cached in <data>/rdap for a day): IP addresses and networks, domains (the
registered domain of a host name), and AS numbers (AS15169 or 15169). Dates come from the
object's own events: registered ("registration"), updated ("last changed") and expires
("expiration"). For IP addresses the announcing AS comes from Team Cymru's whois service.
Settings: whois.bootstrap_url, whois.cymru (host:port or "off"), whois.timeout.`,
		Example: `  hunch whois 8.8.8.8 example.com AS15169
  hunch whois -o json --raw example.com`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := e.whoisClient()
			return e.eachArg(args, func(q string) (record.Record, error) {
				rec, err := c.Lookup(e.ctx, q)
				if err != nil {
					return record.Record{}, fmt.Errorf("whois %s: %w", q, err)
				}
				if !raw {
					rec.Raw, rec.RegistrarRaw = nil, nil
				}
				return jsonRecord(e.ctx, rec)
			})
		},
	}
	cmd.Flags().BoolVar(&raw, "raw", false, "include the RDAP replies as received")
	return cmd
}

func (e *env) whoisClient() *whois.Client {
	o := whois.Options{Client: e.httpClient(), BootstrapURL: e.cfg.Whois.BootstrapURL, Timeout: e.cfg.Whois.Timeout,
		UserAgent: e.userAgent(), Logger: e.log}
	switch e.cfg.Whois.Cymru {
	case "off":
		o.DisableCymru = true
	default:
		o.CymruAddr = e.cfg.Whois.Cymru
	}
	if dir := e.dataDir(); dir != "" {
		o.CacheDir = filepath.Join(dir, "rdap")
	}
	return whois.New(o)
}

// jsonRecord turns a value with JSON tags into a record, fields in the order JSON gives them.
func jsonRecord(ctx context.Context, v any) (record.Record, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return record.Record{}, err
	}
	for r, err := range record.Read(ctx, bytes.NewReader(data), "", record.ReadOptions{Format: record.FormatJSON}) {
		return r, err
	}
	return record.Record{}, fmt.Errorf("no record in %s", data)
}
