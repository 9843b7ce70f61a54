package controlplane

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/store"
)

// apiError is an AWS restJson1 error: the status code and the shape name in
// X-Amzn-ErrorType decide how SDKs decode it (agentcore-api.md §1.5).
type apiError struct {
	Status  int
	Code    string
	Message string
	// ValidationException only.
	Reason string
	Fields []agentcore.ValidationExceptionField
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errValidation(msg string, fields ...agentcore.ValidationExceptionField) *apiError {
	return &apiError{Status: 400, Code: "ValidationException", Message: msg, Reason: "FieldValidationFailed", Fields: fields}
}

func errNotFound(format string, args ...any) *apiError {
	return &apiError{Status: 404, Code: "ResourceNotFoundException", Message: fmt.Sprintf(format, args...)}
}

func errConflict(format string, args ...any) *apiError {
	return &apiError{Status: 409, Code: "ConflictException", Message: fmt.Sprintf(format, args...)}
}

func errInternal() *apiError {
	return &apiError{Status: 500, Code: "InternalServerException", Message: "An internal error occurred. Check the toolgate log for the request id."}
}

// errUnsupported answers operations of the AgentCore API that toolgate does
// not implement yet, rather than a wrong result.
func errUnsupported(op string) *apiError {
	return &apiError{Status: 501, Code: "UnsupportedOperationException", Message: fmt.Sprintf("toolgate does not implement %s yet", op)}
}

// toAPIError maps any error a handler returns to its wire form. Unknown
// errors become InternalServerException; their text goes only to the log.
func toAPIError(err error) (*apiError, bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae, true
	}
	var ve *agentcore.ValidationError
	if errors.As(err, &ve) {
		return &apiError{Status: 400, Code: "ValidationException", Message: ve.Message, Reason: string(ve.Reason), Fields: ve.Fields}, true
	}
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		return errConflict("%s", ce.Error()), true
	}
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("%s", err.Error()), true
	}
	return errInternal(), false
}

func writeAPIError(w http.ResponseWriter, requestID string, ae *apiError) {
	body := map[string]any{"message": ae.Message}
	if ae.Code == "ValidationException" {
		body["reason"] = ae.Reason
		if len(ae.Fields) > 0 {
			body["fieldList"] = ae.Fields
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", ae.Code)
	h.Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(ae.Status)
	json.NewEncoder(w).Encode(body)
}
