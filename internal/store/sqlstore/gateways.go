package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

var gatewayColumns = []string{
	"id", "name", "arn", "status", "status_reasons", "client_token", "request_hash",
	"config", "created_at", "updated_at", "version",
}

var gatewayCols = strings.Join(gatewayColumns, ", ")

// gatewayValues is g in gatewayColumns order.
func gatewayValues(g store.Gateway) []any {
	return []any{
		g.ID, g.Name, g.ARN, g.Status, encodeStrings(g.StatusReasons), g.ClientToken, g.RequestHash,
		nullBytes(g.Config), g.CreatedAt.UnixMicro(), g.UpdatedAt.UnixMicro(), g.Version,
	}
}

func scanGateway(r rowScanner) (store.Gateway, error) {
	var (
		g                store.Gateway
		reasons          sql.NullString
		created, updated int64
	)
	if err := r.Scan(&g.ID, &g.Name, &g.ARN, &g.Status, &reasons, &g.ClientToken, &g.RequestHash,
		&g.Config, &created, &updated, &g.Version); err != nil {
		return store.Gateway{}, err
	}
	var err error
	if g.StatusReasons, err = decodeStrings(reasons); err != nil {
		return store.Gateway{}, fmt.Errorf("gateway %q status reasons: %w", g.ID, err)
	}
	g.Config = normBytes(g.Config)
	g.CreatedAt, g.UpdatedAt = fromMicros(created), fromMicros(updated)
	return g, nil
}

// normGateway returns g as it reads back after being stored.
func normGateway(g store.Gateway) store.Gateway {
	g.StatusReasons = normStrings(g.StatusReasons)
	g.Config = normBytes(g.Config)
	g.CreatedAt, g.UpdatedAt = normTime(g.CreatedAt), normTime(g.UpdatedAt)
	return g
}

// CreateGateway implements store.Store.
func (s *Store) CreateGateway(ctx context.Context, g store.Gateway) (store.Gateway, error) {
	if g.ID == "" || g.Name == "" {
		return store.Gateway{}, errors.New("create gateway: id and name are required")
	}
	g = normGateway(g)
	g.CreatedAt, g.UpdatedAt = createdTimes(s.now(), g.CreatedAt, g.UpdatedAt)
	g.Version = 1
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		if err := conflictIf(ctx, tx, "SELECT 1 FROM gateways WHERE id = "+b.add(g.ID), b.args,
			"gateway", "id", g.ID); err != nil {
			return err
		}
		if err := s.checkGatewayUnique(ctx, tx, g); err != nil {
			return err
		}
		if err := s.insertRow(ctx, tx, "gateways", gatewayColumns, gatewayValues(g), "gateway"); err != nil {
			return err
		}
		return s.createGatewayWorkload(ctx, tx, g) // identity.go
	})
	if err != nil {
		return store.Gateway{}, err
	}
	return g, nil
}

// checkGatewayUnique reports a *store.ConflictError when another gateway
// already uses g's name or (non-empty) client token.
func (s *Store) checkGatewayUnique(ctx context.Context, tx *sql.Tx, g store.Gateway) error {
	b := s.binder()
	if err := conflictIf(ctx, tx, "SELECT 1 FROM gateways WHERE name = "+b.add(g.Name)+" AND id <> "+b.add(g.ID),
		b.args, "gateway", "name", g.Name); err != nil {
		return err
	}
	if g.ClientToken == "" {
		return nil
	}
	b = s.binder()
	return conflictIf(ctx, tx, "SELECT 1 FROM gateways WHERE client_token = "+b.add(g.ClientToken)+" AND id <> "+b.add(g.ID),
		b.args, "gateway", "clientToken", g.ClientToken)
}

// getGateway reads the gateway whose column col equals val, named what in
// errors; suffix is appended to the query (the dialect's FOR UPDATE inside
// an Update).
func (s *Store) getGateway(ctx context.Context, q querier, what, col string, val any, suffix string) (store.Gateway, error) {
	b := s.binder()
	return selectRow(ctx, q, scanGateway, what,
		"SELECT "+gatewayCols+" FROM gateways WHERE "+col+" = "+b.add(val)+suffix, b.args)
}

// GetGateway implements store.Store.
func (s *Store) GetGateway(ctx context.Context, id string) (store.Gateway, error) {
	return s.getGateway(ctx, s.db, fmt.Sprintf("gateway %q", id), "id", id, "")
}

// GetGatewayByClientToken implements store.Store. The empty token never
// matches: it means "no idempotency token".
func (s *Store) GetGatewayByClientToken(ctx context.Context, token string) (store.Gateway, error) {
	if token == "" {
		return store.Gateway{}, fmt.Errorf("gateway with empty client token: %w", store.ErrNotFound)
	}
	return s.getGateway(ctx, s.db, "gateway", "client_token", token, "")
}

// ListGateways implements store.Store.
func (s *Store) ListGateways(ctx context.Context, p store.Page) ([]store.Gateway, string, error) {
	return listPage(ctx, s, listSpec{table: "gateways", cols: gatewayCols, key: "id"}, p, scanGateway,
		func(g store.Gateway) (time.Time, string) { return g.CreatedAt, g.ID })
}

// UpdateGateway implements store.Store. Changes fn makes to ID, CreatedAt,
// Version and UpdatedAt are ignored: the store sets them.
func (s *Store) UpdateGateway(ctx context.Context, id string, fn func(store.Gateway) (store.Gateway, error)) (store.Gateway, error) {
	return updateTx(ctx, s, func(tx *sql.Tx) (store.Gateway, error) {
		return s.getGateway(ctx, tx, fmt.Sprintf("gateway %q", id), "id", id, s.d.forUpdate)
	}, fn, func(tx *sql.Tx, old, g store.Gateway) (store.Gateway, error) {
		g = normGateway(g)
		g.ID, g.CreatedAt, g.Version = old.ID, old.CreatedAt, old.Version+1
		g.UpdatedAt = updatedTime(s.now(), old.UpdatedAt)
		if g.Name == "" {
			return g, errors.New("update gateway: name is required")
		}
		if err := s.checkGatewayUnique(ctx, tx, g); err != nil {
			return g, err
		}
		return g, s.updateRow(ctx, tx, "gateways", 1, gatewayColumns, gatewayValues(g), old.Version, "gateway")
	})
}

// DeleteGateway implements store.Store. Targets are never deleted along
// with their gateway: that would silently drop configuration.
func (s *Store) DeleteGateway(ctx context.Context, id string) error {
	return s.mutate(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM targets WHERE gateway_id = "+b.add(id), b.args...).Scan(&n); err != nil {
			return fmt.Errorf("delete gateway: count targets: %w", err)
		}
		if n > 0 {
			return &store.ConflictError{Entity: "gateway", Field: "targets", Value: id,
				Reason: fmt.Sprintf("gateway still has %d target(s); delete them first", n)}
		}
		if err := s.deleteGatewayWorkload(ctx, tx, id); err != nil { // identity.go
			return err
		}
		return s.deleteRow(ctx, tx, "gateways", fmt.Sprintf("gateway %q", id), []string{"id"}, id)
	})
}
