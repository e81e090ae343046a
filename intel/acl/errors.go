package acl

import (
	"errors"
	"net/http"
)

// Classes of denial. Every *Error unwraps to exactly one of them, so callers can branch with errors.Is without
// looking at messages.
var (
	// ErrUnauthenticated: the key is unknown, expired, or its user may not use the API (HTTP 403 in MISP).
	ErrUnauthenticated = errors.New("authentication failed")
	// ErrForbidden: the caller may see the target but not do this to it (HTTP 403).
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: the target does not exist for this caller; existence is not disclosed (HTTP 404).
	ErrNotFound = errors.New("not found")
	// ErrNotAllowed: MISP answers this refusal with HTTP 405 (MethodNotAllowedException), e.g. publishing another
	// organisation's event.
	ErrNotAllowed = errors.New("not allowed")
)

// MISP's messages for refusals, verbatim. The API must send them unchanged: clients compare them.
const (
	// MsgAuthFailed is the answer to a missing, unknown or unusable API key.
	MsgAuthFailed = "Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header."
	// MsgNoFunctionality is the role gate's answer (ACLComponent): the role lacks the permission for the action.
	MsgNoFunctionality = "You do not have permission to use this functionality."
	// MsgNoPermission is the answer to adding, editing or deleting attributes, objects or reports of an event the
	// caller may not modify. PyMISP retries as a proposal exactly on this 403 message.
	MsgNoPermission = "You do not have permission to do that."
	// MsgNoPermissionThe is MISP's variant with "the", used by publish (405) and unpublish (403).
	MsgNoPermissionThe = "You do not have the permission to do that."
	// MsgNotAuthorised is events/edit's answer for an event the caller may see but not modify.
	MsgNotAuthorised = "You are not authorised to do that."
	// MsgInvalidEvent is the answer for an event the caller may not see (view, edit, attribute add).
	MsgInvalidEvent = "Invalid event"
	// MsgInvalidEventDot is the variant publish and unpublish use.
	MsgInvalidEventDot = "Invalid event."
	// MsgInvalidAttribute, MsgInvalidObject and MsgInvalidReport answer for elements the caller may not see.
	MsgInvalidAttribute = "Invalid attribute"
	MsgInvalidObject    = "Invalid object."
	MsgInvalidReport    = "Invalid report"
	// MsgInvalidTarget answers tagging a uuid the caller may not see.
	MsgInvalidTarget = "Invalid Target."
	// MsgEventNotDeleted is the errors field of a refused event delete, whose message is "Could not delete Event".
	MsgEventNotDeleted = "Event was not deleted."
	// MsgCouldNotDeleteEvent is the message of a refused event delete (RestResponse::saveFailResponse).
	MsgCouldNotDeleteEvent = "Could not delete Event"
	// MsgLocalTagsHostOrg answers a local tag from outside the host organisation.
	MsgLocalTagsHostOrg = "Local tags can only be added by users of the host organisation."
	// MsgGlobalTagsOrgc answers a global tag on data another organisation created.
	MsgGlobalTagsOrgc = "Cannot alter the tags of this data, only the organisation that has created the data (orgc) can modify global tags."
	// MsgGlobalTagsHostOrgHint is appended to MsgGlobalTagsOrgc for host-organisation users.
	MsgGlobalTagsHostOrgHint = "Please consider using local tags if you are in the host organisation of the instance."
	// MsgInvalidUser answers managing a user outside the org admin's reach.
	MsgInvalidUser = "Invalid user"
	// MsgAssignRole answers an org admin handing out a privileged role.
	MsgAssignRole = "You are not authorised to assign that role to a user."
	// MsgSiteAdminHostOrg answers a site-admin role for a user outside the host organisation when that is limited.
	MsgSiteAdminHostOrg = "Site admin roles can only be assigned to users of the host org on this instance."
	// MsgInvalidSharingGroup answers choosing a sharing group the caller may not use.
	MsgInvalidSharingGroup = "Invalid Sharing Group or not authorised."
	// MsgSharingGroupView answers viewing a sharing group the caller may not see.
	MsgSharingGroupView = "Sharing group doesn't exist or you do not have permission to access it."
	// MsgActionNotAllowed answers editing or deleting a sharing group the caller may not change.
	MsgActionNotAllowed = "Action not allowed."
	// MsgInvalidSighting answers deleting a sighting the caller may not delete.
	MsgInvalidSighting = "Invalid sighting."
)

// Error is a refusal: the HTTP status and the message MISP answers with, plus, for save failures, the text MISP puts
// in the "errors" field.
type Error struct {
	status  int
	message string
	detail  string
	class   error
}

// Status is the HTTP status to answer with.
func (e *Error) Status() int { return e.status }

// Message is MISP's message, verbatim, for the "message" (and "name") field of the reply.
func (e *Error) Message() string { return e.message }

// Detail is the "errors" field of a save-failure reply, or "" when MISP sends none.
func (e *Error) Detail() string { return e.detail }

// Error describes the refusal in hunch's error style.
func (e *Error) Error() string {
	if e.detail != "" {
		return "acl: " + e.message + ": " + e.detail
	}
	return "acl: " + e.message
}

// Unwrap returns the class of the refusal: ErrUnauthenticated, ErrForbidden, ErrNotFound or ErrNotAllowed.
func (e *Error) Unwrap() error { return e.class }

func forbidden(msg string) *Error {
	return &Error{status: http.StatusForbidden, message: msg, class: ErrForbidden}
}

func notFound(msg string) *Error {
	return &Error{status: http.StatusNotFound, message: msg, class: ErrNotFound}
}

func notAllowed(msg string) *Error {
	return &Error{status: http.StatusMethodNotAllowed, message: msg, class: ErrNotAllowed}
}

func unauthenticated() *Error {
	return &Error{status: http.StatusForbidden, message: MsgAuthFailed, class: ErrUnauthenticated}
}

// noFunctionality is the role gate's refusal.
func noFunctionality() *Error { return forbidden(MsgNoFunctionality) }

// notFoundFor is the refusal for an element the caller may not see, worded for its kind.
func notFoundFor(kind ElementKind) *Error {
	switch kind {
	case KindObject:
		return notFound(MsgInvalidObject)
	case KindEventReport:
		return notFound(MsgInvalidReport)
	default:
		return notFound(MsgInvalidAttribute)
	}
}

// NotFound is the refusal for a target that does not exist, worded with MISP's message for it (MsgInvalidEvent,
// MsgInvalidAttribute, …): callers that look a row up before deciding answer a missing row exactly as an
// unreadable one, so that existence is never disclosed.
func NotFound(msg string) *Error { return notFound(msg) }

// NotFoundFor is NotFound worded for an element of kind.
func NotFoundFor(kind ElementKind) *Error { return notFoundFor(kind) }
