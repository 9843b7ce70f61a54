package controlplane

import (
	"context"
	"encoding/json"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/store"
)

// Semantic search (searchType SEMANTIC) indexes the tools a gateway stores;
// an MCP-server target in listingMode DYNAMIC stores none, so AgentCore
// does not allow the two together. Both directions are refused: a DYNAMIC
// target on a SEMANTIC gateway, and SEMANTIC on a gateway with a DYNAMIC
// target.

// isDynamic reports whether a target configuration is a DYNAMIC MCP server.
func isDynamic(tc *agentcore.TargetConfiguration) bool {
	return tc != nil && tc.MCP != nil && tc.MCP.MCPServer != nil && tc.MCP.MCPServer.ListingMode == agentcore.ListingModeDynamic
}

// isSemantic reports whether a gateway configuration enables search.
func isSemantic(c *agentcore.UpdateGatewayRequest) bool {
	return c.ProtocolConfiguration != nil && c.ProtocolConfiguration.MCP != nil &&
		c.ProtocolConfiguration.MCP.SearchType == agentcore.SearchTypeSemantic
}

// checkDynamicOnGateway refuses a DYNAMIC target on a SEMANTIC gateway.
func checkDynamicOnGateway(g store.Gateway, tc *agentcore.TargetConfiguration) error {
	if !isDynamic(tc) {
		return nil
	}
	var cfg agentcore.UpdateGatewayRequest
	if json.Unmarshal(g.Config, &cfg) != nil || !isSemantic(&cfg) {
		return nil
	}
	const msg = "listingMode DYNAMIC cannot be used on a gateway with searchType SEMANTIC: DYNAMIC targets' tools are not indexed for search"
	return errValidation(msg, agentcore.ValidationExceptionField{Name: "targetConfiguration.mcp.mcpServer.listingMode", Message: msg})
}

// checkSemanticTargets refuses SEMANTIC on a gateway that has a DYNAMIC
// target.
func (a *api) checkSemanticTargets(ctx context.Context, gatewayID string, c *agentcore.UpdateGatewayRequest) error {
	if !isSemantic(c) {
		return nil
	}
	page := store.Page{}
	for {
		items, next, err := a.Store.ListTargets(ctx, gatewayID, page)
		if err != nil {
			return err
		}
		for _, t := range items {
			var tc targetConfig
			if json.Unmarshal(t.Config, &tc) == nil && isDynamic(tc.TargetConfiguration) {
				msg := "searchType SEMANTIC cannot be used while target " + t.Name + " is an MCP server in listingMode DYNAMIC (its tools are not indexed for search)"
				return errValidation(msg, agentcore.ValidationExceptionField{Name: "protocolConfiguration.mcp.searchType", Message: msg})
			}
		}
		if next == "" {
			return nil
		}
		page.After = next
	}
}
