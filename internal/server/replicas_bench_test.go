package server

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkToolCallReplicas measures tools/call throughput of one replica
// and of two replicas behind a round-robin balancer without affinity, both
// on the same PostgreSQL schema, in the same run, and reports both and
// their ratio. Eight concurrent clients; client, replicas, upstream and
// database share the machine's cores, so on a small machine the ratio shows
// the cost of spreading sessions over replicas rather than a speed-up. Run
// with
//
//	go test -run '^$' -bench ToolCallReplicas -benchtime 2000x ./internal/server/
func BenchmarkToolCallReplicas(b *testing.B) {
	c := startCluster(b, 2)
	up, _ := upstream(b)
	gw := weatherGateway(b, c.replicas[0], "bench-replicas", up.URL)
	gwID := aws.ToString(gw.GatewayId)
	waitEverywhere(b, c, []int{0, 1}, gwID, "weather___getForecast", true, time.Second)
	hostA, hostB := c.replicas[0].addrs.Data, c.replicas[1].addrs.Data

	const clients = 8
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		b.Run(version, func(b *testing.B) {
			one := newRig(b, gwID, version, clients, hostA)
			two := newRig(b, gwID, version, clients, hostA, hostB)
			one.run(b, 20*clients) // warm connection pools and adopted sessions
			two.run(b, 20*clients)
			// Alternate rounds so both configurations see the same machine
			// conditions (other processes, GC, the database's state).
			const rounds = 4
			var dOne, dTwo time.Duration
			b.ResetTimer()
			for r := range rounds {
				n := b.N / rounds
				if r == rounds-1 {
					n = b.N - (rounds-1)*(b.N/rounds)
				}
				dOne += one.run(b, n)
				dTwo += two.run(b, n)
			}
			b.StopTimer()
			perSec := func(d time.Duration) float64 { return float64(b.N) / d.Seconds() }
			b.ReportMetric(perSec(dOne), "calls/s-1-replica")
			b.ReportMetric(perSec(dTwo), "calls/s-2-replicas")
			b.ReportMetric(perSec(dTwo)/perSec(dOne), "ratio-2/1")
			servedOne, _ := one.bal.stats()
			servedTwo, _ := two.bal.stats()
			b.Log(fmt.Sprintf("%d calls each: one replica %v, two replicas %v; served per replica %v and %v", b.N, dOne, dTwo, servedOne, servedTwo))
		})
	}
}

// rig is a set of MCP client sessions spread over hosts by a balancer.
type rig struct {
	bal      *balancer
	sessions []*mcp.ClientSession
	params   *mcp.CallToolParams
}

func newRig(b *testing.B, gatewayID, version string, clients int, hosts ...string) *rig {
	r := &rig{bal: newBalancer(hosts...),
		params: &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo", "days": 3}}}
	for range clients {
		r.sessions = append(r.sessions, connectVia(b, r.bal, gatewayID, version))
	}
	return r
}

// run makes n calls with all sessions concurrently and returns the time
// they took.
func (r *rig) run(b *testing.B, n int) time.Duration {
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	start := time.Now()
	for _, cs := range r.sessions {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				res, err := cs.CallTool(context.Background(), r.params)
				if err != nil || res.IsError {
					b.Errorf("call: %v %+v", err, res)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}
