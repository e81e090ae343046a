package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/benchcorpus"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "corpus.txt")
	truth := filepath.Join(dir, "truth.jsonl")
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"-size", "200KiB", "-seed", "4", "-o", out, "-truth", truth}, nil, &stderr); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, benchcorpus.Bytes(200<<10, 4)) {
		t.Fatal("corpus written with -truth differs from benchcorpus.Bytes")
	}
	lines := bytes.Split(got, []byte("\n"))
	f, err := os.Open(truth)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var tr benchcorpus.Truth
		if err := json.Unmarshal(sc.Bytes(), &tr); err != nil {
			t.Fatal(err)
		}
		if tr.Line < 1 || tr.Line > len(lines) {
			t.Fatalf("truth line %d outside the corpus", tr.Line)
		}
		if !tr.Encoded && !bytes.Contains(lines[tr.Line-1], []byte(tr.Raw)) {
			t.Fatalf("%+v not in its line", tr)
		}
		n++
	}
	if n < 1000 || !strings.Contains(stderr.String(), "indicators") {
		t.Fatalf("%d truth records; stderr %q", n, stderr.String())
	}

	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"-size", "10000", "-seed", "4"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stdout.Bytes(), benchcorpus.Bytes(10000, 4)) {
		t.Fatal("corpus on stdout differs from benchcorpus.Bytes")
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		usage bool
	}{
		{"bad size", []string{"-size", "lots"}, true},
		{"extra argument", []string{"x"}, true},
		{"unknown flag", []string{"-nope"}, true},
		{"missing directory", []string{"-size", "1k", "-o", filepath.Join(t.TempDir(), "no", "such", "file")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), tt.args, &bytes.Buffer{}, &stderr)
			if err == nil {
				t.Fatal("no error")
			}
			var u usageError
			if isUsage := errors.As(err, &u); isUsage != tt.usage {
				t.Fatalf("error %v: usage error %v, want %v", err, isUsage, tt.usage)
			}
		})
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := run(ctx, []string{"-size", "1MiB", "-o", filepath.Join(t.TempDir(), "c.txt")}, nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("run with a cancelled context: %v", err)
	}
}
