// Package siem holds what every SIEM client in hunch shares: the Source and Uploader interfaces
// that siem/splunk, siem/sentinel, siem/elastic and friends implement, the Query they run, time
// ranges written the way analysts write them (RFC 3339, unix seconds, Splunk relative times), and
// literal quoting per query language so that template values are never pasted into query text.
package siem

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hunchsec/hunch/record"
)

// Language names a query language a Source understands.
type Language string

// The query languages hunch quotes literals for.
const (
	SPL    Language = "spl"    // Splunk Search Processing Language
	KQL    Language = "kql"    // Kusto Query Language (Sentinel, Log Analytics)
	Lucene Language = "lucene" // Elasticsearch query_string syntax
	ESQL   Language = "esql"   // Elasticsearch ES|QL
	SQL    Language = "sql"    // SQL with bound parameters
	DSL    Language = "dsl"    // Elasticsearch / OpenSearch query DSL, a JSON query object or search body
	Where  Language = "where"  // hunch's where-expression, evaluated by the files source (package siem/files/where)
)

// Query is one search to run against a SIEM.
type Query struct {
	Text     string   // the query in Language, with every template value already quoted or bound
	Language Language // the language Text is written in
	Range    Range    // the time range searched; a zero bound is left to the SIEM's default
	Limit    int      // the most records to return; 0 means no limit
}

// Source runs queries against a SIEM and yields the results as records.
// Paging, result polling and rate limits are the implementation's business: the caller sees
// one stream. Cancelling ctx stops the search and ends the stream with ctx's error.
type Source interface {
	// Search runs q and streams its results. An error that ends the search (bad query,
	// authentication, cancellation) is yielded once as the last element.
	Search(ctx context.Context, q Query) record.Stream
}

// Uploader sends records to a SIEM (a Splunk index, a Log Analytics table, an Elasticsearch index).
type Uploader interface {
	// Upload sends every record of records. A record the SIEM refuses is reported in the
	// result and does not stop the upload; the returned error is for failures that stop it
	// (the stream's own error, authentication, cancellation of ctx), and comes with the result
	// so far.
	Upload(ctx context.Context, records record.Stream) (UploadResult, error)
}

// UploadResult says what an Upload did.
type UploadResult struct {
	Sent   int           // records the SIEM accepted
	Failed []RecordError // records the SIEM refused, in stream order
}

// RecordError is one record the SIEM refused.
type RecordError struct {
	N   int   // 1-based position of the record in the uploaded stream
	Err error // why the SIEM refused it
}

func (e RecordError) Error() string { return "record " + itoa(e.N) + ": " + e.Err.Error() }

// Unwrap returns the SIEM's reason.
func (e RecordError) Unwrap() error { return e.Err }

// Range is a time range; From is inclusive, To exclusive. A zero bound means unbounded.
type Range struct {
	From, To time.Time
}

// Validate reports what is wrong with q before it is sent: empty text, an unknown language,
// a negative limit, or a range whose From is not before its To.
func (q Query) Validate() error {
	if q.Text == "" {
		return errors.New("query: empty text")
	}
	switch q.Language {
	case SPL, KQL, Lucene, ESQL, SQL:
	case DSL, Where:
	default:
		return fmt.Errorf("query: unknown language %q", q.Language)
	}
	if q.Limit < 0 {
		return fmt.Errorf("query: limit %d is negative (0 means no limit)", q.Limit)
	}
	if !q.Range.From.IsZero() && !q.Range.To.IsZero() && !q.Range.From.Before(q.Range.To) {
		return fmt.Errorf("query: range from %s is not before to %s", q.Range.From.Format(time.RFC3339), q.Range.To.Format(time.RFC3339))
	}
	return nil
}
