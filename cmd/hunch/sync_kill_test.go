package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// startServeAt starts `hunch serve` over data on addr with extra flags and waits for /health; it returns the
// server and the admin key printed on first start ("" on later starts).
func startServeAt(t *testing.T, bin, data, addr string, extra ...string) (*server, string) {
	t.Helper()
	s := &server{addr: addr, done: make(chan struct{})}
	s.cmd = exec.Command(bin, append([]string{"--data", data, "serve", "--listen", addr}, extra...)...)
	home := t.TempDir()
	s.cmd.Env = []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home, "PATH=" + os.Getenv("PATH")}
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	keyc := make(chan string, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(pipe)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.stderr.WriteString(line + "\n")
			s.mu.Unlock()
			if m := keyOnLine.FindStringSubmatch(line); m != nil {
				select {
				case keyc <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, pipe)
		s.cmd.Wait()
	}()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-s.done:
			t.Fatalf("hunch serve exited before answering:\n%s", s.log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("hunch serve did not answer /health:\n%s", s.log())
		}
		time.Sleep(25 * time.Millisecond)
	}
	select {
	case k := <-keyc:
		return s, k
	default:
		return s, ""
	}
}

func freeLoopback(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// hunchCLI runs the hunch binary with env added and returns its stdout, failing the test on an error.
func hunchCLI(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	home := t.TempDir()
	cmd.Env = append([]string{"HOME=" + home, "XDG_CONFIG_HOME=" + home, "PATH=" + os.Getenv("PATH")}, env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hunch %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// minimalIndex returns the uuids and attribute counts of the events the key sees on addr.
func eventIndex(ctx context.Context, client *http.Client, addr, key string) (map[string]int, error) {
	status, reply, err := post(ctx, client, addr, key, "/events/index", map[string]any{})
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("events/index: %d %s", status, reply)
	}
	var rows []struct {
		UUID           string          `json:"uuid"`
		AttributeCount json.RawMessage `json:"attribute_count"`
	}
	if err := json.Unmarshal(reply, &rows); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, r := range rows {
		var n int
		if json.Unmarshal(r.AttributeCount, &n) != nil {
			var s string
			_ = json.Unmarshal(r.AttributeCount, &s)
			fmt.Sscan(s, &n)
		}
		out[r.UUID] += n + 1000000 // the high part counts copies of one uuid
	}
	return out, nil
}

// TestSyncKillReceiverMidPush builds hunch, runs two `hunch serve` instances on loopback, pushes many events
// from A to B through A's servers/push, SIGKILLs B part-way, restarts it on the same data, resumes the push, and
// checks that every event arrived exactly once with all its attributes.
func TestSyncKillReceiverMidPush(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: builds hunch and runs two servers (-short)")
	}
	const events, attrs = 300, 10
	bin := buildHunch(t)
	ctx := context.Background()
	client := &http.Client{Timeout: 5 * time.Minute}
	dataA, dataB := t.TempDir(), t.TempDir()
	addrA, addrB := freeLoopback(t), freeLoopback(t)
	a, keyA := startServeAt(t, bin, dataA, addrA, "--org", "Org A")
	b, keyB := startServeAt(t, bin, dataB, addrB, "--org", "Org B")
	if keyA == "" || keyB == "" {
		t.Fatalf("no admin keys printed:\n%s\n%s", a.log(), b.log())
	}
	orgUUID := func(addr, key string) string {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/users/view/me", nil)
		req.Header.Set("Authorization", key)
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var me struct {
			Organisation struct {
				UUID string `json:"uuid"`
			} `json:"Organisation"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&me); err != nil || me.Organisation.UUID == "" {
			t.Fatalf("users/view/me on %s: %v", addr, err)
		}
		return me.Organisation.UUID
	}
	uuidA, uuidB := orgUUID(addrA, keyA), orgUUID(addrB, keyB)

	// B: Org A with a sync user, whose key A's server entry holds. A: Org B, and the server entry.
	hunchCLI(t, bin, nil, "--data", dataB, "org", "add", "Org A", "--uuid", uuidA, "--local")
	syncKey := hunchCLI(t, bin, nil, "--data", dataB, "user", "add", "sync@orga.test", "--org", "Org A", "--role", "sync")
	hunchCLI(t, bin, nil, "--data", dataA, "org", "add", "Org B", "--uuid", uuidB)
	hunchCLI(t, bin, []string{"SYNC_KEY=" + syncKey}, "--data", dataA, "intel", "server", "add", "--name", "instance B",
		"--url", "http://"+addrB, "--remote-org", "Org B", "--authkey", "env:SYNC_KEY", "--push")
	if list := hunchCLI(t, bin, nil, "--data", dataA, "-o", "json", "intel", "server", "list"); strings.Contains(list, syncKey) ||
		!strings.Contains(list, "instance B") {
		t.Fatalf("server list: %s", list)
	}
	if raw, err := os.ReadFile(dataA + "/hunch.db"); err == nil && strings.Contains(string(raw), syncKey) {
		t.Fatal("the remote key is in A's database in clear")
	}
	if fi, err := os.Stat(dataA + "/server.key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("server.key: %v %v", fi, err)
	}

	want := map[string]bool{}
	for i := range events {
		var list []map[string]any
		for j := range attrs {
			list = append(list, map[string]any{"type": "ip-dst", "value": fmt.Sprintf("10.%d.%d.%d", i/250, i%250, j)})
		}
		status, reply, err := post(ctx, client, addrA, keyA, "/events/add", map[string]any{"Event": map[string]any{
			"info": fmt.Sprintf("sync %d", i), "distribution": 3, "published": true, "Attribute": list}})
		if err != nil || status != http.StatusOK {
			t.Fatalf("events/add %d: %d %v %s", i, status, err, reply)
		}
		var saved struct {
			Event struct {
				UUID string `json:"uuid"`
			} `json:"Event"`
		}
		if err := json.Unmarshal(reply, &saved); err != nil {
			t.Fatal(err)
		}
		want[saved.Event.UUID] = true
	}

	type reply struct {
		status int
		body   string
		err    error
	}
	push := func(technique string) <-chan reply {
		c := make(chan reply, 1)
		go func() {
			status, body, err := post(ctx, client, addrA, keyA, "/servers/push/1/"+technique, map[string]any{})
			c <- reply{status, string(body), err}
		}()
		return c
	}
	first := push("full")
	for {
		got, err := eventIndex(ctx, client, addrB, keyB)
		if err == nil && len(got) >= events/3 {
			break
		}
		select {
		case r := <-first:
			t.Fatalf("the push ended before B was killed (%d %s %v); raise the event count", r.status, r.body, r.err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	b.kill(t)
	r := <-first
	if r.err != nil || r.status == http.StatusOK || !strings.Contains(r.body, `instance B`) {
		t.Fatalf("push to a killed B: %d %v %s; want a refusal naming the server", r.status, r.err, r.body)
	}
	t.Logf("push stopped by the kill: %s", r.body)
	status, idx, err := post(ctx, client, addrA, keyA, "/servers/index", nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("servers/index: %d %v", status, err)
	}
	var servers []struct {
		Server struct {
			LastPushedID json.Number `json:"lastpushedid"`
		} `json:"Server"`
	}
	if err := json.Unmarshal(idx, &servers); err != nil || len(servers) != 1 {
		t.Fatalf("servers/index: %v %s", err, idx)
	}
	if n, _ := servers[0].Server.LastPushedID.Int64(); n <= 0 || n >= events {
		t.Errorf("saved progress after the kill: %v, want part-way", servers[0].Server.LastPushedID)
	}
	if strings.Contains(string(idx), syncKey) || strings.Contains(a.log(), syncKey) {
		t.Error("the remote key shows in servers/index or A's log")
	}

	b, _ = startServeAt(t, bin, dataB, addrB)
	partial, err := eventIndex(ctx, client, addrB, keyB)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r = <-push("incremental")
	elapsed := time.Since(start)
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("resumed push: %d %v %s", r.status, r.err, r.body)
	}
	got, err := eventIndex(ctx, client, addrB, keyB)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != events {
		t.Errorf("B holds %d events, want %d", len(got), events)
	}
	for u := range want {
		if n, ok := got[u]; !ok {
			t.Errorf("B lacks %s", u)
		} else if n != 1000000+attrs {
			t.Errorf("B holds %s %d times with %d attributes, want once with %d", u, n/1000000, n%1000000, attrs)
		}
	}
	resumed := events - len(partial)
	t.Logf("B held %d events after the kill; the resumed push sent %d events (%d attributes) in %v: %.0f events/s, %.0f attributes/s",
		len(partial), resumed, resumed*attrs, elapsed.Round(time.Millisecond),
		float64(resumed)/elapsed.Seconds(), float64(resumed*attrs)/elapsed.Seconds())
}
