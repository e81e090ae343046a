package intel

// A TAXII 2.1 collection pulled in as a feed: its objects read into MISP events (package stix) and saved under
// MISP's rules (a known uuid is an edit, applied only when newer), remembering per server and collection the
// last date_added pulled so that the next pull asks only for what is newer.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/stix"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/taxii"
)

// DefaultTAXIIMaxObjects bounds the objects one pull reads when TAXIIPull.MaxObjects is zero: they are held in
// memory until the pull is read into events, as a report may refer to objects of any page.
const DefaultTAXIIMaxObjects = 1_000_000

// TAXIIPull says what to pull.
type TAXIIPull struct {
	// Client talks to the server; APIRoot is the API root's URL and Collection the collection's id.
	Client     *taxii.Client
	APIRoot    string
	Collection string
	// AddedAfter asks for objects added after it; zero means after the last date_added remembered for this
	// API root and collection (everything on the first pull).
	AddedAfter time.Time
	// PageSize is the limit asked for per page (0: the server's default).
	PageSize int
	// MaxObjects bounds the objects read; zero means DefaultTAXIIMaxObjects. A larger pull fails before
	// anything is saved.
	MaxObjects int
	// As returns who saves an event (its owner organisation); nil means System as a member of the host
	// organisation.
	As func(*misp.Event) (acl.User, error)
	// Cluster names galaxy tags for malware, threat actors…; see stix.ParseOptions.Cluster. Nil means the
	// installed galaxies' clusters (STIXClusterMatcher).
	Cluster func(stixType, name string) (string, bool)
}

// TAXIIPullResult is what a pull brought.
type TAXIIPullResult struct {
	// Since is the added_after the pull asked with (zero: everything); Last the latest date_added it got, which
	// the next pull starts from.
	Since, Last time.Time
	// Pages and Objects read; Events read from them: Added, Updated, Unchanged (stored already and not newer)
	// and Failed (refused; each one in Failures).
	Pages, Objects                            int
	Events, Added, Updated, Unchanged, Failed int
	Failures                                  []string
	// Skipped counts the objects not imported by reason.
	Skipped map[string]int
}

// TAXIISettingName is the Setting that remembers the last date_added pulled from a collection of an API root.
func TAXIISettingName(apiRoot, collection string) string {
	return "taxii.pull." + apiRoot + "|" + collection
}

// PullTAXII pulls a TAXII collection into the store. The date_added mark moves on only when every event was
// saved, so that a pull with failures is tried again whole (what was saved is then unchanged).
func (s *Service) PullTAXII(ctx context.Context, p TAXIIPull) (*TAXIIPullResult, error) {
	if p.Client == nil || p.APIRoot == "" || p.Collection == "" {
		return nil, errors.New("taxii pull: client, api root and collection are required")
	}
	if p.As == nil && s.Policy().Settings().Instance.HostOrgID == 0 {
		return nil, errors.New("taxii pull: the instance has no host organisation to own the pulled events")
	}
	maxObjects := p.MaxObjects
	if maxObjects <= 0 {
		maxObjects = DefaultTAXIIMaxObjects
	}
	setting := TAXIISettingName(p.APIRoot, p.Collection)
	res := &TAXIIPullResult{Since: p.AddedAfter}
	if res.Since.IsZero() {
		v, err := s.st.Setting(ctx, setting)
		switch {
		case err == nil:
			t, perr := time.Parse(time.RFC3339Nano, v)
			if perr != nil {
				return nil, fmt.Errorf("taxii pull: setting %s is not a time: %q", setting, v)
			}
			res.Since = t
		case !errors.Is(err, store.ErrNotFound):
			return nil, fmt.Errorf("taxii pull: read %s: %w", setting, err)
		}
	}
	// date_added may have the precision of MISP's timestamps, seconds: from a remembered mark, the last second
	// is asked for again (what was pulled then comes back unchanged) so that an event added later in that
	// second is not missed.
	from := res.Since
	if p.AddedAfter.IsZero() && !from.IsZero() {
		from = from.Add(-time.Second)
	}
	var objects []json.RawMessage
	err := p.Client.AllObjects(ctx, p.APIRoot, p.Collection, taxii.Query{AddedAfter: from, Limit: p.PageSize},
		func(pg *taxii.Page) error {
			res.Pages++
			objects = append(objects, pg.Objects...)
			if len(objects) > maxObjects {
				return fmt.Errorf("taxii pull: more than %d objects; pull with a later --added-after or a higher --max-objects", maxObjects)
			}
			if pg.DateAddedLast.After(res.Last) {
				res.Last = pg.DateAddedLast
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	res.Objects = len(objects)
	if p.Cluster == nil {
		if p.Cluster, err = s.STIXClusterMatcher(ctx); err != nil {
			return nil, fmt.Errorf("taxii pull: %w", err)
		}
	}
	parsed, err := stix.ParseObjects("", objects, stix.ParseOptions{MaxObjects: maxObjects, Cluster: p.Cluster})
	if err != nil {
		return nil, fmt.Errorf("taxii pull: %w", err)
	}
	res.Skipped = parsed.SkippedReasons()
	for _, ev := range parsed.Events {
		res.Events++
		if err := s.pullEvent(ctx, p, ev, res); err != nil {
			return nil, err
		}
	}
	if res.Failed == 0 && !res.Last.IsZero() && res.Last.After(res.Since) {
		if err := s.st.PutSetting(ctx, setting, res.Last.UTC().Format(time.RFC3339Nano)); err != nil {
			return nil, fmt.Errorf("taxii pull: remember %s: %w", setting, err)
		}
	}
	return res, nil
}

// pullEvent saves one pulled event: added, or applied as an edit when its uuid is stored and it is newer.
func (s *Service) pullEvent(ctx context.Context, p TAXIIPull, ev *misp.Event, res *TAXIIPullResult) error {
	u := System
	u.OrgID = s.Policy().Settings().Instance.HostOrgID
	if p.As != nil {
		var err error
		if u, err = p.As(ev); err != nil {
			res.Failed++
			res.Failures = append(res.Failures, fmt.Sprintf("event %s: %v", ev.UUID, err))
			return nil
		}
	}
	_, err := s.AddEvent(ctx, u, ev, false)
	var exists *EventExistsError
	switch {
	case err == nil:
		res.Added++
		return nil
	case errors.As(err, &exists):
		_, err = s.EditEvent(ctx, u, strconv.FormatInt(exists.ID, 10), ev, false)
		switch {
		case err == nil:
			res.Updated++
			return nil
		case errors.Is(err, store.ErrNotNewer):
			res.Unchanged++
			return nil
		}
	}
	var inv *InvalidError
	var ae *acl.Error
	if errors.As(err, &inv) || errors.As(err, &ae) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		res.Failed++
		res.Failures = append(res.Failures, fmt.Sprintf("event %s (%s): %v", ev.UUID, ev.Info, err))
		return nil
	}
	return fmt.Errorf("taxii pull: save event %s: %w", ev.UUID, err)
}
