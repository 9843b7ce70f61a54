package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/smithy-go"
	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/audit"
	"github.com/toolgate/toolgate/internal/cli"
	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/store/sqlstore"
	"github.com/toolgate/toolgate/internal/vault"
)

// createUser adds a principal without policies, with an access key,
// directly in the store of the toolgate serving dir.
func createUser(t *testing.T, dir, name, account string) (arnStr string, creds aws.Credentials) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(dir, "toolgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	root, _, err := vault.LoadOrCreateKeyFile(filepath.Join(dir, "vault.key"))
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
	return p.ARN, aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
}

func jsonLines(t *testing.T, r result) []audit.Event {
	t.Helper()
	var out []audit.Event
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if line == "" {
			continue
		}
		var e audit.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not a JSON line %q: %v\n%s", line, err, r)
		}
		out = append(out, e)
	}
	return out
}

// TestAuditQuery: a call the caller's policies refuse is found by
// `toolgate audit query`, with the reason.
func TestAuditQuery(t *testing.T) {
	dir := t.TempDir()
	tg := serve(t, dir)
	tr := &transcript{}
	var gw struct{ GatewayArn string }
	decodeJSON(t, mustRun(t, tr, "gateway", "create", "--data-dir", dir, "--name", "first"), &gw)
	account := func() string { a, _ := arn.Parse(gw.GatewayArn); return a.Account }()
	aliceARN, alice := createUser(t, dir, "alice", account)

	sdk := bedrockagentcorecontrol.New(bedrockagentcorecontrol.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://" + tg.addrs.Control), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(alice.AccessKeyID, alice.SecretAccessKey, ""),
	})
	_, err := sdk.CreateGateway(context.Background(), &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("sneaky"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone,
	})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Fatalf("CreateGateway as alice: %v", err)
	}

	r := mustRun(t, tr, "audit", "query", "--data-dir", dir, "--errors", "--event", "CreateGateway", "--json")
	events := jsonLines(t, r)
	if len(events) != 1 {
		t.Fatalf("%d denied CreateGateway events:\n%s", len(events), r)
	}
	e := events[0]
	if e.ErrorCode != "AccessDeniedException" || e.UserIdentity.ARN != aliceARN || e.UserIdentity.AccessKeyID != alice.AccessKeyID ||
		!strings.Contains(e.ErrorMessage, "not authorized to perform: bedrock-agentcore:CreateGateway on resource: arn:aws:bedrock-agentcore:") {
		t.Errorf("denied event %+v", e)
	}

	// The table names the call, the caller and the reason.
	r = mustRun(t, tr, "audit", "query", "--data-dir", dir, "--principal", aliceARN, "--since", "10m")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "TIME") {
		t.Fatalf("table:\n%s", r)
	}
	for _, want := range []string{"CreateGateway", aliceARN, "AccessDeniedException", "not authorized to perform: bedrock-agentcore:CreateGateway"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("table row lacks %q:\n%s", want, r)
		}
	}

	// Paging: every event, in order, whatever the page size; --limit caps.
	all := jsonLines(t, mustRun(t, tr, "audit", "query", "--data-dir", dir, "--json"))
	if len(all) < 3 {
		t.Fatalf("%d events in all", len(all))
	}
	capped := jsonLines(t, mustRun(t, tr, "audit", "query", "--data-dir", dir, "--json", "--limit", "2"))
	if len(capped) != 2 || capped[0].EventID != all[0].EventID || capped[1].EventID != all[1].EventID {
		t.Errorf("--limit 2 gave %d events", len(capped))
	}
	if got := jsonLines(t, mustRun(t, tr, "audit", "query", "--data-dir", dir, "--json", "--since", "3h", "--until", "2h")); len(got) != 0 {
		t.Errorf("--until 2h ago found %d events", len(got))
	}
	mustFail(t, tr, []string{"--since", "neither an RFC 3339 time"}, "audit", "query", "--data-dir", dir, "--since", "yesterday")
	tr.assertNeverPrinted(t, alice.SecretAccessKey)
}

// TestAuditTail: `toolgate audit tail` prints live events until
// interrupted, filtered by --event.
func TestAuditTail(t *testing.T) {
	dir := t.TempDir()
	serve(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, []string{"audit", "tail", "--data-dir", dir, "--event", "ListGateways"}, stdout, stderr)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(stdout.String(), "ListGateways") {
		if time.Now().After(deadline) {
			t.Fatalf("no event tailed\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
		}
		mustRun(t, nil, "gateway", "list", "--data-dir", dir)
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 || stderr.String() != "" {
			t.Fatalf("tail exited %d\nstderr:\n%s", code, stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("tail did not stop when interrupted")
	}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || f[1] != "ListGateways" || !strings.HasSuffix(f[2], ":root") || f[3] != "OK" {
			t.Errorf("tail line %q", line)
		}
	}
}
