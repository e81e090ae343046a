package mispapi

import (
	"net/http/httptest"
	"testing"

	"github.com/hunchsec/hunch/misp"
)

// checkReport asserts that the reply is an event report PyMISP loads, with an id and the name.
func checkReport(name string) func(t *testing.T, a *api, rec *httptest.ResponseRecorder) {
	return func(t *testing.T, _ *api, rec *httptest.ResponseRecorder) {
		r, err := misp.DecodeEventReport(rec.Body.Bytes())
		if err != nil || r.ID == 0 || r.Name != name {
			t.Fatalf("report %+v, %v; want name %q", r, err, name)
		}
	}
}

// contractReportCases are the event report cases of the objects group; they run after the object cases, on
// the event those seeded.
func contractReportCases() []storeCase {
	return []storeCase{
		// PyMISP add_event_report(event, MISPEventReport) posts the report's to_dict().
		{Name: "reports_add", As: "user", Method: "POST", Path: "/eventReports/add/1",
			Body:  `{"uuid": "5f0e1000-0000-4000-8000-000000000040", "name": "Report from PyMISP", "content": "# Summary\nSee @[attribute](` + objSeedIPUUID + `)", "distribution": "5"}`,
			Check: checkReport("Report from PyMISP")},
		{Name: "reports_add_org_only_snake_case", As: "user", Method: "POST", Path: "/event_reports/add/" + objSeedEventUUID,
			Body: `{"EventReport": {"name": "Internal notes", "content": "org only", "distribution": "0"}}`, Check: checkReport("Internal notes")},
		{Name: "reports_add_without_name", As: "user", Method: "POST", Path: "/eventReports/add/1", Body: `{"content": "x"}`},
		{Name: "reports_add_read_only", As: "readonly", Method: "POST", Path: "/eventReports/add/1", Body: `{"name": "x"}`},
		{Name: "reports_add_other_org", As: "user2", Method: "POST", Path: "/eventReports/add/1", Body: `{"name": "x"}`},
		{Name: "reports_add_missing_event", As: "user", Method: "POST", Path: "/eventReports/add/999", Body: `{"name": "x"}`},
		// PyMISP get_event_report(id).
		{Name: "reports_view", As: "user3", Method: "GET", Path: "/eventReports/view/1", Check: checkReport("Report from PyMISP")},
		{Name: "reports_view_org_only_other_org", As: "user2", Method: "GET", Path: "/eventReports/view/2"},
		{Name: "reports_view_missing", As: "user", Method: "GET", Path: "/eventReports/view/999"},
		// PyMISP get_event_reports(event_id).
		{Name: "reports_index_event", As: "user", Method: "GET", Path: "/eventReports/index/event_id:1"},
		{Name: "reports_index_other_org", As: "user2", Method: "GET", Path: "/eventReports/index/event_id:1"},
		// PyMISP update_event_report(report, id).
		{Name: "reports_edit", As: "user", Method: "POST", Path: "/eventReports/edit/1",
			Body: `{"EventReport": {"name": "Report v2", "content": "# Summary v2"}}`, Check: checkReport("Report v2")},
		{Name: "reports_edit_not_newer", As: "user", Method: "POST", Path: "/eventReports/edit/1", Body: `{"name": "old", "timestamp": "5"}`},
		{Name: "reports_edit_other_org", As: "user2", Method: "POST", Path: "/eventReports/edit/1", Body: `{"name": "theirs"}`},
		{Name: "reports_delete_other_org", As: "user2", Method: "POST", Path: "/eventReports/delete/1", Body: `{}`},
		// PyMISP delete_event_report(report) and delete_event_report(report, hard=True).
		{Name: "reports_delete", As: "user", Method: "POST", Path: "/eventReports/delete/1", Body: `{}`},
		{Name: "reports_index_after_soft_delete", As: "user", Method: "GET", Path: "/eventReports/index/event_id:1"},
		{Name: "reports_delete_hard", As: "user", Method: "POST", Path: "/eventReports/delete/1", Body: `{"hard": 1}`},
		{Name: "reports_view_after_hard_delete", As: "user", Method: "GET", Path: "/eventReports/view/1"},
	}
}
