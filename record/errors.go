package record

import (
	"errors"
	"strconv"
)

// ParseError is a malformed line, row or document in an input. Readers yield it in place of a
// record and go on with the next one; callers count it, report it and decide whether to stop.
type ParseError struct {
	Source string // file name, or "-" for standard input
	Line   int    // 1-based line where the bad input starts (0 if unknown)
	Reason string // what is wrong, lower case
	Err    error  // underlying error, if any
}

func (e *ParseError) Error() string {
	loc := e.Source
	if loc == "" {
		loc = "-"
	}
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	return loc + ": " + e.Reason
}

func (e *ParseError) Unwrap() error { return e.Err }

// IsParseError reports whether err is (or wraps) a *ParseError, i.e. a bad record that can be
// skipped rather than a failure of the whole input.
func IsParseError(err error) bool {
	var pe *ParseError
	return errors.As(err, &pe)
}
