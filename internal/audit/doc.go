// Package audit keeps toolgate's audit trail: one CloudTrail-shaped Event per
// control-plane call and per data-plane tool call, tool list or
// authentication failure.
//
// The pieces:
//
//   - Event is the record. Its JSON uses CloudTrail's field names and
//     layout (eventVersion "1.09"), so tools that read CloudTrail JSON lines
//     read toolgate's.
//   - Redact hides every secret and sensitive field of requestParameters and
//     responseElements, recursively, replacing the value with
//     "HIDDEN_DUE_TO_SECURITY_REASONS" as CloudTrail does. Prepare applies
//     it, and every sink in this package calls Prepare before writing, so
//     nothing reaches a file, a store or a subscriber unredacted.
//   - Sink receives batches: FileSink writes JSON lines with size-based
//     rotation; StoreSink appends to an EventStore (MemoryStore here; other
//     backends implement the interface and prove themselves with the
//     audittest suite). Query and its pure Match method define filtering
//     once for every backend.
//   - Recorder is what the planes call: Record never blocks; a bounded
//     buffer feeds one background writer that batches events to every sink.
//     When the buffer is full the event is counted as dropped, and the next
//     write carries a synthetic AuditEventsDropped event with the count, so
//     loss is always reported. Subscribe follows new events (audit tail).
//
// # Decisions
//
// eventSource is "bedrock-agentcore.amazonaws.com" (EventSourceControlPlane)
// for AgentCore control-plane calls, exactly as AgentCore's own CloudTrail
// events; the other APIs served on the control plane record the source AWS
// uses for them ("iam.amazonaws.com", "cognito-idp.amazonaws.com"), and
// toolgate's extension API (/toolgate/) records "toolgate" (EventSourceFor).
// Data-plane events use "gateway.toolgate" (EventSourceDataPlane): they have
// no AgentCore counterpart; a distinct source keeps them from being mistaken
// for AWS API calls by CloudTrail tooling. The recorder's own service events
// use "audit.toolgate" (EventSourceAudit). eventCategory is "Management" or
// "Data" accordingly, as in CloudTrail.
//
// Data-plane details (gateway, target, tool, outcome, latencyMs) live in
// additionalEventData, as CloudTrail puts service-specific details there,
// and so the top level keeps exactly CloudTrail's fields. The synthetic
// AuditEventsDropped event (eventType "AwsServiceEvent") reports its count in
// additionalEventData.droppedEvents.
//
// eventTime is RFC 3339 in UTC with whole seconds, like CloudTrail; ordering
// within a second is the order of appending (stores keep insertion order).
//
// userIdentity has a fixed set of fields and no free-form claims: IAM callers
// carry type, principalId, arn, accountId, accessKeyId and userName; JWT
// callers (type "WebIdentityUser") carry only sub and client_id, and Prepare
// clears any other field on such an identity.
//
// Ownership: Record takes ownership of the event, including its slices
// (RequestParameters, ResponseElements, Resources); callers must not modify
// them afterwards. Events handed to subscribers and returned by queries must
// be treated as read-only.
package audit
