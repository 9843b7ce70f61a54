package oauth2

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/store/sqlstore"
	"github.com/toolgate/toolgate/internal/vault"
)

// TestClientCredentialsTokenByName is the Identity data plane's entry point
// (GetResourceOauth2Token, flow M2M): a stored provider found by name, its
// secret unsealed, the token cached like a target's.
func TestClientCredentialsTokenByName(t *testing.T) {
	ts := newTokenServer(t)
	st, err := sqlstore.Open(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "toolgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	v, err := vault.New(vault.KeyFromRoot(bytes.Repeat([]byte{7}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := v.Seal(SecretAAD("corp"), []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	config, _ := json.Marshal(Settings{ClientID: "client-1", AuthMethod: ClientSecretPost, Metadata: Metadata{TokenEndpoint: ts.URL + "/token"}})
	if _, err := st.CreateOAuth2Provider(t.Context(), store.OAuth2Provider{Name: "corp", ARN: "arn:x", Vendor: "CustomOauth2", Config: config, SealedClientSecret: sealed}); err != nil {
		t.Fatal(err)
	}
	tokens := New(Options{Providers: st, Vault: v})
	for range 3 {
		tok, err := tokens.ClientCredentialsToken(t.Context(), "corp", []string{"read"}, map[string]string{"resource": "https://api"})
		if err != nil || tok.AccessToken != "tok-1-read" {
			t.Fatalf("ClientCredentialsToken = %v, %v", tok.AccessToken, err)
		}
	}
	if n := ts.requests.Load(); n != 1 {
		t.Errorf("%d token requests for 3 calls, want 1 (cached)", n)
	}
	if ts.lastForm().Get("resource") != "https://api" {
		t.Errorf("custom parameter not sent: %v", ts.lastForm())
	}
	_, err = tokens.ClientCredentialsToken(t.Context(), "nope", nil, nil)
	if !errors.Is(err, ErrUnknownProvider) || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown provider: %v", err)
	}
	// A secret sealed for another provider does not open under this name.
	if _, err := st.UpdateOAuth2Provider(t.Context(), "corp", func(p store.OAuth2Provider) (store.OAuth2Provider, error) {
		p.SealedClientSecret, _ = v.Seal(SecretAAD("other"), []byte(secret))
		return p, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.ClientCredentialsToken(t.Context(), "corp", nil, nil); err == nil || bytes.Contains([]byte(err.Error()), []byte(secret)) {
		t.Errorf("mis-sealed secret: %v", err)
	}
}
