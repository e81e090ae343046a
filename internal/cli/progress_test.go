package cli

import (
	"bytes"
	"testing"
	"time"
)

// The bar stays silent for the first second, then draws, and finish clears the line it drew.
func TestProgressBar(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var buf bytes.Buffer
	update, finish := newProgress(&buf, clock, time.Second)
	update(1, 10)
	now = now.Add(500 * time.Millisecond)
	update(2, 10)
	if buf.Len() != 0 {
		t.Fatalf("drew within the first second: %q", buf.String())
	}
	now = now.Add(600 * time.Millisecond)
	update(5, 10)
	if got := buf.String(); got != "\r[===============               ] 5/10 lookups" {
		t.Errorf("bar %q", got)
	}
	update(6, 10) // within 100 ms of the last draw: skipped
	update(10, 10)
	finish()
	if got := buf.String(); got != "\r[===============               ] 5/10 lookups\r[==============================] 10/10 lookups\r\033[K" {
		t.Errorf("bar %q", got)
	}
	buf.Reset()
	_, finish = newProgress(&buf, clock, time.Second)
	finish()
	if buf.Len() != 0 {
		t.Errorf("finish cleared a line it never drew: %q", buf.String())
	}
}
