package store

// The intel store: MISP's aggregates (organisations, users and their API keys, sharing groups, events with their
// attributes, objects, references and tags, tags, sightings) persisted behind one interface per aggregate. Values
// are the misp package's types, so what the API decodes is what the store saves and what it loads is what the API
// encodes. The store does not authorise: callers decide with intel/acl, and pass the reader's acl.Conditions into
// searches so that list and search paths filter in the database.
//
// Conventions every backend follows:
//   - ids are assigned by the store on create and written back into the value passed in (ID fields, and the IDs of
//     every element of a saved event); uuids are the caller's when valid and generated when empty;
//   - a missing row is an error wrapping ErrNotFound; a duplicate uuid, name or e-mail wraps ErrConflict; a
//     duplicate attribute added to an event is a *DuplicateAttributeError (which also matches ErrConflict); an edit that
//     is not newer than the stored copy is a *NotNewerError (which matches ErrNotNewer);
//   - a timestamp of 0 on a saved or edited event or element means "unset" (PyMISP leaves it out so the server
//     stamps it): the store stamps it with the current time;
//   - composite values (filename|md5, ip-dst|port, …) are stored split at the first '|' as MISP stores them
//     (value1, value2) and loaded joined again;
//   - searches stream: rows are read as the sequence is iterated, and breaking out of the loop releases them.

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
)

// ErrNotFound is wrapped by every error about a row that does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is wrapped by every error about a row that would duplicate another: a uuid already used, an
// organisation name, user e-mail or tag name already taken, a similar attribute already in the event.
var ErrConflict = errors.New("conflict")

// ErrNotNewer is wrapped by errors refusing an edit whose timestamp is not newer than the stored copy (MISP's
// timestamp rule, misp.IsNewer). It is misp.ErrNotNewer, so errors.Is matches either name.
var ErrNotNewer = misp.ErrNotNewer

// MsgDuplicateAttribute is MISP's message for an attribute that repeats the value, type and category of an
// attribute already in the event outside any object.
const MsgDuplicateAttribute = "A similar attribute already exists for this event."

// DuplicateAttributeError refuses an attribute whose (value, type, category) is already held by a live (not
// deleted) attribute outside objects in the same event, on the single-attribute writes (AddAttribute,
// EditAttribute, RestoreAttribute). Its message is MISP's, MsgDuplicateAttribute.
type DuplicateAttributeError struct {
	EventID  int64
	Type     string
	Category string
	Value    string
}

// Error returns MISP's message.
func (e *DuplicateAttributeError) Error() string { return MsgDuplicateAttribute }

// Is matches ErrConflict.
func (e *DuplicateAttributeError) Is(target error) bool { return target == ErrConflict }

// NotNewerError refuses an edit of What ("Event", "Attribute", "Object") whose timestamp Incoming is not newer
// than the stored Stored. Its message reads like MISP's "Event in the request not newer than the local copy.".
type NotNewerError struct {
	What     string
	Incoming misp.Timestamp
	Stored   misp.Timestamp
}

// Error returns MISP's message.
func (e *NotNewerError) Error() string {
	return fmt.Sprintf("%s in the request not newer than the local copy.", e.What)
}

// Unwrap returns ErrNotNewer.
func (e *NotNewerError) Unwrap() error { return ErrNotNewer }

// Intel is the whole intel store, every aggregate. Backends (store/sqlite, store/postgres) implement it and
// store/storetest checks that they agree.
type Intel interface {
	Orgs
	Users
	SharingGroups
	Events
	Objects
	Attributes
	Tags
	Sightings
	EventReports
	Settings
	CorrelationExclusions
	Logins
	Servers
	EventHeads
	Feeds
	Incidents
	Playbooks
}

// Orgs persists organisations.
type Orgs interface {
	// CreateOrg stores o and sets o.ID (and o.UUID when empty). A uuid or name already used is ErrConflict.
	CreateOrg(ctx context.Context, o *misp.Organisation) error
	// Org returns the organisation with id.
	Org(ctx context.Context, id int64) (*misp.Organisation, error)
	// OrgByUUID returns the organisation with uuid (case-insensitive).
	OrgByUUID(ctx context.Context, uuid string) (*misp.Organisation, error)
	// OrgByName returns the organisation named name (exact).
	OrgByName(ctx context.Context, name string) (*misp.Organisation, error)
	// ListOrgs returns every organisation, by id.
	ListOrgs(ctx context.Context) ([]misp.Organisation, error)
	// UpdateOrg replaces every stored field of the organisation o.ID with o's.
	UpdateOrg(ctx context.Context, o *misp.Organisation) error
	// DeleteOrg deletes the organisation id. One that still has users, events or sharing groups is ErrConflict.
	DeleteOrg(ctx context.Context, id int64) error
}

// AuthKey is a user's API key as stored: its bcrypt hash and its first and last four characters in clear
// (acl.HashKey, acl.KeyStart, acl.KeyEnd), never the key.
type AuthKey struct {
	ID     int64
	UUID   string
	UserID int64
	// Hash is the bcrypt hash of the key.
	Hash string
	// Start and End are the key's first and last four characters.
	Start, End string
	// Expiration is when the key stops working; zero means never.
	Expiration time.Time
	// ReadOnly keys authenticate requests that may only read (acl.User.ReadOnlyKey).
	ReadOnly bool
	Comment  string
	// Created is when the key was added; AddAuthKey sets it to the current time when zero.
	Created time.Time
}

// Users persists users and their API keys.
type Users interface {
	// CreateUser stores u (its scalar fields; not Authkey, Password, Role, Organisation or Settings) and sets u.ID.
	// An e-mail already used (case-insensitive) is ErrConflict; an unknown org_id is ErrNotFound.
	CreateUser(ctx context.Context, u *misp.User) error
	// User returns the user with id.
	User(ctx context.Context, id int64) (*misp.User, error)
	// UserByEmail returns the user with email (case-insensitive).
	UserByEmail(ctx context.Context, email string) (*misp.User, error)
	// ListUsers returns the users of organisation orgID, or every user when orgID is 0, by id.
	ListUsers(ctx context.Context, orgID int64) ([]misp.User, error)
	// UpdateUser replaces every stored field of user u.ID with u's.
	UpdateUser(ctx context.Context, u *misp.User) error
	// DeleteUser deletes user id and its API keys.
	DeleteUser(ctx context.Context, id int64) error

	// AddAuthKey stores k for user k.UserID and sets k.ID (and k.UUID, k.Created when empty).
	AddAuthKey(ctx context.Context, k *AuthKey) error
	// KeysByFragment returns the keys whose first and last four characters are start and end: the candidates a
	// presented key is checked against with acl.CheckKey. Expired keys are included; the caller decides.
	KeysByFragment(ctx context.Context, start, end string) ([]AuthKey, error)
	// ListAuthKeys returns user userID's keys, by id.
	ListAuthKeys(ctx context.Context, userID int64) ([]AuthKey, error)
	// DeleteAuthKey deletes key id.
	DeleteAuthKey(ctx context.Context, id int64) error
}

// SharingGroups persists sharing groups with their organisations and servers.
type SharingGroups interface {
	// CreateSharingGroup stores sg with its SharingGroupOrg and SharingGroupServer lists (their OrgID and
	// ServerID, Extend and AllOrgs) and sets sg.ID (and sg.UUID when empty). A uuid already used is ErrConflict.
	CreateSharingGroup(ctx context.Context, sg *misp.SharingGroup) error
	// SharingGroup returns group id with its organisation and server lists (ordered by org and server id), each
	// organisation entry carrying its Organisation.
	SharingGroup(ctx context.Context, id int64) (*misp.SharingGroup, error)
	// SharingGroupByUUID is SharingGroup by uuid.
	SharingGroupByUUID(ctx context.Context, uuid string) (*misp.SharingGroup, error)
	// ListSharingGroups returns every group with its lists, by id.
	ListSharingGroups(ctx context.Context) ([]misp.SharingGroup, error)
	// UpdateSharingGroup replaces the group's own fields (not its lists) with sg's.
	UpdateSharingGroup(ctx context.Context, sg *misp.SharingGroup) error
	// DeleteSharingGroup deletes group id and its lists.
	DeleteSharingGroup(ctx context.Context, id int64) error
	// AddSharingGroupOrg adds organisation orgID to group sgID, or updates its extend flag when already there.
	AddSharingGroupOrg(ctx context.Context, sgID, orgID int64, extend bool) error
	// RemoveSharingGroupOrg removes organisation orgID from group sgID; ErrNotFound when it is not in it.
	RemoveSharingGroupOrg(ctx context.Context, sgID, orgID int64) error
	// AddSharingGroupServer adds server serverID (0 is this instance) to group sgID, or updates its all-orgs flag.
	AddSharingGroupServer(ctx context.Context, sgID, serverID int64, allOrgs bool) error
	// RemoveSharingGroupServer removes server serverID from group sgID; ErrNotFound when it is not in it.
	RemoveSharingGroupServer(ctx context.Context, sgID, serverID int64) error
}

// Events persists whole events: the event, its attributes, objects with their attributes and references, event
// reports, event tags and attribute tags.
type Events interface {
	// SaveEvent stores a new event with its whole aggregate in one transaction and sets the ids (and empty uuids)
	// of the event and every element. Tags are found by name and created when missing; each tag's Local and
	// RelationshipType describe its attachment. OrgID and OrgcID must name stored organisations; when zero they
	// are taken from e.Org and e.Orgc, looked up (or created) by uuid, then name. A uuid already stored is
	// ErrConflict. The aggregate is stored as given: attributes that repeat one another are kept, since events
	// exported by MISP instances hold such repeats (the duplicate rule is for single-attribute writes:
	// AddAttribute, EditAttribute, RestoreAttribute). Nothing is written when an error is returned.
	SaveEvent(ctx context.Context, e *misp.Event) error
	// Event returns event id with its whole aggregate (deleted elements included, with Deleted set), Org and
	// Orgc filled in, and SharingGroup when it has one.
	Event(ctx context.Context, id int64) (*misp.Event, error)
	// EventByUUID is Event by uuid.
	EventByUUID(ctx context.Context, uuid string) (*misp.Event, error)
	// UpdateEvent applies an edit of event e.ID (or, when e.ID is 0, the event with e.UUID) under MISP's
	// timestamp rule: an event not newer than the stored one is a *NotNewerError and nothing changes. Otherwise
	// the event's own fields are replaced; each attribute, object and reference of e is matched by uuid and
	// replaced when newer (older ones are skipped silently, as MISP does) or added when new; elements e leaves
	// out are kept. When e.Tag is not nil the event's tags become exactly e.Tag. e's ids are set as in SaveEvent.
	// As in SaveEvent, attributes that repeat one another are not refused.
	UpdateEvent(ctx context.Context, e *misp.Event) error
	// DeleteEvent deletes event id and its whole aggregate, sightings included (MISP deletes events for good).
	DeleteEvent(ctx context.Context, id int64) error
	// PublishEvent sets event id published with publish_timestamp at.
	PublishEvent(ctx context.Context, id int64, at time.Time) error
	// UnpublishEvent clears event id's published flag.
	UnpublishEvent(ctx context.Context, id int64) error
	// SearchEvents streams the events f selects, by id. With f.Metadata each event comes without elements (its
	// Tag list, Org and Orgc only, as events/index); otherwise with the elements f.Conditions lets the reader
	// see (deleted ones only when f.Deleted asks for them).
	SearchEvents(ctx context.Context, f EventFilter) iter.Seq2[*misp.Event, error]
	// CountEvents counts the events f selects, ignoring f.Limit and f.Page.
	CountEvents(ctx context.Context, f EventFilter) (int64, error)
}

// Objects persists objects and object references inside existing events.
type Objects interface {
	// AddObject stores o in event eventID with its attributes (and their tags) and references, and sets their ids.
	AddObject(ctx context.Context, eventID int64, o *misp.Object) error
	// Object returns object id with its attributes (and their tags) and references.
	Object(ctx context.Context, id int64) (*misp.Object, error)
	// ObjectByUUID is Object by uuid.
	ObjectByUUID(ctx context.Context, uuid string) (*misp.Object, error)
	// DeleteObject deletes object id: soft (deleted set on it and its attributes, timestamps moved to at) or,
	// when hard, for good with its attributes and references.
	DeleteObject(ctx context.Context, id int64, hard bool, at time.Time) error
	// AddObjectReference stores r (ObjectID or ObjectUUID naming its object; ReferencedUUID its target, whose id
	// and type the store fills in when it is in the store) and sets r.ID.
	AddObjectReference(ctx context.Context, r *misp.ObjectReference) error
	// DeleteObjectReference deletes reference id: soft (deleted set, timestamp at) or, when hard, for good.
	DeleteObjectReference(ctx context.Context, id int64, hard bool, at time.Time) error
}

// Attributes persists attributes inside existing events and searches them.
type Attributes interface {
	// AddAttribute stores a (with its tags) in event eventID and sets a.ID and a.EventID. An attribute outside
	// objects that repeats a live one's value, type and category is a *DuplicateAttributeError.
	AddAttribute(ctx context.Context, eventID int64, a *misp.Attribute) error
	// Attribute returns attribute id with its tags.
	Attribute(ctx context.Context, id int64) (*misp.Attribute, error)
	// AttributeByUUID is Attribute by uuid.
	AttributeByUUID(ctx context.Context, uuid string) (*misp.Attribute, error)
	// EditAttribute replaces the fields of attribute a.ID (or a.UUID) under the timestamp rule (*NotNewerError);
	// its event and object do not change, nor its tags.
	EditAttribute(ctx context.Context, a *misp.Attribute) error
	// DeleteAttribute deletes attribute id: soft (deleted set, timestamp moved to at) or, when hard, for good with
	// its tags and sightings.
	DeleteAttribute(ctx context.Context, id int64, hard bool, at time.Time) error
	// RestoreAttribute undoes a soft delete, moving the timestamp to at.
	RestoreAttribute(ctx context.Context, id int64, at time.Time) error
	// SearchAttributes streams the attributes f selects, by id, each with its tags (and its event's tags after
	// them with f.IncludeEventTags, and EventUUID with f.IncludeEventUUID).
	SearchAttributes(ctx context.Context, f AttributeFilter) iter.Seq2[*misp.Attribute, error]
	// CountAttributes counts the attributes f selects, ignoring f.Limit and f.Page.
	CountAttributes(ctx context.Context, f AttributeFilter) (int64, error)
}

// Tags persists tags and their attachments to events and attributes.
type Tags interface {
	// CreateTag stores t and sets t.ID. A name already used (exactly) is ErrConflict.
	CreateTag(ctx context.Context, t *misp.Tag) error
	// Tag returns tag id.
	Tag(ctx context.Context, id int64) (*misp.Tag, error)
	// TagByName returns the tag named name (exactly).
	TagByName(ctx context.Context, name string) (*misp.Tag, error)
	// ListTags returns every tag, by name.
	ListTags(ctx context.Context) ([]misp.Tag, error)
	// UpdateTag replaces the fields of tag t.ID with t's.
	UpdateTag(ctx context.Context, t *misp.Tag) error
	// DeleteTag deletes tag id and every attachment of it.
	DeleteTag(ctx context.Context, id int64) error
	// AttachEventTag attaches tag tagID to event eventID, local or not, with an optional relationship type; an
	// existing attachment is updated.
	AttachEventTag(ctx context.Context, eventID, tagID int64, local bool, relationshipType string) error
	// DetachEventTag removes the attachment; ErrNotFound when there is none.
	DetachEventTag(ctx context.Context, eventID, tagID int64) error
	// AttachAttributeTag attaches tag tagID to attribute attributeID, as AttachEventTag.
	AttachAttributeTag(ctx context.Context, attributeID, tagID int64, local bool, relationshipType string) error
	// DetachAttributeTag removes the attachment; ErrNotFound when there is none.
	DetachAttributeTag(ctx context.Context, attributeID, tagID int64) error
}

// Sightings persists sightings of attributes.
type Sightings interface {
	// AddSighting stores s for attribute s.AttributeID (or s.AttributeUUID) and sets s.ID, s.EventID and, when
	// empty, s.UUID; a zero DateSighting is stamped with the current time.
	AddSighting(ctx context.Context, s *misp.Sighting) error
	// SightingsByAttribute returns the sightings of attribute attributeID, by id.
	SightingsByAttribute(ctx context.Context, attributeID int64) ([]misp.Sighting, error)
	// SightingsByEvent returns the sightings of every attribute of event eventID, by id.
	SightingsByEvent(ctx context.Context, eventID int64) ([]misp.Sighting, error)
	// DeleteSighting deletes sighting id.
	DeleteSighting(ctx context.Context, id int64) error
}

// EventReports persists event reports inside existing events.
type EventReports interface {
	// AddEventReport stores r in event eventID and sets r.ID and r.EventID (and r.UUID when empty); a zero
	// timestamp is stamped with the current time. A uuid already used is ErrConflict.
	AddEventReport(ctx context.Context, eventID int64, r *misp.EventReport) error
	// EventReport returns report id.
	EventReport(ctx context.Context, id int64) (*misp.EventReport, error)
	// EventReportByUUID is EventReport by uuid.
	EventReportByUUID(ctx context.Context, uuid string) (*misp.EventReport, error)
	// EditEventReport replaces the fields of report r.ID (or r.UUID) under the timestamp rule (*NotNewerError);
	// its event does not change.
	EditEventReport(ctx context.Context, r *misp.EventReport) error
	// DeleteEventReport deletes report id: soft (deleted set, timestamp at) or, when hard, for good.
	DeleteEventReport(ctx context.Context, id int64, hard bool, at time.Time) error
	// ListEventReports returns the reports of event eventID (deleted ones included), by id.
	ListEventReports(ctx context.Context, eventID int64) ([]misp.EventReport, error)
}

// CorrelationExclusions persists the values that never correlate.
type CorrelationExclusions interface {
	// AddCorrelationExclusion stores x and sets its id; a value stored already wraps ErrConflict.
	AddCorrelationExclusion(ctx context.Context, x *misp.CorrelationExclusion) error
	// CorrelationExclusion returns exclusion id; ErrNotFound when there is none.
	CorrelationExclusion(ctx context.Context, id int64) (*misp.CorrelationExclusion, error)
	// ListCorrelationExclusions returns every exclusion, by id.
	ListCorrelationExclusions(ctx context.Context) ([]misp.CorrelationExclusion, error)
	// DeleteCorrelationExclusion removes exclusion id; ErrNotFound when there is none.
	DeleteCorrelationExclusion(ctx context.Context, id int64) error
}

// Settings persists the instance's own state as named values: its uuid, its host organisation, which taxonomies
// and galaxies are enabled. Names are the caller's (dotted, like MISP's server settings); values are opaque text.
type Settings interface {
	// Setting returns the value stored under name; a name never set is ErrNotFound.
	Setting(ctx context.Context, name string) (string, error)
	// PutSetting stores value under name, replacing any earlier value.
	PutSetting(ctx context.Context, name, value string) error
	// DeleteSetting removes name; a name never set is ErrNotFound.
	DeleteSetting(ctx context.Context, name string) error
	// ListSettings returns every name whose name starts with prefix ("" for all) with its value.
	ListSettings(ctx context.Context, prefix string) (map[string]string, error)
}

// Match is one of restSearch's list-able filters: a value matches when it matches any of OR (or OR is empty),
// all of AND, and none of NOT. Where a field accepts wildcards, '%' in an entry matches any run of characters
// (SQL LIKE, case-insensitive for ASCII); elsewhere entries compare exactly. The zero Match matches everything.
type Match struct {
	OR, AND, NOT []string
}

// Empty reports whether m filters nothing.
func (m Match) Empty() bool { return len(m.OR) == 0 && len(m.AND) == 0 && len(m.NOT) == 0 }

// Any returns a Match of OR values, the form of a plain list filter.
func Any(values ...string) Match { return Match{OR: values} }

// TimeRange bounds a time field, both ends inclusive; a zero end is open.
type TimeRange struct {
	From, To time.Time
}

// Empty reports whether r bounds nothing.
func (r TimeRange) Empty() bool { return r.From.IsZero() && r.To.IsZero() }

// DeletedFilter says which attributes a search returns by their deleted flag (restSearch's deleted: 0, 1, [0,1]).
type DeletedFilter int

// The deleted filters; the zero value leaves deleted attributes out, as MISP does by default.
const (
	LiveOnly DeletedFilter = iota
	DeletedOnly
	LiveAndDeleted
)

// EventFilter selects events (events/index and events/restSearch). Every field narrows the selection; zero
// fields filter nothing, except Conditions, whose zero value lets nobody read anything: pass the reader's
// acl.Conditions (acl.Conditions{Unrestricted: true} for an internal caller that sees everything).
type EventFilter struct {
	// Conditions are the reader's: only readable events are selected, with only readable elements.
	Conditions acl.Conditions
	// IDs and UUIDs select events by id or uuid (either matching is enough when both are given).
	IDs   []int64
	UUIDs []string
	// Orgs matches the creating organisation (orgc) by id, name or uuid.
	Orgs Match
	// Info matches the event's info, with '%' wildcards.
	Info Match
	// Tags matches the event's tags by name, with '%' wildcards; with AttributeTags, an attribute's tags count too.
	Tags          Match
	AttributeTags bool
	// Value, Type and Category select events holding a readable, non-deleted attribute that matches all three
	// (value with '%' wildcards against the whole value and each part of a composite).
	Value, Type, Category Match
	// Published, when set, keeps only published (true) or unpublished (false) events.
	Published *bool
	// ThreatLevels keeps events with one of these threat levels.
	ThreatLevels []misp.ThreatLevel
	// Date bounds the event's date (restSearch from/to); Timestamp its last edit; PublishTimestamp its last
	// publication (restSearch last and publish_timestamp).
	Date, Timestamp, PublishTimestamp TimeRange
	// Metadata returns events without their elements.
	Metadata bool
	// Deleted says which of each event's attributes and objects are returned.
	Deleted DeletedFilter
	// Limit caps the events returned (0: no cap); Page (1-based, 0 meaning 1) picks which Limit-sized page.
	Limit, Page int
}

// AttributeFilter selects attributes (attributes/restSearch). Every field narrows the selection; zero fields
// filter nothing, except Conditions (see EventFilter) and Deleted (live attributes only).
type AttributeFilter struct {
	// Conditions are the reader's: only attributes readable through their event, object and own distribution.
	Conditions acl.Conditions
	// Value matches the value with '%' wildcards: the whole value, or either part of a composite one.
	Value Match
	// Type, Category and ObjectRelation match exactly.
	Type, Category, ObjectRelation Match
	// Tags matches tag names with '%' wildcards against the attribute's tags and its event's tags (restSearch's
	// tags); EventTags against the event's tags only.
	Tags, EventTags Match
	// EventIDs and EventUUIDs select the attributes of these events.
	EventIDs   []int64
	EventUUIDs []string
	// UUIDs select attributes by uuid.
	UUIDs []string
	// Orgs matches the event's creating organisation by id, name or uuid.
	Orgs Match
	// EventInfo matches the event's info, with '%' wildcards.
	EventInfo Match
	// Published keeps attributes of published (true) or unpublished (false) events; ToIDS by the to_ids flag.
	Published, ToIDS *bool
	// Timestamp bounds the attribute's timestamp; EventTimestamp its event's; PublishTimestamp its event's last
	// publication (restSearch last); Date its event's date (restSearch from/to).
	Timestamp, EventTimestamp, PublishTimestamp, Date TimeRange
	// Deleted picks live, deleted or both.
	Deleted DeletedFilter
	// IncludeEventUUID sets each attribute's EventUUID; IncludeEventTags appends its event's tags to its Tag list.
	IncludeEventUUID, IncludeEventTags bool
	// Limit caps the attributes returned (0: no cap); Page (1-based, 0 meaning 1) picks which Limit-sized page.
	Limit, Page int
}
