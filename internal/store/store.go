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

// Principal kinds.
const (
	PrincipalRoot = "root"
	PrincipalUser = "user"
	PrincipalRole = "role"
)

// Principal is an identity that may call the control plane: the root
// principal created on first start, an IAM-style user, or a role.
type Principal struct {
	ID   string // "AIDA..." (users, root) or "AROA..." (roles); unique
	Name string // unique per Kind (users and roles are separate namespaces)
	ARN  string // unique
	Kind string // PrincipalRoot, PrincipalUser or PrincipalRole
	// Path is the IAM path ("/" when unset), part of the ARN.
	Path        string
	Description string
	// AssumeRolePolicy is a role's trust policy document (JSON), kept and
	// echoed; "" for users.
	AssumeRolePolicy string
	// Disabled principals cannot authenticate (the root principal can be
	// disabled once another administrator exists).
	Disabled  bool
	Tags      map[string]string
	CreatedAt time.Time
	UpdatedAt time.Time
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
	// LastUsedAt is when the key last authenticated a request (zero: never).
	// Backends may record it coarsely (see TouchAccessKey).
	LastUsedAt time.Time
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

	// Principals and their access keys. DeletePrincipal also deletes its keys,
	// its policy attachments and its inline policies.
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
	// each mutation committed through this Store value. A backend shared by
	// several processes may also signal their writes (PostgreSQL does, with
	// LISTEN/NOTIFY), but only as a hint: a signal can be lost, so readers
	// also poll Revision, which stays the source of truth.
	Changes() <-chan struct{}

	Close() error
}

// The embedded identity provider ("EZ auth", DESIGN §2.2) keeps Cognito-shaped
// user pools: each pool is one OAuth 2.0 issuer with its resource servers
// (which define the scopes), its app clients and its signing keys. They live
// behind their own interface, UserPoolStore, rather than in Store, so that
// wrappers and fakes of Store elsewhere keep compiling; a backend implements
// both, and storetest checks both.

// Signing key states. A pool has one active key, which signs new tokens;
// rotation makes it retiring, still published in the JWKS until NotAfter (when
// the last token it signed has expired); then it is retired and unpublished.
const (
	SigningKeyActive   = "active"
	SigningKeyRetiring = "retiring"
	SigningKeyRetired  = "retired"
)

// UserPool is an identity-provider pool, the toolgate form of an Amazon
// Cognito user pool.
type UserPool struct {
	ID   string // "us-east-1_AbCdEf123", unique
	Name string // not unique, as in Cognito
	ARN  string
	// Domain is the hosted-domain prefix (CreateUserPoolDomain); "" when the
	// pool has none. Unique among pools when non-empty.
	Domain string
	// Config is the canonical JSON of the Cognito settings toolgate keeps and
	// echoes but does not interpret (policies, tags, schema, ...).
	Config    []byte
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Scope is one scope a resource server defines. Tokens carry it as
// "<resource server identifier>/<Name>".
type Scope struct {
	Name        string
	Description string
}

// ResourceServer defines scopes in a pool (Cognito CreateResourceServer).
type ResourceServer struct {
	PoolID     string
	Identifier string // unique per pool, e.g. "sre-gateway"
	Name       string
	Scopes     []Scope
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// PoolClient is an app client of a pool. Only a salted hash of its secret is
// stored (see package idp); the secret itself is shown once, at creation.
type PoolClient struct {
	PoolID string
	// ClientID is unique across all pools (Cognito client ids are global), so
	// a token request names its client unambiguously.
	ClientID   string
	ClientName string
	// SecretHash is the encoded salted hash of the client secret; "" for a
	// client without a secret (which cannot use client_credentials).
	SecretHash                      string
	AllowedOAuthFlows               []string // "client_credentials", ...
	AllowedOAuthScopes              []string // "<resource server>/<scope>", ...
	AllowedOAuthFlowsUserPoolClient bool
	// Audience, when set, becomes the aud claim of the client's tokens.
	// Cognito-shaped tokens have no aud; this is for gateways that check
	// allowedAudience.
	Audience string
	// AccessTokenValidity is the lifetime of issued access tokens, stored with
	// second precision; 0 means the identity provider's default.
	AccessTokenValidity time.Duration
	// Config is the canonical JSON of Cognito client settings toolgate keeps
	// and echoes but does not interpret (TokenValidityUnits, callback URLs...).
	Config    []byte
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// SigningKey is one token-signing key of a pool. The private key is only ever
// held sealed by package vault; the store never sees plaintext.
type SigningKey struct {
	PoolID           string
	KeyID            string // the JWS kid, unique per pool
	Algorithm        string // "RS256"
	SealedPrivateKey []byte
	Status           string // SigningKeyActive, SigningKeyRetiring or SigningKeyRetired
	CreatedAt        time.Time
	// NotAfter is when a retiring key leaves the JWKS: the expiry of the last
	// token it can have signed. Zero while the key is active.
	NotAfter time.Time
	Version  int64
}

// UserPoolStore is the persistence contract of the embedded identity
// provider, with the conventions of Store: context first, value types,
// sentinel errors, one transaction per mutation that bumps Revision and
// signals Changes.
type UserPoolStore interface {
	// CreateUserPool creates the pool together with its first signing key
	// (key.PoolID may be empty; key.Status must be active or empty), so a pool
	// never exists without a key to sign with. *ConflictError on a duplicate
	// id ("id") or domain ("domain").
	CreateUserPool(ctx context.Context, p UserPool, key SigningKey) (UserPool, error)
	GetUserPool(ctx context.Context, id string) (UserPool, error)
	// GetUserPoolByDomain finds the pool whose Domain is domain; "" never
	// matches.
	GetUserPoolByDomain(ctx context.Context, domain string) (UserPool, error)
	ListUserPools(ctx context.Context, p Page) (items []UserPool, next string, err error)
	// UpdateUserPool keeps ID, CreatedAt, UpdatedAt and Version whatever fn
	// returns; a Domain taken by another pool is a *ConflictError ("domain").
	UpdateUserPool(ctx context.Context, id string, fn func(UserPool) (UserPool, error)) (UserPool, error)
	// DeleteUserPool deletes the pool with its resource servers, clients and
	// signing keys in one transaction.
	DeleteUserPool(ctx context.Context, id string) error

	// Resource servers, scoped to their pool (ErrNotFound when the pool does
	// not exist); the identifier is unique per pool ("identifier").
	CreateResourceServer(ctx context.Context, rs ResourceServer) (ResourceServer, error)
	GetResourceServer(ctx context.Context, poolID, identifier string) (ResourceServer, error)
	ListResourceServers(ctx context.Context, poolID string, p Page) (items []ResourceServer, next string, err error)
	UpdateResourceServer(ctx context.Context, poolID, identifier string, fn func(ResourceServer) (ResourceServer, error)) (ResourceServer, error)
	DeleteResourceServer(ctx context.Context, poolID, identifier string) error

	// App clients, scoped to their pool; a client id is unique across pools
	// ("clientId"). Get, Update and Delete of a client of another pool are
	// ErrNotFound.
	CreatePoolClient(ctx context.Context, c PoolClient) (PoolClient, error)
	GetPoolClient(ctx context.Context, poolID, clientID string) (PoolClient, error)
	ListPoolClients(ctx context.Context, poolID string, p Page) (items []PoolClient, next string, err error)
	UpdatePoolClient(ctx context.Context, poolID, clientID string, fn func(PoolClient) (PoolClient, error)) (PoolClient, error)
	DeletePoolClient(ctx context.Context, poolID, clientID string) error

	// Signing keys. RotateSigningKey, in one transaction, makes every active
	// key of next.PoolID retiring with NotAfter = retireAt and adds next as
	// the active key. A pool has a handful of keys, so ListSigningKeys is not
	// paged (oldest first; ErrNotFound for a missing pool). UpdateSigningKey
	// keeps PoolID, KeyID and CreatedAt whatever fn returns.
	RotateSigningKey(ctx context.Context, next SigningKey, retireAt time.Time) (SigningKey, error)
	ListSigningKeys(ctx context.Context, poolID string) ([]SigningKey, error)
	UpdateSigningKey(ctx context.Context, poolID, keyID string, fn func(SigningKey) (SigningKey, error)) (SigningKey, error)
	DeleteSigningKey(ctx context.Context, poolID, keyID string) error
}

// IAM-style management permissions (issue 5) live behind IAMStore, beside
// Store, for the same reason as UserPoolStore: fakes of Store keep compiling.
// A backend implements all three, and storetest checks all three.

// ManagedPolicy is a customer-managed IAM policy. Its documents are kept as
// versions; the default version is the one that takes effect. AWS-managed
// (built-in) policies are not stored: they are compiled into toolgate
// (package iam/policy) and attached by their arn:aws:iam::aws:policy/ ARN.
type ManagedPolicy struct {
	ID          string // "ANPA...", unique
	Name        string // unique
	ARN         string // arn:aws:iam::<account>:policy<path><name>, unique
	Path        string // "/" when unset
	Description string
	// DefaultVersionID names the version in effect ("v1", "v2", ...).
	DefaultVersionID string
	// AttachmentCount is how many principals it is attached to (read-only:
	// the store computes it).
	AttachmentCount int
	Tags            map[string]string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Version         int64
}

// PolicyVersion is one document of a managed policy.
type PolicyVersion struct {
	PolicyARN string
	VersionID string // "v1", "v2", ...: never reused within a policy
	Document  string // the JSON document as submitted (validated by the caller)
	IsDefault bool
	CreatedAt time.Time
}

// MaxPolicyVersions is how many versions a managed policy may have (AWS: 5).
const MaxPolicyVersions = 5

// InlinePolicy is a policy embedded in one principal (PutUserPolicy).
type InlinePolicy struct {
	PrincipalID string
	Name        string // unique per principal
	Document    string
}

// EffectivePolicy is one document that applies to a principal, with where it
// came from, so an authorisation decision can name the deciding policy.
type EffectivePolicy struct {
	// Source is the managed policy's ARN, or "inline:<policy name>".
	Source   string
	Document string
}

// IAMStore is the persistence contract of principals' policies, with the
// conventions of Store (one transaction per mutation, bumping Revision and
// signalling Changes).
type IAMStore interface {
	// GetPrincipalByName finds a principal by kind and name.
	GetPrincipalByName(ctx context.Context, kind, name string) (Principal, error)
	// ListPrincipalsByKind lists the principals of one kind, oldest first.
	ListPrincipalsByKind(ctx context.Context, kind string, p Page) (items []Principal, next string, err error)
	// UpdatePrincipal keeps ID, Kind, CreatedAt, UpdatedAt and Version
	// whatever fn returns; a Name taken by another principal of the same
	// kind is a *ConflictError ("name"), an ARN taken by any other
	// principal one on "arn" (CreatePrincipal reports both the same way).
	UpdatePrincipal(ctx context.Context, id string, fn func(Principal) (Principal, error)) (Principal, error)
	// UpdateAccessKeyStatus sets a key "Active" or "Inactive".
	UpdateAccessKeyStatus(ctx context.Context, id, status string) (AccessKey, error)
	// TouchAccessKey records that the key was used at t. It does not bump
	// Revision or signal Changes (it is bookkeeping, not configuration), and
	// backends may skip the write when LastUsedAt is already within a minute
	// of t.
	TouchAccessKey(ctx context.Context, id string, t time.Time) error

	// Managed policies. CreateManagedPolicy stores p with document as its
	// default version "v1"; *ConflictError on a duplicate id ("id"), name
	// ("name") or ARN ("arn"). DeleteManagedPolicy fails with
	// *ConflictError (Field "attachments") while the policy is attached, and
	// deletes its versions.
	CreateManagedPolicy(ctx context.Context, p ManagedPolicy, document string) (ManagedPolicy, error)
	GetManagedPolicy(ctx context.Context, arn string) (ManagedPolicy, error)
	ListManagedPolicies(ctx context.Context, p Page) (items []ManagedPolicy, next string, err error)
	DeleteManagedPolicy(ctx context.Context, arn string) error
	// CreatePolicyVersion adds the next version ("v<n+1>", n the highest
	// ever used); with setDefault it becomes the default. *ConflictError
	// (Field "versions") when the policy already has MaxPolicyVersions.
	CreatePolicyVersion(ctx context.Context, policyARN, document string, setDefault bool) (PolicyVersion, error)
	GetPolicyVersion(ctx context.Context, policyARN, versionID string) (PolicyVersion, error)
	// ListPolicyVersions returns every version, newest first (as AWS does).
	ListPolicyVersions(ctx context.Context, policyARN string) ([]PolicyVersion, error)
	// SetDefaultPolicyVersion of the version that already is the default
	// changes nothing.
	SetDefaultPolicyVersion(ctx context.Context, policyARN, versionID string) error
	// DeletePolicyVersion refuses the default version with *ConflictError
	// (Field "defaultVersion").
	DeletePolicyVersion(ctx context.Context, policyARN, versionID string) error

	// Attachments of managed policies, stored or built-in. The store cannot
	// check a built-in ARN (arn:aws:iam::aws:policy/...; the caller does),
	// but any other ARN must name a stored policy (ErrNotFound otherwise):
	// checked in the attaching transaction, that is what keeps an attachment
	// from outliving a concurrently deleted policy, to be inherited by a
	// policy created later under the same ARN. Attaching twice is not an
	// error and keeps the first position. A missing principal is ErrNotFound,
	// and so is DetachPolicy of a policy that is not attached.
	AttachPolicy(ctx context.Context, principalID, policyARN string) error
	DetachPolicy(ctx context.Context, principalID, policyARN string) error
	// ListAttachedPolicies returns the ARNs attached to a principal, in
	// attachment order (ErrNotFound for a missing principal).
	ListAttachedPolicies(ctx context.Context, principalID string) ([]string, error)
	// ListPolicyAttachments returns the principals a policy is attached to,
	// oldest first; none (not ErrNotFound) for an ARN attached to nobody.
	ListPolicyAttachments(ctx context.Context, policyARN string) ([]Principal, error)

	// Inline policies. PutInlinePolicy creates or replaces (ErrNotFound for
	// a missing principal).
	PutInlinePolicy(ctx context.Context, p InlinePolicy) error
	GetInlinePolicy(ctx context.Context, principalID, name string) (InlinePolicy, error)
	// ListInlinePolicies returns the principal's inline policies by name
	// (ErrNotFound for a missing principal).
	ListInlinePolicies(ctx context.Context, principalID string) ([]InlinePolicy, error)
	DeleteInlinePolicy(ctx context.Context, principalID, name string) error

	// EffectivePolicies returns, in one read, every document that applies to
	// the principal: the default version of each attached stored policy, in
	// attachment order, then the inline policies by name. Attached built-in
	// ARNs are returned with an empty Document (the caller supplies it). A
	// missing principal is ErrNotFound, so that a caller fails closed.
	EffectivePolicies(ctx context.Context, principalID string) ([]EffectivePolicy, error)
}

// OAuth2 credential providers (issue 4) live behind OAuth2ProviderStore,
// beside Store, for the same reason as UserPoolStore: fakes of Store keep
// compiling. A backend implements it too, and storetest checks it.

// OAuth2Provider is an OAuth2 credential provider of the token vault. The
// client secret is only ever held sealed (see package vault); the store
// never sees plaintext.
type OAuth2Provider struct {
	Name   string // unique
	ARN    string
	Vendor string // the credentialProviderVendor, e.g. "CustomOauth2"
	// Config is the canonical JSON of the provider's settings (endpoints,
	// client id, authentication method...), without the secret. Packages
	// above the store (cred/oauth2) define and decode it.
	Config             []byte
	SealedClientSecret []byte
	Tags               map[string]string
	CreatedAt          time.Time
	UpdatedAt          time.Time
	Version            int64
}

// OAuth2ProviderStore is the persistence contract of OAuth2 credential
// providers, keyed by unique name, with the conventions of Store (one
// transaction per mutation, bumping Revision and signalling Changes).
type OAuth2ProviderStore interface {
	// CreateOAuth2Provider fails with *ConflictError ("name") on a
	// duplicate name.
	CreateOAuth2Provider(ctx context.Context, p OAuth2Provider) (OAuth2Provider, error)
	GetOAuth2Provider(ctx context.Context, name string) (OAuth2Provider, error)
	// ListOAuth2Providers lists oldest first (CreatedAt, then Name).
	ListOAuth2Providers(ctx context.Context, p Page) (items []OAuth2Provider, next string, err error)
	// UpdateOAuth2Provider keeps Name, CreatedAt, UpdatedAt and Version
	// whatever fn returns.
	UpdateOAuth2Provider(ctx context.Context, name string, fn func(OAuth2Provider) (OAuth2Provider, error)) (OAuth2Provider, error)
	DeleteOAuth2Provider(ctx context.Context, name string) error
}

// The token vault and workload identities (AgentCore Identity, issue 4) live
// behind IdentityStore, beside Store, for the same reason as UserPoolStore.

// Token vault key states. The primary data key seals every new secret;
// retiring keys only open values sealed before a rotation, until the
// re-sealing job has moved every value to the primary and deletes them.
const (
	VaultKeyPrimary  = "primary"
	VaultKeyRetiring = "retiring"
)

// VaultKey is one version of the token vault's data key. The store only
// ever holds it wrapped by a key-encryption key (package tokenvault): the
// installation's root key, a local key file or an AWS KMS key.
type VaultKey struct {
	// Version is 1, 2, ...: assigned by AddVaultKey, never reused.
	Version int64
	// KeyID is the id written into every value the key seals; unique.
	KeyID string
	// KEK names the key-encryption key that wrapped it ("service:<root key
	// id>", "file:<name>", "kms:<key ARN>").
	KEK        string
	WrappedKey []byte
	State      string // VaultKeyPrimary or VaultKeyRetiring
	CreatedAt  time.Time
}

// TokenVault is the configuration of a token vault (AgentCore has one per
// account, "default").
type TokenVault struct {
	ID string
	// KeyType is "ServiceManagedKey" or "CustomerManagedKey".
	KeyType string
	// KMSKeyARN names the customer key ("" for ServiceManagedKey).
	KMSKeyARN string
	UpdatedAt time.Time
	Version   int64
}

// SealedSecret is one sealed value the store holds, wherever it lives: an
// API-key provider's key, an access key's secret, a signing key... Kind and
// Owner name it: the vault's additional data of the value is
// Kind + "/" + Owner joined with "/" (for example "apikey-provider/github",
// "idp-signing-key/<pool>/<kid>").
type SealedSecret struct {
	Kind   string
	Owner  []string
	Sealed []byte
}

// Kinds of sealed secrets: every sealed value is sealed with additional
// data "<kind>/<owner>" (an OAuth2 provider's client secret with
// "oauth2-provider/<name>"), which is what lets the token vault re-seal it
// under a new key.
const (
	SealedAPIKey             = "apikey-provider"
	SealedAccessKey          = "access-key"
	SealedIdPSigningKey      = "idp-signing-key"
	SealedOAuth2ClientSecret = "oauth2-provider"
)

// WorkloadIdentity is an AgentCore workload identity: the identity an agent
// (or a gateway) presents to fetch credentials from the token vault.
type WorkloadIdentity struct {
	Name string // unique
	// GatewayID names the gateway it belongs to: created and deleted with
	// the gateway, named after its id. "" for identities created directly.
	GatewayID string
	// ReturnURLs are allowedResourceOauth2ReturnUrls.
	ReturnURLs []string
	Tags       map[string]string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// IdentityStore is the persistence contract of the token vault's keys and
// of workload identities, with the conventions of Store. A gateway's
// workload identity is created by CreateGateway (named after the gateway id,
// a *ConflictError with Field "workloadIdentity" when that name is taken)
// and deleted by DeleteGateway, in their transactions.
type IdentityStore interface {
	// Workload identities. DeleteWorkloadIdentity of a gateway's identity
	// is a *ConflictError (Field "gatewayId"). UpdateWorkloadIdentity keeps
	// Name, GatewayID, CreatedAt, UpdatedAt and Version whatever fn returns.
	CreateWorkloadIdentity(ctx context.Context, w WorkloadIdentity) (WorkloadIdentity, error)
	GetWorkloadIdentity(ctx context.Context, name string) (WorkloadIdentity, error)
	ListWorkloadIdentities(ctx context.Context, p Page) (items []WorkloadIdentity, next string, err error)
	UpdateWorkloadIdentity(ctx context.Context, name string, fn func(WorkloadIdentity) (WorkloadIdentity, error)) (WorkloadIdentity, error)
	DeleteWorkloadIdentity(ctx context.Context, name string) error

	// GetTokenVault returns a vault's configuration; ErrNotFound until
	// AddVaultKey first stores it.
	GetTokenVault(ctx context.Context, id string) (TokenVault, error)
	// ListVaultKeys returns every data key, oldest first.
	ListVaultKeys(ctx context.Context) ([]VaultKey, error)
	// AddVaultKey, in one transaction, makes every primary key retiring,
	// stores next as the primary with the next version number, and stores
	// tv (when tv.ID is not "") as the vault's configuration. With
	// ifNoKeys it adds nothing when a key exists already (replicas starting
	// together create one first key) and returns the current primary.
	AddVaultKey(ctx context.Context, next VaultKey, tv TokenVault, ifNoKeys bool) (VaultKey, error)
	// DeleteVaultKey deletes a retiring key; the primary is a
	// *ConflictError (Field "state").
	DeleteVaultKey(ctx context.Context, keyID string) error

	// ListSealedSecrets pages through every sealed value the store holds,
	// of every kind (p.After is the previous page's cursor).
	ListSealedSecrets(ctx context.Context, p Page) (items []SealedSecret, next string, err error)
	// ReplaceSealedSecret rewrites one sealed value if it still is
	// s.Sealed (ErrConflict otherwise; ErrNotFound when its owner is gone).
	// Re-sealing changes no configuration: it bumps neither Revision nor
	// the owner's Version and does not signal Changes.
	ReplaceSealedSecret(ctx context.Context, s SealedSecret, sealed []byte) error
}
