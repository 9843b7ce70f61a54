package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/authn"
	"github.com/toolgate/toolgate/internal/authn/jwtauth"
	"github.com/toolgate/toolgate/internal/cred"
	"github.com/toolgate/toolgate/internal/cred/apikey"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
	"github.com/toolgate/toolgate/internal/cred/oauth2"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/vault"
)

// BuildEnv is what the builder needs to compile configuration.
type BuildEnv struct {
	Store      store.Store
	Vault      *vault.Vault
	HTTPClient *http.Client
	Logger     *slog.Logger
	// KeySets caches the JWKS of CUSTOM_JWT gateways' identity providers.
	KeySets *jwtauth.KeySets
	// JWTLeeway is the clock skew allowed on exp/nbf/iat (0 = default).
	JWTLeeway time.Duration
	// AWS hands out gateway-role credentials for GATEWAY_IAM_ROLE targets
	// (awsrole.go); nil makes their calls fail with an explanation.
	AWS *awsiam.Provider
	// OAuth2 gets and caches the access tokens of OAUTH targets
	// (oauth2.go); nil makes their calls fail with an explanation.
	OAuth2 *oauth2.Tokens
}

// APIKeyAAD is the vault owner label of an API-key provider's key; the
// control plane seals with it and the builder opens with it.
func APIKeyAAD(name string) string { return "apikey-provider/" + name }

// compiled is a target opened at a given configuration and credential version.
type compiled struct {
	key     string
	tools   []*Tool
	dynamic *DynamicTarget // listing mode DYNAMIC (dynamic.go); tools is then empty
	extras  *targetExtras  // prompts and resources (resources.go)
}

// NewBuilder returns a Builder that reuses compiled targets across builds
// while neither their configuration nor their credentials changed.
func NewBuilder(env BuildEnv) Builder {
	var mu sync.Mutex
	cache := map[string]compiled{}          // by gatewayID/targetID (ids are unique per gateway only)
	verifiers := map[string]verifierEntry{} // by gateway id
	return func(ctx context.Context, _ *Snapshot) (*Snapshot, error) {
		mu.Lock()
		defer mu.Unlock()
		// Read the revision first: a write racing with this build moves it
		// again, so the next check rebuilds.
		rev, err := env.Store.Revision(ctx)
		if err != nil {
			return nil, err
		}
		gws, err := listAll(func(p store.Page) ([]store.Gateway, string, error) { return env.Store.ListGateways(ctx, p) })
		if err != nil {
			return nil, fmt.Errorf("list gateways: %w", err)
		}
		snap := &Snapshot{Revision: rev, Gateways: make(map[string]*Gateway, len(gws))}
		nextCache := map[string]compiled{}
		nextVerifiers := map[string]verifierEntry{}
		for _, g := range gws {
			var extras []*targetExtras
			gw, cfg, err := compileGateway(g)
			if err != nil {
				env.Logger.Error("gateway configuration unreadable; not served", "gateway", g.ID, "err", err)
				continue
			}
			gw.Verifier, nextVerifiers[g.ID] = compileVerifier(env, g.ID, cfg, verifiers[g.ID])
			targets, err := listAll(func(p store.Page) ([]store.Target, string, error) { return env.Store.ListTargets(ctx, g.ID, p) })
			if errors.Is(err, store.ErrNotFound) {
				continue // deleted while we were building
			}
			if err != nil {
				return nil, fmt.Errorf("list targets of %s: %w", g.ID, err)
			}
			for _, t := range targets {
				key := g.ID + "/" + t.ID
				c, err := compileTarget(ctx, env, gatewayRole(env, g.ID, deref(cfg.RoleArn)), t, cache[key])
				if err != nil {
					env.Logger.Error("target cannot be opened; its tools are not served", "gateway", g.ID, "target", t.ID, "err", err)
					continue
				}
				nextCache[key] = c
				gw.Tools = append(gw.Tools, c.tools...)
				if c.dynamic != nil {
					gw.Dynamic = append(gw.Dynamic, c.dynamic)
				}
				if c.extras != nil {
					extras = append(extras, c.extras)
				}
			}
			// A clash is configuration (resourcePriority decides it, and
			// the losing target's statusReasons say so): it is logged at
			// info, not warn, since every catalog rebuild repeats it.
			for _, c := range finishExtras(gw, extras) { // resources.go
				env.Logger.Info("resource not served: another target lists the same URI", "gateway", g.ID, "target", c.Loser, "uri", c.URI, "served_from", c.Winner)
			}
			snap.Gateways[g.ID] = Finish(gw)
		}
		retire(cache, nextCache) // mcpserver.go
		cache, verifiers = nextCache, nextVerifiers
		if env.AWS != nil { // forget the assumed credentials of deleted gateways
			env.AWS.Retain(func(id, role string) bool {
				g := snap.Gateways[id]
				return g != nil && g.RoleARN == role
			})
		}
		return snap, nil
	}
}

// verifierEntry is a compiled token verifier and the configuration it was
// compiled from; reusing it across builds keeps its verified-token cache.
type verifierEntry struct {
	key string
	v   authn.TokenVerifier
}

func compileVerifier(env BuildEnv, gatewayID string, cfg *agentcore.UpdateGatewayRequest, prev verifierEntry) (authn.TokenVerifier, verifierEntry) {
	raw, _ := json.Marshal(struct {
		T agentcore.AuthorizerType
		C *agentcore.AuthorizerConfiguration
	}{cfg.AuthorizerType, cfg.AuthorizerConfiguration})
	key := string(raw)
	if prev.key == key {
		return prev.v, prev
	}
	if env.KeySets == nil {
		return nil, verifierEntry{key: key}
	}
	v, err := NewJWTVerifier(env.KeySets, cfg.AuthorizerType, cfg.AuthorizerConfiguration, env.JWTLeeway)
	if err != nil {
		// The gateway stays served but refuses every request (fail closed).
		env.Logger.Error("gateway authorizer cannot be compiled; its requests are refused", "gateway", gatewayID, "err", err)
	}
	return v, verifierEntry{key: key, v: v}
}

func compileGateway(g store.Gateway) (*Gateway, *agentcore.UpdateGatewayRequest, error) {
	var cfg agentcore.UpdateGatewayRequest
	if err := json.Unmarshal(g.Config, &cfg); err != nil {
		return nil, nil, err
	}
	var tagged struct {
		Tags map[string]string `json:"tags"`
	}
	_ = json.Unmarshal(g.Config, &tagged) // decoded above; tags are optional
	gw := &Gateway{
		ID: g.ID, Name: g.Name, ARN: g.ARN, Tags: tagged.Tags, RoleARN: deref(cfg.RoleArn),
		AuthorizerType:        string(cfg.AuthorizerType),
		Debug:                 cfg.ExceptionLevel == agentcore.ExceptionLevelDebug,
		SessionTimeoutSeconds: 3600,
	}
	if pc := cfg.ProtocolConfiguration; pc != nil && pc.MCP != nil {
		m := pc.MCP
		gw.SupportedVersions = m.SupportedVersions
		gw.Semantic = m.SearchType == agentcore.SearchTypeSemantic
		if m.Instructions != nil {
			gw.Instructions = *m.Instructions
		}
		if m.DisableMcpListToolsPagination != nil {
			gw.DisablePagination = *m.DisableMcpListToolsPagination
		}
		if sc := m.SessionConfiguration; sc != nil && sc.SessionTimeoutInSeconds != nil {
			gw.SessionTimeoutSeconds = int(*sc.SessionTimeoutInSeconds)
		}
	}
	return gw, &cfg, nil
}

// compileTarget opens t, or reuses prev when nothing it depends on changed.
func compileTarget(ctx context.Context, env BuildEnv, role *awsiam.Role, t store.Target, prev compiled) (compiled, error) {
	var cfg agentcore.UpdateGatewayTargetRequest
	if err := json.Unmarshal(WithoutDocuments(t.Config), &cfg); err != nil {
		return compiled{}, err
	}
	tenv, credKey := targetEnv(ctx, env, role, cfg.CredentialProviderConfigurations) // mcpserver.go
	if tenv.AWS == nil && isSmithy(cfg.TargetConfiguration) {
		tenv.AWS = role // OAuth Smithy targets still take region and endpoint from it (smithy.go)
	}
	key := strconv.FormatInt(t.Version, 10) + "|" + credKey + "|" + roleKey(tenv.AWS)
	if prev.key == key {
		return prev, nil
	}
	docs, err := StoredDocuments(t.Config) // fetched from S3 by the control plane (s3.go)
	if err != nil {
		return compiled{}, err
	}
	tgt, _, err := OpenTargetWith(cfg.TargetConfiguration, docs, target.Env{
		HTTPClient: env.HTTPClient, Credentials: tenv.Credentials,
		AWS: tenv.AWS, GatewayID: t.GatewayID, TargetID: t.ID, TargetName: t.Name,
	})
	if err != nil {
		return compiled{}, err
	}
	c := compiled{key: key, dynamic: dynamicTarget(t, tgt), extras: extrasOf(t.ID, t.Name, resourcePriority(cfg.TargetConfiguration), tgt)}
	for _, def := range tgt.Tools() {
		c.tools = append(c.tools, &Tool{
			Name: t.Name + ToolSeparator + def.Name, TargetID: t.ID, TargetName: t.Name,
			Local: def.Name, Def: def, Target: tgt,
		})
	}
	return c, nil
}

// resolveCredentials unseals the target's credential once per build. A
// provider that no longer exists yields an injector that fails every call
// with a clear message, so the tools stay visible and the problem is named.
func resolveCredentials(ctx context.Context, env BuildEnv, cpcs []agentcore.CredentialProviderConfiguration) (cred.Injector, string) {
	if len(cpcs) == 0 || cpcs[0].CredentialProviderType != agentcore.CredentialProviderTypeAPIKey ||
		cpcs[0].CredentialProvider == nil || cpcs[0].CredentialProvider.APIKeyCredentialProvider == nil {
		return nil, "none"
	}
	ak := cpcs[0].CredentialProvider.APIKeyCredentialProvider
	name, err := arn.APIKeyProviderName(deref(ak.ProviderArn))
	if err != nil {
		return failing(err), "bad-arn"
	}
	p, err := env.Store.GetAPIKeyProvider(ctx, name)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			env.Logger.Warn("target references a missing API-key credential provider; its calls will fail", "provider", name)
			return failing(fmt.Errorf("API-key credential provider %q does not exist", name)), "missing:" + name
		}
		return failing(fmt.Errorf("API-key credential provider %q could not be read", name)), "error:" + name
	}
	key, err := env.Vault.Open(APIKeyAAD(name), p.SealedKey)
	if err != nil {
		env.Logger.Error("cannot unseal API key", "provider", name, "err", err)
		return failing(fmt.Errorf("API-key credential provider %q cannot be unsealed", name)), "sealed-error:" + name
	}
	inj, err := apikey.New(apikey.Config{
		Key: string(key), Location: string(ak.CredentialLocation),
		ParameterName: deref(ak.CredentialParameterName), Prefix: deref(ak.CredentialPrefix),
	})
	if err != nil {
		return failing(fmt.Errorf("API-key credential provider %q: %w", name, err)), "invalid:" + name
	}
	// The fingerprint must change whenever the key may have: a provider
	// deleted and re-created under the same name restarts at Version 1, but
	// every seal draws a fresh nonce, so the sealed bytes always differ.
	sum := sha256.Sum256(p.SealedKey)
	return inj, name + "@" + strconv.FormatInt(p.Version, 10) + ":" + hex.EncodeToString(sum[:8])
}

func failing(err error) cred.Injector {
	return cred.InjectorFunc(func(context.Context, *http.Request) error { return err })
}

func listAll[T any](list func(store.Page) ([]T, string, error)) ([]T, error) {
	var all []T
	p := store.Page{Limit: 500}
	for {
		items, next, err := list(p)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		p.After = next
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
