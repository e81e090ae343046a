package sentinel_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
	"github.com/hunchsec/hunch/siem/sentinel"
)

// staticToken stands in for an Entra ID credential.
type staticToken struct{}

func (staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func ExampleClient_Search() {
	// A stand-in for https://api.loganalytics.io/v1 replaying a documented reply.
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"Computer","type":"string"},{"name":"EventID","type":"int"}],"rows":[["2024-05-01T10:00:00Z","WS01",4688]]}]}`)
	}))
	defer api.Close()

	c, err := sentinel.New(sentinel.Config{WorkspaceID: "b7e0f9a1-7c9d-4d4c-9a7e-2f6d1c0e5a11", Endpoint: api.URL + "/v1"}, os.Getenv,
		sentinel.WithCredential(staticToken{}), sentinel.WithHTTPClient(api.Client()))
	if err != nil {
		fmt.Println(err)
		return
	}
	q := siem.Query{Text: "SecurityEvent | where EventID == 4688 | project TimeGenerated, Computer, EventID", Language: siem.KQL}
	for r, err := range c.Search(context.Background(), q) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(string(r.AppendJSON(nil)))
	}
	// Output: {"TimeGenerated":"2024-05-01T10:00:00Z","Computer":"WS01","EventID":4688}
}

func ExampleUploader_Upload() {
	// A stand-in for a data collection endpoint.
	dce := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer dce.Close()

	u, err := sentinel.NewUploader(sentinel.Config{Ingestion: sentinel.Ingestion{
		Endpoint: dce.URL, RuleID: "dcr-000a00a000a00000a000000aa000a0aa", Stream: "Custom-HunchTI_CL",
	}}, os.Getenv, sentinel.WithCredential(staticToken{}), sentinel.WithHTTPClient(dce.Client()))
	if err != nil {
		fmt.Println(err)
		return
	}
	rows := func(yield func(record.Record, error) bool) {
		yield(record.New(
			record.Field{Name: "TimeGenerated", Value: record.Time(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC))},
			record.Field{Name: "Indicator", Value: record.String("1.2.3.4")},
		), nil)
	}
	res, err := u.Upload(context.Background(), rows)
	fmt.Println(res.Sent, len(res.Failed), err)
	// Output: 1 0 <nil>
}
