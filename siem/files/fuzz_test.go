package files

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/record"
)

// FuzzZeekHeader feeds a Zeek TSV log (headers and rows) to the reader: it must not panic,
// and every record must have one value per #fields name plus _path.
func FuzzZeekHeader(f *testing.F) {
	f.Add("#separator \\x09\n#fields\tts\ta\n#types\ttime\tset[count]\n1.5\t1,2\n")
	f.Add("#separator ,\n#set_separator,|\n#fields,a,b\n#types,vector[double],bool\n1.5|2,T\n")
	f.Add("#fields\tx\n#types\tstring\n\\x41\\\\\n-\n(empty)\n")
	f.Fuzz(func(t *testing.T, in string) {
		opts := Options{MaxLineBytes: 4096}.withDefaults()
		for r, err := range readZeek(context.Background(), strings.NewReader(in), "f", opts) {
			if err != nil {
				if !record.IsParseError(err) {
					t.Fatalf("fatal error %v", err)
				}
				continue
			}
			if r.Len() == 0 {
				t.Fatal("empty record")
			}
		}
	})
}

// FuzzSyslogLine parses one line as syslog: no panic, and a parsed line has a message field.
func FuzzSyslogLine(f *testing.F) {
	f.Add("<34>Oct 11 22:14:15 mymachine su: 'su root' failed")
	f.Add(`<165>1 2003-10-11T22:14:15.003Z host app 1 ID47 [a@1 b="c\"d"][e f="g"] msg`)
	f.Add("2026-11-22T10:00:20.5+01:00 web02 kernel: x")
	f.Add("<13>1 - - - - - -")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, line string) {
		r, err := ParseSyslog(line, now, time.UTC)
		if err != nil {
			return
		}
		if _, ok := r.Get("message"); !ok {
			t.Fatalf("no message in %q", line)
		}
	})
}

// FuzzAuditLine parses one audit line and builds an event of it: no panic, no lost type.
func FuzzAuditLine(f *testing.F) {
	f.Add(`type=EXECVE msg=audit(1.5:2): argc=2 a0="ls" a1=2D6C a2_len=4 a2[0]=4142 a2[1]=4344`)
	f.Add(`type=USER_LOGIN msg=audit(1.000:3): pid=1 msg='op=login exe="/x" res=success'` + "\x1dUID=\"root\"")
	f.Add(`type=PROCTITLE msg=audit(1.0:4): proctitle=6C73002D6C`)
	f.Add(`type=EXECVE msg=audit(1.0:5): argc=99999999 a99999=x`)
	f.Fuzz(func(t *testing.T, line string) {
		a, err := ParseAuditLine(line)
		if err != nil {
			return
		}
		e := auditEvent{serial: a.Serial, time: a.Time, lines: []AuditLine{a}}
		r := e.record()
		if v, _ := r.Get("type"); v.Text() != a.Type {
			t.Fatalf("type %q, want %q", v.Text(), a.Type)
		}
	})
}
