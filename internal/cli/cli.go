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
	root.AddCommand(newServe(stdout, stderr), newVersion(stdout))
	root.AddCommand(newGatewayCmd(), newTargetCmd(), newCredentialProviderCmd(), newTokenCmd())
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
	var file string
	var flags config.Config
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway (data plane and control plane)",
		Long: `Run toolgate. With no flags it uses the embedded default: SQLite and the
vault key in ./toolgate-data, the data plane (MCP) on 127.0.0.1:8080 and the
control plane (AgentCore API) on 127.0.0.1:8081. On first start it writes root
access keys to <data-dir>/credentials (mode 0600) and prints them once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var cfg config.Config
			if file != "" {
				var err error
				if cfg, err = config.Load(file); err != nil {
					return err
				}
			}
			// Flags override the file.
			fs := cmd.Flags()
			override := func(name string, dst *string, val string) {
				if fs.Changed(name) {
					*dst = val
				}
			}
			override("data-dir", &cfg.DataDir, flags.DataDir)
			override("data-listen", &cfg.DataListen, flags.DataListen)
			override("control-listen", &cfg.ControlListen, flags.ControlListen)
			override("store", &cfg.Store, flags.Store)
			override("vault-key-file", &cfg.VaultKeyFile, flags.VaultKeyFile)
			override("region", &cfg.Region, flags.Region)
			override("public-data-url", &cfg.PublicDataURL, flags.PublicDataURL)
			override("log-level", &cfg.LogLevel, flags.LogLevel)
			cfg.ApplyDefaults()
			if err := cfg.Validate(); err != nil {
				return fmt.Errorf("invalid configuration:\n%w", err)
			}
			return server.Run(cmd.Context(), cfg, stdout, newLogger(cfg, stderr))
		},
	}
	f := cmd.Flags()
	f.StringVar(&file, "config", "", "bootstrap config file (YAML)")
	f.StringVar(&flags.DataDir, "data-dir", config.DefaultDataDir, "data directory")
	f.StringVar(&flags.DataListen, "data-listen", config.DefaultDataListen, "data-plane listen address (port 0 = any free port)")
	f.StringVar(&flags.ControlListen, "control-listen", config.DefaultControlListen, "control-plane listen address (port 0 = any free port)")
	f.StringVar(&flags.Store, "store", "", "store DSN (default sqlite://<data-dir>/toolgate.db)")
	f.StringVar(&flags.VaultKeyFile, "vault-key-file", "", "token vault root key file (default <data-dir>/vault.key)")
	f.StringVar(&flags.Region, "region", config.DefaultRegion, "AWS region used in ARNs")
	f.StringVar(&flags.PublicDataURL, "public-data-url", "", "base URL agents use to reach the data plane (default http://<data-listen>)")
	f.StringVar(&flags.LogLevel, "log-level", "info", "debug, info, warn or error")
	return cmd
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
