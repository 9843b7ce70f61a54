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
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
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
