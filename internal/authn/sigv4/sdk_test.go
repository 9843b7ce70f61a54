package sigv4_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/toolgate/toolgate/internal/authn/sigv4"
)

// seen is one request as the test control plane received it.
type seen struct {
	Method     string
	RequestURI string
	Body       string
	Identity   sigv4.Identity
}

// fakeControlPlane verifies every request the way toolgate's control plane
// will and answers with just enough JSON for the SDK to decode.
type fakeControlPlane struct {
	v    *sigv4.Verifier
	mu   sync.Mutex
	reqs []seen
}

func (f *fakeControlPlane) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, err := f.v.Verify(r)
	if err != nil {
		writeAWSError(w, err)
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, seen{Method: r.Method, RequestURI: r.RequestURI, Body: string(body), Identity: *id})
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-RequestId", "test-request")
	switch {
	case strings.HasPrefix(r.URL.Path, "/tags/"):
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet && r.URL.Path == "/gateways/":
		_, _ = io.WriteString(w, `{"items":[]}`)
	default:
		_, _ = io.WriteString(w, `{"gatewayId":"gw-abc"}`)
	}
}

func (f *fakeControlPlane) last(t *testing.T) seen {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		t.Fatal("the handler saw no verified request")
	}
	return f.reqs[len(f.reqs)-1]
}

func newClient(srv *httptest.Server, keyID, secret, token string) *bedrockagentcorecontrol.Client {
	return bedrockagentcorecontrol.New(bedrockagentcorecontrol.Options{
		Region:           testRegion,
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, secret, token),
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
	})
}

// TestRealSDKClient drives the real bedrockagentcorecontrol client against a
// server running the verifier: path labels with ARNs and odd characters,
// query strings, JSON bodies, each signed by the SDK's own middleware.
func TestRealSDKClient(t *testing.T) {
	cp := &fakeControlPlane{v: &sigv4.Verifier{Service: testService, Lookup: lookup}}
	srv := httptest.NewServer(cp)
	t.Cleanup(srv.Close)
	client := newClient(srv, testKeyID, testSecret, "")
	ctx := context.Background()
	const arn = "arn:aws:bedrock-agentcore:eu-central-1:123456789012:gateway/gw-abc"

	calls := []struct {
		name string
		call func() error
		want seen // Identity is checked separately
	}{
		{"ListGateways", func() error {
			_, err := client.ListGateways(ctx, &bedrockagentcorecontrol.ListGatewaysInput{MaxResults: aws.Int32(5), NextToken: aws.String("tok en+/=ü")})
			return err
		}, seen{Method: "GET", RequestURI: "/gateways/?maxResults=5&nextToken=tok%20en%2B%2F%3D%C3%BC"}},
		{"GetGateway", func() error {
			_, err := client.GetGateway(ctx, &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: aws.String("gw-abc")})
			return err
		}, seen{Method: "GET", RequestURI: "/gateways/gw-abc/"}},
		{"GetGateway odd label", func() error {
			_, err := client.GetGateway(ctx, &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: aws.String("a/b:c é+~")})
			return err
		}, seen{Method: "GET", RequestURI: "/gateways/a%2Fb%3Ac%20%C3%A9%2B~/"}},
		{"TagResource", func() error {
			_, err := client.TagResource(ctx, &bedrockagentcorecontrol.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"team": "tools"}})
			return err
		}, seen{Method: "POST", RequestURI: "/tags/arn%3Aaws%3Abedrock-agentcore%3Aeu-central-1%3A123456789012%3Agateway%2Fgw-abc", Body: `{"tags":{"team":"tools"}}`}},
		{"UntagResource", func() error {
			_, err := client.UntagResource(ctx, &bedrockagentcorecontrol.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team", "cost center"}})
			return err
		}, seen{Method: "DELETE", RequestURI: "/tags/arn%3Aaws%3Abedrock-agentcore%3Aeu-central-1%3A123456789012%3Agateway%2Fgw-abc?tagKeys=cost%20center&tagKeys=team"}},
		{"CreateGateway", func() error {
			_, err := client.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
				Name:           aws.String("gw-one"),
				RoleArn:        aws.String("arn:aws:iam::123456789012:role/gw"),
				ProtocolType:   types.GatewayProtocolTypeMcp,
				AuthorizerType: types.AuthorizerTypeNone,
				ClientToken:    aws.String("0123456789abcdef0123456789abcdef01"),
			})
			return err
		}, seen{Method: "POST", RequestURI: "/gateways/"}},
	}
	wantID := sigv4.Identity{AccessKeyID: testKeyID, Region: testRegion, Service: testService}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			got := cp.last(t)
			ignore := []cmp.Option{cmpopts.IgnoreFields(seen{}, "Identity")}
			if c.want.Body == "" {
				ignore = append(ignore, cmpopts.IgnoreFields(seen{}, "Body"))
			}
			if diff := cmp.Diff(c.want, got, ignore...); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantID, got.Identity, cmpopts.IgnoreFields(sigv4.Identity{}, "SignedAt")); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			if d := time.Since(got.Identity.SignedAt); d < -time.Minute || d > time.Minute {
				t.Errorf("SignedAt %v is not about now", got.Identity.SignedAt)
			}
		})
	}
	if got := cp.last(t); !strings.Contains(got.Body, `"name":"gw-one"`) {
		t.Errorf("CreateGateway body not seen by the handler: %q", got.Body)
	}
}

// TestRealSDKClientErrors checks that the SDK surfaces the verifier's
// failures as the AWS error codes and messages its users expect.
func TestRealSDKClientErrors(t *testing.T) {
	cp := &fakeControlPlane{v: &sigv4.Verifier{Service: testService, Lookup: lookup}}
	srv := httptest.NewServer(cp)
	t.Cleanup(srv.Close)

	cases := []struct {
		name                string
		keyID, secret, tok  string
		wantCode, wantMsgIn string
	}{
		{"wrong secret", testKeyID, "not-the-secret", "", sigv4.CodeInvalidSignature, "does not match the signature you provided"},
		{"unknown key", inactiveKey, testSecret, "", sigv4.CodeUnrecognizedClient, "The security token included in the request is invalid."},
		{"session token", testKeyID, testSecret, "FwoGZXIvYXdzEXAMPLE", sigv4.CodeUnrecognizedClient, "The security token included in the request is invalid."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			client := newClient(srv, c.keyID, c.secret, c.tok)
			_, err := client.GetGateway(context.Background(), &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: aws.String("gw-abc")})
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("GetGateway error = %v, want an API error", err)
			}
			if apiErr.ErrorCode() != c.wantCode || !strings.Contains(apiErr.ErrorMessage(), c.wantMsgIn) {
				t.Errorf("got %s %q, want %s containing %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), c.wantCode, c.wantMsgIn)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error reveals the secret: %v", err)
			}
		})
	}
}
