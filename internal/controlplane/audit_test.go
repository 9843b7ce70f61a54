package controlplane

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/toolgate/toolgate/internal/address"
	"github.com/toolgate/toolgate/internal/audit"
	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/store/sqlstore"
	"github.com/toolgate/toolgate/internal/vault"
)

// events collects what the control plane records.
type events struct {
	mu  sync.Mutex
	all []audit.Event
}

func (e *events) Record(ev audit.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

func (e *events) list() []audit.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]audit.Event(nil), e.all...)
}

// last returns the only event recorded since n events, failing unless
// exactly one was.
func (e *events) since(t *testing.T, n int) audit.Event {
	t.Helper()
	all := e.list()
	if len(all) != n+1 {
		t.Fatalf("%d events recorded for one request, want 1: %+v", len(all)-n, all[n:])
	}
	return all[n]
}

type auditFixture struct {
	srv         *httptest.Server
	st          store.Store
	keys        *iam.Keyring
	rec         *events
	root, alice aws.Credentials
	aliceID     string
}

const account = "123456789012"

// fakeQuery is a mounted AWS Query API (like IAM's) answering XML: Action
// CreateThing returns a secret, Action Fail fails.
func fakeQuery() Service {
	return Service{
		Prefix: "/q/", SigningName: "iam",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			w.Header().Set("Content-Type", "text/xml")
			w.Header().Set("X-Amzn-Requestid", "q-req-1")
			if form.Get("Action") == "Fail" {
				w.WriteHeader(409)
				io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>EntityAlreadyExists</Code><Message>thing exists</Message></Error><RequestId>q-req-1</RequestId></ErrorResponse>`)
				return
			}
			io.WriteString(w, `<?xml version="1.0"?><CreateThingResponse xmlns="x"><CreateThingResult><Thing><ThingName>`+form.Get("ThingName")+
				`</ThingName><SecretAccessKey>sk-QUERY-SECRET</SecretAccessKey><Tags><member><Key>a</Key><Value>1</Value></member><member><Key>b</Key><Value>2</Value></member></Tags></Thing></CreateThingResult><ResponseMetadata><RequestId>q-req-1</RequestId></ResponseMetadata></CreateThingResponse>`)
		}),
		Classify: func(r *http.Request, body []byte) (Operation, bool) {
			form, _ := url.ParseQuery(string(body))
			switch a := form.Get("Action"); a {
			case "CreateThing", "Fail":
				return Operation{Service: "iam", Name: a, Resource: "arn:aws:iam::" + account + ":user/" + form.Get("ThingName")}, true
			}
			return Operation{}, false
		},
		WriteError: func(w http.ResponseWriter, requestID string, status int, code, message string) {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(status)
			io.WriteString(w, `<ErrorResponse><Error><Code>`+code+`</Code><Message>`+message+`</Message></Error></ErrorResponse>`)
		},
	}
}

func newAuditFixture(t *testing.T) *auditFixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "cp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	v, err := vault.New(vault.KeyFromRoot(bytes.Repeat([]byte{9}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	keys := &iam.Keyring{Store: st, Vault: v}
	_, id, secret, err := keys.CreateRoot(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	alice, err := st.CreatePrincipal(ctx, store.Principal{
		ID: iam.NewPrincipalID(), Name: "alice", ARN: "arn:aws:iam::" + account + ":user/alice", Kind: store.PrincipalUser, Path: "/", CreatedAt: time.Now().UTC(),
	})
	if err != nil {
		t.Fatal(err)
	}
	aid, asecret, err := keys.CreateAccessKey(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	f := &auditFixture{st: st, keys: keys, rec: &events{},
		root:  aws.Credentials{AccessKeyID: id, SecretAccessKey: secret},
		alice: aws.Credentials{AccessKeyID: aid, SecretAccessKey: asecret}, aliceID: alice.ID}
	f.srv = httptest.NewServer(New(Options{
		Store: st, Vault: v, Keys: keys, Region: "us-east-1", AccountID: account,
		GatewayURL: address.New("http://127.0.0.1:9", "").GatewayURL,
		Services:   []Service{fakeQuery()},
		Audit:      f.rec,
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *auditFixture) sdk(c aws.Credentials) *bedrockagentcorecontrol.Client {
	return bedrockagentcorecontrol.New(bedrockagentcorecontrol.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(f.srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, ""),
	})
}

// signed sends a request signed for service.
func (f *auditFixture) signed(t *testing.T, c aws.Credentials, service, method, path, contentType, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "audit-test/1.0")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func eventJSON(t *testing.T, e audit.Event) string {
	t.Helper()
	b, err := json.Marshal(audit.Defaults{}.Prepare(e))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAuditControlPlaneSuccess(t *testing.T) {
	f := newAuditFixture(t)
	ctx := context.Background()
	n := len(f.rec.list())
	const marker = "sk-AUDIT-CP-MARKER-0042"
	if _, err := f.sdk(f.root).CreateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.CreateApiKeyCredentialProviderInput{
		Name: aws.String("weather"), ApiKey: aws.String(marker),
	}); err != nil {
		t.Fatal(err)
	}
	e := f.rec.since(t, n)
	if e.EventName != "CreateApiKeyCredentialProvider" || e.EventSource != "bedrock-agentcore.amazonaws.com" || e.ReadOnly || e.ErrorCode != "" {
		t.Errorf("event %s", eventJSON(t, e))
	}
	if strings.Contains(string(e.RequestParameters), marker) || strings.Contains(eventJSON(t, e), marker) {
		t.Fatalf("API key in the audit event: %s", eventJSON(t, e))
	}
	var params map[string]any
	json.Unmarshal(e.RequestParameters, &params)
	if params["name"] != "weather" || params["apiKey"] != audit.Hidden {
		t.Errorf("requestParameters %s", e.RequestParameters)
	}
	if !strings.Contains(string(e.ResponseElements), "credentialProviderArn") {
		t.Errorf("responseElements %s", e.ResponseElements)
	}

	n = len(f.rec.list())
	gw, err := f.sdk(f.root).CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("audited"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	e = f.rec.since(t, n)
	u := e.UserIdentity
	if u.Type != audit.IdentityRoot || u.AccessKeyID != f.root.AccessKeyID || u.ARN != "arn:aws:iam::"+account+":root" || u.AccountID != account || u.PrincipalID == "" {
		t.Errorf("userIdentity %+v", u)
	}
	if len(e.Resources) != 1 || e.Resources[0].ARN != aws.ToString(gw.GatewayArn) || e.Resources[0].Type != audit.ResourceGateway {
		t.Errorf("resources %+v, want the new gateway %s", e.Resources, aws.ToString(gw.GatewayArn))
	}
	if e.RequestID == "" || e.SourceIPAddress != "127.0.0.1" || e.AWSRegion != "us-east-1" || e.EventTime.IsZero() || !strings.Contains(e.UserAgent, "aws-sdk-go-v2") {
		t.Errorf("event %s", eventJSON(t, e))
	}

	// Reads record their parameters (path, query) but no response.
	n = len(f.rec.list())
	if _, err := f.sdk(f.root).GetGateway(ctx, &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: gw.GatewayId}); err != nil {
		t.Fatal(err)
	}
	e = f.rec.since(t, n)
	if e.EventName != "GetGateway" || !e.ReadOnly || e.ResponseElements != nil || !strings.Contains(string(e.RequestParameters), `"gatewayIdentifier":"`+aws.ToString(gw.GatewayId)+`"`) {
		t.Errorf("event %s", eventJSON(t, e))
	}
}

func TestAuditControlPlaneRefusals(t *testing.T) {
	f := newAuditFixture(t)
	ctx := context.Background()

	// Denied by policy: alice has none.
	n := len(f.rec.list())
	_, err := f.sdk(f.alice).CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("nope"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone,
	})
	if code(err) != "AccessDeniedException" {
		t.Fatalf("CreateGateway as alice: %v", err)
	}
	e := f.rec.since(t, n)
	if e.ErrorCode != "AccessDeniedException" || !strings.Contains(e.ErrorMessage, "bedrock-agentcore:CreateGateway") ||
		!strings.Contains(e.ErrorMessage, ":gateway/nope-") || e.EventName != "CreateGateway" {
		t.Errorf("denied event %s", eventJSON(t, e))
	}
	if u := e.UserIdentity; u.Type != audit.IdentityIAMUser || u.UserName != "alice" || u.AccessKeyID != f.alice.AccessKeyID || u.PrincipalID != f.aliceID {
		t.Errorf("userIdentity %+v", u)
	}
	if e.ResponseElements != nil || !strings.Contains(string(e.RequestParameters), `"name":"nope"`) {
		t.Errorf("denied event %s", eventJSON(t, e))
	}

	// Authentication failures: only the claimed key id, named by the route.
	for _, tc := range []struct {
		creds aws.Credentials
		code  string
	}{
		{aws.Credentials{AccessKeyID: "AKIAUNKNOWNUNKNOWN00", SecretAccessKey: "x"}, "UnrecognizedClientException"},
		{aws.Credentials{AccessKeyID: f.root.AccessKeyID, SecretAccessKey: strings.Repeat("y", 40)}, "InvalidSignatureException"},
	} {
		n = len(f.rec.list())
		_, err := f.sdk(tc.creds).DeleteGateway(ctx, &bedrockagentcorecontrol.DeleteGatewayInput{GatewayIdentifier: aws.String("gw-1")})
		if code(err) != tc.code {
			t.Fatalf("DeleteGateway: %v, want %s", err, tc.code)
		}
		e = f.rec.since(t, n)
		want := audit.UserIdentity{Type: audit.IdentityUnknown, AccessKeyID: tc.creds.AccessKeyID}
		if e.UserIdentity != want || e.ErrorCode != tc.code || e.EventName != "DeleteGateway" || e.ErrorMessage == "" || e.RequestParameters != nil {
			t.Errorf("%s: event %s", tc.code, eventJSON(t, e))
		}
	}
	n = len(f.rec.list())
	resp, err := http.Post(f.srv.URL+"/gateways/", "application/json", strings.NewReader(`{"name":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	e = f.rec.since(t, n)
	if e.ErrorCode != "MissingAuthenticationTokenException" || e.EventName != "CreateGateway" || e.UserIdentity.Type != audit.IdentityUnknown {
		t.Errorf("unsigned: %s", eventJSON(t, e))
	}

	// An operation toolgate does not implement.
	n = len(f.rec.list())
	f.signed(t, f.root, "bedrock-agentcore", "POST", "/identities/CreatePaymentCredentialProvider", "application/json", `{}`)
	e = f.rec.since(t, n)
	if e.EventName != "CreatePaymentCredentialProvider" || e.ErrorCode != "UnknownOperationException" {
		t.Errorf("unknown operation: %s", eventJSON(t, e))
	}

	// Health checks are not API calls.
	n = len(f.rec.list())
	if resp, err := http.Get(f.srv.URL + "/healthz"); err == nil {
		resp.Body.Close()
	}
	if got := len(f.rec.list()) - n; got != 0 {
		t.Errorf("/healthz recorded %d events", got)
	}
}

func TestAuditMountedQueryAPI(t *testing.T) {
	f := newAuditFixture(t)
	n := len(f.rec.list())
	resp := f.signed(t, f.root, "iam", "POST", "/q/", "application/x-www-form-urlencoded",
		"Action=CreateThing&Version=2010-05-08&ThingName=bob&Password=hunter2&PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%7D")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	e := f.rec.since(t, n)
	if e.EventSource != "iam.amazonaws.com" || e.EventName != "CreateThing" || e.RequestID != "q-req-1" || e.UserAgent != "audit-test/1.0" {
		t.Errorf("event %s", eventJSON(t, e))
	}
	var params map[string]any
	if err := json.Unmarshal(e.RequestParameters, &params); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"thingName": "bob", "password": audit.Hidden, "policyDocument": `{"Version":"2012-10-17"}`}
	if len(params) != len(want) {
		t.Errorf("requestParameters %s, want %v", e.RequestParameters, want)
	}
	for k, v := range want {
		if params[k] != v {
			t.Errorf("requestParameters.%s = %v, want %v", k, params[k], v)
		}
	}
	var out struct {
		Thing struct {
			ThingName, SecretAccessKey string
			Tags                       []map[string]string
		}
	}
	if err := json.Unmarshal(e.ResponseElements, &out); err != nil {
		t.Fatalf("responseElements %s: %v", e.ResponseElements, err)
	}
	if out.Thing.ThingName != "bob" || out.Thing.SecretAccessKey != audit.Hidden || len(out.Thing.Tags) != 2 || out.Thing.Tags[1]["value"] != "2" {
		t.Errorf("responseElements %s", e.ResponseElements)
	}
	if len(e.Resources) != 1 || e.Resources[0].Type != audit.ResourceIAMUser {
		t.Errorf("resources %+v", e.Resources)
	}

	// A failure of the service, and an authentication failure named by the form.
	n = len(f.rec.list())
	f.signed(t, f.root, "iam", "POST", "/q/", "application/x-www-form-urlencoded", "Action=Fail&Version=2010-05-08&ThingName=bob")
	e = f.rec.since(t, n)
	if e.ErrorCode != "EntityAlreadyExists" || e.ErrorMessage != "thing exists" || e.ResponseElements != nil {
		t.Errorf("event %s", eventJSON(t, e))
	}
	n = len(f.rec.list())
	f.signed(t, aws.Credentials{AccessKeyID: f.root.AccessKeyID, SecretAccessKey: "wrong"}, "iam", "POST", "/q/", "application/x-www-form-urlencoded", "Action=CreateThing&Version=2010-05-08&ThingName=eve")
	e = f.rec.since(t, n)
	if e.EventName != "CreateThing" || e.ErrorCode != "InvalidSignatureException" || e.EventSource != "iam.amazonaws.com" || e.RequestParameters != nil {
		t.Errorf("event %s", eventJSON(t, e))
	}
}
