package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
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
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/audit"
	"github.com/toolgate/toolgate/internal/config"
	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/idp"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/store/sqlstore"
	"github.com/toolgate/toolgate/internal/vault"
)

// extensionGet sends a GET to the extension API signed as creds.
func extensionGet(t testing.TB, ctx context.Context, tg *instance, creds aws.Credentials, path string, q url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+tg.addrs.Control+"/toolgate"+path+"?"+q.Encode(), nil)
	sum := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), ExtensionSigningName, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// queryAudit pages through GET /toolgate/audit/events.
func queryAudit(t *testing.T, tg *instance, q url.Values) []audit.Event {
	t.Helper()
	creds := rootCreds(t, tg.dir)
	var all []audit.Event
	for {
		resp := extensionGet(t, context.Background(), tg, creds, "/audit/events", q)
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("audit query %v: %d %s", q, resp.StatusCode, data)
		}
		var page auditEventsPage
		if err := json.Unmarshal(data, &page); err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Events...)
		if page.NextToken == "" {
			return all
		}
		q.Set("nextToken", page.NextToken)
	}
}

// auditFileEvents reads every event of the audit log and its rotated files.
func auditFileEvents(t *testing.T, dir string) (events []audit.Event, raw []byte, files int) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "audit"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, "audit", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files++
		raw = append(raw, data...)
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var ev audit.Event
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Fatalf("%s: line %q: %v", e.Name(), sc.Text(), err)
			}
			events = append(events, ev)
		}
	}
	return events, raw, files
}

// newPrincipal creates a user without policies directly in the store of a
// running instance, with an access key.
func newPrincipal(t *testing.T, tg *instance, name, account string) aws.Credentials {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(tg.dir, "toolgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	root, _, err := vault.LoadOrCreateKeyFile(filepath.Join(tg.dir, "vault.key"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(vault.KeyFromRoot(root))
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.CreatePrincipal(ctx, store.Principal{ID: iam.NewPrincipalID(), Name: name, Path: "/",
		ARN: "arn:aws:iam::" + account + ":user/" + name, Kind: store.PrincipalUser, CreatedAt: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	id, secret, err := (&iam.Keyring{Store: st, Vault: v}).CreateAccessKey(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
}

// TestAuditTrail drives both planes and checks the trail in the store (as
// `toolgate audit query` sees it) and in the file: tool calls with their
// details, a denied control-plane call with its reason, an inbound token
// refusal with its diagnosis, and no secret anywhere.
func TestAuditTrail(t *testing.T) {
	ctx := context.Background()
	tg := start(t, t.TempDir())
	up, _ := upstream(t)
	gw := weatherGateway(t, tg, "audited", up.URL)
	account := must(arn.Parse(aws.ToString(gw.GatewayArn))).Account

	// The embedded IdP: a client secret and a token that a gateway
	// requiring an audience refuses.
	cl := newIdPClient(t, cognitoClient(t, tg), "agents", "gw", "invoke", "agent")
	dataURL := "http://" + tg.addrs.Data
	jwtURL := jwtGateway(t, tg, "needs-aud", types.CustomJWTAuthorizerConfiguration{
		DiscoveryUrl: aws.String(idp.DiscoveryURL(dataURL, cl.poolID)), AllowedAudience: []string{"https://api.example"},
	}, up.URL)
	tok := cl.token(t, dataURL)
	if _, err := connectWith(jwtURL, tok); err == nil {
		t.Fatal("a token without aud was accepted by a gateway requiring one")
	}

	// Tool calls.
	cs := mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo", "days": 2}}); err != nil || res.IsError {
		t.Fatalf("call: %v %+v", err, res)
	}
	if _, err := cs.ListTools(ctx, nil); err != nil {
		t.Fatal(err)
	}

	// A principal without policies is refused CreateGateway.
	alice := newPrincipal(t, tg, "alice", account)
	asAlice := bedrockagentcorecontrol.New(bedrockagentcorecontrol.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://" + tg.addrs.Control), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(alice.AccessKeyID, alice.SecretAccessKey, ""),
	})
	_, err := asAlice.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("forbidden"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone,
	})
	if apiErrorCode(err) != "AccessDeniedException" {
		t.Fatalf("CreateGateway as alice: %v", err)
	}

	// The denied call, found by principal, event name and errors only.
	aliceARN := "arn:aws:iam::" + account + ":user/alice"
	denied := queryAudit(t, tg, url.Values{"principal": {aliceARN}, "event": {"CreateGateway"}, "errorsOnly": {"true"}, "since": {"10m"}})
	if len(denied) != 1 {
		t.Fatalf("denied calls found: %+v", denied)
	}
	if e := denied[0]; e.ErrorCode != "AccessDeniedException" || !strings.Contains(e.ErrorMessage, "bedrock-agentcore:CreateGateway") ||
		!strings.Contains(e.ErrorMessage, ":gateway/forbidden-") || e.UserIdentity.AccessKeyID != alice.AccessKeyID || e.UserIdentity.Type != audit.IdentityIAMUser {
		t.Errorf("denied event %+v", e)
	}

	// Tool calls by gateway.
	calls := queryAudit(t, tg, url.Values{"gateway": {aws.ToString(gw.GatewayId)}, "event": {"*Tool*"}})
	if len(calls) != 2 {
		t.Fatalf("tool events %+v", calls)
	}
	if d := calls[0].AdditionalEventData; calls[0].EventName != audit.EventCallTool || d.Gateway != aws.ToString(gw.GatewayId) ||
		d.Target != "weather" || d.Tool != "weather___getForecast" || d.Outcome != audit.OutcomeSuccess || d.LatencyMs <= 0 {
		t.Errorf("call event %+v %+v", calls[0], d)
	}
	if calls[1].EventName != audit.EventListTools || !calls[1].ReadOnly {
		t.Errorf("list event %+v", calls[1])
	}

	// The refused token: its diagnosis, not the token.
	refused := queryAudit(t, tg, url.Values{"event": {"InvokeGateway"}, "errorsOnly": {"true"}})
	if len(refused) != 1 {
		t.Fatalf("refusals %+v", refused)
	}
	if e := refused[0]; e.ErrorCode != "invalid_token" || !strings.Contains(e.ErrorMessage, "aud") || e.AdditionalEventData.Outcome != audit.OutcomeAuthFailed {
		t.Errorf("refusal %+v", e)
	}

	// Every kind of control-plane call is there, from each API.
	all := queryAudit(t, tg, url.Values{"limit": {"7"}})
	sources := map[string]bool{}
	for _, e := range all {
		sources[e.EventSource] = true
	}
	for _, s := range []string{"bedrock-agentcore.amazonaws.com", "cognito-idp.amazonaws.com", "toolgate", "gateway.toolgate"} {
		if !sources[s] {
			t.Errorf("no event from %s", s)
		}
	}
	allJSON, _ := json.Marshal(all)

	tg.stop()
	fileEvents, raw, _ := auditFileEvents(t, tg.dir)
	if len(fileEvents) < len(all) {
		t.Errorf("%d events in the file, %d in the store", len(fileEvents), len(all))
	}
	db, err := os.ReadFile(filepath.Join(tg.dir, "toolgate.db"))
	if err != nil {
		t.Fatalf("read the database to check it for secrets: %v", err)
	}
	wal, _ := os.ReadFile(filepath.Join(tg.dir, "toolgate.db-wal"))
	for name, secret := range map[string]string{"API key": secretMarker, "client secret": cl.secret, "token": tok, "alice's secret key": alice.SecretAccessKey} {
		for where, data := range map[string][]byte{"audit store": allJSON, "audit file": raw, "database": db, "database WAL": wal} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s found in the %s", name, where)
			}
		}
	}
	if !bytes.Contains(raw, []byte(`"apiKey":"HIDDEN_DUE_TO_SECURITY_REASONS"`)) || !bytes.Contains(raw, []byte(`"ClientSecret":"HIDDEN_DUE_TO_SECURITY_REASONS"`)) {
		t.Error("the file does not show the redacted apiKey and ClientSecret")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestAuditFileRotationUnderLoad: concurrent calls while the file rotates
// every few kilobytes; every call's event is in exactly one file.
func TestAuditFileRotationUnderLoad(t *testing.T) {
	tg := startWith(t, t.TempDir(), func(c *config.Config) { c.Audit.MaxFileBytes = 4096; c.Audit.MaxFiles = -1 })
	const workers, each = 4, 50
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := tg.control.ListGateways(context.Background(), &bedrockagentcorecontrol.ListGatewaysInput{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	tg.stop() // flushes the recorder
	events, _, files := auditFileEvents(t, tg.dir)
	if files < 5 {
		t.Errorf("%d files: the log did not rotate", files)
	}
	seen := map[string]bool{}
	for _, e := range events {
		if e.EventName == audit.EventAuditEventsDropped {
			t.Errorf("events dropped: %+v", e)
		}
		if e.EventName != "ListGateways" {
			continue
		}
		if seen[e.RequestID] {
			t.Errorf("request %s recorded twice", e.RequestID)
		}
		seen[e.RequestID] = true
	}
	if len(seen) != workers*each {
		t.Fatalf("%d ListGateways events in %d files, want %d", len(seen), files, workers*each)
	}
}

// TestAuditTail follows live events over GET /toolgate/audit/tail.
func TestAuditTail(t *testing.T) {
	tg := start(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp := extensionGet(t, ctx, tg, rootCreds(t, tg.dir), "/audit/tail", url.Values{"event": {"*Gateway"}})
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("tail: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if sc.Text() != "" {
				lines <- sc.Text()
			}
		}
		close(lines)
	}()
	for i := range 3 {
		if _, err := tg.control.ListGatewayTargets(ctx, &bedrockagentcorecontrol.ListGatewayTargetsInput{GatewayIdentifier: aws.String(fmt.Sprint("gw-", i))}); apiErrorCode(err) != "ResourceNotFoundException" {
			t.Fatal(err)
		}
		if _, err := tg.control.GetGateway(ctx, &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: aws.String(fmt.Sprint("gw-", i))}); apiErrorCode(err) != "ResourceNotFoundException" {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("tail ended")
			}
			var e audit.Event
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatal(err)
			}
			if e.EventName != "GetGateway" || e.ErrorCode != "ResourceNotFoundException" || !strings.Contains(string(e.RequestParameters), fmt.Sprint("gw-", i)) {
				t.Errorf("tail event %d: %s", i, line)
			}
		case <-ctx.Done():
			t.Fatal("no event streamed")
		}
	}
	// Stopping the server ends the stream.
	tg.stop()
	for range lines {
	}
}

// TestAuditAWSIAMGateway: calls to an AWS_IAM gateway record the SigV4
// principal; a principal whose policies do not allow InvokeGateway is
// recorded as denied, naming the action and the gateway.
func TestAuditAWSIAMGateway(t *testing.T) {
	ctx := context.Background()
	tg := start(t, t.TempDir())
	up, _ := upstream(t)
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
	root := rootCreds(t, tg.dir)
	c := mcp.NewClient(&mcp.Implementation{Name: "iam", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: aws.ToString(gw.GatewayUrl), HTTPClient: &http.Client{Transport: sigv4RT{root}}}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo"}}); err != nil {
		t.Fatal(err)
	}
	cs.Close()
	account := must(arn.Parse(aws.ToString(gw.GatewayArn))).Account
	alice := newPrincipal(t, tg, "alice", account)
	if _, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: aws.ToString(gw.GatewayUrl), HTTPClient: &http.Client{Transport: sigv4RT{alice}}}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"}); err == nil {
		t.Fatal("alice may invoke without a policy")
	}

	calls := queryAudit(t, tg, url.Values{"event": {"CallTool"}})
	if len(calls) != 1 {
		t.Fatalf("calls %+v", calls)
	}
	if u := calls[0].UserIdentity; u.Type != audit.IdentityRoot || u.ARN != "arn:aws:iam::"+account+":root" || u.AccessKeyID != root.AccessKeyID || u.Sub != "" {
		t.Errorf("caller %+v", u)
	}
	denied := queryAudit(t, tg, url.Values{"event": {"InvokeGateway"}, "gateway": {aws.ToString(gw.GatewayArn)}})
	if len(denied) != 1 {
		t.Fatalf("refusals %+v", denied)
	}
	if e := denied[0]; e.ErrorCode != "AccessDeniedException" || e.AdditionalEventData.Outcome != audit.OutcomeDenied ||
		!strings.Contains(e.ErrorMessage, "bedrock-agentcore:InvokeGateway on resource: "+aws.ToString(gw.GatewayArn)) {
		t.Errorf("denial %+v", e)
	}
}
