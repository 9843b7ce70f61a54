package agentcore

import (
	"bytes"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// The two AgentCore timestamp encodings are distinct Go types so a handler
// cannot put one where the other belongs (§0, §1.2):
//
//   - Gateway, target (and rule, policy) resources use Smithy "date-time":
//     an RFC 3339 JSON string. The SDK parses it with smithytime.ParseDateTime.
//   - Identity resources (credential providers, workload identities, token
//     vault) use the prelude Timestamp with no format trait: epoch seconds as
//     a JSON number. The SDK reads it with readFloat, so a string there breaks
//     every client.

// DateTime is a date-time timestamp, marshalled as an RFC 3339 string in UTC
// with up to nanosecond precision (time.RFC3339Nano), e.g.
// "2026-11-22T10:04:05.123456789Z".
type DateTime struct{ time.Time }

// NewDateTime wraps t.
func NewDateTime(t time.Time) DateTime { return DateTime{t} }

// MarshalJSON implements json.Marshaler.
func (t DateTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(time.RFC3339Nano) + `"`), nil
}

// UnmarshalJSON accepts an RFC 3339 string (with or without fractional
// seconds, any offset).
func (t *DateTime) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '"' {
		return fmt.Errorf("expected RFC 3339 date-time string, got %s", jsonKind(b))
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("expected RFC 3339 date-time string")
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("must be an RFC 3339 date-time such as 2006-01-02T15:04:05Z")
	}
	t.Time = v
	return nil
}

// EpochSeconds is a prelude Timestamp: seconds since the Unix epoch as a
// JSON number with millisecond precision, e.g. 1763805845.123 — the
// precision smithytime.FormatEpochSeconds/ParseEpochSeconds keep.
type EpochSeconds struct{ time.Time }

// NewEpochSeconds wraps t.
func NewEpochSeconds(t time.Time) EpochSeconds { return EpochSeconds{t} }

// MarshalJSON implements json.Marshaler. The number is written from the
// integer millisecond count, so no float rounding can creep in.
func (t EpochSeconds) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	sign := ""
	if ms < 0 {
		sign, ms = "-", -ms
	}
	s := fmt.Sprintf("%s%d", sign, ms/1000)
	if frac := ms % 1000; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%03d", frac), "0")
	}
	return []byte(s), nil
}

// UnmarshalJSON accepts a JSON number (integer, fractional or with an
// exponent) and keeps millisecond precision, truncating like
// smithytime.ParseEpochSeconds but computing in exact decimal so that
// 1763805845.123 is .123 and not .122.
func (t *EpochSeconds) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || !(b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		return fmt.Errorf("expected epoch-seconds number, got %s", jsonKind(b))
	}
	if i := bytes.IndexAny(b, "eE"); i >= 0 {
		// Bound the exponent before exact arithmetic: 1e999999999 must not
		// cost a billion-digit integer.
		if exp, err := strconv.Atoi(string(b[i+1:])); err != nil || exp < -30 || exp > 30 {
			return fmt.Errorf("epoch seconds out of range")
		}
	}
	r, ok := new(big.Rat).SetString(string(b)) // exact: no binary rounding
	if !ok {
		return fmt.Errorf("expected epoch-seconds number")
	}
	r.Mul(r, big.NewRat(1000, 1))
	ms := new(big.Int).Quo(r.Num(), r.Denom()) // truncates toward zero
	if !ms.IsInt64() {
		return fmt.Errorf("epoch seconds out of range")
	}
	t.Time = time.UnixMilli(ms.Int64()).UTC()
	return nil
}

// jsonKind names the JSON type of an encoded value for error messages,
// without repeating the value itself.
func jsonKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}
