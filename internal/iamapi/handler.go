// Package iamapi serves the subset of the AWS IAM Query API toolgate
// implements (DESIGN §2.2): users, roles, access keys, managed and inline
// policies, their attachments, and the policy simulator, so the AWS CLI and
// the SDKs' IAM clients manage toolgate's management permissions with only
// an endpoint override (…/iam/, signing name "iam").
//
// Requests are form-encoded (POST) or in the query string (GET) with
// Action and Version=2010-05-08; responses are the XML IAM returns
// (<XResponse><XResult>…</XResult><ResponseMetadata>…), errors the
// <ErrorResponse> shape with IAM's codes (NoSuchEntity, EntityAlreadyExists,
// DeleteConflict, LimitExceeded, MalformedPolicyDocument, ValidationError,
// InvalidInput). An action outside the subset is InvalidAction.
//
// The handler sits behind the control plane, which authenticates the caller
// and authorises the operation Classify names (iam:<Action> on the user,
// role or policy ARN the request names) before the handler runs. The
// extension API (Extension) adds what IAM has no operation for: access keys
// of roles and disabling the root principal.
package iamapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/controlplane"
	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/store"
)

// SigningName is the SigV4 service name IAM clients sign with.
const SigningName = "iam"

// APIVersion is the only Version the API accepts.
const APIVersion = "2010-05-08"

// maxBody bounds a request: the largest parameter is a policy document
// (131072 characters), URL-encoded.
const maxBody = 1 << 20

// Store is what the handler needs of the store: principals and access keys
// (store.Store) and their policies (store.IAMStore).
type Store interface {
	store.Store
	store.IAMStore
}

// Options configure the handler.
type Options struct {
	Store Store
	// Keys issues access keys (their secrets sealed in the vault).
	Keys *iam.Keyring
	// Authorizer answers the simulator and the root-disable safety check
	// with the same policies and cache the control plane enforces. Nil: one
	// reading Store.
	Authorizer *iam.Authorizer
	// Region and AccountID make ARNs.
	Region    string
	AccountID string
	Logger    *slog.Logger
	// AfterWrite, if set, runs after every successful mutation before the
	// response is written (the server refreshes the catalog, which drops
	// the authoriser's cached policies: an attached policy takes effect
	// before the caller hears that it is attached).
	AfterWrite func(ctx context.Context)
	// Now is the clock; nil = time.Now.
	Now func() time.Time
	// Caller returns the authenticated principal of a request; nil =
	// controlplane.PrincipalFrom.
	Caller func(r *http.Request) (store.Principal, bool)
	// RequestID returns the id the control plane gave the request; nil =
	// the request's X-Amzn-Requestid header or a fresh id.
	RequestID func(r *http.Request) string
}

// Handler serves the IAM Query API. Mount it (and Classify, WriteError) as
// a controlplane.Service at /iam/.
type Handler struct {
	o Options
}

// New returns the IAM API handler.
func New(o Options) *Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Caller == nil {
		o.Caller = controlplane.PrincipalFrom
	}
	if o.Authorizer == nil {
		o.Authorizer = iam.NewAuthorizer(o.Store)
	}
	return &Handler{o: o}
}

// call is one request being served.
type call struct {
	ctx       context.Context
	action    string
	p         params
	caller    store.Principal
	hasCaller bool
}

// operation is one supported action.
type operation struct {
	run func(h *Handler, c *call) (any, error)
	// resolve names the resource the action is authorised on.
	resolve func(h *Handler, c *call) target
	// mutates: AfterWrite runs after success; false for Get/List/Simulate.
	mutates bool
}

// target is what authorisation needs of the resource.
type target struct {
	arn          string
	requestTags  map[string]string
	resourceTags map[string]string
}

func (h *Handler) requestID(r *http.Request) string {
	if h.o.RequestID != nil {
		if id := h.o.RequestID(r); id != "" {
			return id
		}
	}
	if id := r.Header.Get("X-Amzn-Requestid"); id != "" {
		return id
	}
	return newRequestID()
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := h.requestID(r)
	log := h.o.Logger.With("request_id", requestID)
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.Error("iam handler panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			writeError(w, requestID, errInternal())
		}
	}()
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		writeError(w, requestID, newError(http.StatusMethodNotAllowed, "InvalidAction", "The IAM API takes GET or POST requests."))
		return
	}
	var body []byte
	if r.Method == http.MethodPost && r.Body != nil {
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeError(w, requestID, errValidationMsg(fmt.Sprintf("The request body is larger than %d bytes or could not be read.", maxBody)))
			return
		}
	}
	c, op, aerr := h.prepare(r, body)
	if aerr != nil {
		writeError(w, requestID, aerr)
		return
	}
	out, err := op.run(h, c)
	if err != nil {
		ae := fromStore(err)
		if ae.Status >= 500 {
			log.Error("iam operation failed", "action", c.action, "err", err)
		} else {
			log.Info("iam operation refused", "action", c.action, "code", ae.Code, "reason", ae.Message)
		}
		writeError(w, requestID, ae)
		return
	}
	if op.mutates && h.o.AfterWrite != nil {
		h.o.AfterWrite(c.ctx)
	}
	writeResult(w, requestID, c.action, out)
}

// prepare parses a request and finds its operation, refusing requests that
// name none. Classify and ServeHTTP share it.
func (h *Handler) prepare(r *http.Request, body []byte) (*call, operation, *apiError) {
	p := parseParams(r.URL.RawQuery, body)
	action := p.get("Action")
	c := &call{ctx: r.Context(), action: action, p: p}
	c.caller, c.hasCaller = h.o.Caller(r)
	if action == "" {
		return c, operation{}, newError(http.StatusBadRequest, "MissingAction", "The request must contain the parameter Action.")
	}
	op, ok := operations[action]
	if !ok {
		return c, operation{}, newError(http.StatusBadRequest, "InvalidAction",
			"Could not find operation %s for version %s: toolgate implements a subset of IAM (see `toolgate iam --help`).", sanitize(action), APIVersion)
	}
	switch v := p.get("Version"); {
	case v == "":
		return c, operation{}, newError(http.StatusBadRequest, "MissingParameter", "The request must contain the parameter Version.")
	case v != APIVersion:
		return c, operation{}, newError(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version %s.", action, sanitize(v))
	}
	if p.dup != "" {
		return c, operation{}, errValidationMsg(fmt.Sprintf("Parameter %s is given more than once.", sanitize(p.dup)))
	}
	return c, op, nil
}

// Classify names the operation of a request for the control plane's
// authorisation and audit: iam:<Action> on the ARN of the user, role or
// policy the request names (for a user or role that does not exist yet,
// the ARN it would have: CreateUser is authorised on the new user's ARN,
// as in AWS), or "*" for actions without a single named resource
// (ListUsers, ListPolicies, CreatePolicy... name it when they can). false:
// the request names no supported action, and the handler refuses it.
func (h *Handler) Classify(r *http.Request, body []byte) (controlplane.Operation, bool) {
	c, op, aerr := h.prepare(r, body)
	if aerr != nil {
		return controlplane.Operation{}, false
	}
	t := op.resolve(h, c)
	if t.arn == "" {
		t.arn = "*"
	}
	return controlplane.Operation{
		Service: SigningName, Name: c.action, ReadOnly: !op.mutates,
		Resource: t.arn, RequestTags: t.requestTags, ResourceTags: t.resourceTags,
	}, true
}

// WriteError is the controlplane.Service error writer (see the function
// of that name).
func (h *Handler) WriteError(w http.ResponseWriter, requestID string, status int, code, message string) {
	WriteError(w, requestID, status, code, message)
}

// afterWrite runs Options.AfterWrite (for mutations outside ServeHTTP).
func (h *Handler) afterWrite(ctx context.Context) {
	if h.o.AfterWrite != nil {
		h.o.AfterWrite(ctx)
	}
}

// writeResult answers <ActionResponse><ActionResult>out</ActionResult>
// <ResponseMetadata><RequestId>… as IAM does; out == nil (Delete…,
// Attach…) writes no Result element.
func writeResult(w http.ResponseWriter, requestID, action string, out any) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	fmt.Fprintf(&buf, `<%sResponse xmlns="%s">`, action, xmlns)
	if out != nil {
		enc := xml.NewEncoder(&buf)
		if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			writeError(w, requestID, errInternal())
			return
		}
	}
	buf.WriteString("<ResponseMetadata><RequestId>")
	xml.EscapeText(&buf, []byte(requestID)) //nolint:errcheck // bytes.Buffer
	fmt.Fprintf(&buf, "</RequestId></ResponseMetadata></%sResponse>", action)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes()) //nolint:errcheck // the client went away
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand.Read does not fail
	s := hex.EncodeToString(b[:])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// sanitize bounds a client-supplied word echoed in an error message.
func sanitize(s string) string {
	var b strings.Builder
	for _, c := range s {
		if b.Len() >= 64 {
			b.WriteString("…")
			break
		}
		if c > 0x20 && c < 0x7f {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// timestamp is IAM's date-time encoding.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// isNotFound reports a store miss.
func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
