package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"

	"github.com/toolgate/toolgate/internal/audit"
)

// TestAuditTailAcrossReplicas: with a shared PostgreSQL store, `audit tail`
// on one replica shows the calls every replica serves, each once.
func TestAuditTailAcrossReplicas(t *testing.T) {
	c := startCluster(t, 2)
	a, b := c.replicas[0], c.replicas[1]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp := extensionGet(t, ctx, a, rootCreds(t, a.dir), "/audit/tail", url.Values{"event": {"GetGateway"}})
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("tail: %d", resp.StatusCode)
	}
	lines := make(chan audit.Event)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if sc.Text() == "" {
				continue
			}
			var e audit.Event
			if json.Unmarshal(sc.Bytes(), &e) == nil {
				lines <- e
			}
		}
	}()
	// Two calls through B, one through A.
	for i, tg := range []*instance{b, a, b} {
		_, err := tg.control.GetGateway(ctx, &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: aws.String(fmt.Sprint("absent-", i))})
		if apiErrorCode(err) != "ResourceNotFoundException" {
			t.Fatal(err)
		}
	}
	got := map[string]int{}
	deadline := time.After(15 * time.Second)
	for len(got) < 3 {
		select {
		case e, ok := <-lines:
			if !ok {
				t.Fatal("tail ended")
			}
			var params struct {
				GatewayIdentifier string `json:"gatewayIdentifier"`
			}
			json.Unmarshal(e.RequestParameters, &params)
			got[params.GatewayIdentifier]++
		case <-deadline:
			t.Fatalf("after 15s the tail on A showed %v, want absent-0, absent-1 and absent-2\n%s", got, a.logs)
		}
	}
	// Nothing is sent twice (A's own event comes from its recorder and
	// again from the store): wait past a few polls.
	extra := time.After(2500 * time.Millisecond)
	for {
		select {
		case e := <-lines:
			t.Errorf("event sent again or unexpected: %s %s", e.EventName, e.RequestParameters)
		case <-extra:
			for id, n := range got {
				if n != 1 {
					t.Errorf("%s sent %d times", id, n)
				}
			}
			return
		}
	}
}
