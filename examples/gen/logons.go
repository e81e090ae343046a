package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Logons holds what writeLogons planted in logons.ndjson, for the tests.
type Logons struct {
	// Spike is the hour of the password spray: 4625 failures from one address.
	Spike time.Time
	// Dip is the business hour in which no logon was recorded (a collector outage).
	Dip time.Time
	// Events is the number of lines written.
	Events int
}

// logonsStart is the first hour of logons.ndjson: 14 days of hourly logon traffic follow.
var logonsStart = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// writeLogons writes dir/logons.ndjson: 14 days of Windows logon events on a domain controller
// (4624 successes from the office network, more in office hours than at night), with a
// password spray planted at night (4625 failures from one outside address against many
// accounts) and an office hour with no events at all. A time series of events per hour shows
// the spray as a high anomaly and the outage as a low one.
func writeLogons(dir string) (Logons, error) {
	rng := rand.New(rand.NewPCG(2026, 3))
	users := []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar"}
	p := Logons{Spike: logonsStart.Add((9*24 + 3) * time.Hour), Dip: logonsStart.Add((7*24 + 10) * time.Hour)}
	var b strings.Builder
	line := func(at time.Time, id int, user, ip string) {
		fmt.Fprintf(&b, `{"TimeCreated":%q,"EventID":%d,"Computer":"DC01.corp.example.com","TargetUserName":%q,"IpAddress":%q,"LogonType":3}`+"\n",
			at.Format("2006-01-02T15:04:05Z"), id, user, ip)
		p.Events++
	}
	for h := range 14 * 24 {
		hour := logonsStart.Add(time.Duration(h) * time.Hour)
		if hour.Equal(p.Dip) {
			continue
		}
		// Office hours peak around 10:00 and 14:00; a few service logons all night.
		x := float64(hour.Hour())
		rate := 1 + 7*math.Exp(-(x-10)*(x-10)/8) + 6*math.Exp(-(x-14.5)*(x-14.5)/6)
		n := int(rate) + rng.IntN(3)
		type logon struct {
			at   time.Time
			fail bool
		}
		var ls []logon
		for range n {
			ls = append(ls, logon{at: hour.Add(time.Duration(rng.IntN(3600)) * time.Second)})
		}
		if hour.Equal(p.Spike) {
			for i := range 90 {
				ls = append(ls, logon{at: hour.Add(time.Duration(600+i*20) * time.Second), fail: true})
			}
		}
		slices.SortStableFunc(ls, func(a, b logon) int { return a.at.Compare(b.at) })
		for _, l := range ls {
			if l.fail {
				line(l.at, 4625, users[rng.IntN(len(users))], "203.0.113.77")
			} else {
				line(l.at, 4624, users[rng.IntN(len(users))], fmt.Sprintf("192.0.2.%d", 10+rng.IntN(60)))
			}
		}
	}
	return p, os.WriteFile(filepath.Join(dir, "logons.ndjson"), []byte(b.String()), 0o644)
}
