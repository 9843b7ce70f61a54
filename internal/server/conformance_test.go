package server

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
// gateway with an OpenAPI target. The checked-in baseline lists only the
// scenarios that need fixtures a gateway cannot serve.
func TestMCPConformanceSuite(t *testing.T) {
	bin := npmBin(t, "conformance")
	tg := start(t, t.TempDir())
	up, _ := upstream(t)
	gw := weatherGateway(t, tg, "conformance", up.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	baseline, _ := filepath.Abs("testdata/conformance-baseline.yml")
	cmd := exec.CommandContext(ctx, bin, "server", "--url", aws.ToString(gw.GatewayUrl),
		"--expected-failures", baseline, "-o", t.TempDir())
	// The suite needs Node 22; .ci/run installs it next to the suite.
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("conformance suite: %v\n%s", err, out)
	}
	t.Logf("conformance suite passed against the baseline")
}
