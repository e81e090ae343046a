package sentinel

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/monitor/ingestion/azlogs"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

// DefaultMaxBatchBytes is the Logs Ingestion API's limit for one call (1 MB), applied to the
// uncompressed JSON array so that the call stays under it however well it compresses.
const DefaultMaxBatchBytes = 1 << 20

// defaultUploadTimeout is the per-try limit of an upload call when Config.Timeout is zero.
const defaultUploadTimeout = 2 * time.Minute

// Ingestion says where an Uploader sends records: a data collection rule's stream, through a data
// collection endpoint (or the rule's own logs ingestion endpoint).
type Ingestion struct {
	Endpoint      string `yaml:"endpoint"`        // e.g. https://my-dce-abcd.eastus-1.ingest.monitor.azure.com
	RuleID        string `yaml:"rule_id"`         // the rule's immutable id, dcr-…
	Stream        string `yaml:"stream"`          // the stream declared in the rule, e.g. Custom-HunchTI_CL
	Audience      string `yaml:"audience"`        // token audience; default from Cloud (https://monitor.azure.com/)
	MaxBatchBytes int    `yaml:"max_batch_bytes"` // largest uncompressed JSON array sent in one call; default 1 MiB
	NoGzip        bool   `yaml:"no_gzip"`         // send batches uncompressed
}

// Uploader sends records to a Log Analytics table through the Logs Ingestion API. It implements
// siem.Uploader. The SDK's Upload sends the bytes it is given in one call: unlike the Python and
// .NET clients it neither splits nor reports per record, so batching and the per-record
// accounting of failures are done here.
type Uploader struct {
	client   *azlogs.Client
	rule     string
	stream   string
	maxBatch int
	gzip     bool
}

var _ siem.Uploader = (*Uploader)(nil)

// NewUploader builds an uploader from cfg.Ingestion and the shared settings of cfg (cloud, auth,
// TLS, timeout, retry); getenv resolves env: secrets. No request is sent.
func NewUploader(cfg Config, getenv func(string) string, opts ...Option) (*Uploader, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	in := cfg.Ingestion
	switch {
	case strings.TrimSpace(in.Endpoint) == "":
		return nil, errors.New("sentinel: ingestion.endpoint is required")
	case strings.TrimSpace(in.RuleID) == "":
		return nil, errors.New("sentinel: ingestion.rule_id is required")
	case strings.TrimSpace(in.Stream) == "":
		return nil, errors.New("sentinel: ingestion.stream is required")
	}
	if err := checkURL("ingestion.endpoint", in.Endpoint); err != nil {
		return nil, err
	}
	if in.MaxBatchBytes == 0 {
		in.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if in.MaxBatchBytes < 3 {
		return nil, fmt.Errorf("sentinel: ingestion.max_batch_bytes %d is too small", in.MaxBatchBytes)
	}
	if cfg.MaxResponseBytes == 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultUploadTimeout
	}
	if cfg.Timeout < 0 || cfg.MaxResponseBytes < 0 {
		return nil, errors.New("sentinel: timeout and max_response_bytes must not be negative")
	}
	base, err := baseCloud(cfg.Cloud)
	if err != nil {
		return nil, err
	}
	svc := base.Services[azlogs.ServiceNameIngestion]
	if in.Audience != "" {
		svc.Audience = in.Audience
	}
	cc := cloudConfig(base, cfg.AuthorityHost, azlogs.ServiceNameIngestion, svc)
	hc, err := httpClient(o.client, cfg.CAFile, cfg.InsecureSkipVerify)
	if err != nil {
		return nil, err
	}
	cred := o.cred
	if cred == nil {
		if cred, err = NewCredential(cfg.Auth, cc, hc, getenv); err != nil {
			return nil, err
		}
	}
	copts := &azlogs.ClientOptions{ClientOptions: clientOptions(cc, &limitTransport{next: hc, max: cfg.MaxResponseBytes}, cfg.Retry, cfg.Timeout)}
	c, err := azlogs.NewClient(strings.TrimRight(in.Endpoint, "/"), tokenCredential{cred}, copts)
	if err != nil {
		return nil, fmt.Errorf("sentinel: %w", err)
	}
	return &Uploader{client: c, rule: in.RuleID, stream: in.Stream, maxBatch: in.MaxBatchBytes, gzip: !in.NoGzip}, nil
}

// pending is one record waiting in a batch: its position in the stream and its JSON.
type pending struct {
	n    int
	json []byte
}

// Upload sends records as JSON objects (fields in record order, times in RFC 3339) in batches of
// at most max_batch_bytes. The SDK retries a call that failed with 408, 429 (after its
// Retry-After) or 5xx; a call refused with 413 is split in halves and resent; every record of a
// batch that still fails is listed in the result with the reason, as is every record too large
// for a batch and every malformed record of the stream. An authentication failure, the
// stream's own error or the cancellation of ctx stops the upload: the records of the batch in
// flight are listed as failed and the error is returned with the result so far.
func (u *Uploader) Upload(ctx context.Context, records record.Stream) (res siem.UploadResult, err error) {
	var (
		batch []pending
		size  = 2 // the brackets of the array
		n     int
		buf   bodyBuffer
	)
	defer func() {
		slices.SortStableFunc(res.Failed, func(a, b siem.RecordError) int { return cmp.Compare(a.N, b.N) })
	}()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := u.send(ctx, &buf, batch, &res)
		batch, size = batch[:0:0], 2
		return err
	}
	for r, rerr := range records {
		n++
		if rerr != nil {
			if record.IsParseError(rerr) {
				res.Failed = append(res.Failed, siem.RecordError{N: n, Err: rerr})
				continue
			}
			if ferr := flush(); ferr != nil {
				return res, ferr
			}
			return res, fmt.Errorf("sentinel: reading record %d: %w", n, rerr)
		}
		if cerr := ctx.Err(); cerr != nil {
			failAll(&res, batch, cerr)
			return res, fmt.Errorf("sentinel: upload: %w", cerr)
		}
		js := r.AppendJSON(nil)
		if len(js)+2 > u.maxBatch {
			res.Failed = append(res.Failed, siem.RecordError{N: n, Err: fmt.Errorf("%w: %d bytes > %d", ErrRecordTooLarge, len(js)+2, u.maxBatch)})
			continue
		}
		add := len(js)
		if len(batch) > 0 {
			add++ // the comma
		}
		if size+add > u.maxBatch {
			if err := flush(); err != nil {
				return res, err
			}
			add = len(js)
		}
		batch = append(batch, pending{n: n, json: js})
		size += add
	}
	return res, flush()
}

// send uploads one batch. A 413 splits it; other failures are recorded per record. The error
// returned stops the upload (authentication, cancellation).
func (u *Uploader) send(ctx context.Context, buf *bodyBuffer, batch []pending, res *siem.UploadResult) error {
	body, err := u.body(buf, batch)
	if err != nil {
		return err
	}
	var opts *azlogs.UploadOptions
	if u.gzip {
		enc := "gzip"
		opts = &azlogs.UploadOptions{ContentEncoding: &enc}
	}
	_, err = u.client.Upload(ctx, u.rule, u.stream, body, opts)
	if err == nil {
		res.Sent += len(batch)
		return nil
	}
	err = classify(ctx, fmt.Sprintf("upload of records %d..%d to stream %s", batch[0].n, batch[len(batch)-1].n, u.stream), err)
	switch {
	case ctx.Err() != nil, errors.Is(err, ErrAuth):
		failAll(res, batch, err)
		return err
	case errors.Is(err, ErrTooLarge) && len(batch) > 1:
		half := len(batch) / 2
		if err := u.send(ctx, buf, batch[:half], res); err != nil {
			failAll(res, batch[half:], err)
			return err
		}
		return u.send(ctx, buf, batch[half:], res)
	}
	failAll(res, batch, err)
	return nil
}

// bodyBuffer holds the buffers and the gzip writer one Upload reuses for its batches.
type bodyBuffer struct {
	raw, z bytes.Buffer
	zw     *gzip.Writer
}

// body writes batch as a JSON array, gzipped unless disabled. The result is valid until the
// next call with the same buffer.
func (u *Uploader) body(buf *bodyBuffer, batch []pending) ([]byte, error) {
	buf.raw.Reset()
	buf.raw.WriteByte('[')
	for i, p := range batch {
		if i > 0 {
			buf.raw.WriteByte(',')
		}
		buf.raw.Write(p.json)
	}
	buf.raw.WriteByte(']')
	if !u.gzip {
		return buf.raw.Bytes(), nil
	}
	buf.z.Reset()
	if buf.zw == nil {
		buf.zw = gzip.NewWriter(&buf.z)
	} else {
		buf.zw.Reset(&buf.z)
	}
	if _, err := buf.zw.Write(buf.raw.Bytes()); err != nil {
		return nil, fmt.Errorf("sentinel: compressing a batch: %w", err)
	}
	if err := buf.zw.Close(); err != nil {
		return nil, fmt.Errorf("sentinel: compressing a batch: %w", err)
	}
	return buf.z.Bytes(), nil
}

// failAll lists every record of batch as failed with err.
func failAll(res *siem.UploadResult, batch []pending, err error) {
	for _, p := range batch {
		res.Failed = append(res.Failed, siem.RecordError{N: p.n, Err: err})
	}
}
