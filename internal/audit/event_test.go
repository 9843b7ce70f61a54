package audit_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/audit"
)

var update = flag.Bool("update", false, "rewrite golden files")

var fixedTime = time.Date(2025, 6, 1, 8, 30, 15, 987654321, time.FixedZone("CEST", 2*3600))

// fixedDefaults fixes the clock and numbers event IDs in order.
func fixedDefaults() audit.Defaults {
	n := 0
	return audit.Defaults{
		Region:    "eu-west-1",
		AccountID: "123456789012",
		Now:       func() time.Time { return fixedTime },
		NewID: func() string {
			n++
			return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
		},
	}
}

const gatewayARN = "arn:aws:bedrock-agentcore:eu-west-1:123456789012:gateway/mcp-gw-abc123"

// goldenEvents are one event of each kind the planes record.
func goldenEvents() []audit.Event {
	create := audit.NewControlPlaneEvent("CreateGateway", false)
	create.UserIdentity = audit.IAMIdentity(audit.IdentityIAMUser, "AIDAEXAMPLE", "arn:aws:iam::123456789012:user/alice", "123456789012", "AKIAEXAMPLE", "alice")
	create.SourceIPAddress = "192.0.2.10"
	create.UserAgent = "aws-sdk-go-v2/1.36.3"
	create.RequestID = "req-1"
	create.RequestParameters = json.RawMessage(`{"name":"mcp-gw","authorizerType":"CUSTOM_JWT","authorizerConfiguration":{"customJWTAuthorizer":{"discoveryUrl":"https://idp.example/.well-known/openid-configuration","allowedClients":["client-abc"]}},"clientToken":"idem-1"}`)
	create.ResponseElements = json.RawMessage(`{"gatewayId":"mcp-gw-abc123","gatewayArn":"` + gatewayARN + `","status":"CREATING"}`)
	create.Resources = []audit.Resource{{ARN: gatewayARN, AccountID: "123456789012", Type: audit.ResourceGateway}}

	denied := audit.NewControlPlaneEvent("CreateApiKeyCredentialProvider", false)
	denied.UserIdentity = audit.IAMIdentity(audit.IdentityIAMUser, "AIDABOB", "arn:aws:iam::123456789012:user/bob", "123456789012", "AKIABOB", "bob")
	denied.SourceIPAddress = "192.0.2.11"
	denied.UserAgent = "aws-cli/2.17.0"
	denied.RequestID = "req-2"
	denied.RequestParameters = json.RawMessage(`{"name":"weather-key","apiKey":"sk-live-123"}`)
	denied.ErrorCode = "AccessDeniedException"
	denied.ErrorMessage = "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: bedrock-agentcore:CreateApiKeyCredentialProvider on resource: arn:aws:bedrock-agentcore:eu-west-1:123456789012:token-vault/default/apikeycredentialprovider/weather-key"
	denied.Resources = []audit.Resource{{ARN: "arn:aws:bedrock-agentcore:eu-west-1:123456789012:token-vault/default/apikeycredentialprovider/weather-key", Type: audit.ResourceAPIKeyCredentialProvider}}

	call := audit.NewDataPlaneEvent(audit.EventCallTool, "mcp-gw-abc123", "weather", "weather___get_forecast", audit.OutcomeSuccess, 12345678*time.Nanosecond)
	call.UserIdentity = audit.JWTIdentity("user-123", "client-abc")
	call.SourceIPAddress = "198.51.100.7"
	call.UserAgent = "mcp-go-client/1.0"
	call.RequestID = "req-3"
	call.RequestParameters = json.RawMessage(`{"name":"weather___get_forecast","arguments":{"city":"Lyon"}}`)
	call.Resources = []audit.Resource{{ARN: gatewayARN, Type: audit.ResourceGateway}}

	authFailed := audit.NewDataPlaneEvent(audit.EventInvokeGateway, "mcp-gw-abc123", "", "", audit.OutcomeAuthFailed, 250*time.Microsecond)
	authFailed.SourceIPAddress = "203.0.113.9"
	authFailed.UserAgent = "curl/8.5.0"
	authFailed.RequestID = "req-4"
	authFailed.ErrorCode = "invalid_token"
	authFailed.ErrorMessage = "token expired"
	authFailed.Resources = []audit.Resource{{ARN: gatewayARN, Type: audit.ResourceGateway}}
	return []audit.Event{create, denied, call, authFailed}
}

func TestEventGolden(t *testing.T) {
	d := fixedDefaults()
	var prepared []audit.Event
	for _, e := range goldenEvents() {
		prepared = append(prepared, d.Prepare(e))
	}
	got, err := json.MarshalIndent(prepared, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "events.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("event JSON differs from %s (-want +got):\n%s", path, diff)
	}
	// And it reads back to the same events.
	var back []audit.Event
	if err := json.Unmarshal(want, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(prepared, back); diff != "" {
		t.Errorf("round trip (-prepared +decoded):\n%s", diff)
	}
}

// TestEventShape pins CloudTrail's field names independently of the golden
// file: top-level keys, userIdentity keys per identity kind, and the
// eventTime format.
func TestEventShape(t *testing.T) {
	d := fixedDefaults()
	events := goldenEvents()
	keys := func(t *testing.T, v any) []string {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	common := []string{"awsRegion", "eventCategory", "eventID", "eventName", "eventSource", "eventTime", "eventType", "eventVersion",
		"readOnly", "recipientAccountId", "requestID", "requestParameters", "resources", "responseElements", "sourceIPAddress", "userAgent", "userIdentity"}
	withError := append(slices.Clone(common), "errorCode", "errorMessage")
	withData := append(slices.Clone(common), "additionalEventData")
	tests := []struct {
		name         string
		event        audit.Event
		wantKeys     []string
		wantIdentity []string
		wantSource   string
	}{
		{"control plane", events[0], common, []string{"accessKeyId", "accountId", "arn", "principalId", "type", "userName"}, audit.EventSourceControlPlane},
		{"control plane error", events[1], withError, []string{"accessKeyId", "accountId", "arn", "principalId", "type", "userName"}, audit.EventSourceControlPlane},
		{"data plane jwt", events[2], withData, []string{"client_id", "sub", "type"}, audit.EventSourceDataPlane},
		{"data plane auth failure", events[3], append(slices.Clone(withData), "errorCode", "errorMessage"), []string{"type"}, audit.EventSourceDataPlane},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := d.Prepare(tt.event)
			want := slices.Clone(tt.wantKeys)
			slices.Sort(want)
			if diff := cmp.Diff(want, keys(t, e)); diff != "" {
				t.Errorf("top-level keys (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantIdentity, keys(t, e.UserIdentity)); diff != "" {
				t.Errorf("userIdentity keys (-want +got):\n%s", diff)
			}
			if e.EventSource != tt.wantSource || e.EventVersion != "1.09" {
				t.Errorf("eventSource %q eventVersion %q", e.EventSource, e.EventVersion)
			}
			b, _ := json.Marshal(e)
			if !bytes.Contains(b, []byte(`"eventTime":"2025-06-01T06:30:15Z"`)) {
				t.Errorf("eventTime not CloudTrail's UTC RFC 3339 seconds: %s", b)
			}
		})
	}
}

// A JWT identity keeps sub and client_id only, whatever else was set; an IAM
// identity never carries JWT fields.
func TestIdentitySanitized(t *testing.T) {
	tests := []struct {
		name string
		in   audit.UserIdentity
		want audit.UserIdentity
	}{
		{"jwt", audit.JWTIdentity("s", "c"), audit.UserIdentity{Type: audit.IdentityJWT, Sub: "s", ClientID: "c"}},
		{"jwt with iam fields", audit.UserIdentity{Type: audit.IdentityJWT, Sub: "s", ClientID: "c", ARN: "arn:x", UserName: "email@example.com", PrincipalID: "p"},
			audit.UserIdentity{Type: audit.IdentityJWT, Sub: "s", ClientID: "c"}},
		{"untyped with sub", audit.UserIdentity{Sub: "s", UserName: "n"}, audit.UserIdentity{Type: audit.IdentityJWT, Sub: "s"}},
		{"iam with sub", audit.UserIdentity{Type: audit.IdentityIAMUser, ARN: "arn:x", Sub: "s", ClientID: "c"}, audit.UserIdentity{Type: audit.IdentityIAMUser, ARN: "arn:x"}},
		{"empty", audit.UserIdentity{}, audit.UserIdentity{Type: audit.IdentityUnknown}},
		{"untyped key", audit.UserIdentity{AccessKeyID: "AKIA"}, audit.UserIdentity{Type: audit.IdentityUnknown, AccessKeyID: "AKIA"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := audit.Defaults{}.Prepare(audit.Event{UserIdentity: tt.in}).UserIdentity
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrepareIdempotent(t *testing.T) {
	d := fixedDefaults()
	for _, e := range goldenEvents() {
		once := d.Prepare(e)
		if diff := cmp.Diff(once, d.Prepare(once)); diff != "" {
			t.Errorf("%s: second Prepare changed the event:\n%s", e.EventName, diff)
		}
	}
}

func TestPrepareBoundsParameters(t *testing.T) {
	big := fmt.Appendf(nil, `{"blob":%q}`, bytes.Repeat([]byte("a"), audit.MaxParametersBytes))
	e := audit.Defaults{}.Prepare(audit.Event{RequestParameters: big, ResponseElements: json.RawMessage{}})
	if len(e.RequestParameters) > 200 || !bytes.Contains(e.RequestParameters, []byte(`"sizeBytes"`)) {
		t.Errorf("oversized parameters kept: %.200s", e.RequestParameters)
	}
	if e.ResponseElements != nil {
		t.Errorf("empty responseElements = %q, want nil (null)", e.ResponseElements)
	}
	if _, err := json.Marshal(e); err != nil {
		t.Error(err)
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewEventID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := audit.NewEventID()
		if !uuidRE.MatchString(id) || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}

func TestLatency(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want float64
	}{{12345678 * time.Nanosecond, 12.346}, {time.Second, 1000}, {250 * time.Microsecond, 0.25}, {0, 0}} {
		if got := audit.Latency(tt.d); got != tt.want {
			t.Errorf("Latency(%v) = %v, want %v", tt.d, got, tt.want)
		}
	}
}
