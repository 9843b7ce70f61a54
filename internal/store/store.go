// Package store owns toolgate's persistent state: gateways, targets, credential
// providers, principals and access keys, and installation settings.
//
// The store knows nothing about the AgentCore wire format: the configuration a
// user supplies for a gateway or target is kept as an opaque, canonical JSON
// document (Config) next to the few columns the store must index or enforce
// uniqueness on. Packages above the store (controlplane, catalog) decode it.
//
// Every entity carries a resource Version that increases on each write, and the
// store as a whole carries a Revision that increases on every committed
// mutation, so the catalog can tell cheaply whether anything changed.
//
// A backend is accepted only when the shared storetest suite passes against it.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Backends wrap them (fmt.Errorf("...: %w", ErrNotFound)) so
// callers use errors.Is; a uniqueness violation is reported as a *ConflictError
// that also matches ErrConflict.
var (
	// ErrNotFound: the entity does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the write would violate a uniqueness rule or a dependency
	// (for example deleting a gateway that still has targets).
	ErrConflict = errors.New("conflict")
	// ErrInvalidCursor: Page.After is not a cursor this store issued.
	ErrInvalidCursor = errors.New("invalid page cursor")
)

// ConflictError explains which rule a write violated. Field names the
// entity field that collided ("name", "clientToken", "targets"), so the
// control plane can name it in its error.
type ConflictError struct {
	Entity string // "gateway", "target", "apiKeyCredentialProvider", ...
	Field  string
	Value  string
	Reason string // human text, no secrets
}

func (e *ConflictError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%s %s %q: %s", e.Entity, e.Field, e.Value, e.Reason)
	}
	return fmt.Sprintf("%s with %s %q already exists", e.Entity, e.Field, e.Value)
}

// Is makes errors.Is(err, ErrConflict) true for a *ConflictError.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Page asks for one page of a list. After is the opaque cursor returned as
// Next by the previous page ("" for the first page); Limit <= 0 means the
// backend default (100).
type Page struct {
	After string
	Limit int
}

// Gateway is one AgentCore gateway.
type Gateway struct {
	ID            string // e.g. "orders-gw-a1b2c3d4e5"
	Name          string // unique per installation
	ARN           string
	Status        string // READY, FAILED, ...
	StatusReasons []string
	// ClientToken and RequestHash implement idempotent creates: a repeated
	// create with the same token and hash returns the existing entity; the same
	// token with another hash is a parameter mismatch. ClientToken is unique
	// among gateways when non-empty.
	ClientToken string
	RequestHash string
	// Config is the canonical JSON of everything the user configured.
	Config    []byte
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Target is one gateway target.
type Target struct {
	GatewayID          string
	ID                 string // 10 alphanumerics, unique per gateway
	Name               string // unique per gateway
	Status             string
	StatusReasons      []string
	ClientToken        string // unique per gateway when non-empty
	RequestHash        string
	Config             []byte
	CreatedAt          time.Time
	UpdatedAt          time.Time
	LastSynchronizedAt time.Time // zero when never synchronised
	Version            int64
}

// APIKeyProvider is an API-key credential provider. The key itself is only
// ever held sealed (see package vault); the store never sees plaintext.
type APIKeyProvider struct {
	Name      string // unique
	ARN       string
	SealedKey []byte
	Tags      map[string]string
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Principal is an identity that may call the control plane.
type Principal struct {
	ID        string // e.g. "AIDA..." style id
	Name      string // unique
	ARN       string
	Kind      string // "root", "user", "role"
	CreatedAt time.Time
	Version   int64
}

// AccessKey is a SigV4 access key of a principal. The secret is sealed: SigV4
// verification needs the plaintext secret, so it cannot be a one-way hash.
type AccessKey struct {
	ID           string // "AKIA..." 20 characters, unique
	PrincipalID  string
	SealedSecret []byte
	Status       string // "Active" or "Inactive"
	CreatedAt    time.Time
}

// Store is the persistence contract. Implementations must be safe for
// concurrent use. Every mutating method runs in one transaction: it either
// fully happens (and bumps Revision) or leaves no trace.
type Store interface {
	// Gateways. CreateGateway fails with *ConflictError on a duplicate name or
	// client token. DeleteGateway fails with *ConflictError (Field "targets")
	// while the gateway still has targets.
	CreateGateway(ctx context.Context, g Gateway) (Gateway, error)
	GetGateway(ctx context.Context, id string) (Gateway, error)
	GetGatewayByClientToken(ctx context.Context, token string) (Gateway, error)
	ListGateways(ctx context.Context, p Page) (items []Gateway, next string, err error)
	// UpdateGateway loads the gateway, calls fn with it and stores what fn
	// returns, all in one transaction. ID, CreatedAt and Version are managed by
	// the store; fn's error aborts the update and is returned unchanged.
	UpdateGateway(ctx context.Context, id string, fn func(Gateway) (Gateway, error)) (Gateway, error)
	DeleteGateway(ctx context.Context, id string) error

	// Targets, scoped to their gateway. CreateTarget fails with ErrNotFound when
	// the gateway does not exist, *ConflictError on a duplicate name or client
	// token within the gateway.
	CreateTarget(ctx context.Context, t Target) (Target, error)
	GetTarget(ctx context.Context, gatewayID, targetID string) (Target, error)
	GetTargetByClientToken(ctx context.Context, gatewayID, token string) (Target, error)
	ListTargets(ctx context.Context, gatewayID string, p Page) (items []Target, next string, err error)
	UpdateTarget(ctx context.Context, gatewayID, targetID string, fn func(Target) (Target, error)) (Target, error)
	DeleteTarget(ctx context.Context, gatewayID, targetID string) error

	// API-key credential providers, keyed by unique name.
	CreateAPIKeyProvider(ctx context.Context, p APIKeyProvider) (APIKeyProvider, error)
	GetAPIKeyProvider(ctx context.Context, name string) (APIKeyProvider, error)
	ListAPIKeyProviders(ctx context.Context, p Page) (items []APIKeyProvider, next string, err error)
	UpdateAPIKeyProvider(ctx context.Context, name string, fn func(APIKeyProvider) (APIKeyProvider, error)) (APIKeyProvider, error)
	DeleteAPIKeyProvider(ctx context.Context, name string) error

	// Principals and their access keys. DeletePrincipal also deletes its keys.
	CreatePrincipal(ctx context.Context, p Principal) (Principal, error)
	GetPrincipal(ctx context.Context, id string) (Principal, error)
	ListPrincipals(ctx context.Context, p Page) (items []Principal, next string, err error)
	DeletePrincipal(ctx context.Context, id string) error
	CreateAccessKey(ctx context.Context, k AccessKey) (AccessKey, error)
	GetAccessKey(ctx context.Context, id string) (AccessKey, error)
	ListAccessKeys(ctx context.Context, principalID string) ([]AccessKey, error)
	DeleteAccessKey(ctx context.Context, id string) error

	// Settings are installation-wide values such as the account id.
	// InitSetting stores value under key unless the key exists, and returns
	// the value that is stored afterwards: the first writer wins, so replicas
	// starting together agree.
	GetSetting(ctx context.Context, key string) (string, error)
	InitSetting(ctx context.Context, key, value string) (string, error)

	// Revision increases with every committed mutation. Readers compare it to
	// decide whether to rebuild derived state.
	Revision(ctx context.Context) (int64, error)
	// Changes returns a channel that receives (without blocking the writer; a
	// full channel drops the signal, since one pending signal is enough) after
	// each mutation committed through this Store value. Other processes'
	// writes are seen only through Revision.
	Changes() <-chan struct{}

	Close() error
}
