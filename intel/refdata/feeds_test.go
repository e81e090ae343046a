package refdata

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tinyFeedList = `[{"Feed": {"name": "CIRCL OSINT Feed", "url": "https://www.circl.lu/doc/misp/feed-osint", "source_format": "misp"},
 "Tag": {"name": "osint:source-type=\"block-or-filter-list\""}}]`

func TestInstallFeeds(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "defaults.json")
	if err := os.WriteFile(file, []byte(tinyFeedList), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from string
		lim        Limits
		wantErr    string
	}{
		{"url", serve(t, 200, []byte(tinyFeedList)), Limits{}, ""},
		{"file", file, Limits{}, ""},
		{"directory", dir, Limits{}, ""},
		{"not found", serve(t, 404, nil), Limits{}, "404"},
		{"not the list", serve(t, 200, []byte(`{"Feed": {}}`)), Limits{}, "not MISP's feed list"},
		{"entry without url", serve(t, 200, []byte(`[{"Feed": {"name": "x"}}]`)), Limits{}, "no Feed with a name and url"},
		{"too big", file, Limits{MaxFileBytes: 10}, "limit exceeded"},
		{"too big download", serve(t, 200, []byte(tinyFeedList)), Limits{MaxFileBytes: 10}, "limit exceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "feed-metadata")
			res, err := Install(context.Background(), nil, Source{Name: Feeds, From: tc.from, Dest: dest}, tc.lim)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				if _, serr := os.Stat(dest); !errors.Is(serr, os.ErrNotExist) {
					t.Errorf("a refused list was installed")
				}
				return
			}
			if err != nil || res.Files != 1 {
				t.Fatalf("%+v %v", res, err)
			}
			got, err := os.ReadFile(filepath.Join(dest, "defaults.json"))
			if err != nil || string(got) != tinyFeedList {
				t.Errorf("installed %q %v", got, err)
			}
		})
	}
}
