// Command gencorpus writes hunch's deterministic synthetic benchmark corpus to a file, for
// memory and throughput tests of the hunch binary on inputs too big to keep in the repository.
//
//	go run ./internal/benchcorpus/gencorpus -size 1GiB -seed 1 -o /tmp/corpus.txt [-truth /tmp/truth.jsonl]
//
// With -truth it also writes one JSON object per planted indicator (benchcorpus.Truth); the
// corpus bytes are the same with or without it.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/hunchsec/hunch/internal/benchcorpus"
	"github.com/hunchsec/hunch/internal/bytesize"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.As(err, new(usageError)):
		fmt.Fprintln(os.Stderr, "gencorpus:", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "gencorpus:", err)
		os.Exit(1)
	}
}

// usageError is a bad command line.
type usageError struct{ error }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gencorpus", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizeFlag := fs.String("size", "100MiB", "corpus size: bytes, or a number with B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB")
	seed := fs.Uint64("seed", 1, "generator seed; the same seed gives the same bytes")
	out := fs.String("o", "-", "output file, - for stdout")
	truthPath := fs.String("truth", "", "also write the planted indicators as JSON lines to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	size, err := bytesize.Parse(*sizeFlag)
	if err != nil {
		return usageError{fmt.Errorf("-size: %w", err)}
	}

	start := time.Now()
	w, closeOut, err := create(*out, stdout)
	if err != nil {
		return err
	}
	cw := ctxWriter{ctx: ctx, w: w}
	var lines, planted int64
	if *truthPath == "" {
		err = benchcorpus.Write(cw, size, *seed)
	} else {
		lines, planted, err = writeWithTruth(ctx, cw, *truthPath, size, *seed)
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	summary := fmt.Sprintf("gencorpus: wrote at least %d bytes (seed %d) to %s in %.2fs", size, *seed, *out, secs)
	if *truthPath != "" {
		summary += fmt.Sprintf("; %d lines, %d indicators in %s", lines, planted, *truthPath)
	}
	fmt.Fprintln(stderr, summary)
	return nil
}

// writeWithTruth writes the corpus line by line (the same bytes as benchcorpus.Write) and its
// planted indicators to truthPath.
func writeWithTruth(ctx context.Context, w io.Writer, truthPath string, size int64, seed uint64) (lines, planted int64, err error) {
	tf, err := os.Create(truthPath)
	if err != nil {
		return 0, 0, fmt.Errorf("create truth file: %w", err)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	tw := bufio.NewWriterSize(ctxWriter{ctx: ctx, w: tf}, 256<<10)
	enc := json.NewEncoder(tw)
	enc.SetEscapeHTML(false)
	g := benchcorpus.New(seed)
	var written int64
	for written < size {
		line, truth := g.Line()
		lines++
		if _, err := bw.WriteString(line); err != nil {
			tf.Close()
			return lines, planted, fmt.Errorf("write corpus line %d: %w", lines, err)
		}
		if err := bw.WriteByte('\n'); err != nil {
			tf.Close()
			return lines, planted, fmt.Errorf("write corpus line %d: %w", lines, err)
		}
		written += int64(len(line) + 1)
		for _, t := range truth {
			if err := enc.Encode(t); err != nil {
				tf.Close()
				return lines, planted, fmt.Errorf("write truth for line %d: %w", lines, err)
			}
			planted++
		}
	}
	if err := bw.Flush(); err != nil {
		tf.Close()
		return lines, planted, fmt.Errorf("write corpus: %w", err)
	}
	if err := tw.Flush(); err != nil {
		tf.Close()
		return lines, planted, fmt.Errorf("write truth file: %w", err)
	}
	if err := tf.Close(); err != nil {
		return lines, planted, fmt.Errorf("close truth file: %w", err)
	}
	return lines, planted, nil
}

// create opens the output: stdout for "-", else a new file.
func create(path string, stdout io.Writer) (io.Writer, func() error, error) {
	if path == "-" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("create output: %w", err)
	}
	return f, func() error {
		if err := f.Close(); err != nil {
			return fmt.Errorf("close output: %w", err)
		}
		return nil
	}, nil
}

// ctxWriter stops writing once its context is cancelled (Ctrl-C on a big corpus).
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
