// Package journal is the tamper-evident record of an incident: an append-only chain of entries
// (playbook actions and their output, chat messages, status changes, notes, evidence) in which
// every entry holds the hash of the one before it. Verify walks a chain and names every entry
// that was modified, removed, inserted or moved, and, given the head the incident keeps, a
// chain cut short at the end.
//
// Hashes are HMAC-SHA256 under a key kept outside the database (the server's secret), so
// someone who can write the database but not read the key cannot rewrite the chain and
// recompute it; without a key they are plain SHA-256, which still catches accidents and
// naive edits. The store keeps entries; this package only builds and checks them.
package journal

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"time"
)

// Kinds of entry.
const (
	KindAction   = "action"   // a playbook task ran (its inputs)
	KindOutput   = "output"   // what it returned
	KindMessage  = "message"  // a chat message in the incident's channel
	KindStatus   = "status"   // a status, severity or owner change
	KindNote     = "note"     // an analyst's note
	KindEvidence = "evidence" // a file or value kept as evidence (its sha256 in the body)
	KindAlert    = "alert"    // an alert that opened the incident or was merged into it
)

// MaxBodyBytes bounds one entry's body.
const MaxBodyBytes = 16 << 20

// Entry is one journal entry. Seq counts from 1 within an incident.
type Entry struct {
	Seq   int64           `json:"seq"`
	Time  time.Time       `json:"time"`
	Kind  string          `json:"kind"`
	Actor string          `json:"actor"` // who: a user, "playbook:<name>/<task>", "chat:<nick>"
	Body  json.RawMessage `json:"body"`  // the entry's content as JSON, stored as given
	Prev  string          `json:"prev"`  // the previous entry's Hash ("" for the first)
	Hash  string          `json:"hash"`  // hex hash of all the fields above
}

// Chain builds and checks entries with one key (nil: plain SHA-256).
type Chain struct {
	Key []byte
}

func (c Chain) newHash() hash.Hash {
	if len(c.Key) > 0 {
		return hmac.New(sha256.New, c.Key)
	}
	return sha256.New()
}

// Sum computes e's hash from every field but Hash. Each field is length-prefixed, so no two
// different entries encode alike.
func (c Chain) Sum(e Entry) string {
	h := c.newHash()
	var n [8]byte
	put := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	h.Write(n[:])
	put([]byte(e.Time.UTC().Format(time.RFC3339Nano)))
	put([]byte(e.Kind))
	put([]byte(e.Actor))
	put(e.Body)
	put([]byte(e.Prev))
	return hex.EncodeToString(h.Sum(nil))
}

// ErrBody is returned for a body that is not JSON or is too large.
var ErrBody = errors.New("journal entry body")

// Next builds the entry that follows prev (nil for an incident's first entry).
func (c Chain) Next(prev *Entry, at time.Time, kind, actor string, body any) (Entry, error) {
	var raw json.RawMessage
	switch b := body.(type) {
	case json.RawMessage:
		if !json.Valid(b) {
			return Entry{}, fmt.Errorf("%w: not JSON", ErrBody)
		}
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return Entry{}, fmt.Errorf("%w: %v", ErrBody, err)
		}
	}
	if len(raw) > MaxBodyBytes {
		return Entry{}, fmt.Errorf("%w: %d bytes, more than %d", ErrBody, len(raw), MaxBodyBytes)
	}
	if kind == "" {
		return Entry{}, errors.New("journal entry without a kind")
	}
	e := Entry{Seq: 1, Time: at.UTC(), Kind: kind, Actor: actor, Body: raw}
	if prev != nil {
		e.Seq, e.Prev = prev.Seq+1, prev.Hash
	}
	e.Hash = c.Sum(e)
	return e, nil
}

// Head is what an incident keeps of its journal outside the entries: how many there are and
// the last one's hash. It lets Verify notice entries cut off the end.
type Head struct {
	Count int64
	Hash  string
}

// Problem is one thing wrong with a chain.
type Problem struct {
	// Seq is the entry concerned (as stored; for removals, the first missing one).
	Seq int64
	// What is modified, removed, inserted, reordered or truncated.
	What string
	// Detail says how it shows.
	Detail string
}

func (p Problem) String() string { return fmt.Sprintf("entry %d %s: %s", p.Seq, p.What, p.Detail) }

// Verify checks entries in the order they are stored and returns every problem, in order of
// entry: an entry whose hash does not match its content was modified; numbers missing from the
// sequence were removed; an entry stored out of its number's place was reordered; an entry
// that repeats a number, or does not link to the entry numbered before it, was inserted (or
// replaced). With a head (Count > 0), fewer entries than it counts, or a last hash other than
// its own, means the end was cut off or rewritten. No problems means the chain is intact.
func (c Chain) Verify(entries []Entry, head *Head) []Problem {
	var out []Problem
	for _, e := range entries {
		if c.Sum(e) != e.Hash {
			out = append(out, Problem{Seq: e.Seq, What: "modified", Detail: "its content does not match its hash"})
		}
	}
	sorted := slices.Clone(entries)
	slices.SortStableFunc(sorted, func(a, b Entry) int { return cmp.Compare(a.Seq, b.Seq) })
	for i := range entries {
		if entries[i].Seq != sorted[i].Seq {
			out = append(out, Problem{Seq: entries[i].Seq, What: "reordered", Detail: fmt.Sprintf("stored at position %d, its place is %d", i+1, slices.IndexFunc(sorted, func(x Entry) bool { return x.Seq == entries[i].Seq })+1)})
		}
	}
	// Walk the numbers in order; of several entries with one number, the one that links to the
	// entry before is the journal's, the others were inserted.
	var prev *Entry
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j].Seq == sorted[i].Seq {
			j++
		}
		want, wantPrev := int64(1), ""
		if prev != nil {
			want, wantPrev = prev.Seq+1, prev.Hash
		}
		pick := i
		for k := i; k < j; k++ {
			if sorted[k].Prev == wantPrev {
				pick = k
				break
			}
		}
		e := &sorted[pick]
		switch {
		case e.Seq < want:
			out = append(out, Problem{Seq: e.Seq, What: "inserted", Detail: "numbered before the entry it follows"})
		case e.Seq > want:
			out = append(out, Problem{Seq: want, What: "removed", Detail: fmt.Sprintf("entries %d to %d are missing", want, e.Seq-1)})
		case e.Prev != wantPrev:
			out = append(out, Problem{Seq: e.Seq, What: "inserted", Detail: "it does not link to the entry before it"})
		}
		for k := i; k < j; k++ {
			if k != pick {
				out = append(out, Problem{Seq: sorted[k].Seq, What: "inserted", Detail: "a second entry with this number"})
			}
		}
		if e.Seq >= want {
			prev = e
		}
		i = j
	}
	if head != nil && head.Count > 0 {
		n := int64(0)
		if prev != nil {
			n = prev.Seq
		}
		switch {
		case n < head.Count:
			out = append(out, Problem{Seq: n + 1, What: "truncated", Detail: fmt.Sprintf("the incident counts %d entries, the journal ends at %d", head.Count, n)})
		case prev != nil && prev.Hash != head.Hash:
			out = append(out, Problem{Seq: prev.Seq, What: "modified", Detail: "the last entry is not the one the incident recorded"})
		}
	}
	slices.SortStableFunc(out, func(a, b Problem) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}
