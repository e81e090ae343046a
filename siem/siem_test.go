package siem

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestQueryValidate(t *testing.T) {
	ok := Query{Text: "search index=main", Language: SPL}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid query: %v", err)
	}
	bounded := ok
	bounded.Range = Range{From: testNow.Add(-time.Hour), To: testNow}
	bounded.Limit = 10
	if err := bounded.Validate(); err != nil {
		t.Errorf("bounded query: %v", err)
	}
	tests := []struct {
		q       Query
		wantErr string
	}{
		{Query{Language: SPL}, "empty text"},
		{Query{Text: "x", Language: "cobol"}, `unknown language "cobol"`},
		{Query{Text: "x", Language: KQL, Limit: -1}, "limit -1 is negative"},
		{Query{Text: "x", Language: ESQL, Range: Range{From: testNow, To: testNow}}, "is not before to"},
	}
	for _, tt := range tests {
		if err := tt.q.Validate(); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Validate(%+v) = %v, want containing %q", tt.q, err, tt.wantErr)
		}
	}
}

func TestRecordError(t *testing.T) {
	reason := errors.New("field too long")
	var err error = RecordError{N: 3, Err: reason}
	if got, want := err.Error(), "record 3: field too long"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, reason) {
		t.Error("RecordError does not unwrap to its reason")
	}
}
