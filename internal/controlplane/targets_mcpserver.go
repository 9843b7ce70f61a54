package controlplane

import (
	"context"
	"encoding/json"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/target"
)

// MCP-server targets in listing mode DEFAULT (§11.8): as in AgentCore, the
// gateway connects to the server when the target is created or updated
// (implicit synchronization) and on SynchronizeGatewayTargets, and lists
// its tools with the target's outbound credential, through the egress
// client the data plane calls it with. The list is stored with the target
// (catalog.DiscoverTools), like a document read from S3.

// fetchTarget reads what cfg keeps elsewhere: its S3 documents
// (targets_s3.go) and its MCP server's tool list. Failures are
// *catalog.FieldError.
func (a *api) fetchTarget(ctx context.Context, g store.Gateway, cfg *targetConfig) (catalog.Documents, error) {
	docs, err := a.fetchS3(ctx, g, cfg.TargetConfiguration)
	if err != nil {
		return nil, err
	}
	env := target.Env{}
	if a.TargetEnv != nil {
		var gc gatewayConfig
		if err := json.Unmarshal(g.Config, &gc); err != nil {
			return nil, err
		}
		env = a.TargetEnv(ctx, g.ID, deref(gc.RoleArn), cfg.CredentialProviderConfigurations)
	}
	docs, err = catalog.DiscoverTools(ctx, cfg.TargetConfiguration, docs, env, a.Now())
	if err != nil {
		a.Logger.Info("cannot list the tools of an MCP server target", "gateway", g.ID, "err", err)
	}
	return docs, err
}

// TargetEnvFunc gives the control plane what a target is opened with on the
// data plane (catalog.BuildEnv.TargetEnv), to list MCP servers' tools.
type TargetEnvFunc func(ctx context.Context, gatewayID, roleArn string, cpcs []agentcore.CredentialProviderConfiguration) target.Env
