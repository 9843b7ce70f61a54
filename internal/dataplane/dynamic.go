package dataplane

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/gob"
	"math"
	"sort"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/catalog"
)

// MCP-server targets in listing mode DYNAMIC (agentcore-api.md §11.8)
// have no tools in the catalog: a receiving middleware, in front of the
// go-sdk server that serves the catalog's (static) tools, merges their
// servers' tools, listed live, into each tools/list page, and forwards
// tools/call of "{target}___{tool}" to them. It does nothing on gateways
// without DYNAMIC targets.
//
// Each target reuses a listing for mcpserver.LiveTTL (a few seconds), so a
// burst of list calls reaches each server once. A server that cannot be
// listed has its tools left out (and the failure logged); the other
// targets' tools are listed as usual. Clients are not sent
// notifications/tools/list_changed when a DYNAMIC server's tools change.
//
// Pages: the go-sdk server pages its tools by name, with a cursor holding
// the last name of the previous page. The middleware asks it for the page
// after the same cursor, merges in the live tools named after it and cuts
// the merged list to the page size, with a cursor of the same form, so the
// cursors of either stay valid for the other.

// addDynamicMiddleware installs the DYNAMIC-target middleware on gs. It
// must be added before the audit middleware, so that the audit middleware
// (outermost) records the calls it answers.
func (s *Server) addDynamicMiddleware(gs *gatewayServer) {
	gs.server.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			gw := gs.gw.Load()
			if len(gw.Dynamic) == 0 {
				return next(ctx, method, req)
			}
			switch method {
			case "tools/list":
				if lr, ok := req.(*mcp.ListToolsRequest); ok {
					return s.listWithDynamic(ctx, gw, next, lr)
				}
			case "tools/call":
				cr, ok := req.(*mcp.CallToolRequest)
				if !ok || cr.Params == nil || gw.ByName[cr.Params.Name] != nil {
					break
				}
				if d, local := gw.DynamicFor(cr.Params.Name); d != nil {
					t := &catalog.Tool{Name: cr.Params.Name, TargetID: d.TargetID, TargetName: d.TargetName, Local: local, Target: d.Target}
					return s.toolHandler(gs, t)(ctx, cr)
				}
			}
			return next(ctx, method, req)
		}
	})
}

// listWithDynamic answers a tools/list of gw: the page next (the go-sdk
// server) gives, with the DYNAMIC targets' live tools merged in.
func (s *Server) listWithDynamic(ctx context.Context, gw *catalog.Gateway, next mcp.MethodHandler, req *mcp.ListToolsRequest) (mcp.Result, error) {
	after := ""
	if req.Params != nil && req.Params.Cursor != "" {
		var err error
		if after, err = decodeCursor(req.Params.Cursor); err != nil {
			return next(ctx, "tools/list", req) // go-sdk refuses it as it does others
		}
	}
	res, err := next(ctx, "tools/list", req)
	if err != nil {
		return res, err
	}
	page, ok := res.(*mcp.ListToolsResult)
	if !ok || page == nil {
		return res, err
	}
	pageSize := DefaultPageSize
	if gw.DisablePagination {
		pageSize = math.MaxInt32
	}
	page.Tools, page.NextCursor = mergePage(page.Tools, page.NextCursor != "", s.liveTools(ctx, gw), after, pageSize)
	return page, nil
}

// mergePage merges static, a page of tools named after `after` (more:
// further ones follow), with live (sorted by name), and cuts the result to
// pageSize. It returns the page and the cursor of the next one ("" if
// none).
func mergePage(static []*mcp.Tool, more bool, live []*mcp.Tool, after string, pageSize int) ([]*mcp.Tool, string) {
	i := sort.Search(len(live), func(i int) bool { return live[i].Name > after })
	live = live[i:]
	merged := make([]*mcp.Tool, 0, min(len(static)+len(live), pageSize))
	for len(merged) < pageSize && (len(static) > 0 || len(live) > 0) {
		if len(live) == 0 || (len(static) > 0 && static[0].Name < live[0].Name) {
			merged, static = append(merged, static[0]), static[1:]
		} else {
			merged, live = append(merged, live[0]), live[1:]
		}
	}
	if !more && len(static) == 0 && len(live) == 0 || len(merged) == 0 {
		return merged, ""
	}
	cursor, err := encodeCursor(merged[len(merged)-1].Name)
	if err != nil {
		return merged, ""
	}
	return merged, cursor
}

// liveTools lists the tools of gw's DYNAMIC targets, concurrently, sorted
// by name. A target whose server cannot be listed contributes nothing.
func (s *Server) liveTools(ctx context.Context, gw *catalog.Gateway) []*mcp.Tool {
	lists := make([][]*mcp.Tool, len(gw.Dynamic))
	var wg sync.WaitGroup
	for i, d := range gw.Dynamic {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := d.Target.LiveTools(ctx)
			if l.Err != nil {
				if l.Fresh {
					s.log.Warn("the tools of a DYNAMIC MCP-server target cannot be listed; they are left out of tools/list", "gateway", gw.ID, "target", d.TargetID, "err", l.Err)
				}
				return
			}
			if l.Fresh && len(l.Warnings) > 0 {
				s.log.Warn("tools of a DYNAMIC MCP-server target cannot be served; they are left out of tools/list", "gateway", gw.ID, "target", d.TargetID, "count", len(l.Warnings), "first", l.Warnings[0].String())
			}
			out := make([]*mcp.Tool, 0, len(l.Tools))
			for _, t := range l.Tools {
				out = append(out, &mcp.Tool{Name: d.TargetName + catalog.ToolSeparator + t.Name, Description: t.Description, InputSchema: t.InputSchema})
			}
			lists[i] = out
		}()
	}
	wg.Wait()
	var all []*mcp.Tool
	for _, l := range lists {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

// pageToken is go-sdk's cursor: gob-encoded, then base64url (go-sdk
// mcp/server.go encodeCursor); gob matches structs by field names.
type pageToken struct {
	LastUID string
}

func encodeCursor(name string) (string, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(pageToken{LastUID: name}); err != nil {
		return "", err
	}
	return base64.URLEncoding.EncodeToString(buf.Bytes()), nil
}

func decodeCursor(cursor string) (string, error) {
	raw, err := base64.URLEncoding.DecodeString(cursor)
	if err != nil {
		return "", err
	}
	var tok pageToken
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(&tok); err != nil {
		return "", err
	}
	return tok.LastUID, nil
}
