package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	dp "github.com/aws/aws-sdk-go-v2/service/bedrockagentcore"
	ctl "github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	ctltypes "github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/toolgate/toolgate/internal/config"
	"github.com/toolgate/toolgate/internal/idp"
)

// respRecorder keeps every response an SDK client received, so the test can
// search them for secrets.
type respRecorder struct {
	mu    sync.Mutex
	resps []respRecord
}

type respRecord struct {
	op   string // "<method> <path>"
	body []byte
	head http.Header
}

func (rec *respRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	rec.mu.Lock()
	rec.resps = append(rec.resps, respRecord{op: r.Method + " " + r.URL.Path, body: body, head: resp.Header.Clone()})
	rec.mu.Unlock()
	return resp, nil
}

// TestSecretsNeverLeak plants recognisable secrets (an API key, an OAuth2
// client secret, a generated access-key secret) and proves that none of
// them appears in the database — SQLite file or PostgreSQL tables, audit
// events included —, in any API response (but the one operation that
// hands it out by design), in the log or in the audit file, through
// creates, updates, lists, refused requests, a vault key rotation and the
// Identity data plane.
func TestSecretsNeverLeak(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { testSecretsNeverLeak(t, "") })
	t.Run("PostgreSQL", func(t *testing.T) { testSecretsNeverLeak(t, postgresSchemaDSN(t)) })
}

func testSecretsNeverLeak(t *testing.T, dsn string) {
	var rnd [8]byte
	rand.Read(rnd[:])
	marker := "TGSECRETMARKER" + hex.EncodeToString(rnd[:])
	apiKey, apiKey2, clientSecret := marker+"-apikey-1", marker+"-apikey-2", marker+"-client-secret"

	dir := t.TempDir()
	tg := startWith(t, dir, func(c *config.Config) {
		if dsn != "" {
			c.Store = dsn
		}
	})
	ctx := t.Context()
	root := rootCreds(t, dir)
	rec := &respRecorder{}
	hc := &http.Client{Transport: rec}
	c := ctl.New(ctl.Options{Region: "us-east-1", Credentials: credentials.StaticCredentialsProvider{Value: root},
		BaseEndpoint: aws.String("http://" + tg.addrs.Control), HTTPClient: hc})
	d := dp.New(dp.Options{Region: "us-east-1", Credentials: credentials.StaticCredentialsProvider{Value: root},
		BaseEndpoint: aws.String("http://" + tg.addrs.Data), HTTPClient: hc})
	admin := iamsdk.New(iamsdk.Options{Region: "us-east-1", Credentials: credentials.StaticCredentialsProvider{Value: root},
		BaseEndpoint: aws.String("http://" + tg.addrs.Control + "/iam/"), HTTPClient: hc})

	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v\n%s", what, err, tg.logs)
		}
	}
	refused := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s was not refused", what)
		}
	}

	// API-key provider: create, read, list, update, and refused requests
	// carrying the key.
	_, err := c.CreateApiKeyCredentialProvider(ctx, &ctl.CreateApiKeyCredentialProviderInput{Name: aws.String("weather"), ApiKey: aws.String(apiKey)})
	must("CreateApiKeyCredentialProvider", err)
	_, err = c.GetApiKeyCredentialProvider(ctx, &ctl.GetApiKeyCredentialProviderInput{Name: aws.String("weather")})
	must("GetApiKeyCredentialProvider", err)
	_, err = c.ListApiKeyCredentialProviders(ctx, &ctl.ListApiKeyCredentialProvidersInput{})
	must("ListApiKeyCredentialProviders", err)
	_, err = c.UpdateApiKeyCredentialProvider(ctx, &ctl.UpdateApiKeyCredentialProviderInput{Name: aws.String("weather"), ApiKey: aws.String(apiKey2)})
	must("UpdateApiKeyCredentialProvider", err)
	_, err = c.CreateApiKeyCredentialProvider(ctx, &ctl.CreateApiKeyCredentialProviderInput{Name: aws.String("bad name!"), ApiKey: aws.String(apiKey)})
	refused("a provider with a bad name", err)
	_, err = c.CreateApiKeyCredentialProvider(ctx, &ctl.CreateApiKeyCredentialProviderInput{Name: aws.String("weather"), ApiKey: aws.String(apiKey)})
	refused("a duplicate provider", err)
	_, err = c.CreateApiKeyCredentialProvider(ctx, &ctl.CreateApiKeyCredentialProviderInput{Name: aws.String("huge"), ApiKey: aws.String(strings.Repeat(marker, 5000))})
	refused("an over-long key", err)

	// OAuth2 provider with a client secret (token endpoint: the embedded IdP).
	p := newIdPClient(t, cognitoClient(t, tg), "agents", "api", "read", "agent")
	_, err = c.CreateOauth2CredentialProvider(ctx, &ctl.CreateOauth2CredentialProviderInput{
		Name: aws.String("oauth"), CredentialProviderVendor: ctltypes.CredentialProviderVendorTypeCustomOauth2,
		Oauth2ProviderConfigInput: &ctltypes.Oauth2ProviderConfigInputMemberCustomOauth2ProviderConfig{Value: ctltypes.CustomOauth2ProviderConfigInput{
			OauthDiscovery: &ctltypes.Oauth2DiscoveryMemberDiscoveryUrl{Value: idp.DiscoveryURL("http://"+tg.addrs.Data, p.poolID)},
			ClientId:       aws.String(p.clientID), ClientSecret: aws.String(clientSecret),
		}},
	})
	must("CreateOauth2CredentialProvider", err)
	_, err = c.GetOauth2CredentialProvider(ctx, &ctl.GetOauth2CredentialProviderInput{Name: aws.String("oauth")})
	must("GetOauth2CredentialProvider", err)

	// An IAM access key: its secret is generated and shown once.
	_, err = admin.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("svc")})
	must("CreateUser", err)
	ak, err := admin.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("svc")})
	must("CreateAccessKey", err)
	akSecret := aws.ToString(ak.AccessKey.SecretAccessKey)
	_, err = admin.ListAccessKeys(ctx, &iamsdk.ListAccessKeysInput{UserName: aws.String("svc")})
	must("ListAccessKeys", err)

	// Rotate the vault key (re-seals every secret) and wait for it.
	os.MkdirAll(filepath.Join(dir, "cmk"), 0o700)
	var kk [32]byte
	rand.Read(kk[:])
	os.WriteFile(filepath.Join(dir, "cmk", "k1.key"), []byte(hex.EncodeToString(kk[:])), 0o600)
	_, err = c.SetTokenVaultCMK(ctx, &ctl.SetTokenVaultCMKInput{KmsConfiguration: &ctltypes.KmsConfiguration{
		KeyType: ctltypes.KeyTypeCustomerManagedKey, KmsKeyArn: aws.String("file:k1")}})
	must("SetTokenVaultCMK", err)

	// The Identity data plane hands the key to a workload (by design), and
	// refuses a user token made of the marker without echoing it.
	_, err = c.CreateWorkloadIdentity(ctx, &ctl.CreateWorkloadIdentityInput{Name: aws.String("agent")})
	must("CreateWorkloadIdentity", err)
	wat, err := d.GetWorkloadAccessToken(ctx, &dp.GetWorkloadAccessTokenInput{WorkloadName: aws.String("agent")})
	must("GetWorkloadAccessToken", err)
	got, err := d.GetResourceApiKey(ctx, &dp.GetResourceApiKeyInput{WorkloadIdentityToken: wat.WorkloadAccessToken, ResourceCredentialProviderName: aws.String("weather")})
	must("GetResourceApiKey", err)
	if aws.ToString(got.ApiKey) != apiKey2 {
		t.Fatalf("GetResourceApiKey after the rotation = %q", aws.ToString(got.ApiKey))
	}
	_, err = d.GetWorkloadAccessTokenForJWT(ctx, &dp.GetWorkloadAccessTokenForJWTInput{WorkloadName: aws.String("agent"), UserToken: aws.String(marker + "." + marker + "." + marker)})
	refused("a user token made of the marker", err)
	_, err = d.GetResourceApiKey(ctx, &dp.GetResourceApiKeyInput{WorkloadIdentityToken: aws.String(marker), ResourceCredentialProviderName: aws.String("weather")})
	refused("a workload token made of the marker", err)

	// Stop, so that the log and the audit trail are flushed. (Sealed
	// values are under the new or the old data key; neither is plaintext.)
	tg.stop()

	secrets := map[string]string{"API key": apiKey, "updated API key": apiKey2, "client secret": clientSecret,
		"marker": marker, "access-key secret": akSecret}
	check := func(where string, data []byte) {
		t.Helper()
		for name, s := range secrets {
			for _, form := range []string{s, hex.EncodeToString([]byte(s))} {
				if bytes.Contains(data, []byte(form)) {
					t.Errorf("%s contains the %s", where, name)
				}
			}
		}
	}

	// Responses: only GetResourceApiKey returns the key and CreateAccessKey
	// the secret (once).
	for _, r := range rec.resps {
		switch {
		case r.op == "POST /identities/api-key":
			continue
		case r.op == "POST /iam/" && bytes.Contains(r.body, []byte("CreateAccessKeyResponse")):
			continue
		}
		check("the response of "+r.op, r.body)
		for k, vs := range r.head {
			check("response header "+k+" of "+r.op, []byte(strings.Join(vs, " ")))
		}
	}
	check("the log", []byte(tg.logs.String()))
	check("the output", []byte(tg.out.String()))
	// Every file toolgate wrote: the SQLite database (with its WAL), the
	// audit trail, addresses, credentials.
	filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err == nil {
			check("file "+strings.TrimPrefix(path, dir), data)
		}
		return nil
	})
	if dsn != "" {
		checkPostgres(t, dsn, check)
	}
}

// checkPostgres runs check on every row of every table of the DSN's schema,
// as text (bytea as hex, which check also searches for).
func checkPostgres(t *testing.T, dsn string, check func(string, []byte)) {
	t.Helper()
	u, _ := url.Parse(dsn)
	schema := u.Query().Get("search_path")
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("found only tables %v in schema %s", tables, schema)
	}
	for _, table := range tables {
		rs, err := db.QueryContext(context.Background(), `SELECT t::text FROM `+schema+`.`+table+` t`)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		for rs.Next() {
			var row string
			rs.Scan(&row)
			check("PostgreSQL table "+table, []byte(row))
		}
		rs.Close()
	}
}
