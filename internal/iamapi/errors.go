package iamapi

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/toolgate/toolgate/internal/store"
)

// apiError is an IAM error: Code is what SDKs decode into their typed
// exceptions (NoSuchEntity → types.NoSuchEntityException). The message is
// public: it never holds a secret or an internal error's text.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func newError(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func errNoSuchEntity(format string, args ...any) *apiError {
	return newError(http.StatusNotFound, "NoSuchEntity", format, args...)
}

func errAlreadyExists(format string, args ...any) *apiError {
	return newError(http.StatusConflict, "EntityAlreadyExists", format, args...)
}

func errDeleteConflict(format string, args ...any) *apiError {
	return newError(http.StatusConflict, "DeleteConflict", format, args...)
}

func errLimitExceeded(format string, args ...any) *apiError {
	return newError(http.StatusConflict, "LimitExceeded", format, args...)
}

func errInvalidInput(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, "InvalidInput", format, args...)
}

func errMalformedPolicy(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, "MalformedPolicyDocument", format, args...)
}

func errInternal() *apiError {
	return &apiError{Status: http.StatusInternalServerError, Code: "ServiceFailure",
		Message: "An internal error occurred. Check the toolgate log for the request id."}
}

// fromStore maps the errors a handler did not map itself. Anything
// unexpected becomes ServiceFailure; its text goes only to the log.
func fromStore(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	if errors.Is(err, store.ErrInvalidCursor) {
		return errValidationMsg("Invalid Marker.")
	}
	return errInternal()
}

func errValidationMsg(msg string) *apiError {
	return newError(http.StatusBadRequest, "ValidationError", "%s", msg)
}

// validation collects IAM-style constraint violations ("1 validation error
// detected: Value 'x y' at 'userName' failed to satisfy constraint: ...")
// and reports them together as one ValidationError.
type validation struct{ problems []string }

func (v *validation) add(member string, value any, constraint string) {
	shown := "null"
	switch x := value.(type) {
	case nil:
	case string:
		if len(x) > 128 {
			x = x[:128] + "…"
		}
		shown = "'" + x + "'"
	default:
		shown = fmt.Sprint(x)
	}
	v.problems = append(v.problems, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", shown, lowerFirst(member), constraint))
}

func (v *validation) err() error {
	switch n := len(v.problems); n {
	case 0:
		return nil
	case 1:
		return errValidationMsg("1 validation error detected: " + v.problems[0])
	default:
		return errValidationMsg(fmt.Sprintf("%d validation errors detected: %s", n, strings.Join(v.problems, "; ")))
	}
}

// lowerFirst spells a parameter as IAM's messages do ("UserName" →
// "userName").
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// xmlns is the namespace of every IAM response.
const xmlns = "https://iam.amazonaws.com/doc/2010-05-08/"

type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

func writeError(w http.ResponseWriter, requestID string, ae *apiError) {
	var out errorResponse
	out.Xmlns = xmlns
	out.Error.Type = "Sender"
	if ae.Status >= 500 {
		out.Error.Type = "Receiver"
	}
	out.Error.Code, out.Error.Message, out.RequestID = ae.Code, ae.Message, requestID
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	if requestID != "" {
		h.Set("X-Amzn-Requestid", requestID)
	}
	w.WriteHeader(ae.Status)
	w.Write([]byte(xml.Header))   //nolint:errcheck // the client went away
	xml.NewEncoder(w).Encode(out) //nolint:errcheck
}

// iamCodes are the codes IAM uses for the control plane's generic ones
// (restJson1 spellings, as the SigV4 verifier and the authoriser produce
// them).
var iamCodes = map[string]string{
	"AccessDeniedException":               "AccessDenied",
	"ValidationException":                 "ValidationError",
	"InternalFailure":                     "ServiceFailure",
	"InternalServerException":             "ServiceFailure",
	"UnrecognizedClientException":         "InvalidClientTokenId",
	"InvalidSignatureException":           "SignatureDoesNotMatch",
	"IncompleteSignatureException":        "IncompleteSignature",
	"MissingAuthenticationTokenException": "MissingAuthenticationToken",
}

// WriteError answers with an IAM-encoded error; the control plane uses it
// for its own refusals in front of this API. The control plane's generic
// codes become the ones IAM uses (AccessDeniedException → AccessDenied,
// UnrecognizedClientException → InvalidClientTokenId, ...), so IAM clients
// decode them as they would from AWS.
func WriteError(w http.ResponseWriter, requestID string, status int, code, message string) {
	if c, ok := iamCodes[code]; ok {
		code = c
	}
	writeError(w, requestID, &apiError{Status: status, Code: code, Message: message})
}
