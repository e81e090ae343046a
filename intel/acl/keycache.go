package acl

import (
	"crypto/sha256"
	"sync"
	"time"
)

// KeyChecker is CheckKey with a memory: it remembers successful checks for a while, so that a busy API pays for
// bcrypt once per key and period rather than once per request (a check costs tens of milliseconds by design).
//
// It remembers a SHA-256 digest of the stored hash and the key together, never the key, and only successes: a wrong
// key always pays the full check. Revocation stays immediate as long as the caller looks the key's row up on every
// request (by KeyStart and KeyEnd, skipping expired and deleted rows) and asks only about rows it found; a changed
// hash for the same key is a different digest. Safe for concurrent use.
type KeyChecker struct {
	ttl  time.Duration
	max  int
	now  func() time.Time
	mu   sync.Mutex
	seen map[[sha256.Size]byte]time.Time
}

// NewKeyChecker returns a KeyChecker that trusts a success for ttl and remembers at most max of them; now is the
// clock (time.Now in production). A ttl or max of zero or less disables the memory.
func NewKeyChecker(ttl time.Duration, max int, now func() time.Time) *KeyChecker {
	if now == nil {
		now = time.Now
	}
	return &KeyChecker{ttl: ttl, max: max, now: now, seen: make(map[[sha256.Size]byte]time.Time)}
}

// Check reports whether key matches hash, as CheckKey does.
func (c *KeyChecker) Check(hash, key string) bool {
	if !ValidKey(key) {
		return false
	}
	if c.ttl <= 0 || c.max <= 0 {
		return CheckKey(hash, key)
	}
	h := sha256.New()
	h.Write([]byte(hash))
	h.Write([]byte{0})
	h.Write([]byte(key))
	var d [sha256.Size]byte
	h.Sum(d[:0])

	now := c.now()
	c.mu.Lock()
	until, ok := c.seen[d]
	c.mu.Unlock()
	if ok && now.Before(until) {
		return true
	}
	if !CheckKey(hash, key) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seen) >= c.max {
		for k, t := range c.seen {
			if !now.Before(t) {
				delete(c.seen, k)
			}
		}
		if len(c.seen) >= c.max {
			clear(c.seen)
		}
	}
	c.seen[d] = now.Add(c.ttl)
	return true
}
