package audit_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/audit"
	"github.com/toolgate/toolgate/internal/audit/audittest"
)

func TestMemoryStoreConformance(t *testing.T) {
	audittest.Run(t, func(t *testing.T) audit.EventStore { return audit.NewMemoryStore(0) })
}

func TestMemoryStoreMaxEvents(t *testing.T) {
	s := audit.NewMemoryStore(5)
	fixture := audittest.Events()
	for _, e := range fixture {
		if err := s.AppendAuditEvents(t.Context(), []audit.Event{e}); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err := s.QueryAuditEvents(t.Context(), audit.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fixture[len(fixture)-5:], got); diff != "" {
		t.Errorf("kept events (-want +got):\n%s", diff)
	}
}

func TestMemoryStoreIsolation(t *testing.T) {
	s := audit.NewMemoryStore(0)
	e := audittest.Events()[0]
	e.RequestParameters = []byte(`{"name":"a"}`)
	if err := s.AppendAuditEvents(t.Context(), []audit.Event{e}); err != nil {
		t.Fatal(err)
	}
	e.RequestParameters[2] = 'X' // the caller's buffer changes
	got, _, _ := s.QueryAuditEvents(t.Context(), audit.Query{})
	got[0].Resources[0].ARN = "changed" // so does a reader's copy
	again, _, _ := s.QueryAuditEvents(t.Context(), audit.Query{})
	if string(again[0].RequestParameters) != `{"name":"a"}` || again[0].Resources[0].ARN == "changed" {
		t.Errorf("store shares memory with callers: %s %s", again[0].RequestParameters, again[0].Resources[0].ARN)
	}
}

func TestStoreSinkRetain(t *testing.T) {
	mem := audit.NewMemoryStore(0)
	sink := audit.NewStoreSink(mem, audit.Defaults{})
	sink.Now = func() time.Time { return audittest.Base.Add(30 * time.Minute) }
	if err := sink.Write(t.Context(), audittest.Events()); err != nil {
		t.Fatal(err)
	}
	// Events are at Base+0m…Base+11m; keep the last 25 minutes: Base+5m on.
	n, err := sink.Retain(t.Context(), 25*time.Minute)
	if err != nil || n != 5 {
		t.Fatalf("Retain = %d, %v; want 5, nil", n, err)
	}
	if mem.Len() != 7 {
		t.Errorf("Len = %d, want 7", mem.Len())
	}
}

func TestMatchPattern(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"CreateGateway", "CreateGateway", true},
		{"CreateGateway", "CreateGatewayTarget", false},
		{"creategateway", "CreateGateway", true},
		{"*", "Anything", true},
		{"*", "", true},
		{"Create*", "CreateGateway", true},
		{"Create*", "Create", true},
		{"Create*", "UpdateGateway", false},
		{"*Target", "CreateGatewayTarget", true},
		{"*Target", "CreateGatewayTargets", false},
		{"*Gateway*", "ListGateways", true},
		{"*Gateway*", "CallTool", false},
		{"Get*Target", "GetGatewayTarget", true},
		{"a*a", "a", false},
		{"a*a", "aa", true},
		{"*Token*", "GetWorkloadAccessTokenForJWT", true},
		{"**", "x", true},
	}
	for _, tt := range tests {
		if got := audit.MatchPattern(tt.pattern, tt.name); got != tt.want {
			t.Errorf("MatchPattern(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}
