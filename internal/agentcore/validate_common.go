package agentcore

import (
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Shared constraint checks. Lengths count Unicode code points, as Smithy's
// @length does for strings. Messages name the constraint and, for lengths
// and counts, the size received — never the value itself, so no secret
// (apiKey, clientSecret, inline payloads) can reach an error body or a log
// line (DESIGN §8.1).

// pattern is a [MODEL] pattern that remembers its source for the
// "must match …" message.
type pattern struct {
	src   string
	match func(string) bool
}

func mustPattern(src string) pattern { return pattern{src, regexp.MustCompile(src).MatchString} }

// Patterns quoted from the contract ([MODEL] constraints in §1.4, §6, §7, §8)
// unless marked "derived", in which case the contract gives only a shape
// (for example "ARN of an Oauth2CredentialProvider") and the pattern spells
// that shape out.
var (
	reGatewayName  = mustPattern(`^([0-9a-zA-Z][-]?){1,48}$`)
	reTargetName   = mustPattern(`^([0-9a-zA-Z][-]?){1,100}$`)
	reGatewayID    = mustPattern(`^([0-9a-z][-]?){1,100}-[0-9a-z]{10}$`)
	reTargetID     = mustPattern(`^[0-9a-zA-Z]{10}$`)
	reRoleArn      = mustPattern(`^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+$`)
	reKmsKeyArn    = mustPattern(`^arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key/[a-zA-Z0-9-]{36}$`)
	reClientToken  = mustPattern(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}$`)
	reTag          = mustPattern(`^[a-zA-Z0-9\s._:/=+@-]*$`)
	reNextToken    = mustPattern(`^\S*$`)
	reDiscoveryURL = mustPattern(`^.+/\.well-known/(openid-configuration|oauth-authorization-server)$`)
	reScope        = mustPattern(`^[\x21\x23-\x5B\x5D-\x7E]+$`)
	// reClaimName is the model's pattern verbatim; note that ".-:" inside
	// the class is a range, which also admits "/" — as it does for AWS.
	reClaimName    = mustPattern(`^[A-Za-z0-9_.-:]+$`)
	reClaimValue   = mustPattern(`^[A-Za-z0-9_.-]+$`)
	reWorkloadName = mustPattern(`^[A-Za-z0-9_.-]+$`)
	// reLambdaArn is derived from "arn:…:lambda:{region}:{acct}:function:{name}(:{qualifier})?".
	reLambdaArn = mustPattern(`^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(-gov)?-[a-z]+-[0-9]:[0-9]{12}:function:[a-zA-Z0-9_.-]+(:(\$LATEST|[a-zA-Z0-9_-]+))?$`)
	// reS3URI exceeds RE2's repetition limit of 1000, so it is spelled out.
	reS3URI = pattern{`^s3://.{1,2043}$`, func(s string) bool {
		rest, ok := strings.CutPrefix(s, "s3://")
		n := utf8.RuneCountInString(rest)
		return ok && n >= 1 && n <= 2043 && !strings.Contains(rest, "\n")
	}}
	reAccountID    = mustPattern(`^[0-9]{12}$`)
	reHTTPS        = mustPattern(`^https://.*`)
	reIAMService   = mustPattern(`^[a-zA-Z0-9._-]+$`)
	reReturnURL    = mustPattern(`^\w+:(\/?\/?)[^\s]+$`)
	reProviderName = mustPattern(`^[a-zA-Z0-9\-_]+$`)
	// Derived: the token-vault ARN forms of §8.1/§8.2 (service bedrock-agentcore,
	// or acps as in the model, §12.7).
	reOAuthProviderArn  = mustPattern(`^arn:aws(-[^:]+)?:(bedrock-agentcore|acps):[a-z0-9-]*:[0-9]{12}:token-vault/[a-zA-Z0-9_-]+/oauth2credentialprovider/[a-zA-Z0-9_-]+$`)
	reAPIKeyProviderArn = mustPattern(`^arn:aws(-[^:]+)?:(bedrock-agentcore|acps):[a-z0-9-]*:[0-9]{12}:token-vault/[a-zA-Z0-9_-]+/apikeycredentialprovider/[a-zA-Z0-9_-]+$`)
	// Derived: policyEngineArn of §10 with its policyEngineId pattern.
	rePolicyEngineArn = mustPattern(`^arn:aws(-[^:]+)?:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:policy-engine/[A-Za-z][A-Za-z0-9_]*-[a-z0-9_]{10}$`)
	// Derived: a Secrets Manager secret ARN.
	reSecretArn = mustPattern(`^arn:aws(-[^:]+)?:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$`)
	// Derived: any bedrock-agentcore resource ARN (hosting environments).
	reAgentCoreArn = mustPattern(`^arn:aws(-[^:]+)?:bedrock-agentcore:[a-z0-9-]*:[0-9]{12}:.+$`)
	// Derived: an MCP protocol revision is a date (§11.1).
	reMCPVersion = mustPattern(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	// Derived: an HTTP header field name is an RFC 9110 token.
	reHeaderName = mustPattern("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

// Sizes from the quota table (§11.13): inline schema 1 MB (read as 1 MiB)
// and tool names of 256 characters.
const (
	maxInlinePayloadBytes = 1 << 20
	maxToolNameLength     = 256
)

// validator accumulates problems for one request.
type validator struct {
	errs fieldErrors
}

// structure runs the rules declared on the types (required members, unions,
// enums); every Validate starts with it.
func (v *validator) structure(req any) {
	checkStructure("", reflect.ValueOf(req).Elem(), &v.errs)
}

func (v *validator) add(p path, format string, args ...any) { v.errs.add(p, format, args...) }

// length checks a present string against [lo, hi] code points (hi < 0: no
// upper bound) and reports false if it is out of range.
func (v *validator) length(p path, s *string, lo, hi int) bool {
	if s == nil {
		return true
	}
	n := utf8.RuneCountInString(*s)
	switch {
	case hi >= 0 && lo == hi && n != lo:
		v.add(p, "must be exactly %d characters, got %d", lo, n)
	case hi < 0 && n < lo:
		v.add(p, "must be at least %d characters, got %d", lo, n)
	case hi >= 0 && (n < lo || n > hi):
		if lo == 0 {
			v.add(p, "must be at most %d characters, got %d", hi, n)
		} else {
			v.add(p, "must be %d-%d characters, got %d", lo, hi, n)
		}
	default:
		return true
	}
	return false
}

// match checks a present string against a pattern.
func (v *validator) match(p path, s *string, re pattern) bool {
	if s == nil || re.match(*s) {
		return true
	}
	v.add(p, "must match %s", re.src)
	return false
}

// text is length then, if the length is right, pattern — one complaint per
// member. It reports whether the value passed.
func (v *validator) text(p path, s *string, lo, hi int, re pattern) bool {
	return v.length(p, s, lo, hi) && v.match(p, s, re)
}

// count checks the number of items of a present list or map.
func (v *validator) count(p path, present bool, n, lo, hi int) bool {
	if !present {
		return true
	}
	switch {
	case lo == hi && n != lo:
		v.add(p, "must contain exactly %d %s, got %d", lo, items(lo), n)
	case hi < 0 && n < lo:
		v.add(p, "must contain at least %d %s, got %d", lo, items(lo), n)
	case hi >= 0 && lo == 0 && n > hi:
		v.add(p, "must contain at most %d %s, got %d", hi, items(hi), n)
	case hi >= 0 && (n < lo || n > hi):
		v.add(p, "must contain %d-%d items, got %d", lo, hi, n)
	default:
		return true
	}
	return false
}

func items(n int) string {
	if n == 1 {
		return "item"
	}
	return "items"
}

// intRange checks a present integer against [lo, hi].
func (v *validator) intRange(p path, x *int32, lo, hi int32) {
	if x != nil && (*x < lo || *x > hi) {
		v.add(p, "must be between %d and %d, got %d", lo, hi, *x)
	}
}

// each checks each element of a list with check, which receives the
// element's path.
func (v *validator) each(p path, list []string, check func(path, *string)) {
	for i := range list {
		check(p.idx(i), &list[i])
	}
}

// noDuplicates reports every element equal (under key) to an earlier one.
func (v *validator) noDuplicates(p path, list []string, key func(string) string) {
	first := map[string]int{}
	for i, s := range list {
		k := key(s)
		if j, dup := first[k]; dup {
			v.add(p.idx(i), "duplicates %s", p.idx(j))
			continue
		}
		first[k] = i
	}
}

func identity(s string) string { return s }

// clientToken checks the idempotency token of §1.4.
func (v *validator) clientToken(p path, s *string) {
	v.text(p, s, 33, 256, reClientToken)
}

// tags checks a resource tag map (§6.1): at most 50 entries, keys 1–128 and
// values 0–256 characters, both of the tag pattern.
func (v *validator) tags(p path, m map[string]string) {
	v.count(p, m != nil, len(m), 0, 50)
	for _, k := range sortedKeys(m) {
		kp := p.mapKey(k)
		val := m[k]
		if n := utf8.RuneCountInString(k); n < 1 || n > 128 {
			v.add(kp, "tag key must be 1-128 characters, got %d", n)
		} else if !reTag.match(k) {
			v.add(kp, "tag key must match %s", reTag.src)
		}
		v.text(kp, &val, 0, 256, reTag)
	}
}

// absoluteURL checks that a present string is an absolute URL with a host
// whose scheme is one of schemes.
func (v *validator) absoluteURL(p path, s *string, schemes ...string) bool {
	if s == nil {
		return true
	}
	u, err := url.Parse(*s)
	if err != nil || u.Host == "" || !contains(schemes, strings.ToLower(u.Scheme)) {
		v.add(p, "must be an absolute %s URL with a host", strings.Join(schemes, " or "))
		return false
	}
	return true
}

// nonEmpty requires a present string to have at least one character.
func (v *validator) nonEmpty(p path, s *string) { v.length(p, s, 1, -1) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ptr returns a pointer to s; handy for checking list elements and map
// values with the pointer-based helpers.
func ptr[T any](s T) *T { return &s }

// ---- identifiers and paging outside the body -------------------------------

// ValidateGatewayIdentifier checks the {gatewayIdentifier} path label
// (§6.2: the gatewayId pattern).
func ValidateGatewayIdentifier(id string) error {
	var v validator
	v.text("gatewayIdentifier", &id, 1, -1, reGatewayID)
	return v.errs.err()
}

// ValidateTargetID checks the {targetId} path label (§6.6).
func ValidateTargetID(id string) error {
	var v validator
	v.match("targetId", &id, reTargetID)
	return v.errs.err()
}

// PageQuery is the maxResults/nextToken query pair of ListGateways and
// ListGatewayTargets (§6.5, §6.9).
type PageQuery struct {
	MaxResults *int32
	NextToken  *string
}

// ParsePageQuery reads and validates maxResults (1–1000) and nextToken
// (1–2048, no whitespace) from a query string. An absent parameter stays nil.
func ParsePageQuery(q url.Values) (PageQuery, error) {
	var v validator
	var pq PageQuery
	if q.Has("maxResults") {
		n, err := strconv.ParseInt(q.Get("maxResults"), 10, 64)
		if err != nil {
			v.add("maxResults", "expected integer")
		} else if n < 1 || n > 1000 {
			v.add("maxResults", "must be between 1 and 1000, got %d", n)
		} else {
			pq.MaxResults = ptr(int32(n))
		}
	}
	if q.Has("nextToken") {
		pq.NextToken = ptr(q.Get("nextToken"))
		v.text("nextToken", pq.NextToken, 1, 2048, reNextToken)
	}
	return pq, v.errs.err()
}
