// Package jwtauth validates inbound bearer tokens for gateways whose
// authorizer is CUSTOM_JWT or AUTHENTICATE_ONLY (agentcore-api.md §7.1,
// §11.2), and explains every rejection.
//
// It owns the whole decision and nothing of HTTP: the data plane extracts
// the bearer token, calls [Authorizer.Verify] and turns a [*Failure] into a
// 401 or 403 challenge; `toolgate token check` calls [Authorizer.Check].
//
// # Pieces
//
//   - [KeySets], one per process, fetches each IdP's discovery document
//     (OIDC or RFC 8414) and keeps its JWKS in an httprc cache refreshed in
//     the background. A token whose kid is unknown forces one rate-limited
//     refresh, so key rotation needs no restart; an unreachable IdP keeps
//     the keys already fetched working and fails closed for anything else.
//   - [Authorizer], one per gateway configuration, is immutable and cheap
//     to build. It owns a verified-token cache keyed by the SHA-256 of the
//     token, so building a new Authorizer on every configuration change
//     also drops every decision taken under the old one.
//
// # Decisions where the contract is silent
//
//   - allowedScopes: the token needs at least one of the listed scopes (a
//     gateway lists the scopes that grant access, as Cognito resource
//     servers do). Scopes are read from "scope" and "scp", each either a
//     space-separated string or an array of strings, and unioned.
//   - allowedClients: "client_id" when present, otherwise "azp".
//   - customClaims: inboundTokenClaimName names a top-level claim literally
//     ("cognito:groups", "a.b"); there is no nested-path syntax. The claim's
//     JSON type must be the declared one: a STRING rule never matches an
//     array and a STRING_ARRAY rule never matches a bare string.
//   - An empty allow-list counts as not configured (the control plane
//     rejects empty lists, so only hand-edited data can carry one).
//   - typ: absent, "JWT", "at+jwt", "application/jwt" or "application/at+jwt"
//     (case-insensitive, RFC 7515 §4.1.9 allows dropping "application/").
//     A "crit" header is always rejected: no JWS extension is understood.
//     Key-carrying headers (jku, x5u, jwk, x5c) are ignored: keys come only
//     from the configured discovery document.
//   - Times: a token is expired once now ≥ exp+leeway, not yet valid while
//     now+leeway < nbf, and rejected when iat > now+leeway.
//   - Order: format, alg, typ, key, signature, then the claims. Claims of a
//     token whose signature does not verify are never trusted; the scope
//     check runs last so that 403 insufficient_scope is only answered for
//     tokens that are otherwise acceptable.
package jwtauth
