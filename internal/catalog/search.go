package catalog

import "github.com/toolgate/toolgate/internal/toolsearch"

// Search ranks a gateway's tools for the built-in search tool
// x_amz_bedrock_agentcore_search (agentcore-api.md §11.4). It is built once
// per snapshot by Finish, for gateways whose protocolConfiguration.mcp
// .searchType is SEMANTIC, and is immutable: a search reads no store and
// parses nothing.
//
// Only the gateway's listed tools are indexed: like AgentCore, the tools of
// DYNAMIC listing-mode targets (listed live, never in Tools) are not.
type Search struct {
	ix    *toolsearch.Index
	tools []*Tool
}

func newSearch(tools []*Tool) *Search {
	docs := make([]toolsearch.Doc, len(tools))
	for i, t := range tools {
		docs[i] = toolsearch.Doc{Name: t.Name, Description: t.Def.Description, InputSchema: t.Def.InputSchema}
	}
	return &Search{ix: toolsearch.New(docs), tools: tools}
}

// Find returns up to k tools matching query, most relevant first.
func (s *Search) Find(query string, k int) []*Tool {
	if s == nil {
		return nil
	}
	hits := s.ix.Search(query, k)
	out := make([]*Tool, len(hits))
	for i, h := range hits {
		out[i] = s.tools[h.Doc]
	}
	return out
}
