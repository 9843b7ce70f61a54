package catalog_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/awsfake"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
)

// sigv4Upstream is an HTTP API that accepts only requests signed with
// credentials STS issued, and records who signed each one, for what scope.
type sigv4Upstream struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string // "service/region role session" or "refused: reason"
}

func newSigV4Upstream(t *testing.T, sts *awsfake.STS) *sigv4Upstream {
	u := &sigv4Upstream{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s, err := awsfake.Verify(r, body, sts.Keys(), time.Now())
		u.mu.Lock()
		defer u.mu.Unlock()
		if err != nil {
			u.seen = append(u.seen, "refused: "+err.Error())
			http.Error(w, `{"message":"`+err.Error()+`"}`, http.StatusForbidden)
			return
		}
		sess, _ := sts.SessionOf(s.Credentials.AccessKeyID)
		u.seen = append(u.seen, s.Service+"/"+s.Region+" "+sess.RoleArn+" "+sess.SessionName)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *sigv4Upstream) requests() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]string(nil), u.seen...)
}

func iamTargetDoc(name, payload, service, region string) []byte {
	ip := &agentcore.IamCredentialProvider{Service: &service}
	if region != "" {
		ip.Region = &region
	}
	raw, _ := json.Marshal(agentcore.UpdateGatewayTargetRequest{
		Name: &name,
		TargetConfiguration: &agentcore.TargetConfiguration{MCP: &agentcore.McpTargetConfiguration{
			OpenAPISchema: &agentcore.ApiSchemaConfiguration{InlinePayload: &payload},
		}},
		CredentialProviderConfigurations: []agentcore.CredentialProviderConfiguration{{
			CredentialProviderType: agentcore.CredentialProviderTypeGatewayIAMRole,
			CredentialProvider:     &agentcore.CredentialProvider{IAMCredentialProvider: ip},
		}},
	})
	return raw
}

func lambdaTargetDoc(name, fnArn string) []byte {
	raw, _ := json.Marshal(agentcore.UpdateGatewayTargetRequest{
		Name: &name,
		TargetConfiguration: &agentcore.TargetConfiguration{MCP: &agentcore.McpTargetConfiguration{
			Lambda: &agentcore.McpLambdaTargetConfiguration{LambdaArn: &fnArn, ToolSchema: &agentcore.ToolSchema{
				InlinePayload: []agentcore.ToolDefinition{{Name: ptr("echo"), Description: ptr("Echo the event"),
					InputSchema: &agentcore.SchemaDefinition{Type: agentcore.SchemaTypeObject}}},
			}},
		}},
		CredentialProviderConfigurations: []agentcore.CredentialProviderConfiguration{{CredentialProviderType: agentcore.CredentialProviderTypeGatewayIAMRole}},
	})
	return raw
}

// TestGatewayRoleTargets: GATEWAY_IAM_ROLE targets sign as the gateway's
// role, recompile when the role changes, and explain themselves when
// toolgate has no AWS configuration.
func TestGatewayRoleTargets(t *testing.T) {
	e := newEnv(t)
	base := aws.Credentials{AccessKeyID: "AKIABASEBASEBASE0001", SecretAccessKey: "base-secret-0123456789abcdefghijklmnopq"}
	sts := awsfake.NewSTS(t, testRegion, base)
	fns := awsfake.NewLambda(t, "eu-west-1", testAccount, sts.Keys())
	fnArn := fns.Add("echo", func(_ context.Context, event json.RawMessage, cc awsfake.ClientContext) (any, error) {
		return map[string]any{"event": event, "target": cc.Custom["bedrockAgentCoreTargetId"], "gateway": cc.Custom["bedrockAgentCoreGatewayId"]}, nil
	})
	up := newSigV4Upstream(t, sts)
	provider := awsiam.New(awsiam.Options{Region: testRegion, Static: base, Endpoints: map[string]string{"sts": sts.URL, "lambda": fns.URL}})
	withAWS := catalog.NewBuilder(catalog.BuildEnv{Store: e.store, Vault: e.vault, HTTPClient: up.srv.Client(), Logger: e.log, AWS: provider})

	e.createGateway("gw", baseGateway("gw"))
	e.createRawTarget("gw", "SIGNED0001", "signed", iamTargetDoc("signed", specDoc(up.srv.URL+"/api", "status"), "execute-api", "eu-west-2"))
	e.createRawTarget("gw", "SIGNED0002", "local", iamTargetDoc("local", specDoc(up.srv.URL+"/api", "status"), "bedrock-agentcore", ""))
	e.createRawTarget("gw", "LAMBDA0001", "fn", lambdaTargetDoc("fn", fnArn))
	e.createTarget("gw", "PLAIN00001", "plain", specDoc(e.up.URL("/p"), "get"), nil)

	snap := e.build(withAWS, nil)
	gw := mustGateway(t, snap, "gw")
	for _, name := range []string{"signed___status", "local___status"} {
		if res := e.call(mustTool(t, gw, name), true); res.IsError {
			t.Fatalf("%s: %s", name, resultText(res))
		}
	}
	res := e.call(mustTool(t, gw, "fn___echo"), true)
	if res.IsError || resultText(res) != `{"event":{},"gateway":"gw","target":"LAMBDA0001"}` {
		t.Fatalf("fn___echo: %s", resultText(res))
	}
	const role1 = "arn:aws:iam::" + testAccount + ":role/toolgate"
	want := []string{
		"execute-api/eu-west-2 " + role1 + " toolgate-gw",
		"bedrock-agentcore/" + testRegion + " " + role1 + " toolgate-gw", // region defaults to the gateway's
	}
	if diff := cmp.Diff(want, up.requests()); diff != "" {
		t.Fatalf("upstream saw (-want +got):\n%s", diff)
	}
	if inv := fns.Invocations(); len(inv) != 1 || inv[0].Region != "eu-west-1" {
		t.Fatalf("invocations %+v", inv)
	}

	// A new role: the targets are recompiled and sign as it.
	const role2 = "arn:aws:iam::" + testAccount + ":role/other"
	e.updateGateway("gw", func(c *agentcore.UpdateGatewayRequest) { c.RoleArn = ptr(role2) })
	before := mustTool(t, mustGateway(t, snap, "gw"), "plain___get")
	snap = e.build(withAWS, snap)
	if mustTool(t, mustGateway(t, snap, "gw"), "plain___get") != before {
		t.Error("a target that does not use the gateway role was recompiled when the role changed")
	}
	e.call(mustTool(t, mustGateway(t, snap, "gw"), "signed___status"), true)
	e.call(mustTool(t, mustGateway(t, snap, "gw"), "fn___echo"), true)
	if got := up.requests()[2]; got != "execute-api/eu-west-2 "+role2+" toolgate-gw" {
		t.Fatalf("after the role change the upstream saw %q", got)
	}
	inv := fns.Invocations()
	if sess, _ := sts.SessionOf(inv[len(inv)-1].AccessKeyID); sess.RoleArn != role2 {
		t.Fatalf("after the role change Lambda was invoked as %q", sess.RoleArn)
	}

	// Without an AWS configuration the tools are listed and fail clearly.
	noAWS := e.build(e.builder(nil), nil)
	res = e.call(mustTool(t, mustGateway(t, noAWS, "gw"), "signed___status"), true)
	if !res.IsError || !strings.Contains(resultText(res), "no AWS configuration") {
		t.Fatalf("signed tool without AWS: %s", resultText(res))
	}
	res = e.call(mustTool(t, mustGateway(t, noAWS, "gw"), "fn___echo"), false)
	if !res.IsError || !strings.Contains(resultText(res), "no AWS credentials") {
		t.Fatalf("lambda tool without AWS: %s", resultText(res))
	}
	if strings.Contains(e.logs.String(), base.SecretAccessKey) {
		t.Fatal("the base secret key is in the log")
	}
}
