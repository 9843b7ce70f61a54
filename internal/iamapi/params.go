package iamapi

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// params are the parameters of one Query API request: the URL query and,
// for POST, the form-encoded body, merged. A parameter given twice (in the
// query and the body, or twice in one) is refused rather than resolved one
// way by the authoriser and another by the handler.
type params struct {
	v   url.Values
	dup string
}

// parseParams merges the URL query and a form-encoded body. Classify and
// the handler both call it on the same inputs, so they agree on what a
// request names.
func parseParams(rawQuery string, body []byte) params {
	p := params{v: url.Values{}}
	for _, src := range []string{rawQuery, string(body)} {
		vs, err := url.ParseQuery(src)
		if err != nil && p.dup == "" {
			p.dup = "(malformed query string)"
		}
		for k, list := range vs {
			if len(list) > 1 || p.v.Has(k) {
				if p.dup == "" {
					p.dup = k
				}
			}
			p.v[k] = append(p.v[k], list...)
		}
	}
	return p
}

// get returns the single value of name ("" when absent).
func (p params) get(name string) string { return p.v.Get(name) }

// has reports whether name was given.
func (p params) has(name string) bool { return p.v.Has(name) }

// opt returns the value of name and whether it was given non-empty.
func (p params) opt(name string) (string, bool) {
	s := p.v.Get(name)
	return s, s != ""
}

// list returns the members of a list parameter (Name.member.1, .2, …). An
// empty list is sent by the SDKs as "Name=" and yields nil.
func (p params) list(name string) []string {
	var out []string
	for i := 1; ; i++ {
		k := name + ".member." + strconv.Itoa(i)
		if !p.v.Has(k) {
			return out
		}
		out = append(out, p.v.Get(k))
	}
}

// structs returns, for a list of structures (Name.member.N.Field), one
// params scoped to each member.
func (p params) structs(name string) []params {
	var out []params
	for i := 1; ; i++ {
		prefix := name + ".member." + strconv.Itoa(i) + "."
		sub := url.Values{}
		for k, v := range p.v {
			if rest, ok := strings.CutPrefix(k, prefix); ok {
				sub[rest] = v
			}
		}
		if len(sub) == 0 {
			return out
		}
		out = append(out, params{v: sub})
	}
}

// tags returns the Tags list parameter as key/value pairs in order.
func (p params) tags(name string) []tagPair {
	var out []tagPair
	for _, m := range p.structs(name) {
		out = append(out, tagPair{Key: m.get("Key"), Value: m.get("Value")})
	}
	return out
}

type tagPair struct{ Key, Value string }

// Constraints of IAM's parameters, as its API reference states them.
var (
	nameChars      = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathPattern    = regexp.MustCompile(`^(/|/[\x{21}-\x{7E}]+/)$`)
	prefixPattern  = regexp.MustCompile(`^/[\x{21}-\x{7F}]*$`)
	tagKeyPattern  = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	tagValPattern  = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	versionPattern = regexp.MustCompile(`^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$`)
	keyIDPattern   = regexp.MustCompile(`^[\w]+$`)
)

const (
	namePatternText = `[\w+=,.@-]+`
	pathPatternText = `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
)

// checkName validates a user, role or policy name.
func checkName(v *validation, member, s string, max int, required bool) {
	if s == "" {
		if required {
			v.add(member, nil, "Member must not be null")
		}
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		v.add(member, s, "Member must have length less than or equal to "+strconv.Itoa(max))
		return
	}
	if !nameChars.MatchString(s) {
		v.add(member, s, "Member must satisfy regular expression pattern: "+namePatternText)
	}
}

// checkPath validates a Path parameter; "" means "/".
func checkPath(v *validation, member, s string) {
	if s == "" {
		return
	}
	if len(s) > 512 {
		v.add(member, s, "Member must have length less than or equal to 512")
		return
	}
	if !pathPattern.MatchString(s) {
		v.add(member, s, "Member must satisfy regular expression pattern: "+pathPatternText)
	}
}

func checkPathPrefix(v *validation, s string) {
	if s == "" {
		return
	}
	if len(s) > 512 || !prefixPattern.MatchString(s) {
		v.add("PathPrefix", s, `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
}

// checkTags validates tags as TagUser and CreateUser do.
func checkTags(v *validation, member string, tags []tagPair) {
	if len(tags) > 50 {
		v.add(member, len(tags), "Member must have length less than or equal to 50")
	}
	seen := map[string]bool{}
	for i, t := range tags {
		m := member + ".member." + strconv.Itoa(i+1)
		switch {
		case t.Key == "":
			v.add(m+".key", nil, "Member must not be null")
		case utf8.RuneCountInString(t.Key) > 128:
			v.add(m+".key", t.Key, "Member must have length less than or equal to 128")
		case !tagKeyPattern.MatchString(t.Key):
			v.add(m+".key", t.Key, `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
		case seen[strings.ToLower(t.Key)]:
			v.add(m+".key", t.Key, "Duplicate tag keys are not allowed (tag keys are case-insensitive)")
		}
		seen[strings.ToLower(t.Key)] = true
		if utf8.RuneCountInString(t.Value) > 256 {
			v.add(m+".value", t.Value, "Member must have length less than or equal to 256")
		} else if !tagValPattern.MatchString(t.Value) {
			v.add(m+".value", t.Value, `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
		}
	}
}

// pageReq is a Marker/MaxItems pair.
type pageReq struct {
	marker string
	max    int
}

// pageParams reads Marker and MaxItems (1–1000, default 100).
func pageParams(v *validation, p params) pageReq {
	pr := pageReq{marker: p.get("Marker"), max: 100}
	if s, ok := p.opt("MaxItems"); ok {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil:
			v.add("MaxItems", s, "Member must be an integer")
		case n < 1:
			v.add("MaxItems", n, "Member must have value greater than or equal to 1")
		case n > 1000:
			v.add("MaxItems", n, "Member must have value less than or equal to 1000")
		default:
			pr.max = n
		}
	}
	return pr
}

// paginate returns one page of items. With key, items are sorted by key and
// the marker remembers the last key returned, so deletions between pages
// skip nothing; without, the marker is an offset (for short lists that
// have a fixed order, such as policy versions).
func paginate[T any](items []T, key func(T) string, pr pageReq) (page []T, next string, err error) {
	start := 0
	if pr.marker != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(pr.marker)
		kind, val, ok := strings.Cut(string(raw), ":")
		if derr != nil || !ok || (kind == "k") != (key != nil) || (kind != "k" && kind != "o") {
			return nil, "", errValidationMsg("Invalid Marker.")
		}
		if key != nil {
			for start < len(items) && key(items[start]) <= val {
				start++
			}
		} else {
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return nil, "", errValidationMsg("Invalid Marker.")
			}
			start = min(n, len(items))
		}
	}
	end := min(start+pr.max, len(items))
	page = items[start:end]
	if end < len(items) {
		if key != nil {
			next = base64.RawURLEncoding.EncodeToString([]byte("k:" + key(items[end-1])))
		} else {
			next = base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(end)))
		}
	}
	return page, next, nil
}

// policyDocument returns a policy document parameter as JSON text. The SDKs
// send the JSON itself (form-encoded on the wire); a document that arrives
// still URL-encoded, as AWS prints them and as scripts sometimes pass them
// back, is decoded once.
func policyDocument(s string) string {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "%7B") || strings.HasPrefix(t, "%7b") {
		if dec, err := url.PathUnescape(t); err == nil {
			return dec
		}
	}
	return s
}

// encodeDocument URL-encodes a policy document as AWS does in responses
// (RFC 3986: every byte but the unreserved characters is percent-encoded).
func encodeDocument(doc string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(doc) * 2)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
