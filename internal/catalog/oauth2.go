package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/cred"
	"github.com/toolgate/toolgate/internal/cred/oauth2"
	"github.com/toolgate/toolgate/internal/store"
)

// oauthCredentials returns the injector of an OAUTH credential provider
// (client credentials) and the fingerprint that makes the target recompile
// when the provider, its secret, the scopes or the parameters change. The
// provider is read and its secret unsealed here, once per build; tokens
// come from env.OAuth2, whose cache outlives builds. ok is false for every
// other provider type. A provider that cannot be used yields an injector
// that fails each call saying why, so the tools stay visible.
func oauthCredentials(ctx context.Context, env BuildEnv, cpcs []agentcore.CredentialProviderConfiguration) (inj cred.Injector, key string, ok bool) {
	if len(cpcs) == 0 || cpcs[0].CredentialProviderType != agentcore.CredentialProviderTypeOAuth ||
		cpcs[0].CredentialProvider == nil || cpcs[0].CredentialProvider.OAuthCredentialProvider == nil {
		return nil, "", false
	}
	o := cpcs[0].CredentialProvider.OAuthCredentialProvider
	name, err := arn.OAuth2ProviderName(deref(o.ProviderArn))
	if err != nil {
		return failing(publicError(err.Error())), "oauth:bad-arn", true
	}
	if g := o.GrantType; g != "" && g != agentcore.OAuthGrantTypeClientCredentials {
		return failing(publicError(fmt.Sprintf("OAuth grant type %s is not supported by this toolgate release yet", g))), "oauth:grant:" + string(g), true
	}
	ps, isOAuthStore := env.Store.(store.OAuth2ProviderStore)
	if env.OAuth2 == nil || !isOAuthStore {
		return failing(publicError("this toolgate is not set up to fetch OAuth2 tokens")), "oauth:off", true
	}
	sp, err := ps.GetOAuth2Provider(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		env.Logger.Warn("target references a missing OAuth2 credential provider; its calls will fail", "provider", name)
		return failing(publicError(fmt.Sprintf("OAuth2 credential provider %q does not exist", name))), "oauth:missing:" + name, true
	}
	if err != nil {
		return failing(publicError(fmt.Sprintf("OAuth2 credential provider %q could not be read", name))), "oauth:error:" + name, true
	}
	p, err := oauth2.Open(sp, env.Vault)
	if err != nil {
		env.Logger.Error("cannot open OAuth2 credential provider", "provider", name, "err", err)
		return failing(publicError(fmt.Sprintf("OAuth2 credential provider %q cannot be used (see the toolgate log)", name))), "oauth:invalid:" + name, true
	}
	// The key only decides whether to recompile; the cache keys tokens
	// itself. Scopes and parameters are part of the target's own
	// configuration (its Version), the provider is its fingerprint.
	return env.OAuth2.Injector(p, o.Scopes, o.CustomParameters), "oauth:" + name + "@" + p.Fingerprint() + ":" + strings.Join(o.Scopes, " "), true
}

// publicError is a credential failure whose text names only configuration
// (a provider's name, a grant type), so tool callers see it as is.
type publicError string

func (e publicError) Error() string  { return string(e) }
func (e publicError) Public() string { return string(e) }
