package acl_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
)

func TestGenerateKey(t *testing.T) {
	seen := map[string]bool{}
	counts := map[byte]int{}
	const n = 2000
	for range n {
		k, err := acl.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		if !acl.ValidKey(k) {
			t.Fatalf("GenerateKey() = %q, not a valid key", k)
		}
		if seen[k] {
			t.Fatalf("GenerateKey() repeated %q", k)
		}
		seen[k] = true
		for i := range len(k) {
			counts[k[i]]++
		}
	}
	// Every one of the 62 characters turns up, none far from its share (80 000 draws, 1290 expected each).
	if len(counts) != 62 {
		t.Errorf("%d distinct characters, want 62", len(counts))
	}
	for c, got := range counts {
		if got < 1000 || got > 1600 {
			t.Errorf("character %q drawn %d times of %d, expected about %d", c, got, n*40, n*40/62)
		}
	}
}

func TestValidKey(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{strings.Repeat("a", 40), true},
		{"AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCd", true},
		{strings.Repeat("a", 39), false},
		{strings.Repeat("a", 41), false},
		{strings.Repeat("a", 39) + "-", false},
		{strings.Repeat("a", 39) + "é"[:1], false},
		{"", false},
		{strings.Repeat("a", 38) + "\x00a", false},
	}
	for _, tt := range tests {
		if got := acl.ValidKey(tt.key); got != tt.want {
			t.Errorf("ValidKey(%q) = %t, want %t", tt.key, got, tt.want)
		}
	}
}

func TestHashAndCheckKey(t *testing.T) {
	key, err := acl.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	h1, err := acl.HashKey(key)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := acl.HashKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Error("two hashes of one key are equal: no per-hash salt")
	}
	if strings.Contains(h1, key) || strings.Contains(h1, key[4:36]) {
		t.Error("hash contains the key")
	}
	other := []byte(key)
	other[20] = 'Q'
	if key[20] == 'Q' {
		other[20] = 'R'
	}
	// PHP writes bcrypt hashes as $2y$; MISP's stored hashes must verify unchanged.
	php := "$2y$" + strings.TrimPrefix(h1, "$2a$")
	tests := []struct {
		name string
		hash string
		key  string
		want bool
	}{
		{"same key", h1, key, true},
		{"second hash", h2, key, true},
		{"php $2y$ form", php, key, true},
		{"one character changed", h1, string(other), false},
		{"truncated key", h1, key[:39], false},
		{"key with suffix", h1, key + "x", false},
		{"empty key", h1, "", false},
		{"empty hash", "", key, false},
		{"garbage hash", "$2a$10$notahash", key, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := acl.CheckKey(tt.hash, tt.key); got != tt.want {
				t.Errorf("CheckKey = %t, want %t", got, tt.want)
			}
		})
	}
	if _, err := acl.HashKey("short"); !errors.Is(err, acl.ErrInvalidKey) {
		t.Errorf("HashKey(short) error = %v, want ErrInvalidKey", err)
	}
	if !strings.HasPrefix(h1, "$2a$10$") {
		t.Errorf("hash %q is not bcrypt at cost 10", h1)
	}
}

func TestKeyStartEnd(t *testing.T) {
	const key = "ABCDefghijklmnopqrstuvwxyz0123456789WXYZ"
	if got := acl.KeyStart(key); got != "ABCD" {
		t.Errorf("KeyStart = %q", got)
	}
	if got := acl.KeyEnd(key); got != "WXYZ" {
		t.Errorf("KeyEnd = %q", got)
	}
	if got := acl.KeyStart("ab"); got != "ab" {
		t.Errorf("KeyStart(short) = %q", got)
	}
	if got := acl.KeyEnd("ab"); got != "ab" {
		t.Errorf("KeyEnd(short) = %q", got)
	}
}

func BenchmarkCheckKey(b *testing.B) {
	key, _ := acl.GenerateKey()
	h, _ := acl.HashKey(key)
	for b.Loop() {
		if !acl.CheckKey(h, key) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkGenerateKey(b *testing.B) {
	for b.Loop() {
		if _, err := acl.GenerateKey(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestKeyChecker(t *testing.T) {
	key, _ := acl.GenerateKey()
	hash, _ := acl.HashKey(key)
	other, _ := acl.GenerateKey()
	otherHash, _ := acl.HashKey(other)
	now := time.Unix(1_700_000_000, 0)
	c := acl.NewKeyChecker(time.Minute, 1, func() time.Time { return now })

	steps := []struct {
		name       string
		advance    time.Duration
		hash, key  string
		want       bool
		maxElapsed time.Duration // a remembered success answers without bcrypt
	}{
		{name: "first check", hash: hash, key: key, want: true},
		{name: "remembered", advance: 30 * time.Second, hash: hash, key: key, want: true, maxElapsed: 20 * time.Millisecond},
		{name: "wrong key never remembered", hash: hash, key: other, want: false},
		{name: "key against another hash", hash: otherHash, key: key, want: false},
		{name: "expired, checked again", advance: time.Minute, hash: hash, key: key, want: true},
		{name: "second key evicts the first (max 1)", hash: otherHash, key: other, want: true},
		{name: "invalid key", hash: hash, key: "x", want: false},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		// The fastest of three tries, so that a busy machine's scheduling does not pass for bcrypt (≥ 50 ms at cost 10).
		var got bool
		elapsed := time.Hour
		for range 3 {
			start := time.Now()
			got = c.Check(s.hash, s.key)
			elapsed = min(elapsed, time.Since(start))
		}
		if got != s.want {
			t.Errorf("%s: Check = %t, want %t", s.name, got, s.want)
		}
		if s.maxElapsed > 0 && elapsed > s.maxElapsed {
			t.Errorf("%s: took %v, so bcrypt ran again", s.name, elapsed)
		}
	}
	if !acl.NewKeyChecker(0, 0, nil).Check(hash, key) {
		t.Error("a checker without memory refuses a good key")
	}
}

func BenchmarkKeyCheckerRemembered(b *testing.B) {
	key, _ := acl.GenerateKey()
	h, _ := acl.HashKey(key)
	c := acl.NewKeyChecker(time.Hour, 1024, time.Now)
	c.Check(h, key)
	for b.Loop() {
		if !c.Check(h, key) {
			b.Fatal("no match")
		}
	}
}
