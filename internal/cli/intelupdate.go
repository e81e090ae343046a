package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/refdata"
	"github.com/hunchsec/hunch/record"
)

// updateFlags are the flags of `hunch intel update`.
type updateFlags struct {
	from    string
	only    []string
	urls    []string
	maxSize byteSize
}

func newIntelUpdateCmd(e *env) *cobra.Command {
	f := &updateFlags{maxSize: 256 << 20}
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Install MISP's object templates, taxonomies, warninglists and galaxies",
		Long: `update installs MISP's reference data where hunch reads it: the misp-objects templates into
intel.objects_dir (default <data>/misp-objects), the taxonomies, warninglists and galaxies into
intel.data_dir (default <data>/misp). By default it downloads the upstream repositories' archives
from GitHub; --url NAME=URL takes another zip archive (a mirror, a pinned release), --from DIR a
local directory holding objects/, taxonomies/, warninglists/ and galaxies/ in the repositories'
layout. Only JSON and licence files are installed. A set that cannot be fetched, breaks a limit or
holds invalid JSON keeps what was installed before. Restart 'hunch serve' to read the new data.`,
		Example: `  hunch intel update
  hunch intel update --only taxonomies,warninglists
  hunch intel update --from /srv/misp-data
  hunch intel update --url galaxies=https://mirror.example/misp-galaxy-main.zip`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return e.intelUpdate(f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.from, "from", "", "install from this local directory instead of downloading")
	fl.StringSliceVar(&f.only, "only", nil, "install only these sets: "+strings.Join(refdata.Names, ", "))
	fl.StringArrayVar(&f.urls, "url", nil, "NAME=URL: the zip archive of one set (repeatable)")
	fl.Var(&f.maxSize, "max-size", "largest archive (and file in it) accepted, e.g. 512MiB (default 256MiB)")
	return cmd
}

func (e *env) intelUpdate(f *updateFlags) error {
	if f.maxSize <= 0 {
		return usagef("--max-size must be positive")
	}
	names := refdata.Names
	if len(f.only) > 0 {
		names = nil
		for _, n := range f.only {
			n = strings.TrimSpace(n)
			if !slices.Contains(refdata.Names, n) {
				return usagef("--only %q: want one of %s", n, strings.Join(refdata.Names, ", "))
			}
			names = append(names, n)
		}
	}
	urls := map[string]string{}
	for k, v := range refdata.DefaultURLs {
		urls[k] = v
	}
	for _, kv := range f.urls {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !slices.Contains(refdata.Names, k) || v == "" {
			return usagef("--url %q: want NAME=URL with NAME one of %s", kv, strings.Join(refdata.Names, ", "))
		}
		urls[k] = v
	}
	objects, data := e.intelDirs()
	w, err := e.writer()
	if err != nil {
		return err
	}
	lim := refdata.Limits{MaxArchiveBytes: int64(f.maxSize), MaxFileBytes: int64(f.maxSize)}
	var failed []error
	for _, name := range names {
		src := refdata.Source{Name: name, From: urls[name], Dest: filepath.Join(data, name)}
		if name == refdata.Objects {
			src.Dest = objects
		}
		if name == refdata.Feeds {
			src.Dest = filepath.Join(data, filepath.Dir(filepath.FromSlash(intel.FeedDefaultsFile)))
		}
		if f.from != "" {
			src.From = filepath.Join(f.from, name)
		}
		if _, err := os.Stat(src.From); name == refdata.Feeds && f.from != "" && len(f.only) == 0 && errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(e.stderr, "hunch: intel update: no feeds/ in %s: default feed list skipped\n", f.from)
			continue
		}
		res, err := refdata.Install(e.ctx, e.httpClient(), src, lim)
		if err != nil {
			if e.ctx.Err() != nil {
				w.Close()
				return e.ctx.Err()
			}
			fmt.Fprintf(e.stderr, "hunch: intel update: %v\n", err)
			failed = append(failed, err)
			continue
		}
		if err := w.Write(record.New(
			record.Field{Name: "set", Value: record.String(res.Name)},
			record.Field{Name: "files", Value: record.Int(int64(res.Files))},
			record.Field{Name: "bytes", Value: record.Int(res.Bytes)},
			record.Field{Name: "dir", Value: record.String(res.Dest)},
		)); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("intel update: %w", errors.Join(failed...))
	}
	return nil
}
