package sigv4

import (
	"errors"
	"log/slog"
	"net/http"
)

// ErrUnknownKey is what Verifier.Lookup wraps when an access key does not
// exist or is inactive. The verifier turns it into UnrecognizedClientException,
// the answer AWS gives for an unknown key, so a caller cannot tell a deleted
// key from one that never existed.
var ErrUnknownKey = errors.New("unknown or inactive access key")

// AWS error codes the verifier produces. They are the codes AWS restJson1
// services return for the same failures, so SDKs map them to the error types
// and retry decisions users already know (none of them is retried).
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
	CodeInvalidSignature           = "InvalidSignatureException"
	CodeUnrecognizedClient         = "UnrecognizedClientException"
	CodeContentSHA256Mismatch      = "XAmzContentSHA256Mismatch"
	CodeRequestEntityTooLarge      = "RequestEntityTooLargeException"
	CodeSerialization              = "SerializationException"
	CodeInternalFailure            = "InternalFailure"
)

// Public messages whose wording AWS clients and users recognise.
const (
	msgMissingToken      = "Missing Authentication Token"
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
	msgInvalidToken      = "The security token included in the request is invalid."
	msgInternal          = "An internal error occurred while authenticating the request."
)

// Error is an authentication failure in the shape AWS reports it: the control
// plane writes Code as X-Amzn-ErrorType, Status as the HTTP status and Message
// as the body's "message". Message is public and Detail and Err are for the
// server log only; none of them ever holds a secret key, a derived signing key
// or the signature the server expected, so logging or returning an Error
// cannot help anyone forge a request.
type Error struct {
	Code    string // AWS error code, e.g. "InvalidSignatureException"
	Status  int    // HTTP status code
	Message string // safe to send to the client
	// Detail explains the failure to an operator, e.g. the canonical request
	// the server computed (which AWS itself returns to S3 clients).
	Detail string
	// Err is the underlying cause, e.g. a failing Lookup; may be nil.
	Err error
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap returns the underlying cause so errors.Is(err, ErrUnknownKey) and
// friends work.
func (e *Error) Unwrap() error { return e.Err }

// ErrorCode, ErrorMessage and HTTPStatusCode let an AWS-shaped error writer
// handle Error without importing this package (smithy.APIError uses the same
// method names).
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage returns the public message.
func (e *Error) ErrorMessage() string { return e.Message }

// HTTPStatusCode returns the status to answer with.
func (e *Error) HTTPStatusCode() int { return e.Status }

// LogValue puts everything an operator needs into one structured log record.
func (e *Error) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("code", e.Code),
		slog.Int("status", e.Status),
		slog.String("message", e.Message),
	}
	if e.Detail != "" {
		attrs = append(attrs, slog.String("detail", e.Detail))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("cause", e.Err.Error()))
	}
	return slog.GroupValue(attrs...)
}

func missingAuth() *Error {
	return &Error{Code: CodeMissingAuthenticationToken, Status: http.StatusForbidden, Message: msgMissingToken}
}

func incomplete(msg string) *Error {
	return &Error{Code: CodeIncompleteSignature, Status: http.StatusBadRequest, Message: msg}
}

func invalidSig(msg string) *Error {
	return &Error{Code: CodeInvalidSignature, Status: http.StatusForbidden, Message: msg}
}

func unrecognized(detail string, cause error) *Error {
	return &Error{Code: CodeUnrecognizedClient, Status: http.StatusForbidden, Message: msgInvalidToken, Detail: detail, Err: cause}
}

func internal(detail string, cause error) *Error {
	return &Error{Code: CodeInternalFailure, Status: http.StatusInternalServerError, Message: msgInternal, Detail: detail, Err: cause}
}
