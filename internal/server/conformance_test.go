package server

import (
	"context"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
)

// npmBin returns a tool that .ci/run installs into .ci/npm (pinned versions).
// Missing tools skip the test locally, and fail it under .ci/run
// (TOOLGATE_REQUIRE_NPM=1), so CI always runs it.
func npmBin(t *testing.T, name string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", ".ci", "npm", "node_modules", ".bin", name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("TOOLGATE_REQUIRE_NPM") == "1" {
			t.Fatalf("%s not installed at %s (run .ci/run)", name, p)
		}
		t.Skipf("%s not installed at %s; .ci/run installs it", name, p)
	}
	return p
}

// TestMCPConformanceSuite runs the official MCP conformance suite against a
// gateway with an OpenAPI target: an open (NONE) gateway directly, and a
// CUSTOM_JWT gateway through a proxy that adds a real token from an
// independent IdP (the suite cannot send headers itself). The checked-in
// baseline lists only the scenarios that need fixtures a gateway cannot serve.
func TestMCPConformanceSuite(t *testing.T) {
	bin := npmBin(t, "conformance")
	tg := start(t, t.TempDir())
	up, _ := upstream(t)
	open := weatherGateway(t, tg, "conformance", up.URL)
	t.Run("NONE", func(t *testing.T) { runConformance(t, bin, aws.ToString(open.GatewayUrl)) })

	issuer := mockIdP(t)
	protected := jwtGateway(t, tg, "conformance-jwt", types.CustomJWTAuthorizerConfiguration{
		DiscoveryUrl: aws.String(issuer + "/.well-known/openid-configuration"), AllowedClients: []string{"cognito-client"},
	}, up.URL)
	target, _ := url.Parse(protected)
	token := clientToken(t, issuer, "cognito-client", "sre/invoke", "")
	proxy := httptest.NewServer(&httputil.ReverseProxy{
		// Host and Origin pass through unchanged, so the suite's
		// DNS-rebinding scenario still reaches toolgate's checks.
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(&url.URL{Scheme: target.Scheme, Host: target.Host})
			r.Out.Host = r.In.Host
			r.Out.Header.Set("Authorization", "Bearer "+token)
		},
		FlushInterval: -1,
	})
	t.Cleanup(proxy.Close)
	t.Run("CUSTOM_JWT", func(t *testing.T) { runConformance(t, bin, proxy.URL+target.Path) })
}

func runConformance(t *testing.T, bin, endpoint string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	baseline, _ := filepath.Abs("testdata/conformance-baseline.yml")
	cmd := exec.CommandContext(ctx, bin, "server", "--url", endpoint,
		"--expected-failures", baseline, "-o", t.TempDir())
	// The suite needs Node 22; .ci/run installs it next to the suite.
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("conformance suite: %v\n%s", err, out)
	}
	t.Logf("conformance suite passed against the baseline at %s", endpoint)
}
