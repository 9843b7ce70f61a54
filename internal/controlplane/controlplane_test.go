package controlplane

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/toolgate/toolgate/internal/address"
	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/store/sqlstore"
	"github.com/toolgate/toolgate/internal/vault"
)

const marker = "sk-CONTROLPLANE-MARKER-3141"

type fixture struct {
	srv    *httptest.Server
	st     store.Store
	sdk    *bedrockagentcorecontrol.Client
	creds  aws.Credentials
	writes int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "cp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	root := bytes.Repeat([]byte{7}, 32)
	v, err := vault.New(vault.KeyFromRoot(root))
	if err != nil {
		t.Fatal(err)
	}
	keys := &iam.Keyring{Store: st, Vault: v}
	_, id, secret, err := keys.CreateRoot(ctx, "123456789012")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, creds: aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}}
	f.srv = httptest.NewServer(New(Options{
		Store: st, Vault: v, Keys: keys, Region: "us-east-1", AccountID: "123456789012",
		GatewayURL: address.New("http://127.0.0.1:9", "").GatewayURL, AfterWrite: func(context.Context) { f.writes++ },
	}))
	t.Cleanup(f.srv.Close)
	f.sdk = bedrockagentcorecontrol.New(bedrockagentcorecontrol.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(f.srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
	})
	return f
}

// raw sends a SigV4-signed request with an arbitrary body, for the error
// shapes the SDK would refuse to serialise.
func (f *fixture) raw(t *testing.T, method, path, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), f.creds, req, hex.EncodeToString(sum[:]), "bedrock-agentcore", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("non-JSON body %q", data)
		}
	}
	return resp.StatusCode, resp.Header, out
}

func fieldNames(body map[string]any) []string {
	var names []string
	list, _ := body["fieldList"].([]any)
	for _, f := range list {
		names = append(names, f.(map[string]any)["name"].(string))
	}
	return names
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

const petstore = `{"openapi":"3.0.0","info":{"title":"p","version":"1"},"servers":[{"url":"http://127.0.0.1:9/v1"}],
"paths":{"/pets":{"get":{"operationId":"listPets","responses":{"200":{"description":"ok"}}}}}}`

func createGateway(t *testing.T, f *fixture, name string) *bedrockagentcorecontrol.CreateGatewayOutput {
	t.Helper()
	out, err := f.sdk.CreateGateway(context.Background(), &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestValidationErrorsNameTheField(t *testing.T) {
	f := newFixture(t)
	gw := createGateway(t, f, "val")
	tests := []struct {
		name, method, path, body string
		wantReason               string
		wantFields               []string
	}{
		{"unknown nested field", "POST", "/gateways/" + *gw.GatewayId + "/targets/",
			`{"name":"t","targetConfiguration":{"mcp":{"openApiSchema":{"inlinePayloadd":"x"}}}}`,
			"FieldValidationFailed", []string{"targetConfiguration.mcp.openApiSchema.inlinePayloadd"}},
		{"missing required members", "POST", "/gateways/", `{"name":"x"}`,
			"FieldValidationFailed", []string{"roleArn", "authorizerType"}},
		{"wrong type", "POST", "/gateways/",
			`{"name":"x","roleArn":"arn:aws:iam::123456789012:role/r","authorizerType":"NONE","protocolConfiguration":{"mcp":{"supportedVersions":5}}}`,
			"FieldValidationFailed", []string{"protocolConfiguration.mcp.supportedVersions"}},
		{"malformed JSON", "POST", "/gateways/", `{"name":`, "CannotParse", nil},
		{"CUSTOM_JWT without authorizer configuration", "POST", "/gateways/",
			`{"name":"x","roleArn":"arn:aws:iam::123456789012:role/r","authorizerType":"CUSTOM_JWT"}`,
			"FieldValidationFailed", []string{"authorizerConfiguration"}},
		{"bad discovery URL", "POST", "/gateways/",
			`{"name":"x","roleArn":"arn:aws:iam::123456789012:role/r","authorizerType":"CUSTOM_JWT","authorizerConfiguration":{"customJWTAuthorizer":{"discoveryUrl":"https://idp.example/jwks.json","allowedClients":["a"]}}}`,
			"FieldValidationFailed", []string{"authorizerConfiguration.customJWTAuthorizer.discoveryUrl"}},
		{"invalid OpenAPI document", "POST", "/gateways/" + *gw.GatewayId + "/targets/",
			`{"name":"t","targetConfiguration":{"mcp":{"openApiSchema":{"inlinePayload":"swagger: '2.0'"}}}}`,
			"FieldValidationFailed", []string{"targetConfiguration.mcp.openApiSchema.inlinePayload"}},
		{"credential provider that does not exist", "POST", "/gateways/" + *gw.GatewayId + "/targets/",
			`{"name":"t","targetConfiguration":{"mcp":{"openApiSchema":{"inlinePayload":` + jsonString(petstore) + `}}},
			  "credentialProviderConfigurations":[{"credentialProviderType":"API_KEY","credentialProvider":{"apiKeyCredentialProvider":{"providerArn":"arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/nope"}}}]}`,
			"FieldValidationFailed", []string{"credentialProviderConfigurations[0].credentialProvider.apiKeyCredentialProvider.providerArn"}},
		{"unsupported feature", "POST", "/gateways/",
			`{"name":"x","roleArn":"arn:aws:iam::123456789012:role/r","authorizerType":"NONE","policyEngineConfiguration":{"arn":"arn:aws:bedrock-agentcore:us-east-1:123456789012:policy-engine/pe-a1b2c3d4e5","mode":"ENFORCE"}}`,
			"FieldValidationFailed", []string{"policyEngineConfiguration"}},
		{"maxResults out of range", "GET", "/gateways/?maxResults=0", "", "FieldValidationFailed", []string{"maxResults"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := f.raw(t, tt.method, tt.path, tt.body)
			if status != 400 || h.Get("X-Amzn-ErrorType") != "ValidationException" {
				t.Fatalf("status %d type %q body %v", status, h.Get("X-Amzn-ErrorType"), body)
			}
			if body["reason"] != tt.wantReason || body["message"] == "" {
				t.Fatalf("body %v", body)
			}
			if h.Get("X-Amzn-Requestid") == "" {
				t.Fatal("no request id")
			}
			got := fieldNames(body)
			for _, want := range tt.wantFields {
				found := false
				for _, g := range got {
					found = found || g == want
				}
				if !found {
					t.Fatalf("fieldList %v does not name %s (message %v)", got, want, body["message"])
				}
			}
		})
	}
	// Nothing was half-written by the refused target creations.
	list, err := f.sdk.ListGatewayTargets(context.Background(), &bedrockagentcorecontrol.ListGatewayTargetsInput{GatewayIdentifier: gw.GatewayId})
	if err != nil || len(list.Items) != 0 {
		t.Fatalf("targets after refused creates: %v %+v", err, list)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestGatewayLifecycleAndIdempotency(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	in := &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("orders-gw"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"),
		AuthorizerType: types.AuthorizerTypeCustomJwt, ClientToken: aws.String("5d1c7a1e-0b7c-4c1e-9a59-3f3c2d5e8f10"),
		AuthorizerConfiguration: &types.AuthorizerConfigurationMemberCustomJWTAuthorizer{Value: types.CustomJWTAuthorizerConfiguration{
			DiscoveryUrl: aws.String("https://idp.example/.well-known/openid-configuration"), AllowedClients: []string{"abc"},
		}},
		Description: aws.String("first"),
		Tags:        map[string]string{"team": "sre"},
	}
	gw, err := f.sdk.CreateGateway(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if gw.GatewayArn == nil || *gw.GatewayArn != "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/"+*gw.GatewayId {
		t.Fatalf("ARN %v", aws.ToString(gw.GatewayArn))
	}
	// Same token, same request: the same gateway, nothing new.
	again, err := f.sdk.CreateGateway(ctx, in)
	if err != nil || *again.GatewayId != *gw.GatewayId {
		t.Fatalf("idempotent replay: %v %v", err, again)
	}
	// Same token, different request: refused.
	in.Description = aws.String("second")
	_, err = f.sdk.CreateGateway(ctx, in)
	var ve *types.ValidationException
	if !errors.As(err, &ve) || ve.Reason != types.ValidationExceptionReasonIdempotentParameterMismatchException {
		t.Fatalf("mismatched replay: %v", err)
	}
	// Duplicate name.
	in.ClientToken = aws.String("6d1c7a1e-0b7c-4c1e-9a59-3f3c2d5e8f10")
	if _, err = f.sdk.CreateGateway(ctx, in); code(err) != "ConflictException" {
		t.Fatalf("duplicate name: %v", err)
	}

	got, err := f.sdk.GetGateway(ctx, &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: gw.GatewayId})
	if err != nil {
		t.Fatal(err)
	}
	jwt := got.AuthorizerConfiguration.(*types.AuthorizerConfigurationMemberCustomJWTAuthorizer).Value
	if diff := cmp.Diff([]string{"abc"}, jwt.AllowedClients); diff != "" || aws.ToString(jwt.DiscoveryUrl) != "https://idp.example/.well-known/openid-configuration" {
		t.Fatalf("authorizer configuration not stored: %+v", jwt)
	}
	if !got.CreatedAt.Equal(*gw.CreatedAt) || len(got.StatusReasons) != 0 {
		t.Fatalf("get: %+v", got)
	}

	time.Sleep(2 * time.Millisecond)
	upd, err := f.sdk.UpdateGateway(ctx, &bedrockagentcorecontrol.UpdateGatewayInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("orders-gw"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"),
		AuthorizerType: types.AuthorizerTypeNone, Description: aws.String("updated"), ExceptionLevel: types.ExceptionLevelDebug,
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(upd.Description) != "updated" || upd.AuthorizerConfiguration != nil || !upd.UpdatedAt.After(*gw.UpdatedAt) || !upd.CreatedAt.Equal(*gw.CreatedAt) {
		t.Fatalf("update: %+v", upd)
	}

	del, err := f.sdk.DeleteGateway(ctx, &bedrockagentcorecontrol.DeleteGatewayInput{GatewayIdentifier: gw.GatewayId})
	if err != nil || del.Status != types.GatewayStatusDeleting {
		t.Fatalf("delete: %v %+v", err, del)
	}
	if _, err := f.sdk.GetGateway(ctx, &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: gw.GatewayId}); code(err) != "ResourceNotFoundException" {
		t.Fatalf("get after delete: %v", err)
	}
	if f.writes != 3 {
		t.Fatalf("AfterWrite ran %d times, want 3 (create, update, delete)", f.writes)
	}
}

func TestListGatewaysPaginates(t *testing.T) {
	f := newFixture(t)
	want := map[string]bool{}
	for _, n := range []string{"a1", "b2", "c3", "d4", "e5"} {
		want[*createGateway(t, f, n).GatewayId] = true
	}
	p := bedrockagentcorecontrol.NewListGatewaysPaginator(f.sdk, &bedrockagentcorecontrol.ListGatewaysInput{MaxResults: aws.Int32(2)})
	pages, seen := 0, map[string]bool{}
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, it := range page.Items {
			if seen[*it.GatewayId] {
				t.Fatalf("%s listed twice", *it.GatewayId)
			}
			seen[*it.GatewayId] = true
			if it.AuthorizerType != types.AuthorizerTypeNone || it.Status != types.GatewayStatusReady {
				t.Fatalf("summary %+v", it)
			}
		}
	}
	if pages != 3 || !cmp.Equal(want, seen) {
		t.Fatalf("%d pages, seen %v", pages, seen)
	}
	if _, err := f.sdk.ListGateways(context.Background(), &bedrockagentcorecontrol.ListGatewaysInput{NextToken: aws.String("garbage")}); code(err) != "ValidationException" {
		t.Fatalf("bad nextToken: %v", err)
	}
}

func TestTargetsAndAPIKeyProviders(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	gw := createGateway(t, f, "tg")
	prov, err := f.sdk.CreateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.CreateApiKeyCredentialProviderInput{
		Name: aws.String("pets-key"), ApiKey: aws.String(marker),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.sdk.CreateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.CreateApiKeyCredentialProviderInput{
		Name: aws.String("pets-key"), ApiKey: aws.String("other"),
	}); code(err) != "ConflictException" {
		t.Fatalf("duplicate provider: %v", err)
	}
	tgt, err := f.sdk.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("pets"), Description: aws.String("pet store"),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: petstore},
		}},
		CredentialProviderConfigurations: []types.CredentialProviderConfiguration{{
			CredentialProviderType: types.CredentialProviderTypeApiKey,
			CredentialProvider: &types.CredentialProviderMemberApiKeyCredentialProvider{Value: types.GatewayApiKeyCredentialProvider{
				ProviderArn: prov.CredentialProviderArn, CredentialLocation: types.ApiKeyCredentialLocationQueryParameter,
			}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(*tgt.TargetId) != 10 || tgt.Status != types.TargetStatusReady || *tgt.GatewayArn != *gw.GatewayArn {
		t.Fatalf("target %+v", tgt)
	}
	sync, err := f.sdk.SynchronizeGatewayTargets(ctx, &bedrockagentcorecontrol.SynchronizeGatewayTargetsInput{
		GatewayIdentifier: gw.GatewayId, TargetIdList: []string{*tgt.TargetId},
	})
	if err != nil || len(sync.Targets) != 1 || sync.Targets[0].LastSynchronizedAt == nil {
		t.Fatalf("synchronize: %v %+v", err, sync)
	}
	upd, err := f.sdk.UpdateGatewayTarget(ctx, &bedrockagentcorecontrol.UpdateGatewayTargetInput{
		GatewayIdentifier: gw.GatewayId, TargetId: tgt.TargetId, Name: aws.String("pets2"),
		TargetConfiguration: tgt.TargetConfiguration,
	})
	if err != nil || *upd.Name != "pets2" || len(upd.CredentialProviderConfigurations) != 0 {
		t.Fatalf("update target: %v %+v", err, upd)
	}
	if _, err := f.sdk.GetGatewayTarget(ctx, &bedrockagentcorecontrol.GetGatewayTargetInput{GatewayIdentifier: gw.GatewayId, TargetId: aws.String("NOPE000000")}); code(err) != "ResourceNotFoundException" {
		t.Fatalf("missing target: %v", err)
	}

	// The key never comes back, in any response.
	for _, path := range []string{"/identities/GetApiKeyCredentialProvider", "/identities/ListApiKeyCredentialProviders"} {
		body := `{"name":"pets-key"}`
		if strings.HasPrefix(path, "/identities/List") {
			body = `{}`
		}
		status, _, out := f.raw(t, "POST", path, body)
		data, _ := json.Marshal(out)
		if status != 200 || bytes.Contains(data, []byte(marker)) {
			t.Fatalf("%s: status %d, leaks=%v", path, status, bytes.Contains(data, []byte(marker)))
		}
	}
	if _, err := f.sdk.UpdateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.UpdateApiKeyCredentialProviderInput{Name: aws.String("pets-key"), ApiKey: aws.String("rotated")}); err != nil {
		t.Fatal(err)
	}
	status, _, _ := f.raw(t, "POST", "/identities/DeleteApiKeyCredentialProvider", `{"name":"pets-key"}`)
	if status != 204 {
		t.Fatalf("delete provider: %d", status)
	}
	if _, err := f.sdk.GetApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.GetApiKeyCredentialProviderInput{Name: aws.String("pets-key")}); code(err) != "ResourceNotFoundException" {
		t.Fatalf("get deleted provider: %v", err)
	}
	if _, err := f.sdk.DeleteGatewayTarget(ctx, &bedrockagentcorecontrol.DeleteGatewayTargetInput{GatewayIdentifier: gw.GatewayId, TargetId: tgt.TargetId}); err != nil {
		t.Fatal(err)
	}
}

func TestUnsupportedOperation(t *testing.T) {
	f := newFixture(t)
	_, err := f.sdk.CreatePolicyEngine(context.Background(), &bedrockagentcorecontrol.CreatePolicyEngineInput{Name: aws.String("pe")})
	if code(err) != "UnknownOperationException" || !strings.Contains(err.Error(), "not implement") {
		t.Fatalf("CreatePolicyEngine: %v", err)
	}
}

func TestCreateTargetIdempotency(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	gw := createGateway(t, f, "idem")
	in := &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("pets"), ClientToken: aws.String("0b7c4c1e-9a59-4c1e-9a59-3f3c2d5e8f10"),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: petstore},
		}},
	}
	first, err := f.sdk.CreateGatewayTarget(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.sdk.CreateGatewayTarget(ctx, in)
	if err != nil || *again.TargetId != *first.TargetId {
		t.Fatalf("replay: %v %+v", err, again)
	}
	in.Description = aws.String("changed")
	_, err = f.sdk.CreateGatewayTarget(ctx, in)
	var ve *types.ValidationException
	if !errors.As(err, &ve) || ve.Reason != types.ValidationExceptionReasonIdempotentParameterMismatchException {
		t.Fatalf("mismatched replay: %v", err)
	}
	// The same token is independent per gateway.
	other := createGateway(t, f, "idem2")
	in.GatewayIdentifier, in.Description = other.GatewayId, nil
	if _, err := f.sdk.CreateGatewayTarget(ctx, in); err != nil {
		t.Fatalf("same token in another gateway: %v", err)
	}
	list, err := f.sdk.ListGatewayTargets(ctx, &bedrockagentcorecontrol.ListGatewayTargetsInput{GatewayIdentifier: gw.GatewayId})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("targets after replays: %v %d", err, len(list.Items))
	}
}

func TestMountedServiceUsesItsSigningName(t *testing.T) {
	st, err := sqlstore.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "svc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, _ := vault.New(vault.KeyFromRoot(bytes.Repeat([]byte{9}, 32)))
	keys := &iam.Keyring{Store: st, Vault: v}
	_, id, secret, err := keys.CreateRoot(context.Background(), "123456789012")
	if err != nil {
		t.Fatal(err)
	}
	var seenPath, seenPrincipal string
	srv := httptest.NewServer(New(Options{Store: st, Vault: v, Keys: keys, Region: "us-east-1", AccountID: "123456789012",
		Services: []Service{{Prefix: "/cognito-idp/", SigningName: "cognito-idp", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seenPath = r.URL.Path
			p, _ := PrincipalFrom(r)
			seenPrincipal = p.Kind
			w.WriteHeader(200)
		}),
			Classify: func(r *http.Request, body []byte) (Operation, bool) {
				return Operation{Name: "Probe", Resource: "*"}, string(body) == `{}`
			},
			WriteError: func(w http.ResponseWriter, reqID string, status int, code, msg string) {
				w.Header().Set("X-Amzn-ErrorType", code)
				w.WriteHeader(status)
				io.WriteString(w, msg)
			},
		}}}))
	defer srv.Close()
	var lastError string
	sendAs := func(id, secret, service string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/cognito-idp/", strings.NewReader(`{}`))
		sum := sha256.Sum256([]byte(`{}`))
		v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lastError = resp.Header.Get("X-Amzn-ErrorType") + ": " + string(body)
		return resp.StatusCode
	}
	send := func(service string) int { return sendAs(id, secret, service) }
	if code := send("cognito-idp"); code != 200 || seenPath != "/" || seenPrincipal != "root" {
		t.Fatalf("cognito-idp signature: %d path %q principal %q", code, seenPath, seenPrincipal)
	}
	seenPath = ""
	if code := send("bedrock-agentcore"); code != 403 || seenPath != "" {
		t.Fatalf("signature for another service reached the handler: %d", code)
	}
	// A principal without policies is refused before the handler, in the
	// service's error encoding, naming the classified action.
	alice, err := st.CreatePrincipal(context.Background(), store.Principal{ID: "AIDAALICE", Name: "alice", Kind: store.PrincipalUser, ARN: "arn:aws:iam::123456789012:user/alice"})
	if err != nil {
		t.Fatal(err)
	}
	aliceID, aliceSecret, err := keys.CreateAccessKey(context.Background(), alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if code := sendAs(aliceID, aliceSecret, "cognito-idp"); code != 403 || seenPath != "" ||
		lastError != "AccessDeniedException: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: cognito-idp:Probe on resource: * because no identity-based policy allows the cognito-idp:Probe action" {
		t.Fatalf("unauthorised principal: %d %q (handler saw %q)", code, lastError, seenPath)
	}
}
