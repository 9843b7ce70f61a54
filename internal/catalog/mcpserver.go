package catalog

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/target/mcpserver"
)

// MCP-server targets (§7.4 mcpServer, §11.8). Their tools come from
// mcpToolSchema (inline or S3, no discovery), are listed live by the data
// plane in listing mode DYNAMIC (dynamic.go), or, in listing mode DEFAULT,
// from discovery: the control plane lists the server's tools when the
// target is created, updated or synchronized, and the list is kept with the
// target like a fetched S3 document, under DiscoveredToolsField, with the
// endpoint as its URI. The catalog serves that list; it never connects to
// build.

// DiscoveredToolsField is the Documents key of an MCP-server target's
// discovered tool list.
const DiscoveredToolsField = "targetConfiguration.mcp.mcpServer"

// discovers reports whether cfg is an MCP-server target whose tools are
// discovered (listing mode DEFAULT, no mcpToolSchema).
func discovers(cfg *agentcore.TargetConfiguration) *agentcore.McpServerTargetConfiguration {
	if cfg == nil || cfg.MCP == nil || cfg.MCP.MCPServer == nil {
		return nil
	}
	s := cfg.MCP.MCPServer
	if s.MCPToolSchema != nil || s.ListingMode == agentcore.ListingModeDynamic {
		return nil
	}
	return s
}

// Fetches reports whether the documents of cfg are read from elsewhere (S3
// or the MCP server) when it is created, updated or synchronized.
func Fetches(cfg *agentcore.TargetConfiguration) bool {
	return len(S3Sources(cfg)) > 0 || discovers(cfg) != nil
}

// DiscoverTools lists the tools of cfg's MCP server, with env's HTTP
// client and credentials, when cfg is an MCP-server target in listing mode
// DEFAULT; it returns docs with the list added (docs unchanged otherwise).
// A failure (unreachable, refused, not an MCP server) is a *FieldError
// naming the endpoint.
func DiscoverTools(ctx context.Context, cfg *agentcore.TargetConfiguration, docs Documents, env target.Env, now time.Time) (Documents, error) {
	s := discovers(cfg)
	if s == nil {
		return docs, nil
	}
	const field = DiscoveredToolsField + ".endpoint"
	endpoint := deref(s.Endpoint)
	if err := mcpserver.CheckEndpoint(endpoint); err != nil {
		return nil, &FieldError{field, err.Error()}
	}
	body, extras, err := mcpserver.Discover(ctx, endpoint, env)
	if err != nil {
		return nil, &FieldError{field, err.Error()}
	}
	if _, _, err := mcpserver.ParseTools(body, false); err != nil {
		return nil, &FieldError{field, "the tools of " + endpoint + ": " + err.Error()}
	}
	out := make(Documents, len(docs)+2)
	for k, v := range docs {
		if k != DiscoveredExtrasField {
			out[k] = v
		}
	}
	out[DiscoveredToolsField] = Document{URI: endpoint, Body: string(body), FetchedAt: now.UTC()}
	if extras != nil { // prompts and resources (resources.go)
		out[DiscoveredExtrasField] = Document{URI: endpoint, Body: string(extras), FetchedAt: now.UTC()}
	}
	return out, nil
}

// openMCPServer opens an MCP-server target; p is the path of its
// configuration, for error fields.
func openMCPServer(p string, s *agentcore.McpServerTargetConfiguration, docs Documents, env target.Env) (target.Target, []target.Warning, error) {
	endpoint := deref(s.Endpoint)
	if err := mcpserver.CheckEndpoint(endpoint); err != nil {
		return nil, nil, &FieldError{p + ".endpoint", err.Error()}
	}
	if s.ListingMode == agentcore.ListingModeDynamic {
		// Nothing to list or store: the data plane lists the server's
		// tools live (dynamic.go). Not reached at create either, so a
		// server that is down does not stop the target being created.
		if s.MCPToolSchema != nil {
			return nil, nil, &FieldError{p + ".mcpToolSchema", "listing mode DYNAMIC lists the server's tools live; it cannot be combined with a static mcpToolSchema"}
		}
		tgt, err := mcpserver.Open(mcpserver.Config{Endpoint: endpoint, Env: env, Dynamic: true})
		if err != nil {
			return nil, nil, &FieldError{p + ".endpoint", err.Error()}
		}
		return tgt, nil, nil
	}
	var (
		tools    []target.Tool
		warnings []target.Warning
		err      error
	)
	switch ts := s.MCPToolSchema; {
	case ts != nil && ts.S3 != nil:
		field := p + ".mcpToolSchema.s3"
		doc, derr := docs.document(field, ts.S3)
		if derr != nil {
			return nil, nil, derr
		}
		tools, warnings, err = mcpserver.ParseTools([]byte(doc.Body), true)
		if err != nil {
			return nil, nil, &FieldError{field + ".uri", doc.URI + ": " + err.Error()}
		}
	case ts != nil:
		if ts.InlinePayload == nil {
			return nil, nil, &FieldError{p + ".mcpToolSchema", "needs inlinePayload or s3"}
		}
		tools, warnings, err = mcpserver.ParseTools([]byte(*ts.InlinePayload), true)
		var se *mcpserver.SchemaError
		if errors.As(err, &se) {
			return nil, nil, &FieldError{p + ".mcpToolSchema.inlinePayload" + se.Field, se.Message}
		}
		if err != nil {
			return nil, nil, err
		}
	default:
		doc, ok := docs[DiscoveredToolsField]
		if !ok || doc.URI != endpoint {
			return nil, nil, &FieldError{p + ".endpoint", "the tools of " + endpoint + " have not been listed"}
		}
		// Stored by DiscoverTools as the server listed it: what cannot be
		// served is left out here, with a warning for statusReasons.
		tools, warnings, err = mcpserver.ParseTools([]byte(doc.Body), false)
		if err != nil {
			return nil, nil, &FieldError{p + ".endpoint", "the stored tool list of " + endpoint + " is unreadable: " + err.Error()}
		}
	}
	extras, ew, err := storedExtras(p, endpoint, docs) // resources.go
	if err != nil {
		return nil, nil, err
	}
	warnings = append(warnings, ew...)
	tgt, err := mcpserver.Open(mcpserver.Config{Endpoint: endpoint, Tools: tools, Env: env, Extras: extras})
	if err != nil {
		return nil, nil, &FieldError{p + ".endpoint", err.Error()}
	}
	return tgt, warnings, nil
}

// TargetEnv is the target.Env a target of gateway gatewayID (execution role
// roleArn) with credential providers cpcs is opened with, as the data plane
// opens it: the egress client and the resolved outbound credential. The
// control plane uses it to list MCP servers' tools. credKey changes
// whenever the credential may have.
func (env BuildEnv) TargetEnv(ctx context.Context, gatewayID, roleArn string, cpcs []agentcore.CredentialProviderConfiguration) target.Env {
	e, _ := targetEnv(ctx, env, gatewayRole(env, gatewayID, roleArn), cpcs)
	e.HTTPClient, e.GatewayID = env.HTTPClient, gatewayID
	return e
}

// targetEnv resolves a target's outbound credential and whether it acts as
// the gateway's role; the key fingerprints both.
func targetEnv(ctx context.Context, env BuildEnv, role *awsiam.Role, cpcs []agentcore.CredentialProviderConfiguration) (target.Env, string) {
	inj, credKey := resolveCredentials(ctx, env, cpcs)
	if o, oKey, ok := oauthCredentials(ctx, env, cpcs); ok {
		inj, credKey = o, oKey
	}
	if !usesGatewayRole(cpcs) {
		role = nil // only GATEWAY_IAM_ROLE targets act as the gateway's role
	} else if iam, iamKey, ok := iamCredentials(env, role, cpcs); ok {
		inj, credKey = iam, iamKey
	}
	return target.Env{Credentials: inj, AWS: role}, credKey
}

// RetireAfter is how long a target replaced by a build (its configuration
// or credential changed, or it was deleted) may still finish calls before it
// is closed: the gateway invocation timeout (§11.13).
var RetireAfter = 15 * time.Minute

// retire closes, after RetireAfter, the targets of prev that next does not
// reuse, so MCP-server targets end their pooled sessions.
func retire(prev, next map[string]compiled) {
	for k, c := range prev {
		if n, ok := next[k]; ok && n.key == c.key {
			continue
		}
		var tgt target.Target
		switch {
		case c.dynamic != nil:
			tgt = c.dynamic.Target
		case len(c.tools) > 0:
			tgt = c.tools[0].Target
		case c.extras != nil: // prompts or resources only (resources.go)
			tgt = c.extras.target
		default:
			continue // never called, so nothing open
		}
		if cl, ok := tgt.(io.Closer); ok {
			time.AfterFunc(RetireAfter, func() { _ = cl.Close() })
		}
	}
}
