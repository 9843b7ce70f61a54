package cognito

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/vault"
)

// SigningName is the SigV4 service name Cognito clients sign with; the
// control plane's verifier expects it for requests under /cognito-idp/.
const SigningName = "cognito-idp"

// TargetPrefix is the X-Amz-Target prefix of every Cognito operation.
const TargetPrefix = "AWSCognitoIdentityProviderService."

const (
	contentType = "application/x-amz-json-1.1"
	maxBody     = 1 << 20
)

// Options configure the handler.
type Options struct {
	// Store holds the pools; writes go through it in one transaction each.
	Store store.UserPoolStore
	// Vault seals each new pool's signing key.
	Vault *vault.Vault
	// Region and AccountID make pool ids ("<region>_...") and ARNs.
	Region    string
	AccountID string
	// DataURL is the public data-plane base URL, for the issuer URLs in
	// the X-Toolgate-* response headers.
	DataURL string
	Logger  *slog.Logger
	// Now is the clock; nil = time.Now.
	Now func() time.Time
	// AfterWrite, if set, runs after every successful mutation before the
	// response is written (wire it to idp.Server.Notify or Refresh so a new
	// client can fetch a token at once even on another code path).
	AfterWrite func(ctx context.Context)
	// RequestID, if set, returns the id the control plane gave the request,
	// so its log lines and this handler's share it; nil = the request's
	// X-Amzn-Requestid header or a fresh id.
	RequestID func(r *http.Request) string
}

type handler struct {
	Options
	ops map[string]func(h *handler, ctx context.Context, body []byte) (any, http.Header, error)
}

// NewHandler returns the Cognito API handler. Mount it on the control plane
// at /cognito-idp/ behind SigV4 authentication; it answers POST on any path.
func NewHandler(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.DataURL = strings.TrimRight(o.DataURL, "/")
	return &handler{Options: o, ops: operations}
}

// operations are the supported operations by name.
var operations = map[string]func(h *handler, ctx context.Context, body []byte) (any, http.Header, error){
	"CreateUserPool":         (*handler).createUserPool,
	"DescribeUserPool":       (*handler).describeUserPool,
	"ListUserPools":          (*handler).listUserPools,
	"DeleteUserPool":         (*handler).deleteUserPool,
	"CreateUserPoolDomain":   (*handler).createUserPoolDomain,
	"CreateResourceServer":   (*handler).createResourceServer,
	"ListResourceServers":    (*handler).listResourceServers,
	"CreateUserPoolClient":   (*handler).createUserPoolClient,
	"DescribeUserPoolClient": (*handler).describeUserPoolClient,
	"ListUserPoolClients":    (*handler).listUserPoolClients,
	"DeleteUserPoolClient":   (*handler).deleteUserPoolClient,
}

// Operation returns the Cognito operation a request names in X-Amz-Target,
// for the control plane's logs and audit events.
func Operation(r *http.Request) (string, bool) {
	return strings.CutPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var requestID string
	if h.RequestID != nil {
		requestID = h.RequestID(r)
	}
	if requestID == "" {
		requestID = r.Header.Get("X-Amzn-Requestid")
	}
	if requestID == "" {
		requestID = newRequestID()
	}
	log := h.Logger.With("request_id", requestID)
	defer func() {
		if p := recover(); p != nil {
			log.Error("cognito handler panic", "panic", p, "stack", string(debug.Stack()))
			writeError(w, requestID, errInternal())
		}
	}()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, requestID, &apiError{Status: http.StatusMethodNotAllowed, Type: "UnknownOperationException",
			Message: "The Cognito user-pool API takes POST requests."})
		return
	}
	op, ok := Operation(r)
	if !ok {
		writeError(w, requestID, newError("UnknownOperationException",
			"X-Amz-Target must name an operation of %s", strings.TrimSuffix(TargetPrefix, ".")))
		return
	}
	run, ok := h.ops[op]
	if !ok {
		supported := make([]string, 0, len(h.ops))
		for name := range h.ops {
			supported = append(supported, name)
		}
		slices.Sort(supported)
		writeError(w, requestID, newError("UnsupportedOperationException",
			"toolgate implements a subset of the Cognito user-pool API and does not support %s. Supported: %s.",
			sanitizeOp(op), strings.Join(supported, ", ")))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, requestID, newError("SerializationException", "The request body is larger than %d bytes or could not be read.", maxBody))
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	out, header, err := run(h, r.Context(), body)
	if err != nil {
		ae := fromStore(err)
		if ae.Status >= 500 {
			log.Error("cognito operation failed", "operation", op, "err", err)
		} else {
			log.Info("cognito operation refused", "operation", op, "error", ae.Type, "reason", ae.Message)
		}
		writeError(w, requestID, ae)
		return
	}
	for k, vs := range header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(http.StatusOK)
	json.NewEncoder(w).Encode(out) //nolint:errcheck // the client went away
}

// decode reads body into in, keeping also the raw members for the settings
// toolgate echoes. Unknown members are ignored, as AWS services do.
func decode(body []byte, in any) (map[string]json.RawMessage, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, errSerialization(err)
	}
	if err := json.Unmarshal(body, in); err != nil {
		return nil, errSerialization(err)
	}
	return raw, nil
}

// afterWrite runs Options.AfterWrite.
func (h *handler) afterWrite(ctx context.Context) {
	if h.AfterWrite != nil {
		h.AfterWrite(ctx)
	}
}

// poolARN is a user pool's ARN, arn:aws:cognito-idp:<region>:<account>:userpool/<id>.
func (h *handler) poolARN(id string) string {
	return "arn:aws:cognito-idp:" + h.Region + ":" + h.AccountID + ":userpool/" + id
}

// getPool loads a pool, mapping a missing one to Cognito's error.
func (h *handler) getPool(ctx context.Context, id string) (store.UserPool, error) {
	p, err := h.Store.GetUserPool(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return p, errPoolNotFound(id)
	}
	return p, err
}

// epoch is Cognito's timestamp encoding: seconds since the epoch, with
// milliseconds as the fraction.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand.Read does not fail
	s := hex.EncodeToString(b[:])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// sanitizeOp bounds an operation name echoed in an error message.
func sanitizeOp(op string) string {
	var b strings.Builder
	for _, c := range op {
		if b.Len() >= 64 {
			break
		}
		if c < 0x7f && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b.WriteRune(c)
		}
	}
	return b.String()
}
