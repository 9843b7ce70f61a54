package catalog

import (
	"strings"

	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/target/mcpserver"
)

// MCP-server targets in listing mode DYNAMIC (§11.8): the catalog knows
// none of their tools. It hands the opened target to the data plane, which
// lists the server's tools live when a client lists the gateway's tools
// (mcpserver.LiveTarget caches each listing for a few seconds) and
// forwards tools/call of "{target}___{tool}" to it.

// DynamicTarget is an MCP-server target in listing mode DYNAMIC.
type DynamicTarget struct {
	TargetID   string
	TargetName string
	Target     mcpserver.LiveTarget
}

// dynamicTarget is t as a DynamicTarget when tgt, t opened, lists its
// tools live; nil otherwise.
func dynamicTarget(t store.Target, tgt target.Target) *DynamicTarget {
	lt, ok := tgt.(mcpserver.LiveTarget)
	if !ok {
		return nil
	}
	return &DynamicTarget{TargetID: t.ID, TargetName: t.Name, Target: lt}
}

// DynamicFor returns the DYNAMIC target a gateway tool name
// "{target}___{tool}" belongs to and the target's own name for the tool;
// nil when the name names no DYNAMIC target of g. Target names cannot
// contain '_', so the first separator ends the target name.
func (g *Gateway) DynamicFor(name string) (*DynamicTarget, string) {
	tname, local, ok := strings.Cut(name, ToolSeparator)
	if !ok || local == "" {
		return nil, ""
	}
	for _, d := range g.Dynamic {
		if d.TargetName == tname {
			return d, local
		}
	}
	return nil, ""
}
