package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/hunchsec/hunch/store/sqlite"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "hunch-example-*")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "data", "hunch.db"), sqlite.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	err = db.PutCached(ctx, "urlhaus", "url", "http://malware.example/x.exe", 3,
		[]byte(`{"query_status":"ok"}`), now, now.Add(24*time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	data, ok, err := db.GetCached(ctx, "urlhaus", "url", "http://malware.example/x.exe", now.Add(time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ok, string(data))

	stats, err := db.CacheStats(ctx, now.Add(48*time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range stats {
		fmt.Printf("%s: %d entries, %d expired, %d bytes, %d malicious\n", s.Provider, s.Entries, s.Expired, s.Bytes, s.Verdicts[3])
	}
	// Output:
	// true {"query_status":"ok"}
	// urlhaus: 1 entries, 1 expired, 21 bytes, 1 malicious
}
