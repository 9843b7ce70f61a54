package catalog

import (
	"context"
	"fmt"
	"sort"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/target/mcpserver"
)

// Prompts and resources of MCP-server targets in listing mode DEFAULT
// (§11.8). Discovery stores what the server listed under
// DiscoveredExtrasField, next to its tools; the catalog serves prompts as
// "{target}___{prompt}" and resources and resource templates under their
// own URIs. Two targets listing the same URI (or URI template) are
// resolved by mcpServer.resourcePriority: the lower wins, 1000 when unset,
// and a tie goes to the target whose name sorts first. DYNAMIC targets
// serve no prompts or resources.

// DiscoveredExtrasField is the Documents key of an MCP-server target's
// discovered prompts, resources and resource templates.
const DiscoveredExtrasField = "targetConfiguration.mcp.mcpServer#promptsAndResources"

// DefaultResourcePriority is resourcePriority when unset (§7.4).
const DefaultResourcePriority = 1000

// Forwarder is a target that serves prompts and resources.
type Forwarder interface {
	Extras() *mcpserver.Extras
	GetPrompt(ctx context.Context, params *mcp.GetPromptParams) (*mcp.GetPromptResult, error)
	ReadResource(ctx context.Context, params *mcp.ReadResourceParams) (*mcp.ReadResourceResult, error)
}

// Prompt is one prompt as a gateway exposes it.
type Prompt struct {
	Name       string // "{targetName}___{promptName}"
	TargetID   string
	TargetName string
	Local      string // the server's own name
	Def        *mcp.Prompt
	Target     Forwarder
}

// Resource is a resource or, with Template set, a resource template as a
// gateway exposes it. URI is the resource's URI or the template.
type Resource struct {
	URI        string
	TargetID   string
	TargetName string
	Priority   int
	Def        *mcp.Resource         // nil for a template
	Template   *mcp.ResourceTemplate // nil for a resource
	Target     Forwarder
}

// Clash is a URI two targets list: Winner's is served, Loser's is not.
type Clash struct {
	URI      string
	Template bool
	Winner   string // target names
	Loser    string
}

// Warning is how the clash reads in the loser's statusReasons.
func (c Clash) Warning() target.Warning {
	kind := "resource"
	if c.Template {
		kind = "resource template"
	}
	return target.Warning{Where: kind + " " + c.URI, Message: fmt.Sprintf(
		"target %s lists the same URI with a lower resourcePriority (or the same priority and a name that sorts first); its %s is served instead", c.Winner, kind)}
}

// extrasOf is what target t (opened as tgt) contributes: nil when it serves
// neither prompts nor resources.
func extrasOf(targetID, targetName string, priority int, tgt target.Target) *targetExtras {
	f, ok := tgt.(Forwarder)
	if !ok {
		return nil
	}
	e := f.Extras()
	if e.Empty() {
		return nil
	}
	out := &targetExtras{target: tgt}
	for _, p := range e.Prompts {
		out.prompts = append(out.prompts, &Prompt{Name: targetName + ToolSeparator + p.Name, TargetID: targetID, TargetName: targetName, Local: p.Name, Def: p, Target: f})
	}
	for _, r := range e.Resources {
		out.resources = append(out.resources, &Resource{URI: r.URI, TargetID: targetID, TargetName: targetName, Priority: priority, Def: r, Target: f})
	}
	for _, t := range e.Templates {
		out.templates = append(out.templates, &Resource{URI: t.URITemplate, TargetID: targetID, TargetName: targetName, Priority: priority, Template: t, Target: f})
	}
	return out
}

// targetExtras are one target's compiled prompts, resources and templates.
type targetExtras struct {
	target    target.Target
	prompts   []*Prompt
	resources []*Resource
	templates []*Resource
}

// resourcePriority is cfg's mcpServer.resourcePriority, or the default.
func resourcePriority(cfg *agentcore.TargetConfiguration) int {
	if cfg != nil && cfg.MCP != nil && cfg.MCP.MCPServer != nil && cfg.MCP.MCPServer.ResourcePriority != nil {
		return int(*cfg.MCP.MCPServer.ResourcePriority)
	}
	return DefaultResourcePriority
}

// ResolveResources keeps, of the resources (or templates) listed under the
// same URI, the one of lowest Priority (a tie: lowest TargetName), and
// reports the others. The result is sorted by URI.
func ResolveResources(in []*Resource) ([]*Resource, []Clash) {
	sorted := append([]*Resource(nil), in...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.URI != b.URI {
			return a.URI < b.URI
		}
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		return a.TargetName < b.TargetName
	})
	var out []*Resource
	var clashes []Clash
	for _, r := range sorted {
		if n := len(out); n > 0 && out[n-1].URI == r.URI {
			clashes = append(clashes, Clash{URI: r.URI, Template: r.Template != nil, Winner: out[n-1].TargetName, Loser: r.TargetName})
			continue
		}
		out = append(out, r)
	}
	return out, clashes
}

// finishExtras fills g's prompts, resources and templates from what its
// targets contribute, and returns the clashes.
func finishExtras(g *Gateway, ts []*targetExtras) []Clash {
	var resources, templates []*Resource
	g.Prompts = nil
	for _, t := range ts {
		g.Prompts = append(g.Prompts, t.prompts...)
		resources = append(resources, t.resources...)
		templates = append(templates, t.templates...)
	}
	sort.Slice(g.Prompts, func(i, j int) bool { return g.Prompts[i].Name < g.Prompts[j].Name })
	var c1, c2 []Clash
	g.Resources, c1 = ResolveResources(resources)
	g.Templates, c2 = ResolveResources(templates)
	return append(c1, c2...)
}

// ResourceClashes are the warnings target name (priority, opened as tgt)
// gets for the URIs it loses to the other targets of its gateway, given as
// their configurations and stored documents. The control plane adds them
// to the target's statusReasons when it is created, updated or
// synchronized.
func ResourceClashes(name string, priority int, tgt target.Target, others map[string]OtherTarget) []target.Warning {
	mine := extrasOf("", name, priority, tgt)
	if mine == nil {
		return nil
	}
	all := []*targetExtras{mine}
	for n, o := range others {
		if n == name || o.Config == nil || o.Config.MCP == nil || o.Config.MCP.MCPServer == nil {
			continue
		}
		ot, _, err := OpenTargetWith(o.Config, o.Documents, target.Env{})
		if err != nil {
			continue
		}
		if e := extrasOf("", n, resourcePriority(o.Config), ot); e != nil {
			all = append(all, e)
		}
	}
	var g Gateway
	var out []target.Warning
	for _, c := range finishExtras(&g, all) {
		if c.Loser == name {
			out = append(out, c.Warning())
		}
	}
	return out
}

// OtherTarget is a stored target's configuration and documents.
type OtherTarget struct {
	Config    *agentcore.TargetConfiguration
	Documents Documents
}

// ResourcePriority is cfg's mcpServer.resourcePriority, or the default.
func ResourcePriority(cfg *agentcore.TargetConfiguration) int { return resourcePriority(cfg) }

// storedExtras reads the prompts and resources discovery stored for the
// server at endpoint; none when nothing was stored.
func storedExtras(p, endpoint string, docs Documents) (*mcpserver.Extras, []target.Warning, error) {
	doc, ok := docs[DiscoveredExtrasField]
	if !ok || doc.URI != endpoint {
		return nil, nil, nil
	}
	e, w, err := mcpserver.ParseExtras([]byte(doc.Body))
	if err != nil {
		return nil, nil, &FieldError{p + ".endpoint", "the stored prompts and resources of " + endpoint + " are unreadable: " + err.Error()}
	}
	return e, w, nil
}
