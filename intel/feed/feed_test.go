package feed

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/misp"
)

func TestParseManifest(t *testing.T) {
	tests := []struct {
		name, data string
		max        int
		want       []string
		wantErr    string
	}{
		{"two", `{"B0A1F5E2-3C4D-4E5F-8A9B-0C1D2E3F4A5B": {"info": "b", "timestamp": "1700000000"},
"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d": {"info": "a", "timestamp": 1}}`, 10,
			[]string{"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "b0a1f5e2-3c4d-4e5f-8a9b-0c1d2e3f4a5b"}, ""},
		{"empty", `{}`, 10, []string{}, ""},
		{"over the limit", `{"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d": {}, "b0a1f5e2-3c4d-4e5f-8a9b-0c1d2e3f4a5b": {}}`, 1, nil, "more than 1"},
		{"not a uuid", `{"../../etc/passwd": {}}`, 10, nil, "not an event uuid"},
		{"not json", `[1,2]`, 10, nil, "not a MISP feed manifest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseManifest([]byte(tc.data), tc.max)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var uuids []string
			for _, m := range got {
				uuids = append(uuids, m.UUID)
			}
			if !slices.Equal(uuids, tc.want) && !(len(uuids) == 0 && len(tc.want) == 0) {
				t.Errorf("uuids %v, want %v", uuids, tc.want)
			}
		})
	}
}

func TestParseEvent(t *testing.T) {
	const u = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	tests := []struct {
		name, data, wantErr string
	}{
		{"wrapped", `{"Event": {"uuid": "` + u + `", "info": "x"}}`, ""},
		{"bare", `{"uuid": "` + u + `", "info": "x"}`, ""},
		{"response list", `{"response": [{"Event": {"uuid": "` + u + `", "info": "x"}}]}`, ""},
		{"list", `[{"Event": {"uuid": "` + u + `", "info": "x"}}]`, ""},
		{"other uuid", `{"Event": {"uuid": "b0a1f5e2-3c4d-4e5f-8a9b-0c1d2e3f4a5b"}}`, "holds event"},
		{"no uuid", `{"Event": {"info": "x"}}`, "uuid field missing"},
		{"broken", `{"Event": [`, "not a MISP event"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ParseEvent([]byte(tc.data), u, misp.DefaultLimits())
			if tc.wantErr == "" && (err != nil || e.UUID != u) || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("ParseEvent: %v, %v; want %q", e, err, tc.wantErr)
			}
		})
	}
}

func TestParseHashes(t *testing.T) {
	data := "d41d8cd98f00b204e9800998ecf8427e,uuid-1\nD41D8CD98F00B204E9800998ECF8427E,uuid-2\nnot-a-hash,x\n\n0cc175b9c0f1b6a831c399e269772661\n"
	got, err := ParseHashes([]byte(data), 10)
	if err != nil || !slices.Equal(got, []string{"d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661"}) {
		t.Errorf("ParseHashes = %v, %v", got, err)
	}
	if _, err := ParseHashes([]byte(data), 1); !errors.Is(err, ErrLimit) {
		t.Errorf("over the limit: %v", err)
	}
}

func TestCSVValues(t *testing.T) {
	tests := []struct {
		name, data, delim, exclude string
		cols                       []int
		max                        int
		want                       []string
		wantErr                    string
	}{
		{"second column", "a,1.2.3.4\nb,5.6.7.8\n", ",", "", []int{1}, 10, []string{"1.2.3.4", "5.6.7.8"}, ""},
		{"two columns, semicolon", "x;a.example;b.example\n# comment;c;d\n", ";", "", []int{1, 2}, 10, []string{"a.example", "b.example"}, ""},
		{"tab spelled out", "1\tv1\n", `\t`, "", []int{1}, 10, []string{"v1"}, ""},
		{"quoted", `"a,b",v` + "\n", ",", "", []int{0}, 10, []string{"a,b"}, ""},
		{"exclude", "keep\nskip me\n", ",", "/^skip/", []int{0}, 10, []string{"keep"}, ""},
		{"missing column", "only\n", ",", "", []int{3}, 10, nil, ""},
		{"limit", "a\nb\nc\n", ",", "", []int{0}, 2, nil, "more than 2 values"},
		{"bad delimiter", "a\n", "ab", "", []int{0}, 2, nil, "not one character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			re, err := CompileExclude(tc.exclude)
			if err != nil {
				t.Fatal(err)
			}
			got, err := CSVValues([]byte(tc.data), tc.cols, tc.delim, re, tc.max)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("CSVValues = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestLinesAndExclude(t *testing.T) {
	re, err := CompileExclude("/^#|^;/i")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Lines([]byte("# c\n; c\n  a  \n\nb\n"), re, 10)
	if err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Lines = %v %v", got, err)
	}
	if _, err := Lines([]byte("a\nb\n"), nil, 1); !errors.Is(err, ErrLimit) {
		t.Errorf("limit: %v", err)
	}
	for _, p := range []string{"/(?<=a)b/", "/a/e", "/(/"} {
		if _, err := CompileExclude(p); err == nil {
			t.Errorf("CompileExclude(%q) accepted", p)
		}
	}
	if re, err := CompileExclude("#^[a-z]+$#"); err != nil || !re.MatchString("abc") {
		t.Errorf("other delimiter: %v", err)
	}
}

func TestParseHeaders(t *testing.T) {
	got := ParseHeaders(`Authorization: Bearer x` + `\r\n` + "X-Key: y\nbad line\n: no name")
	if len(got) != 2 || got["Authorization"] != "Bearer x" || got["X-Key"] != "y" {
		t.Errorf("ParseHeaders = %v", got)
	}
}

func TestSourceRead(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Key") != "k" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		w.Write([]byte(strings.Repeat("x", 50)))
	}))
	defer srv.Close()
	s := Source{MaxBytes: 100}
	f := &misp.Feed{URL: srv.URL, Headers: "X-Key: k"}
	if data, err := s.Read(context.Background(), f, "a.json"); err != nil || len(data) != 50 {
		t.Errorf("read: %d %v", len(data), err)
	}
	if _, err := (Source{MaxBytes: 10}).Read(context.Background(), f, "a.json"); !errors.Is(err, ErrLimit) {
		t.Errorf("over the size: %v", err)
	}
	f.Headers = ""
	if _, err := s.Read(context.Background(), f, ""); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("refused: %v", err)
	}
	if _, err := s.Read(context.Background(), &misp.Feed{URL: "file:///etc/passwd"}, ""); err == nil {
		t.Error("a file: url was read")
	}
	// Credentials in the url never show in errors.
	if _, err := s.Read(context.Background(), &misp.Feed{URL: "http://user:secret@127.0.0.1:1/"}, ""); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("error shows the password: %v", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f.txt"), []byte("v"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/hostname", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	l := Source{MaxBytes: 100, LocalDir: dir}
	if data, err := l.Read(context.Background(), &misp.Feed{URL: "f.txt", InputSource: misp.FeedInputLocal}, ""); err != nil || string(data) != "v" {
		t.Errorf("local: %q %v", data, err)
	}
	for _, bad := range []struct{ url, name string }{{"link", ""}, {"../x", ""}, {".", "../f.txt"}, {"/etc", "hostname"}} {
		if _, err := l.Read(context.Background(), &misp.Feed{URL: bad.url, InputSource: misp.FeedInputLocal}, bad.name); err == nil {
			t.Errorf("local %s/%s was read", bad.url, bad.name)
		}
	}
}
