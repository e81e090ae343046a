package intel

import (
	"os"
	"sync"
	"time"
)

// fileCache keeps what reference-data files (taxonomies, …) parse to, keyed by path and valid while the file's
// size and modification time stay the same: a request reads the directory, not every file again.
type fileCache struct {
	mu sync.Mutex
	m  map[string]cachedFile
}

type cachedFile struct {
	mod  time.Time
	size int64
	v    any
}

// load returns what parse makes of the file at path, parsing it again only when the file changed. Errors are not
// kept: a file that fails is read again next time.
func (c *fileCache) load(path string, parse func(path string) (any, error)) (any, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return parse(path) // parse reports the missing file in its own words
	}
	c.mu.Lock()
	e, ok := c.m[path]
	c.mu.Unlock()
	if ok && e.size == fi.Size() && e.mod.Equal(fi.ModTime()) {
		return e.v, nil
	}
	v, err := parse(path)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]cachedFile{}
	}
	c.m[path] = cachedFile{mod: fi.ModTime(), size: fi.Size(), v: v}
	c.mu.Unlock()
	return v, nil
}
