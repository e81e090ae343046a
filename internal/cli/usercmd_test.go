package cli

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestParseRole(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"admin", 1, true}, {"orgadmin", 2, true}, {"Org Admin", 2, true}, {"user", 3, true},
		{"publisher", 4, true}, {"sync", 5, true}, {"Sync user", 5, true}, {"readonly", 6, true},
		{"read-only", 6, true}, {"4", 4, true}, {"7", 0, false}, {"root", 0, false}, {"0", 0, false},
	}
	for _, tt := range tests {
		got, err := parseRole(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseRole(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

var keyLine = regexp.MustCompile(`^[A-Za-z0-9]{40}\n$`)

func TestOrgAndUserCommands(t *testing.T) {
	data := t.TempDir()
	steps := []struct {
		args   []string
		code   int
		stdout *regexp.Regexp // nil: not checked
		stderr string         // fragment; "" not checked
	}{
		{[]string{"org", "add", "ACME", "--local", "--uuid", "11111111-2222-4333-8444-555555555555"}, 0, regexp.MustCompile(`^1\t11111111-2222-4333-8444-555555555555\tACME\n$`), ""},
		{[]string{"org", "add", "ACME"}, 1, nil, "an organisation with this name already exists"},
		{[]string{"org", "add", "Other", "--uuid", "nope"}, 1, nil, "uuid"},
		{[]string{"org", "add"}, 2, nil, "takes 1 argument"},
		{[]string{"user", "add", "ana@acme.test", "--org", "ACME", "--role", "publisher"}, 0, keyLine, ""},
		{[]string{"user", "add", "bob@acme.test", "--org", "1"}, 0, keyLine, ""},
		{[]string{"user", "add", "ana@acme.test", "--org", "ACME"}, 1, nil, "already exists"},
		{[]string{"user", "add", "not-an-email", "--org", "ACME"}, 1, nil, "valid email"},
		{[]string{"user", "add", "eve@acme.test", "--org", "Nobody"}, 1, nil, `no organisation "Nobody"`},
		{[]string{"user", "add", "eve@acme.test"}, 2, nil, "--org is required"},
		{[]string{"user", "add", "eve@acme.test", "--org", "ACME", "--role", "god"}, 2, nil, `--role "god"`},
		{[]string{"user", "list", "--db", "mysql://x"}, 2, nil, "postgres://"},
	}
	for _, s := range steps {
		args := append([]string{"--data", data}, s.args...)
		code, out, errs := runHunch(t, "", args...)
		if code != s.code {
			t.Errorf("%v: exit %d, want %d\n%s", s.args, code, s.code, errs)
			continue
		}
		if s.stdout != nil && !s.stdout.MatchString(out) {
			t.Errorf("%v: stdout %q does not match %v", s.args, out, s.stdout)
		}
		if !strings.Contains(strings.ToLower(errs), strings.ToLower(s.stderr)) {
			t.Errorf("%v: stderr %q lacks %q", s.args, errs, s.stderr)
		}
	}

	code, out, errs := runHunch(t, "", "--data", data, "-o", "json", "user", "list")
	if code != 0 {
		t.Fatalf("user list: %d %s", code, errs)
	}
	var users []struct {
		ID               int64
		Email, Org, Role string
	}
	if err := json.Unmarshal([]byte(out), &users); err != nil {
		t.Fatalf("user list: %v\n%s", err, out)
	}
	if len(users) != 2 || users[0].Email != "ana@acme.test" || users[0].Role != "Publisher" || users[0].Org != "ACME" || users[1].Role != "User" {
		t.Errorf("user list: %+v", users)
	}
	code, out, _ = runHunch(t, "", "--data", data, "-o", "csv", "org", "list")
	if code != 0 || !strings.Contains(out, "1,ACME,11111111-2222-4333-8444-555555555555,true,") {
		t.Errorf("org list: %d\n%s", code, out)
	}
}
