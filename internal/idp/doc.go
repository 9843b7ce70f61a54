// Package idp is toolgate's embedded OAuth 2.0 authorization server ("EZ
// auth", DESIGN §2.2): every user pool in the store is an issuer
// <data URL>/idp/<poolId> that publishes OIDC discovery and RFC 8414
// metadata, a JWKS, and a token endpoint for the client_credentials grant
// issuing Cognito-shaped JWT access tokens (client_id, scope, token_use,
// version 2, no aud unless the client asks for one).
//
// It owns the cryptography of the identity provider: signing keys (RSA 2048,
// generated per pool, sealed with package vault, rotated with overlap),
// client secrets (only a salted PBKDF2 hash is stored) and token signing. The
// Cognito-compatible management API that creates pools and clients lives in
// package cognito and calls NewSigningKey, NewClientSecret and HashSecret.
//
// # Why the token endpoint is written on jwx rather than ory/fosite
//
// zitadel/oidc is not available here, and fosite is a whole OAuth 2.0/OIDC
// framework: authorize, refresh, revocation and introspection handlers on
// top of its own storage interfaces (clients, sessions, token signatures),
// its own JWT strategy and a second JOSE library beside jwx, DESIGN's choice.
// Adapting it would mean implementing those storage interfaces over our
// store and vault and overriding its token strategy to produce Cognito's
// claim set, which is more code and more surface than the endpoint itself. A
// client-credentials-only token endpoint is small: parse a form, authenticate
// the client (client_secret_basic or client_secret_post), check the grant
// type and scopes, sign a JWS with jwx. The parts where such endpoints go
// wrong are each pinned by a test: every RFC 6749 §5.2 error code with its
// status, WWW-Authenticate on 401 after Basic authentication, the §2.3.1
// form-encoding of Basic credentials, refusal of repeated parameters (§3.2)
// and of credentials in the URL, Cache-Control: no-store, constant-time
// secret checks, and no secret or token in any log line.
//
// invalid_grant is never returned: RFC 6749 defines it for authorization
// grants and refresh tokens, and this endpoint refuses every grant type but
// client_credentials with unsupported_grant_type.
//
// # Hot path
//
// Pools, clients, unsealed keys and the pre-serialised discovery and JWKS
// documents are held in an immutable snapshot rebuilt when the store
// revision moves (polling, an optional change channel, or Notify), and on a
// miss: an unknown pool or client triggers one revision check, so a client
// created through the control plane can fetch a token at once. A token
// request then costs no store query and, after a client's first success, no
// key derivation: the SHA-256 of the verified secret is remembered per client
// and compared in constant time.
package idp
