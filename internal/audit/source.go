package audit

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
)

// Event sources of the other APIs served on the control plane (DESIGN §2.2):
// each AWS API records the eventSource AWS itself uses for it.
const (
	EventSourceIAM     = "iam.amazonaws.com"
	EventSourceCognito = "cognito-idp.amazonaws.com"
	// EventSourceToolgate is the source of toolgate's own extension API
	// (/toolgate/), which has no AWS counterpart.
	EventSourceToolgate = "toolgate"
)

// EventSourceFor returns the eventSource of a control-plane call to the API
// whose IAM service prefix (and SigV4 signing name) is service:
// "<service>.amazonaws.com" for AWS APIs (bedrock-agentcore, iam,
// cognito-idp) and "toolgate" for the extension API.
func EventSourceFor(service string) string {
	switch service {
	case "", "bedrock-agentcore":
		return EventSourceControlPlane
	case EventSourceToolgate:
		return EventSourceToolgate
	}
	return service + ".amazonaws.com"
}

// SourceIP returns the sourceIPAddress of a request: the connection's peer
// or, when the operator runs a trusted proxy in front (trustForwarded), the
// left-most X-Forwarded-For entry. It returns "" when neither is an IP
// address.
func SourceIP(r *http.Request, trustForwarded bool) string {
	if trustForwarded {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(first)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.String()
	}
	return ""
}

// IdentityTypeFromARN returns the userIdentity.type of an IAM principal ARN:
// IdentityRoot for arn:…:root, IdentityRole for roles, IdentityIAMUser
// otherwise.
func IdentityTypeFromARN(arn string) string {
	res := arn
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		res = arn[i+1:]
	}
	switch {
	case res == "root":
		return IdentityRoot
	case strings.HasPrefix(res, "role/"), strings.HasPrefix(res, "assumed-role/"):
		return IdentityRole
	}
	return IdentityIAMUser
}

// RedactBounded is Redact followed by the bound Prepare applies: a document
// still larger than MaxParametersBytes after redaction is replaced by a note
// with its size. Callers that capture large documents (an inline OpenAPI
// schema in a request) use it before Record, so the recorder's buffer never
// holds more than MaxParametersBytes per element.
func RedactBounded(b json.RawMessage) json.RawMessage { return bounded(Redact(b)) }
