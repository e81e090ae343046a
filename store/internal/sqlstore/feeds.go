package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hunchsec/hunch/misp"
)

// feedBatch is how many digests one statement inserts or looks up.
const feedBatch = 400

func scanFeed(sc Scanner) (*misp.Feed, error) {
	var (
		id   int64
		data string
	)
	if err := sc.Scan(&id, &data); err != nil {
		return nil, err
	}
	var f misp.Feed
	if err := json.Unmarshal([]byte(data), &f); err != nil {
		return nil, fmt.Errorf("decode feed %d: %w", id, err)
	}
	f.ID = misp.FlexInt(id)
	return &f, nil
}

func feedData(f *misp.Feed) (string, error) {
	c := *f
	c.ID, c.Tag = 0, nil
	b, err := json.Marshal(&c)
	return string(b), err
}

// CreateFeed stores f and sets its id.
func (s *Store) CreateFeed(ctx context.Context, f *misp.Feed) error {
	if f.Name == "" {
		return errors.New("create feed: empty name")
	}
	data, err := feedData(f)
	if err != nil {
		return fmt.Errorf("create feed %q: %w", f.Name, err)
	}
	return s.c.Write(ctx, func(tx Querier) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO feeds (name, data) VALUES (?, ?) RETURNING id`, f.Name, data).Scan(&id); err != nil {
			return fmt.Errorf("create feed %q: %w", f.Name, s.c.ConstraintErr(err))
		}
		f.ID = misp.FlexInt(id)
		return nil
	})
}

// Feed returns feed id.
func (s *Store) Feed(ctx context.Context, id int64) (*misp.Feed, error) {
	return one(s, ctx, "feed", "id, data", "feeds", "id = ?", id, scanFeed)
}

// ListFeeds returns every feed, by id.
func (s *Store) ListFeeds(ctx context.Context) ([]misp.Feed, error) {
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.Query(ctx, `SELECT id, data FROM feeds ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	defer rows.Close()
	out := []misp.Feed{}
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("list feeds: %w", err)
		}
		out = append(out, *f)
	}
	return out, rows.Err()
}

// UpdateFeed replaces the stored fields of feed f.ID.
func (s *Store) UpdateFeed(ctx context.Context, f *misp.Feed) error {
	if f.Name == "" {
		return errors.New("update feed: empty name")
	}
	data, err := feedData(f)
	if err != nil {
		return fmt.Errorf("update feed %d: %w", f.ID, err)
	}
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `UPDATE feeds SET name = ?, data = ? WHERE id = ?`, f.Name, data, int64(f.ID))
		return s.affected(n, err, "feed", int64(f.ID))
	})
}

// DeleteFeed removes feed id and its cache.
func (s *Store) DeleteFeed(ctx context.Context, id int64) error {
	return s.c.Write(ctx, func(tx Querier) error {
		if _, err := tx.Exec(ctx, `DELETE FROM feed_cache WHERE feed_id = ?`, id); err != nil {
			return fmt.Errorf("delete feed %d cache: %w", id, err)
		}
		n, err := tx.Exec(ctx, `DELETE FROM feeds WHERE id = ?`, id)
		return s.affected(n, err, "feed", id)
	})
}

// ReplaceFeedCache replaces the cache of feed id with hashes and stamps the feed with at.
func (s *Store) ReplaceFeedCache(ctx context.Context, id int64, hashes []string, at time.Time) (int64, error) {
	uniq := slices.Clone(hashes)
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	err := s.c.Write(ctx, func(tx Querier) error {
		f, err := scanFeed(tx.QueryRow(ctx, `SELECT id, data FROM feeds WHERE id = ?`, id))
		if errors.Is(err, ErrNoRows) {
			return NotFound("feed", id)
		}
		if err != nil {
			return fmt.Errorf("cache feed %d: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM feed_cache WHERE feed_id = ?`, id); err != nil {
			return fmt.Errorf("cache feed %d: %w", id, err)
		}
		for chunk := range slices.Chunk(uniq, feedBatch) {
			q := `INSERT INTO feed_cache (feed_id, hash) VALUES ` +
				strings.TrimSuffix(strings.Repeat("(?, ?), ", len(chunk)), ", ")
			args := make([]any, 0, 2*len(chunk))
			for _, h := range chunk {
				args = append(args, id, h)
			}
			if _, err := tx.Exec(ctx, q, args...); err != nil {
				return fmt.Errorf("cache feed %d: %w", id, err)
			}
		}
		f.CacheTimestamp = misp.TimestampOf(at)
		data, err := feedData(f)
		if err != nil {
			return fmt.Errorf("cache feed %d: %w", id, err)
		}
		_, err = tx.Exec(ctx, `UPDATE feeds SET data = ? WHERE id = ?`, data, id)
		return err
	})
	if err != nil {
		return 0, err
	}
	return int64(len(uniq)), nil
}

// FeedCacheSize returns how many digests the cache of feed id holds.
func (s *Store) FeedCacheSize(ctx context.Context, id int64) (int64, error) {
	r, err := s.c.Reader()
	if err != nil {
		return 0, err
	}
	var n int64
	if err := r.QueryRow(ctx, `SELECT COUNT(*) FROM feed_cache WHERE feed_id = ?`, id).Scan(&n); err != nil {
		return 0, fmt.Errorf("feed %d cache size: %w", id, err)
	}
	return n, nil
}

// FeedsHolding returns the feeds whose cache holds each of hashes.
func (s *Store) FeedsHolding(ctx context.Context, hashes []string) (map[string][]int64, error) {
	out := map[string][]int64{}
	if len(hashes) == 0 {
		return out, nil
	}
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	uniq := slices.Clone(hashes)
	slices.Sort(uniq)
	uniq = slices.Compact(uniq)
	for chunk := range slices.Chunk(uniq, feedBatch) {
		q := `SELECT hash, feed_id FROM feed_cache WHERE hash IN (` +
			strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ") + `) ORDER BY hash, feed_id`
		args := make([]any, len(chunk))
		for i, h := range chunk {
			args[i] = h
		}
		if err := func() error {
			rows, err := r.Query(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var (
					h  string
					id int64
				)
				if err := rows.Scan(&h, &id); err != nil {
					return err
				}
				out[h] = append(out[h], id)
			}
			return rows.Err()
		}(); err != nil {
			return nil, fmt.Errorf("feeds holding values: %w", err)
		}
	}
	return out, nil
}

// FeedCacheOverlap returns how many digests each ordered pair of distinct feeds shares.
func (s *Store) FeedCacheOverlap(ctx context.Context) (map[[2]int64]int64, error) {
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.Query(ctx, `SELECT a.feed_id, b.feed_id, COUNT(*) FROM feed_cache a
JOIN feed_cache b ON b.hash = a.hash AND b.feed_id <> a.feed_id GROUP BY a.feed_id, b.feed_id`)
	if err != nil {
		return nil, fmt.Errorf("feed cache overlap: %w", err)
	}
	defer rows.Close()
	out := map[[2]int64]int64{}
	for rows.Next() {
		var a, b, n int64
		if err := rows.Scan(&a, &b, &n); err != nil {
			return nil, fmt.Errorf("feed cache overlap: %w", err)
		}
		out[[2]int64{a, b}] = n
	}
	return out, rows.Err()
}
