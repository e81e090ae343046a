package tor

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The cache file holds a header line with the fetch time, then one address per line in the bulk
// list's format, so ParseBulk reads it back.
const cacheHeader = "# hunch tor exit list; fetched "

func (c *Client) cachePath() string {
	return filepath.Join(c.o.CacheDir, "tor-exits-"+string(c.o.Source)+".txt")
}

// loadCache reads the list kept on disk, if any.
func (c *Client) loadCache() (*exitList, error) {
	if c.o.CacheDir == "" {
		return nil, errors.New("no cache directory")
	}
	data, err := os.ReadFile(c.cachePath())
	if err != nil {
		return nil, err
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	stamp, ok := strings.CutPrefix(strings.TrimSpace(string(first)), cacheHeader)
	if !ok {
		return nil, fmt.Errorf("%s: not a cached exit list", c.cachePath())
	}
	fetched, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		return nil, fmt.Errorf("%s: fetch time: %w", c.cachePath(), err)
	}
	addrs, err := ParseBulk(data, c.o.MaxAddresses)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.cachePath(), err)
	}
	return &exitList{addrs: addrs, fetched: fetched}, nil
}

// saveCache writes l to the cache directory, atomically (a temporary file renamed into place).
func (c *Client) saveCache(l *exitList) error {
	if c.o.CacheDir == "" {
		return nil
	}
	if err := os.MkdirAll(c.o.CacheDir, 0o755); err != nil {
		return err
	}
	addrs := make([]netip.Addr, 0, len(l.addrs))
	for a := range l.addrs {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	var b bytes.Buffer
	b.WriteString(cacheHeader + l.fetched.UTC().Format(time.RFC3339Nano) + "\n")
	for _, a := range addrs {
		b.WriteString(a.String())
		b.WriteByte('\n')
	}
	f, err := os.CreateTemp(c.o.CacheDir, ".tor-exits-*")
	if err != nil {
		return err
	}
	_, werr := f.Write(b.Bytes())
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), c.cachePath()); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}
