package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hunchsec/hunch/store"
)

const (
	getCachedSQL = `SELECT data FROM enrich_cache
WHERE provider = $1 AND type = $2 AND value = $3 AND expires_ns > $4`

	putCachedSQL = `INSERT INTO enrich_cache (provider, type, value, verdict, data, stored_ns, expires_ns)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (provider, type, value) DO UPDATE SET
	verdict = excluded.verdict, data = excluded.data,
	stored_ns = excluded.stored_ns, expires_ns = excluded.expires_ns`

	cacheStatsSQL = `SELECT provider, count(*), count(*) FILTER (WHERE expires_ns <= $1), sum(octet_length(data)),
	count(*) FILTER (WHERE verdict = 0), count(*) FILTER (WHERE verdict = 1),
	count(*) FILTER (WHERE verdict = 2), count(*) FILTER (WHERE verdict = 3),
	min(stored_ns), max(stored_ns)
FROM enrich_cache GROUP BY provider ORDER BY provider`
)

// GetCached returns the stored data for (provider, typ, value) when it has not expired at now:
// an entry is fresh while now is before its expiry. ok is false when there is no fresh entry.
func (db *DB) GetCached(ctx context.Context, provider, typ, value string, now time.Time) (data []byte, ok bool, err error) {
	if err := db.check(); err != nil {
		return nil, false, err
	}
	err = db.pool.QueryRow(ctx, getCachedSQL, []byte(provider), []byte(typ), []byte(value), unixNano(now)).Scan(&data)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("read cache %s: %w", entryName(provider, typ, value), err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, true, nil
}

// PutCached stores or replaces the entry for (provider, typ, value). verdict must be 0 to 3
// (DBotScore); provider, typ and value must not be empty; stored and expires must be set. Times
// are kept to the nanosecond; those beyond the years 1678–2262 are clamped to that range.
func (db *DB) PutCached(ctx context.Context, provider, typ, value string, verdict int, data []byte, stored, expires time.Time) error {
	if err := db.check(); err != nil {
		return err
	}
	switch {
	case provider == "" || typ == "" || value == "":
		return fmt.Errorf("store cache entry %s: provider, type and value must not be empty", entryName(provider, typ, value))
	case verdict < 0 || verdict > 3:
		return fmt.Errorf("store cache entry %s: verdict %d is outside 0-3", entryName(provider, typ, value), verdict)
	case stored.IsZero() || expires.IsZero():
		return fmt.Errorf("store cache entry %s: stored and expiry times must be set", entryName(provider, typ, value))
	}
	if data == nil {
		data = []byte{} // a zero-length bytea, not NULL
	}
	if _, err := db.pool.Exec(ctx, putCachedSQL, []byte(provider), []byte(typ), []byte(value), int16(verdict), data,
		unixNano(stored), unixNano(expires)); err != nil {
		return fmt.Errorf("store cache entry %s: %w", entryName(provider, typ, value), err)
	}
	return nil
}

// CacheStats summarises the cache per provider, ordered by provider name (bytewise). Entries
// whose expiry is at or before now count as expired; Bytes sums the stored data.
func (db *DB) CacheStats(ctx context.Context, now time.Time) ([]store.CacheStat, error) {
	if err := db.check(); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, cacheStatsSQL, unixNano(now))
	if err != nil {
		return nil, fmt.Errorf("read cache statistics: %w", err)
	}
	defer rows.Close()
	var stats []store.CacheStat
	for rows.Next() {
		var s store.CacheStat
		var provider []byte
		var oldest, newest int64
		if err := rows.Scan(&provider, &s.Entries, &s.Expired, &s.Bytes,
			&s.Verdicts[0], &s.Verdicts[1], &s.Verdicts[2], &s.Verdicts[3], &oldest, &newest); err != nil {
			return nil, fmt.Errorf("read cache statistics: %w", err)
		}
		s.Provider = string(provider)
		s.OldestStored = time.Unix(0, oldest).UTC()
		s.NewestStored = time.Unix(0, newest).UTC()
		stats = append(stats, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read cache statistics: %w", err)
	}
	return stats, nil
}

// PurgeCache deletes the entries of provider ("" for every provider) — only those expired at
// now (expiry at or before now) when expiredOnly is set — and returns how many it deleted.
func (db *DB) PurgeCache(ctx context.Context, provider string, expiredOnly bool, now time.Time) (int64, error) {
	if err := db.check(); err != nil {
		return 0, err
	}
	query, args := `DELETE FROM enrich_cache`, []any(nil)
	switch {
	case provider != "" && expiredOnly:
		query, args = query+` WHERE provider = $1 AND expires_ns <= $2`, []any{[]byte(provider), unixNano(now)}
	case provider != "":
		query, args = query+` WHERE provider = $1`, []any{[]byte(provider)}
	case expiredOnly:
		query, args = query+` WHERE expires_ns <= $1`, []any{unixNano(now)}
	}
	tag, err := db.pool.Exec(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("purge cache: %w", err)
	}
	return tag.RowsAffected(), nil
}

// unixNano is t in Unix nanoseconds, which cover 1678 to 2262; times beyond are clamped so that
// a far-future expiry stays in the future instead of wrapping around.
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// entryName names a cache entry in an error message, quoted, with a long value cut short.
func entryName(provider, typ, value string) string {
	const maxValue = 120
	if len(value) > maxValue {
		value = value[:maxValue] + "…"
	}
	return fmt.Sprintf("%q %q:%q", provider, typ, value)
}
