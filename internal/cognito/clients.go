package cognito

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/idp"
	"github.com/toolgate/toolgate/internal/store"
)

// Resource servers and app clients.

type scopeInput struct {
	ScopeName        *string
	ScopeDescription *string
}

type createResourceServerInput struct {
	UserPoolId *string
	Identifier *string
	Name       *string
	Scopes     []scopeInput
}

func (h *handler) createResourceServer(ctx context.Context, body []byte) (any, http.Header, error) {
	var in createResourceServerInput
	if _, err := decode(body, &in); err != nil {
		return nil, nil, err
	}
	var v validation
	v.poolID(in.UserPoolId)
	v.str("Identifier", in.Identifier, true, 1, 256, reIdentifier)
	v.str("Name", in.Name, true, 1, 256, reName)
	if len(in.Scopes) > 100 {
		v.add("Scopes", fmt.Sprintf("[%d scopes]", len(in.Scopes)), "Member must have length less than or equal to 100")
	}
	seen := map[string]bool{}
	for i, sc := range in.Scopes {
		member := fmt.Sprintf("Scopes.%d.member.", i+1)
		v.str(member+"ScopeName", sc.ScopeName, true, 1, 256, reScopeName)
		v.str(member+"ScopeDescription", sc.ScopeDescription, true, 1, 256, nil)
		if sc.ScopeName != nil {
			if seen[*sc.ScopeName] {
				v.add(member+"ScopeName", *sc.ScopeName, "Scope names must be unique within a resource server")
			}
			seen[*sc.ScopeName] = true
		}
	}
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	rs := store.ResourceServer{PoolID: *in.UserPoolId, Identifier: *in.Identifier, Name: *in.Name, CreatedAt: h.Now()}
	for _, sc := range in.Scopes {
		rs.Scopes = append(rs.Scopes, store.Scope{Name: *sc.ScopeName, Description: *sc.ScopeDescription})
	}
	rs, err := h.Store.CreateResourceServer(ctx, rs)
	var ce *store.ConflictError
	switch {
	case errors.As(err, &ce):
		return nil, nil, errInvalidParameter("%s already exists in user pool %s.", rs.Identifier, rs.PoolID)
	case errors.Is(err, store.ErrNotFound):
		return nil, nil, errPoolNotFound(*in.UserPoolId)
	case err != nil:
		return nil, nil, err
	}
	h.afterWrite(ctx)
	return map[string]any{"ResourceServer": resourceServerType(rs)}, nil, nil
}

func resourceServerType(rs store.ResourceServer) map[string]any {
	scopes := make([]map[string]string, 0, len(rs.Scopes))
	for _, sc := range rs.Scopes {
		scopes = append(scopes, map[string]string{"ScopeName": sc.Name, "ScopeDescription": sc.Description})
	}
	return map[string]any{"UserPoolId": rs.PoolID, "Identifier": rs.Identifier, "Name": rs.Name, "Scopes": scopes}
}

func (h *handler) listResourceServers(ctx context.Context, body []byte) (any, http.Header, error) {
	var in listInput
	if _, err := decode(body, &in); err != nil {
		return nil, nil, err
	}
	var v validation
	v.poolID(in.UserPoolId)
	v.intRange("MaxResults", in.MaxResults, 1, 50)
	v.nextToken(in.NextToken)
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	servers, next, err := h.Store.ListResourceServers(ctx, *in.UserPoolId, page(in))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errPoolNotFound(*in.UserPoolId)
	}
	if err != nil {
		return nil, nil, err
	}
	items := make([]map[string]any, 0, len(servers))
	for _, rs := range servers {
		items = append(items, resourceServerType(rs))
	}
	return withNext(map[string]any{"ResourceServers": items}, next), nil, nil
}

// clientSettings are the CreateUserPoolClient members stored and echoed
// without being interpreted (AccessTokenValidity is both: its value and
// unit are echoed, the duration they make is enforced).
var clientSettings = map[string]jsonKind{
	"AccessTokenValidity": kindNumber, "AnalyticsConfiguration": kindObject, "AuthSessionValidity": kindNumber,
	"CallbackURLs": kindList, "DefaultRedirectURI": kindString, "EnablePropagateAdditionalUserContextData": kindBool,
	"EnableTokenRevocation": kindBool, "ExplicitAuthFlows": kindList, "IdTokenValidity": kindNumber,
	"LogoutURLs": kindList, "PreventUserExistenceErrors": kindString, "ReadAttributes": kindList,
	"RefreshTokenRotation": kindObject, "RefreshTokenValidity": kindNumber, "SupportedIdentityProviders": kindList,
	"TokenValidityUnits": kindObject, "WriteAttributes": kindList,
}

// clientIDAlphabet and clientIDLength give Cognito-shaped client ids.
const (
	clientIDAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	clientIDLength   = 26
)

// standardScopes are the OIDC and Cognito scopes that need no resource
// server; they mean nothing to client_credentials.
var standardScopes = []string{"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"}

type createClientInput struct {
	UserPoolId                      *string
	ClientName                      *string
	GenerateSecret                  bool
	ClientSecret                    *string
	AllowedOAuthFlows               []string
	AllowedOAuthScopes              []string
	AllowedOAuthFlowsUserPoolClient bool
	AccessTokenValidity             *int64
	TokenValidityUnits              *struct{ AccessToken, IdToken, RefreshToken *string }
}

// unitDurations are Cognito's TimeUnitsType values.
var unitDurations = map[string]time.Duration{"seconds": time.Second, "minutes": time.Minute, "hours": time.Hour, "days": 24 * time.Hour}

func (h *handler) createUserPoolClient(ctx context.Context, body []byte) (any, http.Header, error) {
	var in createClientInput
	raw, err := decode(body, &in)
	if err != nil {
		return nil, nil, err
	}
	var v validation
	v.poolID(in.UserPoolId)
	v.str("ClientName", in.ClientName, true, 1, 128, reName)
	if in.ClientSecret != nil && (len(*in.ClientSecret) < 24 || len(*in.ClientSecret) > 64 || !reClientSecret.MatchString(*in.ClientSecret)) {
		// The value is a secret: never echoed.
		v.add("ClientSecret", "***", "Member must be 24 to 64 characters matching [\\w+]+")
	}
	if len(in.AllowedOAuthFlows) > 3 {
		v.add("AllowedOAuthFlows", strings.Join(in.AllowedOAuthFlows, ","), "Member must have length less than or equal to 3")
	}
	for i, f := range in.AllowedOAuthFlows {
		v.enum(fmt.Sprintf("AllowedOAuthFlows.%d.member", i+1), &f, "code", "implicit", "client_credentials")
	}
	if len(in.AllowedOAuthScopes) > 50 {
		v.add("AllowedOAuthScopes", fmt.Sprintf("[%d scopes]", len(in.AllowedOAuthScopes)), "Member must have length less than or equal to 50")
	}
	for i, sc := range in.AllowedOAuthScopes {
		v.str(fmt.Sprintf("AllowedOAuthScopes.%d.member", i+1), &sc, true, 1, 256, reIdentifier)
	}
	v.intRange("AccessTokenValidity", in.AccessTokenValidity, 1, 86400)
	unit := "hours"
	if u := in.TokenValidityUnits; u != nil {
		units := []string{"seconds", "minutes", "hours", "days"}
		v.enum("TokenValidityUnits.AccessToken", u.AccessToken, units...)
		v.enum("TokenValidityUnits.IdToken", u.IdToken, units...)
		v.enum("TokenValidityUnits.RefreshToken", u.RefreshToken, units...)
		if u.AccessToken != nil {
			unit = *u.AccessToken
		}
	}
	v.kinds(raw, clientSettings)
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	var validity time.Duration
	if in.AccessTokenValidity != nil {
		validity = time.Duration(*in.AccessTokenValidity) * unitDurations[unit]
		if validity < 5*time.Minute || validity > 24*time.Hour {
			return nil, nil, errInvalidParameter("Access token validity must be between 5 minutes and 1 day.")
		}
	}
	if in.GenerateSecret && in.ClientSecret != nil {
		return nil, nil, errInvalidParameter("You cannot specify both GenerateSecret as true and a ClientSecret value.")
	}
	hasSecret := in.GenerateSecret || in.ClientSecret != nil
	flows := dedupe(in.AllowedOAuthFlows)
	scopes := dedupe(in.AllowedOAuthScopes)
	for _, f := range flows {
		if f != "client_credentials" {
			return nil, nil, newError("InvalidOAuthFlowException",
				"toolgate's identity provider supports only the client_credentials flow; %s needs a hosted sign-in UI it does not have.", f)
		}
	}
	clientCredentials := slices.Contains(flows, "client_credentials")
	if clientCredentials && !hasSecret {
		return nil, nil, newError("InvalidOAuthFlowException", "client_credentials flow can not be selected if client does not have a client secret.")
	}
	if err := h.checkScopes(ctx, *in.UserPoolId, scopes, clientCredentials); err != nil {
		return nil, nil, err
	}

	var secret, hash string
	switch {
	case in.GenerateSecret:
		if secret, err = idp.NewClientSecret(); err != nil {
			return nil, nil, err
		}
		hash, err = idp.HashSecret(secret)
	case in.ClientSecret != nil:
		hash, err = idp.HashSecret(*in.ClientSecret)
	}
	if err != nil {
		return nil, nil, err
	}
	config, err := pick(raw, clientSettings)
	if err != nil {
		return nil, nil, err
	}
	c := store.PoolClient{
		PoolID: *in.UserPoolId, ClientName: *in.ClientName, SecretHash: hash,
		AllowedOAuthFlows: flows, AllowedOAuthScopes: scopes, AllowedOAuthFlowsUserPoolClient: in.AllowedOAuthFlowsUserPoolClient,
		AccessTokenValidity: validity, Config: config, CreatedAt: h.Now(),
	}
	for attempt := 1; ; attempt++ {
		if c.ClientID, err = randomString(clientIDAlphabet, clientIDLength); err != nil {
			return nil, nil, err
		}
		created, err := h.Store.CreatePoolClient(ctx, c)
		var ce *store.ConflictError
		if errors.As(err, &ce) && attempt < 5 {
			continue
		}
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, errPoolNotFound(c.PoolID)
		}
		if err != nil {
			return nil, nil, err
		}
		h.afterWrite(ctx)
		h.Logger.Info("user pool client created", "pool", created.PoolID, "client_id", created.ClientID, "has_secret", hasSecret)
		out := clientType(created)
		if secret != "" {
			out["ClientSecret"] = secret // the only response that ever carries it
		}
		return map[string]any{"UserPoolClient": out}, http.Header{
			"X-Toolgate-Token-Endpoint": {idp.TokenEndpoint(h.DataURL, created.PoolID)},
		}, nil
	}
}

// checkScopes requires every custom scope to be defined by a resource
// server of the pool, and a client_credentials client to have at least one
// and no standard scope (those describe a signed-in user).
func (h *handler) checkScopes(ctx context.Context, poolID string, scopes []string, clientCredentials bool) error {
	servers, err := listAll(func(p store.Page) ([]store.ResourceServer, string, error) {
		return h.Store.ListResourceServers(ctx, poolID, p)
	})
	if errors.Is(err, store.ErrNotFound) {
		return errPoolNotFound(poolID)
	}
	if err != nil {
		return err
	}
	defined := map[string]bool{}
	for _, rs := range servers {
		for _, sc := range rs.Scopes {
			defined[rs.Identifier+"/"+sc.Name] = true
		}
	}
	for _, sc := range scopes {
		standard := slices.Contains(standardScopes, sc)
		if standard && clientCredentials {
			return newError("InvalidOAuthFlowException", "client_credentials flow can not be used with the %s scope; use resource server scopes.", sc)
		}
		if !standard && !defined[sc] {
			return newError("ScopeDoesNotExistException", "Invalid scope requested: %s", sc)
		}
	}
	if clientCredentials && len(scopes) == 0 {
		return newError("InvalidOAuthFlowException", "client_credentials flow requires at least one resource server scope in AllowedOAuthScopes.")
	}
	return nil
}

// clientType is Cognito's UserPoolClientType without ClientSecret: Cognito's
// defaults, then the stored settings, then the fields toolgate manages.
func clientType(c store.PoolClient) map[string]any {
	out := map[string]any{
		"RefreshTokenValidity":                     30,
		"EnableTokenRevocation":                    true,
		"EnablePropagateAdditionalUserContextData": false,
		"AuthSessionValidity":                      3,
	}
	var cfg map[string]json.RawMessage
	if len(c.Config) > 0 {
		_ = json.Unmarshal(c.Config, &cfg) // written by pick: always an object
	}
	for k, v := range cfg {
		out[k] = v
	}
	out["UserPoolId"] = c.PoolID
	out["ClientId"] = c.ClientID
	out["ClientName"] = c.ClientName
	out["CreationDate"] = epoch(c.CreatedAt)
	out["LastModifiedDate"] = epoch(c.UpdatedAt)
	out["AllowedOAuthFlowsUserPoolClient"] = c.AllowedOAuthFlowsUserPoolClient
	if len(c.AllowedOAuthFlows) > 0 {
		out["AllowedOAuthFlows"] = c.AllowedOAuthFlows
	}
	if len(c.AllowedOAuthScopes) > 0 {
		out["AllowedOAuthScopes"] = c.AllowedOAuthScopes
	}
	return out
}

type clientIDInput struct {
	UserPoolId *string
	ClientId   *string
}

// clientRequest decodes and validates the body of an operation on one
// client (DescribeUserPoolClient, DeleteUserPoolClient).
func clientRequest(body []byte) (clientIDInput, error) {
	var in clientIDInput
	if _, err := decode(body, &in); err != nil {
		return in, err
	}
	var v validation
	v.poolID(in.UserPoolId)
	v.clientID(in.ClientId)
	return in, v.err()
}

// getClient loads a client, mapping a missing pool or client to Cognito's
// errors.
func (h *handler) getClient(ctx context.Context, poolID, clientID string) (store.PoolClient, error) {
	c, err := h.Store.GetPoolClient(ctx, poolID, clientID)
	if errors.Is(err, store.ErrNotFound) {
		if _, perr := h.getPool(ctx, poolID); perr != nil {
			return c, perr
		}
		return c, errClientNotFound(clientID)
	}
	return c, err
}

// describeUserPoolClient returns the client without its secret: toolgate
// keeps only a hash (see the package documentation).
func (h *handler) describeUserPoolClient(ctx context.Context, body []byte) (any, http.Header, error) {
	in, err := clientRequest(body)
	if err != nil {
		return nil, nil, err
	}
	c, err := h.getClient(ctx, *in.UserPoolId, *in.ClientId)
	if err != nil {
		return nil, nil, err
	}
	return map[string]any{"UserPoolClient": clientType(c)}, nil, nil
}

func (h *handler) listUserPoolClients(ctx context.Context, body []byte) (any, http.Header, error) {
	var in listInput
	if _, err := decode(body, &in); err != nil {
		return nil, nil, err
	}
	var v validation
	v.poolID(in.UserPoolId)
	v.intRange("MaxResults", in.MaxResults, 1, 60)
	v.nextToken(in.NextToken)
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	clients, next, err := h.Store.ListPoolClients(ctx, *in.UserPoolId, page(in))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errPoolNotFound(*in.UserPoolId)
	}
	if err != nil {
		return nil, nil, err
	}
	items := make([]map[string]any, 0, len(clients))
	for _, c := range clients {
		items = append(items, map[string]any{"ClientId": c.ClientID, "ClientName": c.ClientName, "UserPoolId": c.PoolID})
	}
	return withNext(map[string]any{"UserPoolClients": items}, next), nil, nil
}

func (h *handler) deleteUserPoolClient(ctx context.Context, body []byte) (any, http.Header, error) {
	in, err := clientRequest(body)
	if err != nil {
		return nil, nil, err
	}
	if err := h.Store.DeletePoolClient(ctx, *in.UserPoolId, *in.ClientId); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			if _, perr := h.getPool(ctx, *in.UserPoolId); perr != nil {
				return nil, nil, perr
			}
			return nil, nil, errClientNotFound(*in.ClientId)
		}
		return nil, nil, err
	}
	h.afterWrite(ctx)
	h.Logger.Info("user pool client deleted", "pool", *in.UserPoolId, "client_id", *in.ClientId)
	return map[string]any{}, nil, nil
}

func dedupe(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func listAll[T any](list func(store.Page) ([]T, string, error)) ([]T, error) {
	var all []T
	p := store.Page{Limit: 1000}
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

// randomString draws n characters uniformly from alphabet.
func randomString(alphabet string, n int) (string, error) {
	limit := 256 - 256%len(alphabet) // bytes at or above limit would bias the draw
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("random: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}
