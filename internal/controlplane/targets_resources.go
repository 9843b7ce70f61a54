package controlplane

import (
	"context"
	"encoding/json"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/target"
)

// resourceClashes are the statusReasons warnings of an MCP-server target
// (id, "" when it is being created) for the resource URIs it lists that
// another target of gateway g also lists with a lower resourcePriority
// (catalog.ResourceClashes). They are computed when the target is created,
// updated or synchronized; the target that wins is not updated. A store
// failure leaves the warnings out: they are advice, the data plane
// resolves clashes whatever they say.
func (a *api) resourceClashes(ctx context.Context, g store.Gateway, id, name string, cfg *agentcore.TargetConfiguration, docs catalog.Documents) []target.Warning {
	if cfg == nil || cfg.MCP == nil || cfg.MCP.MCPServer == nil || docs[catalog.DiscoveredExtrasField].Body == "" {
		return nil
	}
	tgt, _, err := catalog.OpenTargetWith(cfg, docs, target.Env{})
	if err != nil {
		return nil
	}
	others := map[string]catalog.OtherTarget{}
	p := store.Page{Limit: 500}
	for {
		items, next, err := a.Store.ListTargets(ctx, g.ID, p)
		if err != nil {
			return nil
		}
		for _, t := range items {
			if t.ID == id || t.Name == name {
				continue
			}
			var oc targetConfig
			if json.Unmarshal(catalog.WithoutDocuments(t.Config), &oc) != nil {
				continue
			}
			od, err := catalog.StoredDocuments(t.Config)
			if err != nil || od[catalog.DiscoveredExtrasField].Body == "" {
				continue
			}
			others[t.Name] = catalog.OtherTarget{Config: oc.TargetConfiguration, Documents: od}
		}
		if next == "" {
			break
		}
		p.After = next
	}
	return catalog.ResourceClashes(name, catalog.ResourcePriority(cfg), tgt, others)
}
