package server

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"

	"github.com/toolgate/toolgate/internal/config"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/vault"
)

// What replicas of one installation share is the database and the vault
// root key, nothing else. This file holds what makes that safe: the root key
// from a file or an environment variable, a check that every replica of a
// store has the same one, and the keys derived from it for state that
// travels between replicas through clients (MCP session ids).

// settingVaultKeyID records the id of the vault key the store's secrets are
// sealed with (a public fingerprint: the first hex digits of a hash of a
// derived value, never the key).
const settingVaultKeyID = "vault_key_id"

// loadVaultRoot returns the vault root key from cfg.VaultKeyEnv, or from
// cfg.VaultKeyFile (generated when absent; created reports that).
func loadVaultRoot(cfg config.Config, log *slog.Logger) (root []byte, created bool, err error) {
	if cfg.VaultKeyEnv != "" {
		root, err = vault.LoadKeyEnv(cfg.VaultKeyEnv)
		return root, false, err
	}
	root, created, err = vault.LoadOrCreateKeyFile(cfg.VaultKeyFile)
	if err == nil && created {
		log.Info("generated the token vault root key", "path", cfg.VaultKeyFile)
	}
	return root, created, err
}

// checkVaultKey makes sure this process seals and opens with the key the
// store was initialised with: a replica started with another key (a key
// file generated on a new machine instead of copied) would fail to open
// every secret and seal new ones nobody else can read. The first process
// records its key id; the others must match it. A key file this start
// generated for nothing is removed again, so that the operator can put the
// right one in its place.
func checkVaultKey(ctx context.Context, st store.Store, v *vault.Vault, cfg config.Config, created bool) error {
	id := v.PrimaryKeyID()
	stored, err := st.InitSetting(ctx, settingVaultKeyID, id)
	if err != nil {
		return fmt.Errorf("record the vault key id: %w", err)
	}
	if stored == id {
		return nil
	}
	where := "environment variable " + cfg.VaultKeyEnv
	if cfg.VaultKeyEnv == "" {
		where = "key file " + cfg.VaultKeyFile
		if created {
			os.Remove(cfg.VaultKeyFile)
			where = "newly generated key file " + cfg.VaultKeyFile + " (removed again)"
		}
	}
	return fmt.Errorf("vault key: the store's secrets are sealed with vault key %s but this process has key %s from the %s: "+
		"every replica sharing a store must use the same vault root key (copy the key file of the first replica, or set the same vault_key_env value)",
		stored, id, where)
}

// sessionKey derives the key that seals MCP session ids. Every replica
// derives the same one from the shared root key, so a session started on
// one replica can be served by any other (dataplane/sessions.go).
func sessionKey(root []byte) ([]byte, error) {
	return hkdf.Key(sha256.New, root, nil, "toolgate mcp session id v1", 32)
}
