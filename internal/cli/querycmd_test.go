package cli

import (
	dbsql "database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/internal/config"
	"github.com/hunchsec/hunch/siem/template"
)

// queryFixture writes a SQLite database of logons, a user template folder and a configuration
// naming them, and returns the configuration's path.
func queryFixture(t *testing.T, withPG bool) string {
	t.Helper()
	dir := t.TempDir()
	db, err := dbsql.Open("sqlite", filepath.Join(dir, "events.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`create table logons (ts datetime, host text, account text, event_id integer)`); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	for i := range 30 {
		acct := []string{"alice", "bob", "'; drop table logons; --"}[i%3]
		if _, err := db.Exec(`insert into logons values (?, ?, ?, ?)`, t0.Add(time.Duration(i)*time.Hour), "ws1", acct, 4624+i%2); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "queries"), 0o755); err != nil {
		t.Fatal(err)
	}
	tmpl := `name: sql.logons_by_account
description: Logons of one account from the logons table.
backend: sql
family: logon
tags: [local]
parameters:
  - {name: user, type: string, required: true, aliases: [account], description: account name, example: alice}
  - {name: events, type: list, default: "4624,4625", description: event ids, example: "4624"}
  - {name: since, type: datetime, default: "0", description: earliest time, example: "-7d"}
body: |
  select ts, host, account, event_id from logons
  where account = {{user}} and cast(event_id as text) in {{events}} and ts >= {{since}}
  order by ts
---
name: splunk.process_by_host
description: a local replacement
backend: splunk
family: process
parameters: [{name: host, required: true}]
body: search sourcetype=local host={{host}}
`
	if err := os.WriteFile(filepath.Join(dir, "queries", "local.yaml"), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := `siem:
  template_dirs: [queries]
  connections:
    local:
      kind: sqlite
      path: events.db
    prod:
      kind: splunk
      url: https://splunk.example:8089
`
	if withPG {
		cfg += "    pg:\n      kind: postgres\n      dsn: env:HUNCH_TEST_POSTGRES\n"
	}
	path := filepath.Join(dir, "hunch.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func ndjsonRows(t *testing.T, out string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		rows = append(rows, m)
	}
	return rows
}

func TestQueryList(t *testing.T) {
	cfg := queryFixture(t, false)
	code, out, errOut := runHunch(t, "", "query", "list", "--config", cfg, "-o", "ndjson", "--backend", "sentinel", "--family", "dns")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows := ndjsonRows(t, out)
	if len(rows) != 1 || rows[0]["name"] != "sentinel.dns_for_domain" || rows[0]["language"] != "kql" {
		t.Errorf("rows %v", rows)
	}
	if !strings.Contains(errOut, "note: template splunk.process_by_host from ") {
		t.Errorf("no override note: %q", errOut)
	}
	code, out, _ = runHunch(t, "", "query", "list", "--config", cfg, "-o", "csv", "--tag", "eventcode.4625", "--columns", "name,backend")
	if code != ExitOK || out != "name,backend\nelastic.failed_logon_burst,elastic\nfiles.failed_logon_burst,files\nsentinel.failed_logon_burst,sentinel\nsplunk.failed_logon_burst,splunk\n" {
		t.Errorf("tag filter: exit %d\n%s", code, out)
	}
	code, out, _ = runHunch(t, "", "query", "list", "--config", cfg)
	if code != ExitOK || !strings.Contains(out, "sql.logons_by_account") || !strings.Contains(out, "NAME") && !strings.Contains(out, "name") {
		t.Errorf("table: exit %d\n%s", code, out)
	}
	if code, _, errOut := runHunch(t, "", "query", "list", "--config", cfg, "--backend", "qradar"); code != ExitUsage || !strings.Contains(errOut, "qradar") {
		t.Errorf("bad backend: exit %d %s", code, errOut)
	}
}

func TestQueryShow(t *testing.T) {
	cfg := queryFixture(t, false)
	code, out, errOut := runHunch(t, "", "query", "show", "--config", cfg, "sentinel.logons_by_account", "-p", `account=x" | take 1 //`)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"name:        sentinel.logons_by_account", "backend:     sentinel (kql)", "user (string, required) aliases: account, username",
		"body:\n  SecurityEvent\n", `| where EventID == 4624 and TargetUserName =~ "x\" | take 1 //"`, "from:        builtin:sentinel.yaml"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	code, out, _ = runHunch(t, "", "query", "show", "--config", cfg, "sql.logons_by_account", "-p", "user='; drop table x; --", "-p", "events=1,2", "-p", "since=2026-01-01T01:00:00+01:00")
	if code != ExitOK || !strings.Contains(out, "where account = :user and cast(event_id as text) in (:events_1, :events_2) and ts >= :since") ||
		!strings.Contains(out, `:user = "'; drop table x; --"`) || !strings.Contains(out, `:since = "2026-01-01T00:00:00Z"`) || !strings.Contains(out, `:events_2 = "2"`) {
		t.Errorf("sql show: exit %d\n%s", code, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"nosuch"}, `no template "nosuch"`},
		{[]string{"sql.logons_by_account", "-p", "usr=x"}, `unknown parameter "usr"`},
		{[]string{"sql.logons_by_account", "-p", "user=x", "-p", "since=whenever"}, "parameter since (datetime)"},
		{[]string{"sql.logons_by_account", "-p", "user"}, "want name=value"},
		{[]string{"sql.logons_by_account", "-p", "events="}, "parameter user is required"},
	} {
		code, _, errOut := runHunch(t, "", append([]string{"query", "show", "--config", cfg}, tc.args...)...)
		if code != ExitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestQueryRunSQLite(t *testing.T) {
	cfg := queryFixture(t, false)
	run := func(args ...string) (int, []map[string]any, string) {
		t.Helper()
		code, out, errOut := runHunch(t, "", append([]string{"query", "run", "--config", cfg, "-o", "ndjson"}, args...)...)
		if code != ExitOK {
			return code, nil, errOut
		}
		return code, ndjsonRows(t, out), errOut
	}
	// The only SQL connection is picked without --connection.
	code, rows, errOut := run("sql.logons_by_account", "-p", "user=alice")
	if code != ExitOK || len(rows) != 10 {
		t.Fatalf("exit %d, %d rows: %s", code, len(rows), errOut)
	}
	if rows[0]["account"] != "alice" || rows[0]["event_id"] != float64(4624) || rows[0]["ts"] != "2026-11-20T08:00:00Z" {
		t.Errorf("first row %v", rows[0])
	}
	// The hostile value is one bound parameter: it selects its own rows and drops nothing.
	code, rows, errOut = run("sql.logons_by_account", "-c", "local", "-p", "account='; drop table logons; --", "-p", "events=4625")
	if code != ExitOK || len(rows) != 5 {
		t.Fatalf("hostile: exit %d, %d rows: %s", code, len(rows), errOut)
	}
	code, rows, _ = run("-c", "local", "--text", "select count(*) as n from logons")
	if code != ExitOK || len(rows) != 1 || rows[0]["n"] != float64(30) {
		t.Errorf("count after hostile run: %v", rows)
	}
	code, rows, _ = run("-c", "local", "--text", "select count(*) as n from logons where account = :a", "-p", "a='; drop table logons; --")
	if code != ExitOK || len(rows) != 1 || rows[0]["n"] != float64(10) {
		t.Errorf("--text with -p: %v", rows)
	}
	code, rows, _ = run("sql.logons_by_account", "-p", "user=bob", "--limit", "3")
	if code != ExitOK || len(rows) != 3 {
		t.Errorf("limit: %d rows", len(rows))
	}
	code, rows, errOut = run("-c", "local", "--text", "select ts from logons where ts >= :from and ts < :to", "--from", "2026-11-20T10:00:00Z", "--to", "2026-11-20T15:00:00Z")
	if code != ExitOK || len(rows) != 5 {
		t.Errorf("range: exit %d, %d rows %s", code, len(rows), errOut)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"splunk.process_by_host", "-p", "host=x", "-c", "local"}, ExitUsage, "template splunk.process_by_host is written for splunk, but connection local is sqlite"},
		{[]string{"splunk.process_by_host", "-p", "host=x"}, ExitFailure, "connection prod: splunk: no credentials: set token, or username and password"},
		{[]string{"sql.logons_by_account", "-p", "user=x", "-c", "nope"}, ExitUsage, `no connection "nope"`},
		{[]string{"-c", "local", "--text", "select ts from logons", "--last", "24h"}, ExitFailure, "must use"},
		{[]string{"-c", "local", "--text", "delete from logons"}, ExitFailure, "readonly"},
		{[]string{"--text", "select 1"}, ExitUsage, "--text needs --connection"},
		{[]string{"sql.logons_by_account", "--text", "select 1"}, ExitUsage, "not both"},
		{[]string{}, ExitUsage, "give a template NAME or --text"},
		{[]string{"sql.logons_by_account", "-p", "user=x", "--limit", "-1"}, ExitUsage, "must not be negative"},
		{[]string{"-c", "local", "--text", "select 1", "--language", "esql"}, ExitUsage, "does not fit connection local"},
		{[]string{"-c", "prod", "--text", "search x", "-p", "a=b"}, ExitUsage, "-p with --text binds SQL :name parameters; connection prod is splunk"},
		{[]string{"-c", "local", "--text", "select :a", "-p", "b=1"}, ExitFailure, "no value for parameter :a"},
	} {
		code, _, errOut := run(tc.args...)
		if code != tc.code || !strings.Contains(strings.ToLower(errOut), strings.ToLower(tc.want)) {
			t.Errorf("%v: exit %d, %q; want %d %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	// Two SQL connections: the template needs --connection.
	code, _, errOut = runHunchEnv(t, nil, "", "query", "run", "--config", queryFixture(t, true), "sql.logons_by_account", "-p", "user=x")
	if code != ExitUsage || !strings.Contains(errOut, "several connections run sql templates (local, pg)") {
		t.Errorf("ambiguous: exit %d %s", code, errOut)
	}
}

func TestQueryRunPostgres(t *testing.T) {
	dsn := os.Getenv("HUNCH_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("HUNCH_TEST_POSTGRES is not set (bash /work/pgsetup.sh; . /work/pgenv)")
	}
	cfg := queryFixture(t, true)
	code, out, errOut := runHunchEnv(t, map[string]string{"HUNCH_TEST_POSTGRES": dsn}, "", "query", "run", "--config", cfg, "-o", "ndjson",
		"-c", "pg", "--text", "select x, x * 2 as twice from generate_series(1, 5) as x where x >= :from_n", "--limit", "2")
	if code != ExitFailure || !strings.Contains(errOut, "no value for parameter :from_n") {
		t.Errorf("unbound: exit %d %s", code, errOut)
	}
	code, out, errOut = runHunchEnv(t, map[string]string{"HUNCH_TEST_POSTGRES": dsn}, "", "query", "run", "--config", cfg, "-o", "ndjson",
		"-c", "pg", "--text", "select x, x * 2 as twice from generate_series(1, 5) as x", "--limit", "2")
	if code != ExitOK || out != "{\"x\":1,\"twice\":2}\n{\"x\":2,\"twice\":4}\n" {
		t.Errorf("exit %d %q %s", code, out, errOut)
	}
}

// TestConnectionKinds checks that every kind the configuration accepts runs one template
// backend, and that every registered constructor is for a configurable kind.
func TestConnectionKinds(t *testing.T) {
	for _, k := range config.ConnectionKinds() {
		if !slices.Contains(template.Backends(), connectionBackend(k)) {
			t.Errorf("kind %s runs no template backend (%q)", k, connectionBackend(k))
		}
	}
	for k := range siemKinds() {
		if !slices.Contains(config.ConnectionKinds(), k) {
			t.Errorf("registered kind %s is not accepted by the configuration", k)
		}
	}
}
