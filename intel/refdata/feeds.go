package refdata

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Feeds is MISP's list of default feeds (app/files/feed-metadata/defaults.json): one JSON file rather than a
// repository archive, installed as defaults.json in its destination, which feeds/loadDefaultFeeds reads.
const Feeds = "feeds"

// FeedsURL is where MISP publishes its default feed list.
const FeedsURL = "https://raw.githubusercontent.com/MISP/MISP/2.5/app/files/feed-metadata/defaults.json"

// feedList fetches MISP's default feed list from (an http(s) URL, a JSON file, or a directory holding
// defaults.json) into w, after checking that it is a list of {"Feed": {name, url, …}}.
func feedList(ctx context.Context, client *http.Client, from string, lim Limits, w *writer) error {
	var data []byte
	var err error
	if strings.HasPrefix(from, "http://") || strings.HasPrefix(from, "https://") {
		data, err = download(ctx, client, from, lim.MaxFileBytes)
	} else {
		if fi, serr := os.Stat(from); serr == nil && fi.IsDir() {
			from = filepath.Join(from, "defaults.json")
		}
		var fi os.FileInfo
		if fi, err = os.Stat(from); err == nil && fi.Size() > lim.MaxFileBytes {
			return fmt.Errorf("feed list of %d bytes: %w (%d)", fi.Size(), ErrLimit, lim.MaxFileBytes)
		}
		if err == nil {
			data, err = os.ReadFile(from)
		}
	}
	if err != nil {
		return err
	}
	var list []struct {
		Feed *struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"Feed"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return fmt.Errorf("not MISP's feed list: %w", err)
	}
	for i, f := range list {
		if f.Feed == nil || f.Feed.Name == "" || f.Feed.URL == "" {
			return fmt.Errorf("not MISP's feed list: entry %d has no Feed with a name and url", i)
		}
	}
	return w.add("defaults.json", strings.NewReader(string(data)))
}
