package intel

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/intel/mispclient"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// Synchronisation with other MISP instances (MISP's Server::pull and Server::push), over the intel service:
//
//   - only published events travel; what travels follows the distribution rules of intel/acl (CanPushEvent,
//     CanPushElement, PushedDistribution, PulledDistribution): 0 never; 1 one hop (pulled, it arrives as 0; MISP
//     never pushes it); 2 arrives as 1; 3 unchanged; 4 only when its sharing group reaches the other side, and
//     with the group, which the receiving side captures by uuid;
//   - the server's pull and push rules filter by tags and creator organisations;
//   - loops are cut by uuid and timestamp: an event goes to, or is taken from, a side only when that side does not
//     hold it at the same or a newer timestamp;
//   - progress is saved per server and direction after every event (store.Servers.SetServerProgress), and a sync
//     that stops half-way (killed, remote down) can be run again: what arrived is not sent again, and the
//     "incremental" technique starts after the saved progress.

// DefaultSyncTimeout bounds one request to a sync server when Options.HTTPClient is nil.
const DefaultSyncTimeout = 60 * time.Second

// The techniques of PullServer and PushServer (MISP's), besides an event id or uuid.
const (
	// TechniqueFull synchronises every event.
	TechniqueFull = "full"
	// TechniqueIncremental starts after the saved progress (LastPushedID, LastPulledID).
	TechniqueIncremental = "incremental"
	// TechniqueUpdate pulls only events this side holds already.
	TechniqueUpdate = "update"
)

// SyncResult is what one pull or push did.
type SyncResult struct {
	// Server is the server's name.
	Server string `json:"server"`
	// Done lists the uuids of the events sent or taken.
	Done []string `json:"done"`
	// UpToDate counts events skipped because the other side held them at the same or a newer timestamp.
	UpToDate int `json:"up_to_date"`
	// Filtered counts events the rules or distribution kept back.
	Filtered int `json:"filtered"`
	// Failed maps the uuid (or remote id) of each event that failed to why.
	Failed map[string]string `json:"failed,omitempty"`
	// Attributes counts the attributes (objects' included) of the events in Done.
	Attributes int `json:"attributes"`
	// Progress is the server's saved progress for the direction after the run.
	Progress int64 `json:"progress"`
}

func (r *SyncResult) fail(key string, err error) {
	if r.Failed == nil {
		r.Failed = map[string]string{}
	}
	r.Failed[key] = err.Error()
}

// syncLink is a server with its opened key and a client to it.
type syncLink struct {
	sv     *misp.Server
	client *mispclient.Client
	acl    acl.Server
}

// link loads server id and makes its client.
func (s *Service) link(ctx context.Context, id int64) (*syncLink, error) {
	sv, err := s.st.Server(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, acl.NotFound(MsgInvalidServerID)
	}
	if err != nil {
		return nil, err
	}
	key, err := s.openServerKey(id, sv.Authkey)
	if err != nil {
		return nil, err
	}
	hc, err := s.serverHTTPClient(sv)
	if err != nil {
		return nil, err
	}
	return &syncLink{sv: sv,
		client: &mispclient.Client{Name: sv.Name, BaseURL: sv.URL, Key: key, HTTP: hc},
		acl:    acl.Server{ID: int64(sv.ID), RemoteOrgID: int64(sv.RemoteOrgID), Internal: bool(sv.Internal)}}, nil
}

// serverHTTPClient is Options.HTTPClient with the server's TLS and proxy settings.
func (s *Service) serverHTTPClient(sv *misp.Server) (*http.Client, error) {
	base := s.opts.HTTPClient
	if base == nil {
		base = &http.Client{Timeout: DefaultSyncTimeout}
	} else if base.Timeout == 0 {
		c := *base
		c.Timeout = DefaultSyncTimeout
		base = &c
	}
	if !bool(sv.SelfSigned) && sv.CertFile == "" && !bool(sv.SkipProxy) {
		return base, nil
	}
	var tr *http.Transport
	switch t := base.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	default:
		return base, nil // a custom transport (a test's, a proxy's) is kept as it is
	}
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if sv.SelfSigned {
		tr.TLSClientConfig.InsecureSkipVerify = true
	}
	if sv.CertFile != "" {
		pem, err := os.ReadFile(sv.CertFile)
		if err != nil {
			return nil, fmt.Errorf("server %q: cert_file: %w", sv.Name, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("server %q: cert_file %s holds no PEM certificate", sv.Name, sv.CertFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	if sv.SkipProxy {
		tr.Proxy = nil
	}
	c := *base
	c.Transport = tr
	return &c, nil
}

// ConnectionStatus is what servers/testConnection reports about a server.
type ConnectionStatus struct {
	// Status is MISP's code: 1 OK, 2 not reachable, 3 unexpected answer, 4 authentication failed.
	Status  int    `json:"status"`
	Message string `json:"message"`
	Version string `json:"local_version,omitempty"`
	Remote  string `json:"version,omitempty"`
	// PermSync is whether the key is a sync user's there (MISP: perm_sync).
	PermSync bool   `json:"perm_sync"`
	UUID     string `json:"uuid,omitempty"`
}

// TestServerConnection asks server id for its version with the stored key (servers/testConnection).
func (s *Service) TestServerConnection(ctx context.Context, u acl.User, id int64) (*ConnectionStatus, error) {
	if err := s.Policy().CanManageServers(u); err != nil {
		return nil, err
	}
	l, err := s.link(ctx, id)
	if err != nil {
		return nil, err
	}
	v, err := l.client.Version(ctx)
	var ce *mispclient.Error
	switch {
	case err == nil:
		return &ConnectionStatus{Status: 1, Message: "OK", Remote: v.Version, PermSync: v.PermSync, UUID: v.UUID}, nil
	case errors.As(err, &ce) && ce.Transport():
		return &ConnectionStatus{Status: 2, Message: err.Error()}, nil
	case errors.As(err, &ce) && ce.Status == http.StatusForbidden:
		return &ConnectionStatus{Status: 4, Message: err.Error()}, nil
	case errors.As(err, &ce):
		return &ConnectionStatus{Status: 3, Message: err.Error()}, nil
	}
	return nil, err
}

// fatalRemote reports whether err from the remote should stop the whole run: the remote is not answering, or
// answering with server errors or garbage. Refusals of one event (4xx) do not.
func fatalRemote(err error) bool {
	var ce *mispclient.Error
	if !errors.As(err, &ce) {
		return true
	}
	return ce.Transport() || ce.Status >= 500 || errors.Is(err, mispclient.ErrGarbage)
}

// progress advances the saved progress of l in dir to id while the run has had no failure.
type progress struct {
	s      *Service
	l      *syncLink
	dir    store.SyncDirection
	ok     bool
	cursor int64
}

// settle records how event id (uuid) went: a failure of the remote itself stops the run (stop, with err) with
// the progress saved so far in res; a failure of this event is reported in res and holds the progress back from
// then on; a success moves the progress to id.
func (p *progress) settle(ctx context.Context, res *SyncResult, id int64, uuid string, failed error) (stop bool, err error) {
	if failed != nil {
		if fatalRemote(failed) {
			res.Progress = p.cursor
			return true, failed
		}
		res.fail(uuid, failed)
		p.ok = false
		return false, nil
	}
	if err := p.done(ctx, id); err != nil {
		return true, err
	}
	return false, nil
}

func (p *progress) done(ctx context.Context, id int64) error {
	if !p.ok || id <= p.cursor {
		return nil
	}
	if err := p.s.st.SetServerProgress(ctx, int64(p.l.sv.ID), p.dir, id); err != nil {
		return fmt.Errorf("server %q: save progress: %w", p.l.sv.Name, err)
	}
	p.cursor = id
	return nil
}

// tagNames are the names of tags.
func tagNames(tags []misp.Tag) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, t.Name)
		if t.ID != 0 {
			out = append(out, t.ID.String())
		}
	}
	return out
}

// rulesAllow reports whether e passes the tag and organisation rules r.
func rulesAllow(r misp.SyncRules, e *misp.Event) bool {
	if !r.Tags.Allows(tagNames(e.Tag)) {
		return false
	}
	orgs := []string{e.OrgcID.String()}
	if e.Orgc != nil {
		orgs = append(orgs, e.Orgc.Name, e.Orgc.UUID)
	}
	return r.Orgs.Allows(orgs)
}

func countAttributes(e *misp.Event) int {
	n := len(e.Attribute)
	for _, o := range e.Object {
		n += len(o.Attribute)
	}
	return n
}

// syncActor is who pulled events are saved as: u in the server's owning organisation when u has none (System).
func syncActor(u acl.User, sv *misp.Server) acl.User {
	if u.OrgID == 0 {
		u.OrgID = int64(sv.OrgID)
	}
	return u
}

// PullServer takes the published events of server id (servers/pull/{id}/{technique}) that this side does not
// hold at the same or a newer timestamp, as the server lets its sync user see them, with distributions
// downgraded and local tags dropped, and saves them as synchronised copies (creator, uuids and timestamps kept,
// locked). technique is full, incremental (after the saved progress), update (only events held already), or an
// event id or uuid of the remote. A remote that stops answering ends the run with an error naming the server;
// the progress saved so far stays.
func (s *Service) PullServer(ctx context.Context, u acl.User, id int64, technique string) (*SyncResult, error) {
	if err := s.Policy().CanManageServers(u); err != nil {
		return nil, err
	}
	l, err := s.link(ctx, id)
	if err != nil {
		return nil, err
	}
	technique = strings.TrimSpace(technique)
	if technique == "" {
		technique = TechniqueFull
	}
	byRef := technique != TechniqueFull && technique != TechniqueIncremental && technique != TechniqueUpdate
	if !byRef && !bool(l.sv.Pull) {
		return nil, refusedServer("Pull setting not enabled for this server.")
	}
	if byRef {
		if _, err := strconv.ParseInt(technique, 10, 64); err != nil && !misp.ValidUUID(technique) {
			return nil, refusedServer("Invalid pull technique `" + technique + "`.")
		}
	}
	if _, err := l.client.Version(ctx); err != nil {
		return nil, err
	}
	res := &SyncResult{Server: l.sv.Name, Progress: int64(l.sv.LastPulledID)}
	index, err := l.client.EventIndex(ctx)
	if err != nil {
		return res, err
	}
	slices.SortFunc(index, func(a, b mispclient.IndexEntry) int { return int(a.ID - b.ID) })
	prog := &progress{s: s, l: l, dir: store.Pull, ok: !byRef, cursor: int64(l.sv.LastPulledID)}
	actor := syncActor(u, l.sv)
	for _, entry := range index {
		if byRef && technique != entry.ID.String() && !strings.EqualFold(technique, entry.UUID) {
			continue
		}
		if technique == TechniqueIncremental && int64(entry.ID) <= int64(l.sv.LastPulledID) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		failed := s.pullOne(ctx, l, actor, entry, technique == TechniqueUpdate, res)
		if stop, err := prog.settle(ctx, res, int64(entry.ID), entry.UUID, failed); stop {
			return res, err
		}
	}
	res.Progress = prog.cursor
	return res, nil
}

// pullOne takes one event of the remote's index.
func (s *Service) pullOne(ctx context.Context, l *syncLink, actor acl.User, entry mispclient.IndexEntry, onlyHeld bool, res *SyncResult) error {
	if !bool(entry.Published) || !misp.ValidUUID(entry.UUID) {
		res.Filtered++
		return nil
	}
	local, err := s.st.EventByUUID(ctx, entry.UUID)
	switch {
	case err == nil && local.Timestamp >= entry.Timestamp:
		res.UpToDate++
		return nil
	case err == nil && !bool(local.Locked) && !bool(l.sv.Internal):
		return errors.New("blocked an edit to an event that was created locally")
	case errors.Is(err, store.ErrNotFound):
		local = nil
		if onlyHeld {
			return nil
		}
	case err != nil:
		return err
	}
	e, err := l.client.Event(ctx, entry.UUID)
	if err != nil {
		return err
	}
	if !bool(e.Published) || !rulesAllow(l.sv.PullRules, e) {
		res.Filtered++
		return nil
	}
	preparePulled(e, l.acl)
	if local == nil {
		_, err = s.AddEvent(ctx, actor, e, true)
	} else {
		_, err = s.EditEvent(ctx, actor, local.UUID, e, true)
	}
	var nn *store.NotNewerError
	switch {
	case errors.As(err, &nn):
		res.UpToDate++
		return nil
	case err != nil:
		return fmt.Errorf("save event %s: %w", entry.UUID, err)
	}
	res.Done = append(res.Done, e.UUID)
	res.Attributes += countAttributes(e)
	return nil
}

func downgradePulled(d *misp.Distribution, s acl.Server) {
	if *d == misp.DistributionUnset || d.Level() == int(acl.Inherit) {
		return
	}
	if nd, ok := misp.DistributionOf(int(acl.PulledDistribution(acl.Distribution(d.Level()), s))); ok {
		*d = nd
	}
}

func dropLocalTags(tags []misp.Tag) []misp.Tag {
	out := tags[:0]
	for _, t := range tags {
		if !bool(t.Local) {
			out = append(out, t)
		}
	}
	return out
}

// preparePulled applies MISP's __updatePulledEventBeforeInsert: distributions downgraded, local tags dropped
// (over an external link), the event locked as a synchronised copy, remote ids forgotten.
func preparePulled(e *misp.Event, s acl.Server) {
	e.ID, e.OrgID, e.OrgcID, e.UserID, e.Org = 0, 0, 0, 0, nil
	e.Locked = true
	downgradePulled(&e.Distribution, s)
	if !s.Internal {
		e.Tag = dropLocalTags(e.Tag)
	}
	for i := range e.Attribute {
		a := &e.Attribute[i]
		downgradePulled(&a.Distribution, s)
		if !s.Internal {
			a.Tag = dropLocalTags(a.Tag)
		}
	}
	for i := range e.Object {
		o := &e.Object[i]
		downgradePulled(&o.Distribution, s)
		for j := range o.Attribute {
			a := &o.Attribute[j]
			downgradePulled(&a.Distribution, s)
			if !s.Internal {
				a.Tag = dropLocalTags(a.Tag)
			}
		}
	}
	for i := range e.EventReport {
		downgradePulled(&e.EventReport[i].Distribution, s)
	}
}

// PushServer sends server id (servers/push/{id}/{technique}) the published events of this side that the
// distribution rules and the server's push rules let go there and that the server does not hold at the same or a
// newer timestamp (it is asked with events/filterEventIdsForPush), each prepared as MISP prepares a push:
// elements that may not go left out, distributions downgraded, sharing groups attached, local and
// non-exportable tags dropped. technique is full, incremental (events after the saved progress) or a local event
// id or uuid. A remote that stops answering ends the run with an error naming the server; the progress saved
// so far stays.
func (s *Service) PushServer(ctx context.Context, u acl.User, id int64, technique string) (*SyncResult, error) {
	if err := s.Policy().CanManageServers(u); err != nil {
		return nil, err
	}
	l, err := s.link(ctx, id)
	if err != nil {
		return nil, err
	}
	technique = strings.TrimSpace(technique)
	if technique == "" {
		technique = TechniqueFull
	}
	byRef := technique != TechniqueFull && technique != TechniqueIncremental
	if !bool(l.sv.Push) {
		return nil, refusedServer("Push setting not enabled for this server.")
	}
	f := store.EventFilter{Conditions: acl.Conditions{Unrestricted: true}, Published: new(true), Metadata: true}
	if byRef {
		if n, err := strconv.ParseInt(technique, 10, 64); err == nil && n > 0 {
			f.IDs = []int64{n}
		} else if misp.ValidUUID(technique) {
			f.UUIDs = []string{strings.ToLower(technique)}
		} else {
			return nil, refusedServer("Technique parameter must be 'full', 'incremental' or event ID.")
		}
	}
	v, err := l.client.Version(ctx)
	if err != nil {
		return nil, err
	}
	if !v.PermSync {
		return nil, fmt.Errorf("server %q: the remote user is not a sync user - the upload of the event has been blocked", l.sv.Name)
	}
	res := &SyncResult{Server: l.sv.Name, Progress: int64(l.sv.LastPushedID)}
	headers, err := s.evtCollect(ctx, f)
	if err != nil {
		return res, err
	}
	p := s.Policy()
	var refs []mispclient.EventRef
	var candidates []*misp.Event
	for _, e := range headers {
		if technique == TechniqueIncremental && int64(e.ID) <= int64(l.sv.LastPushedID) {
			continue
		}
		candidates = append(candidates, e)
		if !p.CanPushEvent(ACLEvent(e), l.acl) || !rulesAllow(l.sv.PushRules, e) {
			continue
		}
		refs = append(refs, mispclient.EventRef{UUID: e.UUID, Timestamp: e.Timestamp})
	}
	want := map[string]bool{}
	if len(refs) > 0 {
		uuids, err := l.client.FilterEventIDsForPush(ctx, refs)
		if err != nil {
			return res, err
		}
		for _, u := range uuids {
			want[strings.ToLower(u)] = true
		}
	}
	pushable := map[string]bool{}
	for _, r := range refs {
		pushable[r.UUID] = true
	}
	prog := &progress{s: s, l: l, dir: store.Push, ok: !byRef, cursor: int64(l.sv.LastPushedID)}
	for _, h := range candidates {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		switch {
		case !pushable[h.UUID]:
			res.Filtered++
		case !want[h.UUID]:
			res.UpToDate++
		default:
			failed := s.pushOne(ctx, l, int64(h.ID), res)
			if stop, err := prog.settle(ctx, res, int64(h.ID), h.UUID, failed); stop {
				return res, err
			}
			continue
		}
		if err := prog.done(ctx, int64(h.ID)); err != nil {
			return res, err
		}
	}
	res.Progress = prog.cursor
	return res, nil
}

// pushOne prepares and sends local event id.
func (s *Service) pushOne(ctx context.Context, l *syncLink, id int64, res *SyncResult) error {
	e, err := s.st.Event(ctx, id)
	if err != nil {
		return fmt.Errorf("load event %d: %w", id, err)
	}
	if err := s.preparePush(ctx, e, l); err != nil {
		return err
	}
	r, err := l.client.PushEvent(ctx, e)
	if err != nil {
		return err
	}
	if r == mispclient.NotNewer {
		res.UpToDate++
		return nil
	}
	res.Done = append(res.Done, e.UUID)
	res.Attributes += countAttributes(e)
	return nil
}

// pushTags drops local tags (over an external link), non-exportable tags and, with blocked, nothing else.
func pushTags(tags []misp.Tag, s acl.Server) []misp.Tag {
	out := make([]misp.Tag, 0, len(tags))
	for _, t := range tags {
		if !bool(t.Exportable) || (bool(t.Local) && !s.Internal) {
			continue
		}
		t.ID = 0
		out = append(out, t)
	}
	return out
}

// blockedByTags reports whether an attribute carries one of the push rules' NOT tags (MISP's
// blockedAttributeTags).
func blockedByTags(tags []misp.Tag, r misp.SyncRules) bool {
	return len(r.Tags.NOT) > 0 && !(misp.RuleList{NOT: r.Tags.NOT}).Allows(tagNames(tags))
}

// preparePush is MISP's __updateEventForSync for event e going over l.
func (s *Service) preparePush(ctx context.Context, e *misp.Event, l *syncLink) error {
	p := s.Policy()
	sgs := map[int64]*misp.SharingGroup{}
	group := func(id misp.FlexInt) (*misp.SharingGroup, error) {
		if g, ok := sgs[int64(id)]; ok {
			return g, nil
		}
		g, err := s.st.SharingGroup(ctx, int64(id))
		if err != nil {
			return nil, fmt.Errorf("sharing group %d: %w", id, err)
		}
		if err := s.fillSharingGroup(ctx, g); err != nil {
			return nil, err
		}
		sgs[int64(id)] = g
		return g, nil
	}
	keep := func(d *misp.Distribution, sgID misp.FlexInt, sg **misp.SharingGroup, kind acl.ElementKind) (bool, error) {
		if *d == misp.DistributionUnset {
			return true, nil
		}
		if !p.CanPushElement(ACLElement(kind, *d, sgID), l.acl) {
			return false, nil
		}
		if nd, ok := misp.DistributionOf(int(acl.PushedDistribution(acl.Distribution(d.Level()), l.acl))); ok {
			*d = nd
		}
		if d.Level() == int(acl.SharingGroupOnly) {
			g, err := group(sgID)
			if err != nil {
				return false, err
			}
			*sg = g
		} else {
			*sg = nil
		}
		return true, nil
	}
	if _, err := keep(&e.Distribution, e.SharingGroupID, &e.SharingGroup, acl.KindAttribute); err != nil {
		return err
	}
	e.ID, e.OrgID, e.OrgcID, e.UserID, e.Org = 0, 0, 0, 0, nil
	e.Locked = true
	if l.sv.UnpublishEvent {
		e.Published = false
	}
	e.Tag = pushTags(e.Tag, l.acl)
	attrs := e.Attribute[:0]
	for _, a := range e.Attribute {
		ok, err := keep(&a.Distribution, a.SharingGroupID, &a.SharingGroup, acl.KindAttribute)
		if err != nil {
			return err
		}
		if !ok || blockedByTags(a.Tag, l.sv.PushRules) {
			continue
		}
		a.ID, a.EventID, a.Tag = 0, 0, pushTags(a.Tag, l.acl)
		attrs = append(attrs, a)
	}
	e.Attribute = attrs
	objects := e.Object[:0]
	for _, o := range e.Object {
		ok, err := keep(&o.Distribution, o.SharingGroupID, &o.SharingGroup, acl.KindObject)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		oa := o.Attribute[:0]
		for _, a := range o.Attribute {
			ok, err := keep(&a.Distribution, a.SharingGroupID, &a.SharingGroup, acl.KindAttribute)
			if err != nil {
				return err
			}
			if !ok || blockedByTags(a.Tag, l.sv.PushRules) {
				continue
			}
			a.ID, a.EventID, a.ObjectID, a.Tag = 0, 0, 0, pushTags(a.Tag, l.acl)
			oa = append(oa, a)
		}
		o.ID, o.EventID, o.Attribute = 0, 0, oa
		objects = append(objects, o)
	}
	e.Object = objects
	reports := e.EventReport[:0]
	for _, r := range e.EventReport {
		ok, err := keep(&r.Distribution, r.SharingGroupID, &r.SharingGroup, acl.KindEventReport)
		if err != nil {
			return err
		}
		if ok {
			r.ID, r.EventID = 0, 0
			reports = append(reports, r)
		}
	}
	e.EventReport = reports
	return nil
}

// FilterEventIDsForPush answers a pushing instance's events/filterEventIdsForPush: of the events offered (uuid
// and timestamp), the uuids of those this side does not hold at the same or a newer timestamp. Sync users only.
func (s *Service) FilterEventIDsForPush(ctx context.Context, u acl.User, offered []mispclient.EventRef) ([]string, error) {
	if err := s.Policy().CanSync(u); err != nil {
		return nil, err
	}
	out := []string{}
	for _, r := range offered {
		if !misp.ValidUUID(r.UUID) {
			continue
		}
		local, err := s.st.EventByUUID(ctx, r.UUID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			out = append(out, r.UUID)
		case err != nil:
			return nil, err
		case local.Timestamp < r.Timestamp:
			out = append(out, r.UUID)
		}
	}
	return out, nil
}
