package dataplane

import (
	"context"
	"encoding/json"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/catalog"
)

// SearchToolName is the built-in tool of gateways whose
// protocolConfiguration.mcp.searchType is SEMANTIC (agentcore-api.md §11.4).
const SearchToolName = "x_amz_bedrock_agentcore_search"

// SearchLimit is how many tools a search returns at most. AgentCore does
// not document its number; ten keeps the answer small enough to be worth
// calling instead of tools/list, while leaving room for near misses.
const SearchLimit = 10

// searchTool is the search tool as AgentCore lists it, word for word.
var searchTool = &mcp.Tool{
	Name:        SearchToolName,
	Description: "A special tool that returns a trimmed down list of tools given a context. Use this tool only when there are many tools available and you want to get a subset that matches the provided context.",
	InputSchema: json.RawMessage(`{"type":"object","properties":{"query":{"type":"string","description":"search query to use for finding tools"}},"required":["query"]}`),
}

// syncSearchTool adds or removes the search tool of gs when the gateway's
// searchType changed (prev nil: a new server). The handler reads the
// current snapshot's index on every call, so a change of the gateway's
// tools needs nothing here.
func (s *Server) syncSearchTool(gs *gatewayServer, prev, gw *catalog.Gateway) {
	was := prev != nil && prev.Semantic
	switch {
	case gw.Semantic && !was:
		gs.server.AddTool(searchTool, s.searchHandler(gs))
	case !gw.Semantic && was:
		gs.server.RemoveTools(SearchToolName)
	}
}

// searchHandler answers x_amz_bedrock_agentcore_search: the text content
// is the JSON object {"tools": [...]} of MCP tool definitions, most
// relevant first, exactly as tools/list shows them; structuredContent
// carries the same object. It runs behind the same inbound authorizer and
// audit middleware as every other tools/call.
func (s *Server) searchHandler(gs *gatewayServer) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		gw := gs.gw.Load()
		var args struct {
			Query *string `json:"query"`
		}
		if raw := req.Params.Arguments; len(raw) > 0 && string(raw) != "null" {
			if err := json.Unmarshal(raw, &args); err != nil {
				return searchError("query must be a string: " + err.Error()), nil
			}
		}
		if args.Query == nil || *args.Query == "" {
			return searchError("query is required: a non-empty string describing the tools to find"), nil
		}
		start := time.Now()
		found := gw.Search.Find(*args.Query, SearchLimit)
		tools := make([]*mcp.Tool, len(found))
		for i, t := range found {
			tools[i] = mcpTool(t)
		}
		out := map[string]any{"tools": tools}
		text, err := json.Marshal(out)
		if err != nil {
			return nil, err
		}
		s.log.Debug("tool search", "gateway", gw.ID, "results", len(tools), "latency", time.Since(start))
		return &mcp.CallToolResult{
			Content:           []mcp.Content{&mcp.TextContent{Text: string(text)}},
			StructuredContent: out,
		}, nil
	}
}

func searchError(msg string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: msg}}}
}
