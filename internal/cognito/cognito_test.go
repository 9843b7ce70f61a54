package cognito_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/toolgate/toolgate/internal/cognito"
	"github.com/toolgate/toolgate/internal/idp"
	"github.com/toolgate/toolgate/internal/store/sqlstore"
	"github.com/toolgate/toolgate/internal/vault"
)

// logBuffer captures the log of both planes.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// env wires what the server will: the Cognito handler at /cognito-idp/ on a
// control-plane listener and the identity provider on a data-plane
// listener, over one SQLite store and vault.
type env struct {
	t       *testing.T
	client  *cip.Client
	control string // control-plane base URL
	dataURL string
	st      *sqlstore.Store
	dbPath  string
	logs    *logBuffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dbPath := filepath.Join(t.TempDir(), "toolgate.db")
	st, err := sqlstore.Open(t.Context(), "sqlite://"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	root := make([]byte, 32)
	rand.Read(root)
	v, err := vault.New(vault.KeyFromRoot(root))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, dbPath: dbPath, logs: &logBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	var dataHandler http.Handler
	data := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { dataHandler.ServeHTTP(w, r) }))
	t.Cleanup(data.Close)
	e.dataURL = data.URL
	idpSrv := idp.New(idp.Options{Store: st, Revisions: st, Vault: v, DataURL: data.URL, Logger: log})
	dataHandler = idpSrv.Handler()

	mux := http.NewServeMux()
	mux.Handle("/cognito-idp/", cognito.NewHandler(cognito.Options{
		Store: st, Vault: v, Region: "us-east-1", AccountID: "123456789012", DataURL: data.URL, Logger: log,
		AfterWrite: func(context.Context) { idpSrv.Notify() },
	}))
	control := httptest.NewServer(mux)
	t.Cleanup(control.Close)
	e.control = control.URL
	e.client = cip.New(cip.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(control.URL + "/cognito-idp/"),
		// SigV4 is verified by the control plane's middleware, not here.
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		RetryMaxAttempts: 1,
	})
	return e
}

// apiError returns the error code and HTTP status of an SDK error.
func apiError(t *testing.T, err error) (string, int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an AWS API error", err)
	}
	var re *awshttp.ResponseError
	status := 0
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return ae.ErrorCode(), status
}

func wantAPIError(t *testing.T, what string, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s succeeded, want %s", what, code)
	}
	got, status := apiError(t, err)
	if got != code {
		t.Errorf("%s: error %s (%v), want %s", what, got, err, code)
	}
	if status != http.StatusBadRequest {
		t.Errorf("%s: HTTP status %d, want 400", what, status)
	}
}

// seedPool runs the seed documents' set-up: a pool, the sre-gateway
// resource server with scope invoke, a client_credentials client with a
// generated secret.
func (e *env) seedPool(name string) (poolID, clientID, secret string) {
	e.t.Helper()
	ctx := e.t.Context()
	pool, err := e.client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(name)})
	if err != nil {
		e.t.Fatalf("CreateUserPool: %v", err)
	}
	poolID = aws.ToString(pool.UserPool.Id)
	if _, err := e.client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{
		UserPoolId: aws.String(poolID), Identifier: aws.String("sre-gateway"), Name: aws.String("SRE gateway"),
		Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("invoke"), ScopeDescription: aws.String("Invoke gateway tools")}},
	}); err != nil {
		e.t.Fatalf("CreateResourceServer: %v", err)
	}
	c, err := e.client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(poolID), ClientName: aws.String("sre-agent"), GenerateSecret: true,
		AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}, AllowedOAuthScopes: []string{"sre-gateway/invoke"},
		AllowedOAuthFlowsUserPoolClient: true,
	})
	if err != nil {
		e.t.Fatalf("CreateUserPoolClient: %v", err)
	}
	return poolID, aws.ToString(c.UserPoolClient.ClientId), aws.ToString(c.UserPoolClient.ClientSecret)
}

// token fetches a token with golang.org/x/oauth2's client-credentials flow.
func (e *env) token(tokenURL, clientID, secret string, scopes ...string) (string, error) {
	cfg := clientcredentials.Config{ClientID: clientID, ClientSecret: secret, TokenURL: tokenURL, Scopes: scopes}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// TestSeedSetUpEndToEnd is the seed documents' `aws cognito-idp` set-up,
// driven by the real Cognito SDK client, ending with a token from the
// embedded identity provider that verifies against its published JWKS.
func TestSeedSetUpEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	poolID, clientID, secret := e.seedPool("sre-assistant-pool")
	if !strings.HasPrefix(poolID, "us-east-1_") || len(poolID) != len("us-east-1_")+9 {
		t.Errorf("pool id %q is not Cognito-shaped", poolID)
	}
	if len(clientID) != 26 || strings.ToLower(clientID) != clientID {
		t.Errorf("client id %q is not 26 lowercase characters", clientID)
	}
	if len(secret) < 40 {
		t.Errorf("generated secret has %d characters", len(secret))
	}
	if _, err := e.client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{
		UserPoolId: aws.String(poolID), Domain: aws.String("sre-assistant-demo"),
	}); err != nil {
		t.Fatalf("CreateUserPoolDomain: %v", err)
	}
	desc, err := e.client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(poolID)})
	if err != nil {
		t.Fatalf("DescribeUserPool: %v", err)
	}
	up := desc.UserPool
	if aws.ToString(up.Domain) != "sre-assistant-demo" || aws.ToString(up.Name) != "sre-assistant-pool" ||
		aws.ToString(up.Arn) != "arn:aws:cognito-idp:us-east-1:123456789012:userpool/"+poolID || up.CreationDate == nil {
		t.Errorf("DescribeUserPool = %+v", up)
	}

	// The token, as an agent gets it, from the issuer's token endpoint.
	access, err := e.token(idp.TokenEndpoint(e.dataURL, poolID), clientID, secret, "sre-gateway/invoke")
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	set, err := jwk.Fetch(ctx, e.dataURL+"/idp/"+poolID+"/.well-known/jwks.json")
	if err != nil {
		t.Fatalf("fetch JWKS: %v", err)
	}
	tok, err := jwt.Parse([]byte(access), jwt.WithKeySet(set), jwt.WithIssuer(idp.Issuer(e.dataURL, poolID)))
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	var cid, scope, use string
	if tok.Get("client_id", &cid) != nil || tok.Get("scope", &scope) != nil || tok.Get("token_use", &use) != nil ||
		cid != clientID || scope != "sre-gateway/invoke" || use != "access" {
		t.Errorf("claims client_id %q scope %q token_use %q", cid, scope, use)
	}
	if aud, _ := tok.Audience(); len(aud) != 0 {
		t.Errorf("Cognito-shaped token has aud %v", aud)
	}
	// And through the domain prefix, as scripts built for a Cognito domain do.
	if _, err := e.token(e.dataURL+"/idp/sre-assistant-demo/oauth2/token", clientID, secret); err != nil {
		t.Errorf("token via the domain: %v", err)
	}
	if strings.Contains(e.logs.String(), secret) {
		t.Error("the client secret appears in the log")
	}
}

// TestDescribeUserPoolClientOmitsSecret: the secret is in the create
// response only; describe and list never carry it.
func TestDescribeUserPoolClientOmitsSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	poolID, clientID, secret := e.seedPool("p")
	d, err := e.client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)})
	if err != nil {
		t.Fatal(err)
	}
	c := d.UserPoolClient
	if c.ClientSecret != nil {
		t.Error("DescribeUserPoolClient returned a client secret")
	}
	if aws.ToString(c.ClientName) != "sre-agent" || aws.ToString(c.UserPoolId) != poolID ||
		len(c.AllowedOAuthFlows) != 1 || c.AllowedOAuthFlows[0] != types.OAuthFlowTypeClientCredentials ||
		len(c.AllowedOAuthScopes) != 1 || !aws.ToBool(c.AllowedOAuthFlowsUserPoolClient) || c.CreationDate == nil {
		t.Errorf("DescribeUserPoolClient = %+v", c)
	}
	l, err := e.client.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(poolID)})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.UserPoolClients) != 1 || aws.ToString(l.UserPoolClients[0].ClientId) != clientID {
		t.Errorf("ListUserPoolClients = %+v", l.UserPoolClients)
	}
	// A caller-chosen secret works for tokens and is never echoed.
	const chosen = "my_own_client_secret_0123456789"
	cc, err := e.client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(poolID), ClientName: aws.String("chosen"), ClientSecret: aws.String(chosen),
		AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{"sre-gateway/invoke"},
		AllowedOAuthFlowsUserPoolClient: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if cc.UserPoolClient.ClientSecret != nil {
		t.Error("a caller-chosen secret was echoed")
	}
	if _, err := e.token(idp.TokenEndpoint(e.dataURL, poolID), aws.ToString(cc.UserPoolClient.ClientId), chosen); err != nil {
		t.Errorf("token with the chosen secret: %v", err)
	}
	if leaked := strings.Contains(e.logs.String(), secret) || strings.Contains(e.logs.String(), chosen); leaked {
		t.Error("a client secret appears in the log")
	}
	// At rest there is only a hash: neither secret is anywhere in the
	// database files.
	for _, f := range []string{e.dbPath, e.dbPath + "-wal"} {
		raw, err := os.ReadFile(f)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(secret)) || bytes.Contains(raw, []byte(chosen)) {
			t.Errorf("%s holds a client secret in plaintext", filepath.Base(f))
		}
	}
}

// TestClientTokenValidity: AccessTokenValidity with TokenValidityUnits is
// echoed as given and decides expires_in.
func TestClientTokenValidity(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	poolID, _, _ := e.seedPool("p")
	c, err := e.client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(poolID), ClientName: aws.String("short"), GenerateSecret: true,
		AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{"sre-gateway/invoke"},
		AllowedOAuthFlowsUserPoolClient: true,
		AccessTokenValidity:             aws.Int32(10),
		TokenValidityUnits:              &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(c.UserPoolClient.AccessTokenValidity) != 10 || c.UserPoolClient.TokenValidityUnits == nil ||
		c.UserPoolClient.TokenValidityUnits.AccessToken != types.TimeUnitsTypeMinutes {
		t.Errorf("validity not echoed: %+v", c.UserPoolClient)
	}
	cfg := clientcredentials.Config{ClientID: aws.ToString(c.UserPoolClient.ClientId), ClientSecret: aws.ToString(c.UserPoolClient.ClientSecret),
		TokenURL: idp.TokenEndpoint(e.dataURL, poolID)}
	tok, err := cfg.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(tok.Expiry); left < 9*time.Minute || left > 10*time.Minute+time.Second {
		t.Errorf("token expires in %v, want 10m", left)
	}
	// 4 minutes is below Cognito's 5 minute floor.
	_, err = e.client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(poolID), ClientName: aws.String("tooshort"), GenerateSecret: true,
		AccessTokenValidity: aws.Int32(4), TokenValidityUnits: &types.TokenValidityUnitsType{AccessToken: types.TimeUnitsTypeMinutes},
	})
	wantAPIError(t, "4 minute tokens", err, "InvalidParameterException")
}

// TestListsPaginate: every list pages with the SDK's paginators.
func TestListsPaginate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	var pools []string
	for i := range 5 {
		p, err := e.client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(fmt.Sprintf("pool-%d", i))})
		if err != nil {
			t.Fatal(err)
		}
		pools = append(pools, aws.ToString(p.UserPool.Id))
	}
	var listed []string
	pages := 0
	for pg := cip.NewListUserPoolsPaginator(e.client, &cip.ListUserPoolsInput{MaxResults: aws.Int32(2)}); pg.HasMorePages(); {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, p := range out.UserPools {
			listed = append(listed, aws.ToString(p.Id))
			if p.CreationDate == nil || aws.ToString(p.Name) == "" {
				t.Errorf("pool description %+v", p)
			}
		}
	}
	if strings.Join(listed, ",") != strings.Join(pools, ",") || pages != 3 {
		t.Errorf("listed %v in %d pages, want %v in 3", listed, pages, pools)
	}

	for i := range 3 {
		if _, err := e.client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{
			UserPoolId: aws.String(pools[0]), Identifier: aws.String(fmt.Sprintf("api-%d", i)), Name: aws.String("api"),
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
			UserPoolId: aws.String(pools[0]), ClientName: aws.String(fmt.Sprintf("c%d", i)),
		}); err != nil {
			t.Fatal(err)
		}
	}
	var servers, clients int
	for pg := cip.NewListResourceServersPaginator(e.client, &cip.ListResourceServersInput{UserPoolId: aws.String(pools[0]), MaxResults: aws.Int32(2)}); pg.HasMorePages(); {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		servers += len(out.ResourceServers)
	}
	for pg := cip.NewListUserPoolClientsPaginator(e.client, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(pools[0]), MaxResults: aws.Int32(2)}); pg.HasMorePages(); {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		clients += len(out.UserPoolClients)
	}
	if servers != 3 || clients != 3 {
		t.Errorf("paged %d resource servers and %d clients, want 3 and 3", servers, clients)
	}
	_, err := e.client.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(2), NextToken: aws.String("bogus")})
	wantAPIError(t, "bogus NextToken", err, "InvalidParameterException")
}
