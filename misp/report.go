package misp

import "encoding/json"

// EventReport is a markdown report attached to an event (JSON key "EventReport"). Its
// content may reference the event's elements as @[attribute](uuid), @[object](uuid) and
// @[tag](name).
type EventReport struct {
	ID             FlexInt       `json:"id,omitempty"`
	UUID           string        `json:"uuid"`
	EventID        FlexInt       `json:"event_id"`
	Name           string        `json:"name"`
	Content        string        `json:"content"`
	Distribution   Distribution  `json:"distribution,omitempty"`
	SharingGroupID FlexInt       `json:"sharing_group_id"`
	Timestamp      Timestamp     `json:"timestamp"`
	Deleted        FlexBool      `json:"deleted"`
	SharingGroup   *SharingGroup `json:"SharingGroup,omitempty"`
}

type eventReportEnvelope struct {
	Wrapped  *EventReport    `json:"EventReport"`
	Response json.RawMessage `json:"response"`
	Request  json.RawMessage `json:"request"`
	EventReport
}

func (env *eventReportEnvelope) parts() ([]EventReport, [][]byte, *EventReport) {
	if env.Wrapped != nil {
		return []EventReport{*env.Wrapped}, nil, nil
	}
	return nil, joinNested(env.Response, env.Request), &env.EventReport
}

// DecodeEventReport decodes one event report body: {"EventReport": {…}} or a bare report.
func DecodeEventReport(data []byte) (*EventReport, error) {
	return decodeOne[EventReport, eventReportEnvelope](data, "event report")
}

// EncodeEventReport writes r as MISP answers eventReports/view, add and edit:
// {"EventReport": {…}}.
func EncodeEventReport(r *EventReport) ([]byte, error) { return encodeWrapped("EventReport", r) }
