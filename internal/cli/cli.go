// Package cli is toolgate's command line: `toolgate serve` runs the server;
// the management commands are a friendly face over the same AWS APIs any SDK
// uses, talking to a running server through its control plane.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"
	"github.com/toolgate/toolgate/internal/config"
	"github.com/toolgate/toolgate/internal/server"
)

// Main runs the CLI with args (without the program name) and returns the
// process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		if err != errSilentFailure {
			fmt.Fprintln(stderr, "toolgate:", err)
		}
		return 1
	}
	return 0
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "toolgate",
		Short:         "A self-hosted MCP gateway, wire-compatible with Amazon Bedrock AgentCore Gateway",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newServe(stdout, stderr), newQuickstart(stdout, stderr), newVersion(stdout))
	root.AddCommand(newGatewayCmd(), newTargetCmd(), newCredentialProviderCmd(), newTokenCmd(), newIdPCmd(), newIAMCmd())
	root.AddCommand(newAuditCmd(), newVaultCmd(), newWorkloadIdentityCmd())
	return root
}

func newVersion(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the toolgate version",
		Args:  cobra.NoArgs,
		Run:   func(*cobra.Command, []string) { fmt.Fprintln(stdout, "toolgate", server.Version) },
	}
}

func newServe(stdout, stderr io.Writer) *cobra.Command {
	var sf serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway (data plane and control plane)",
		Long: `Run toolgate. With no flags it uses the embedded default: SQLite and the
vault key in ./toolgate-data, the data plane (MCP) on 127.0.0.1:8080 and the
control plane (AgentCore API) on 127.0.0.1:8081. On first start it writes root
access keys to <data-dir>/credentials (mode 0600) and prints them once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := sf.config(cmd)
			if err != nil {
				return err
			}
			return server.Run(cmd.Context(), cfg, stdout, newLogger(cfg, stderr))
		},
	}
	sf.register(cmd)
	return cmd
}

// serveFlags are the flags of commands that run a server.
type serveFlags struct {
	file  string
	flags config.Config
}

func (sf *serveFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&sf.file, "config", "", "bootstrap config file (YAML)")
	f.StringVar(&sf.flags.DataDir, "data-dir", config.DefaultDataDir, "data directory")
	f.StringVar(&sf.flags.DataListen, "data-listen", config.DefaultDataListen, "data-plane listen address (port 0 = any free port)")
	f.StringVar(&sf.flags.ControlListen, "control-listen", config.DefaultControlListen, "control-plane listen address (port 0 = any free port)")
	f.StringVar(&sf.flags.Store, "store", "", "store DSN (default sqlite://<data-dir>/toolgate.db)")
	f.StringVar(&sf.flags.VaultKeyFile, "vault-key-file", "", "token vault root key file (default <data-dir>/vault.key)")
	f.StringVar(&sf.flags.VaultKeyEnv, "vault-key-env", "", "environment variable holding the vault root key (64 hex characters) instead of a file")
	f.StringVar(&sf.flags.Region, "region", config.DefaultRegion, "AWS region used in ARNs")
	f.StringVar(&sf.flags.PublicDataURL, "public-data-url", "", "base URL agents use to reach the data plane (default http://<data-listen>)")
	f.StringVar(&sf.flags.LogLevel, "log-level", "info", "debug, info, warn or error")
	f.StringVar(&sf.flags.GatewayDomain, "gateway-domain", "", "serve gateways host-based at {gatewayId}.<domain>/mcp as well (needs wildcard DNS)")
}

// config merges the config file and the flags (flags win), applies the
// defaults and validates the result.
func (sf *serveFlags) config(cmd *cobra.Command) (config.Config, error) {
	var cfg config.Config
	if sf.file != "" {
		var err error
		if cfg, err = config.Load(sf.file); err != nil {
			return cfg, err
		}
	}
	fs := cmd.Flags()
	override := func(name string, dst *string, val string) {
		if fs.Changed(name) {
			*dst = val
		}
	}
	override("data-dir", &cfg.DataDir, sf.flags.DataDir)
	override("data-listen", &cfg.DataListen, sf.flags.DataListen)
	override("control-listen", &cfg.ControlListen, sf.flags.ControlListen)
	override("store", &cfg.Store, sf.flags.Store)
	override("vault-key-file", &cfg.VaultKeyFile, sf.flags.VaultKeyFile)
	override("vault-key-env", &cfg.VaultKeyEnv, sf.flags.VaultKeyEnv)
	override("region", &cfg.Region, sf.flags.Region)
	override("public-data-url", &cfg.PublicDataURL, sf.flags.PublicDataURL)
	override("log-level", &cfg.LogLevel, sf.flags.LogLevel)
	override("gateway-domain", &cfg.GatewayDomain, sf.flags.GatewayDomain)
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return cfg, nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
