package intel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/feed"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// MISP's messages about feeds.
const (
	MsgInvalidFeed        = "Invalid feed."
	MsgCouldNotAddFeed    = "Could not add Feed"
	MsgCouldNotEditFeed   = "Could not edit Feed"
	MsgFeedDeleted        = "Feed deleted."
	MsgFeedCachingStarted = "Feed caching job initiated."
	MsgFeedPullQueued     = "Pull queued for background execution."
	MsgFeedNotEnabled     = "Feed is currently not enabled. Make sure you enable it."
	MsgDefaultFeedsLoaded = "Default feed metadata loaded."
	MsgNoFeedEnabled      = "No feed enabled."
)

// The defaults of FeedOptions.
const (
	DefaultFeedMaxFileBytes      = 64 << 20
	DefaultFeedMaxEventsPerFetch = 10_000
	DefaultFeedMaxValues         = 1_000_000
	DefaultFeedTimeout           = 10 * time.Minute
)

// FeedDefaultsFile is where `hunch intel update` installs MISP's default feed list, under the data directory.
const FeedDefaultsFile = "feed-metadata/defaults.json"

// FeedOptions bound and place what the feeds read. Zero fields take the defaults.
type FeedOptions struct {
	// Client fetches network feeds; nil means the service's Options.HTTPClient (or http.DefaultClient). Timeout
	// bounds each job whatever the client's own timeout.
	Client *http.Client
	// MaxFileBytes bounds one file of a feed (a manifest, an event, a freetext or CSV list); default 64 MiB.
	MaxFileBytes int64
	// MaxEventsPerFetch bounds the events one fetch of a MISP feed imports (the manifest's entries); default 10 000.
	MaxEventsPerFetch int
	// MaxValues bounds the values one freetext or CSV feed, or one cache, holds; default 1 000 000.
	MaxValues int
	// Timeout bounds one fetch or caching of one feed; default 10 minutes.
	Timeout time.Duration
	// LocalDir is the only directory local feeds (input_source local) are read from; empty means the data
	// directory's feeds/, and "-" refuses local feeds.
	LocalDir string
}

func (s *Service) feedOptions() FeedOptions {
	o := s.opts.Feeds
	if o.Client == nil {
		o.Client = s.opts.HTTPClient
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultFeedMaxFileBytes
	}
	if o.MaxEventsPerFetch <= 0 {
		o.MaxEventsPerFetch = DefaultFeedMaxEventsPerFetch
	}
	if o.MaxValues <= 0 {
		o.MaxValues = DefaultFeedMaxValues
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultFeedTimeout
	}
	switch o.LocalDir {
	case "":
		if s.opts.DataDir != "" {
			o.LocalDir = filepath.Join(s.opts.DataDir, "feeds")
		}
	case "-":
		o.LocalDir = ""
	}
	return o
}

func (s *Service) feedSource() feed.Source {
	o := s.feedOptions()
	return feed.Source{Client: o.Client, MaxBytes: o.MaxFileBytes, LocalDir: o.LocalDir}
}

// ---- feeds: list, view, add, edit, delete ----

// Feeds lists every feed (feeds/index). Site admins only.
func (s *Service) Feeds(ctx context.Context, u acl.User) ([]misp.Feed, error) {
	if err := s.Policy().CanManageFeeds(u); err != nil {
		return nil, err
	}
	return s.st.ListFeeds(ctx)
}

// Feed returns feed id (feeds/view); a missing one is MISP's 404 "Invalid feed.". Site admins only.
func (s *Service) Feed(ctx context.Context, u acl.User, id int64) (*misp.Feed, error) {
	if err := s.Policy().CanManageFeeds(u); err != nil {
		return nil, err
	}
	return s.feed(ctx, id)
}

func (s *Service) feed(ctx context.Context, id int64) (*misp.Feed, error) {
	f, err := s.st.Feed(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, acl.NotFound(MsgInvalidFeed)
	}
	return f, err
}

// AddFeed stores a new feed (feeds/add) with MISP's defaults for what f leaves out — as its REST API does:
// freetext, a fixed event, distribution 0, input source network — and sets f.ID. A feed without a name or url, an
// unknown format or input source, or an exclude regex Go cannot run is an *InvalidError. Site admins only.
func (s *Service) AddFeed(ctx context.Context, u acl.User, f *misp.Feed, present map[string]bool) error {
	if err := s.Policy().CanManageFeeds(u); err != nil {
		return err
	}
	f.ID, f.Default, f.CacheTimestamp = 0, false, 0
	if f.SourceFormat == "" {
		f.SourceFormat = misp.FeedFormatFreetext
	}
	if !present["fixed_event"] {
		f.FixedEvent = true
	}
	if f.Distribution == misp.DistributionUnset {
		f.Distribution = misp.DistributionOrganisation
	}
	if !f.FixedEvent {
		f.EventID = 0
	}
	if err := s.feedCheck(ctx, f, MsgCouldNotAddFeed); err != nil {
		return err
	}
	if f.Tag != nil && f.TagID == 0 && f.Tag.Name != "" {
		id, err := s.feedTag(ctx, f.Tag)
		if err != nil {
			return err
		}
		f.TagID = misp.FlexInt(id)
	}
	return s.st.CreateFeed(ctx, f)
}

// feedTag returns the id of the tag named t.Name, creating it when there is none.
func (s *Service) feedTag(ctx context.Context, t *misp.Tag) (int64, error) {
	got, err := s.st.TagByName(ctx, t.Name)
	if err == nil {
		return int64(got.ID), nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	nt := &misp.Tag{Name: t.Name, Colour: t.Colour, Exportable: true}
	if nt.Colour == "" {
		nt.Colour = "#0088cc"
	}
	if err := s.st.CreateTag(ctx, nt); err != nil {
		return 0, fmt.Errorf("feed tag %q: %w", t.Name, err)
	}
	return int64(nt.ID), nil
}

// feedCheck normalises f and validates it as MISP's Feed model does.
func (s *Service) feedCheck(ctx context.Context, f *misp.Feed, msg string) error {
	inv := &InvalidError{Message: msg, Fields: map[string][]string{}}
	add := func(field, m string) { inv.Fields[field] = append(inv.Fields[field], m) }
	f.Name, f.URL, f.Provider = strings.TrimSpace(f.Name), strings.TrimSpace(f.URL), strings.TrimSpace(f.Provider)
	f.InputSource = strings.ToLower(strings.TrimSpace(f.InputSource))
	if f.InputSource != misp.FeedInputLocal {
		f.InputSource = misp.FeedInputNetwork
	}
	if f.Name == "" {
		add("name", "Please fill in this field")
	}
	if f.Provider == "" {
		f.Provider = f.Name
	}
	switch {
	case f.URL == "":
		add("url", "Please fill in this field")
	case f.InputSource == misp.FeedInputNetwork && !strings.HasPrefix(f.URL, "http://") && !strings.HasPrefix(f.URL, "https://"):
		add("url", "Invalid URL or non-existent local path")
	}
	switch f.SourceFormat {
	case misp.FeedFormatMISP, misp.FeedFormatFreetext, misp.FeedFormatCSV:
	default:
		add("source_format", "Invalid source format; valid formats are misp, freetext and csv")
	}
	switch f.Distribution {
	case misp.DistributionOrganisation, misp.DistributionCommunity, misp.DistributionConnected, misp.DistributionAll,
		misp.DistributionSharingGroup, misp.DistributionInherit:
	default:
		add("distribution", "Options: 0, 1, 2, 3, 4, 5")
	}
	if f.Distribution != misp.DistributionSharingGroup {
		f.SharingGroupID = 0
	} else if f.SharingGroupID == 0 {
		add("sharing_group_id", "A sharing group is required for distribution 4")
	} else if _, err := s.st.SharingGroup(ctx, int64(f.SharingGroupID)); err != nil {
		add("sharing_group_id", "Invalid sharing group")
	}
	if f.SourceFormat == misp.FeedFormatMISP {
		f.OrgcID = 0
	}
	if _, err := feed.ParseRules(string(f.Rules)); err != nil {
		add("rules", "Invalid rules: "+err.Error())
	}
	if _, err := feed.CompileExclude(f.Settings.Common.ExcludeRegex); err != nil {
		add("settings", "Invalid exclude regex. Make sure it's a delimited PCRE regex pattern.")
	}
	if _, err := f.Settings.Columns(); err != nil {
		add("settings", err.Error())
	}
	if f.Settings.CSV.Delimiter == "" {
		f.Settings.CSV.Delimiter = ","
	}
	if f.TagID != 0 {
		if _, err := s.st.Tag(ctx, int64(f.TagID)); err != nil {
			add("tag_id", "Invalid tag")
		}
	}
	if len(inv.Fields) > 0 {
		return inv
	}
	return nil
}

// feedEditable are the fields feeds/edit changes, as MISP's FeedsController::edit lists them.
var feedEditable = []string{"name", "provider", "enabled", "caching_enabled", "rules", "url", "distribution",
	"sharing_group_id", "tag_id", "event_id", "publish", "delta_merge", "source_format", "override_ids", "settings",
	"input_source", "delete_local_file", "lookup_visible", "headers", "orgc_id", "fixed_event", "force_to_ids"}

// EditFeed applies the fields of body (a feed's JSON object, {"Feed": {…}} unwrapped) that MISP lets feeds/edit
// change onto feed id, and returns the stored feed. Fields body leaves out keep their values, so PyMISP's
// enable_feed ({"id", "enabled"}) only enables. Site admins only.
func (s *Service) EditFeed(ctx context.Context, u acl.User, id int64, body map[string]json.RawMessage) (*misp.Feed, error) {
	if err := s.Policy().CanManageFeeds(u); err != nil {
		return nil, err
	}
	f, err := s.feed(ctx, id)
	if err != nil {
		return nil, err
	}
	if v, ok := body["pull_rules"]; ok {
		if _, has := body["rules"]; !has {
			body["rules"] = v
		}
	}
	cur, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(cur, &m); err != nil {
		return nil, err
	}
	for _, k := range feedEditable {
		if v, ok := body[k]; ok {
			m[k] = v
		}
	}
	merged, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var nf misp.Feed
	if err := json.Unmarshal(merged, &nf); err != nil {
		return nil, Invalid(MsgCouldNotEditFeed, "Feed", "The feed could not be read: "+err.Error())
	}
	nf.ID, nf.Default, nf.CacheTimestamp, nf.Tag = f.ID, f.Default, f.CacheTimestamp, nil
	if err := s.feedCheck(ctx, &nf, MsgCouldNotEditFeed); err != nil {
		return nil, err
	}
	if err := s.st.UpdateFeed(ctx, &nf); err != nil {
		return nil, err
	}
	return &nf, nil
}

// SetFeedOptions replaces the feed options the service was made with (the server sets its HTTP client and local
// feed directory). Call it before the service is used.
func (s *Service) SetFeedOptions(o FeedOptions) {
	s.feedMu.Lock()
	defer s.feedMu.Unlock()
	s.opts.Feeds = o
}

// SetFeedEnabled enables or disables feed id (feeds/enable, feeds/disable) and returns MISP's message.
func (s *Service) SetFeedEnabled(ctx context.Context, u acl.User, id int64, enabled bool) (string, error) {
	v := json.RawMessage("false")
	if enabled {
		v = json.RawMessage("true")
	}
	if _, err := s.EditFeed(ctx, u, id, map[string]json.RawMessage{"enabled": v}); err != nil {
		return "", err
	}
	if enabled {
		return "Feed enabled.", nil
	}
	return "Feed disabled.", nil
}

// DeleteFeed removes feed id and its cache (feeds/delete); the events it brought in stay, as in MISP.
func (s *Service) DeleteFeed(ctx context.Context, u acl.User, id int64) error {
	if err := s.Policy().CanManageFeeds(u); err != nil {
		return err
	}
	err := s.st.DeleteFeed(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return acl.NotFound(MsgInvalidFeed)
	}
	return err
}

// ---- default feeds ----

// defaultFeed is one entry of MISP's defaults.json.
type defaultFeed struct {
	Feed misp.Feed `json:"Feed"`
	Tag  *misp.Tag `json:"Tag"`
}

// LoadDefaultFeeds adds MISP's default feeds (feeds/loadDefaultFeeds) from the data directory's
// feed-metadata/defaults.json (installed by `hunch intel update --only feeds`), skipping those whose url is stored
// already, and returns how many it added. As MISP's, they are added disabled. Site admins only.
func (s *Service) LoadDefaultFeeds(ctx context.Context, u acl.User) (int, error) {
	if err := s.Policy().CanManageFeeds(u); err != nil {
		return 0, err
	}
	if s.opts.DataDir == "" {
		return 0, errors.New("default feeds: no data directory")
	}
	p := filepath.Join(s.opts.DataDir, filepath.FromSlash(FeedDefaultsFile))
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("default feeds: %s is not installed; run `hunch intel update --only feeds`", p)
	}
	if err != nil {
		return 0, fmt.Errorf("default feeds: %w", err)
	}
	list, err := ParseDefaultFeeds(data)
	if err != nil {
		return 0, fmt.Errorf("default feeds %s: %w", p, err)
	}
	stored, err := s.st.ListFeeds(ctx)
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	for _, f := range stored {
		have[f.URL] = true
	}
	n := 0
	for _, f := range list {
		if have[f.URL] {
			continue
		}
		// MISP saves only the feed's description (Feed::importFeeds): the feed starts disabled, not cached, with
		// distribution 0, until an admin enables it.
		f.ID, f.CacheTimestamp, f.EventID, f.OrgcID = 0, 0, 0, 0
		f.Enabled, f.CachingEnabled, f.Distribution, f.SharingGroupID = false, false, misp.DistributionOrganisation, 0
		f.InputSource, f.DeleteLocal, f.ForceToIDS = misp.FeedInputNetwork, false, false
		if err := s.feedCheck(ctx, &f, MsgCouldNotAddFeed); err != nil {
			s.log.Warn("default feed skipped", "feed", f.Name, "err", err)
			continue
		}
		if f.Tag != nil && f.Tag.Name != "" {
			id, err := s.feedTag(ctx, f.Tag)
			if err != nil {
				return n, err
			}
			f.TagID = misp.FlexInt(id)
		}
		f.Default = true
		if err := s.st.CreateFeed(ctx, &f); err != nil {
			return n, err
		}
		have[f.URL] = true
		n++
	}
	return n, nil
}

// ParseDefaultFeeds reads MISP's defaults.json: a list of {"Feed": {…}, "Tag": {…}}. Each feed carries its tag.
func ParseDefaultFeeds(data []byte) ([]misp.Feed, error) {
	var list []defaultFeed
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("not MISP's feed list: %w", err)
	}
	out := make([]misp.Feed, 0, len(list))
	for _, d := range list {
		f := d.Feed
		if d.Tag != nil && d.Tag.Name != "" {
			f.Tag = d.Tag
		}
		out = append(out, f)
	}
	return out, nil
}

// ---- fetching ----

// FetchResult is what one fetch of a feed did.
type FetchResult struct {
	// Added and Updated are the events created and changed; Unchanged those the feed holds as they are stored;
	// Blocked those its rules leave out.
	Added, Updated, Unchanged, Blocked int
	// EventID is the event freetext and csv feeds fill.
	EventID int64
	// Values is how many values a freetext or csv feed held; New and Removed how many the fetch added to its
	// event and deleted from it (delta_merge).
	Values, New, Removed int
}

// feedUser is who feed jobs act as: u's identity and organisation (or the host organisation for the scheduler),
// with a synchronising role, so that events keep their creator organisation and uuids as MISP's feed pulls do.
func (s *Service) feedUser(u acl.User) (acl.User, error) {
	if u.OrgID == 0 {
		u.OrgID = s.Policy().Settings().Instance.HostOrgID
	}
	if u.OrgID == 0 {
		return u, errors.New("feeds: no host organisation owns feed events: start 'hunch serve' once to make it")
	}
	return acl.User{ID: u.ID, OrgID: u.OrgID, Role: acl.Role{Name: "feed", PermAdd: true, PermModify: true,
		PermModifyOrg: true, PermPublish: true, PermSync: true, PermSiteAdmin: true, PermAuth: true, PermTagger: true,
		PermTagEditor: true, PermSighting: true}}, nil
}

// FetchFeed fetches feed id into events (feeds/fetchFromFeed): a MISP feed's new and newer events (by uuid and
// timestamp), or a freetext or csv feed's values into its event. Every file is read and parsed before anything is
// saved, so a feed that cannot be read, breaks a limit or holds invalid data changes nothing. A disabled feed is
// refused. Site admins only; u's organisation owns the events.
func (s *Service) FetchFeed(ctx context.Context, u acl.User, id int64) (*FetchResult, error) {
	if err := s.Policy().CanManageFeeds(u); err != nil {
		return nil, err
	}
	f, err := s.feed(ctx, id)
	if err != nil {
		return nil, err
	}
	if !f.Enabled {
		return nil, Invalid(MsgFeedNotEnabled, "enabled", MsgFeedNotEnabled)
	}
	fu, err := s.feedUser(u)
	if err != nil {
		return nil, err
	}
	s.feedMu.Lock()
	defer s.feedMu.Unlock()
	// Read the feed again under the lock: a caching job that held it may have changed the row (its cache
	// timestamp), and the fetch writes the row back when it records the feed's event.
	if f, err = s.feed(ctx, id); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.feedOptions().Timeout)
	defer cancel()
	if f.SourceFormat == misp.FeedFormatMISP {
		return s.fetchMISPFeed(ctx, fu, f)
	}
	return s.fetchValueFeed(ctx, fu, f)
}

// fetchMISPFeed imports the events of a MISP feed that are new or newer than the stored copies.
func (s *Service) fetchMISPFeed(ctx context.Context, u acl.User, f *misp.Feed) (*FetchResult, error) {
	o, src := s.feedOptions(), s.feedSource()
	data, err := src.Read(ctx, f, "manifest.json")
	if err != nil {
		return nil, fmt.Errorf("feed %q: %w", f.Name, err)
	}
	manifest, err := feed.ParseManifest(data, o.MaxEventsPerFetch)
	if err != nil {
		return nil, fmt.Errorf("feed %q: %w", f.Name, err)
	}
	rules, err := feed.ParseRules(string(f.Rules))
	if err != nil {
		return nil, fmt.Errorf("feed %q: %w", f.Name, err)
	}
	res := &FetchResult{}
	type pending struct {
		e      *misp.Event
		stored *misp.Event
	}
	var todo []pending
	for _, m := range manifest {
		var tags []string
		for _, t := range m.Tag {
			tags = append(tags, t.Name)
		}
		var orgName, orgUUID string
		if m.Orgc != nil {
			orgName, orgUUID = m.Orgc.Name, m.Orgc.UUID
		}
		if !rules.Allows(tags, orgName, orgUUID) {
			res.Blocked++
			continue
		}
		stored, err := s.st.EventByUUID(ctx, m.UUID)
		switch {
		case err == nil:
			if m.Timestamp <= stored.Timestamp {
				res.Unchanged++
				continue
			}
		case errors.Is(err, store.ErrNotFound):
			stored = nil
		default:
			return nil, fmt.Errorf("feed %q: event %s: %w", f.Name, m.UUID, err)
		}
		body, err := src.Read(ctx, f, m.UUID+".json")
		if err != nil {
			return nil, fmt.Errorf("feed %q: %w", f.Name, err)
		}
		e, err := feed.ParseEvent(body, m.UUID, s.opts.Limits)
		if err != nil {
			return nil, fmt.Errorf("feed %q: %w", f.Name, err)
		}
		if stored != nil && e.Timestamp != 0 && e.Timestamp <= stored.Timestamp {
			res.Unchanged++
			continue
		}
		todo = append(todo, pending{e, stored})
	}
	tag, err := s.feedTagName(ctx, f)
	if err != nil {
		return nil, err
	}
	for _, p := range todo {
		s.prepareFeedEvent(ctx, f, p.e, tag)
		if p.stored == nil {
			if _, err := s.AddEvent(ctx, u, p.e, true); err != nil {
				return res, fmt.Errorf("feed %q: event %s: %w", f.Name, p.e.UUID, err)
			}
			res.Added++
			continue
		}
		if _, err := s.EditEvent(ctx, u, p.stored.UUID, p.e, true); err != nil {
			return res, fmt.Errorf("feed %q: event %s: %w", f.Name, p.e.UUID, err)
		}
		res.Updated++
	}
	return res, nil
}

// feedTagName returns the name of the feed's tag, "" when it has none (or it is gone).
func (s *Service) feedTagName(ctx context.Context, f *misp.Feed) (string, error) {
	if f.TagID == 0 {
		return "", nil
	}
	t, err := s.st.Tag(ctx, int64(f.TagID))
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return t.Name, nil
}

// prepareFeedEvent applies the feed's settings to an event pulled from it, as MISP's Feed::__prepareEvent: the
// feed's distribution and sharing group (its elements inheriting), unless the feed inherits (5) and the event
// has a distribution of its own; the feed's tag; override_ids and force_to_ids; the event locked.
func (s *Service) prepareFeedEvent(ctx context.Context, f *misp.Feed, e *misp.Event, tag string) {
	if !(f.Distribution == misp.DistributionInherit && e.Distribution != misp.DistributionUnset) {
		if f.Distribution == misp.DistributionInherit {
			e.Distribution, e.SharingGroupID = misp.DistributionOrganisation, 0
		} else {
			e.Distribution, e.SharingGroupID = f.Distribution, f.SharingGroupID
			if f.SharingGroupID != 0 {
				if _, err := s.st.SharingGroup(ctx, int64(f.SharingGroupID)); err != nil {
					e.Distribution, e.SharingGroupID = misp.DistributionOrganisation, 0
				}
			}
		}
		e.SharingGroup = nil
		for i := range e.Attribute {
			e.Attribute[i].Distribution, e.Attribute[i].SharingGroupID = misp.DistributionInherit, 0
		}
		for i := range e.Object {
			e.Object[i].Distribution, e.Object[i].SharingGroupID = misp.DistributionInherit, 0
			for j := range e.Object[i].Attribute {
				e.Object[i].Attribute[j].Distribution, e.Object[i].Attribute[j].SharingGroupID = misp.DistributionInherit, 0
			}
		}
	}
	if tag != "" && !slices.ContainsFunc(e.Tag, func(t misp.Tag) bool { return strings.EqualFold(t.Name, tag) }) {
		e.Tag = append(e.Tag, misp.Tag{Name: tag})
	}
	ids := func(a *misp.Attribute) {
		switch {
		case bool(f.OverrideIDs):
			a.ToIDS = misp.BoolFalse
		case bool(f.ForceToIDS):
			a.ToIDS = misp.BoolTrue
		}
	}
	for i := range e.Attribute {
		ids(&e.Attribute[i])
	}
	for i := range e.Object {
		for j := range e.Object[i].Attribute {
			ids(&e.Object[i].Attribute[j])
		}
	}
	if f.Settings.DisableCorrelation {
		e.DisableCorrelation = true
	}
	if f.Settings.UnpublishEvent {
		e.Published = false
	}
	e.Locked = true
	e.ID, e.OrgID, e.Org = 0, 0, nil
}

// feedValues reads a freetext or csv feed and returns its values typed as MISP's freetext import types them.
func (s *Service) feedValues(ctx context.Context, f *misp.Feed) ([]FreeTextGuess, error) {
	o, src := s.feedOptions(), s.feedSource()
	data, err := src.Read(ctx, f, "")
	if err != nil {
		return nil, fmt.Errorf("feed %q: %w", f.Name, err)
	}
	exclude, err := feed.CompileExclude(f.Settings.Common.ExcludeRegex)
	if err != nil {
		return nil, fmt.Errorf("feed %q: %w", f.Name, err)
	}
	var tokens []string
	if f.SourceFormat == misp.FeedFormatCSV {
		cols, err := f.Settings.Columns()
		if err != nil {
			return nil, fmt.Errorf("feed %q: %w", f.Name, err)
		}
		if tokens, err = feed.CSVValues(data, cols, f.Settings.CSV.Delimiter, exclude, o.MaxValues); err != nil {
			return nil, fmt.Errorf("feed %q: %w", f.Name, err)
		}
	} else if tokens, err = feed.Lines(data, exclude, o.MaxValues); err != nil {
		return nil, fmt.Errorf("feed %q: %w", f.Name, err)
	}
	var out []FreeTextGuess
	seen := map[string]bool{}
	for _, t := range tokens {
		guesses := GuessFreeText(t)
		if f.SourceFormat == misp.FeedFormatCSV && len(guesses) > 1 {
			guesses = guesses[:1] // one CSV field is one value
		}
		for _, g := range guesses {
			k := g.Type + "\x00" + g.Value
			if seen[k] {
				continue
			}
			if len(out) >= o.MaxValues {
				return nil, fmt.Errorf("feed %q: more than %d values: %w", f.Name, o.MaxValues, feed.ErrLimit)
			}
			seen[k] = true
			out = append(out, g)
		}
	}
	return out, nil
}

// fetchValueFeed puts the values of a freetext or csv feed into an event: its fixed event (created on the first
// fetch; with delta_merge, values gone from the feed are deleted from it) or a new event per fetch, as MISP's
// Feed::saveFreetextFeedData.
func (s *Service) fetchValueFeed(ctx context.Context, u acl.User, f *misp.Feed) (*FetchResult, error) {
	values, err := s.feedValues(ctx, f)
	if err != nil {
		return nil, err
	}
	res := &FetchResult{Values: len(values)}
	now := misp.TimestampOf(s.now())
	attr := func(g FreeTextGuess) misp.Attribute {
		a := misp.Attribute{Type: g.Type, Category: g.Category, Value: g.Value, ToIDS: misp.OptBoolOf(g.ToIDS),
			Distribution: misp.DistributionInherit, Comment: g.Comment}
		switch {
		case bool(f.OverrideIDs):
			a.ToIDS = misp.BoolFalse
		case bool(f.ForceToIDS):
			a.ToIDS = misp.BoolTrue
		}
		return a
	}
	var stored *misp.Event
	if f.FixedEvent && f.EventID != 0 {
		stored, err = s.st.Event(ctx, int64(f.EventID))
		if errors.Is(err, store.ErrNotFound) {
			stored = nil // the fixed event is gone: a new one takes its place
		} else if err != nil {
			return nil, err
		}
	}
	tag, err := s.feedTagName(ctx, f)
	if err != nil {
		return nil, err
	}
	if stored == nil {
		e := &misp.Event{Info: f.Name + " feed", Analysis: 2, ThreatLevel: misp.ThreatLevelUndefined,
			Distribution: f.Distribution, SharingGroupID: f.SharingGroupID, Published: f.Publish,
			DisableCorrelation: f.Settings.DisableCorrelation, Date: misp.DateOf(s.now())}
		if e.Distribution == misp.DistributionInherit {
			e.Distribution = misp.DistributionOrganisation
		}
		orgc := u.OrgID
		if f.OrgcID != 0 {
			orgc = int64(f.OrgcID)
		}
		if o, err := s.st.Org(ctx, orgc); err == nil {
			e.Orgc = &misp.Organisation{Name: o.Name, UUID: o.UUID}
		}
		if tag != "" {
			e.Tag = []misp.Tag{{Name: tag}}
		}
		e.Attribute = make([]misp.Attribute, 0, len(values))
		for _, g := range values {
			e.Attribute = append(e.Attribute, attr(g))
		}
		if _, err := s.AddEvent(ctx, u, e, true); err != nil {
			return nil, fmt.Errorf("feed %q: %w", f.Name, err)
		}
		res.EventID, res.New, res.Added = int64(e.ID), len(values), 1
		if f.FixedEvent {
			f.EventID = e.ID
			if err := s.st.UpdateFeed(ctx, f); err != nil {
				return res, err
			}
		}
		s.deleteLocalFeedFile(f)
		return res, nil
	}
	res.EventID = int64(stored.ID)
	have := map[string]*misp.Attribute{}
	for i := range stored.Attribute {
		a := &stored.Attribute[i]
		if !a.Deleted {
			have[a.Value] = a
		}
	}
	edit := &misp.Event{Timestamp: now, Published: f.Publish}
	for _, g := range values {
		if _, ok := have[g.Value]; ok {
			delete(have, g.Value)
			continue
		}
		a := attr(g)
		a.Timestamp = now
		edit.Attribute = append(edit.Attribute, a)
		res.New++
	}
	if f.DeltaMerge {
		gone := make([]*misp.Attribute, 0, len(have))
		for _, a := range have {
			gone = append(gone, a)
		}
		slices.SortFunc(gone, func(a, b *misp.Attribute) int { return int(a.ID - b.ID) })
		for _, a := range gone {
			d := *a
			d.Deleted, d.Timestamp, d.Tag, d.Galaxy = true, now, nil, nil
			edit.Attribute = append(edit.Attribute, d)
			res.Removed++
		}
	}
	if len(edit.Attribute) == 0 {
		s.deleteLocalFeedFile(f)
		return res, nil
	}
	if stored.Timestamp >= now {
		edit.Timestamp = stored.Timestamp + 1
		for i := range edit.Attribute {
			edit.Attribute[i].Timestamp = edit.Timestamp
		}
	}
	if _, err := s.EditEvent(ctx, u, stored.UUID, edit, true); err != nil {
		return nil, fmt.Errorf("feed %q: %w", f.Name, err)
	}
	res.Updated = 1
	s.deleteLocalFeedFile(f)
	return res, nil
}

// deleteLocalFeedFile removes a local freetext or csv feed's file after a fetch saved its values, when the feed
// asks for it (delete_local_file), as MISP's; a failure is logged.
func (s *Service) deleteLocalFeedFile(f *misp.Feed) {
	if !f.DeleteLocal || f.InputSource != misp.FeedInputLocal {
		return
	}
	if err := s.feedSource().RemoveLocal(f); err != nil {
		s.log.Warn("feed file not deleted", "feed", f.Name, "err", err)
	}
}

// FetchFeeds fetches every enabled feed in turn (feeds/fetchFromAllFeeds), logging each failure with the feed's
// name, and returns how many it fetched without error.
func (s *Service) FetchFeeds(ctx context.Context, u acl.User) (int, error) {
	if err := s.Policy().CanManageFeeds(u); err != nil {
		return 0, err
	}
	list, err := s.st.ListFeeds(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range list {
		if !f.Enabled {
			continue
		}
		if _, err := s.FetchFeed(ctx, u, int64(f.ID)); err != nil {
			s.log.Warn("feed fetch failed", "feed", f.Name, "id", int64(f.ID), "err", err)
			continue
		}
		n++
	}
	return n, nil
}

// ---- caching ----

// CacheFeed fills the cache of feed id with the digests of the values it holds, without importing anything
// (MISP's cacheFeeds): a MISP feed's hashes.csv (or, without one, the values of its events), a freetext or csv
// feed's values. It returns how many distinct digests the cache holds. Site admins only.
func (s *Service) CacheFeed(ctx context.Context, u acl.User, id int64) (int64, error) {
	if err := s.Policy().CanManageFeeds(u); err != nil {
		return 0, err
	}
	f, err := s.feed(ctx, id)
	if err != nil {
		return 0, err
	}
	s.feedMu.Lock()
	defer s.feedMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, s.feedOptions().Timeout)
	defer cancel()
	hashes, err := s.feedHashes(ctx, f)
	if err != nil {
		return 0, err
	}
	return s.st.ReplaceFeedCache(ctx, id, hashes, s.now())
}

// feedHashes reads the digests of the values feed f holds.
func (s *Service) feedHashes(ctx context.Context, f *misp.Feed) ([]string, error) {
	o, src := s.feedOptions(), s.feedSource()
	if f.SourceFormat != misp.FeedFormatMISP {
		values, err := s.feedValues(ctx, f)
		if err != nil {
			return nil, err
		}
		out := make([]string, 0, len(values))
		for _, v := range values {
			out = append(out, lookupHashes(v.Type, v.Value)...)
		}
		return out, nil
	}
	data, err := src.Read(ctx, f, "hashes.csv")
	if err == nil {
		hashes, err := feed.ParseHashes(data, o.MaxValues)
		if err != nil {
			return nil, fmt.Errorf("feed %q: %w", f.Name, err)
		}
		return hashes, nil
	}
	// MISP's traditional caching: the values of every event of the manifest.
	data, merr := src.Read(ctx, f, "manifest.json")
	if merr != nil {
		return nil, fmt.Errorf("feed %q: %w", f.Name, err)
	}
	manifest, err := feed.ParseManifest(data, o.MaxEventsPerFetch)
	if err != nil {
		return nil, fmt.Errorf("feed %q: %w", f.Name, err)
	}
	var out []string
	for _, m := range manifest {
		body, err := src.Read(ctx, f, m.UUID+".json")
		if err != nil {
			return nil, fmt.Errorf("feed %q: %w", f.Name, err)
		}
		e, err := feed.ParseEvent(body, m.UUID, s.opts.Limits)
		if err != nil {
			return nil, fmt.Errorf("feed %q: %w", f.Name, err)
		}
		add := func(a misp.Attribute) { out = append(out, lookupHashes(a.Type, a.Value)...) }
		for _, a := range e.Attribute {
			add(a)
		}
		for _, ob := range e.Object {
			for _, a := range ob.Attribute {
				add(a)
			}
		}
		if len(out) > o.MaxValues {
			return nil, fmt.Errorf("feed %q: more than %d values: %w", f.Name, o.MaxValues, feed.ErrLimit)
		}
	}
	return out, nil
}

// lookupHashes returns the digests a value of typ is cached and looked up by, as MISP's attachFeedCorrelations
// hashes them: each part of a composite value, or the value and, for a url or uri with a scheme, the value
// without it.
func lookupHashes(typ, value string) []string {
	if strings.Contains(typ, "|") || typ == "malware-sample" {
		a, b, _ := strings.Cut(value, "|")
		if b == "" {
			return []string{feed.Hash(a)}
		}
		return []string{feed.Hash(a), feed.Hash(b)}
	}
	out := []string{feed.Hash(value)}
	if typ == "url" || typ == "uri" {
		if _, rest, ok := strings.Cut(value, "://"); ok {
			out = append(out, feed.Hash(rest))
		}
	}
	return out
}

// CacheFeeds caches the feeds of scope (feeds/cacheFeeds): "all" (every enabled or caching-enabled feed),
// "freetext" (freetext and csv ones), "misp", or one feed's id. Failures are logged with the feed's name; it
// returns how many feeds it cached.
func (s *Service) CacheFeeds(ctx context.Context, u acl.User, scope string) (int, error) {
	if err := s.Policy().CanManageFeeds(u); err != nil {
		return 0, err
	}
	if id, err := strconv.ParseInt(scope, 10, 64); err == nil {
		f, err := s.feed(ctx, id)
		if err != nil {
			return 0, err
		}
		if _, err := s.CacheFeed(ctx, u, id); err != nil {
			s.log.Warn("feed caching failed", "feed", f.Name, "id", id, "err", err)
			return 0, err
		}
		return 1, nil
	}
	switch scope {
	case "all", "freetext", "misp", "csv":
	default:
		return 0, Invalid("Could not cache feeds", "scope", "Invalid scope; use all, freetext, misp or a feed id.")
	}
	list, err := s.st.ListFeeds(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, f := range list {
		if !(f.Enabled || f.CachingEnabled) {
			continue
		}
		switch {
		case scope == "misp" && f.SourceFormat != misp.FeedFormatMISP,
			scope == "freetext" && f.SourceFormat == misp.FeedFormatMISP,
			scope == "csv" && f.SourceFormat != misp.FeedFormatCSV:
			continue
		}
		if _, err := s.CacheFeed(ctx, u, int64(f.ID)); err != nil {
			s.log.Warn("feed caching failed", "feed", f.Name, "id", int64(f.ID), "err", err)
			continue
		}
		n++
	}
	return n, nil
}

// ---- hits ----

// FeedHits returns, for each of values held by an enabled, cached feed u may see, those feeds as MISP lists
// them on an attribute (id, name, provider, url, source_format). values are typed (type, value) pairs so that
// composites and urls are looked up as MISP looks them up. One indexed lookup per digest. Users need
// perm_view_feed_correlations (site admins always see them); those who are not site admins see only
// lookup_visible feeds. Nothing is an empty map.
func (s *Service) FeedHits(ctx context.Context, u acl.User, values []TypedValue) (map[TypedValue][]misp.FeedHit, error) {
	h, err := s.newFeedHitter(ctx, u)
	if err != nil || h == nil {
		return map[TypedValue][]misp.FeedHit{}, err
	}
	return h.hits(ctx, values)
}

// feedHitter looks values up in the caches of the feeds one reader may see.
type feedHitter struct {
	s     *Service
	feeds map[int64]misp.FeedHit
}

// newFeedHitter returns the hitter of u, or nil when u sees no cached feed.
func (s *Service) newFeedHitter(ctx context.Context, u acl.User) (*feedHitter, error) {
	if s.Policy().CanViewFeedCorrelations(u) != nil {
		return nil, nil
	}
	list, err := s.st.ListFeeds(ctx)
	if err != nil {
		return nil, err
	}
	admin := u.EffectiveRole().PermSiteAdmin
	feeds := map[int64]misp.FeedHit{}
	for _, f := range list {
		if f.CacheTimestamp == 0 || !bool(f.Enabled || f.CachingEnabled) || !admin && !bool(f.LookupVisible) {
			continue
		}
		feeds[int64(f.ID)] = misp.FeedHit{ID: f.ID, Name: f.Name, Provider: f.Provider, URL: f.URL,
			SourceFormat: f.SourceFormat, LookupVisible: f.LookupVisible}
	}
	if len(feeds) == 0 {
		return nil, nil
	}
	return &feedHitter{s: s, feeds: feeds}, nil
}

func (h *feedHitter) hits(ctx context.Context, values []TypedValue) (map[TypedValue][]misp.FeedHit, error) {
	out := map[TypedValue][]misp.FeedHit{}
	var hashes []string
	byValue := make(map[TypedValue][]string, len(values))
	for _, v := range values {
		if _, ok := byValue[v]; ok {
			continue
		}
		hs := lookupHashes(v.Type, v.Value)
		byValue[v] = hs
		hashes = append(hashes, hs...)
	}
	if len(hashes) == 0 {
		return out, nil
	}
	held, err := h.s.st.FeedsHolding(ctx, hashes)
	if err != nil {
		return nil, fmt.Errorf("intel: feed hits: %w", err)
	}
	for v, hs := range byValue {
		var ids []int64
		for _, d := range hs {
			ids = append(ids, held[d]...)
		}
		slices.Sort(ids)
		for _, id := range slices.Compact(ids) {
			if hit, ok := h.feeds[id]; ok {
				out[v] = append(out[v], hit)
			}
		}
	}
	return out, nil
}

// attach sets the Feed list of each of attrs whose value a feed holds, with one lookup for all of them.
func (h *feedHitter) attach(ctx context.Context, attrs []*misp.Attribute) error {
	if h == nil {
		return nil
	}
	values := make([]TypedValue, 0, len(attrs))
	for _, a := range attrs {
		if !bool(a.DisableCorrelation) {
			values = append(values, TypedValue{a.Type, a.Value})
		}
	}
	hits, err := h.hits(ctx, values)
	if err != nil {
		return err
	}
	for _, a := range attrs {
		if hit, ok := hits[TypedValue{a.Type, a.Value}]; ok && !bool(a.DisableCorrelation) {
			a.Feed = hit
		}
	}
	return nil
}

// attachEvent sets the Feed lists of e's attributes, objects' included.
func (h *feedHitter) attachEvent(ctx context.Context, e *misp.Event) error {
	if h == nil {
		return nil
	}
	var attrs []*misp.Attribute
	for i := range e.Attribute {
		attrs = append(attrs, &e.Attribute[i])
	}
	for i := range e.Object {
		for j := range e.Object[i].Attribute {
			attrs = append(attrs, &e.Object[i].Attribute[j])
		}
	}
	return h.attach(ctx, attrs)
}

// TypedValue is an attribute's type and value, what a feed hit is looked up by.
type TypedValue struct{ Type, Value string }

// AttachFeedHits sets the Feed list of each attribute of events (objects' included) whose value an enabled,
// cached feed u may see holds (includeFeedCorrelations).
func (s *Service) AttachFeedHits(ctx context.Context, u acl.User, events ...*misp.Event) error {
	h, err := s.newFeedHitter(ctx, u)
	if err != nil || h == nil {
		return err
	}
	for _, e := range events {
		if err := h.attachEvent(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// ---- compare ----

// FeedComparison is one feed of compareFeeds with its overlap with every other cached feed.
type FeedComparison struct {
	Feed         misp.FeedHit  `json:"Feed"`
	ComparedFeed []FeedOverlap `json:"ComparedFeed"`
}

// FeedOverlap is how many of a feed's cached values another feed holds too.
type FeedOverlap struct {
	ID                misp.FlexInt `json:"id"`
	Name              string       `json:"name"`
	OverlapCount      int64        `json:"overlap_count"`
	OverlapPercentage int64        `json:"overlap_percentage"`
}

// CompareFeeds returns, for every cached feed, how many of its values each other cached feed holds too
// (feeds/compareFeeds), as MISP's Feed::compareFeeds. Site admins only.
func (s *Service) CompareFeeds(ctx context.Context, u acl.User) ([]FeedComparison, error) {
	if err := s.Policy().CanManageFeeds(u); err != nil {
		return nil, err
	}
	list, err := s.st.ListFeeds(ctx)
	if err != nil {
		return nil, err
	}
	overlap, err := s.st.FeedCacheOverlap(ctx)
	if err != nil {
		return nil, err
	}
	out := []FeedComparison{}
	for _, f := range list {
		if f.CacheTimestamp == 0 {
			continue
		}
		size, err := s.st.FeedCacheSize(ctx, int64(f.ID))
		if err != nil {
			return nil, err
		}
		c := FeedComparison{Feed: misp.FeedHit{ID: f.ID, Name: f.Name, Provider: f.Provider, URL: f.URL,
			SourceFormat: f.SourceFormat, LookupVisible: f.LookupVisible}, ComparedFeed: []FeedOverlap{}}
		for _, g := range list {
			if g.ID == f.ID || g.CacheTimestamp == 0 {
				continue
			}
			n := overlap[[2]int64{int64(f.ID), int64(g.ID)}]
			pct := int64(0)
			if size > 0 {
				pct = 100 * n / size
			}
			c.ComparedFeed = append(c.ComparedFeed, FeedOverlap{ID: g.ID, Name: g.Name, OverlapCount: n, OverlapPercentage: pct})
		}
		out = append(out, c)
	}
	return out, nil
}

// ---- background ----

// StartFeedJob runs job in the background, as MISP's feed actions queue theirs and answer at once: detached from
// the request, with its failure logged under what.
func (s *Service) StartFeedJob(what string, job func(ctx context.Context) error) {
	go func() {
		if err := job(context.Background()); err != nil {
			s.log.Warn("feed job failed", "job", what, "err", err)
		}
	}()
}

// RunFeeds fetches the enabled feeds and caches the caching-enabled ones every interval until ctx ends, acting as
// the host organisation; the first round starts at once. Failures are logged with the feed's name (never its
// headers). every <= 0 returns at once.
func (s *Service) RunFeeds(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.runFeedsOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runFeedsOnce is one round of RunFeeds.
func (s *Service) runFeedsOnce(ctx context.Context) {
	u, err := s.feedUser(acl.User{})
	if err != nil {
		s.log.Warn("feeds not run", "err", err)
		return
	}
	list, err := s.st.ListFeeds(ctx)
	if err != nil {
		s.log.Warn("feeds not run", "err", err)
		return
	}
	for _, f := range list {
		if ctx.Err() != nil {
			return
		}
		if f.Enabled {
			if r, err := s.FetchFeed(ctx, u, int64(f.ID)); err != nil {
				s.log.Warn("feed fetch failed", "feed", f.Name, "id", int64(f.ID), "err", err)
			} else {
				s.log.Info("feed fetched", "feed", f.Name, "added", r.Added, "updated", r.Updated, "new", r.New, "removed", r.Removed)
			}
		}
		if f.CachingEnabled {
			if n, err := s.CacheFeed(ctx, u, int64(f.ID)); err != nil {
				s.log.Warn("feed caching failed", "feed", f.Name, "id", int64(f.ID), "err", err)
			} else {
				s.log.Info("feed cached", "feed", f.Name, "values", n)
			}
		}
	}
}
