package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/config"
	"github.com/toolgate/toolgate/internal/idp"
)

// httpBalancer is a round-robin reverse proxy without affinity in front of
// the replicas' data planes, started before them so that its URL can be
// their public_data_url.
type httpBalancer struct {
	srv      *httptest.Server
	mu       sync.Mutex
	backends []string
	next     atomic.Uint64
}

func newHTTPBalancer(t *testing.T) *httpBalancer {
	b := &httpBalancer{}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			b.mu.Lock()
			host := b.backends[b.next.Add(1)%uint64(len(b.backends))]
			b.mu.Unlock()
			r.SetURL(&url.URL{Scheme: "http", Host: host})
			r.Out.Host = r.In.Host // as nginx's proxy_set_header Host $host
		},
		FlushInterval: -1, // event streams flow
	}
	b.srv = httptest.NewServer(rp)
	t.Cleanup(b.srv.Close)
	return b
}

func (b *httpBalancer) use(hosts ...string) {
	b.mu.Lock()
	b.backends = hosts
	b.mu.Unlock()
}

// TestReplicasShareTheEmbeddedIdP: with public_data_url set to the
// balancer, the embedded identity provider is one issuer whatever replica
// answers: a token from any replica is accepted by every replica's
// CUSTOM_JWT gateway; after a signing-key rotation through one replica,
// tokens signed with the new key work everywhere; and an app client deleted
// through one replica gets no token from any of them within a second.
func TestReplicasShareTheEmbeddedIdP(t *testing.T) {
	ctx := context.Background()
	lb := newHTTPBalancer(t)
	c := startCluster(t, 2, func(cfg *config.Config) { cfg.PublicDataURL = lb.srv.URL })
	lb.use(c.replicas[0].addrs.Data, c.replicas[1].addrs.Data)
	a, b := c.replicas[0], c.replicas[1]
	up, seen := upstream(t)

	cog := cognitoClient(t, a)
	cl := newIdPClient(t, cog, "agents", "gw", "invoke", "agent")
	poolID := cl.poolID
	gwURL := jwtGateway(t, a, "idp-gw", types.CustomJWTAuthorizerConfiguration{
		DiscoveryUrl: aws.String(idp.DiscoveryURL(lb.srv.URL, poolID)), AllowedClients: []string{cl.clientID}, AllowedScopes: []string{cl.scope},
	}, up.URL)
	if !strings.HasPrefix(gwURL, lb.srv.URL+"/") {
		t.Fatalf("gatewayUrl %s is not on the balancer %s", gwURL, lb.srv.URL)
	}

	// token asks replica host's token endpoint directly; it returns the
	// token and the kid it is signed with, or the HTTP status.
	token := func(host string) (tok, kid string, status int) {
		tok, status, _ = cl.tokenFrom(t, "http://"+host, strings.TrimPrefix(lb.srv.URL, "http://"))
		if status != 200 {
			return "", "", status
		}
		head, _, _ := strings.Cut(tok, ".")
		raw, _ := base64.RawURLEncoding.DecodeString(head)
		var h struct {
			Kid string `json:"kid"`
		}
		json.Unmarshal(raw, &h)
		return tok, h.Kid, 200
	}
	// callOn calls a tool through replica host's data plane (with the
	// balancer's Host, as the balancer would send it).
	callOn := func(host, tok string) error {
		hc := &http.Client{Transport: hostRewrite{host: host, next: withBearer{tok}}}
		cl := mcp.NewClient(&mcp.Implementation{Name: "idp-replicas", Version: "1"}, nil)
		cs, err := cl.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: gwURL, HTTPClient: hc}, &mcp.ClientSessionOptions{ProtocolVersion: "2026-07-28"})
		if err != nil {
			return err
		}
		defer cs.Close()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo"}})
		if err != nil {
			return err
		}
		// The upstream wants an API key this target lacks: its 401 in
		// the result proves the gateway let the call in.
		if !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "401") {
			return fmt.Errorf("unexpected result %+v", res.Content)
		}
		return nil
	}
	hosts := []string{a.addrs.Data, b.addrs.Data}
	for _, from := range hosts {
		tok, _, status := token(from)
		if status != 200 {
			t.Fatalf("token from %s: %d", from, status)
		}
		for _, to := range hosts {
			if err := callOn(to, tok); err != nil {
				t.Fatalf("token from %s on the gateway of %s: %v", from, to, err)
			}
		}
	}
	calls := len(*seen)

	// Rotate the signing key through B. Token requests are judged by when
	// they were sent: checking a client secret (PBKDF2) is slow on purpose,
	// so a request sent just before the change reached a replica may come
	// back well after it, rightly signed with the old key (still valid).
	rotated := rotateSigningKey(t, b, poolID)
	var newTokens sync.Map // host → token signed with the rotated key
	untilChanged(t, hosts, "signs with the rotated key", func(from string) bool {
		tok, kid, status := token(from)
		if status == 200 && kid == rotated {
			newTokens.Store(from, tok)
			return true
		}
		return false
	})
	for _, from := range hosts {
		tok, _ := newTokens.Load(from)
		for _, to := range hosts {
			if err := callOn(to, tok.(string)); err != nil {
				t.Fatalf("a token signed with the rotated key by %s, on the gateway of %s: %v", from, to, err)
			}
		}
	}
	if len(*seen) != calls+4 {
		t.Errorf("upstream saw %d calls, want %d", len(*seen), calls+4)
	}

	// Delete the app client through A: no replica issues it tokens.
	if _, err := cog.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(cl.clientID)}); err != nil {
		t.Fatal(err)
	}
	untilChanged(t, hosts, "refuses the deleted client", func(from string) bool {
		_, _, status := token(from)
		return status != 200
	})
}

// untilChanged asks every host, concurrently, until changed reports that it
// reflects a change made just before the call. A host may answer as before
// only to requests sent within a second of the change.
func untilChanged(t *testing.T, hosts []string, what string, changed func(host string) bool) {
	t.Helper()
	start := time.Now()
	var wg sync.WaitGroup
	for _, h := range hosts {
		wg.Go(func() {
			for {
				asked := time.Now()
				if changed(h) {
					return
				}
				if lag := asked.Sub(start); lag > time.Second {
					t.Errorf("%s: not yet for a request sent %v after the change, want within a second: %s", h, lag, what)
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

// hostRewrite sends requests to host, keeping the URL's Host header.
type hostRewrite struct {
	host string
	next http.RoundTripper
}

func (h hostRewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = r.URL.Host
	r.URL.Host = h.host
	return h.next.RoundTrip(r)
}

// rotateSigningKey calls the extension API of tg and returns the new kid.
func rotateSigningKey(t *testing.T, tg *instance, poolID string) string {
	t.Helper()
	body := fmt.Sprintf(`{"userPoolId":%q}`, poolID)
	req, _ := http.NewRequest("POST", "http://"+tg.addrs.Control+"/toolgate/idp/rotate-signing-key", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	h := sha256.Sum256([]byte(body))
	sum := hex.EncodeToString(h[:])
	if err := v4.NewSigner().SignHTTP(context.Background(), rootCreds(t, tg.dir), req, sum, ExtensionSigningName, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Kid string `json:"kid"`
	}
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(data, &out) != nil || out.Kid == "" {
		t.Fatalf("rotate signing key: %d %s", resp.StatusCode, data)
	}
	return out.Kid
}
