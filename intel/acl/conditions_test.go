package acl_test

import (
	"database/sql"
	"fmt"
	"slices"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/hunchsec/hunch/intel/acl"
)

// TestConditionsSQLAgree loads every event, attribute and object of the matrix into SQLite, runs the WHERE clauses
// ReadableConditions renders for every subject and setting, and requires the rows to be exactly those the pure
// functions and the oracle allow — including attributes inside objects, where both must be readable.
func TestConditionsSQLAgree(t *testing.T) {
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE events (id INTEGER PRIMARY KEY, org_id INTEGER, distribution INTEGER, sharing_group_id INTEGER, published BOOLEAN)`)
	exec(`CREATE TABLE objects (id INTEGER PRIMARY KEY, event_id INTEGER, distribution INTEGER, sharing_group_id INTEGER)`)
	exec(`CREATE TABLE attributes (id INTEGER PRIMARY KEY, event_id INTEGER, object_id INTEGER, distribution INTEGER, sharing_group_id INTEGER)`)

	type attrRow struct {
		ev   eventCase
		obj  *elementCase
		attr elementCase
	}
	evs := events()
	attrs := map[int64]attrRow{}
	var attrID, objID int64
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if _, err := tx.Exec(`INSERT INTO events VALUES (?, ?, ?, ?, ?)`, e.id, e.owner, e.dist, e.sg, e.published); err != nil {
			t.Fatal(err)
		}
		for _, a := range elements() {
			attrID++
			attrs[attrID] = attrRow{ev: e, attr: a}
			if _, err := tx.Exec(`INSERT INTO attributes VALUES (?, ?, NULL, ?, ?)`, attrID, e.id, a.dist, a.sg); err != nil {
				t.Fatal(err)
			}
		}
		for _, o := range elements() {
			objID++
			if _, err := tx.Exec(`INSERT INTO objects VALUES (?, ?, ?, ?)`, objID, e.id, o.dist, o.sg); err != nil {
				t.Fatal(err)
			}
			for _, a := range elements() {
				attrID++
				attrs[attrID] = attrRow{ev: e, obj: &o, attr: a}
				if _, err := tx.Exec(`INSERT INTO attributes VALUES (?, ?, ?, ?, ?)`, attrID, e.id, objID, a.dist, a.sg); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	evCols := acl.EventColumns{OrgID: "e.org_id", Distribution: "e.distribution", SharingGroupID: "e.sharing_group_id", Published: "e.published"}
	attrCols := acl.ElementColumns{Distribution: "a.distribution", SharingGroupID: "a.sharing_group_id"}
	objCols := acl.ElementColumns{Distribution: "o.distribution", SharingGroupID: "o.sharing_group_id", Nullable: true}

	query := func(q string, args []any) []int64 {
		t.Helper()
		rows, err := db.Query(q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return ids
	}

	var cases, mismatches int
	report := func(format string, a ...any) {
		mismatches++
		if mismatches <= 20 {
			t.Errorf(format, a...)
		}
	}
	for _, up := range []bool{false, true} {
		p := policy(up, acl.SightingsEventOwner)
		for _, s := range append(subjects(), subject{id: 999, org: 2, role: 3}) {
			u := s.user(t)
			disabled := s.id == 999
			u.Disabled = disabled
			c := p.ReadableConditions(u)

			var args []any
			arg := func(v any) string { args = append(args, v); return "?" }
			where := c.EventSQL(evCols, arg)
			got := query("SELECT e.id FROM events e WHERE "+where+" ORDER BY e.id", args)
			var want []int64
			for _, e := range evs {
				pure := p.CanReadEvent(u, e.event()) == nil
				if pure != (oracleEvent(s, e, up) && !disabled) {
					report("%s: CanReadEvent %s = %t disagrees with the oracle", s, e, pure)
				}
				if pure {
					want = append(want, e.id)
				}
			}
			cases += len(evs)
			if !slices.Equal(got, want) {
				report("%s (unpublishedprivate %t): events SQL selects %d rows, pure function %d\n%s", s, up, len(got), len(want), where)
			}

			args = nil
			where = c.ElementSQL(evCols, attrCols, arg, objCols)
			got = query("SELECT a.id FROM attributes a JOIN events e ON e.id = a.event_id LEFT JOIN objects o ON o.id = a.object_id WHERE "+
				where+" ORDER BY a.id", args)
			want = want[:0]
			for id := int64(1); id <= attrID; id++ {
				r := attrs[id]
				ev := r.ev.event()
				var pure, declared, oracle bool
				if r.obj == nil {
					pure = p.CanReadElement(u, ev, r.attr.element()) == nil
					declared = c.MatchElement(ev, r.attr.element())
					oracle = oracleElement(s, r.ev, r.attr, up)
				} else {
					pure = p.CanReadObjectAttribute(u, ev, r.obj.element(), r.attr.element()) == nil
					declared = c.MatchElement(ev, r.attr.element(), r.obj.element())
					oracle = oracleElement(s, r.ev, *r.obj, up) && oracleElement(s, r.ev, r.attr, up)
				}
				if disabled {
					oracle = false
				}
				if pure != oracle || declared != oracle {
					report("%s: attribute %d (object %v): pure %t, declared %t, oracle %t", s, id, r.obj, pure, declared, oracle)
				}
				if pure {
					want = append(want, id)
				}
			}
			cases += int(attrID)
			if !slices.Equal(got, want) {
				report("%s (unpublishedprivate %t): attributes SQL selects %d rows, pure function %d\n%s", s, up, len(got), len(want), where)
			}
		}
	}
	t.Logf("conditions: %d rows checked in SQL and in Go, %d mismatches", cases, mismatches)
}

func TestConditionsShape(t *testing.T) {
	p := policy(false, acl.SightingsEventOwner)
	tests := []struct {
		name string
		u    acl.User
		want string
	}{
		{"site admin", subject{id: 110, org: 1, role: 1}.user(t), "unrestricted"},
		{"site admin read-only key", subject{id: 110, org: 1, role: 1, readOnly: true}.user(t), "org 1, groups [10 12 14]"},
		{"org 2 user", subject{id: 230, org: 2, role: 3}.user(t), "org 2, groups [10 12 13]"},
		{"org 3 read only", subject{id: 360, org: 3, role: 6}.user(t), "org 3, groups [11 12]"},
		{"disabled", acl.User{ID: 1, OrgID: 1, Disabled: true}, "nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := p.ReadableConditions(tt.u)
			var got string
			switch {
			case c.Nothing:
				got = "nothing"
			case c.Unrestricted:
				got = "unrestricted"
			default:
				got = fmt.Sprintf("org %d, groups %v", c.OwnerOrgID, c.SharingGroupIDs)
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestConditionsSQLPlaceholders(t *testing.T) {
	p := policy(true, acl.SightingsEventOwner)
	c := p.ReadableConditions(subject{id: 230, org: 2, role: 3}.user(t))
	var args []any
	sql := c.EventSQL(acl.EventColumns{OrgID: "org_id", Distribution: "distribution", SharingGroupID: "sharing_group_id", Published: "published"},
		func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) })
	want := "(org_id = $1 OR (published = $2 AND (distribution IN ($3, $4, $5) OR (distribution = $6 AND sharing_group_id IN ($7, $8, $9)))))"
	if sql != want {
		t.Errorf("sql:\n got %s\nwant %s", sql, want)
	}
	wantArgs := []any{int64(2), true, 1, 2, 3, 4, int64(10), int64(12), int64(13)}
	if fmt.Sprint(args) != fmt.Sprint(wantArgs) {
		t.Errorf("args %v, want %v", args, wantArgs)
	}
}
