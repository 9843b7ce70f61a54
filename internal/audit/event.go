package audit

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"math"
	"time"
)

// EventVersion is the CloudTrail record version toolgate writes.
const EventVersion = "1.09"

// Event sources.
const (
	// EventSourceControlPlane is the source of control-plane calls, as in
	// AgentCore's own CloudTrail events.
	EventSourceControlPlane = "bedrock-agentcore.amazonaws.com"
	// EventSourceDataPlane is the source of data-plane events (MCP tool
	// calls, tool lists, authentication failures).
	EventSourceDataPlane = "gateway.toolgate"
	// EventSourceAudit is the source of the recorder's own service events
	// (AuditEventsDropped).
	EventSourceAudit = "audit.toolgate"
)

// Event types (CloudTrail's eventType).
const (
	EventTypeAPICall      = "AwsApiCall"
	EventTypeServiceEvent = "AwsServiceEvent"
)

// Event categories (CloudTrail's eventCategory).
const (
	CategoryManagement = "Management"
	CategoryData       = "Data"
)

// Data-plane event names. Control-plane events are named after the
// AgentCore operation (CreateGateway, ListGatewayTargets, ...).
const (
	EventCallTool  = "CallTool"  // MCP tools/call
	EventListTools = "ListTools" // MCP tools/list
	// EventInvokeGateway names a data-plane request whose MCP method is not
	// known, typically one refused before it was read (auth_failed).
	EventInvokeGateway = "InvokeGateway"
	// EventAuditEventsDropped is the recorder's report of events it had to
	// drop because its buffer was full.
	EventAuditEventsDropped = "AuditEventsDropped"
)

// Identity types (CloudTrail's userIdentity.type).
const (
	IdentityRoot    = "Root"
	IdentityIAMUser = "IAMUser"
	IdentityRole    = "AssumedRole"
	// IdentityJWT is a caller authenticated by a bearer token: only sub and
	// client_id are recorded.
	IdentityJWT = "WebIdentityUser"
	// IdentityUnknown is a caller that could not be authenticated.
	IdentityUnknown = "Unknown"
	// IdentityService is toolgate itself (service events).
	IdentityService = "AWSService"
)

// Resource types (resources[].type).
const (
	ResourceGateway                  = "AWS::BedrockAgentCore::Gateway"
	ResourceGatewayTarget            = "AWS::BedrockAgentCore::GatewayTarget"
	ResourceWorkloadIdentity         = "AWS::BedrockAgentCore::WorkloadIdentity"
	ResourceAPIKeyCredentialProvider = "AWS::BedrockAgentCore::APIKeyCredentialProvider"
	ResourceOAuth2CredentialProvider = "AWS::BedrockAgentCore::OAuth2CredentialProvider"
	ResourceTokenVault               = "AWS::BedrockAgentCore::TokenVault"
	ResourceIAMUser                  = "AWS::IAM::User"
	ResourceIAMRole                  = "AWS::IAM::Role"
	ResourceIAMPolicy                = "AWS::IAM::Policy"
	ResourceIAMAccessKey             = "AWS::IAM::AccessKey"
)

// Outcome is how a data-plane request ended.
type Outcome string

// Outcomes.
const (
	OutcomeSuccess    Outcome = "success"
	OutcomeToolError  Outcome = "tool_error"  // the tool ran and reported an error (isError)
	OutcomeDenied     Outcome = "denied"      // authenticated but not allowed
	OutcomeAuthFailed Outcome = "auth_failed" // not authenticated
	OutcomeError      Outcome = "error"       // toolgate or the target failed
)

// Event is one audit record, shaped like a CloudTrail record. Field order
// and JSON names follow CloudTrail. requestParameters and responseElements
// are null when absent, as in CloudTrail.
type Event struct {
	EventVersion        string               `json:"eventVersion"`
	UserIdentity        UserIdentity         `json:"userIdentity"`
	EventTime           time.Time            `json:"eventTime"`
	EventSource         string               `json:"eventSource"`
	EventName           string               `json:"eventName"`
	AWSRegion           string               `json:"awsRegion"`
	SourceIPAddress     string               `json:"sourceIPAddress"`
	UserAgent           string               `json:"userAgent"`
	ErrorCode           string               `json:"errorCode,omitempty"`
	ErrorMessage        string               `json:"errorMessage,omitempty"`
	RequestParameters   json.RawMessage      `json:"requestParameters"`
	ResponseElements    json.RawMessage      `json:"responseElements"`
	AdditionalEventData *AdditionalEventData `json:"additionalEventData,omitempty"`
	RequestID           string               `json:"requestID"`
	EventID             string               `json:"eventID"`
	ReadOnly            bool                 `json:"readOnly"`
	Resources           []Resource           `json:"resources,omitempty"`
	EventType           string               `json:"eventType"`
	RecipientAccountID  string               `json:"recipientAccountId"`
	EventCategory       string               `json:"eventCategory"`
}

// UserIdentity is who made the call. The field set is closed on purpose:
// there is no map of claims, so a JWT caller can only ever be recorded by
// sub and client_id. Use IAMIdentity or JWTIdentity to build one; Prepare
// enforces that a JWT identity carries nothing else and that an IAM identity
// carries no JWT fields.
type UserIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	UserName    string `json:"userName,omitempty"`
	// Sub and ClientID are set only for IdentityJWT.
	Sub      string `json:"sub,omitempty"`
	ClientID string `json:"client_id,omitempty"`
}

// IAMIdentity returns the identity of a toolgate principal that signed the
// request with an access key (or the root principal; typ is one of
// IdentityRoot, IdentityIAMUser, IdentityRole).
func IAMIdentity(typ, principalID, arn, accountID, accessKeyID, userName string) UserIdentity {
	return UserIdentity{Type: typ, PrincipalID: principalID, ARN: arn, AccountID: accountID, AccessKeyID: accessKeyID, UserName: userName}
}

// JWTIdentity returns the identity of a bearer-token caller: its sub and
// client_id claims, nothing else.
func JWTIdentity(sub, clientID string) UserIdentity {
	return UserIdentity{Type: IdentityJWT, Sub: sub, ClientID: clientID}
}

// sanitized enforces the closed shapes described on UserIdentity.
func (u UserIdentity) sanitized() UserIdentity {
	switch u.Type {
	case IdentityJWT:
		return UserIdentity{Type: IdentityJWT, Sub: u.Sub, ClientID: u.ClientID}
	case "":
		if u.Sub != "" || u.ClientID != "" {
			return UserIdentity{Type: IdentityJWT, Sub: u.Sub, ClientID: u.ClientID}
		}
		if u == (UserIdentity{}) {
			return UserIdentity{Type: IdentityUnknown}
		}
		u.Type = IdentityUnknown
	}
	u.Sub, u.ClientID = "", ""
	return u
}

// Resource is one resource the call touched (CloudTrail's resources[]).
type Resource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId,omitempty"`
	Type      string `json:"type"`
}

// AdditionalEventData holds the details CloudTrail has no top-level field
// for: the data plane's gateway, target, tool, outcome and latency, and the
// recorder's count of dropped events.
type AdditionalEventData struct {
	Gateway string  `json:"gateway,omitempty"` // gateway id
	Target  string  `json:"target,omitempty"`  // target name
	Tool    string  `json:"tool,omitempty"`    // tool name as the caller sees it
	Outcome Outcome `json:"outcome,omitempty"`
	// LatencyMs is the request's duration in milliseconds with microsecond
	// precision (see Latency).
	LatencyMs float64 `json:"latencyMs,omitempty"`
	// DroppedEvents is, on an AuditEventsDropped event, how many events were
	// dropped since the previous report to the same sink or subscriber.
	DroppedEvents uint64 `json:"droppedEvents,omitempty"`
}

// Latency converts a duration to LatencyMs.
func Latency(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

// NewControlPlaneEvent starts the event of a control-plane call named after
// its AgentCore operation.
func NewControlPlaneEvent(operation string, readOnly bool) Event {
	return Event{
		EventSource:   EventSourceControlPlane,
		EventName:     operation,
		EventType:     EventTypeAPICall,
		EventCategory: CategoryManagement,
		ReadOnly:      readOnly,
	}
}

// NewDataPlaneEvent starts the event of a data-plane request (EventCallTool,
// EventListTools or EventInvokeGateway).
func NewDataPlaneEvent(name, gateway, target, tool string, outcome Outcome, latency time.Duration) Event {
	return Event{
		EventSource:   EventSourceDataPlane,
		EventName:     name,
		EventType:     EventTypeAPICall,
		EventCategory: CategoryData,
		ReadOnly:      name == EventListTools,
		AdditionalEventData: &AdditionalEventData{
			Gateway: gateway, Target: target, Tool: tool, Outcome: outcome, LatencyMs: Latency(latency),
		},
	}
}

// IsError reports whether the event records a failure: an error code, or a
// data-plane outcome other than success.
func (e *Event) IsError() bool {
	if e.ErrorCode != "" {
		return true
	}
	d := e.AdditionalEventData
	return d != nil && d.Outcome != "" && d.Outcome != OutcomeSuccess
}

// Clone returns a deep copy of e.
func (e Event) Clone() Event {
	e.RequestParameters = cloneBytes(e.RequestParameters)
	e.ResponseElements = cloneBytes(e.ResponseElements)
	if e.Resources != nil {
		e.Resources = append([]Resource(nil), e.Resources...)
	}
	if e.AdditionalEventData != nil {
		d := *e.AdditionalEventData
		e.AdditionalEventData = &d
	}
	return e
}

func cloneBytes(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(nil), b...)
}

// Defaults fills what an event may leave empty. Prepare uses it; the zero
// value fills nothing but the ID and the time.
type Defaults struct {
	Region    string // awsRegion when empty
	AccountID string // recipientAccountId when empty
	// Now and NewID default to time.Now and NewEventID (tests fix them).
	Now   func() time.Time
	NewID func() string
}

// MaxParametersBytes bounds requestParameters and responseElements after
// redaction; larger documents are replaced by a note with their size, as
// CloudTrail omits oversized elements.
const MaxParametersBytes = 64 << 10

// Prepare returns e ready to be written: every default filled, the time in
// UTC whole seconds, the identity in its closed shape, and
// requestParameters / responseElements redacted and bounded. Prepare is
// idempotent; every sink in this package applies it.
func (d Defaults) Prepare(e Event) Event {
	if e.EventVersion == "" {
		e.EventVersion = EventVersion
	}
	if e.EventID == "" {
		if d.NewID != nil {
			e.EventID = d.NewID()
		} else {
			e.EventID = NewEventID()
		}
	}
	if e.EventTime.IsZero() {
		if d.Now != nil {
			e.EventTime = d.Now()
		} else {
			e.EventTime = time.Now()
		}
	}
	e.EventTime = e.EventTime.UTC().Truncate(time.Second)
	if e.EventSource == "" {
		e.EventSource = EventSourceControlPlane
	}
	if e.EventType == "" {
		e.EventType = EventTypeAPICall
	}
	if e.EventCategory == "" {
		e.EventCategory = CategoryManagement
		if e.EventSource == EventSourceDataPlane {
			e.EventCategory = CategoryData
		}
	}
	if e.AWSRegion == "" {
		e.AWSRegion = d.Region
	}
	if e.RecipientAccountID == "" {
		e.RecipientAccountID = d.AccountID
	}
	e.UserIdentity = e.UserIdentity.sanitized()
	e.RequestParameters = bounded(Redact(e.RequestParameters))
	e.ResponseElements = bounded(Redact(e.ResponseElements))
	e.ErrorMessage = redactText(e.ErrorMessage)
	return e
}

// bounded compacts b and replaces it by a note if it is too large.
func bounded(b json.RawMessage) json.RawMessage {
	b = compact(b)
	if len(b) <= MaxParametersBytes {
		return b
	}
	out, _ := json.Marshal(map[string]any{"omitted": "element too large to record", "sizeBytes": len(b)})
	return out
}

// compact returns b without insignificant white space, and nil for JSON null.
func compact(b json.RawMessage) json.RawMessage {
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if !bytes.ContainsAny(b, " \t\r\n") {
		return b
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return hiddenJSON
	}
	if buf.String() == "null" {
		return nil
	}
	return buf.Bytes()
}

// UnmarshalJSON decodes a record, keeping requestParameters and
// responseElements compact and null as nil, so a decoded event equals the
// prepared event it was written from.
func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	p.RequestParameters = compact(p.RequestParameters)
	p.ResponseElements = compact(p.ResponseElements)
	*e = Event(p)
	return nil
}

// NewEventID returns a random (version 4) UUID.
func NewEventID() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // never fails (crypto/rand.Read)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return string(s[:])
}
