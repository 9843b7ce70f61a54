package controlplane

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/target/s3doc"
)

// Targets whose document is kept in S3 (openApiSchema.s3, smithyModel.s3,
// lambda.toolSchema.s3; agentcore-api.md §7.4, §11.5, §11.6): as in
// AgentCore, the gateway reads the object as its execution role when the
// target is created, updated or synchronized, and serves what it read until
// the next of these. The text is stored with the target (catalog.Documents),
// never returned.

// fetchDocuments fetches the S3 documents of tc as gateway g's role, for
// CreateGatewayTarget and UpdateGatewayTarget: a failure is a
// ValidationException naming the uri member, before anything is written.
func (a *api) fetchDocuments(ctx context.Context, g store.Gateway, cfg *targetConfig) (catalog.Documents, error) {
	docs, err := a.fetchTarget(ctx, g, cfg) // targets_mcpserver.go
	var fe *catalog.FieldError
	if errors.As(err, &fe) {
		what := "The target's document cannot be read from S3: "
		if strings.HasPrefix(fe.Field, catalog.DiscoveredToolsField+".") {
			what = "The MCP server's tools cannot be listed: "
		}
		return nil, errValidation(what+fe.Message,
			agentcore.ValidationExceptionField{Name: fe.Field, Message: fe.Message})
	}
	return docs, err
}

// fetchS3 fetches the S3 documents of tc (nil when it has none); failures
// are *catalog.FieldError.
func (a *api) fetchS3(ctx context.Context, g store.Gateway, tc *agentcore.TargetConfiguration) (catalog.Documents, error) {
	if len(catalog.S3Sources(tc)) == 0 {
		return nil, nil
	}
	var role *awsiam.Role
	var gc gatewayConfig
	if err := json.Unmarshal(g.Config, &gc); err != nil {
		return nil, err
	}
	if a.AWS != nil && deref(gc.RoleArn) != "" {
		role = a.AWS.Role(g.ID, *gc.RoleArn)
	}
	get := catalog.RoleGetter(role)
	docs, err := catalog.FetchDocuments(ctx, tc, func(ctx context.Context, loc s3doc.Location) (s3doc.Object, error) {
		obj, err := get(ctx, loc)
		if err != nil {
			// The caller sees the reason; the operator sees it with the role.
			a.Logger.Info("cannot read a target document from S3", "gateway", g.ID, "role", deref(gc.RoleArn), "object", loc.String(), "err", err)
		}
		return obj, err
	}, a.Now())
	return docs, err
}

// storedConfig is the stored form of a target configuration: cfg and its
// fetched documents.
func storedConfig(cfg targetConfig, docs catalog.Documents) ([]byte, string, error) {
	raw, hash, err := canonical(cfg)
	if err != nil {
		return nil, "", err
	}
	raw, err = catalog.WithDocuments(raw, docs)
	return raw, hash, err
}

// errTargetChanged aborts a synchronization whose target was updated
// between the fetch and the write; it is retried.
var errTargetChanged = errors.New("target changed while it was synchronized")

// synchronizeTargets re-runs conversion for the listed targets and stamps
// lastSynchronizedAt. Targets whose document is in S3 read it again and
// serve the new version; the others re-validate what is stored. A failure
// (the object is gone, access denied, the new version does not convert)
// leaves the target serving what it served, with status
// SYNCHRONIZE_UNSUCCESSFUL and the reason, naming the field, in
// statusReasons — AgentCore synchronizes asynchronously and reports
// failures the same way. MCP-server targets in listing mode DEFAULT list
// their server's tools again (targets_mcpserver.go).
func (a *api) synchronizeTargets(w http.ResponseWriter, r *http.Request) error {
	g, err := a.loadGateway(r)
	if err != nil {
		return err
	}
	var req agentcore.SynchronizeGatewayTargetsRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	out := agentcore.SynchronizeGatewayTargetsResponse{Targets: []agentcore.GatewayTarget{}}
	for _, id := range req.TargetIDList {
		t, err := a.synchronizeTarget(r.Context(), g, id)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound("Target %s not found in gateway %s", id, g.ID)
		}
		if err != nil {
			return err
		}
		out.Targets = append(out.Targets, targetOut(g, t))
	}
	a.afterWrite(r.Context())
	return writeJSON(w, r, http.StatusAccepted, out)
}

func (a *api) synchronizeTarget(ctx context.Context, g store.Gateway, id string) (store.Target, error) {
	for attempt := 0; ; attempt++ {
		cur, err := a.Store.GetTarget(ctx, g.ID, id)
		if err != nil {
			return cur, err
		}
		var cfg targetConfig
		if err := json.Unmarshal(catalog.WithoutDocuments(cur.Config), &cfg); err != nil {
			return cur, err
		}
		fromS3 := catalog.Fetches(cfg.TargetConfiguration) // S3 documents, MCP servers' tools
		// S3 and MCP servers are read outside the store's transaction.
		docs, fetchErr := a.fetchTarget(ctx, g, &cfg)
		var fe *catalog.FieldError
		if fetchErr != nil && !errors.As(fetchErr, &fe) {
			return cur, fetchErr
		}
		if !fromS3 {
			if docs, err = catalog.StoredDocuments(cur.Config); err != nil {
				return cur, err
			}
		}
		clashes := a.resourceClashes(ctx, g, id, cur.Name, cfg.TargetConfiguration, docs) // targets_resources.go
		t, err := a.Store.UpdateTarget(ctx, g.ID, id, func(old store.Target) (store.Target, error) {
			if old.Version != cur.Version {
				return old, errTargetChanged
			}
			now := a.Now().UTC()
			old.LastSynchronizedAt, old.UpdatedAt = now, now
			err := fetchErr
			var warnings []target.Warning
			if err == nil {
				_, warnings, err = catalog.OpenTargetWith(cfg.TargetConfiguration, docs, target.Env{})
				warnings = append(warnings, clashes...)
			}
			if err != nil {
				old.Status, old.StatusReasons = string(agentcore.TargetStatusSynchronizeUnsuccessful), []string{err.Error()}
				return old, nil
			}
			if fromS3 {
				raw, _, err := storedConfig(cfg, docs)
				if err != nil {
					return old, err
				}
				old.Config = raw
			}
			old.Status, old.StatusReasons = string(agentcore.TargetStatusReady), statusReasons(warnings)
			return old, nil
		})
		if errors.Is(err, errTargetChanged) && attempt < 3 {
			continue
		}
		return t, err
	}
}

// statusReasons words conversion warnings for statusReasons, which holds
// at most 100 items (§6.1).
func statusReasons(warnings []target.Warning) []string {
	if len(warnings) == 0 {
		return nil
	}
	out := make([]string, 0, min(len(warnings), 100))
	for _, w := range warnings {
		out = append(out, w.String())
	}
	if len(out) > 100 {
		n := len(out) - 99
		out = append(out[:99], "…and "+strconv.Itoa(n)+" more conversion warnings")
	}
	return out
}
