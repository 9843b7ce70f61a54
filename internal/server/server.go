// Package server wires toolgate together: it builds every component from the
// bootstrap config, owns the two listeners (data plane for agents, control
// plane for operators), writes addresses.json once both accept connections,
// and shuts everything down gracefully.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/address"
	"github.com/toolgate/toolgate/internal/authn"
	"github.com/toolgate/toolgate/internal/authn/jwtauth"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/cognito"
	"github.com/toolgate/toolgate/internal/config"
	"github.com/toolgate/toolgate/internal/controlplane"
	"github.com/toolgate/toolgate/internal/cred/oauth2"
	"github.com/toolgate/toolgate/internal/dataplane"
	"github.com/toolgate/toolgate/internal/egress"
	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/iamapi"
	"github.com/toolgate/toolgate/internal/identity"
	"github.com/toolgate/toolgate/internal/idp"
	"github.com/toolgate/toolgate/internal/store/sqlstore"
	"github.com/toolgate/toolgate/internal/vault"
)

// Version is the toolgate version reported to MCP clients; set by the CLI.
var Version = "dev"

// Addresses is the content of <data-dir>/addresses.json.
type Addresses struct {
	Data    string `json:"data"`
	Control string `json:"control"`
}

// Run serves until ctx is cancelled. Progress and first-start credentials go
// to out; logs go to log.
func Run(ctx context.Context, cfg config.Config, out io.Writer, log *slog.Logger) error {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	// Bind first: a busy port must fail the start before anything (such as
	// the one-time printing of root credentials) has happened.
	dataLn, err := net.Listen("tcp", cfg.DataListen)
	if err != nil {
		return fmt.Errorf("data plane listener: %w", err)
	}
	defer dataLn.Close()
	controlLn, err := net.Listen("tcp", cfg.ControlListen)
	if err != nil {
		return fmt.Errorf("control plane listener: %w", err)
	}
	defer controlLn.Close()

	root, created, err := loadVaultRoot(cfg, log)
	if err != nil {
		return fmt.Errorf("vault key: %w", err)
	}
	v, err := vault.New(vault.KeyFromRoot(root))
	if err != nil {
		return err
	}
	sessKey, err := sessionKey(root)
	if err != nil {
		return err
	}
	st, err := sqlstore.Open(ctx, cfg.Store, sqlstore.WithLogger(log))
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	if err := checkVaultKey(ctx, st, v, cfg, created); err != nil {
		return err
	}
	// The token vault's versioned data keys (tokenvault.go); its background
	// re-sealing stops before the store closes.
	tvCtx, stopTokenVault := context.WithCancel(ctx)
	defer stopTokenVault()
	var cachedTokens oauthCache // set below; a reset deletes the cached OAuth tokens
	tokenVault, err := startTokenVault(tvCtx, cfg, st, v, root, log, cachedTokens.clear)
	if err != nil {
		return err
	}

	keys := &iam.Keyring{Store: st, Vault: v}
	inst, err := bootstrap(ctx, st, keys, cfg.DataDir, out)
	if err != nil {
		return err
	}
	// The audit trail (audit.go) outlives the listeners and closes before
	// the store, so every request's event is written.
	trail, err := startAudit(cfg, st, inst.AccountID, log)
	if err != nil {
		return err
	}
	defer trail.close()

	dataURL := cfg.PublicDataURL
	if dataURL == "" {
		dataURL = "http://" + dataLn.Addr().String()
	}

	httpClient := egress.NewClient(egress.Options{
		Policy:           egress.Policy{DenyPrivate: cfg.Egress.DenyPrivate, AllowLinkLocal: cfg.Egress.AllowLinkLocal},
		Timeout:          time.Duration(cfg.Egress.TimeoutSeconds) * time.Second,
		MaxResponseBytes: cfg.Egress.MaxResponseBytes,
	})
	// Identity providers are chosen by operators (discoveryUrl), not by tool
	// definitions, and often live on private networks (the embedded one on
	// loopback): egress.deny_private is for target upstreams. Cloud
	// metadata addresses stay refused.
	idpClient := egress.NewClient(egress.Options{
		Policy:  egress.Policy{AllowLinkLocal: cfg.Egress.AllowLinkLocal},
		Timeout: 10 * time.Second, MaxResponseBytes: 1 << 20,
	})
	keySets := jwtauth.NewKeySets(ctx, jwtauth.KeySetOptions{HTTPClient: idpClient, Logger: log})
	defer keySets.Close()
	// OAuth2 access tokens of OAUTH targets and of the Identity data
	// plane's M2M flow, cached across catalog builds. Token endpoints are
	// operator-configured like identity providers, hence idpClient.
	oauthTokens := oauth2.New(oauth2.Options{HTTPClient: idpClient, Logger: log, Providers: st, Vault: v})
	cachedTokens.set(oauthTokens)
	// Gateway roles: GATEWAY_IAM_ROLE targets call AWS with them, and the
	// control plane reads targets' S3 documents with them.
	awsRoles := newAWSProvider(cfg, log)
	buildEnv := catalog.BuildEnv{
		Store: st, Vault: v, HTTPClient: httpClient, Logger: log, KeySets: keySets,
		JWTLeeway: time.Duration(cfg.JWTLeewaySeconds) * time.Second,
		AWS:       awsRoles,
		OAuth2:    oauthTokens,
	}
	builder := catalog.NewBuilder(buildEnv)
	cat := catalog.NewManager(st, builder, log, 0)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := cat.Run(runCtx); err != nil {
		return fmt.Errorf("build catalog: %w", err)
	}

	// The embedded identity provider ("EZ auth"): an OAuth 2.0 authorization
	// server per user pool on the data plane, managed through the Cognito
	// user-pool API on the control plane.
	idpSrv := idp.New(idp.Options{Store: st, Revisions: st, Vault: v, DataURL: dataURL, Logger: log})
	if err := idpSrv.Run(runCtx); err != nil {
		return fmt.Errorf("identity provider: %w", err)
	}
	// The catalog owns the store's change signal; it tells the IdP.
	cat.Subscribe(func(*catalog.Snapshot) { idpSrv.Notify(); tokenVault.Notify() })

	addresses := address.New(dataURL, cfg.GatewayDomain)
	// AWS_IAM gateways verify SigV4 against cached access keys; any store
	// change (a key deleted or deactivated among them) clears the cache.
	authz := controlplane.NewAuthorizer(st)
	iamKeys := authn.NewSigV4Keys(keys, authz, false)
	// Policies are cached per principal; every store change (this replica's
	// or another's) reaches here through the catalog and drops them.
	cat.Subscribe(func(*catalog.Snapshot) { iamKeys.Clear(); authz.Invalidate() })
	dp := dataplane.New(dataplane.Options{
		Logger:         log,
		AllowedOrigins: cfg.AllowedOrigins,
		Authorizer:     authn.NewAuthorizer(log, iamKeys),
		Addresses:      addresses,
		Implementation: &mcp.Implementation{Name: "toolgate", Version: Version},
		Audit:          trail.auditor(),
		SessionKey:     sessKey,
	})
	cat.Subscribe(dp.Apply)

	// The IAM API (iam.go) at /iam/: a change takes effect before its
	// response, since the refreshed catalog drops the cached policies.
	iamAPI := iamapi.New(iamapi.Options{
		Store: st, Keys: keys, Authorizer: authz, Region: cfg.Region, AccountID: inst.AccountID, Logger: log,
		AfterWrite: func(ctx context.Context) { _ = cat.Refresh(ctx, false) },
		RequestID:  controlplane.RequestIDFrom,
	})
	cp := controlplane.New(controlplane.Options{
		Store:      st,
		Vault:      v,
		Keys:       keys,
		Region:     cfg.Region,
		AccountID:  inst.AccountID,
		GatewayURL: addresses.GatewayURL,
		Logger:     log,
		Authorizer: authz,
		Audit:      trail.auditor(),
		TokenVault: tokenVault,
		// OAuth2 providers' discovery documents, like identity providers'.
		DiscoveryClient: idpClient,
		DataURL:         dataURL,
		AWS:             awsRoles,
		// MCP-server targets list their tools as the data plane calls them.
		TargetEnv: buildEnv.TargetEnv,
		// Writes become visible to the data plane before the response is
		// sent, so "create target, then list tools" never races.
		AfterWrite: func(ctx context.Context) { _ = cat.Refresh(ctx, false) },
		Services: []controlplane.Service{{
			Prefix: "/cognito-idp/", SigningName: cognito.SigningName,
			Classify: cognitoClassifier(cfg.Region, inst.AccountID), WriteError: cognito.WriteError,
			Handler: cognito.NewHandler(cognito.Options{
				Store: st, Vault: v, Region: cfg.Region, AccountID: inst.AccountID, DataURL: dataURL, Logger: log,
				AfterWrite: func(ctx context.Context) { _ = idpSrv.Refresh(ctx, false) },
				RequestID:  controlplane.RequestIDFrom,
			}),
		}, {
			Prefix: "/toolgate/", SigningName: ExtensionSigningName, Handler: withIAMExtension(extensionAPI(idpSrv, trail), iamAPI),
			Classify:   extensionClassifier(extensionOperations(cfg.Region, inst.AccountID, iamAPI)),
			WriteError: writeExtensionError,
		}, iamService(iamAPI)},
	})

	// The AgentCore Identity data plane (identity.go).
	identityHandler, err := identityAPI(controlplane.Options{
		Store: st, Vault: v, Keys: keys, Region: cfg.Region, AccountID: inst.AccountID,
		GatewayURL: addresses.GatewayURL, Logger: log, Authorizer: authz, Audit: trail.auditor(),
	}, identity.Options{
		Store: st, DataURL: dataURL, KeySets: keySets, JWTLeeway: time.Duration(cfg.JWTLeewaySeconds) * time.Second,
	}, root, cat, oauthTokens)
	if err != nil {
		return err
	}

	dataMux := http.NewServeMux()
	dataMux.Handle("/", dp.Handler())
	dataMux.Handle("/identities/", identityHandler)
	idpHandler := idpSrv.Handler()
	for _, p := range []string{"/idp/", "/.well-known/openid-configuration/idp/", "/.well-known/oauth-authorization-server/idp/"} {
		dataMux.Handle(p, idpHandler)
	}

	// Request contexts derive from reqCtx, cancelled when shutdown begins, so
	// long-lived MCP streams (GET event streams, subscriptions) end at once
	// instead of holding Shutdown until its timeout.
	reqCtx, cancelRequests := context.WithCancel(context.Background())
	defer cancelRequests()
	base := func(net.Listener) context.Context { return reqCtx }
	servers := []*http.Server{
		{Handler: dataMux, BaseContext: base, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)},
		{Handler: cp, BaseContext: base, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)},
	}
	errc := make(chan error, 2)
	for i, ln := range []net.Listener{dataLn, controlLn} {
		go func() {
			if err := servers[i].Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	addrs := Addresses{Data: dataLn.Addr().String(), Control: controlLn.Addr().String()}
	if err := writeAddresses(cfg.DataDir, addrs); err != nil {
		return err
	}
	shownData := dataURL
	if dataURL != "http://"+addrs.Data {
		// public_data_url (a balancer, say) is what clients use; the
		// listener is what a replica's health check or an operator
		// reaching it directly needs.
		shownData += " (listening on " + addrs.Data + ")"
	}
	fmt.Fprintf(out, "toolgate %s serving\n  data plane (MCP):    %s\n  control plane (AWS): http://%s\n  data directory:      %s\n", Version, shownData, addrs.Control, cfg.DataDir)
	log.Info("serving", "data", addrs.Data, "control", addrs.Control, "account", inst.AccountID, "region", cfg.Region)

	select {
	case <-ctx.Done():
	case err = <-errc:
		log.Error("listener failed", "err", err)
	}
	shutdownCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	cancelRequests()
	for _, s := range servers {
		s.Shutdown(shutdownCtx)
	}
	os.Remove(filepath.Join(cfg.DataDir, "addresses.json"))
	return err
}

// writeAddresses publishes the listener addresses atomically, so a reader
// never sees a partial file.
func writeAddresses(dir string, a Addresses) error {
	data, _ := json.MarshalIndent(a, "", "  ")
	tmp := filepath.Join(dir, ".addresses.json.tmp")
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "addresses.json"))
}
