package server

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/toolgate/toolgate/internal/config"
	"github.com/toolgate/toolgate/internal/cred/oauth2"
	"github.com/toolgate/toolgate/internal/egress"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/tokenvault"
	"github.com/toolgate/toolgate/internal/vault"
)

// startTokenVault starts the token vault's key manager: it creates the
// first data key on a new installation, installs the data keys into v, and
// re-seals in the background after a rotation. AWS KMS customer keys are
// used with toolgate's base AWS credentials (the aws block) and the
// aws.endpoints.kms override. onReset deletes the OAuth tokens cached in
// the vault when its key material is reset.
//
// It must run after checkVaultKey, which compares the root key's
// fingerprint (the vault's primary key id until now) with the store's.
func startTokenVault(ctx context.Context, cfg config.Config, st store.IdentityStore, v *vault.Vault, root []byte,
	log *slog.Logger, onReset func(context.Context) error,
) (*tokenvault.Manager, error) {
	client := egress.NewClient(egress.Options{
		Policy:  egress.Policy{AllowLinkLocal: cfg.Egress.AllowLinkLocal},
		Timeout: 30 * time.Second, MaxResponseBytes: 1 << 20,
	})
	creds := awsBaseCredentials(cfg)
	kmsFor := func(region string) (tokenvault.KMSAPI, error) {
		o := kms.Options{Region: region, Credentials: creds, HTTPClient: client}
		if ep := cfg.AWS.Endpoints["kms"]; ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
		return kms.New(o), nil
	}
	m, err := tokenvault.New(tokenvault.Options{
		Store: st, Vault: v, Root: root, LocalKeyDir: cfg.VaultCMKDir, KMS: kmsFor,
		OnReset: onReset, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	if err := m.Start(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// awsBaseCredentials are toolgate's own AWS credentials, as the aws block
// of the bootstrap configuration says: static keys from environment
// variables, or a profile of the shared files, or the SDK's default chain,
// loaded on first use (a failed load is retried on the next use).
func awsBaseCredentials(cfg config.Config) aws.CredentialsProvider {
	if id, secret, token, ok := cfg.AWS.StaticCredentials(); ok {
		return credentials.NewStaticCredentialsProvider(id, secret, token)
	}
	return aws.NewCredentialsCache(&defaultChain{region: cfg.AWS.Region, profile: cfg.AWS.Profile})
}

type defaultChain struct {
	region, profile string
	mu              sync.Mutex
	p               aws.CredentialsProvider
}

func (c *defaultChain) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c.mu.Lock()
	p := c.p
	if p == nil {
		opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(c.region)}
		if c.profile != "" {
			opts = append(opts, awsconfig.WithSharedConfigProfile(c.profile))
		}
		cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
		if err != nil || cfg.Credentials == nil {
			c.mu.Unlock()
			return aws.Credentials{}, fmt.Errorf("no AWS credentials for AWS KMS (configure the aws block): %v", err)
		}
		c.p, p = cfg.Credentials, cfg.Credentials
	}
	c.mu.Unlock()
	return p.Retrieve(ctx)
}

// oauthCache lets the token vault, which starts before the OAuth2 token
// cache exists, delete the cached tokens when its key material is reset.
type oauthCache struct{ p atomic.Pointer[oauth2.Tokens] }

func (c *oauthCache) set(t *oauth2.Tokens) { c.p.Store(t) }

func (c *oauthCache) clear(context.Context) error {
	if t := c.p.Load(); t != nil {
		t.Clear()
	}
	return nil
}
