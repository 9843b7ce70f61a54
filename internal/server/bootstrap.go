package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"

	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/store"
)

// Setting keys of an installation.
const (
	settingAccountID = "account_id"
	settingBootstrap = "bootstrap_owner"
)

// installation holds the facts every component derives ARNs from.
type installation struct {
	AccountID string
}

// bootstrap makes sure the store holds an account id and a root principal.
// Exactly one process ever creates root credentials: the one whose random
// claim wins InitSetting. A replica joining an initialised store creates
// nothing and writes no credentials file.
func bootstrap(ctx context.Context, st store.Store, keys *iam.Keyring, dataDir string, out io.Writer) (installation, error) {
	acct, err := st.InitSetting(ctx, settingAccountID, randomDigits(12))
	if err != nil {
		return installation{}, fmt.Errorf("initialise account id: %w", err)
	}
	claim := "claim-" + randomDigits(18)
	owner, err := st.InitSetting(ctx, settingBootstrap, claim)
	if err != nil {
		return installation{}, fmt.Errorf("claim bootstrap: %w", err)
	}
	if owner != claim {
		return installation{AccountID: acct}, nil // already initialised
	}
	_, keyID, secret, err := keys.CreateRoot(ctx, acct)
	if err != nil {
		return installation{}, err
	}
	path := filepath.Join(dataDir, "credentials")
	content := fmt.Sprintf("# toolgate root credentials, created on first start. Keep this file private.\n[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", keyID, secret)
	if err := writePrivate(path, []byte(content)); err != nil {
		return installation{}, fmt.Errorf("write root credentials: %w", err)
	}
	// Printed once, on the first start only: the file is the durable copy.
	fmt.Fprintf(out, "toolgate: first start — created root access key %s\n", keyID)
	fmt.Fprintf(out, "toolgate: secret access key: %s (shown once; also in %s, mode 0600)\n", secret, path)
	fmt.Fprintf(out, "toolgate: use it with AWS_SHARED_CREDENTIALS_FILE=%s\n", path)
	return installation{AccountID: acct}, nil
}

// writePrivate writes a new 0600 file, refusing to replace an existing one
// (an existing credentials file belongs to another installation's keys).
func writePrivate(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists but the store has no root principal; move it away (it belongs to another installation) and start again", path)
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		v, _ := rand.Int(rand.Reader, big.NewInt(10))
		b[i] = byte('0' + v.Int64())
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}
