package cli

import (
	"strings"
	"testing"
)

func TestReadPasswordLine(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, err string
	}{
		{"line", "a long enough passphrase\nsecond line\n", "a long enough passphrase", ""},
		{"crlf", "a long enough passphrase\r\n", "a long enough passphrase", ""},
		{"no newline", "a long enough passphrase", "a long enough passphrase", ""},
		{"spaces kept", "  spaced out passphrase  \n", "  spaced out passphrase  ", ""},
		{"empty", "\n", "", "first line of the input is empty"},
		{"nothing", "", "", "first line of the input is empty"},
		{"at the limit", strings.Repeat("p", maxPasswordInput) + "\n", strings.Repeat("p", maxPasswordInput), ""},
		{"over the limit", strings.Repeat("p", maxPasswordInput+1) + "\n", "", "longer than 4096 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readPasswordLine(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("= %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// FuzzReadPasswordLine checks that the password read is the first line, without its ending, never empty and never
// over the bound.
func FuzzReadPasswordLine(f *testing.F) {
	for _, s := range []string{"pw\n", "a b\r\nsecond", "", "\n\n", strings.Repeat("x", maxPasswordInput+3)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := readPasswordLine(strings.NewReader(in))
		if err != nil {
			return
		}
		if got == "" || len(got) > maxPasswordInput || strings.ContainsAny(got, "\n") || !strings.HasPrefix(in, got) {
			t.Fatalf("readPasswordLine(%q) = %q", in, got)
		}
	})
}
