package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/yosida95/uritemplate/v3"
)

// Prompts and resources (§11.8): in listing mode DEFAULT, discovery also
// pages through prompts/list, resources/list and resources/templates/list
// when the server advertises the prompts or resources capability, and the
// result is stored with the target next to its tools. The gateway serves
// the prompts as "{target}___{prompt}" and the resources and templates
// under their own URIs, and forwards prompts/get and resources/read on the
// target's pooled session (GetPrompt, ReadResource), with its credential.
// DYNAMIC targets list none of them.

// MaxExtras bounds each of the prompts, resources and templates a server
// may list, as MaxTools bounds its tools.
const MaxExtras = 1000

// Extras are the prompts, resources and resource templates a server
// listed, as it listed them.
type Extras struct {
	Prompts   []*mcp.Prompt           `json:"prompts,omitempty"`
	Resources []*mcp.Resource         `json:"resources,omitempty"`
	Templates []*mcp.ResourceTemplate `json:"resourceTemplates,omitempty"`
}

// Empty reports whether e lists nothing.
func (e *Extras) Empty() bool {
	return e == nil || len(e.Prompts) == 0 && len(e.Resources) == 0 && len(e.Templates) == 0
}

// listExtras pages through the prompts, resources and templates of s,
// for the capabilities the server advertised (none is fine).
func listExtras(ctx context.Context, s *mcp.ClientSession, endpoint string) (*Extras, error) {
	e := &Extras{}
	var caps *mcp.ServerCapabilities
	if ir := s.InitializeResult(); ir != nil {
		caps = ir.Capabilities
	}
	if caps == nil {
		return e, nil
	}
	if caps.Prompts != nil {
		cursor := ""
		for page := 0; ; page++ {
			res, err := s.ListPrompts(ctx, &mcp.ListPromptsParams{Cursor: cursor})
			if err != nil {
				return nil, fmt.Errorf("prompts/list failed on the MCP server at %s: %s", endpoint, Describe(err))
			}
			e.Prompts = append(e.Prompts, res.Prompts...)
			if err := tooMany("prompts", len(e.Prompts), page, endpoint); err != nil {
				return nil, err
			}
			if cursor = res.NextCursor; cursor == "" {
				break
			}
		}
	}
	if caps.Resources != nil {
		cursor := ""
		for page := 0; ; page++ {
			res, err := s.ListResources(ctx, &mcp.ListResourcesParams{Cursor: cursor})
			if err != nil {
				return nil, fmt.Errorf("resources/list failed on the MCP server at %s: %s", endpoint, Describe(err))
			}
			e.Resources = append(e.Resources, res.Resources...)
			if err := tooMany("resources", len(e.Resources), page, endpoint); err != nil {
				return nil, err
			}
			if cursor = res.NextCursor; cursor == "" {
				break
			}
		}
		cursor = ""
		for page := 0; ; page++ {
			res, err := s.ListResourceTemplates(ctx, &mcp.ListResourceTemplatesParams{Cursor: cursor})
			if err != nil {
				return nil, fmt.Errorf("resources/templates/list failed on the MCP server at %s: %s", endpoint, Describe(err))
			}
			e.Templates = append(e.Templates, res.ResourceTemplates...)
			if err := tooMany("resource templates", len(e.Templates), page, endpoint); err != nil {
				return nil, err
			}
			if cursor = res.NextCursor; cursor == "" {
				break
			}
		}
	}
	return e, nil
}

func tooMany(what string, n, page int, endpoint string) error {
	if n > MaxExtras {
		return fmt.Errorf("the MCP server at %s lists more than %d %s", endpoint, MaxExtras, what)
	}
	if page+1 >= maxPages {
		return fmt.Errorf("the MCP server at %s returned more than %d pages of %s", endpoint, maxPages, what)
	}
	return nil
}

// reScheme matches a URI (template) that starts with a scheme.
var reScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// ParseExtras reads what discovery stored (the JSON of Extras); an empty
// raw is no extras. What cannot be served (a prompt without a name or
// listed twice, a resource whose URI is not absolute, a template that does
// not parse) is left out with a warning.
func ParseExtras(raw []byte) (*Extras, []target.Warning, error) {
	e := &Extras{}
	if raw = bytes.TrimSpace(raw); len(raw) == 0 {
		return e, nil, nil
	}
	var in Extras
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, nil, err
	}
	var warnings []target.Warning
	seen := map[string]bool{}
	for i, p := range in.Prompts {
		where := "prompt [" + strconv.Itoa(i) + "]"
		switch {
		case p == nil || p.Name == "":
			warnings = append(warnings, target.Warning{Where: where, Message: "the prompt has no name; it is not served"})
		case seen[p.Name]:
			warnings = append(warnings, target.Warning{Where: where + " " + p.Name, Message: "the name is listed twice; the prompt is not served"})
		default:
			seen[p.Name] = true
			e.Prompts = append(e.Prompts, p)
		}
	}
	seen = map[string]bool{}
	for i, r := range in.Resources {
		where := "resource [" + strconv.Itoa(i) + "]"
		if r == nil {
			continue
		}
		u, err := url.Parse(r.URI)
		switch {
		case err != nil || u.Scheme == "":
			warnings = append(warnings, target.Warning{Where: where + " " + r.URI, Message: "the URI is not absolute; the resource is not served"})
		case seen[r.URI]:
			warnings = append(warnings, target.Warning{Where: where + " " + r.URI, Message: "the URI is listed twice; the resource is not served"})
		default:
			seen[r.URI] = true
			e.Resources = append(e.Resources, r)
		}
	}
	seen = map[string]bool{}
	for i, t := range in.Templates {
		where := "resource template [" + strconv.Itoa(i) + "]"
		if t == nil {
			continue
		}
		_, err := uritemplate.New(t.URITemplate)
		switch {
		case err != nil || !reScheme.MatchString(t.URITemplate):
			warnings = append(warnings, target.Warning{Where: where + " " + t.URITemplate, Message: "the URI template is not valid and absolute; the template is not served"})
		case seen[t.URITemplate]:
			warnings = append(warnings, target.Warning{Where: where + " " + t.URITemplate, Message: "the URI template is listed twice; the template is not served"})
		default:
			seen[t.URITemplate] = true
			e.Templates = append(e.Templates, t)
		}
	}
	sort.Slice(e.Prompts, func(i, j int) bool { return e.Prompts[i].Name < e.Prompts[j].Name })
	sort.Slice(e.Resources, func(i, j int) bool { return e.Resources[i].URI < e.Resources[j].URI })
	sort.Slice(e.Templates, func(i, j int) bool { return e.Templates[i].URITemplate < e.Templates[j].URITemplate })
	return e, warnings, nil
}

// Extras returns the prompts, resources and templates the target serves
// (never nil).
func (t *openTarget) Extras() *Extras {
	if t.extras == nil {
		return &Extras{}
	}
	return t.extras
}

// GetPrompt forwards prompts/get (params.Name is the server's own name for
// the prompt) on the pooled session.
func (t *openTarget) GetPrompt(ctx context.Context, params *mcp.GetPromptParams) (*mcp.GetPromptResult, error) {
	return forward(ctx, t, "prompts/get", func(s *mcp.ClientSession) (*mcp.GetPromptResult, error) { return s.GetPrompt(ctx, params) })
}

// ReadResource forwards resources/read on the pooled session.
func (t *openTarget) ReadResource(ctx context.Context, params *mcp.ReadResourceParams) (*mcp.ReadResourceResult, error) {
	return forward(ctx, t, "resources/read", func(s *mcp.ClientSession) (*mcp.ReadResourceResult, error) { return s.ReadResource(ctx, params) })
}

// forward sends a request on t's session, once more on a new session when
// the first never reached a live one (reads and prompt renders are safe to
// repeat). An error the server answered with is returned as is, so the
// gateway's client sees the server's JSON-RPC error; others are described
// without URL queries.
func forward[R any](ctx context.Context, t *openTarget, method string, do func(*mcp.ClientSession) (R, error)) (R, error) {
	var zero R
	for attempt := 0; ; attempt++ {
		s, err := t.session(ctx)
		if err != nil {
			return zero, fmt.Errorf("%s: the MCP server could not be reached: %s", method, Describe(err))
		}
		res, err := do(s)
		if err == nil {
			return res, nil
		}
		var we *jsonrpc.Error
		rejected := errors.As(err, &we) && we.Code == codeRejected
		if we != nil && !rejected {
			return zero, we
		}
		t.drop(s)
		if attempt == 0 && (rejected || retryable(err)) && ctx.Err() == nil {
			continue
		}
		return zero, fmt.Errorf("%s: the MCP server could not be reached: %s", method, Describe(err))
	}
}
