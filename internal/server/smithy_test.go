package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/awsfake"
	"github.com/toolgate/toolgate/internal/config"
)

// smithyRequest is what the fake restJson1 weather service saw of a call.
type smithyRequest struct {
	Method, URI, Scope, Role string
	Header                   map[string]string
	Body                     string
}

// TestSmithyEndToEnd serves the restJson1 model of
// internal/target/smithy/testdata as a Smithy target, inline and from S3,
// and calls its operations through the MCP data plane: the requests reach
// a fake of the service, at the aws.endpoints override of its
// endpointPrefix, signed (SigV4, the model's signing name, the gateway's
// region) as the gateway's role.
func TestSmithyEndToEnd(t *testing.T) {
	ctx := context.Background()
	model, err := os.ReadFile("../target/smithy/testdata/weather.json")
	if err != nil {
		t.Fatal(err)
	}
	w := newGatewayRoleWorld(t)
	var (
		mu   sync.Mutex
		seen []smithyRequest
	)
	api := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s, err := awsfake.Verify(r, body, w.sts.Keys(), time.Now())
		if err != nil {
			rw.Header().Set("X-Amzn-ErrorType", "InvalidSignatureException")
			http.Error(rw, fmt.Sprintf(`{"message":%q}`, err.Error()), http.StatusForbidden)
			return
		}
		sess, _ := w.sts.SessionOf(s.Credentials.AccessKeyID)
		req := smithyRequest{Method: r.Method, URI: r.URL.RequestURI(), Scope: s.Service + "/" + s.Region, Role: sess.RoleArn, Body: string(body), Header: map[string]string{}}
		for _, h := range []string{"Content-Type", "X-Client-Token", "X-Labels", "X-Meta-Owner", "X-Requested-At"} {
			if v := r.Header.Get(h); v != "" {
				req.Header[h] = v
			}
		}
		mu.Lock()
		seen = append(seen, req)
		mu.Unlock()
		rw.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == "GET" && r.URL.Path == "/cities/Lisboa":
			fmt.Fprint(rw, `{"name":"Lisboa","coordinates":{"latitude":38.7,"longitude":-9.1}}`)
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/cities/"):
			rw.Header().Set("X-Amzn-ErrorType", "NoSuchResource:http://internal.amazon.com/coral/")
			rw.WriteHeader(http.StatusNotFound)
			fmt.Fprint(rw, `{"message":"no such city"}`)
		case r.Method == "POST" && r.URL.Path == "/cities/Lisboa/forecasts":
			rw.WriteHeader(http.StatusCreated)
			fmt.Fprint(rw, `{"forecastId":"f-1"}`)
		default:
			rw.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(rw, `{"__type":"example.weather#ValidationException","message":"unexpected request"}`)
		}
	}))
	t.Cleanup(api.Close)

	const bucket = "smithy-models"
	w.s3.CreateBucket(bucket, e2eAccount)
	w.s3.Put(bucket, "weather/model.json", model)
	base := w.configure(t)
	tg := startWith(t, t.TempDir(), func(c *config.Config) {
		base(c)
		c.AWS.Endpoints["weather"] = api.URL
	})

	gw, err := tg.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("smithy-gw"), RoleArn: aws.String(e2eRole), AuthorizerType: types.AuthorizerTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	role := []types.CredentialProviderConfiguration{{CredentialProviderType: types.CredentialProviderTypeGatewayIamRole}}
	inline, err := tg.control.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("weather"),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberSmithyModel{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: string(model)},
		}},
		CredentialProviderConfigurations: role,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tg.control.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("weathers3"),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberSmithyModel{
			Value: &types.ApiSchemaConfigurationMemberS3{Value: types.S3Configuration{Uri: aws.String("s3://" + bucket + "/weather/model.json")}},
		}},
		CredentialProviderConfigurations: role,
	}); err != nil {
		t.Fatal(err)
	}
	got, err := tg.control.GetGatewayTarget(ctx, &bedrockagentcorecontrol.GetGatewayTargetInput{GatewayIdentifier: gw.GatewayId, TargetId: inline.TargetId})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != types.TargetStatusReady || len(got.StatusReasons) != 2 || !strings.Contains(strings.Join(got.StatusReasons, "\n"), "example.weather#Legacy") {
		t.Errorf("inline Smithy target: status %s, reasons %q; want READY with the two left-out operations", got.Status, got.StatusReasons)
	}
	list, err := tg.control.ListGatewayTargets(ctx, &bedrockagentcorecontrol.ListGatewayTargetsInput{GatewayIdentifier: gw.GatewayId})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range list.Items {
		if it.TargetType != types.TargetTypeSmithyModel {
			t.Errorf("target %s has type %s, want SMITHY_MODEL", aws.ToString(it.Name), it.TargetType)
		}
	}

	// A model in another protocol is refused, naming the member.
	_, err = tg.control.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("dynamo"),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberSmithyModel{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: `{"smithy":"2.0","shapes":{"com.amazonaws.dynamodb#DynamoDB_20120810":{"type":"service","traits":{"aws.protocols#awsJson1_0":{}}}}}`},
		}},
		CredentialProviderConfigurations: role,
	})
	var ve *types.ValidationException
	if !errors.As(err, &ve) || !strings.Contains(aws.ToString(ve.Message), "only aws.protocols#restJson1") {
		t.Errorf("awsJson1_0 model: err = %v, want a ValidationException about restJson1", err)
	}

	cs := mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
	}
	want := []string{"weather___CreateForecast", "weather___GetCity", "weather___GetCurrentTime", "weather___ListCities", "weather___UploadReport",
		"weathers3___CreateForecast", "weathers3___GetCity", "weathers3___GetCurrentTime", "weathers3___ListCities", "weathers3___UploadReport"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("tools (-want +got):\n%s", diff)
	}

	call := func(name string, args map[string]any) (*mcp.CallToolResult, string) {
		t.Helper()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return res, res.Content[0].(*mcp.TextContent).Text
	}
	res, text := call("weather___GetCity", map[string]any{"cityId": "Lisboa", "units": "metric", "requestedAt": "2026-12-07T01:02:03Z"})
	if res.IsError || !strings.Contains(text, `"Lisboa"`) {
		t.Errorf("GetCity: isError %v, text %s", res.IsError, text)
	}
	if sc, _ := json.Marshal(res.StructuredContent); !strings.Contains(string(sc), `"latitude":38.7`) {
		t.Errorf("GetCity structuredContent = %s", sc)
	}
	res, text = call("weathers3___GetCity", map[string]any{"cityId": "Atlantis/Lost"})
	if !res.IsError || text != "HTTP 404 Not Found: NoSuchResource: no such city" {
		t.Errorf("GetCity of a missing city: isError %v, text %q", res.IsError, text)
	}
	res, text = call("weather___CreateForecast", map[string]any{
		"cityId": "Lisboa", "clientToken": "tok-1", "labels": []string{"a", "b"}, "metadata": map[string]string{"Owner": "ops"},
		"summary": "Sunny", "issuedAt": "2026-01-01T00:00:00Z", "days": []any{map[string]any{"date": "2026-01-02T00:00:00Z", "high": 18}},
	})
	if res.IsError || text != `{"forecastId":"f-1"}` {
		t.Errorf("CreateForecast: isError %v, text %s", res.IsError, text)
	}
	res, text = call("weather___CreateForecast", map[string]any{"cityId": "Lisboa"})
	if !res.IsError || !strings.Contains(text, `missing required argument "summary"`) {
		t.Errorf("CreateForecast without summary: isError %v, text %s", res.IsError, text)
	}

	mu.Lock()
	defer mu.Unlock()
	const scope, as = "weather/us-east-1", e2eRole
	wantSeen := []smithyRequest{
		{Method: "GET", URI: "/cities/Lisboa?units=metric", Scope: scope, Role: as, Header: map[string]string{"X-Requested-At": "Mon, 07 Dec 2026 01:02:03 GMT"}},
		{Method: "GET", URI: "/cities/Atlantis%2FLost", Scope: scope, Role: as, Header: map[string]string{}},
		{Method: "POST", URI: "/cities/Lisboa/forecasts?mode=create", Scope: scope, Role: as,
			Header: map[string]string{"Content-Type": "application/json", "X-Client-Token": "tok-1", "X-Labels": "a, b", "X-Meta-Owner": "ops"},
			Body:   `{"Summary":"Sunny","days":[{"High":18,"date":"2026-01-02T00:00:00Z"}],"issuedAt":1767225600}`},
	}
	if diff := cmp.Diff(wantSeen, seen); diff != "" {
		t.Errorf("requests the service received (-want +got):\n%s", diff)
	}
}

// TestSmithyOAuthEndToEnd serves a Smithy target with an OAUTH (client
// credentials) provider: calls carry the provider's bearer token, no SigV4
// signature, and go to the endpoint override of the model's endpointPrefix.
func TestSmithyOAuthEndToEnd(t *testing.T) {
	ctx := context.Background()
	model, err := os.ReadFile("../target/smithy/testdata/weather.json")
	if err != nil {
		t.Fatal(err)
	}
	idp := newGoIdP(t)
	var (
		mu   sync.Mutex
		seen []string
	)
	api := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s valid=%v date=%q", r.Method, r.URL.RequestURI(), idp.isValid(tok), r.Header.Get("X-Amz-Date")))
		mu.Unlock()
		if !idp.isValid(tok) {
			rw.Header().Set("X-Amzn-ErrorType", "UnauthorizedException")
			http.Error(rw, `{"message":"bad token"}`, http.StatusUnauthorized)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		fmt.Fprint(rw, `{"items":[{"name":"Lisboa"}]}`)
	}))
	t.Cleanup(api.Close)
	tg := startWith(t, t.TempDir(), func(c *config.Config) {
		c.AWS.Endpoints = map[string]string{"weather": api.URL}
	})
	prov, err := tg.control.CreateOauth2CredentialProvider(ctx, metadataProvider("weather-idp", idp.URL+"/token", oauthSecret))
	if err != nil {
		t.Fatal(err)
	}
	gw := openGateway(t, tg.control, "smithy-oauth-gw")
	if _, err := tg.control.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("weather"),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberSmithyModel{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: string(model)},
		}},
		CredentialProviderConfigurations: []types.CredentialProviderConfiguration{{
			CredentialProviderType: types.CredentialProviderTypeOauth,
			CredentialProvider: &types.CredentialProviderMemberOauthCredentialProvider{Value: types.OAuthCredentialProvider{
				ProviderArn: prov.CredentialProviderArn, Scopes: []string{"weather.read"}, GrantType: types.OAuthGrantTypeClientCredentials,
			}},
		}},
	}); err != nil {
		t.Fatal(err)
	}
	cs := mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___ListCities", Arguments: map[string]any{"pageSize": 5}})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError || resultText(res) != `{"items":[{"name":"Lisboa"}]}` {
		t.Errorf("ListCities: isError %v, %s", res.IsError, resultText(res))
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{`GET /cities?pageSize=5 valid=true date=""`}, seen); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
