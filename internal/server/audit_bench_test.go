package server

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkToolCallAudit measures what the audit trail costs a tool call:
// the same tools/call through two toolgates in the same process, one
// recording every call (file and store sinks) and one without a recorder,
// interleaved so both see the same machine conditions; sequentially and
// with 8 concurrent clients (the recorder's writer then competes for the
// CPU). It reports both p50s and their ratio (audit on / off; 1.0 means
// free). Run with
//
//	go test -run '^$' -bench ToolCallAudit -benchtime 2000x ./internal/server/
func BenchmarkToolCallAudit(b *testing.B) {
	noAuditForTest.Store(true)
	off := start(b, b.TempDir())
	noAuditForTest.Store(false)
	on := start(b, b.TempDir())
	up, _ := upstream(b)
	gwOff := aws.ToString(weatherGateway(b, off, "bench", up.URL).GatewayUrl)
	gwOn := aws.ToString(weatherGateway(b, on, "bench", up.URL).GatewayUrl)
	params := &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo", "days": 3}}

	for _, workers := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", workers), func(b *testing.B) {
			type pair struct{ on, off *mcp.ClientSession }
			sessions := make([]pair, workers)
			for i := range sessions {
				sessions[i] = pair{mcpSession(b, gwOn, "2025-11-25", nil), mcpSession(b, gwOff, "2025-11-25", nil)}
			}
			call := func(cs *mcp.ClientSession) time.Duration {
				t0 := time.Now()
				res, err := cs.CallTool(context.Background(), params)
				if err != nil || res.IsError {
					b.Errorf("call: %v %+v", err, res)
				}
				return time.Since(t0)
			}
			for _, s := range sessions { // warm connection pools and caches
				for range 20 {
					call(s.on)
					call(s.off)
				}
			}
			onTimes := make([][]time.Duration, workers)
			offTimes := make([][]time.Duration, workers)
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := range workers {
				n := b.N / workers
				if w < b.N%workers {
					n++
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := sessions[w]
					for i := range n {
						// Alternate which goes first, so neither always
						// follows the other's work.
						if i%2 == 0 {
							onTimes[w] = append(onTimes[w], call(s.on))
							offTimes[w] = append(offTimes[w], call(s.off))
						} else {
							offTimes[w] = append(offTimes[w], call(s.off))
							onTimes[w] = append(onTimes[w], call(s.on))
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			var allOn, allOff []time.Duration
			for w := range workers {
				allOn, allOff = append(allOn, onTimes[w]...), append(allOff, offTimes[w]...)
			}
			pOn, pOff := p50(allOn), p50(allOff)
			b.ReportMetric(float64(pOff.Microseconds()), "audit-off-p50-µs")
			b.ReportMetric(float64(pOn.Microseconds()), "audit-on-p50-µs")
			b.ReportMetric(float64(pOn)/float64(pOff), "ratio")
			b.Logf("%d clients: p50 without audit %v, with audit %v (ratio %.3f)", workers, pOff, pOn, float64(pOn)/float64(pOff))
		})
	}
}
