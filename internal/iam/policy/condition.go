package policy

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// opKind is a condition operator with its negation, IfExists suffix and set
// qualifier stripped.
type opKind uint8

const (
	opStringEquals opKind = iota
	opStringEqualsIgnoreCase
	opStringLike
	opArnLike // ArnEquals and ArnLike are the same operator in AWS
	opNumericEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opIPAddress
	opNull
)

type opInfo struct {
	kind   opKind
	negate bool
}

// operators maps every base operator name (without IfExists or qualifier).
var operators = map[string]opInfo{
	"StringEquals":              {opStringEquals, false},
	"StringNotEquals":           {opStringEquals, true},
	"StringEqualsIgnoreCase":    {opStringEqualsIgnoreCase, false},
	"StringNotEqualsIgnoreCase": {opStringEqualsIgnoreCase, true},
	"StringLike":                {opStringLike, false},
	"StringNotLike":             {opStringLike, true},
	"ArnEquals":                 {opArnLike, false},
	"ArnLike":                   {opArnLike, false},
	"ArnNotEquals":              {opArnLike, true},
	"ArnNotLike":                {opArnLike, true},
	"NumericEquals":             {opNumericEquals, false},
	"NumericNotEquals":          {opNumericEquals, true},
	"NumericLessThan":           {opNumericLessThan, false},
	"NumericLessThanEquals":     {opNumericLessThanEquals, false},
	"NumericGreaterThan":        {opNumericGreaterThan, false},
	"NumericGreaterThanEquals":  {opNumericGreaterThanEquals, false},
	"DateEquals":                {opDateEquals, false},
	"DateNotEquals":             {opDateEquals, true},
	"DateLessThan":              {opDateLessThan, false},
	"DateLessThanEquals":        {opDateLessThanEquals, false},
	"DateGreaterThan":           {opDateGreaterThan, false},
	"DateGreaterThanEquals":     {opDateGreaterThanEquals, false},
	"Bool":                      {opBool, false},
	"IpAddress":                 {opIPAddress, false},
	"NotIpAddress":              {opIPAddress, true},
	"Null":                      {opNull, false},
}

type setQualifier uint8

const (
	setNone setQualifier = iota
	setForAnyValue
	setForAllValues
)

// clause is one condition key under one operator, e.g.
// "StringEquals": {"aws:username": ["alice", "bob"]}.
type clause struct {
	op       opKind
	negate   bool
	ifExists bool
	set      setQualifier
	key      string // as written in the policy
	low      string // lower-cased, for case-insensitive lookup
	values   []condValue
}

// condValue is one policy value, precompiled for its operator.
type condValue struct {
	pat    pattern      // string operators
	arn    [6]pattern   // ARN operators: one pattern per colon-separated part
	num    float64      // numeric operators
	date   time.Time    // date operators
	prefix netip.Prefix // IP operators
	b      bool         // Bool and Null
}

// parseOperator splits "ForAnyValue:StringNotLikeIfExists" into its parts.
func parseOperator(name string) (opInfo, setQualifier, bool, error) {
	base := name
	set := setNone
	if rest, ok := strings.CutPrefix(base, "ForAnyValue:"); ok {
		base, set = rest, setForAnyValue
	} else if rest, ok := strings.CutPrefix(base, "ForAllValues:"); ok {
		base, set = rest, setForAllValues
	}
	info, ok := operators[base]
	ifExists := false
	if !ok {
		if trimmed, cut := strings.CutSuffix(base, "IfExists"); cut {
			info, ok = operators[trimmed]
			ifExists = true
		}
	}
	if !ok {
		return opInfo{}, 0, false, fmt.Errorf("unknown condition operator %q%s", name, suggestOperator(name))
	}
	if info.kind == opNull && (ifExists || set != setNone) {
		return opInfo{}, 0, false, fmt.Errorf("condition operator %q: Null takes neither IfExists nor a set qualifier", name)
	}
	return info, set, ifExists, nil
}

// suggestOperator names the operator a miscapitalised name was meant to be.
func suggestOperator(name string) string {
	for _, prefix := range []string{"", "ForAnyValue:", "ForAllValues:"} {
		for base := range operators {
			for _, suffix := range []string{"", "IfExists"} {
				if want := prefix + base + suffix; strings.EqualFold(name, want) {
					return fmt.Sprintf(" (did you mean %q?)", want)
				}
			}
		}
	}
	return ""
}

// compileValue precompiles one policy value for op. variables reports
// whether policy variables are enabled (Version 2012-10-17).
func compileValue(op opKind, v string, variables bool) (condValue, error) {
	var cv condValue
	var err error
	switch op {
	case opStringEquals:
		cv.pat, err = compilePattern(v, compileOptions{variables: variables})
	case opStringEqualsIgnoreCase:
		cv.pat, err = compilePattern(v, compileOptions{variables: variables, fold: true})
	case opStringLike:
		cv.pat, err = compilePattern(v, compileOptions{wildcards: true, variables: variables})
	case opArnLike:
		cv.arn, err = compileARN(v, variables)
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		cv.num, err = parseNumber(v)
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		var ok bool
		if cv.date, ok = parseDate(v); !ok {
			err = fmt.Errorf("%q is not an ISO 8601 date or epoch seconds", v)
		}
	case opBool, opNull:
		var ok bool
		if cv.b, ok = parseBool(v); !ok {
			err = fmt.Errorf("%q is not \"true\" or \"false\"", v)
		}
	case opIPAddress:
		cv.prefix, err = parsePrefix(v)
	}
	return cv, err
}

// compileARN splits an ARN pattern into its six parts; a colon inside a
// policy variable does not split. "*" alone matches every ARN.
func compileARN(v string, variables bool) ([6]pattern, error) {
	var arn [6]pattern
	o := compileOptions{wildcards: true, variables: variables}
	if v == "*" {
		for i := range arn {
			arn[i].any = true
		}
		return arn, nil
	}
	var parts []string
	start, depth := 0, 0
	for i := 0; i < len(v) && len(parts) < 5; i++ {
		switch {
		case variables && v[i] == '$' && i+1 < len(v) && v[i+1] == '{':
			depth++
		case v[i] == '}' && depth > 0:
			depth--
		case v[i] == ':' && depth == 0:
			parts = append(parts, v[start:i])
			start = i + 1
		}
	}
	parts = append(parts, v[start:])
	if len(parts) != 6 || parts[0] != "arn" {
		return arn, fmt.Errorf("%q is not an ARN (arn:partition:service:region:account:resource)", v)
	}
	for i, p := range parts {
		var err error
		if arn[i], err = compilePattern(p, o); err != nil {
			return arn, err
		}
	}
	return arn, nil
}

func matchARN(arn *[6]pattern, s string, ctx map[string][]string) bool {
	for i := 0; i < 5; i++ {
		part, rest, ok := strings.Cut(s, ":")
		if !ok || !arn[i].match(part, ctx) {
			return false
		}
		s = rest
	}
	return arn[5].match(s, ctx)
}

func parseNumber(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return f, nil
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// dateLayouts are the ISO 8601 forms accepted, most common first. Forms
// without a zone are UTC.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseDate accepts ISO 8601 dates and integer or fractional epoch seconds.
func parseDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if isEpoch(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, false
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)), true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isEpoch(s string) bool {
	if s[0] == '-' {
		s = s[1:]
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return len(s) > 0
}

// parsePrefix accepts a CIDR or a bare address (a /32 or /128).
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IPv4 or IPv6 CIDR", s)
		}
		if p.Addr().Is4In6() {
			bits := p.Bits() - 96
			if bits < 0 {
				return netip.Prefix{}, fmt.Errorf("%q is not an IPv4 or IPv6 CIDR", s)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), bits)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an IPv4 or IPv6 CIDR", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// lookup finds a context key case-insensitively without allocating: the key
// as written, then lower-cased, then a scan.
func lookup(ctx map[string][]string, key, low string) ([]string, bool) {
	if ctx == nil {
		return nil, false
	}
	if v, ok := ctx[key]; ok {
		return v, true
	}
	if v, ok := ctx[low]; ok {
		return v, true
	}
	for k, v := range ctx {
		if len(k) == len(key) && strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// eval evaluates the clause against the request context, following AWS:
//
//   - a missing key (absent or no values) makes IfExists true,
//     ForAllValues true, ForAnyValue false, a negated operator true and any
//     other operator false;
//   - without a qualifier the operator matches if any request value matches
//     any policy value, and a negated operator is the negation of that;
//   - ForAnyValue: some request value matches (for negated operators: matches
//     none of the policy values);
//   - ForAllValues: every request value matches (for negated operators:
//     matches none of the policy values).
func (c *clause) eval(ctx map[string][]string) bool {
	vals, ok := lookup(ctx, c.key, c.low)
	present := ok && len(vals) > 0
	if c.op == opNull {
		for i := range c.values {
			if c.values[i].b != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.ifExists:
			return true
		case c.set == setForAllValues:
			return true
		case c.set == setForAnyValue:
			return false
		}
		return c.negate
	}
	switch c.set {
	case setForAnyValue:
		for _, v := range vals {
			if c.matchValue(v, ctx) != c.negate {
				return true
			}
		}
		return false
	case setForAllValues:
		for _, v := range vals {
			if c.matchValue(v, ctx) == c.negate {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if c.matchValue(v, ctx) {
			return !c.negate
		}
	}
	return c.negate
}

// matchValue reports whether one request value matches any policy value
// under the (positive) operator.
func (c *clause) matchValue(s string, ctx map[string][]string) bool {
	switch c.op {
	case opStringEquals, opStringEqualsIgnoreCase, opStringLike:
		for i := range c.values {
			if c.values[i].pat.match(s, ctx) {
				return true
			}
		}
	case opArnLike:
		for i := range c.values {
			if matchARN(&c.values[i].arn, s, ctx) {
				return true
			}
		}
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) {
			return false
		}
		for i := range c.values {
			if compare(c.op-opNumericEquals, cmpFloat(f, c.values[i].num)) {
				return true
			}
		}
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		t, ok := parseDate(s)
		if !ok {
			return false
		}
		for i := range c.values {
			if compare(c.op-opDateEquals, t.Compare(c.values[i].date)) {
				return true
			}
		}
	case opBool:
		b, ok := parseBool(s)
		if !ok {
			return false
		}
		for i := range c.values {
			if c.values[i].b == b {
				return true
			}
		}
	case opIPAddress:
		a, err := netip.ParseAddr(s)
		if err != nil {
			return false
		}
		a = a.Unmap().WithZone("")
		for i := range c.values {
			if c.values[i].prefix.Contains(a) {
				return true
			}
		}
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compare applies a relation (0 equals, 1 less than, 2 less than or equals,
// 3 greater than, 4 greater than or equals: the order of the numeric and
// date operators) to a three-way comparison result.
func compare(rel opKind, c int) bool {
	switch rel {
	case 0:
		return c == 0
	case 1:
		return c < 0
	case 2:
		return c <= 0
	case 3:
		return c > 0
	case 4:
		return c >= 0
	}
	return false
}
