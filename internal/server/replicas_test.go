package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/config"
)

// The multi-replica tests run against the PostgreSQL server CI provides on
// this machine (TOOLGATE_TEST_POSTGRES_DSN points them elsewhere). They
// skip when it cannot be reached, unless TOOLGATE_REQUIRE_POSTGRES=1 (CI).
func postgresSchemaDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TOOLGATE_TEST_POSTGRES_DSN")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		u, _ := url.Parse(base)
		where := "(unparsable DSN)"
		if u != nil {
			where = u.Redacted()
		}
		if os.Getenv("TOOLGATE_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL is required (TOOLGATE_REQUIRE_POSTGRES=1) but not reachable at %s: %v", where, err)
		}
		t.Skipf("PostgreSQL not reachable at %s (set TOOLGATE_REQUIRE_POSTGRES=1 to fail instead): %v", where, err)
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	schema := "toolgate_replicas_" + hex.EncodeToString(rnd[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	// Registered first, so it runs after the replicas (registered later)
	// have stopped.
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// cluster is several toolgate replicas sharing one schema and one vault
// key, each with its own data directory and its data plane behind a TCP
// proxy that the test can cut (a crash, as clients see it).
type cluster struct {
	dsn      string // the store, a fresh schema
	keyFile  string // the vault root key every replica shares
	replicas []*instance
	proxies  []*tcpProxy
}

func startCluster(t testing.TB, n int, edits ...func(*config.Config)) *cluster {
	t.Helper()
	dsn := postgresSchemaDSN(t)
	keyFile := filepath.Join(t.TempDir(), "shared", "vault.key")
	c := &cluster{dsn: dsn, keyFile: keyFile}
	for range n {
		c.add(t, func(cfg *config.Config) {
			cfg.VaultKeyFile = keyFile
			for _, edit := range edits {
				edit(cfg)
			}
		})
	}
	return c
}

// add starts one more replica on the cluster's store; edit sets its vault
// key source.
func (c *cluster) add(t testing.TB, edit func(*config.Config)) *instance {
	t.Helper()
	dir := t.TempDir()
	if len(c.replicas) > 0 {
		// The first replica created the root credentials; the others
		// create none, so give their SDK clients a copy.
		creds, err := os.ReadFile(filepath.Join(c.replicas[0].dir, "credentials"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "credentials"), creds, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	inst := startWith(t, dir, func(cfg *config.Config) {
		cfg.Store, cfg.LogLevel = c.dsn, "info"
		edit(cfg)
	})
	c.replicas = append(c.replicas, inst)
	c.proxies = append(c.proxies, newTCPProxy(t, inst.addrs.Data))
	return inst
}

// dataHost is where clients reach replica i's data plane.
func (c *cluster) dataHost(i int) string { return c.proxies[i].addr() }

// kill cuts replica i off as a crash would (open connections reset, the
// port refusing), then stops it.
func (c *cluster) kill(i int) {
	c.proxies[i].kill()
	c.replicas[i].stop()
}

// tcpProxy forwards a loopback port to a replica's data listener.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]bool
	dead   bool
}

func newTCPProxy(t testing.TB, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(p.kill)
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dead {
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

func (p *tcpProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		if !p.track(in) || !p.track(out) {
			in.Close()
			out.Close()
			continue
		}
		go func() { io.Copy(out, in); out.Close() }()
		go func() { io.Copy(in, out); in.Close() }()
	}
}

func (p *tcpProxy) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dead {
		return
	}
	p.dead = true
	p.ln.Close()
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // reset, not a graceful close
		}
		c.Close()
	}
}

// balancer is a client-side round-robin over replicas without affinity:
// every request goes to the next replica, and a request that fails at the
// connection level (or with a 502/503/504) is sent again to the next one,
// as a load balancer with retries does.
type balancer struct {
	hosts     []string
	rt        http.RoundTripper
	next      atomic.Uint64
	mu        sync.Mutex
	served    map[string]int // successful responses by host
	failovers int            // requests sent again after a failure
}

func newBalancer(hosts ...string) *balancer {
	return &balancer{hosts: hosts, served: map[string]int{},
		rt: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}}
}

func (b *balancer) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
	}
	var lastErr error
	for attempt := range 2 * len(b.hosts) {
		host := b.hosts[b.next.Add(1)%uint64(len(b.hosts))]
		req := r.Clone(r.Context())
		req.URL.Host, req.Host = host, ""
		if body != nil {
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		resp, err := b.rt.RoundTrip(req)
		if err == nil && resp.StatusCode != 502 && resp.StatusCode != 503 && resp.StatusCode != 504 {
			b.mu.Lock()
			b.served[host]++
			if attempt > 0 {
				b.failovers++
			}
			b.mu.Unlock()
			return resp, nil
		}
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("HTTP %d from %s", resp.StatusCode, host)
		}
		if r.Context().Err() != nil {
			return nil, r.Context().Err()
		}
		lastErr = err
	}
	return nil, fmt.Errorf("every replica failed: %w", lastErr)
}

func (b *balancer) stats() (map[string]int, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := map[string]int{}
	for k, v := range b.served {
		m[k] = v
	}
	return m, b.failovers
}

func connectVia(t testing.TB, b *balancer, gatewayID, version string) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "replica-test", Version: "1"}, nil)
	cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{
		Endpoint:   "http://balancer/gateways/" + gatewayID + "/mcp",
		HTTPClient: &http.Client{Transport: b},
	}, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect (%s) through the balancer: %v", version, err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// hasTool reports whether the replica behind host lists tool on gatewayID.
func hasTool(ctx context.Context, host, gatewayID, tool string) (bool, error) {
	c := mcp.NewClient(&mcp.Implementation{Name: "probe", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: "http://" + host + "/gateways/" + gatewayID + "/mcp"},
		&mcp.ClientSessionOptions{ProtocolVersion: "2026-07-28"})
	if err != nil {
		return false, err
	}
	defer cs.Close()
	for t, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return false, err
		}
		if t.Name == tool {
			return true, nil
		}
	}
	return false, nil
}

// waitEverywhere waits until every listed replica reports want for tool and
// returns how long the slowest took.
func waitEverywhere(t testing.TB, c *cluster, replicas []int, gatewayID, tool string, want bool, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var slowest time.Duration
	for _, i := range replicas {
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			has, err := hasTool(ctx, c.dataHost(i), gatewayID, tool)
			cancel()
			if err == nil && has == want {
				slowest = max(slowest, time.Since(start))
				break
			}
			if time.Since(start) > 5*limit {
				t.Fatalf("replica %d: tool %s present=%v after %v (err %v), want present=%v", i, tool, has, time.Since(start), err, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if slowest > limit {
		t.Errorf("tool %s present=%v on every replica only after %v, want within %v", tool, want, slowest, limit)
	}
	return slowest
}

func createWeatherTarget(t *testing.T, tg *instance, gatewayID, name, providerARN, upstreamURL string) *bedrockagentcorecontrol.CreateGatewayTargetOutput {
	t.Helper()
	out, err := tg.control.CreateGatewayTarget(context.Background(), &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: aws.String(gatewayID), Name: aws.String(name),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: weatherSpec(t, strings.TrimPrefix(upstreamURL, "http://"))},
		}},
		CredentialProviderConfigurations: []types.CredentialProviderConfiguration{{
			CredentialProviderType: types.CredentialProviderTypeApiKey,
			CredentialProvider: &types.CredentialProviderMemberApiKeyCredentialProvider{Value: types.GatewayApiKeyCredentialProvider{
				ProviderArn: aws.String(providerARN), CredentialParameterName: aws.String("X-Api-Key"),
			}},
		}},
	})
	if err != nil {
		t.Fatalf("create target %s: %v", name, err)
	}
	return out
}

// TestReplicas: three replicas on one PostgreSQL schema and one vault key,
// behind a balancer without affinity. Configuration written through one
// replica is served by all of them within a second; session-era and
// stateless MCP clients are served by whichever replica a request lands on;
// and when a replica dies mid-load, requests retried on the others lose no
// call.
func TestReplicas(t *testing.T) {
	ctx := context.Background()
	c := startCluster(t, 3)
	a, cRep := c.replicas[0], c.replicas[2]
	up, _ := upstream(t)

	// Gateway, API-key provider and OpenAPI target through replica A, with
	// the AWS SDK.
	gw := weatherGateway(t, a, "multi", up.URL)
	gwID := aws.ToString(gw.GatewayId)
	took := waitEverywhere(t, c, []int{0, 1, 2}, gwID, "weather___getForecast", true, time.Second)
	t.Logf("a target created through A was served by every replica after %v", took)

	// Old-protocol (stateful session) and stateless clients, round-robin
	// over B and C.
	bc := newBalancer(c.dataHost(1), c.dataHost(2))
	for _, version := range []string{"2025-06-18", "2025-11-25", "2026-07-28"} {
		cs := connectVia(t, bc, gwID, version)
		for i := range 6 {
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo", "days": i + 1}})
			if err != nil || res.IsError {
				t.Fatalf("%s call %d through B/C: %v %+v", version, i, err, res)
			}
			if text := res.Content[0].(*mcp.TextContent).Text; !strings.Contains(text, fmt.Sprintf(`"days":%d`, i+1)) {
				t.Fatalf("%s call %d: %s", version, i, text)
			}
		}
		if version != "2026-07-28" && !strings.HasPrefix(cs.ID(), "tg1-") {
			t.Errorf("%s session id %q is not portable", version, cs.ID())
		}
	}
	served, _ := bc.stats()
	if served[c.dataHost(1)] == 0 || served[c.dataHost(2)] == 0 {
		t.Fatalf("round robin did not use both B and C: %v", served)
	}

	// Deleting the target through C removes it from every replica within
	// a second; a session-era client sees it go too.
	stateful := connectVia(t, bc, gwID, "2025-11-25")
	targets, err := cRep.control.ListGatewayTargets(ctx, &bedrockagentcorecontrol.ListGatewayTargetsInput{GatewayIdentifier: aws.String(gwID)})
	if err != nil || len(targets.Items) != 1 {
		t.Fatalf("list targets through C: %v %v", targets, err)
	}
	if _, err := cRep.control.DeleteGatewayTarget(ctx, &bedrockagentcorecontrol.DeleteGatewayTargetInput{
		GatewayIdentifier: aws.String(gwID), TargetId: targets.Items[0].TargetId,
	}); err != nil {
		t.Fatalf("delete target through C: %v", err)
	}
	took = waitEverywhere(t, c, []int{0, 1, 2}, gwID, "weather___getForecast", false, time.Second)
	t.Logf("a target deleted through C was gone from every replica after %v", took)
	if names := toolNamesOf(t, stateful); slices.Contains(names, "weather___getForecast") {
		t.Errorf("session-era client still lists the deleted tool: %v", names)
	}
	if res, err := stateful.CallTool(ctx, &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo"}}); err == nil && !res.IsError {
		t.Error("the deleted tool can still be called")
	}

	// Kill one replica mid-load: clients retrying on another replica lose
	// no call.
	provs, err := a.control.ListApiKeyCredentialProviders(ctx, &bedrockagentcorecontrol.ListApiKeyCredentialProvidersInput{})
	if err != nil || len(provs.CredentialProviders) != 1 {
		t.Fatalf("list providers: %v %v", provs, err)
	}
	createWeatherTarget(t, a, gwID, "weather2", aws.ToString(provs.CredentialProviders[0].CredentialProviderArn), up.URL)
	waitEverywhere(t, c, []int{0, 1, 2}, gwID, "weather2___getForecast", true, time.Second)
	all := newBalancer(c.dataHost(0), c.dataHost(1), c.dataHost(2))
	var clients []*mcp.ClientSession
	for _, version := range []string{"2025-11-25", "2025-11-25", "2026-07-28", "2026-07-28"} {
		clients = append(clients, connectVia(t, all, gwID, version))
	}
	var ok, lost, retried atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w, cs := range clients {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				params := &mcp.CallToolParams{Name: "weather2___getForecast", Arguments: map[string]any{"city": fmt.Sprintf("w%d-%d", w, i)}}
				// The client's own retry: a call whose response was lost
				// with its connection is sent again (the balancer has
				// already retried connection failures).
				var err error
				for try := range 3 {
					callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
					var res *mcp.CallToolResult
					res, err = cs.CallTool(callCtx, params)
					cancel()
					if err == nil && res.IsError {
						err = fmt.Errorf("tool error: %v", res.Content)
					}
					if err == nil {
						if try > 0 {
							retried.Add(1)
						}
						break
					}
				}
				if err != nil {
					lost.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				ok.Add(1)
			}
		})
	}
	time.Sleep(700 * time.Millisecond)
	servedBefore, _ := all.stats()
	killedAt := ok.Load()
	c.kill(2)
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()
	served, failovers := all.stats()
	t.Logf("load: %d calls ok (%d before the kill), %d lost, %d retried by the client, %d requests failed over by the balancer; served per replica %v",
		ok.Load(), killedAt, lost.Load(), retried.Load(), failovers, served)
	if lost.Load() != 0 {
		t.Fatalf("%d calls lost after a replica died; first error: %v", lost.Load(), firstErr.Load())
	}
	if servedBefore[c.dataHost(2)] == 0 {
		t.Fatalf("the killed replica served nothing before it died: %v", servedBefore)
	}
	if ok.Load() <= killedAt {
		t.Fatalf("no call succeeded after the kill (%d before, %d in all)", killedAt, ok.Load())
	}
	for i, r := range c.replicas {
		if strings.Contains(r.logs.String(), secretMarker) {
			t.Errorf("the API key appears in replica %d's log", i)
		}
	}
}

func toolNamesOf(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	var names []string
	for tool, err := range cs.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	return names
}

// TestReplicaVaultKey: a replica joining a store must bring the vault root
// key the store's secrets are sealed with. The same key from an environment
// variable is fine; a different one (a key file generated on a new machine
// instead of copied) stops the start with an explanation, and the key file
// generated for nothing is removed again.
func TestReplicaVaultKey(t *testing.T) {
	c := startCluster(t, 1)
	key, err := os.ReadFile(c.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	dsn := c.dsn

	t.Setenv("TG_TEST_REPLICA_VAULT_KEY", strings.TrimSpace(string(key)))
	b := c.add(t, func(cfg *config.Config) { cfg.VaultKeyEnv = "TG_TEST_REPLICA_VAULT_KEY" })
	if _, err := b.control.ListGateways(context.Background(), &bedrockagentcorecontrol.ListGatewaysInput{}); err != nil {
		t.Fatalf("a replica with the key from the environment: %v", err)
	}

	dir := t.TempDir()
	cfg := config.Config{DataDir: dir, DataListen: "127.0.0.1:0", ControlListen: "127.0.0.1:0", Store: dsn}
	cfg.ApplyDefaults()
	var out, logs syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = Run(ctx, cfg, &out, slog.New(slog.NewTextHandler(&logs, nil)))
	if err == nil || !strings.Contains(err.Error(), "same vault root key") {
		t.Fatalf("Run with another vault key = %v, want a refusal explaining the shared key", err)
	}
	if _, err := os.Stat(cfg.VaultKeyFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the key file generated for nothing is still there (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "credentials")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the refused replica wrote credentials (%v)", err)
	}
}

// TestReplicaCachesFollowOtherReplicas: what a replica caches for its data
// plane — unsealed outbound API keys in compiled targets, SigV4 access-key
// secrets — follows changes made through another replica within a second:
// an API key replaced through replica A is what replica B sends upstream,
// and an access key deleted through A's IAM API stops verifying on B
// although B had it cached.
func TestReplicaCachesFollowOtherReplicas(t *testing.T) {
	ctx := context.Background()
	c := startCluster(t, 2)
	a := c.replicas[0]
	up, _ := upstream(t)
	gw := weatherGateway(t, a, "cachegw", up.URL)
	gwID := aws.ToString(gw.GatewayId)
	waitEverywhere(t, c, []int{0, 1}, gwID, "weather___getForecast", true, time.Second)
	onB := connectVia(t, newBalancer(c.dataHost(1)), gwID, "2026-07-28")
	call := func(cs *mcp.ClientSession) (bool, error) {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo"}})
		if err != nil {
			return false, err
		}
		return !res.IsError, nil
	}
	if ok, err := call(onB); !ok || err != nil {
		t.Fatalf("call through B: %v %v", ok, err)
	}

	// The outbound API key, replaced through A: B's compiled target (which
	// holds the unsealed key) is rebuilt and sends the new one.
	if _, err := a.control.UpdateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.UpdateApiKeyCredentialProviderInput{
		Name: aws.String("cachegw-key"), ApiKey: aws.String("sk-replaced"),
	}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		ok, err := call(onB)
		if err != nil {
			t.Fatal(err)
		}
		if !ok { // the upstream refuses anything but secretMarker
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("B still sends the replaced API key")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("B sent the replaced API key for %v, want at most a second", took)
	}
	t.Logf("B used the API key replaced through A after %v", time.Since(start))

	// An AWS_IAM gateway and an access key created and then deleted through
	// replica A's IAM API, after B cached the key's secret.
	iamGW, err := a.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("cache-iam"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeAwsIam,
	})
	if err != nil {
		t.Fatal(err)
	}
	iamA := iamClient(a, rootCreds(t, a.dir))
	created, err := iamA.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyID, secret := aws.ToString(created.AccessKey.AccessKeyId), aws.ToString(created.AccessKey.SecretAccessKey)
	bURL := "http://" + c.dataHost(1) + "/gateways/" + aws.ToString(iamGW.GatewayId) + "/mcp"
	signed := &http.Client{Transport: sigv4RT{aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}}}
	ping := func() (int, string) {
		req, _ := http.NewRequest("POST", bURL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := signed.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType")
	}
	deadline := time.Now().Add(5 * time.Second)
	for code, _ := ping(); code != 200; code, _ = ping() { // B learns of the gateway
		if time.Now().After(deadline) {
			t.Fatalf("signed request to B: %d", code)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := iamA.DeleteAccessKey(ctx, &iamsdk.DeleteAccessKeyInput{AccessKeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	for {
		code, errType := ping()
		if code == http.StatusForbidden && errType == "UnrecognizedClientException" {
			break
		}
		if code != 200 {
			t.Fatalf("after deleting the key: %d %s", code, errType)
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("B still accepts the deleted access key")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("B accepted the deleted access key for %v, want at most a second", took)
	}
	t.Logf("B refused the access key deleted elsewhere after %v", time.Since(start))
}
