package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// The policy half of store.IAMStore: customer-managed policies with their
// versions, attachments of managed (stored or built-in) policies to
// principals, inline policies, and the one read the authoriser makes.
//
// Versions are stored by number (version n is "v<n>") so they sort
// numerically; managed_policies.last_version remembers the highest number
// ever used, which is what keeps a deleted version's id from coming back.
// Which version is the default is one column of the policy, so there is
// always exactly one.

// builtInPolicyPrefix starts the ARN of every built-in policy (package
// iam/policy; AWS-managed policies live in the "aws" account). Built-ins are
// compiled in, not stored, so AttachPolicy cannot check them; every other
// ARN must name a stored policy.
const builtInPolicyPrefix = "arn:aws:iam::aws:policy/"

var policyColumns = []string{"id", "name", "arn", "path", "description", "default_version", "last_version",
	"tags", "created_at", "updated_at", "version"}

// policyCols selects a policy and, computed, how many principals it is
// attached to. It is only used with FROM managed_policies (the correlated
// subquery names that table).
var policyCols = strings.Join(policyColumns, ", ") +
	", (SELECT COUNT(*) FROM policy_attachments a WHERE a.policy_arn = managed_policies.arn)"

// storedPolicy is a managed policy row: the store.ManagedPolicy plus the
// version numbers the store keeps behind DefaultVersionID.
type storedPolicy struct {
	store.ManagedPolicy
	defaultVersion, lastVersion int64
}

func scanPolicy(r rowScanner) (storedPolicy, error) {
	var (
		p                storedPolicy
		tags             sql.NullString
		created, updated int64
		attachments      int64
	)
	if err := r.Scan(&p.ID, &p.Name, &p.ARN, &p.Path, &p.Description, &p.defaultVersion, &p.lastVersion,
		&tags, &created, &updated, &p.Version, &attachments); err != nil {
		return storedPolicy{}, err
	}
	var err error
	if p.Tags, err = decodeTags(tags); err != nil {
		return storedPolicy{}, fmt.Errorf("policy %q tags: %w", p.ARN, err)
	}
	p.DefaultVersionID = versionID(p.defaultVersion)
	p.AttachmentCount = int(attachments)
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return p, nil
}

func scanManagedPolicy(r rowScanner) (store.ManagedPolicy, error) {
	p, err := scanPolicy(r)
	return p.ManagedPolicy, err
}

// policyValues is p in policyColumns order.
func policyValues(p storedPolicy) []any {
	return []any{p.ID, p.Name, p.ARN, p.Path, p.Description, p.defaultVersion, p.lastVersion,
		encodeTags(p.Tags), p.CreatedAt.UnixMicro(), p.UpdatedAt.UnixMicro(), p.Version}
}

// versionID is the IAM id of version number n.
func versionID(n int64) string { return "v" + strconv.FormatInt(n, 10) }

// parseVersionID returns the number of an id made by versionID. Anything
// else ("v0", "v01", "V1", "1") names no version.
func parseVersionID(id string) (int64, bool) {
	digits, ok := strings.CutPrefix(id, "v")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 1 || versionID(n) != id {
		return 0, false
	}
	return n, true
}

// CreateManagedPolicy implements store.IAMStore. ID, Name, ARN and a
// document are required; an empty Path is stored as "/". DefaultVersionID
// and AttachmentCount are the store's: "v1" and 0.
func (s *Store) CreateManagedPolicy(ctx context.Context, mp store.ManagedPolicy, document string) (store.ManagedPolicy, error) {
	if mp.ID == "" || mp.Name == "" || mp.ARN == "" {
		return store.ManagedPolicy{}, errors.New("create managed policy: id, name and arn are required")
	}
	if document == "" {
		return store.ManagedPolicy{}, fmt.Errorf("create managed policy %q: the policy document is empty", mp.Name)
	}
	if mp.Path == "" {
		mp.Path = "/"
	}
	mp.Tags = normTags(mp.Tags)
	mp.CreatedAt, mp.UpdatedAt = createdTimes(s.now(), mp.CreatedAt, mp.UpdatedAt)
	mp.DefaultVersionID, mp.AttachmentCount, mp.Version = versionID(1), 0, 1
	p := storedPolicy{ManagedPolicy: mp, defaultVersion: 1, lastVersion: 1}
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		for _, u := range []struct{ col, field, val string }{{"id", "id", p.ID}, {"name", "name", p.Name}, {"arn", "arn", p.ARN}} {
			b := s.binder()
			if err := conflictIf(ctx, tx, "SELECT 1 FROM managed_policies WHERE "+u.col+" = "+b.add(u.val), b.args,
				"policy", u.field, u.val); err != nil {
				return err
			}
		}
		b := s.binder()
		q := "INSERT INTO managed_policies (" + strings.Join(policyColumns, ", ") + ") VALUES (" + b.list(policyValues(p)...) + ")"
		if _, err := s.execWrite(ctx, tx, q, b.args); err != nil {
			return fmt.Errorf("create managed policy %q: %w", p.Name, err)
		}
		return s.insertPolicyVersion(ctx, tx, p.ID, 1, document, p.CreatedAt)
	})
	if err != nil {
		return store.ManagedPolicy{}, err
	}
	return p.ManagedPolicy, nil
}

func (s *Store) insertPolicyVersion(ctx context.Context, tx *sql.Tx, policyID string, n int64, document string, at time.Time) error {
	b := s.binder()
	q := "INSERT INTO policy_versions (policy_id, number, document, created_at) VALUES (" +
		b.list(policyID, n, document, at.UnixMicro()) + ")"
	if _, err := s.execWrite(ctx, tx, q, b.args); err != nil {
		return fmt.Errorf("store version %s of policy %s: %w", versionID(n), policyID, err)
	}
	return nil
}

// getPolicy loads a policy by ARN; suffix is "" or the dialect's FOR
// UPDATE, which a write takes before it counts or changes versions.
func (s *Store) getPolicy(ctx context.Context, q querier, arn, suffix string) (storedPolicy, error) {
	b := s.binder()
	return selectRow(ctx, q, scanPolicy, fmt.Sprintf("policy %q", arn),
		"SELECT "+policyCols+" FROM managed_policies WHERE arn = "+b.add(arn)+suffix, b.args)
}

// lockPolicy is getPolicy inside a write transaction: it locks the policy
// row (PostgreSQL) so that concurrent version changes, deletion and
// attachment apply one at a time. The row is locked on its own, since
// PostgreSQL refuses FOR UPDATE next to the aggregate in policyCols.
func (s *Store) lockPolicy(ctx context.Context, tx *sql.Tx, arn string) (storedPolicy, error) {
	if s.d.forUpdate != "" {
		b := s.binder()
		if _, err := tx.ExecContext(ctx, "SELECT id FROM managed_policies WHERE arn = "+b.add(arn)+s.d.forUpdate, b.args...); err != nil {
			return storedPolicy{}, fmt.Errorf("lock policy %q: %w", arn, err)
		}
	}
	return s.getPolicy(ctx, tx, arn, "")
}

// GetManagedPolicy implements store.IAMStore.
func (s *Store) GetManagedPolicy(ctx context.Context, arn string) (store.ManagedPolicy, error) {
	p, err := s.getPolicy(ctx, s.db, arn, "")
	return p.ManagedPolicy, err
}

// ListManagedPolicies implements store.IAMStore, oldest first.
func (s *Store) ListManagedPolicies(ctx context.Context, p store.Page) ([]store.ManagedPolicy, string, error) {
	return listPage(ctx, s, listSpec{table: "managed_policies", cols: policyCols, key: "id"}, p, scanManagedPolicy,
		func(p store.ManagedPolicy) (time.Time, string) { return p.CreatedAt, p.ID })
}

// DeleteManagedPolicy implements store.IAMStore. The attachment count is
// read after the policy row is locked, and AttachPolicy locks the same row
// before it attaches, so a policy can never be deleted from under a
// concurrent attachment (which would leave a dangling ARN that a policy
// created later under that ARN would silently inherit).
func (s *Store) DeleteManagedPolicy(ctx context.Context, arn string) error {
	return s.mutate(ctx, func(tx *sql.Tx) error {
		p, err := s.lockPolicy(ctx, tx, arn)
		if err != nil {
			return err
		}
		if p.AttachmentCount > 0 {
			return &store.ConflictError{Entity: "policy", Field: "attachments", Value: arn,
				Reason: fmt.Sprintf("attached to %d principal(s); detach it first", p.AttachmentCount)}
		}
		b := s.binder()
		if _, err := tx.ExecContext(ctx, "DELETE FROM policy_versions WHERE policy_id = "+b.add(p.ID), b.args...); err != nil {
			return fmt.Errorf("delete versions of policy %q: %w", arn, err)
		}
		return s.deleteRow(ctx, tx, "managed_policies", fmt.Sprintf("policy %q", arn), []string{"id"}, p.ID)
	})
}

// touchPolicy records a change of p's versions: Version and UpdatedAt move,
// and the version numbers are written as p now holds them.
func (s *Store) touchPolicy(ctx context.Context, tx *sql.Tx, p storedPolicy) error {
	b := s.binder()
	q := "UPDATE managed_policies SET " +
		b.set([]string{"default_version", "last_version", "updated_at", "version"},
			p.defaultVersion, p.lastVersion, updatedTime(s.now(), p.UpdatedAt).UnixMicro(), p.Version+1) +
		" WHERE id = " + b.add(p.ID) + " AND version = " + b.add(p.Version)
	if err := s.execUpdate(ctx, tx, q, b.args); err != nil {
		return fmt.Errorf("update policy %q: %w", p.ARN, err)
	}
	return nil
}

// CreatePolicyVersion implements store.IAMStore.
func (s *Store) CreatePolicyVersion(ctx context.Context, policyARN, document string, setDefault bool) (store.PolicyVersion, error) {
	if document == "" {
		return store.PolicyVersion{}, fmt.Errorf("create version of policy %q: the policy document is empty", policyARN)
	}
	var out store.PolicyVersion
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		p, err := s.lockPolicy(ctx, tx, policyARN)
		if err != nil {
			return err
		}
		var n int
		b := s.binder()
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM policy_versions WHERE policy_id = "+b.add(p.ID), b.args...).Scan(&n); err != nil {
			return fmt.Errorf("count versions of policy %q: %w", policyARN, err)
		}
		if n >= store.MaxPolicyVersions {
			return &store.ConflictError{Entity: "policy", Field: "versions", Value: policyARN,
				Reason: fmt.Sprintf("already has the maximum of %d versions; delete one first", store.MaxPolicyVersions)}
		}
		p.lastVersion++
		if setDefault {
			p.defaultVersion = p.lastVersion
		}
		at := normTime(s.now())
		if err := s.insertPolicyVersion(ctx, tx, p.ID, p.lastVersion, document, at); err != nil {
			return err
		}
		if err := s.touchPolicy(ctx, tx, p); err != nil {
			return err
		}
		out = store.PolicyVersion{PolicyARN: policyARN, VersionID: versionID(p.lastVersion), Document: document,
			IsDefault: setDefault, CreatedAt: at}
		return nil
	})
	if err != nil {
		return store.PolicyVersion{}, err
	}
	return out, nil
}

const versionCols = "v.number, v.document, v.created_at, p.default_version"

// scanVersion returns a scanner of policy_versions rows joined with their
// policy (versionCols) for the policy with the given ARN.
func scanVersion(arn string) func(rowScanner) (store.PolicyVersion, error) {
	return func(r rowScanner) (store.PolicyVersion, error) {
		var n, created, def int64
		v := store.PolicyVersion{PolicyARN: arn}
		if err := r.Scan(&n, &v.Document, &created, &def); err != nil {
			return store.PolicyVersion{}, err
		}
		v.VersionID, v.IsDefault, v.CreatedAt = versionID(n), n == def, fromMicros(created)
		return v, nil
	}
}

// GetPolicyVersion implements store.IAMStore. A missing policy and a
// missing version are both store.ErrNotFound; the message says which.
func (s *Store) GetPolicyVersion(ctx context.Context, policyARN, id string) (store.PolicyVersion, error) {
	p, err := s.getPolicy(ctx, s.db, policyARN, "")
	if err != nil {
		return store.PolicyVersion{}, err
	}
	n, ok := parseVersionID(id)
	if !ok {
		return store.PolicyVersion{}, fmt.Errorf("version %q of policy %q: %w", id, policyARN, store.ErrNotFound)
	}
	b := s.binder()
	v, err := scanVersion(policyARN)(s.db.QueryRowContext(ctx, "SELECT "+versionCols+
		" FROM policy_versions v JOIN managed_policies p ON p.id = v.policy_id WHERE v.policy_id = "+b.add(p.ID)+
		" AND v.number = "+b.add(n), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.PolicyVersion{}, fmt.Errorf("version %q of policy %q: %w", id, policyARN, store.ErrNotFound)
	}
	if err != nil {
		return store.PolicyVersion{}, fmt.Errorf("get version %q of policy %q: %w", id, policyARN, err)
	}
	return v, nil
}

// ListPolicyVersions implements store.IAMStore, newest first.
func (s *Store) ListPolicyVersions(ctx context.Context, policyARN string) ([]store.PolicyVersion, error) {
	b := s.binder()
	vs, err := queryAll(ctx, s.db, "list versions of policy "+policyARN, "SELECT "+versionCols+
		" FROM policy_versions v JOIN managed_policies p ON p.id = v.policy_id WHERE p.arn = "+b.add(policyARN)+
		" ORDER BY v.number DESC", b.args, scanVersion(policyARN))
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 { // a stored policy always has its default version
		return nil, fmt.Errorf("policy %q: %w", policyARN, store.ErrNotFound)
	}
	return vs, nil
}

// requireVersion returns store.ErrNotFound unless policy p has version id,
// and its number otherwise.
func (s *Store) requireVersion(ctx context.Context, tx *sql.Tx, p storedPolicy, id string) (int64, error) {
	n, ok := parseVersionID(id)
	if ok {
		b := s.binder()
		found, err := exists(ctx, tx, "SELECT 1 FROM policy_versions WHERE policy_id = "+b.add(p.ID)+
			" AND number = "+b.add(n), b.args)
		if err != nil {
			return 0, fmt.Errorf("check version %q of policy %q: %w", id, p.ARN, err)
		}
		if found {
			return n, nil
		}
	}
	return 0, fmt.Errorf("version %q of policy %q: %w", id, p.ARN, store.ErrNotFound)
}

// SetDefaultPolicyVersion implements store.IAMStore. Setting the version
// that is already the default changes nothing and so bumps nothing.
func (s *Store) SetDefaultPolicyVersion(ctx context.Context, policyARN, id string) error {
	return s.write(ctx, func(tx *sql.Tx) (bool, error) {
		p, err := s.lockPolicy(ctx, tx, policyARN)
		if err != nil {
			return false, err
		}
		n, err := s.requireVersion(ctx, tx, p, id)
		if err != nil || n == p.defaultVersion {
			return false, err
		}
		p.defaultVersion = n
		return true, s.touchPolicy(ctx, tx, p)
	})
}

// DeletePolicyVersion implements store.IAMStore.
func (s *Store) DeletePolicyVersion(ctx context.Context, policyARN, id string) error {
	return s.mutate(ctx, func(tx *sql.Tx) error {
		p, err := s.lockPolicy(ctx, tx, policyARN)
		if err != nil {
			return err
		}
		n, err := s.requireVersion(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if n == p.defaultVersion {
			return &store.ConflictError{Entity: "policy", Field: "defaultVersion", Value: id,
				Reason: fmt.Sprintf("is the default version of %s; make another version the default first", policyARN)}
		}
		b := s.binder()
		if err := s.execDelete(ctx, tx, "DELETE FROM policy_versions WHERE policy_id = "+b.add(p.ID)+
			" AND number = "+b.add(n), b.args, fmt.Sprintf("version %q of policy %q", id, policyARN)); err != nil {
			return err
		}
		return s.touchPolicy(ctx, tx, p)
	})
}

// AttachPolicy implements store.IAMStore. A new attachment goes last in the
// principal's order; attaching an attached policy changes nothing (and bumps
// nothing). The principal row is locked so that concurrent attachments get
// distinct positions and a concurrent DeletePrincipal cannot interleave; a
// stored policy's row is locked so that DeleteManagedPolicy cannot either.
// Any ARN but a built-in one must name a stored policy (store.ErrNotFound).
func (s *Store) AttachPolicy(ctx context.Context, principalID, policyARN string) error {
	if policyARN == "" {
		return fmt.Errorf("attach policy to principal %q: empty policy ARN", principalID)
	}
	return s.write(ctx, func(tx *sql.Tx) (bool, error) {
		if err := s.requirePrincipal(ctx, tx, principalID, s.d.forUpdate); err != nil {
			return false, err
		}
		if !strings.HasPrefix(policyARN, builtInPolicyPrefix) {
			if _, err := s.lockPolicy(ctx, tx, policyARN); err != nil {
				return false, err
			}
		}
		b := s.binder()
		attached, err := exists(ctx, tx, "SELECT 1 FROM policy_attachments WHERE principal_id = "+b.add(principalID)+
			" AND policy_arn = "+b.add(policyARN), b.args)
		if err != nil || attached {
			return false, err
		}
		b = s.binder()
		q := "INSERT INTO policy_attachments (principal_id, policy_arn, position) SELECT " +
			b.add(principalID) + ", " + b.add(policyARN) +
			", COALESCE(MAX(position), 0) + 1 FROM policy_attachments WHERE principal_id = " + b.add(principalID)
		if _, err := s.execWrite(ctx, tx, q, b.args); err != nil {
			return false, fmt.Errorf("attach policy %q to principal %q: %w", policyARN, principalID, err)
		}
		return true, nil
	})
}

// DetachPolicy implements store.IAMStore. A missing principal and a policy
// that is not attached are both store.ErrNotFound; the message says which.
func (s *Store) DetachPolicy(ctx context.Context, principalID, policyARN string) error {
	return s.mutate(ctx, func(tx *sql.Tx) error {
		if err := s.requirePrincipal(ctx, tx, principalID, ""); err != nil {
			return err
		}
		b := s.binder()
		return s.execDelete(ctx, tx, "DELETE FROM policy_attachments WHERE principal_id = "+b.add(principalID)+
			" AND policy_arn = "+b.add(policyARN), b.args,
			fmt.Sprintf("attachment of policy %q to principal %q", policyARN, principalID))
	})
}

// ListAttachedPolicies implements store.IAMStore (store.ErrNotFound for a
// missing principal).
func (s *Store) ListAttachedPolicies(ctx context.Context, principalID string) ([]string, error) {
	if err := s.requirePrincipal(ctx, s.db, principalID, ""); err != nil {
		return nil, err
	}
	b := s.binder()
	return queryAll(ctx, s.db, "list policies attached to principal "+principalID,
		"SELECT policy_arn FROM policy_attachments WHERE principal_id = "+b.add(principalID)+" ORDER BY position, policy_arn",
		b.args, func(r rowScanner) (string, error) {
			var arn string
			err := r.Scan(&arn)
			return arn, err
		})
}

// ListPolicyAttachments implements store.IAMStore: the principals in their
// list order (oldest first). Built-in policies are not stored, so an ARN
// attached to nobody, stored or not, has an empty list rather than an
// error.
func (s *Store) ListPolicyAttachments(ctx context.Context, policyARN string) ([]store.Principal, error) {
	b := s.binder()
	return queryAll(ctx, s.db, "list principals policy "+policyARN+" is attached to",
		"SELECT "+principalCols+" FROM principals WHERE id IN (SELECT principal_id FROM policy_attachments WHERE policy_arn = "+
			b.add(policyARN)+") ORDER BY created_at, id", b.args, scanPrincipal)
}

// PutInlinePolicy implements store.IAMStore.
func (s *Store) PutInlinePolicy(ctx context.Context, ip store.InlinePolicy) error {
	if ip.PrincipalID == "" || ip.Name == "" {
		return errors.New("put inline policy: principal id and name are required")
	}
	if ip.Document == "" {
		return fmt.Errorf("put inline policy %q of principal %q: the policy document is empty", ip.Name, ip.PrincipalID)
	}
	return s.mutate(ctx, func(tx *sql.Tx) error {
		if err := s.requirePrincipal(ctx, tx, ip.PrincipalID, s.d.forUpdate); err != nil {
			return err
		}
		b := s.binder()
		res, err := tx.ExecContext(ctx, "UPDATE inline_policies SET document = "+b.add(ip.Document)+
			" WHERE principal_id = "+b.add(ip.PrincipalID)+" AND name = "+b.add(ip.Name), b.args...)
		if err != nil {
			return fmt.Errorf("put inline policy %q of principal %q: %w", ip.Name, ip.PrincipalID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		b = s.binder()
		q := "INSERT INTO inline_policies (principal_id, name, document) VALUES (" +
			b.list(ip.PrincipalID, ip.Name, ip.Document) + ")"
		if _, err := s.execWrite(ctx, tx, q, b.args); err != nil {
			return fmt.Errorf("put inline policy %q of principal %q: %w", ip.Name, ip.PrincipalID, err)
		}
		return nil
	})
}

func scanInline(r rowScanner) (store.InlinePolicy, error) {
	var ip store.InlinePolicy
	err := r.Scan(&ip.PrincipalID, &ip.Name, &ip.Document)
	return ip, err
}

// GetInlinePolicy implements store.IAMStore.
func (s *Store) GetInlinePolicy(ctx context.Context, principalID, name string) (store.InlinePolicy, error) {
	b := s.binder()
	return selectRow(ctx, s.db, scanInline, fmt.Sprintf("inline policy %q of principal %q", name, principalID),
		"SELECT principal_id, name, document FROM inline_policies WHERE principal_id = "+b.add(principalID)+
			" AND name = "+b.add(name), b.args)
}

// ListInlinePolicies implements store.IAMStore (store.ErrNotFound for a
// missing principal).
func (s *Store) ListInlinePolicies(ctx context.Context, principalID string) ([]store.InlinePolicy, error) {
	if err := s.requirePrincipal(ctx, s.db, principalID, ""); err != nil {
		return nil, err
	}
	b := s.binder()
	return queryAll(ctx, s.db, "list inline policies of principal "+principalID,
		"SELECT principal_id, name, document FROM inline_policies WHERE principal_id = "+b.add(principalID)+" ORDER BY name",
		b.args, scanInline)
}

// DeleteInlinePolicy implements store.IAMStore.
func (s *Store) DeleteInlinePolicy(ctx context.Context, principalID, name string) error {
	return s.deleteOne(ctx, "inline_policies", fmt.Sprintf("inline policy %q of principal %q", name, principalID),
		[]string{"principal_id", "name"}, principalID, name)
}

// EffectivePolicies implements store.IAMStore in one statement, so the
// authoriser sees one consistent state (no transaction needed, which on
// SQLite would take the write lock). The statement's parts are numbered: 0
// proves the principal exists (store.ErrNotFound otherwise), 1 the
// attachments in attachment order, each with its policy's default version
// (NULL, so "", for ARNs that are not stored: built-ins), 2 the inline
// policies by name.
func (s *Store) EffectivePolicies(ctx context.Context, principalID string) ([]store.EffectivePolicy, error) {
	b := s.binder()
	q := "SELECT 0 AS part, 0 AS ord, id AS source, NULL AS document FROM principals WHERE id = " + b.add(principalID) +
		" UNION ALL SELECT 1, a.position, a.policy_arn, v.document FROM policy_attachments a" +
		" LEFT JOIN managed_policies p ON p.arn = a.policy_arn" +
		" LEFT JOIN policy_versions v ON v.policy_id = p.id AND v.number = p.default_version" +
		" WHERE a.principal_id = " + b.add(principalID) +
		" UNION ALL SELECT 2, 0, name, document FROM inline_policies WHERE principal_id = " + b.add(principalID) +
		" ORDER BY part, ord, source"
	type row struct {
		part int
		eff  store.EffectivePolicy
	}
	rows, err := queryAll(ctx, s.db, "effective policies of principal "+principalID, q, b.args, func(r rowScanner) (row, error) {
		var (
			rw  row
			ord int64
			doc sql.NullString
		)
		err := r.Scan(&rw.part, &ord, &rw.eff.Source, &doc)
		rw.eff.Document = doc.String
		return rw, err
	})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 || rows[0].part != 0 {
		return nil, fmt.Errorf("principal %q: %w", principalID, store.ErrNotFound)
	}
	out := make([]store.EffectivePolicy, 0, len(rows)-1)
	for _, rw := range rows[1:] {
		if rw.part == 2 {
			rw.eff.Source = "inline:" + rw.eff.Source
		}
		out = append(out, rw.eff)
	}
	return out, nil
}
