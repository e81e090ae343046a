package server_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/hunchsec/hunch/server"
)

// A server on a loopback port, its health endpoint, and a graceful stop.
func Example() {
	s, err := server.New(server.Config{}, http.NotFoundHandler(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/health")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body), resp.Header.Get("X-Content-Type-Options"))

	cancel()
	fmt.Println("stopped:", <-done)
	// Output:
	// 200 {"status":"ok"} nosniff
	// stopped: <nil>
}
