package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hunchsec/hunch/internal/testpg"
)

// TestDurabilityKillDuringIngest builds hunch, starts `hunch serve`, ingests attributes through
// the API from several clients at once (events/add with attributes, and attributes/add into an
// event), SIGKILLs the server in mid-stream, restarts it, and checks that every attribute whose
// add was acknowledged with 200 is there. It runs on SQLite, and on PostgreSQL when
// $HUNCH_TEST_POSTGRES names a server (see internal/testpg).
func TestDurabilityKillDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: builds hunch and ingests for seconds (-short)")
	}
	bin := buildHunch(t)
	t.Run("sqlite", func(t *testing.T) { killDuringIngest(t, bin, "") })
	t.Run("postgres", func(t *testing.T) { killDuringIngest(t, bin, testpg.DSN(t)) })
}

// buildHunch builds the hunch binary into a temporary directory, skipping the test when it cannot.
func buildHunch(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		if _, serr := os.Stat(goTool); serr != nil {
			t.Skipf("skipping: no go tool to build hunch with: %v", err)
		}
	}
	bin := filepath.Join(t.TempDir(), "hunch")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("skipping: cannot build hunch: %v\n%s", err, out)
	}
	return bin
}

// server is one running `hunch serve`.
type server struct {
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan struct{}
}

func (s *server) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

var keyOnLine = regexp.MustCompile(`^\s+([A-Za-z0-9]{40})\s*$`)

// startServer starts `hunch serve` on a free loopback port over data (and dsn when set), waits for
// /health, and returns it with the admin key it printed on first start ("" on later starts).
func startServer(t *testing.T, bin, data, dsn string) (*server, string) {
	t.Helper()
	var extra []string
	if dsn != "" {
		extra = []string{"--db", dsn}
	}
	return startServeAt(t, bin, data, freeLoopback(t), extra...)
}

// kill ends the server with SIGKILL: no shutdown, no flushing.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.done
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// post sends body to path with key and returns the status and reply.
func post(ctx context.Context, client *http.Client, addr, key, path string, body any) (int, []byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	return resp.StatusCode, reply, err
}

func killDuringIngest(t *testing.T, bin, dsn string) {
	data := t.TempDir()
	srv, key := startServer(t, bin, data, dsn)
	if key == "" {
		t.Fatalf("first start printed no admin key:\n%s", srv.log())
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	ctx := context.Background()

	// One event the attributes/add clients write into.
	status, reply, err := post(ctx, client, srv.addr, key, "/events/add", map[string]any{"Event": map[string]any{"info": "durability target", "distribution": 0}})
	if err != nil || status != http.StatusOK {
		t.Fatalf("events/add: %d %v %s", status, err, reply)
	}
	var created struct{ Event struct{ ID string } }
	if err := json.Unmarshal(reply, &created); err != nil || created.Event.ID == "" {
		t.Fatalf("events/add reply: %v %s", err, reply)
	}

	const clients = 8
	const perEvent = 20
	var (
		mu         sync.Mutex
		acked      []string
		failures   atomic.Int64
		unexpected []string
		value      atomic.Int64
	)
	nextIP := func() string {
		n := value.Add(1)
		return fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255)
	}
	ingestCtx, stopIngest := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ingestCtx.Err() == nil {
				var uuids []string
				var status int
				var reply []byte
				var err error
				if c%2 == 0 {
					attrs := make([]map[string]any, perEvent)
					for i := range attrs {
						u := newUUID()
						uuids = append(uuids, u)
						attrs[i] = map[string]any{"uuid": u, "type": "ip-dst", "category": "Network activity", "value": nextIP(), "to_ids": true}
					}
					status, reply, err = post(ingestCtx, client, srv.addr, key, "/events/add",
						map[string]any{"Event": map[string]any{"info": fmt.Sprintf("bulk from client %d", c), "distribution": 0, "Attribute": attrs}})
				} else {
					u := newUUID()
					uuids = append(uuids, u)
					status, reply, err = post(ingestCtx, client, srv.addr, key, "/attributes/add/"+created.Event.ID,
						map[string]any{"uuid": u, "type": "domain", "category": "Network activity", "value": fmt.Sprintf("h%d.durability.example", value.Add(1))})
				}
				switch {
				case err != nil:
					failures.Add(1) // the server died under the request: not acknowledged
					return
				case status == http.StatusOK:
					mu.Lock()
					acked = append(acked, uuids...)
					mu.Unlock()
				default:
					mu.Lock()
					unexpected = append(unexpected, fmt.Sprintf("%d %s", status, reply))
					mu.Unlock()
				}
			}
		}()
	}
	// Let the ingest run, then kill the server while requests are in flight.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 3000 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.kill(t)
	time.Sleep(200 * time.Millisecond) // requests in flight see the connection die
	stopIngest()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(unexpected) > 0 {
		t.Fatalf("%d adds answered neither 200 nor a dropped connection, e.g. %s", len(unexpected), unexpected[0])
	}
	if len(acked) < perEvent {
		t.Fatalf("only %d attributes acknowledged before the kill:\n%s", len(acked), srv.log())
	}
	t.Logf("%d attributes acknowledged, %d requests cut by the kill", len(acked), failures.Load())

	srv2, key2 := startServer(t, bin, data, dsn)
	if key2 != "" {
		t.Fatal("the restart bootstrapped the instance again")
	}
	var missing atomic.Int64
	var firstMissing atomic.Value
	work := make(chan string)
	var vg sync.WaitGroup
	for range 8 {
		vg.Add(1)
		go func() {
			defer vg.Done()
			for u := range work {
				req, _ := http.NewRequest(http.MethodGet, "http://"+srv2.addr+"/attributes/view/"+u, nil)
				req.Header.Set("Authorization", key)
				req.Header.Set("Accept", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					continue
				}
				var got struct{ Attribute struct{ UUID string } }
				json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || !strings.EqualFold(got.Attribute.UUID, u) {
					missing.Add(1)
					firstMissing.CompareAndSwap(nil, fmt.Sprintf("%s: %d", u, resp.StatusCode))
				}
			}
		}()
	}
	for _, u := range acked {
		work <- u
	}
	close(work)
	vg.Wait()
	if n := missing.Load(); n > 0 {
		t.Fatalf("%d of %d acknowledged attributes are missing after the restart, e.g. %v", n, len(acked), firstMissing.Load())
	}
}
