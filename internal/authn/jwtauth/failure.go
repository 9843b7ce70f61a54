package jwtauth

import (
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind classifies a Failure by the HTTP answer it calls for.
type Kind int

const (
	// InvalidToken: answer 401 with error="invalid_token".
	InvalidToken Kind = iota + 1
	// InsufficientScope: answer 403 with error="insufficient_scope" and the
	// scopes of Failure.MissingScopes.
	InsufficientScope
	// Unavailable: the IdP's discovery document or keys could not be
	// fetched, so the token cannot be judged. Answer 401 like InvalidToken
	// (fail closed); the distinction is for logs, metrics and alerts, since
	// the fix is on the operator's side, not the caller's.
	Unavailable
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case InvalidToken:
		return "invalid_token"
	case InsufficientScope:
		return "insufficient_scope"
	case Unavailable:
		return "unavailable"
	default:
		return "unknown"
	}
}

// Failure is the error Verify returns. Its Error method returns only the
// Description, so printing it anywhere is safe; log it with slog (it is a
// slog.LogValuer) to record the Diagnosis too.
type Failure struct {
	Kind Kind
	// Check names the failed check, as in Report.Checks ("audience",
	// "exp", "claim:department", …): a stable label for metrics and audit.
	Check string
	// Description is safe for the caller's RFC 6750 error_description: a
	// fixed phrase naming the failed check, never a claim value.
	Description string
	// Diagnosis is for logs, audit and `token check`: what exactly failed
	// and how to fix it. It may contain iss, aud, client_id/azp, sub, kid,
	// alg, typ, scope names, times and the gateway's configured lists, and
	// never any other claim value nor the token.
	Diagnosis string
	// MissingScopes, for InsufficientScope, lists the scopes a client may
	// request to be let in (any one suffices), in their advertised form
	// (advertisedScopeMapping applied): ready for the challenge's scope.
	MissingScopes []string

	detail, fix string // Diagnosis in two halves, for Report
}

// Error returns the Description.
func (f *Failure) Error() string { return f.Description }

// LogValue records the check, kind and diagnosis.
func (f *Failure) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("check", f.Check),
		slog.String("kind", f.Kind.String()),
		slog.String("diagnosis", f.Diagnosis),
	)
}

func newFailure(kind Kind, check, description, detail, fix string) *Failure {
	d := detail
	if fix != "" {
		d = detail + ": " + fix
	}
	return &Failure{Kind: kind, Check: check, Description: description, Diagnosis: d, detail: detail, fix: fix}
}

// Public descriptions: fixed phrases, so no claim value can reach a caller.
const (
	descMalformed      = "token is not a well-formed JWT"
	descCrit           = "token uses unsupported JWS extensions"
	descUnsigned       = "token is not signed"
	descAlg            = "token signing algorithm is not allowed"
	descTyp            = "token type is not accepted"
	descUnavailable    = "authorization server keys are unavailable"
	descUnknownKey     = "token signing key is unknown"
	descNoKid          = "token has no key id"
	descKeyMismatch    = "token signing algorithm does not match its key"
	descSignature      = "token signature is invalid"
	descIssuer         = "token issuer does not match"
	descNoExp          = "token has no expiry"
	descExpired        = "token expired"
	descNotYetValid    = "token is not yet valid"
	descIssuedInFuture = "token issue time is in the future"
	descTimeMalformed  = "token time claim is malformed"
	descAudience       = "token audience does not match"
	descClient         = "token client is not allowed"
	descScope          = "token lacks a required scope"
	descClaim          = "token claim does not match: " // + the configured claim name
)

// maxEcho bounds token-derived strings quoted in a diagnosis.
const maxEcho = 128

// clean makes a token-derived string safe to quote in a log line or on a
// terminal: control and non-printable characters become '?', and long
// values are cut.
func clean(s string) string {
	ok := len(s) <= maxEcho
	for i := 0; ok && i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			ok = false
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == maxEcho {
			b.WriteString("…")
			break
		}
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// list formats values the way diagnoses quote lists: [a b c].
func list(vs []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(clean(v))
	}
	b.WriteByte(']')
	return b.String()
}
