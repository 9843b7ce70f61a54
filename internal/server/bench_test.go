package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkToolCall measures one tools/call through the gateway (MCP client →
// toolgate → OpenAPI target → upstream with the API key injected) against
// the same HTTP request made directly to the upstream, in the same run, and
// reports both, their ratio and the added latency at p50. Run with
//
//	go test -run '^$' -bench ToolCall -benchtime 2000x ./internal/server/
//
// The budget (issue 2): the gateway adds well under a millisecond at p50.
func BenchmarkToolCall(b *testing.B) {
	ctx := context.Background()
	tg := start(b, b.TempDir())
	up, _ := upstream(b)
	gw := weatherGateway(b, tg, "bench", up.URL)

	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		b.Run(version, func(b *testing.B) {
			cs := mcpSession(b, aws.ToString(gw.GatewayUrl), version, nil)
			direct := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
			directURL := up.URL + "/v1/forecast/Oslo?days=3"
			callDirect := func() {
				req, _ := http.NewRequest("GET", directURL, nil)
				req.Header.Set("X-Api-Key", secretMarker)
				resp, err := direct.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("direct: %d", resp.StatusCode)
				}
			}
			params := &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo", "days": 3}}
			callGateway := func() {
				res, err := cs.CallTool(ctx, params)
				if err != nil || res.IsError {
					b.Fatalf("gateway: %v %+v", err, res)
				}
			}
			for range 50 { // warm both paths' connection pools
				callDirect()
				callGateway()
			}
			directTimes := make([]time.Duration, 0, b.N)
			gatewayTimes := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			// Interleave so both see the same machine conditions.
			for range b.N {
				t0 := time.Now()
				callDirect()
				t1 := time.Now()
				callGateway()
				directTimes = append(directTimes, t1.Sub(t0))
				gatewayTimes = append(gatewayTimes, time.Since(t1))
			}
			b.StopTimer()
			d50, g50 := p50(directTimes), p50(gatewayTimes)
			b.ReportMetric(float64(d50.Microseconds()), "direct-p50-µs")
			b.ReportMetric(float64(g50.Microseconds()), "gateway-p50-µs")
			b.ReportMetric(float64((g50 - d50).Microseconds()), "added-p50-µs")
			b.ReportMetric(float64(g50)/float64(d50), "ratio")
			b.Log(fmt.Sprintf("%s: direct p50 %v, through gateway p50 %v, added %v", version, d50, g50, g50-d50))
		})
	}
}

func p50(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
