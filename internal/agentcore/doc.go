// Package agentcore owns the wire shapes of the AgentCore control plane that
// toolgate serves: gateways, gateway targets and API-key credential
// providers (contract: agentcore-api.md §6, §7, §8.1), their strict JSON
// decoding, and their validation. It performs no I/O; the control-plane
// handlers read a body, call DecodeRequest (or Decode then Validate), map
// the request to storage and build responses from the response types here.
//
// Wire rules this package encodes:
//
//   - JSON member names are the Smithy member names (lowerCamelCase), which
//     the SDK uses verbatim (contract preamble, §1.2).
//   - Absent optional members are omitted, as the SDK serialisers do:
//     pointers and strings carry omitempty; lists and maps carry omitzero,
//     so nil is omitted but an explicit [] or {} survives a round trip.
//   - Unions are structs whose members are all optional; exactly one must
//     be set (§1.2). HTTP and inference target configurations are out of
//     scope and kept as raw JSON, checked only for being one-member unions.
//   - Gateway and target timestamps are RFC 3339 strings (DateTime);
//     identity timestamps are epoch-second numbers (EpochSeconds) (§0).
//   - Errors are *ValidationError values that map one-to-one onto a
//     ValidationException body (§1.5): a reason and a fieldList naming each
//     offending member by its JSON path. No message repeats a value the
//     client sent, so secrets cannot leak through errors (DESIGN §8.1).
//
// Rules declared on the types (struct tag `agentcore:"required"`, union
// membership, enum value sets) are enforced by reflection in both Decode
// and Validate; everything else (lengths, patterns, counts, cross-member
// rules) is spelled out per type in the validate_*.go files, each citing
// the contract section it implements. Validate reports the declared rules
// first, then the spelled-out ones, each in declaration order, so the
// fieldList of a given request is always the same.
package agentcore
