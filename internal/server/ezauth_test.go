package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/config"
	"github.com/toolgate/toolgate/internal/idp"
)

// TestEmbeddedIdPEndToEnd follows the seed documents' set-up with the
// Cognito API (user pool, resource server, client_credentials app client),
// points a CUSTOM_JWT gateway at the embedded issuer, and calls a tool with
// a token from the embedded token endpoint.
func TestEmbeddedIdPEndToEnd(t *testing.T) {
	testEmbeddedIdP(t, false)
}

// TestEmbeddedIdPWithDenyPrivate: egress.deny_private refuses the loopback
// tool upstream but not the (loopback) embedded identity provider.
func TestEmbeddedIdPWithDenyPrivate(t *testing.T) {
	testEmbeddedIdP(t, true)
}

func testEmbeddedIdP(t *testing.T, denyPrivate bool) {
	ctx := context.Background()
	tg := startWith(t, t.TempDir(), func(c *config.Config) { c.Egress.DenyPrivate = denyPrivate })
	up, seen := upstream(t)
	cl := newIdPClient(t, cognitoClient(t, tg), "sre-agents", "sre-gateway", "invoke", "sre-assistant")
	poolID := cl.poolID

	dataURL := "http://" + tg.addrs.Data
	gwURL := jwtGateway(t, tg, "sre", types.CustomJWTAuthorizerConfiguration{
		DiscoveryUrl: aws.String(idp.DiscoveryURL(dataURL, poolID)), AllowedClients: []string{cl.clientID}, AllowedScopes: []string{cl.scope},
	}, up.URL)

	tok := cl.token(t, dataURL)
	cs, err := connectWith(gwURL, tok)
	if err != nil {
		t.Fatalf("connect with an embedded-IdP token: %v\n%s", err, tg.logs)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo"}})
	switch {
	case err != nil || !res.IsError:
		t.Fatalf("call: %v %+v", err, res)
	case denyPrivate && len(*seen) != 0:
		t.Fatalf("deny_private let a call reach the loopback upstream: %v", *seen)
	case !denyPrivate && !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "401"):
		// The upstream wants an API key this target does not have: reaching
		// it (and being refused by it) proves the gateway let the call in.
		t.Fatalf("call: %+v", res)
	}
	// The gateway's metadata names the embedded issuer.
	mresp, err := http.Get(dataURL + "/.well-known/oauth-protected-resource/gateways/" + strings.Split(strings.TrimPrefix(gwURL, dataURL+"/gateways/"), "/")[0] + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		AuthorizationServers []string `json:"authorization_servers"`
	}
	json.NewDecoder(mresp.Body).Decode(&md)
	mresp.Body.Close()
	if len(md.AuthorizationServers) != 1 || md.AuthorizationServers[0] != idp.Issuer(dataURL, poolID) {
		t.Fatalf("authorization_servers %v, want %s", md.AuthorizationServers, idp.Issuer(dataURL, poolID))
	}
	if strings.Contains(tg.logs.String(), cl.secret) || strings.Contains(tg.logs.String(), tok) {
		t.Fatal("client secret or token in the log")
	}
}
