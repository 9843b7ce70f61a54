package cognito

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Member constraints from the Cognito API model (botocore cognito-idp
// 2016-04-18 and the Go SDK).
var (
	rePoolID        = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	reName          = regexp.MustCompile(`^[\w\s+=,.@-]+$`) // pool, client and resource server names
	reClientID      = regexp.MustCompile(`^[\w+]+$`)
	reClientSecret  = regexp.MustCompile(`^[\w+]+$`)
	reIdentifier    = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`) // resource server identifier, scope
	reScopeName     = regexp.MustCompile(`^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$`)
	reDomain        = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`)
	reNextToken     = regexp.MustCompile(`^\S+$`)
	reservedDomains = []string{"aws", "amazon", "cognito"}
)

// str checks a string member: required or not, its length in characters
// and its pattern. A nil pointer is "absent".
func (v *validation) str(member string, s *string, required bool, minLen, maxLen int, re *regexp.Regexp) {
	if s == nil {
		if required {
			v.add(member, nil, "Member must not be null")
		}
		return
	}
	n := utf8.RuneCountInString(*s)
	switch {
	case n < minLen:
		v.add(member, *s, fmt.Sprintf("Member must have length greater than or equal to %d", minLen))
	case n > maxLen:
		v.add(member, *s, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	case re != nil && !re.MatchString(*s):
		v.add(member, *s, "Member must satisfy regular expression pattern: "+strings.Trim(re.String(), "^$"))
	}
}

func (v *validation) poolID(s *string) { v.str("UserPoolId", s, true, 1, 55, rePoolID) }

func (v *validation) clientID(s *string) { v.str("ClientId", s, true, 1, 128, reClientID) }

// intRange checks an optional integer member.
func (v *validation) intRange(member string, n *int64, lo, hi int64) {
	if n == nil {
		return
	}
	if *n < lo {
		v.add(member, *n, fmt.Sprintf("Member must have value greater than or equal to %d", lo))
	} else if *n > hi {
		v.add(member, *n, fmt.Sprintf("Member must have value less than or equal to %d", hi))
	}
}

// enum checks an optional enum member.
func (v *validation) enum(member string, s *string, allowed ...string) {
	if s != nil && !slices.Contains(allowed, *s) {
		v.add(member, *s, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
	}
}

func (v *validation) nextToken(s *string) { v.str("NextToken", s, false, 1, 131072, reNextToken) }

// jsonKind is the JSON type of a member toolgate stores and echoes without
// interpreting.
type jsonKind int

const (
	kindString jsonKind = iota
	kindObject
	kindList
	kindBool
	kindNumber
	kindStringMap // map of string to string (tags)
)

// kinds checks that each echoed member present in raw has the JSON type the
// Cognito model gives it, so what DescribeUserPool echoes later always
// decodes in an SDK.
func (v *validation) kinds(raw map[string]json.RawMessage, kinds map[string]jsonKind) {
	for _, member := range slices.Sorted(maps.Keys(kinds)) {
		val, ok := raw[member]
		if !ok || string(val) == "null" {
			continue
		}
		var ok2 bool
		switch kinds[member] {
		case kindString:
			var s string
			ok2 = json.Unmarshal(val, &s) == nil
		case kindObject:
			var m map[string]json.RawMessage
			ok2 = json.Unmarshal(val, &m) == nil
		case kindList:
			var l []json.RawMessage
			ok2 = json.Unmarshal(val, &l) == nil
		case kindBool:
			var b bool
			ok2 = json.Unmarshal(val, &b) == nil
		case kindNumber:
			var f float64
			ok2 = json.Unmarshal(val, &f) == nil
		case kindStringMap:
			var m map[string]string
			ok2 = json.Unmarshal(val, &m) == nil
		}
		if !ok2 {
			v.add(member, string(val), "Member has the wrong type")
		}
	}
}

// pick returns the members of raw named in kinds, as the canonical JSON
// object stored in a Config column; nil when none is present.
func pick(raw map[string]json.RawMessage, kinds map[string]jsonKind) ([]byte, error) {
	out := map[string]json.RawMessage{}
	for member := range kinds {
		if val, ok := raw[member]; ok && string(val) != "null" {
			out[member] = val
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return json.Marshal(out) // sorted keys, compacted values
}
