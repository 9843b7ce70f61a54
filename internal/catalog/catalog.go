// Package catalog is the compiled, immutable view of what each gateway
// serves: gateway settings and the tools of every target, with targets
// already opened (specs parsed, schemas serialised, credentials unsealed).
//
// The control plane writes configuration to the store; the Manager notices
// (through the store's change signal and a periodic revision check), rebuilds
// a new Snapshot off the hot path and swaps it in atomically. The data plane
// only ever reads the current Snapshot, so a tool call does no store access,
// no parsing and no key derivation.
package catalog

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/toolgate/toolgate/internal/authn"
	"github.com/toolgate/toolgate/internal/target"
)

// ToolSeparator joins a target name and a tool name into the name MCP
// clients see (agentcore-api.md §11.3).
const ToolSeparator = "___"

// Tool is one tool as a gateway exposes it.
type Tool struct {
	Name       string // "{targetName}___{toolName}"
	TargetID   string
	TargetName string
	Local      string // the target's own name for the tool
	Def        target.Tool
	Target     target.Target
}

// Gateway is the compiled form of one gateway.
type Gateway struct {
	ID             string
	Name           string
	ARN            string
	AuthorizerType string
	// RoleARN is the gateway's execution role (GATEWAY_IAM_ROLE targets).
	RoleARN string
	// Tags are the gateway's tags (aws:ResourceTag/… of InvokeGateway).
	Tags map[string]string
	// Verifier checks bearer tokens of CUSTOM_JWT and AUTHENTICATE_ONLY
	// gateways; nil for other authorizers, or when the authorizer
	// configuration could not be compiled (requests then fail closed).
	Verifier authn.TokenVerifier
	// SupportedVersions restricts MCP protocol versions; nil means every
	// version the MCP SDK supports.
	SupportedVersions []string
	Instructions      string
	// Debug is true when exceptionLevel is DEBUG.
	Debug bool
	// DisablePagination is protocolConfiguration.mcp.disableMcpListToolsPagination.
	DisablePagination bool
	// SessionTimeoutSeconds from sessionConfiguration (default 3600).
	SessionTimeoutSeconds int
	// Semantic is protocolConfiguration.mcp.searchType SEMANTIC: the
	// gateway serves x_amz_bedrock_agentcore_search, ranked by Search.
	Semantic bool
	// Tools sorted by Name; ByName indexes them.
	Tools  []*Tool
	ByName map[string]*Tool
	// Search indexes Tools when Semantic is set (search.go); nil otherwise.
	Search *Search
	// Dynamic are the MCP-server targets in listing mode DYNAMIC, sorted by
	// name: their tools are listed live by the data plane (dynamic.go).
	Dynamic []*DynamicTarget
	// Prompts (by Name), Resources and Templates (by URI) of MCP-server
	// targets, clashes resolved (resources.go).
	Prompts   []*Prompt
	Resources []*Resource
	Templates []*Resource
	// Server identifies the settings that shape the MCP server itself
	// (versions, instructions, pagination, session timeout). When it changes
	// the data plane builds a new server; when only Tools change it updates
	// the existing one in place so connected sessions are notified.
	Server string
}

// Snapshot is an immutable view of every gateway at one store revision.
type Snapshot struct {
	Revision int64
	Gateways map[string]*Gateway
}

// Gateway returns the gateway with id, or nil.
func (s *Snapshot) Gateway(id string) *Gateway {
	if s == nil {
		return nil
	}
	return s.Gateways[id]
}

// Finish sorts g's tools, indexes them and computes the derived fields. A
// Gateway must be finished before it is published in a Snapshot; it returns g
// for convenience.
func Finish(g *Gateway) *Gateway {
	sort.Slice(g.Tools, func(i, j int) bool { return g.Tools[i].Name < g.Tools[j].Name })
	g.ByName = make(map[string]*Tool, len(g.Tools))
	for _, t := range g.Tools {
		g.ByName[t.Name] = t
	}
	if g.Semantic {
		g.Search = newSearch(g.Tools)
	}
	sort.Slice(g.Dynamic, func(i, j int) bool { return g.Dynamic[i].TargetName < g.Dynamic[j].TargetName })
	key, _ := json.Marshal(struct {
		V []string
		I string
		P bool
		S int
		A string
	}{g.SupportedVersions, g.Instructions, g.DisablePagination, g.SessionTimeoutSeconds, g.AuthorizerType})
	g.Server = string(key)
	return g
}

// Builder compiles the whole configuration at the store's current revision.
// It is given the previous snapshot so it can reuse targets whose
// configuration did not change (opening a large OpenAPI spec is expensive).
type Builder func(ctx context.Context, prev *Snapshot) (*Snapshot, error)
