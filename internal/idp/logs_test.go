package idp_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestNoSecretsOrTokensInLogs drives successes and every kind of refusal,
// with secrets in unusual places, and then reads the whole log.
func TestNoSecretsOrTokensInLogs(t *testing.T) {
	e, secret := newTokenEnv(t)
	const wrong = "WRONGSECRETMARKER0123456789"
	path := "/idp/" + pool1 + "/oauth2/token"
	var tokens []string
	tokens = append(tokens, e.accessToken(pool1, clientA, secret))
	r := e.post(path, url.Values{"grant_type": {"client_credentials"}, "client_id": {clientA}, "client_secret": {secret}}.Encode())
	tokens = append(tokens, r.json(t)["access_token"].(string))

	e.tokenBasic(pool1, clientA, wrong, "grant_type=client_credentials")
	e.post(path, url.Values{"grant_type": {"client_credentials"}, "client_id": {clientA}, "client_secret": {wrong}}.Encode())
	// A secret pasted where the client id goes must not be logged either.
	e.tokenBasic(pool1, secret, secret, "grant_type=client_credentials")
	e.post(path, url.Values{"grant_type": {"client_credentials"}, "client_id": {wrong}, "client_secret": {wrong}}.Encode())
	e.post(path+"?client_secret="+wrong, "grant_type=client_credentials")
	e.post(path, "grant_type=client_credentials", "Authorization", "Bearer "+tokens[0])
	e.tokenBasic(pool1, clientA, secret, "grant_type=authorization_code&code="+wrong)
	e.tokenBasic(pool1, clientA, secret, "grant_type=client_credentials&scope=sre-gateway/admin")
	e.tokenBasic(pool1, clientA, secret, "grant_type=client_credentials&client_secret="+wrong)

	logs := e.logs.String()
	secrets := []string{secret, wrong, basic(clientA, secret)}
	for _, tok := range tokens {
		secrets = append(secrets, tok, tok[strings.LastIndex(tok, ".")+1:]) // and the signature alone
	}
	if leaked := containsAny(logs, secrets...); leaked != "" {
		t.Errorf("the log contains a secret or token (%d characters)", len(leaked))
	}
	// The log is not simply empty: issuance and refusals are recorded with
	// the client id, and the reason of each refusal.
	for _, want := range []string{
		"issued an access token", "client_id=" + clientA, "wrong client secret", "unknown client",
		"error=unsupported_grant_type", "error=invalid_scope", "error=invalid_request",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}
