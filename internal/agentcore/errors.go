package agentcore

import (
	"fmt"
	"strings"
)

// ValidationExceptionReason is the "reason" member of a ValidationException
// body (§1.2, §1.5). Unlike most enums its wire values are CamelCase.
type ValidationExceptionReason string

// Wire values of ValidationExceptionReason (§1.2).
const (
	ReasonCannotParse                 ValidationExceptionReason = "CannotParse"
	ReasonFieldValidationFailed       ValidationExceptionReason = "FieldValidationFailed"
	ReasonIdempotentParameterMismatch ValidationExceptionReason = "IdempotentParameterMismatchException"
	ReasonEventInOtherSession         ValidationExceptionReason = "EventInOtherSession"
	ReasonResourceConflict            ValidationExceptionReason = "ResourceConflict"
)

// Values lists the wire values of ValidationExceptionReason.
func (ValidationExceptionReason) Values() []string {
	return []string{"CannotParse", "FieldValidationFailed", "IdempotentParameterMismatchException", "EventInOtherSession", "ResourceConflict"}
}

// ValidationExceptionField is one entry of a ValidationException's
// "fieldList" (§1.5): Name is the JSON path of the offending member
// (e.g. "targetConfiguration.mcp.lambda.lambdaArn",
// "credentialProviderConfigurations[0].credentialProviderType",
// "tags[\"a b\"]"), Message says which constraint it broke. Messages never
// contain the value the client sent, so secrets cannot leak through them
// (DESIGN §8.1).
type ValidationExceptionField struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// ValidationExceptionBody is the JSON body of a ValidationException (§1.5):
// the handler sends it with HTTP 400 and X-Amzn-ErrorType: ValidationException.
type ValidationExceptionBody struct {
	Message   string                     `json:"message"`
	Reason    ValidationExceptionReason  `json:"reason,omitempty"`
	FieldList []ValidationExceptionField `json:"fieldList,omitempty"`
}

// ValidationError is what Decode, DecodeRequest and every Validate method
// return. It maps one-to-one onto a ValidationException (Body), so the
// control plane needs no knowledge of which check failed.
type ValidationError struct {
	Reason  ValidationExceptionReason
	Message string
	Fields  []ValidationExceptionField
}

// Error reads "name: must match ^…$; roleArn: is required" — the same text
// as Message, prefixed so it is recognisable in logs.
func (e *ValidationError) Error() string {
	return "agentcore validation (" + string(e.Reason) + "): " + e.Message
}

// Body returns the wire body of the ValidationException.
func (e *ValidationError) Body() ValidationExceptionBody {
	return ValidationExceptionBody{Message: e.Message, Reason: e.Reason, FieldList: e.Fields}
}

// IdempotentParameterMismatch is the error for a clientToken reused with a
// different request (§1.4; the wording of AWS's message is unconfirmed).
func IdempotentParameterMismatch() *ValidationError {
	return &ValidationError{
		Reason:  ReasonIdempotentParameterMismatch,
		Message: "clientToken: was already used with different request parameters",
		Fields: []ValidationExceptionField{{
			Name:    "clientToken",
			Message: "was already used with different request parameters",
		}},
	}
}

// fieldErrors accumulates problems in the order checks run. It is the
// single place messages are built, which keeps their wording uniform.
type fieldErrors []ValidationExceptionField

func (fe *fieldErrors) add(p path, format string, args ...any) {
	*fe = append(*fe, ValidationExceptionField{Name: string(p), Message: fmt.Sprintf(format, args...)})
}

// err turns the accumulated problems into a *ValidationError, or nil. It
// returns the error interface so callers never see a typed nil.
func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return newFieldValidationError(fe)
}

func newFieldValidationError(fields []ValidationExceptionField) *ValidationError {
	var b strings.Builder
	if len(fields) == 1 {
		b.WriteString("1 validation error detected: ")
	} else {
		fmt.Fprintf(&b, "%d validation errors detected: ", len(fields))
	}
	for i, f := range fields {
		if i > 0 {
			b.WriteString("; ")
		}
		if f.Name != "" {
			b.WriteString(f.Name)
			b.WriteString(": ")
		}
		b.WriteString(f.Message)
	}
	return &ValidationError{Reason: ReasonFieldValidationFailed, Message: b.String(), Fields: fields}
}

// path is a JSON path as rendered in ValidationExceptionField.Name: members
// joined by ".", list indexes as "[i]", map keys as ".key" when the key is a
// plain identifier and as `["key"]` otherwise, so any key is unambiguous.
type path string

func (p path) key(name string) path {
	if p == "" {
		return path(name)
	}
	return p + "." + path(name)
}

func (p path) idx(i int) path { return p + path(fmt.Sprintf("[%d]", i)) }

func (p path) mapKey(k string) path {
	if isPlainKey(k) {
		return p.key(k)
	}
	return p + path("["+quoteJSON(k)+"]")
}

func isPlainKey(k string) bool {
	if k == "" {
		return false
	}
	for i, r := range k {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && (r == '-' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}

// related reports whether one path equals, contains or lies under the other
// (segment-wise, so "name" and "names" are unrelated). Decode uses it to drop
// a follow-on complaint about a member whose JSON was already rejected.
func related(a, b path) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if a == "" || !strings.HasPrefix(string(b), string(a)) {
		return false
	}
	return len(a) == len(b) || b[len(a)] == '.' || b[len(a)] == '['
}
