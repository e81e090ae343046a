package report

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

//go:embed assets/report.js assets/report.css assets/world.svgpath
var assets embed.FS

//go:embed templates/*.html
var templateFiles embed.FS

// Asset names in Assets.
const (
	AssetJS  = "report.js"
	AssetCSS = "report.css"
)

// Assets returns the views' script and stylesheet (AssetJS, AssetCSS), for a server that serves them as files
// instead of inlining them.
func Assets() fs.FS {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded directory is always there
	}
	return sub
}

// viewData is what the templates see.
type viewData struct {
	Data      Data
	Generated string
	JSON      template.JS
	JS        template.JS
	CSS       template.CSS
	World     string
	Graticule string
}

func parse() (*template.Template, error) {
	return template.ParseFS(templateFiles, "templates/*.html")
}

// MarshalData renders data as JSON that is safe inside an HTML <script> element: json.Marshal escapes <, > and &
// (so no "</script>" or "<!--" can appear) and U+2028/U+2029.
func MarshalData(data Data) ([]byte, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("encoding report data: %w", err)
	}
	if bytes.Contains(bytes.ToLower(b), []byte("</script")) || bytes.ContainsRune(b, '<') {
		return nil, fmt.Errorf("encoding report data: unescaped '<'")
	}
	return b, nil
}

func (d Data) view() (viewData, error) {
	b, err := MarshalData(d)
	if err != nil {
		return viewData{}, err
	}
	world, err := assets.ReadFile("assets/world.svgpath")
	if err != nil {
		return viewData{}, err
	}
	return viewData{Data: d, Generated: d.Generated.Format(time.RFC3339), JSON: template.JS(b),
		World: strings.TrimSpace(string(world)), Graticule: graticule()}, nil
}

// graticule is the map's grid: meridians every 30°, parallels every 30°, in the 360×180 box.
func graticule() string {
	var sb strings.Builder
	for x := 0; x <= 360; x += 30 {
		sb.WriteString("M" + strconv.Itoa(x) + " 0V180")
	}
	for y := 0; y <= 180; y += 30 {
		sb.WriteString("M0 " + strconv.Itoa(y) + "H360")
	}
	return sb.String()
}

// Render writes data as one self-contained HTML file: the views' script, stylesheet and world outline are
// inlined, the data is an escaped JSON block, and nothing is fetched from anywhere when it is opened.
func Render(w io.Writer, data Data, opts Options) error {
	if opts.Title != "" {
		data.Title = opts.Title
	}
	t, err := parse()
	if err != nil {
		return fmt.Errorf("report templates: %w", err)
	}
	v, err := data.view()
	if err != nil {
		return err
	}
	js, err := assets.ReadFile("assets/report.js")
	if err != nil {
		return err
	}
	css, err := assets.ReadFile("assets/report.css")
	if err != nil {
		return err
	}
	// The inlined assets are our own; make sure they can never end their element early.
	if bytes.Contains(bytes.ToLower(js), []byte("</script")) || bytes.Contains(bytes.ToLower(css), []byte("</style")) {
		return fmt.Errorf("report assets contain a closing tag")
	}
	v.JS, v.CSS = template.JS(js), template.CSS(css)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "report", v); err != nil {
		return fmt.Errorf("rendering report: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// Fragment renders the views alone — the sections and the JSON data block, no script or style — for a page
// that loads AssetJS and AssetCSS itself, such as the web UI under a CSP without inline script.
func Fragment(data Data) (template.HTML, error) {
	t, err := parse()
	if err != nil {
		return "", fmt.Errorf("report templates: %w", err)
	}
	v, err := data.view()
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "views", v); err != nil {
		return "", fmt.Errorf("rendering report views: %w", err)
	}
	return template.HTML(buf.String()), nil
}
