package sentinel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// Errors a caller tells apart with errors.Is.
var (
	ErrAuth             = errors.New("authentication failed")            // no token, or the service refused it (401, 403)
	ErrBadRequest       = errors.New("request refused")                  // 400 and other 4xx: bad query, unknown workspace, schema mismatch
	ErrThrottled        = errors.New("throttled")                        // 429 after the retries ran out
	ErrTooLarge         = errors.New("request too large")                // 413 from the ingestion API
	ErrServer           = errors.New("server error")                     // 5xx after the retries ran out
	ErrResponseTooLarge = errors.New("reply exceeds max_response_bytes") // the reply body is larger than the configured limit
	ErrRecordTooLarge   = errors.New("record exceeds max_batch_bytes")   // one record alone is larger than a batch may be
)

// ErrorInfo is the error object of a Log Analytics or Azure Monitor reply:
// {"error":{"code":…,"message":…,"correlationId":…,"innererror":{…}}}.
type ErrorInfo struct {
	Code          string      `json:"code"`
	Message       string      `json:"message"`
	CorrelationID string      `json:"correlationId,omitempty"`
	Inner         *ErrorInfo  `json:"innererror,omitempty"`
	Details       []ErrorInfo `json:"details,omitempty"`
}

// String is the code and message, then each inner error's.
func (e ErrorInfo) String() string {
	var b strings.Builder
	for i, cur := 0, &e; cur != nil && i < 8; i, cur = i+1, cur.Inner {
		if i > 0 {
			b.WriteString(": ")
		}
		switch {
		case cur.Code != "" && cur.Message != "":
			b.WriteString(cur.Code + " " + cur.Message)
		case cur.Code != "":
			b.WriteString(cur.Code)
		default:
			b.WriteString(cur.Message)
		}
	}
	for _, d := range e.Details {
		b.WriteString("; " + d.String())
	}
	return b.String()
}

// APIError is a reply with a failure status. It wraps ErrAuth, ErrBadRequest, ErrThrottled,
// ErrTooLarge or ErrServer according to the status.
type APIError struct {
	Op         string    // what was being done
	StatusCode int       // HTTP status
	Info       ErrorInfo // the reply's error object, when it had one
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("sentinel: %s: %d %s", e.Op, e.StatusCode, http.StatusText(e.StatusCode))
	if s := e.Info.String(); s != "" {
		msg += ": " + s
	}
	return msg
}

// Unwrap returns the sentinel error for the status.
func (e *APIError) Unwrap() error {
	switch {
	case e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden:
		return ErrAuth
	case e.StatusCode == http.StatusTooManyRequests:
		return ErrThrottled
	case e.StatusCode == http.StatusRequestEntityTooLarge:
		return ErrTooLarge
	case e.StatusCode >= 500:
		return ErrServer
	}
	return ErrBadRequest
}

// PartialError is the error a query reply carried beside its tables (code PartialError): the rows
// received were yielded, but some data (a workspace, a shard) is missing from them.
type PartialError struct {
	Workspace string    // the primary workspace queried
	Rows      int       // rows yielded before the error
	Info      ErrorInfo // the reply's error object
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("sentinel: partial result from workspace %s after %d rows: %s", e.Workspace, e.Rows, e.Info)
}

// TokenError is a failure to get an access token from the credential.
type TokenError struct{ Err error }

func (e *TokenError) Error() string { return "sentinel: getting a token: " + e.Err.Error() }

// Unwrap returns the credential's error.
func (e *TokenError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrAuth) true.
func (e *TokenError) Is(target error) bool { return target == ErrAuth }

// tokenCredential marks the errors of a credential as TokenErrors.
type tokenCredential struct{ cred azcore.TokenCredential }

func (t tokenCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := t.cred.GetToken(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			return tok, err
		}
		return tok, &TokenError{Err: err}
	}
	return tok, nil
}

// classify turns an SDK error into an *APIError, a *TokenError or ctx's error, wrapped with op.
func classify(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("sentinel: %s: %w", op, cerr)
	}
	var te *TokenError
	if errors.As(err, &te) {
		return te
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		ae := &APIError{Op: op, StatusCode: re.StatusCode}
		if re.RawResponse != nil {
			if body, berr := runtime.Payload(re.RawResponse); berr == nil {
				var w struct {
					Error *ErrorInfo `json:"error"`
				}
				if json.Unmarshal(body, &w) == nil && w.Error != nil {
					ae.Info = *w.Error
				}
			}
		}
		if ae.Info.Code == "" {
			ae.Info.Code = re.ErrorCode
		}
		return ae
	}
	return fmt.Errorf("sentinel: %s: %w", op, err)
}
