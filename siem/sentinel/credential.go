package sentinel

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/hunchsec/hunch/enrich/providers"
)

// The authentication methods of Auth.Method.
const (
	AuthDefault           = "default"            // azidentity's default chain: environment, workload identity, managed identity, Azure CLI, azd
	AuthClientSecret      = "client_secret"      // an app registration's secret
	AuthClientCertificate = "client_certificate" // an app registration's certificate (PEM or PFX file)
	AuthManagedIdentity   = "managed_identity"   // the Azure resource's system- or user-assigned identity
	AuthAzureCLI          = "azure_cli"          // the signed-in `az` CLI user
)

// Auth says how to get Entra ID tokens.
type Auth struct {
	Method              string           `yaml:"method"`               // default (when empty), client_secret, client_certificate, managed_identity, azure_cli
	TenantID            string           `yaml:"tenant_id"`            // required for client_secret and client_certificate
	ClientID            string           `yaml:"client_id"`            // the app id; for managed_identity, a user-assigned identity's client id
	ClientSecret        providers.Secret `yaml:"client_secret"`        // for client_secret
	CertificateFile     string           `yaml:"certificate_file"`     // for client_certificate: PEM (certificate and key) or PFX/PKCS#12
	CertificatePassword providers.Secret `yaml:"certificate_password"` // for an encrypted PFX or PEM key
	ResourceID          string           `yaml:"resource_id"`          // for managed_identity: a user-assigned identity's resource id
	// DisableInstanceDiscovery skips Entra ID's instance metadata lookup, for an authority_host
	// of a disconnected or private cloud (Azure Stack).
	DisableInstanceDiscovery bool `yaml:"disable_instance_discovery"`
}

// NewCredential builds the token credential a, in the cloud cc, asks for; hc carries its token
// requests. Only configuration and local files are read: no token is requested.
func NewCredential(a Auth, cc cloud.Configuration, hc *http.Client, getenv func(string) string) (azcore.TokenCredential, error) {
	co := azcore.ClientOptions{Cloud: cc}
	if hc != nil {
		co.Transport = hc
	}
	needApp := func() error {
		if strings.TrimSpace(a.TenantID) == "" {
			return fmt.Errorf("sentinel: auth %s needs tenant_id", a.Method)
		}
		if strings.TrimSpace(a.ClientID) == "" {
			return fmt.Errorf("sentinel: auth %s needs client_id", a.Method)
		}
		return nil
	}
	var (
		cred azcore.TokenCredential
		err  error
	)
	switch strings.ToLower(strings.TrimSpace(a.Method)) {
	case "", AuthDefault:
		cred, err = azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: co, TenantID: a.TenantID, DisableInstanceDiscovery: a.DisableInstanceDiscovery})
	case AuthClientSecret:
		if err := needApp(); err != nil {
			return nil, err
		}
		if !a.ClientSecret.IsSet() {
			return nil, errors.New("sentinel: auth client_secret needs client_secret")
		}
		secret, rerr := a.ClientSecret.Resolve(getenv)
		if rerr != nil {
			return nil, fmt.Errorf("sentinel: client_secret: %w", rerr)
		}
		cred, err = azidentity.NewClientSecretCredential(a.TenantID, a.ClientID, secret, &azidentity.ClientSecretCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: a.DisableInstanceDiscovery})
	case AuthClientCertificate:
		if err := needApp(); err != nil {
			return nil, err
		}
		if a.CertificateFile == "" {
			return nil, errors.New("sentinel: auth client_certificate needs certificate_file")
		}
		data, rerr := os.ReadFile(a.CertificateFile)
		if rerr != nil {
			return nil, fmt.Errorf("sentinel: certificate_file: %w", rerr)
		}
		var password []byte
		if a.CertificatePassword.IsSet() {
			p, perr := a.CertificatePassword.Resolve(getenv)
			if perr != nil {
				return nil, fmt.Errorf("sentinel: certificate_password: %w", perr)
			}
			password = []byte(p)
		}
		certs, key, perr := azidentity.ParseCertificates(data, password)
		if perr != nil {
			return nil, fmt.Errorf("sentinel: certificate_file %s: %w", a.CertificateFile, perr)
		}
		cred, err = azidentity.NewClientCertificateCredential(a.TenantID, a.ClientID, certs, key, &azidentity.ClientCertificateCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: a.DisableInstanceDiscovery})
	case AuthManagedIdentity:
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: co}
		switch {
		case a.ClientID != "" && a.ResourceID != "":
			return nil, errors.New("sentinel: auth managed_identity takes client_id or resource_id, not both")
		case a.ClientID != "":
			o.ID = azidentity.ClientID(a.ClientID)
		case a.ResourceID != "":
			o.ID = azidentity.ResourceID(a.ResourceID)
		}
		cred, err = azidentity.NewManagedIdentityCredential(o)
	case AuthAzureCLI:
		cred, err = azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: a.TenantID})
	default:
		return nil, fmt.Errorf("sentinel: unknown auth method %q (default, client_secret, client_certificate, managed_identity, azure_cli)", a.Method)
	}
	if err != nil {
		return nil, fmt.Errorf("sentinel: auth %s: %w", a.Method, err)
	}
	return cred, nil
}
