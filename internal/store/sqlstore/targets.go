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

var targetColumns = []string{
	"gateway_id", "id", "name", "status", "status_reasons", "client_token", "request_hash",
	"config", "created_at", "updated_at", "last_synchronized_at", "version",
}

var targetCols = strings.Join(targetColumns, ", ")

// targetValues is t in targetColumns order.
func targetValues(t store.Target) []any {
	return []any{
		t.GatewayID, t.ID, t.Name, t.Status, encodeStrings(t.StatusReasons), t.ClientToken, t.RequestHash,
		nullBytes(t.Config), t.CreatedAt.UnixMicro(), t.UpdatedAt.UnixMicro(), nullMicros(t.LastSynchronizedAt), t.Version,
	}
}

func scanTarget(r rowScanner) (store.Target, error) {
	var (
		t                store.Target
		reasons          sql.NullString
		created, updated int64
		synced           sql.NullInt64
	)
	if err := r.Scan(&t.GatewayID, &t.ID, &t.Name, &t.Status, &reasons, &t.ClientToken, &t.RequestHash,
		&t.Config, &created, &updated, &synced, &t.Version); err != nil {
		return store.Target{}, err
	}
	var err error
	if t.StatusReasons, err = decodeStrings(reasons); err != nil {
		return store.Target{}, fmt.Errorf("target %q status reasons: %w", t.ID, err)
	}
	t.Config = normBytes(t.Config)
	t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
	t.LastSynchronizedAt = fromNullMicros(synced)
	return t, nil
}

// normTarget returns t as it reads back after being stored.
func normTarget(t store.Target) store.Target {
	t.StatusReasons = normStrings(t.StatusReasons)
	t.Config = normBytes(t.Config)
	t.CreatedAt, t.UpdatedAt = normTime(t.CreatedAt), normTime(t.UpdatedAt)
	t.LastSynchronizedAt = normTime(t.LastSynchronizedAt)
	return t
}

// CreateTarget implements store.Store.
func (s *Store) CreateTarget(ctx context.Context, t store.Target) (store.Target, error) {
	if t.GatewayID == "" || t.ID == "" || t.Name == "" {
		return store.Target{}, errors.New("create target: gateway id, id and name are required")
	}
	t = normTarget(t)
	t.CreatedAt, t.UpdatedAt = createdTimes(s.now(), t.CreatedAt, t.UpdatedAt)
	t.Version = 1
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		found, err := exists(ctx, tx, "SELECT 1 FROM gateways WHERE id = "+b.add(t.GatewayID), b.args)
		if err != nil {
			return fmt.Errorf("create target: %w", err)
		}
		if !found {
			return fmt.Errorf("gateway %q: %w", t.GatewayID, store.ErrNotFound)
		}
		b = s.binder()
		if err := conflictIf(ctx, tx, "SELECT 1 FROM targets WHERE gateway_id = "+b.add(t.GatewayID)+" AND id = "+b.add(t.ID),
			b.args, "target", "id", t.ID); err != nil {
			return err
		}
		if err := s.checkTargetUnique(ctx, tx, t); err != nil {
			return err
		}
		return s.insertRow(ctx, tx, "targets", targetColumns, targetValues(t), "target")
	})
	if err != nil {
		return store.Target{}, err
	}
	return t, nil
}

// checkTargetUnique reports a *store.ConflictError when another target of
// the same gateway already uses t's name or (non-empty) client token.
func (s *Store) checkTargetUnique(ctx context.Context, tx *sql.Tx, t store.Target) error {
	b := s.binder()
	if err := conflictIf(ctx, tx, "SELECT 1 FROM targets WHERE gateway_id = "+b.add(t.GatewayID)+
		" AND name = "+b.add(t.Name)+" AND id <> "+b.add(t.ID),
		b.args, "target", "name", t.Name); err != nil {
		return err
	}
	if t.ClientToken == "" {
		return nil
	}
	b = s.binder()
	return conflictIf(ctx, tx, "SELECT 1 FROM targets WHERE gateway_id = "+b.add(t.GatewayID)+
		" AND client_token = "+b.add(t.ClientToken)+" AND id <> "+b.add(t.ID),
		b.args, "target", "clientToken", t.ClientToken)
}

// getTarget reads the target of gatewayID whose column col equals val,
// named what in errors.
func (s *Store) getTarget(ctx context.Context, q querier, what, gatewayID, col string, val any, suffix string) (store.Target, error) {
	b := s.binder()
	return selectRow(ctx, q, scanTarget, what,
		"SELECT "+targetCols+" FROM targets WHERE gateway_id = "+b.add(gatewayID)+" AND "+col+" = "+b.add(val)+suffix, b.args)
}

// GetTarget implements store.Store.
func (s *Store) GetTarget(ctx context.Context, gatewayID, targetID string) (store.Target, error) {
	return s.getTarget(ctx, s.db, fmt.Sprintf("target %q of gateway %q", targetID, gatewayID), gatewayID, "id", targetID, "")
}

// GetTargetByClientToken implements store.Store. The empty token never
// matches.
func (s *Store) GetTargetByClientToken(ctx context.Context, gatewayID, token string) (store.Target, error) {
	if token == "" {
		return store.Target{}, fmt.Errorf("target with empty client token: %w", store.ErrNotFound)
	}
	return s.getTarget(ctx, s.db, fmt.Sprintf("target of gateway %q", gatewayID), gatewayID, "client_token", token, "")
}

// ListTargets implements store.Store. Listing the targets of a gateway that
// does not exist is store.ErrNotFound, not an empty list, as in AgentCore.
func (s *Store) ListTargets(ctx context.Context, gatewayID string, p store.Page) ([]store.Target, string, error) {
	b := s.binder()
	found, err := exists(ctx, s.db, "SELECT 1 FROM gateways WHERE id = "+b.add(gatewayID), b.args)
	if err != nil {
		return nil, "", fmt.Errorf("list targets: %w", err)
	}
	if !found {
		return nil, "", fmt.Errorf("gateway %q: %w", gatewayID, store.ErrNotFound)
	}
	return listPage(ctx, s, listSpec{table: "targets", cols: targetCols, key: "id", scopeCol: "gateway_id", scopeVal: gatewayID},
		p, scanTarget, func(t store.Target) (time.Time, string) { return t.CreatedAt, t.ID })
}

// UpdateTarget implements store.Store. Changes fn makes to GatewayID, ID,
// CreatedAt, Version and UpdatedAt are ignored: the store sets them.
func (s *Store) UpdateTarget(ctx context.Context, gatewayID, targetID string, fn func(store.Target) (store.Target, error)) (store.Target, error) {
	return updateTx(ctx, s, func(tx *sql.Tx) (store.Target, error) {
		return s.getTarget(ctx, tx, fmt.Sprintf("target %q of gateway %q", targetID, gatewayID), gatewayID, "id", targetID, s.d.forUpdate)
	}, fn, func(tx *sql.Tx, old, t store.Target) (store.Target, error) {
		t = normTarget(t)
		t.GatewayID, t.ID, t.CreatedAt, t.Version = old.GatewayID, old.ID, old.CreatedAt, old.Version+1
		t.UpdatedAt = updatedTime(s.now(), old.UpdatedAt)
		if t.Name == "" {
			return t, errors.New("update target: name is required")
		}
		if err := s.checkTargetUnique(ctx, tx, t); err != nil {
			return t, err
		}
		return t, s.updateRow(ctx, tx, "targets", 2, targetColumns, targetValues(t), old.Version, "target")
	})
}

// DeleteTarget implements store.Store.
func (s *Store) DeleteTarget(ctx context.Context, gatewayID, targetID string) error {
	return s.deleteOne(ctx, "targets", fmt.Sprintf("target %q of gateway %q", targetID, gatewayID),
		[]string{"gateway_id", "id"}, gatewayID, targetID)
}
