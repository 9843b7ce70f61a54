package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/spf13/cobra"
	"github.com/toolgate/toolgate/internal/server"
)

func newIdPCmd() *cobra.Command {
	var conn connFlags
	cmd := &cobra.Command{Use: "idp", Short: "Operate the embedded identity provider (pools and clients: the Cognito API at /cognito-idp/)"}
	conn.register(cmd)
	var pool string
	rotate := &cobra.Command{
		Use:   "rotate-key --pool POOL_ID",
		Short: "Rotate a user pool's token-signing key (old tokens stay valid until they expire)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out map[string]any
			if err := conn.extension(cmd.Context(), cmd.ErrOrStderr(), "/idp/rotate-signing-key", map[string]string{"userPoolId": pool}, &out); err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), out)
		},
	}
	rotate.Flags().StringVar(&pool, "pool", "", "user pool id")
	rotate.MarkFlagRequired("pool")
	cmd.AddCommand(rotate)
	return cmd
}

// extension calls toolgate's own extension API (/toolgate/…), signed with
// SigV4 under the signing name "toolgate" with the same credentials the
// AWS-API commands use.
func (c *connFlags) extension(ctx context.Context, stderr io.Writer, path string, in, out any) error {
	endpoint, cfg, _, err := c.resolve(ctx, stderr)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(ctx, "POST", strings.TrimSuffix(endpoint, "/")+"/toolgate"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), server.ExtensionSigningName, cfg.Region, time.Now()); err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return c.explain(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		var e struct{ Message string }
		json.Unmarshal(data, &e)
		return fmt.Errorf("%s: %s (HTTP %d)", resp.Header.Get("X-Amzn-ErrorType"), e.Message, resp.StatusCode)
	}
	return json.Unmarshal(data, out)
}
