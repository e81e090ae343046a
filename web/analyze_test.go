package web

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/report"
)

// analyzeData decodes the report data block of an analysis page.
func analyzeData(t *testing.T, body string) report.Data {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="report-data">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no report data on the page:\n%.800s", body)
	}
	var d report.Data
	if err := json.Unmarshal([]byte(m[1]), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestAnalyze(t *testing.T) {
	u := newUI(t, Deps{MaxUploadBytes: 64 << 10, AnalyzeMaxRecords: 30}, "user", "user2")
	c := u.client(t)
	csrf := u.login(t, c, "user")
	upload := func(name string, data []byte, fields ...string) (int, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField(CSRFField, csrf)
		for i := 0; i+1 < len(fields); i += 2 {
			_ = mw.WriteField(fields[i], fields[i+1])
		}
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(data)
		_ = mw.Close()
		req, _ := http.NewRequest(http.MethodPost, u.srv.URL+"/ui/analyze", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	// The empty page: the forms, the navigation link, the assets from /ui/static/report/.
	status, body, hdr := get(t, c, u.srv.URL, "/ui/analyze")
	if status != http.StatusOK || !strings.Contains(body, `<a href="/ui/analyze">Analyze</a>`) || !strings.Contains(body, `id="analyze-upload"`) ||
		!strings.Contains(body, `<script src="/ui/static/report/report.js" defer>`) || strings.Contains(body, "report-data") {
		t.Fatalf("analyze page: %d\n%.600s", status, body)
	}
	if hdr.Get("Content-Security-Policy") != CSP {
		t.Errorf("CSP: %q", hdr.Get("Content-Security-Policy"))
	}
	for _, name := range []string{report.AssetJS, report.AssetCSS} {
		if status, asset, _ := get(t, c, u.srv.URL, "/ui/static/report/"+name); status != http.StatusOK || len(asset) < 1000 {
			t.Errorf("asset %s: %d, %d bytes", name, status, len(asset))
		}
	}

	// The example events, NDJSON: 40 records, but the limit keeps 30.
	events, err := os.ReadFile("../examples/events.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	status, body = upload("events.ndjson", events, "group_by", "type", "heatmap", "hour,Computer")
	if status != http.StatusOK {
		t.Fatalf("upload: %d\n%.800s", status, body)
	}
	d := analyzeData(t, body)
	if d.Records != 30 || d.Skipped != 10 || d.GroupBy != "type" || d.Heatmap.Y != "Computer" || len(d.Tree) == 0 || len(d.Graph.Nodes) == 0 {
		t.Errorf("data: %d records, %d skipped, group %s, heatmap %s, tree %d, graph %d", d.Records, d.Skipped, d.GroupBy, d.Heatmap.Y, len(d.Tree), len(d.Graph.Nodes))
	}
	if !strings.Contains(body, "only the first 30 records are shown, 10 more were left out") || !strings.Contains(body, `<section class="hr-view" id="timeline">`) {
		t.Errorf("page lacks the limit note or the views")
	}
	// htmx, app.js and report.js are files; the fourth, the data block, is JSON and never executed.
	if n := strings.Count(body, "<script"); n != 4 || strings.Count(body, `<script type="application/json"`) != 1 {
		t.Errorf("%d script elements", n)
	}
	if regexp.MustCompile(`<script>|<style|style="`).MatchString(body) {
		t.Error("inline script or style on the analysis page")
	}

	// CSV, with a malformed row skipped and counted; hostile values stay data.
	csv := "time,host,msg\n2026-03-14T08:00:00Z,</script><script>alert(1)</script>,\"a \"\"quoted\"\" value\"\n2026-03-14T09:00:00Z,h2\n"
	status, body = upload("x.csv", []byte(csv))
	if status != http.StatusOK || strings.Contains(body, "<script>alert(1)") {
		t.Fatalf("csv: %d", status)
	}
	d = analyzeData(t, body)
	if d.Records != 1 || d.Events[0].Host != "</script><script>alert(1)</script>" || !strings.Contains(body, "1 malformed record(s) skipped") {
		t.Errorf("csv data: %+v", d.Events)
	}

	for _, tc := range []struct {
		name, file, data, want string
		fields                 []string
		status                 int
	}{
		{"too large", "big.ndjson", strings.Repeat(`{"a":1}`+"\n", 10000), "larger than", nil, http.StatusRequestEntityTooLarge},
		{"empty", "e.ndjson", "", "holds no records", nil, http.StatusBadRequest},
		{"bad lanes", "e.ndjson", `{"a":1}`, "by host or by event type", []string{"group_by", "user"}, http.StatusBadRequest},
		{"bad heatmap", "e.ndjson", `{"a":1}`, "two fields", []string{"heatmap", "hour"}, http.StatusBadRequest},
		{"not evtx", "x.evtx", "ElfFile\x00 but nothing else", "could not be read", nil, http.StatusBadRequest},
	} {
		status, body := upload(tc.file, []byte(tc.data), tc.fields...)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want %d with %q\n%.300s", tc.name, status, tc.status, tc.want, body)
		}
	}

	// An intel event: its attributes as records; another org's private event stays hidden.
	mine := u.addEvent(t, "user", "Our </script> event", 0, "192.0.2.10", "198.51.100.7")
	private := u.addEvent(t, "user2", "Org Two only", 0, "192.0.2.99")
	status, body, _ = get(t, c, u.srv.URL, "/ui/analyze?event="+strconv.FormatInt(mine, 10))
	if status != http.StatusOK {
		t.Fatalf("event: %d\n%.500s", status, body)
	}
	d = analyzeData(t, body)
	if d.Records != 2 || d.Title != "Event "+strconv.FormatInt(mine, 10)+": Our </script> event" || len(d.Graph.Nodes) != 3 || len(d.Graph.Edges) != 2 {
		t.Errorf("event data: %d records, title %q, graph %+v", d.Records, d.Title, d.Graph)
	}
	status, body, _ = get(t, c, u.srv.URL, "/ui/analyze?event="+strconv.FormatInt(private, 10))
	if status != http.StatusNotFound || strings.Contains(body, "Org Two only") {
		t.Errorf("another org's private event: %d", status)
	}
	if status, _, _ := get(t, c, u.srv.URL, "/ui/analyze?event=../x"); status != http.StatusBadRequest {
		t.Errorf("bad event reference: %d", status)
	}

	// Logged out: the login page, not the analysis.
	anon := u.client(t)
	if status, _, hdr := get(t, anon, u.srv.URL, "/ui/analyze"); status != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), "/ui/login") {
		t.Errorf("anonymous: %d %s", status, hdr.Get("Location"))
	}
}
