package idp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwt"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/toolgate/toolgate/internal/idp"
	"github.com/toolgate/toolgate/internal/store"
)

const clientA = "a1b2c3d4e5f6g7h8i9j0k1l2m3"

// newTokenEnv is a pool with the seed documents' resource server and one
// client_credentials client allowed sre-gateway/invoke.
func newTokenEnv(t *testing.T) (*env, string) {
	e := newEnv(t)
	e.createPool(pool1, map[string][]string{"sre-gateway": {"invoke", "admin"}})
	return e, e.createClient(pool1, clientA, []string{"sre-gateway/invoke"}, nil)
}

func wantNoStore(t *testing.T, r response) {
	t.Helper()
	if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" {
		t.Errorf("token endpoint response is cacheable: Cache-Control %q Pragma %q", r.header.Get("Cache-Control"), r.header.Get("Pragma"))
	}
}

func TestTokenClientSecretBasic(t *testing.T) {
	e, secret := newTokenEnv(t)
	r := e.tokenBasic(pool1, clientA, secret, "grant_type=client_credentials")
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	wantNoStore(t, r)
	body := r.json(t)
	// No scope was requested, so the granted scope is reported (RFC 6749 §5.1).
	if body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) || body["scope"] != "sre-gateway/invoke" {
		t.Errorf("token response = %v", body)
	}
	tok, err := e.verify(pool1, body["access_token"].(string))
	if err != nil {
		t.Fatalf("issued token does not verify against the JWKS: %v", err)
	}
	if sub, _ := tok.Subject(); sub != clientA {
		t.Errorf("sub = %q", sub)
	}
}

func TestTokenClientSecretPost(t *testing.T) {
	e, secret := newTokenEnv(t)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientA}, "client_secret": {secret}, "scope": {"sre-gateway/invoke"}}
	r := e.post("/idp/"+pool1+"/oauth2/token", form.Encode())
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	wantNoStore(t, r)
	body := r.json(t)
	if _, ok := body["scope"]; ok {
		t.Errorf("scope reported although the client got exactly what it asked for: %v", body)
	}
	if _, err := e.verify(pool1, body["access_token"].(string)); err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
}

// TestTokenWithOAuth2Library: golang.org/x/oauth2's client-credentials flow,
// an independent client, gets tokens with either authentication style, also
// for a secret that needs RFC 6749 §2.3.1 form-encoding in the Basic header.
func TestTokenWithOAuth2Library(t *testing.T) {
	e, secret := newTokenEnv(t)
	const odd = "odd+client:secret%/with spaces"
	e.createClient(pool1, "oddclient0000000000000000a", []string{"sre-gateway/invoke"}, func(c *store.PoolClient) {
		c.SecretHash = mustHash(t, odd)
	})
	for _, tc := range []struct {
		name, id, secret string
		style            oauth2.AuthStyle
	}{
		{"basic", clientA, secret, oauth2.AuthStyleInHeader},
		{"post", clientA, secret, oauth2.AuthStyleInParams},
		{"basic form-encoded", "oddclient0000000000000000a", odd, oauth2.AuthStyleInHeader},
		{"post form-encoded", "oddclient0000000000000000a", odd, oauth2.AuthStyleInParams},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := clientcredentials.Config{
				ClientID: tc.id, ClientSecret: tc.secret, TokenURL: e.issuer(pool1) + "/oauth2/token",
				Scopes: []string{"sre-gateway/invoke"}, AuthStyle: tc.style,
			}
			tok, err := cfg.Token(context.Background())
			if err != nil {
				t.Fatalf("x/oauth2 token: %v", err)
			}
			if tok.TokenType != "Bearer" || tok.Expiry.IsZero() {
				t.Errorf("token = %+v", tok)
			}
			if _, err := e.verify(pool1, tok.AccessToken); err != nil {
				t.Errorf("token does not verify: %v", err)
			}
		})
	}
}

// TestTokenClaimsShape: a Cognito client-credentials access token, exactly:
// header kid/alg/typ; claims sub, iss, version, client_id, token_use, scope,
// auth_time, exp, iat, jti; no aud.
func TestTokenClaimsShape(t *testing.T) {
	e, secret := newTokenEnv(t)
	token := e.accessToken(pool1, clientA, secret)
	header, claims := segments(t, token)

	kid := e.jwks(pool1)
	k, _ := kid.Key(0)
	wantKid, _ := k.KeyID()
	if header["alg"] != "RS256" || header["typ"] != "JWT" || header["kid"] != wantKid || len(header) != 3 {
		t.Errorf("header = %v, want alg RS256, typ JWT, kid %s", header, wantKid)
	}
	var keys []string
	for name := range claims {
		keys = append(keys, name)
	}
	slices.Sort(keys)
	want := []string{"auth_time", "client_id", "exp", "iat", "iss", "jti", "scope", "sub", "token_use", "version"}
	if !slices.Equal(keys, want) {
		t.Errorf("claims = %v, want exactly %v (no aud)", keys, want)
	}
	now := e.clock.Now().Unix()
	num := func(name string) int64 {
		n, err := claims[name].(interface{ Int64() (int64, error) }).Int64()
		if err != nil {
			t.Fatalf("%s is not an integer: %v", name, claims[name])
		}
		return n
	}
	if claims["iss"] != e.issuer(pool1) || claims["sub"] != clientA || claims["client_id"] != clientA ||
		claims["token_use"] != "access" || claims["scope"] != "sre-gateway/invoke" || num("version") != 2 {
		t.Errorf("claims = %v", claims)
	}
	if num("iat") != now || num("auth_time") != now || num("exp") != now+3600 {
		t.Errorf("iat %d auth_time %d exp %d, want %d, %d, %d", num("iat"), num("auth_time"), num("exp"), now, now, now+3600)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(claims["jti"].(string)) {
		t.Errorf("jti %v is not a v4 UUID", claims["jti"])
	}
	if again := e.accessToken(pool1, clientA, secret); again == token {
		t.Error("two token requests returned the same token (jti not unique)")
	}
}

// TestTokenAudienceAndValidity: a client configured with an Audience gets
// aud, and its own token lifetime.
func TestTokenAudienceAndValidity(t *testing.T) {
	e, _ := newTokenEnv(t)
	secret := e.createClient(pool1, "audclient00000000000000000", []string{"sre-gateway/invoke"}, func(c *store.PoolClient) {
		c.Audience, c.AccessTokenValidity = "gw-orders", 5*time.Minute
	})
	r := e.tokenBasic(pool1, "audclient00000000000000000", secret, "grant_type=client_credentials")
	if r.status != http.StatusOK || r.json(t)["expires_in"] != float64(300) {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	tok, err := e.verify(pool1, r.json(t)["access_token"].(string), jwt.WithAudience("gw-orders"))
	if err != nil {
		t.Fatalf("token does not verify with its audience: %v", err)
	}
	iat, _ := tok.IssuedAt()
	exp, _ := tok.Expiration()
	if exp.Sub(iat) != 5*time.Minute {
		t.Errorf("lifetime %v, want 5m", exp.Sub(iat))
	}
	e.clock.Advance(5*time.Minute + time.Second)
	if _, err := e.verify(pool1, r.json(t)["access_token"].(string)); err == nil {
		t.Error("token still verifies after it expired")
	}
}

// TestTokenDomainAlias: the token endpoint answers under the pool's domain
// prefix, issuing tokens of the pool's issuer; discovery stays under the id.
func TestTokenDomainAlias(t *testing.T) {
	e, secret := newTokenEnv(t)
	if _, err := e.st.UpdateUserPool(t.Context(), pool1, func(p store.UserPool) (store.UserPool, error) {
		p.Domain = "sre-auth"
		return p, nil
	}); err != nil {
		t.Fatal(err)
	}
	r := e.tokenBasic("sre-auth", clientA, secret, "grant_type=client_credentials")
	if r.status != http.StatusOK {
		t.Fatalf("token via domain: %d %s", r.status, r.body)
	}
	if _, err := e.verify(pool1, r.json(t)["access_token"].(string)); err != nil {
		t.Errorf("token via domain does not verify for the pool's issuer: %v", err)
	}
	if r := e.get("/idp/sre-auth/.well-known/openid-configuration"); r.status != http.StatusNotFound {
		t.Errorf("discovery under the domain = %d, want 404 (its issuer would not match the URL)", r.status)
	}
}

// TestTokenReadAfterWrite: a pool and a client created after the server
// loaded its snapshot are usable at once: a miss rechecks the store.
func TestTokenReadAfterWrite(t *testing.T) {
	e, secret := newTokenEnv(t)
	e.accessToken(pool1, clientA, secret) // snapshot loaded
	const pool2 = "us-east-1_Pool00002"
	e.createPool(pool2, map[string][]string{"api": {"call"}})
	s2 := e.createClient(pool2, "lateclient0000000000000000", []string{"api/call"}, nil)
	if _, err := e.verify(pool2, e.accessToken(pool2, "lateclient0000000000000000", s2)); err != nil {
		t.Fatal(err)
	}
	// A client created in a known pool is found too.
	s3 := e.createClient(pool1, "lateclient0000000000000001", []string{"sre-gateway/invoke"}, nil)
	e.accessToken(pool1, "lateclient0000000000000001", s3)
}

// TestDeletedClientStopsOnRefresh: Run's loop drops a deleted client without
// any request noticing the miss.
func TestDeletedClientStopsOnRefresh(t *testing.T) {
	e, secret := newTokenEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if err := e.srv.Run(ctx); err != nil {
		t.Fatal(err)
	}
	e.accessToken(pool1, clientA, secret)
	if err := e.st.DeletePoolClient(t.Context(), pool1, clientA); err != nil {
		t.Fatal(err)
	}
	e.srv.Notify()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := e.tokenBasic(pool1, clientA, secret, "grant_type=client_credentials")
		if r.status == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deleted client still gets tokens: %d %s", r.status, r.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTokenConcurrent(t *testing.T) {
	e, secret := newTokenEnv(t)
	set := e.jwks(pool1)
	errs := make(chan error, 16)
	for range 16 {
		go func() {
			form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientA}, "client_secret": {secret}}
			resp, err := http.PostForm(e.issuer(pool1)+"/oauth2/token", form)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var body struct {
				AccessToken string `json:"access_token"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("status %d, decode error %v", resp.StatusCode, err)
				return
			}
			_, err = jwt.Parse([]byte(body.AccessToken), jwt.WithKeySet(set), jwt.WithIssuer(e.issuer(pool1)),
				jwt.WithClock(jwt.ClockFunc(e.clock.Now)))
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func basicRaw(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }

func mustHash(t *testing.T, secret string) string {
	t.Helper()
	h, err := idp.HashSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func containsAny(s string, subs ...string) string {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return sub
		}
	}
	return ""
}
