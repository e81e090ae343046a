package taxii

import (
	"fmt"
	"testing"
	"time"
)

// TestStatusStoreLimits: statuses expire after their TTL, the oldest go first past the count limit, and a status
// is only its requester's.
func TestStatusStoreLimits(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &statusStore{ttl: time.Hour, max: 3, byID: map[string]*statusEntry{}}
	for i := range 5 {
		s.put(7, Status{ID: fmt.Sprint(i)}, now.Add(time.Duration(i)*time.Minute))
	}
	for i, want := range []bool{false, false, true, true, true} {
		if _, ok := s.get(7, fmt.Sprint(i), now.Add(5*time.Minute)); ok != want {
			t.Errorf("status %d kept %v, want %v", i, ok, want)
		}
	}
	if _, ok := s.get(8, "4", now.Add(5*time.Minute)); ok {
		t.Error("another user read a status")
	}
	if _, ok := s.get(7, "4", now.Add(65*time.Minute)); ok {
		t.Error("a status outlived its TTL")
	}
	if len(s.byID) != 0 || len(s.order) != 0 {
		t.Errorf("expired statuses still held: %d, %d", len(s.byID), len(s.order))
	}
}

// TestNextToken: a token reads back as the position it was made of; anything else is refused.
func TestNextToken(t *testing.T) {
	c := cursor{added: time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC), event: 42, index: 7}
	got, ok := decodeNext(encodeNext(c))
	if !ok || !got.added.Equal(c.added) || got.event != 42 || got.index != 7 {
		t.Errorf("round trip %+v, %v", got, ok)
	}
	for _, bad := range []string{"", "!!", "MS4y", "LTEuMi4z", "YS5iLmM"} {
		if _, ok := decodeNext(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestAccept(t *testing.T) {
	for _, tc := range []struct {
		accept []string
		ok     bool
	}{
		{nil, true},
		{[]string{"application/taxii+json;version=2.1"}, true},
		{[]string{"application/taxii+json"}, true},
		{[]string{"application/json, application/taxii+json; version=2.1; q=0.5"}, true},
		{[]string{"application/taxii+json;version=2.1;q=0"}, false},
		{[]string{"application/taxii+json;version=2.0"}, false},
		{[]string{"application/vnd.oasis.taxii+json; version=2.0"}, false},
		{[]string{"text/html"}, false},
		{[]string{"*/*"}, true},
	} {
		if got := acceptsTAXII(tc.accept); got != tc.ok {
			t.Errorf("%q: %v, want %v", tc.accept, got, tc.ok)
		}
	}
}

// FuzzDecodeNext: no token makes the decoder panic, and what it accepts encodes back to a token it accepts.
func FuzzDecodeNext(f *testing.F) {
	f.Add(encodeNext(cursor{added: time.Unix(1700000000, 5000).UTC(), event: 3, index: 1}))
	f.Add("MTcwMDAwMDAwMDAwMDAwMC4zLjE")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := decodeNext(s)
		if !ok {
			return
		}
		if _, ok := decodeNext(encodeNext(c)); !ok {
			t.Fatalf("%q decoded to %+v, whose token is refused", s, c)
		}
	})
}

// FuzzAccept: no Accept header makes the media-type check panic.
func FuzzAccept(f *testing.F) {
	for _, s := range []string{"application/taxii+json;version=2.1", "*/*;q=0", "a/b; c=\"d\", e/f", ";;,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = acceptsTAXII([]string{s})
		_ = taxiiContentType(s)
	})
}
