package sql_test

import (
	"context"
	dbsql "database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hunchsec/hunch/siem"
	siemsql "github.com/hunchsec/hunch/siem/sql"
)

func ExampleSource_SearchParams() {
	dir, _ := os.MkdirTemp("", "hunch-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "events.db")
	db, _ := dbsql.Open("sqlite", path)
	db.Exec(`create table logons (account text, host text); insert into logons values ('alice', 'ws1'), ('bob', 'ws2')`)
	db.Close()

	src, err := siemsql.NewSQLite(siemsql.Config{Path: path})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()
	q := siem.Query{Text: "select host from logons where account = :account", Language: siem.SQL}
	for rec, err := range src.SearchParams(context.Background(), q, map[string]any{"account": "bob"}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		v, _ := rec.Get("host")
		fmt.Println(v.Text())
	}
	// Output: ws2
}
