package sqlstore

import "testing"

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1":                              "SELECT 1",
		"a = ? AND b = ?":                       "a = $1 AND b = $2",
		`v LIKE ? ESCAPE '\' OR w = ?`:          `v LIKE $1 ESCAPE '\' OR w = $2`,
		"x = '?' AND y = ?":                     "x = '?' AND y = $1",
		`"col?" = ? AND z IN (?, ?)`:            `"col?" = $1 AND z IN ($2, $3)`,
		"value1 || '|' || value2 = ?":           "value1 || '|' || value2 = $1",
		"a = ? AND b = ? AND c = ? AND d = ?xx": "a = $1 AND b = $2 AND c = $3 AND d = $4xx",
	} {
		if got := Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
	}
}
