// Package audittest is the suite every audit.EventStore backend must pass, so
// that `toolgate audit query` answers identically whatever the store.
package audittest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/audit"
)

// Base is the time of the suite's first event.
var Base = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	gwARN  = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-one"
	gw2ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-two"
	alice  = "arn:aws:iam::123456789012:user/alice"
	bob    = "arn:aws:iam::123456789012:user/bob"
)

// Events returns the suite's fixture: 12 prepared events, one a minute from
// Base, with IDs e00…e11.
func Events() []audit.Event {
	d := audit.Defaults{Region: "us-east-1", AccountID: "123456789012"}
	mk := func(i int, e audit.Event) audit.Event {
		e.EventID = fmt.Sprintf("e%02d", i)
		e.RequestID = fmt.Sprintf("req-%02d", i)
		e.EventTime = Base.Add(time.Duration(i) * time.Minute)
		return d.Prepare(e)
	}
	iam := func(arn, key string) audit.UserIdentity {
		return audit.IAMIdentity(audit.IdentityIAMUser, "AIDA"+key, arn, "123456789012", key, arn[len(arn)-3:])
	}
	cp := func(op string, ro bool, who audit.UserIdentity, res string) audit.Event {
		e := audit.NewControlPlaneEvent(op, ro)
		e.UserIdentity = who
		if res != "" {
			e.Resources = []audit.Resource{{ARN: res, Type: audit.ResourceGateway}}
		}
		return e
	}
	denied := cp("DeleteGateway", false, iam(bob, "AKIABOB"), gwARN)
	denied.ErrorCode, denied.ErrorMessage = "AccessDeniedException", "not authorized to perform bedrock-agentcore:DeleteGateway"
	dp := func(name, gw string, o audit.Outcome, who audit.UserIdentity) audit.Event {
		e := audit.NewDataPlaneEvent(name, gw, "weather", "weather___get", o, 3*time.Millisecond)
		e.UserIdentity = who
		return e
	}
	jwt := audit.JWTIdentity("user-123", "client-abc")
	return []audit.Event{
		mk(0, cp("CreateGateway", false, iam(alice, "AKIAALICE"), gwARN)),
		mk(1, cp("ListGateways", true, iam(alice, "AKIAALICE"), "")),
		mk(2, cp("GetGateway", true, iam(bob, "AKIABOB"), gwARN)),
		mk(3, denied),
		mk(4, dp(audit.EventCallTool, "gw-one", audit.OutcomeSuccess, jwt)),
		mk(5, dp(audit.EventCallTool, "gw-one", audit.OutcomeToolError, jwt)),
		mk(6, dp(audit.EventListTools, "gw-two", audit.OutcomeSuccess, audit.JWTIdentity("user-456", "client-abc"))),
		mk(7, dp(audit.EventInvokeGateway, "gw-two", audit.OutcomeAuthFailed, audit.UserIdentity{Type: audit.IdentityUnknown})),
		mk(8, cp("CreateGatewayTarget", false, iam(alice, "AKIAALICE"), gw2ARN+"/target/t1")),
		mk(9, cp("UpdateGateway", false, iam(alice, "AKIAALICE2"), gw2ARN)),
		mk(10, dp(audit.EventCallTool, "gw-two", audit.OutcomeDenied, jwt)),
		mk(11, cp("CreateWorkloadIdentity", false, iam(alice, "AKIAALICE"), "")),
	}
}

func ids(events []audit.Event) []string {
	out := []string{}
	for _, e := range events {
		out = append(out, e.EventID)
	}
	return out
}

// Run runs the suite; newStore returns an empty store for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) audit.EventStore) {
	fixture := Events()
	seeded := func(t *testing.T) audit.EventStore {
		s := newStore(t)
		// Two appends, to cover batches.
		if err := s.AppendAuditEvents(t.Context(), fixture[:5]); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendAuditEvents(t.Context(), fixture[5:]); err != nil {
			t.Fatal(err)
		}
		return s
	}

	t.Run("RoundTrip", func(t *testing.T) {
		s := seeded(t)
		got, next, err := s.QueryAuditEvents(t.Context(), audit.Query{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if next != "" {
			t.Errorf("next = %q, want empty", next)
		}
		if diff := cmp.Diff(fixture, got); diff != "" {
			t.Errorf("events (-appended +queried):\n%s", diff)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		s := seeded(t)
		tests := []struct {
			name string
			q    audit.Query
			want []string
		}{
			{"all", audit.Query{}, ids(fixture)},
			{"since inclusive", audit.Query{Since: Base.Add(10 * time.Minute)}, []string{"e10", "e11"}},
			{"until exclusive", audit.Query{Until: Base.Add(2 * time.Minute)}, []string{"e00", "e01"}},
			{"window", audit.Query{Since: Base.Add(3 * time.Minute), Until: Base.Add(5 * time.Minute)}, []string{"e03", "e04"}},
			{"principal arn", audit.Query{Principal: bob}, []string{"e02", "e03"}},
			{"principal access key", audit.Query{Principal: "AKIAALICE2"}, []string{"e09"}},
			{"principal sub", audit.Query{Principal: "user-123"}, []string{"e04", "e05", "e10"}},
			{"principal client_id", audit.Query{Principal: "client-abc"}, []string{"e04", "e05", "e06", "e10"}},
			{"principal unknown", audit.Query{Principal: "nobody"}, []string{}},
			{"event exact", audit.Query{EventName: "GetGateway"}, []string{"e02"}},
			{"event case-insensitive", audit.Query{EventName: "getgateway"}, []string{"e02"}},
			{"event prefix", audit.Query{EventName: "Create*"}, []string{"e00", "e08", "e11"}},
			{"event contains", audit.Query{EventName: "*Gateway*"}, []string{"e00", "e01", "e02", "e03", "e07", "e08", "e09"}},
			{"event suffix", audit.Query{EventName: "*Tools"}, []string{"e06"}},
			{"errors only", audit.Query{ErrorOnly: true}, []string{"e03", "e05", "e07", "e10"}},
			{"gateway id", audit.Query{Gateway: "gw-one"}, []string{"e00", "e02", "e03", "e04", "e05"}},
			{"gateway arn", audit.Query{Gateway: gw2ARN}, []string{"e06", "e07", "e08", "e09", "e10"}},
			{"combined", audit.Query{Principal: bob, ErrorOnly: true, EventName: "Delete*", Gateway: "gw-one"}, []string{"e03"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, _, err := s.QueryAuditEvents(t.Context(), tt.q)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
					t.Errorf("query %+v (-want +got):\n%s", tt.q, diff)
				}
				// The store must agree with Match.
				var byMatch []audit.Event
				for _, e := range fixture {
					if tt.q.Match(e) {
						byMatch = append(byMatch, e)
					}
				}
				if diff := cmp.Diff(ids(byMatch), ids(got)); diff != "" {
					t.Errorf("store disagrees with Query.Match (-match +store):\n%s", diff)
				}
			})
		}
	})

	t.Run("Pagination", func(t *testing.T) {
		s := seeded(t)
		for _, q := range []audit.Query{{Limit: 1}, {Limit: 5}, {Limit: 4, Principal: alice}, {Limit: 2, ErrorOnly: true}, {Limit: 12}} {
			var all []audit.Event
			pages := 0
			for {
				got, next, err := s.QueryAuditEvents(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				if len(got) == 0 {
					t.Fatalf("query %+v: empty page %d", q, pages)
				}
				if len(got) > q.Limit {
					t.Fatalf("query %+v: page of %d events", q, len(got))
				}
				all = append(all, got...)
				if next == "" {
					break
				}
				q.After = next
			}
			q.After, q.Limit = "", 0
			want, _, err := s.QueryAuditEvents(t.Context(), q)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ids(want), ids(all)); diff != "" {
				t.Errorf("pages of %+v (-unpaged +paged):\n%s", q, diff)
			}
		}
	})

	t.Run("DefaultLimit", func(t *testing.T) {
		s := newStore(t)
		var many []audit.Event
		for i := range audit.DefaultQueryLimit + 3 {
			e := fixture[i%len(fixture)]
			e.EventID = fmt.Sprintf("x%03d", i)
			many = append(many, e)
		}
		if err := s.AppendAuditEvents(t.Context(), many); err != nil {
			t.Fatal(err)
		}
		got, next, err := s.QueryAuditEvents(t.Context(), audit.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != audit.DefaultQueryLimit || next == "" {
			t.Errorf("got %d events, next %q; want %d and a cursor", len(got), next, audit.DefaultQueryLimit)
		}
		got, next, err = s.QueryAuditEvents(t.Context(), audit.Query{After: next})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || next != "" {
			t.Errorf("second page: %d events, next %q; want 3 and none", len(got), next)
		}
	})

	t.Run("InvalidCursor", func(t *testing.T) {
		s := seeded(t)
		_, _, err := s.QueryAuditEvents(t.Context(), audit.Query{After: "not-a-cursor"})
		if !errors.Is(err, audit.ErrInvalidCursor) {
			t.Errorf("err = %v, want ErrInvalidCursor", err)
		}
	})

	t.Run("Retention", func(t *testing.T) {
		s := seeded(t)
		first, next, err := s.QueryAuditEvents(t.Context(), audit.Query{Limit: 6})
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.DeleteAuditEventsBefore(t.Context(), Base.Add(4*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if n != 4 {
			t.Errorf("deleted %d, want 4", n)
		}
		got, _, err := s.QueryAuditEvents(t.Context(), audit.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ids(fixture[4:]), ids(got)); diff != "" {
			t.Errorf("after retention (-want +got):\n%s", diff)
		}
		// A cursor issued before the deletion still continues where it was.
		rest, _, err := s.QueryAuditEvents(t.Context(), audit.Query{After: next, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ids(fixture[len(first):]), ids(rest)); diff != "" {
			t.Errorf("old cursor after retention (-want +got):\n%s", diff)
		}
		if n, err := s.DeleteAuditEventsBefore(t.Context(), Base); err != nil || n != 0 {
			t.Errorf("second deletion = %d, %v; want 0, nil", n, err)
		}
	})
}
