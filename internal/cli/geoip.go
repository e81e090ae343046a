package cli

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/enrich/geoip"
	"github.com/hunchsec/hunch/record"
)

func newGeoIPCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "geoip IP...",
		Short: "Locate IP addresses: country, city, coordinates, AS number and organisation",
		Long: `geoip looks addresses up in MaxMind-format databases (GeoLite2, GeoIP2, DB-IP and IPinfo
files work): geoip.files in hunch.yaml, or every .mmdb in geoip.dir (default <data>/geoip),
where 'hunch geoip update' installs them. Private, loopback and other unroutable addresses are
reported as not found without a lookup.`,
		Example: `  hunch geoip 81.2.69.142 2a02:cf40::1
  hunch geoip update`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := e.geoDB()
			if err != nil {
				return fmt.Errorf("opening GeoIP databases: %w", err)
			}
			if db == nil {
				return errors.New("no GeoIP databases: set geoip.files in hunch.yaml, or run 'hunch geoip update' with a MaxMind licence key")
			}
			defer db.Close()
			return e.eachArg(args, func(a string) (record.Record, error) {
				loc, err := db.LookupString(a)
				return locationRecord(a, loc), err
			})
		},
	}
	cmd.AddCommand(newGeoIPUpdateCmd(e))
	return cmd
}

func locationRecord(query string, loc geoip.Location) record.Record {
	r := record.New(
		record.Field{Name: "ip", Value: record.String(query)},
		record.Field{Name: "found", Value: record.Bool(loc.Found)},
	)
	for _, f := range loc.Fields() {
		r.Append(f.Name, geoValue(f.Value))
	}
	r.Append("subdivision", record.String(loc.Subdivision))
	network := ""
	if loc.Network.IsValid() {
		network = loc.Network.String()
	}
	r.Append("network", record.String(network))
	r.Append("sources", record.Strings(loc.Sources...))
	return r
}

func newGeoIPUpdateCmd(e *env) *cobra.Command {
	var maxBytes byteSize = byteSize(geoip.DefaultMaxBytes)
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download or refresh GeoIP databases with a MaxMind account ID and licence key",
		Long: `update follows MaxMind's licence-key download flow for each edition in geoip.editions
(default GeoLite2-City and GeoLite2-ASN): it fetches the published sha256, skips an edition whose
installed file already matches, otherwise downloads the archive, checks it, and replaces the
database atomically in geoip.dir (default <data>/geoip). A failed download keeps the old file.
Credentials: geoip.account_id and geoip.license_key (env:NAME or file:PATH) in hunch.yaml.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g := e.cfg.GeoIP
			if g.AccountID == "" || !g.LicenseKey.IsSet() {
				return errors.New("geoip update needs geoip.account_id and geoip.license_key in hunch.yaml (a free GeoLite2 account works)")
			}
			key, err := g.LicenseKey.Resolve(e.getenv)
			if err != nil {
				return fmt.Errorf("geoip.license_key: %w", err)
			}
			dir := g.Dir
			if dir == "" {
				dir = filepath.Join(e.dataDir(), "geoip")
			}
			done, err := geoip.Update(e.ctx, geoip.UpdateOptions{Client: e.httpClient(), BaseURL: g.BaseURL, AccountID: g.AccountID,
				LicenseKey: key, Editions: g.Editions, Dir: dir, MaxBytes: int64(maxBytes)})
			w, werr := e.writer()
			if werr != nil {
				return werr
			}
			for _, u := range done {
				status := "updated"
				if u.UpToDate {
					status = "up to date"
				}
				w.Write(record.New(
					record.Field{Name: "edition", Value: record.String(u.Edition)},
					record.Field{Name: "status", Value: record.String(status)},
					record.Field{Name: "path", Value: record.String(u.Path)},
					record.Field{Name: "size", Value: record.Int(u.Size)},
					record.Field{Name: "built", Value: record.Time(u.Built)},
				))
			}
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			return err
		},
	}
	cmd.Flags().Var(&maxBytes, "max-bytes", "largest archive accepted per edition (e.g. 512MiB)")
	return cmd
}
