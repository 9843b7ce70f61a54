package cognito

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/toolgate/toolgate/internal/store"
)

// apiError is a Cognito error: the shape name goes into __type and
// X-Amzn-ErrorType, which is what SDKs decode. The message is public: it
// never holds a secret or an internal error's text.
type apiError struct {
	Status  int
	Type    string
	Message string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func newError(typ, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: typ, Message: fmt.Sprintf(format, args...)}
}

func errInvalidParameter(format string, args ...any) *apiError {
	return newError("InvalidParameterException", format, args...)
}

func errPoolNotFound(poolID string) *apiError {
	return newError("ResourceNotFoundException", "User pool %s does not exist.", poolID)
}

func errClientNotFound(clientID string) *apiError {
	return newError("ResourceNotFoundException", "User pool client %s does not exist.", clientID)
}

func errInternal() *apiError {
	return &apiError{Status: http.StatusInternalServerError, Type: "InternalErrorException",
		Message: "An internal error occurred. Check the toolgate log for the request id."}
}

// errSerialization reports a body that is not the JSON the operation takes.
func errSerialization(err error) *apiError {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return newError("SerializationException", "Member %s has the wrong type: expected %s", te.Field, te.Type)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return newError("SerializationException", "Malformed JSON at offset %d", se.Offset)
	}
	return newError("SerializationException", "The request body is not a JSON object")
}

// fromStore maps store errors the handler did not map itself. Anything
// unexpected becomes InternalErrorException; its text goes only to the log.
func fromStore(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	if errors.Is(err, store.ErrInvalidCursor) {
		return errInvalidParameter("Invalid NextToken.")
	}
	return errInternal()
}

func writeError(w http.ResponseWriter, requestID string, ae *apiError) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Amzn-ErrorType", ae.Type)
	h.Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(ae.Status)
	json.NewEncoder(w).Encode(map[string]string{"__type": ae.Type, "message": ae.Message}) //nolint:errcheck
}

// validation collects Cognito-style constraint violations ("1 validation
// error detected: Value 'x' at 'clientName' failed to satisfy constraint:
// ...") and reports them together as one InvalidParameterException.
type validation struct{ problems []string }

func (v *validation) add(member string, value any, constraint string) {
	shown := "null"
	switch x := value.(type) {
	case nil:
	case string:
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
		return errInvalidParameter("1 validation error detected: %s", v.problems[0])
	default:
		return errInvalidParameter("%d validation errors detected: %s", n, strings.Join(v.problems, "; "))
	}
}

// lowerFirst turns a member path like "Scopes.1.ScopeName" into Cognito's
// "scopes.1.member.scopeName" spelling, close enough for a reader.
func lowerFirst(s string) string {
	parts := strings.Split(s, ".")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToLower(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, ".")
}

// WriteError answers with a Cognito-encoded error; the control plane uses it
// for its own refusals (AccessDeniedException) in front of this API.
func WriteError(w http.ResponseWriter, requestID string, status int, code, message string) {
	writeError(w, requestID, &apiError{Status: status, Type: code, Message: message})
}
