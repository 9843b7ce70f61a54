package dataplane

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/catalog"
)

// Prompts and resources of MCP-server targets (catalog/resources.go) are
// served by the gateway's go-sdk server like its tools: added with
// AddPrompt, AddResource and AddResourceTemplate, with handlers that
// forward prompts/get and resources/read to the owning target, and kept in
// step with the catalog in place (so sessions are notified of changes).
// The go-sdk server advertises the prompts and resources capabilities once
// it has any.

// syncExtras updates gs's prompts, resources and templates from prev (nil
// for a new server) to gw's.
func (s *Server) syncExtras(gs *gatewayServer, prev, gw *catalog.Gateway) {
	var oldPrompts map[string]*catalog.Prompt
	var oldResources, oldTemplates map[string]*catalog.Resource
	if prev != nil {
		oldPrompts = byKey(prev.Prompts, func(p *catalog.Prompt) string { return p.Name })
		oldResources = byKey(prev.Resources, func(r *catalog.Resource) string { return r.URI })
		oldTemplates = byKey(prev.Templates, func(r *catalog.Resource) string { return r.URI })
	}
	newPrompts := byKey(gw.Prompts, func(p *catalog.Prompt) string { return p.Name })
	newResources := byKey(gw.Resources, func(r *catalog.Resource) string { return r.URI })
	newTemplates := byKey(gw.Templates, func(r *catalog.Resource) string { return r.URI })

	if gone := missing(oldPrompts, newPrompts); len(gone) > 0 {
		gs.server.RemovePrompts(gone...)
	}
	if gone := missing(oldResources, newResources); len(gone) > 0 {
		gs.server.RemoveResources(gone...)
	}
	if gone := missing(oldTemplates, newTemplates); len(gone) > 0 {
		gs.server.RemoveResourceTemplates(gone...)
	}
	for _, p := range gw.Prompts {
		if oldPrompts[p.Name] != p {
			def := *p.Def
			def.Name = p.Name
			gs.server.AddPrompt(&def, promptHandler(p))
		}
	}
	for _, r := range gw.Resources {
		if oldResources[r.URI] != r {
			gs.server.AddResource(r.Def, resourceHandler(r))
		}
	}
	for _, r := range gw.Templates {
		if oldTemplates[r.URI] != r {
			gs.server.AddResourceTemplate(r.Template, resourceHandler(r))
		}
	}
}

// promptHandler forwards prompts/get of p to its target under the
// server's own name, arguments as given.
func promptHandler(p *catalog.Prompt) mcp.PromptHandler {
	return func(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		var params mcp.GetPromptParams
		if req.Params != nil {
			params = *req.Params
		}
		params.Name = p.Local
		return p.Target.GetPrompt(ctx, &params)
	}
}

// resourceHandler forwards resources/read to the target that owns r.
func resourceHandler(r *catalog.Resource) mcp.ResourceHandler {
	return func(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		return r.Target.ReadResource(ctx, req.Params)
	}
}

func byKey[T any](items []T, key func(T) string) map[string]T {
	m := make(map[string]T, len(items))
	for _, it := range items {
		m[key(it)] = it
	}
	return m
}

func missing[T any](old, now map[string]T) []string {
	var out []string
	for k := range old {
		if _, ok := now[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}
