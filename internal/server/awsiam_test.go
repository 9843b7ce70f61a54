package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// sigv4RT signs every request with the AWS SDK's own signer, as an agent
// using IAM credentials does.
type sigv4RT struct{ creds aws.Credentials }

func (s sigv4RT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(r.Context(), s.creds, r, hex.EncodeToString(sum[:]), "bedrock-agentcore", "us-east-1", time.Now()); err != nil {
		return nil, err
	}
	return http.DefaultTransport.RoundTrip(r)
}

func rootCreds(t *testing.T, dir string) aws.Credentials {
	data, err := os.ReadFile(filepath.Join(dir, "credentials"))
	if err != nil {
		t.Fatal(err)
	}
	var c aws.Credentials
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, " = "); ok {
			switch k {
			case "aws_access_key_id":
				c.AccessKeyID = v
			case "aws_secret_access_key":
				c.SecretAccessKey = v
			}
		}
	}
	return c
}

func TestAWSIAMGateway(t *testing.T) {
	ctx := context.Background()
	tg := start(t, t.TempDir())
	up, seen := upstream(t)
	gw, err := tg.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("iam-gw"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeAwsIam,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tg.control.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("weather"),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: weatherSpec(t, strings.TrimPrefix(up.URL, "http://"))},
		}},
	}); err != nil {
		t.Fatal(err)
	}
	url := aws.ToString(gw.GatewayUrl)
	creds := rootCreds(t, tg.dir)

	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		c := mcp.NewClient(&mcp.Implementation{Name: "iam", Version: "1"}, nil)
		cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: sigv4RT{creds}}}, &mcp.ClientSessionOptions{ProtocolVersion: version})
		if err != nil {
			t.Fatalf("%s: SigV4-signed connect: %v\n%s", version, err, tg.logs)
		}
		if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo"}}); err != nil {
			t.Fatal(err)
		}
		cs.Close()
	}
	if len(*seen) != 2 {
		t.Fatalf("upstream calls %v", *seen)
	}
	for _, tc := range []struct {
		name   string
		client *http.Client
		code   string
	}{
		{"unsigned", http.DefaultClient, "MissingAuthenticationTokenException"},
		{"wrong secret", &http.Client{Transport: sigv4RT{aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: strings.Repeat("x", 40)}}}, "InvalidSignatureException"},
		{"unknown key", &http.Client{Transport: sigv4RT{aws.Credentials{AccessKeyID: "AKIAAAAAAAAAAAAAAAAA", SecretAccessKey: "s"}}}, "UnrecognizedClientException"},
	} {
		req, _ := http.NewRequest("POST", url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := tc.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != tc.code {
			t.Errorf("%s: %d %s, want 403 %s", tc.name, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), tc.code)
		}
	}
	if strings.Contains(tg.logs.String(), creds.SecretAccessKey) {
		t.Fatal("secret access key in the log")
	}
}

// TestAWSIAMGatewayPolicies: on an AWS_IAM gateway, a signed MCP request is
// authorised as bedrock-agentcore:InvokeGateway on the gateway's ARN by the
// caller's policies, with aws:ResourceTag conditions on the gateway's tags.
func TestAWSIAMGatewayPolicies(t *testing.T) {
	ctx := context.Background()
	tg := start(t, t.TempDir())
	up, seen := upstream(t)
	root := rootCreds(t, tg.dir)
	admin := iamClient(tg, root)
	mkGateway := func(name, team string) *bedrockagentcorecontrol.CreateGatewayOutput {
		gw, err := tg.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
			Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"),
			AuthorizerType: types.AuthorizerTypeAwsIam, Tags: map[string]string{"team": team},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tg.control.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
			GatewayIdentifier: gw.GatewayId, Name: aws.String("weather"),
			TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
				Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: weatherSpec(t, strings.TrimPrefix(up.URL, "http://"))},
			}},
		}); err != nil {
			t.Fatal(err)
		}
		return gw
	}
	sre := mkGateway("sre-gw", "sre")
	billing := mkGateway("billing-gw", "billing")

	// alice may invoke gateways tagged team=sre; bob has no policy; carol
	// may invoke everything except billing-gw (explicit deny wins).
	alice := newIAMUser(t, admin, "alice", "")
	if _, err := admin.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("invoke-sre"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock-agentcore:InvokeGateway",
		"Resource":"arn:aws:bedrock-agentcore:*:*:gateway/*","Condition":{"StringEquals":{"aws:ResourceTag/team":"sre"}}}]}`)}); err != nil {
		t.Fatal(err)
	}
	bob := newIAMUser(t, admin, "bob", "")
	carol := newIAMUser(t, admin, "carol", "AgentCoreFullAccess")
	if _, err := admin.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("carol"), PolicyName: aws.String("no-billing"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"bedrock-agentcore:Invoke*","Resource":"` + aws.ToString(billing.GatewayArn) + `"}}`)}); err != nil {
		t.Fatal(err)
	}

	call := func(creds aws.Credentials, gw *bedrockagentcorecontrol.CreateGatewayOutput) (int, string, string) {
		req, _ := http.NewRequest("POST", aws.ToString(gw.GatewayUrl), strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("MCP-Protocol-Version", "2026-07-28")
		resp, err := (&http.Client{Transport: sigv4RT{creds}}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), string(body)
	}
	for _, tc := range []struct {
		who     string
		creds   aws.Credentials
		gw      *bedrockagentcorecontrol.CreateGatewayOutput
		allowed bool
		because string
	}{
		{"alice", alice, sre, true, ""},
		{"alice", alice, billing, false, "because no identity-based policy allows the bedrock-agentcore:InvokeGateway action"},
		{"bob", bob, sre, false, "because no identity-based policy allows"},
		{"carol", carol, sre, true, ""},
		{"carol", carol, billing, false, "with an explicit deny in an identity-based policy"},
		{"root", root, billing, true, ""},
	} {
		if tc.allowed {
			c := mcp.NewClient(&mcp.Implementation{Name: "iam", Version: "1"}, nil)
			cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: aws.ToString(tc.gw.GatewayUrl), HTTPClient: &http.Client{Transport: sigv4RT{tc.creds}}}, nil)
			if err != nil {
				t.Errorf("%s on %s: %v", tc.who, aws.ToString(tc.gw.GatewayId), err)
				continue
			}
			res, err := cs.ListTools(ctx, nil)
			if err != nil || !slices.ContainsFunc(res.Tools, func(t *mcp.Tool) bool { return t.Name == "weather___getForecast" }) {
				t.Errorf("%s on %s: tools/list %v %+v", tc.who, aws.ToString(tc.gw.GatewayId), err, res)
			}
			cs.Close()
			continue
		}
		code, errType, body := call(tc.creds, tc.gw)
		want := "is not authorized to perform: bedrock-agentcore:InvokeGateway on resource: " + aws.ToString(tc.gw.GatewayArn)
		if code != 403 || errType != "AccessDeniedException" || !strings.Contains(body, want) || !strings.Contains(body, tc.because) {
			t.Errorf("%s on %s: %d %s %s; want 403 AccessDeniedException %q %q", tc.who, aws.ToString(tc.gw.GatewayId), code, errType, body, want, tc.because)
		}
		if strings.Contains(body, "Deny") || strings.Contains(body, "ResourceTag") {
			t.Errorf("%s: the refusal leaks policy text: %s", tc.who, body)
		}
	}

	// Detaching takes effect at once: the policy cache follows the store.
	if _, err := admin.DeleteUserPolicy(ctx, &iamsdk.DeleteUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("invoke-sre")}); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := call(alice, sre); code != 403 {
		t.Errorf("alice after her policy was deleted: %d, want 403", code)
	}
	// The go-sdk MCP client, signing with carol's key, lists and calls.
	c := mcp.NewClient(&mcp.Implementation{Name: "iam", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: aws.ToString(sre.GatewayUrl), HTTPClient: &http.Client{Transport: sigv4RT{carol}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	before := len(*seen)
	// The target has no API key: the upstream refuses, but the call went
	// through the gateway to it.
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo"}}); err != nil || len(*seen) != before+1 {
		t.Fatalf("carol's call: %v; upstream saw %d new requests", err, len(*seen)-before)
	}
}
