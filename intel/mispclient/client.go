// Package mispclient is a small client of a remote MISP (or hunch) instance's REST API, the calls that
// synchronisation makes: the version and permissions of the key, the minimal event index, one event, which
// events the remote wants pushed, and pushing an event (MISP's ServerSyncTool). It knows nothing of the local
// store; the intel service's sync engine drives it.
package mispclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/hunchsec/hunch/misp"
)

// DefaultMaxResponseBytes bounds one answer of the remote when Client.MaxResponseBytes is zero.
const DefaultMaxResponseBytes = 64 << 20

// Client calls one remote instance. Its zero value is not usable: BaseURL, Key and HTTP are required.
type Client struct {
	// Name names the remote in errors (the server entry's name).
	Name string
	// BaseURL is the remote's root, e.g. https://misp.example.org (a trailing slash is ignored).
	BaseURL string
	// Key is the remote API key, sent in the Authorization header and nowhere else.
	Key string
	// HTTP sends the requests.
	HTTP *http.Client
	// MaxResponseBytes bounds one answer; 0 means DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// UserAgent is sent with every request; empty means "hunch".
	UserAgent string
}

// Error is a failed call to the remote: a transport failure (Status 0, Err set) or an answer with an error
// status (Status and the remote's message). Its message names the server, so that a user sees which link failed.
type Error struct {
	Server  string
	Method  string
	Path    string
	Status  int
	Message string
	Err     error
}

// Error says which server, which call, and what went wrong.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "server %q: %s %s: ", e.Server, e.Method, e.Path)
	switch {
	case e.Status != 0 && e.Message != "":
		fmt.Fprintf(&b, "%d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
	case e.Status != 0:
		fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	}
	if e.Status != 0 && e.Err != nil {
		fmt.Fprintf(&b, " (%v)", e.Err)
	}
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// Transport reports whether the call never got an answer (connection refused or reset, timeout): the remote
// may be down, so a sync stops rather than failing every following event the same way.
func (e *Error) Transport() bool { return e.Status == 0 }

// ErrGarbage is wrapped by errors about answers that are not the JSON the call expects.
var ErrGarbage = errors.New("answer is not the expected JSON")

// do sends one request and returns the answer's status and body; an error status is an *Error.
func (c *Client) do(ctx context.Context, method, path string, body any, accept404 bool) (int, http.Header, []byte, error) {
	fail := func(status int, msg string, err error) *Error {
		return &Error{Server: c.Name, Method: method, Path: path, Status: status, Message: msg, Err: err}
	}
	var rd io.Reader
	if body != nil {
		var data []byte
		switch b := body.(type) {
		case []byte:
			data = b
		default:
			var err error
			if data, err = json.Marshal(body); err != nil {
				return 0, nil, nil, fail(0, "", fmt.Errorf("encode request: %w", err))
			}
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, rd)
	if err != nil {
		return 0, nil, nil, fail(0, "", err)
	}
	req.Header.Set("Authorization", c.Key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	ua := c.UserAgent
	if ua == "" {
		ua = "hunch"
	}
	req.Header.Set("User-Agent", ua)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in the message already
		}
		return 0, nil, nil, fail(0, "", err)
	}
	defer resp.Body.Close()
	limit := c.MaxResponseBytes
	if limit <= 0 {
		limit = DefaultMaxResponseBytes
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return resp.StatusCode, nil, nil, fail(0, "", fmt.Errorf("read answer: %w", err))
	}
	if int64(len(data)) > limit {
		return resp.StatusCode, nil, nil, fail(0, "", fmt.Errorf("answer larger than %d bytes", limit))
	}
	if resp.StatusCode >= 400 && !(accept404 && resp.StatusCode == http.StatusNotFound) {
		return resp.StatusCode, resp.Header, data, fail(resp.StatusCode, remoteMessage(data), nil)
	}
	return resp.StatusCode, resp.Header, data, nil
}

// remoteMessage extracts MISP's error message ({"message": …, "errors": …}) from an answer, or a short
// excerpt of a body that is not MISP's error shape.
func remoteMessage(data []byte) string {
	var e struct {
		Name    string          `json:"name"`
		Message string          `json:"message"`
		Errors  json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(data, &e) == nil {
		msg := e.Message
		if msg == "" {
			msg = e.Name
		}
		var s string
		if len(e.Errors) > 0 && json.Unmarshal(e.Errors, &s) == nil && s != "" && s != msg {
			msg = strings.TrimSpace(msg + " " + s)
		} else if len(e.Errors) > 0 && string(e.Errors) != "null" && !strings.HasPrefix(string(e.Errors), `"`) {
			msg = strings.TrimSpace(msg + " " + string(e.Errors))
		}
		if msg != "" {
			return msg
		}
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func (c *Client) decode(method, path string, data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return &Error{Server: c.Name, Method: method, Path: path, Err: fmt.Errorf("%w: %v", ErrGarbage, err),
			Message: remoteMessage(data), Status: http.StatusOK}
	}
	return nil
}

// Version is the remote's servers/getVersion: its version and what the key may do there.
type Version struct {
	Version  string `json:"version"`
	PermSync bool   `json:"perm_sync"`
	// PermSighting is whether the key may add sightings.
	PermSighting bool `json:"perm_sighting"`
	// UUID is the remote instance's uuid, shown to sync users.
	UUID string `json:"uuid"`
}

// Version asks the remote who it is and what the key may do (servers/getVersion); a refused key is a 403 *Error.
func (c *Client) Version(ctx context.Context) (*Version, error) {
	const path = "/servers/getVersion.json"
	_, _, data, err := c.do(ctx, http.MethodGet, path, nil, false)
	if err != nil {
		return nil, err
	}
	var v Version
	if err := c.decode(http.MethodGet, path, data, &v); err != nil {
		return nil, err
	}
	if v.Version == "" {
		return nil, &Error{Server: c.Name, Method: http.MethodGet, Path: path, Status: http.StatusOK,
			Err: fmt.Errorf("%w: no version in the answer", ErrGarbage)}
	}
	return &v, nil
}

// IndexEntry is one event of the remote's minimal index, what a pull decides on.
type IndexEntry struct {
	ID        misp.FlexInt   `json:"id"`
	UUID      string         `json:"uuid"`
	Timestamp misp.Timestamp `json:"timestamp"`
	Published misp.FlexBool  `json:"published"`
	OrgcUUID  string         `json:"orgc_uuid"`
}

// EventIndex returns the remote's published events as its minimal index lists them (events/index with
// minimal:1 and published:1), as the key may see them.
func (c *Client) EventIndex(ctx context.Context) ([]IndexEntry, error) {
	const path = "/events/index"
	_, _, data, err := c.do(ctx, http.MethodPost, path, map[string]any{"minimal": 1, "published": 1}, false)
	if err != nil {
		return nil, err
	}
	var out []IndexEntry
	if err := c.decode(http.MethodPost, path, data, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Event fetches event ref (id or uuid) with its deleted elements and without local tags, as a pull takes it.
func (c *Client) Event(ctx context.Context, ref string) (*misp.Event, error) {
	path := "/events/view/" + url.PathEscape(ref) + "/deleted:1/excludeLocalTags:1"
	_, _, data, err := c.do(ctx, http.MethodGet, path, nil, false)
	if err != nil {
		return nil, err
	}
	e, err := misp.DecodeEvent(data)
	if err != nil {
		return nil, &Error{Server: c.Name, Method: http.MethodGet, Path: path, Status: http.StatusOK,
			Err: fmt.Errorf("%w: %v", ErrGarbage, err)}
	}
	return e, nil
}

// EventRef is an event as FilterEventIDsForPush offers it: its uuid and timestamp.
type EventRef struct {
	UUID      string
	Timestamp misp.Timestamp
}

// FilterEventIDsForPush asks the remote which of events it wants (events/filterEventIdsForPush): those it does
// not hold, or holds older. It returns their uuids.
func (c *Client) FilterEventIDsForPush(ctx context.Context, events []EventRef) ([]string, error) {
	const path = "/events/filterEventIdsForPush"
	type ev struct {
		UUID      string         `json:"uuid"`
		Timestamp misp.Timestamp `json:"timestamp"`
	}
	body := make([]map[string]ev, 0, len(events))
	for _, e := range events {
		body = append(body, map[string]ev{"Event": {e.UUID, e.Timestamp}})
	}
	_, _, data, err := c.do(ctx, http.MethodPost, path, body, false)
	if err != nil {
		return nil, err
	}
	var out []string
	if err := c.decode(http.MethodPost, path, data, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// EventExists reports whether the remote holds event uuid where the key can see it (HEAD events/view).
func (c *Client) EventExists(ctx context.Context, uuid string) (bool, error) {
	status, _, _, err := c.do(ctx, http.MethodHead, "/events/view/"+url.PathEscape(uuid), nil, true)
	if err != nil {
		return false, err
	}
	return status != http.StatusNotFound, nil
}

// PushResult says what a push did with one event.
type PushResult int

// The results of PushEvent.
const (
	// Created: the remote stored the event as new.
	Created PushResult = iota + 1
	// Updated: the remote replaced its older copy.
	Updated
	// NotNewer: the remote holds the event at the same or a newer timestamp and kept its copy.
	NotNewer
)

// PushEvent sends e to the remote as MISP's push does: events/edit/{uuid} when the remote has it, else
// events/add (and edit after all when the add answers that the event exists). An edit refused as not newer
// than the remote's copy is NotNewer, not an error.
func (c *Client) PushEvent(ctx context.Context, e *misp.Event) (PushResult, error) {
	body, err := misp.EncodeEvent(e)
	if err != nil {
		return 0, fmt.Errorf("encode event %s: %w", e.UUID, err)
	}
	exists, err := c.EventExists(ctx, e.UUID)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) && ce.Transport() {
			return 0, err
		}
		exists = false // as MISP: a failed check counts as absent
	}
	if !exists {
		status, hdr, data, err := c.do(ctx, http.MethodPost, "/events/add/metadata:1", body, true)
		if err != nil {
			return 0, err
		}
		if status != http.StatusNotFound {
			return Created, c.checkEventAnswer(http.MethodPost, "/events/add/metadata:1", data)
		}
		if hdr.Get("Location") == "" {
			return 0, &Error{Server: c.Name, Method: http.MethodPost, Path: "/events/add/metadata:1",
				Status: status, Message: "event add answered 404"}
		}
	}
	return c.editEvent(ctx, e.UUID, body)
}

func (c *Client) editEvent(ctx context.Context, uuid string, body []byte) (PushResult, error) {
	path := "/events/edit/" + url.PathEscape(uuid) + "/metadata:1"
	_, _, data, err := c.do(ctx, http.MethodPost, path, body, false)
	var ce *Error
	if errors.As(err, &ce) && ce.Status == http.StatusForbidden && strings.Contains(ce.Message, "not newer") {
		return NotNewer, nil
	}
	if err != nil {
		return 0, err
	}
	return Updated, c.checkEventAnswer(http.MethodPost, path, data)
}

// checkEventAnswer checks that an events/add or edit answer is the saved event, {"Event": {…}}.
func (c *Client) checkEventAnswer(method, path string, data []byte) error {
	var v struct {
		Event *struct {
			UUID string `json:"uuid"`
		} `json:"Event"`
	}
	if err := c.decode(method, path, data, &v); err != nil {
		return err
	}
	if v.Event == nil {
		return &Error{Server: c.Name, Method: method, Path: path, Status: http.StatusOK,
			Err: fmt.Errorf("%w: no event in the answer", ErrGarbage)}
	}
	return nil
}
