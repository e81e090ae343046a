package siem

import (
	"strings"
	"testing"
	"time"
)

// now is Wednesday 2024-05-15 10:37:42.5 UTC.
var testNow = time.Date(2024, 5, 15, 10, 37, 42, 500_000_000, time.UTC)

func TestParseTime(t *testing.T) {
	at := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		{"now", testNow},
		{" now ", testNow},
		// Splunk's documented relative time examples (Search Reference, time modifiers).
		{"-60m", testNow.Add(-60 * time.Minute)},
		{"-1h@h", at(2024, 5, 15, 9, 0, 0)},
		{"-1d@d", at(2024, 5, 14, 0, 0, 0)},
		{"-24h", testNow.Add(-24 * time.Hour)},
		{"-7d@d", at(2024, 5, 8, 0, 0, 0)},
		{"-7d@m", at(2024, 5, 8, 10, 37, 0)},
		{"@w0", at(2024, 5, 12, 0, 0, 0)},
		{"@w7", at(2024, 5, 12, 0, 0, 0)},
		{"@w1", at(2024, 5, 13, 0, 0, 0)},
		{"@w3", at(2024, 5, 15, 0, 0, 0)},
		{"@w4", at(2024, 5, 9, 0, 0, 0)},
		{"@w", at(2024, 5, 12, 0, 0, 0)},
		{"-2w@w1", at(2024, 4, 29, 0, 0, 0)},
		{"+1h@h", at(2024, 5, 15, 11, 0, 0)},
		{"-1mon@mon", at(2024, 4, 1, 0, 0, 0)},
		{"-mon@mon", at(2024, 4, 1, 0, 0, 0)},
		{"@mon", at(2024, 5, 1, 0, 0, 0)},
		{"@q", at(2024, 4, 1, 0, 0, 0)},
		{"-1q@q", at(2024, 1, 1, 0, 0, 0)},
		{"@y", at(2024, 1, 1, 0, 0, 0)},
		{"-1y@y", at(2023, 1, 1, 0, 0, 0)},
		{"@d-2h", at(2024, 5, 14, 22, 0, 0)},
		{"@d+8h", at(2024, 5, 15, 8, 0, 0)},
		{"-3d@d", at(2024, 5, 12, 0, 0, 0)},
		{"-15m", testNow.Add(-15 * time.Minute)},
		{"-30s", testNow.Add(-30 * time.Second)},
		{"@s", at(2024, 5, 15, 10, 37, 42)},
		{"-h", testNow.Add(-time.Hour)},
		{"-2hours", testNow.Add(-2 * time.Hour)},
		{"-5mins", testNow.Add(-5 * time.Minute)},
		{"-3days", testNow.AddDate(0, 0, -3)},
		{"-1week", testNow.AddDate(0, 0, -7)},
		{"-2months", testNow.AddDate(0, -2, 0)},
		{"-1yr", testNow.AddDate(-1, 0, 0)},
		{"-10secs", testNow.Add(-10 * time.Second)},
		{"-1qtr", testNow.AddDate(0, -3, 0)},
		{"-1D@D", at(2024, 5, 14, 0, 0, 0)},
		{"-48h-30m", testNow.Add(-48*time.Hour - 30*time.Minute)},
		// Absolute times.
		{"2024-03-01T10:00:00Z", at(2024, 3, 1, 10, 0, 0)},
		{"2024-03-01T10:00:00.25Z", at(2024, 3, 1, 10, 0, 0).Add(250 * time.Millisecond)},
		{"2024-03-01T10:00:00+02:00", at(2024, 3, 1, 8, 0, 0)},
		{"2024-03-01T10:00:00", at(2024, 3, 1, 10, 0, 0)},
		{"2024-03-01T10:00", at(2024, 3, 1, 10, 0, 0)},
		{"2024-03-01 10:00:05", at(2024, 3, 1, 10, 0, 5)},
		{"2024-03-01", at(2024, 3, 1, 0, 0, 0)},
		{"1700000000", time.Unix(1700000000, 0)},
		{"1700000000.25", time.Unix(1700000000, 250_000_000)},
		{"0", time.Unix(0, 0)},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in, testNow)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseTimeZoneless(t *testing.T) {
	loc := time.FixedZone("X", 3*3600)
	now := testNow.In(loc)
	got, err := ParseTime("2024-03-01", now)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 3, 1, 0, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("got %s, want %s", got, want)
	}
	got, err = ParseTime("@d", now) // 13:37 in X: midnight in X
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 5, 15, 0, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("@d got %s, want %s", got, want)
	}
}

func TestParseTimeErrors(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"", "empty time"},
		{"-3x", `unknown unit "x"`},
		{"-3d@x", `unknown unit "x"`},
		{"-3", `"-3" has no unit`},
		{"@", "missing unit"},
		{"@3d", "takes a unit, not a number"},
		{"@w8", "weekday 8 not in 0-7"},
		{"-1d*", `unexpected "*"`},
		{"-1234567890s", "more than 9 digits"},
		{"-999999999y", "out of range"},
		{"yesterday", `time "yesterday": not now`},
		{"2024-13-01", "not now, RFC 3339"},
		{"1700000000.1234567891", "more than nine fraction digits"},
		{"9999999999999", "unix seconds out of range"},
	}
	for _, tt := range tests {
		_, err := ParseTime(tt.in, testNow)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseTime(%q) error = %v, want containing %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestParseRange(t *testing.T) {
	tests := []struct {
		from, to, last string
		want           Range
	}{
		{"", "", "24h", Range{testNow.Add(-24 * time.Hour), testNow}},
		{"", "", "7d", Range{testNow.AddDate(0, 0, -7), testNow}},
		{"", "", "1mon", Range{testNow.AddDate(0, -1, 0), testNow}},
		{"", "2024-05-01", "1d", Range{time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC), time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}},
		{"-3d@d", "@d", "", Range{time.Date(2024, 5, 12, 0, 0, 0, 0, time.UTC), time.Date(2024, 5, 15, 0, 0, 0, 0, time.UTC)}},
		{"2024-05-01", "", "", Range{time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), testNow}},
		{"", "", "", Range{To: testNow}},
	}
	for _, tt := range tests {
		got, err := ParseRange(tt.from, tt.to, tt.last, testNow)
		if err != nil {
			t.Errorf("ParseRange(%q, %q, %q): %v", tt.from, tt.to, tt.last, err)
			continue
		}
		if !got.From.Equal(tt.want.From) || !got.To.Equal(tt.want.To) {
			t.Errorf("ParseRange(%q, %q, %q) = %v, want %v", tt.from, tt.to, tt.last, got, tt.want)
		}
	}
}

func TestParseRangeErrors(t *testing.T) {
	tests := []struct{ from, to, last, wantErr string }{
		{"-1d", "", "24h", "--from and --last cannot be used together"},
		{"bogus", "", "", "--from: time \"bogus\""},
		{"", "bogus", "", "--to: time \"bogus\""},
		{"", "", "24x", `--last: time "-24x": unknown unit "x"`},
		{"", "", "-24h", "--last \"-24h\": want a count and a unit"},
		{"", "", "24h@h", "--last \"24h@h\": want a count and a unit"},
		{"", "", "1d-2h", "--last \"1d-2h\": want a count and a unit"},
		{"", "", "h", "--last \"h\": want a count and a unit"},
		{"now", "-1d", "", "is not before to"},
		{"now", "now", "", "is not before to"},
	}
	for _, tt := range tests {
		_, err := ParseRange(tt.from, tt.to, tt.last, testNow)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseRange(%q, %q, %q) error = %v, want containing %q", tt.from, tt.to, tt.last, err, tt.wantErr)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"now", "-3d@d", "@w0", "+1h@h", "-1mon@mon", "@y", "2024-03-01T10:00:00Z", "2024-03-01", "1700000000.5", "@d-2h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s, testNow)
		if err != nil {
			return
		}
		// A relative time lands within the range ParseTime promises.
		if s = strings.TrimSpace(s); s != "" && strings.ContainsRune("+-@", rune(s[0])) {
			if y := got.Year(); y < 1 || y > 9999 {
				t.Fatalf("ParseTime(%q) = %s, out of range", s, got)
			}
		}
		// Parsing is deterministic.
		again, err := ParseTime(s, testNow)
		if err != nil || !again.Equal(got) {
			t.Fatalf("ParseTime(%q) not deterministic: %s then %s, %v", s, got, again, err)
		}
	})
}
