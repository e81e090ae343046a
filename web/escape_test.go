package web

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/playbook"
	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/pipeline/pivot"
	"github.com/hunchsec/hunch/store"
)

// hostile is put in every field a template shows: markup, both quotes, an event handler, a URL scheme.
const hostile = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>javascript:alert(3)`

// TestTemplatesEscape renders every page with hostile values everywhere and checks that none of them comes out as
// markup: no script but the UI's own files, no img element, no attribute broken out of, no javascript: link.
func TestTemplatesEscape(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	h := New(Deps{Intel: f.Svc}).(*handler)

	tag := misp.Tag{Name: hostile, Colour: hostile}
	attr := misp.Attribute{ID: 7, EventID: 3, Type: hostile, Category: hostile, Value: hostile, Comment: hostile,
		ToIDS: misp.OptBoolOf(true), Tag: []misp.Tag{tag},
		RelatedAttribute: []misp.RelatedAttribute{{ID: 9, EventID: 4, Type: hostile, Value: hostile}}}
	org := &misp.Organisation{ID: 2, Name: hostile, UUID: hostile, Nationality: hostile, Sector: hostile}
	ev := &misp.Event{ID: 3, Info: hostile, UUID: hostile, Orgc: org, Org: org, Tag: []misp.Tag{tag}, Attribute: []misp.Attribute{attr},
		Galaxy:       []misp.Galaxy{{Name: hostile, GalaxyCluster: misp.GalaxyClusterList{{Value: hostile, Description: hostile}}}},
		RelatedEvent: []misp.RelatedEvent{{Event: misp.EventSummary{ID: 4, Info: hostile, Orgc: org}}}}
	row := attrRow{Attribute: attr, Warninglists: []string{hostile}, Feeds: []string{hostile}}
	role := misp.DefaultRoles()[0]
	role.Name = hostile
	user := &misp.User{ID: 5, Email: hostile, Organisation: org, Role: &role}
	inc := store.Incident{ID: 1, Name: hostile, Type: hostile, Status: hostile, Owner: hostile, Labels: []string{hostile}}

	pages := map[string]any{
		"login": loginView{Token: hostile, Next: hostile, Email: hostile, Message: hostile},
		"events": eventsView{Q: hostile, Published: hostile, Org: hostile, Tag: hostile, From: hostile, To: hostile,
			Events: []*misp.Event{ev}, Total: 1, Page: 1, Pages: 2, PrevURL: "javascript:alert(4)", NextURL: hostile},
		"event": eventView{Event: ev, Rows: []attrRow{row},
			Objects:   []objectView{{Object: misp.Object{Name: hostile, MetaCategory: hostile, Comment: hostile}, Rows: []attrRow{row}}},
			Sightings: []misp.Sighting{{Source: hostile, Organisation: org}}},
		"graph": ev,
		"search": searchView{Value: hostile, Type: hostile, Category: hostile, Tags: hostile, EventInfo: hostile, Org: hostile,
			From: hostile, To: hostile, ToIDS: hostile, Published: hostile, Limit: 5, Ran: true,
			Attributes: []*misp.Attribute{&attr}, Count: 1},
		"import": importView{Imported: []importResult{{ID: 1, Info: hostile, Error: hostile}}, Events: []*misp.Event{ev}, Max: hostile},
		"freetext": freetextView{Guesses: []intel.FreeTextGuess{{Type: hostile, Types: []string{hostile}, Value: hostile, Comment: hostile}},
			Warninglists: [][]string{{hostile}}, Info: hostile},
		"export": exportView{Formats: []intel.Format{intel.Format(hostile)}, EventID: hostile},
		"users": usersView{Users: []misp.User{*user}, Orgs: []misp.Organisation{*org}, Roles: []misp.Role{role}, NewKey: hostile,
			NewEmail: hostile, MinPassword: 12},
		"orgs": struct {
			Orgs      []misp.Organisation
			SiteAdmin bool
		}{[]misp.Organisation{*org}, true},
		"feeds": struct{ Feeds []misp.Feed }{[]misp.Feed{{ID: 1, Name: hostile, Provider: hostile, URL: hostile,
			SourceFormat: hostile, Enabled: true}}},
		"error": struct {
			Status  int
			Message string
		}{500, hostile},
		"analyze": analyzeView{Events: []*misp.Event{ev}, Max: hostile, GroupBy: hostile, Heatmap: hostile, Source: hostile},
		"pivot": pivotView{Kind: hostile, Value: hostile, Function: hostile, Args: hostile, Said: hostile, Err: hostile,
			Functions: []pivot.Function{{Name: hostile, Summary: hostile, Args: hostile}, {Name: hostile, Destructive: true}},
			Columns:   []string{hostile}, Rows: [][]pivotCell{{{Text: hostile}, {Text: hostile, Kind: hostile}}}},
		"incidents": incidentsView{Rows: []incidentRow{{Incident: inc, SeverityName: hostile}}, Status: hostile},
		"incident": &warRoom{Incident: incidentRow{Incident: inc, SeverityName: hostile}, MayWork: true, Channel: hostile,
			SLA:     []automation.Timer{{Name: hostile, State: hostile}},
			Tasks:   []playbook.Waiting{{Run: 1, Task: hostile, Playbook: hostile, Prompt: hostile, Options: []string{hostile}}},
			Journal: []journalLine{{Seq: 1, Kind: hostile, Actor: hostile, Text: hostile}}},
	}
	if len(pages) != len(pageNames) {
		t.Fatalf("the test covers %d pages of %d", len(pages), len(pageNames))
	}
	scripts := regexp.MustCompile(`<script[^>]*>`)
	for _, name := range pageNames {
		t.Run(name, func(t *testing.T) {
			rc := &reqCtx{user: user, csrf: hostile, notice: hostile, err: hostile}
			rec := httptest.NewRecorder()
			h.render(rec, httptest.NewRequest("GET", "/ui/", nil), rc, 200, name, hostile, pages[name])
			out := rec.Body.String()
			if rec.Code != 200 {
				t.Fatalf("render: %d %s", rec.Code, out)
			}
			if m := regexp.MustCompile(`(?i)(href|src|action|data-src)="\s*javascript:`).FindString(out); m != "" {
				t.Errorf("a javascript: URL in an attribute: %s", m)
			}
			for _, bad := range []string{"<script>alert", "<img", `"'><`} {
				if strings.Contains(out, bad) {
					i := strings.Index(out, bad)
					t.Errorf("%q came out unescaped: …%s…", bad, out[max(0, i-80):min(len(out), i+80)])
				}
			}
			for _, s := range scripts.FindAllString(out, -1) {
				if !strings.Contains(s, `src="/ui/static/`) {
					t.Errorf("a script that is not the UI's: %s", s)
				}
			}
			if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Error("the hostile value is not shown, escaped")
			}
		})
	}
}
