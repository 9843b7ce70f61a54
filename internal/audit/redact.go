package audit

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// Hidden replaces every redacted value, as CloudTrail does.
const Hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

var hiddenJSON = json.RawMessage(`"` + Hidden + `"`)

// sensitiveExact are normalized keys (lower case, letters and digits only)
// that are always hidden.
var sensitiveExact = map[string]bool{
	"apikey": true, "clientsecret": true, "secret": true, "password": true,
	"token": true, "accesstoken": true, "refreshtoken": true, "idtoken": true,
	"usertoken": true, "workloadidentitytoken": true, "workloadaccesstoken": true,
	"secretaccesskey": true, "secretkey": true, "privatekey": true,
	"authorization": true, "proxyauthorization": true, "cookie": true,
	"setcookie": true, "sessiontoken": true, "xamzsecuritytoken": true,
	"passphrase": true, "clientassertion": true, "signature": true,
	"xamzsignature": true, "credentials": true, "bearer": true,
}

// notSensitive are normalized keys that match a suffix rule below but carry
// no secret (pagination cursors, idempotency tokens).
var notSensitive = map[string]bool{
	"nexttoken": true, "nextpagetoken": true, "pagetoken": true,
	"paginationtoken": true, "continuationtoken": true, "startingtoken": true,
	// idempotency tokens (AgentCore's clientToken)
	"clienttoken": true, "idempotencytoken": true,
}

var (
	sensitiveSuffixes = []string{"token", "apikey", "secret", "password", "passwd", "privatekey", "authorization"}
	// sensitiveContains apply to keys that do not name an ARN (apiKeySecretArn
	// names a secret, it is not one).
	sensitiveContains = []string{"secret", "password", "passwd", "passphrase", "privatekey", "authorizationheader", "credentialvalue"}
)

// normalizeKey lowercases name and keeps only letters and digits, so
// "client_secret", "Client-Secret" and "ClientSecret" compare equal.
func normalizeKey(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteByte(c)
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		}
	}
	return b.String()
}

// SensitiveKey reports whether a field named name holds a secret and must be
// hidden. Matching is case-insensitive and ignores '_', '-' and '.': an
// exact list (apiKey, clientSecret / ClientSecret, password, token,
// accessToken, refreshToken, idToken, userToken, workloadIdentityToken,
// workloadAccessToken, secretAccessKey, privateKey, authorization, cookie,
// ...), any name ending in token, apiKey, secret, password, privateKey or
// authorization (except pagination cursors and idempotency tokens:
// nextToken, clientToken), and any name containing secret, password,
// passphrase, privateKey or authorizationHeader unless it names an ARN
// (authorizationUrl and authorizationServerMetadata stay visible).
func SensitiveKey(name string) bool {
	k := normalizeKey(name)
	if sensitiveExact[k] {
		return true
	}
	if notSensitive[k] {
		return false
	}
	for _, s := range sensitiveSuffixes {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	if strings.HasSuffix(k, "arn") || strings.HasSuffix(k, "arns") {
		return false
	}
	for _, s := range sensitiveContains {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// sizeOnlyKey reports whether a field is recorded by size only: its value is
// hidden and a sibling <name>SizeBytes holds its length.
func sizeOnlyKey(name string) bool { return normalizeKey(name) == "inlinepayload" }

// SensitiveValue reports whether a string value is a credential whatever its
// field is called: an HTTP Bearer or Basic credential, or a JWT.
func SensitiveValue(s string) bool {
	if len(s) > 6 && (strings.EqualFold(s[:7], "bearer ") || strings.EqualFold(s[:6], "basic ")) {
		return true
	}
	return looksLikeJWT(s)
}

func looksLikeJWT(s string) bool {
	if len(s) < 16 || !strings.HasPrefix(s, "eyJ") || strings.Count(s, ".") != 2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '=') {
			return false
		}
	}
	return true
}

// redactTriggers are substrings without which a document cannot hold
// anything Redact hides. They are searched in the document lowercased with
// everything but letters, digits and backslashes removed (as SensitiveKey
// normalizes keys), so a document with none of them (and no escape
// sequence) is returned as is without being decoded.
var redactTriggers = [][]byte{
	[]byte("secret"), []byte("password"), []byte("passwd"), []byte("passphrase"),
	[]byte("token"), []byte("apikey"), []byte("privatekey"), []byte("authorization"),
	[]byte("cookie"), []byte("payload"), []byte("bearer"), []byte("basic"), []byte("eyj"),
	[]byte("credential"), []byte("assertion"), []byte("signature"), []byte("\\"),
}

// Redact returns params with every sensitive field hidden, recursively
// through objects and arrays: fields SensitiveKey matches and string values
// SensitiveValue matches become "HIDDEN_DUE_TO_SECURITY_REASONS";
// inlinePayload is hidden too and its size recorded in a sibling
// inlinePayloadSizeBytes. A document that is not valid JSON is hidden whole
// (it cannot be inspected). Empty input returns nil (JSON null); a document
// with nothing to hide is returned unchanged. Redact is idempotent.
func Redact(params json.RawMessage) json.RawMessage {
	trimmed := bytes.TrimSpace(params)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil
	}
	if !mayNeedRedaction(trimmed) {
		if json.Valid(trimmed) {
			return params
		}
		return hiddenJSON
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return hiddenJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return hiddenJSON
	}
	v, changed := redactValue(v)
	if !changed {
		return params
	}
	out, err := json.Marshal(v)
	if err != nil {
		return hiddenJSON
	}
	return out
}

func mayNeedRedaction(b []byte) bool {
	norm := make([]byte, 0, len(b))
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '\\':
			norm = append(norm, c)
		case c >= 'A' && c <= 'Z':
			norm = append(norm, c+'a'-'A')
		}
	}
	for _, t := range redactTriggers {
		if bytes.Contains(norm, t) {
			return true
		}
	}
	return false
}

// RedactValue is Redact for decoded JSON (maps, slices, strings, numbers,
// booleans, nil). It returns a redacted copy where anything changed and
// never modifies v.
func RedactValue(v any) any {
	out, _ := redactValue(v)
	return out
}

func redactValue(v any) (any, bool) {
	switch t := v.(type) {
	case map[string]any:
		var out map[string]any // copy on first change
		for k, val := range t {
			var nv any
			var changed bool
			var size = -1
			switch {
			case sizeOnlyKey(k):
				if val == Hidden {
					continue
				}
				nv, changed, size = Hidden, true, jsonSize(val)
			case SensitiveKey(k):
				if val == Hidden {
					continue
				}
				nv, changed = Hidden, true
			default:
				nv, changed = redactValue(val)
			}
			if !changed {
				continue
			}
			if out == nil {
				out = make(map[string]any, len(t)+1)
				for k2, v2 := range t {
					out[k2] = v2
				}
			}
			out[k] = nv
			if size >= 0 {
				out[k+"SizeBytes"] = size
			}
		}
		if out == nil {
			return t, false
		}
		return out, true
	case []any:
		var out []any
		for i, val := range t {
			nv, changed := redactValue(val)
			if !changed {
				continue
			}
			if out == nil {
				out = append([]any(nil), t...)
			}
			out[i] = nv
		}
		if out == nil {
			return t, false
		}
		return out, true
	case string:
		if t != Hidden && SensitiveValue(t) {
			return Hidden, true
		}
	}
	return v, false
}

func jsonSize(v any) int {
	if s, ok := v.(string); ok {
		return len(s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	return len(b)
}

// redactText hides credentials inside free text (error messages): a JWT, or
// the word after "Bearer" or "Basic".
func redactText(s string) string {
	if s == "" || !mayNeedRedaction([]byte(s)) {
		return s
	}
	words := strings.Fields(s)
	changed := false
	for i, w := range words {
		lw := strings.ToLower(w)
		if (lw == "bearer" || lw == "basic") && i+1 < len(words) {
			if words[i+1] != Hidden {
				words[i+1], changed = Hidden, true
			}
			continue
		}
		if looksLikeJWT(strings.Trim(w, `"'(),;:[]{}`)) {
			words[i], changed = Hidden, true
		}
	}
	if !changed {
		return s
	}
	return strings.Join(words, " ")
}
