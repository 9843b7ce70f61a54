package authn

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Principal is the authenticated caller of a data-plane request. Only
// Subject and ClientID may be logged or audited; Claims stay in memory for
// policy decisions (they may hold personal data).
type Principal struct {
	Subject   string
	ClientID  string
	Scopes    []string
	Claims    map[string]any
	ExpiresAt time.Time
	// Token is the raw bearer token, kept only for an explicit
	// JWT_PASSTHROUGH target (AUTHENTICATE_ONLY gateways); never logged.
	Token string
}

// UserID identifies the principal for session binding: the token subject,
// or the client id for client-credentials tokens without a subject.
func (p *Principal) UserID() string {
	if p.Subject != "" {
		return p.Subject
	}
	return p.ClientID
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of ctx, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Errors of BearerToken.
var (
	ErrNoToken        = errors.New("no bearer token")
	ErrMalformedToken = errors.New("malformed Authorization header")
	ErrTokenInQuery   = errors.New("access tokens are accepted only in the Authorization header")
)

// BearerToken returns the token of an "Authorization: Bearer …" header
// (RFC 6750 §2.1; the scheme is case-insensitive). Tokens in the query
// string or form body are refused: the MCP authorization spec forbids them,
// since URLs end up in logs.
func BearerToken(r *http.Request) (string, error) {
	if r.URL.Query().Has("access_token") {
		return "", ErrTokenInQuery
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", ErrNoToken
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", ErrMalformedToken
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", ErrMalformedToken
	}
	return token, nil
}

// Challenge formats a WWW-Authenticate value (RFC 6750 §3, RFC 9728 §5.1).
// code is "" (no token presented), "invalid_request", "invalid_token" or
// "insufficient_scope"; description must not contain token contents.
func Challenge(code, description string, scopes []string, resourceMetadata string) string {
	var b strings.Builder
	b.WriteString("Bearer ")
	sep := ""
	param := func(k, v string) {
		b.WriteString(sep)
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(quoteSafe(v))
		b.WriteString(`"`)
		sep = ", "
	}
	if code != "" {
		param("error", code)
		if description != "" {
			param("error_description", description)
		}
	}
	if len(scopes) > 0 {
		param("scope", strings.Join(scopes, " "))
	}
	param("resource_metadata", resourceMetadata)
	return b.String()
}

// quoteSafe keeps a value inside an RFC 7230 quoted-string: RFC 6750
// restricts error_description to %x20-21 / %x23-5B / %x5D-7E, so quotes,
// backslashes and non-ASCII are replaced.
func quoteSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '\''
		}
		return r
	}, s)
}
