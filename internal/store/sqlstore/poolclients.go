package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// Resource servers and app clients of a user pool.

var resourceServerColumns = []string{"pool_id", "identifier", "name", "scopes", "created_at", "updated_at", "version"}

var resourceServerCols = strings.Join(resourceServerColumns, ", ")

// storedScope is the JSON form of a store.Scope in the scopes column.
type storedScope struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

func encodeScopes(scopes []store.Scope) any {
	if len(scopes) == 0 {
		return nil
	}
	out := make([]storedScope, len(scopes))
	for i, sc := range scopes {
		out[i] = storedScope(sc)
	}
	b, _ := json.Marshal(out) // strings only: cannot fail
	return string(b)
}

func decodeScopes(n sql.NullString) ([]store.Scope, error) {
	var in []storedScope
	if err := decodeJSON(n, &in); err != nil || len(in) == 0 {
		return nil, err
	}
	out := make([]store.Scope, len(in))
	for i, sc := range in {
		out[i] = store.Scope(sc)
	}
	return out, nil
}

func resourceServerValues(rs store.ResourceServer) []any {
	return []any{rs.PoolID, rs.Identifier, rs.Name, encodeScopes(rs.Scopes),
		rs.CreatedAt.UnixMicro(), rs.UpdatedAt.UnixMicro(), rs.Version}
}

func scanResourceServer(r rowScanner) (store.ResourceServer, error) {
	var (
		rs               store.ResourceServer
		scopes           sql.NullString
		created, updated int64
	)
	if err := r.Scan(&rs.PoolID, &rs.Identifier, &rs.Name, &scopes, &created, &updated, &rs.Version); err != nil {
		return store.ResourceServer{}, err
	}
	var err error
	if rs.Scopes, err = decodeScopes(scopes); err != nil {
		return store.ResourceServer{}, fmt.Errorf("resource server %q scopes: %w", rs.Identifier, err)
	}
	rs.CreatedAt, rs.UpdatedAt = fromMicros(created), fromMicros(updated)
	return rs, nil
}

func normResourceServer(rs store.ResourceServer) store.ResourceServer {
	if len(rs.Scopes) == 0 {
		rs.Scopes = nil
	} else {
		rs.Scopes = slices.Clone(rs.Scopes)
	}
	rs.CreatedAt, rs.UpdatedAt = normTime(rs.CreatedAt), normTime(rs.UpdatedAt)
	return rs
}

// CreateResourceServer implements store.UserPoolStore.
func (s *Store) CreateResourceServer(ctx context.Context, rs store.ResourceServer) (store.ResourceServer, error) {
	if rs.PoolID == "" || rs.Identifier == "" || rs.Name == "" {
		return store.ResourceServer{}, errors.New("create resource server: pool id, identifier and name are required")
	}
	rs = normResourceServer(rs)
	rs.CreatedAt, rs.UpdatedAt = createdTimes(s.now(), rs.CreatedAt, rs.UpdatedAt)
	rs.Version = 1
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		if err := s.requirePool(ctx, tx, rs.PoolID); err != nil {
			return err
		}
		b := s.binder()
		if err := conflictIf(ctx, tx, "SELECT 1 FROM resource_servers WHERE pool_id = "+b.add(rs.PoolID)+
			" AND identifier = "+b.add(rs.Identifier), b.args, "resourceServer", "identifier", rs.Identifier); err != nil {
			return err
		}
		return s.insertRow(ctx, tx, "resource_servers", resourceServerColumns, resourceServerValues(rs), "resource server")
	})
	if err != nil {
		return store.ResourceServer{}, err
	}
	return rs, nil
}

func (s *Store) getResourceServer(ctx context.Context, q querier, poolID, identifier, suffix string) (store.ResourceServer, error) {
	b := s.binder()
	return selectRow(ctx, q, scanResourceServer, fmt.Sprintf("resource server %q of user pool %q", identifier, poolID),
		"SELECT "+resourceServerCols+" FROM resource_servers WHERE pool_id = "+b.add(poolID)+
			" AND identifier = "+b.add(identifier)+suffix, b.args)
}

// GetResourceServer implements store.UserPoolStore.
func (s *Store) GetResourceServer(ctx context.Context, poolID, identifier string) (store.ResourceServer, error) {
	return s.getResourceServer(ctx, s.db, poolID, identifier, "")
}

// ListResourceServers implements store.UserPoolStore. A missing pool is
// store.ErrNotFound, not an empty list.
func (s *Store) ListResourceServers(ctx context.Context, poolID string, p store.Page) ([]store.ResourceServer, string, error) {
	if err := s.requirePool(ctx, s.db, poolID); err != nil {
		return nil, "", err
	}
	return listPage(ctx, s, listSpec{table: "resource_servers", cols: resourceServerCols, key: "identifier",
		scopeCol: "pool_id", scopeVal: poolID}, p, scanResourceServer,
		func(rs store.ResourceServer) (time.Time, string) { return rs.CreatedAt, rs.Identifier })
}

// UpdateResourceServer implements store.UserPoolStore. PoolID and
// Identifier are the resource server's identity and are kept.
func (s *Store) UpdateResourceServer(ctx context.Context, poolID, identifier string, fn func(store.ResourceServer) (store.ResourceServer, error)) (store.ResourceServer, error) {
	return updateTx(ctx, s, func(tx *sql.Tx) (store.ResourceServer, error) {
		return s.getResourceServer(ctx, tx, poolID, identifier, s.d.forUpdate)
	}, fn, func(tx *sql.Tx, old, rs store.ResourceServer) (store.ResourceServer, error) {
		rs = normResourceServer(rs)
		rs.PoolID, rs.Identifier, rs.CreatedAt, rs.Version = old.PoolID, old.Identifier, old.CreatedAt, old.Version+1
		rs.UpdatedAt = updatedTime(s.now(), old.UpdatedAt)
		if rs.Name == "" {
			return rs, errors.New("update resource server: name is required")
		}
		return rs, s.updateRow(ctx, tx, "resource_servers", 2, resourceServerColumns, resourceServerValues(rs), old.Version, "resource server")
	})
}

// DeleteResourceServer implements store.UserPoolStore. Clients that allow
// its scopes keep them listed; the identity provider grants only scopes a
// resource server still defines.
func (s *Store) DeleteResourceServer(ctx context.Context, poolID, identifier string) error {
	return s.deleteOne(ctx, "resource_servers", fmt.Sprintf("resource server %q of user pool %q", identifier, poolID),
		[]string{"pool_id", "identifier"}, poolID, identifier)
}

var poolClientColumns = []string{
	"client_id", "pool_id", "client_name", "secret_hash", "oauth_flows", "oauth_scopes", "oauth_enabled",
	"audience", "access_token_validity", "config", "created_at", "updated_at", "version",
}

var poolClientCols = strings.Join(poolClientColumns, ", ")

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func poolClientValues(c store.PoolClient) []any {
	return []any{
		c.ClientID, c.PoolID, c.ClientName, c.SecretHash, encodeStrings(c.AllowedOAuthFlows), encodeStrings(c.AllowedOAuthScopes),
		boolInt(c.AllowedOAuthFlowsUserPoolClient), c.Audience, int64(c.AccessTokenValidity / time.Second), nullBytes(c.Config),
		c.CreatedAt.UnixMicro(), c.UpdatedAt.UnixMicro(), c.Version,
	}
}

func scanPoolClient(r rowScanner) (store.PoolClient, error) {
	var (
		c                 store.PoolClient
		flows, scopes     sql.NullString
		enabled, validity int64
		created, updated  int64
	)
	if err := r.Scan(&c.ClientID, &c.PoolID, &c.ClientName, &c.SecretHash, &flows, &scopes, &enabled,
		&c.Audience, &validity, &c.Config, &created, &updated, &c.Version); err != nil {
		return store.PoolClient{}, err
	}
	var err error
	if c.AllowedOAuthFlows, err = decodeStrings(flows); err != nil {
		return store.PoolClient{}, fmt.Errorf("client %q oauth flows: %w", c.ClientID, err)
	}
	if c.AllowedOAuthScopes, err = decodeStrings(scopes); err != nil {
		return store.PoolClient{}, fmt.Errorf("client %q oauth scopes: %w", c.ClientID, err)
	}
	c.AllowedOAuthFlowsUserPoolClient = enabled != 0
	c.AccessTokenValidity = time.Duration(validity) * time.Second
	c.Config = normBytes(c.Config)
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	return c, nil
}

// normPoolClient returns c as it reads back after being stored.
func normPoolClient(c store.PoolClient) store.PoolClient {
	c.AllowedOAuthFlows = normStrings(c.AllowedOAuthFlows)
	c.AllowedOAuthScopes = normStrings(c.AllowedOAuthScopes)
	c.AccessTokenValidity = c.AccessTokenValidity.Truncate(time.Second)
	c.Config = normBytes(c.Config)
	c.CreatedAt, c.UpdatedAt = normTime(c.CreatedAt), normTime(c.UpdatedAt)
	return c
}

// CreatePoolClient implements store.UserPoolStore.
func (s *Store) CreatePoolClient(ctx context.Context, c store.PoolClient) (store.PoolClient, error) {
	if c.PoolID == "" || c.ClientID == "" || c.ClientName == "" {
		return store.PoolClient{}, errors.New("create pool client: pool id, client id and client name are required")
	}
	if c.AccessTokenValidity < 0 {
		return store.PoolClient{}, errors.New("create pool client: negative access token validity")
	}
	c = normPoolClient(c)
	c.CreatedAt, c.UpdatedAt = createdTimes(s.now(), c.CreatedAt, c.UpdatedAt)
	c.Version = 1
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		if err := s.requirePool(ctx, tx, c.PoolID); err != nil {
			return err
		}
		b := s.binder()
		if err := conflictIf(ctx, tx, "SELECT 1 FROM pool_clients WHERE client_id = "+b.add(c.ClientID), b.args,
			"poolClient", "clientId", c.ClientID); err != nil {
			return err
		}
		return s.insertRow(ctx, tx, "pool_clients", poolClientColumns, poolClientValues(c), "pool client")
	})
	if err != nil {
		return store.PoolClient{}, err
	}
	return c, nil
}

func (s *Store) getPoolClient(ctx context.Context, q querier, poolID, clientID, suffix string) (store.PoolClient, error) {
	b := s.binder()
	return selectRow(ctx, q, scanPoolClient, fmt.Sprintf("client %q of user pool %q", clientID, poolID),
		"SELECT "+poolClientCols+" FROM pool_clients WHERE pool_id = "+b.add(poolID)+
			" AND client_id = "+b.add(clientID)+suffix, b.args)
}

// GetPoolClient implements store.UserPoolStore.
func (s *Store) GetPoolClient(ctx context.Context, poolID, clientID string) (store.PoolClient, error) {
	return s.getPoolClient(ctx, s.db, poolID, clientID, "")
}

// ListPoolClients implements store.UserPoolStore. A missing pool is
// store.ErrNotFound, not an empty list.
func (s *Store) ListPoolClients(ctx context.Context, poolID string, p store.Page) ([]store.PoolClient, string, error) {
	if err := s.requirePool(ctx, s.db, poolID); err != nil {
		return nil, "", err
	}
	return listPage(ctx, s, listSpec{table: "pool_clients", cols: poolClientCols, key: "client_id",
		scopeCol: "pool_id", scopeVal: poolID}, p, scanPoolClient,
		func(c store.PoolClient) (time.Time, string) { return c.CreatedAt, c.ClientID })
}

// UpdatePoolClient implements store.UserPoolStore. PoolID and ClientID are
// the client's identity and are kept.
func (s *Store) UpdatePoolClient(ctx context.Context, poolID, clientID string, fn func(store.PoolClient) (store.PoolClient, error)) (store.PoolClient, error) {
	return updateTx(ctx, s, func(tx *sql.Tx) (store.PoolClient, error) {
		return s.getPoolClient(ctx, tx, poolID, clientID, s.d.forUpdate)
	}, fn, func(tx *sql.Tx, old, c store.PoolClient) (store.PoolClient, error) {
		c = normPoolClient(c)
		c.PoolID, c.ClientID, c.CreatedAt, c.Version = old.PoolID, old.ClientID, old.CreatedAt, old.Version+1
		c.UpdatedAt = updatedTime(s.now(), old.UpdatedAt)
		if c.ClientName == "" {
			return c, errors.New("update pool client: client name is required")
		}
		if c.AccessTokenValidity < 0 {
			return c, errors.New("update pool client: negative access token validity")
		}
		return c, s.updateRow(ctx, tx, "pool_clients", 2, poolClientColumns, poolClientValues(c), old.Version, "pool client")
	})
}

// DeletePoolClient implements store.UserPoolStore.
func (s *Store) DeletePoolClient(ctx context.Context, poolID, clientID string) error {
	return s.deleteOne(ctx, "pool_clients", fmt.Sprintf("client %q of user pool %q", clientID, poolID),
		[]string{"pool_id", "client_id"}, poolID, clientID)
}
