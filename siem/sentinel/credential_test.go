package sentinel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/hunchsec/hunch/enrich/providers"
)

const (
	testTenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	testApp    = "11111111-2222-3333-4444-555555555555"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestNewCredentialKinds(t *testing.T) {
	getenv := env(map[string]string{"LA_SECRET": "s3cr3t", "PFX_PASSWORD": "hunch-test"})
	tests := []struct {
		name string
		auth Auth
		want string // the credential's type
	}{
		{"default when empty", Auth{}, "*azidentity.DefaultAzureCredential"},
		{"default chain", Auth{Method: "default", TenantID: testTenant}, "*azidentity.DefaultAzureCredential"},
		{"client secret inline", Auth{Method: "client_secret", TenantID: testTenant, ClientID: testApp, ClientSecret: "s3cr3t"}, "*azidentity.ClientSecretCredential"},
		{"client secret from env", Auth{Method: "client_secret", TenantID: testTenant, ClientID: testApp, ClientSecret: "env:LA_SECRET"}, "*azidentity.ClientSecretCredential"},
		{"client secret from file", Auth{Method: "client_secret", TenantID: testTenant, ClientID: testApp, ClientSecret: "file:testdata/error_401.json"}, "*azidentity.ClientSecretCredential"},
		{"certificate PEM", Auth{Method: "client_certificate", TenantID: testTenant, ClientID: testApp, CertificateFile: "testdata/client_cert.pem"}, "*azidentity.ClientCertificateCredential"},
		{"certificate PFX", Auth{Method: "client_certificate", TenantID: testTenant, ClientID: testApp, CertificateFile: "testdata/client_cert.pfx", CertificatePassword: "env:PFX_PASSWORD"}, "*azidentity.ClientCertificateCredential"},
		{"managed identity system-assigned", Auth{Method: "managed_identity"}, "*azidentity.ManagedIdentityCredential"},
		{"managed identity by client id", Auth{Method: "managed_identity", ClientID: testApp}, "*azidentity.ManagedIdentityCredential"},
		{"managed identity by resource id", Auth{Method: "managed_identity", ResourceID: "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/hunch"}, "*azidentity.ManagedIdentityCredential"},
		{"azure cli", Auth{Method: "azure_cli", TenantID: testTenant}, "*azidentity.AzureCLICredential"},
		{"method case", Auth{Method: " Azure_CLI "}, "*azidentity.AzureCLICredential"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred, err := NewCredential(tt.auth, cloud.AzurePublic, nil, getenv)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%T", cred); got != tt.want {
				t.Errorf("credential %s, want %s", got, tt.want)
			}
		})
	}
}

func TestNewCredentialErrors(t *testing.T) {
	tests := []struct {
		name string
		auth Auth
		want string
		is   error
	}{
		{"secret without tenant", Auth{Method: "client_secret", ClientID: testApp, ClientSecret: "x"}, "client_secret needs tenant_id", nil},
		{"secret without client", Auth{Method: "client_secret", TenantID: testTenant, ClientSecret: "x"}, "needs client_id", nil},
		{"secret without secret", Auth{Method: "client_secret", TenantID: testTenant, ClientID: testApp}, "needs client_secret", nil},
		{"secret env unset", Auth{Method: "client_secret", TenantID: testTenant, ClientID: testApp, ClientSecret: "env:NOPE"}, "NOPE", providers.ErrSecret},
		{"bad tenant id", Auth{Method: "client_secret", TenantID: "contoso/../evil", ClientID: testApp, ClientSecret: "x"}, "tenant", nil},
		{"certificate without tenant", Auth{Method: "client_certificate", ClientID: testApp, CertificateFile: "testdata/client_cert.pem"}, "client_certificate needs tenant_id", nil},
		{"certificate without file", Auth{Method: "client_certificate", TenantID: testTenant, ClientID: testApp}, "needs certificate_file", nil},
		{"certificate unreadable", Auth{Method: "client_certificate", TenantID: testTenant, ClientID: testApp, CertificateFile: "testdata/missing.pem"}, "certificate_file", nil},
		{"certificate not a certificate", Auth{Method: "client_certificate", TenantID: testTenant, ClientID: testApp, CertificateFile: "testdata/error_401.json"}, "certificate_file testdata/error_401.json", nil},
		{"pfx wrong password", Auth{Method: "client_certificate", TenantID: testTenant, ClientID: testApp, CertificateFile: "testdata/client_cert.pfx", CertificatePassword: "wrong"}, "certificate_file testdata/client_cert.pfx", nil},
		{"managed identity with two ids", Auth{Method: "managed_identity", ClientID: testApp, ResourceID: "/x"}, "not both", nil},
		{"unknown method", Auth{Method: "password"}, "unknown auth method", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCredential(tt.auth, cloud.AzurePublic, nil, env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "hunch-test") {
				t.Errorf("error %v shows a secret", err)
			}
		})
	}
}

// TestClientSecretFlow runs the whole client-credentials flow against a local Entra ID and query
// API: the token request (form fields, scope) and the query carrying the token it returned.
func TestClientSecretFlow(t *testing.T) {
	var tokenForm url.Values
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/"+testTenant+"/v2.0/.well-known/openid-configuration":
			base := srv.URL + "/" + testTenant
			json.NewEncoder(w).Encode(map[string]any{
				"token_endpoint":         base + "/oauth2/v2.0/token",
				"authorization_endpoint": base + "/oauth2/v2.0/authorize",
				"issuer":                 base + "/v2.0",
			})
		case r.URL.Path == "/"+testTenant+"/oauth2/v2.0/token":
			if err := r.ParseForm(); err != nil {
				t.Error(err)
			}
			tokenForm = r.PostForm
			json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "token-from-entra"})
		case r.URL.Path == "/v1/workspaces/"+testWorkspace+"/query":
			if got := r.Header.Get("Authorization"); got != "Bearer token-from-entra" {
				t.Errorf("Authorization %q", got)
			}
			w.Write(fixture(t, "query_workspaces.json"))
		default:
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cfg := Config{
		WorkspaceID:   testWorkspace,
		Endpoint:      srv.URL + "/v1",
		AuthorityHost: srv.URL + "/",
		Auth:          Auth{Method: AuthClientSecret, TenantID: testTenant, ClientID: testApp, ClientSecret: "env:LA_SECRET", DisableInstanceDiscovery: true},
	}
	c, err := New(cfg, env(map[string]string{"LA_SECRET": "s3cr3t"}), WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	recs, errs := collect(c.Search(context.Background(), kql("Heartbeat")))
	if len(errs) > 0 || len(recs) != 2 {
		t.Fatalf("%d records, errors %v", len(recs), errs)
	}
	for k, want := range map[string]string{"client_id": testApp, "client_secret": "s3cr3t", "grant_type": "client_credentials"} {
		if got := tokenForm.Get(k); got != want {
			t.Errorf("token form %s = %q, want %q", k, got, want)
		}
	}
	if scope := tokenForm.Get("scope"); !strings.Contains(scope, "https://api.loganalytics.io/.default") {
		t.Errorf("token scope %q", scope)
	}
}

func TestNewUploaderBadAuth(t *testing.T) {
	// The uploader builds its credential the same way; a bad auth config fails NewUploader too.
	_, err := NewUploader(Config{Ingestion: Ingestion{Endpoint: "https://dce.example", RuleID: testRule, Stream: testStream}, Auth: Auth{Method: "client_certificate", TenantID: testTenant, ClientID: testApp, CertificateFile: "testdata/missing.pfx"}}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "certificate_file") {
		t.Fatalf("error %v", err)
	}
}
