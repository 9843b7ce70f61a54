package iamapi

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/store"
)

// defaultSessionDuration is the MaxSessionDuration every role reports.
// Roles are not assumed through STS in toolgate (see Extension), so the
// value is validated and reported but has no effect.
const defaultSessionDuration = 3600

// maxTags is IAM's quota of tags per user, role or policy.
const maxTags = 50

// arn builds an IAM ARN: arn:aws:iam::<account>:<kind><path><name>.
func (h *Handler) arn(kind, path, name string) string {
	if path == "" {
		path = "/"
	}
	return "arn:aws:iam::" + h.o.AccountID + ":" + kind + path + name
}

// RoleARN returns the ARN of the role named name: the stored role's, or
// the one a role of that name at path "/" would have. The extension API's
// classifier authorises role operations on it.
func (h *Handler) RoleARN(ctx context.Context, name string) string {
	if p, err := h.o.Store.GetPrincipalByName(ctx, store.PrincipalRole, name); err == nil {
		return p.ARN
	}
	return h.arn("role", "/", name)
}

// RootARN returns the ARN of the installation's root principal.
func (h *Handler) RootARN() string { return "arn:aws:iam::" + h.o.AccountID + ":root" }

func kindWord(kind string) string {
	if kind == store.PrincipalRole {
		return "role"
	}
	return "user"
}

// principal loads a user or role by name, answering IAM's NoSuchEntity.
func (h *Handler) principal(ctx context.Context, kind, name string) (store.Principal, error) {
	p, err := h.o.Store.GetPrincipalByName(ctx, kind, name)
	if isNotFound(err) {
		return p, errNoSuchEntity("The %s with name %s cannot be found.", kindWord(kind), name)
	}
	return p, err
}

// allPrincipals lists every principal of a kind.
func (h *Handler) allPrincipals(ctx context.Context, kind string) ([]store.Principal, error) {
	var out []store.Principal
	page := store.Page{Limit: 1000}
	for {
		items, next, err := h.o.Store.ListPrincipalsByKind(ctx, kind, page)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		page.After = next
	}
}

// nameTaken reports another principal of kind whose name equals name
// ignoring case: IAM names are unique regardless of case.
func (h *Handler) nameTaken(ctx context.Context, kind, name, exceptID string) (bool, error) {
	all, err := h.allPrincipals(ctx, kind)
	if err != nil {
		return false, err
	}
	for _, p := range all {
		if p.ID != exceptID && strings.EqualFold(p.Name, name) {
			return true, nil
		}
	}
	return false, nil
}

// self resolves an optional UserName: "" is the caller.
func (h *Handler) self(c *call, name string) (store.Principal, error) {
	if name != "" {
		return h.principal(c.ctx, store.PrincipalUser, name)
	}
	if !c.hasCaller {
		return store.Principal{}, errValidationMsg("1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null")
	}
	// The caller as stored now (the context copy predates this request's
	// authentication only by moments, but tags may have changed).
	p, err := h.o.Store.GetPrincipal(c.ctx, c.caller.ID)
	if isNotFound(err) {
		return c.caller, nil
	}
	return p, err
}

func refuseBoundary(p params) error {
	if p.has("PermissionsBoundary") {
		return errInvalidInput("toolgate does not support permissions boundaries; attach policies that grant only what is needed instead.")
	}
	return nil
}

func tagMap(tags []tagPair) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// --- users ---

type userResult struct {
	User userXML `xml:"User"`
}

func (h *Handler) createUser(c *call) (any, error) {
	name, path, tags := c.p.get("UserName"), c.p.get("Path"), c.p.tags("Tags")
	var v validation
	checkName(&v, "UserName", name, 64, true)
	checkPath(&v, "Path", path)
	checkTags(&v, "Tags", tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := refuseBoundary(c.p); err != nil {
		return nil, err
	}
	return h.createPrincipal(c.ctx, store.Principal{
		ID: iam.NewPrincipalID(), Name: name, Kind: store.PrincipalUser, Path: orSlash(path),
		ARN: h.arn("user", path, name), Tags: tagMap(tags), CreatedAt: h.o.Now().UTC(),
	})
}

// createPrincipal stores a new user or role, refusing a name taken in any
// case.
func (h *Handler) createPrincipal(ctx context.Context, p store.Principal) (any, error) {
	exists := func() error {
		if p.Kind == store.PrincipalRole {
			return errAlreadyExists("Role with name %s already exists.", p.Name)
		}
		return errAlreadyExists("User with name %s already exists.", p.Name)
	}
	taken, err := h.nameTaken(ctx, p.Kind, p.Name, "")
	if err != nil {
		return nil, err
	}
	if taken {
		return nil, exists()
	}
	p, err = h.o.Store.CreatePrincipal(ctx, p)
	if errors.Is(err, store.ErrConflict) {
		return nil, exists()
	}
	if err != nil {
		return nil, err
	}
	if p.Kind == store.PrincipalRole {
		return roleResult{Role: h.roleXML(p, true)}, nil
	}
	return userResult{User: h.userXML(p, true)}, nil
}

func orSlash(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

func (h *Handler) getUser(c *call) (any, error) {
	name := c.p.get("UserName")
	var v validation
	checkName(&v, "UserName", name, 128, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	p, err := h.self(c, name)
	if err != nil {
		return nil, err
	}
	if p.Kind == store.PrincipalRole {
		return nil, errValidationMsg("Must specify userName when calling with non-User credentials")
	}
	return userResult{User: h.userXML(p, true)}, nil
}

type listUsersResult struct {
	Users       []userXML `xml:"Users>member"`
	IsTruncated bool      `xml:"IsTruncated"`
	Marker      string    `xml:"Marker,omitempty"`
}

// listed returns the principals of kind under prefix, sorted by name as a
// pagination key.
func (h *Handler) listed(ctx context.Context, kind, prefix string) ([]store.Principal, error) {
	all, err := h.allPrincipals(ctx, kind)
	if err != nil {
		return nil, err
	}
	all = slices.DeleteFunc(all, func(p store.Principal) bool { return !strings.HasPrefix(orSlash(p.Path), prefix) })
	slices.SortFunc(all, func(a, b store.Principal) int { return strings.Compare(a.Name, b.Name) })
	return all, nil
}

// listedPage is the page of listed principals a ListUsers or ListRoles call
// asks for (PathPrefix, Marker, MaxItems), and the marker of the next.
func (h *Handler) listedPage(c *call, kind string) ([]store.Principal, string, error) {
	var v validation
	prefix := c.p.get("PathPrefix")
	checkPathPrefix(&v, prefix)
	pr := pageParams(&v, c.p)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	all, err := h.listed(c.ctx, kind, prefix)
	if err != nil {
		return nil, "", err
	}
	return paginate(all, func(p store.Principal) string { return p.Name }, pr)
}

func (h *Handler) listUsers(c *call) (any, error) {
	page, next, err := h.listedPage(c, store.PrincipalUser)
	if err != nil {
		return nil, err
	}
	out := listUsersResult{Users: []userXML{}, IsTruncated: next != "", Marker: next}
	for _, p := range page {
		out.Users = append(out.Users, h.userXML(p, false))
	}
	return out, nil
}

func (h *Handler) updateUser(c *call) (any, error) {
	name, newName, newPath := c.p.get("UserName"), c.p.get("NewUserName"), c.p.get("NewPath")
	var v validation
	checkName(&v, "UserName", name, 128, true)
	checkName(&v, "NewUserName", newName, 64, false)
	checkPath(&v, "NewPath", newPath)
	if err := v.err(); err != nil {
		return nil, err
	}
	p, err := h.principal(c.ctx, store.PrincipalUser, name)
	if err != nil {
		return nil, err
	}
	if err := h.guardPrincipal(c.ctx, p); err != nil {
		return nil, err
	}
	return nil, h.update(c.ctx, store.PrincipalUser, name, func(p store.Principal) (store.Principal, error) {
		if newName != "" && newName != p.Name {
			taken, err := h.nameTaken(c.ctx, store.PrincipalUser, newName, p.ID)
			if err != nil {
				return p, err
			}
			if taken {
				return p, errAlreadyExists("User with name %s already exists.", newName)
			}
			p.Name = newName
		}
		if newPath != "" {
			p.Path = newPath
		}
		p.ARN = h.arn("user", p.Path, p.Name)
		return p, nil
	})
}

// update loads a user or role by name and updates it.
func (h *Handler) update(ctx context.Context, kind, name string, fn func(store.Principal) (store.Principal, error)) error {
	p, err := h.principal(ctx, kind, name)
	if err != nil {
		return err
	}
	_, err = h.o.Store.UpdatePrincipal(ctx, p.ID, fn)
	if isNotFound(err) {
		return errNoSuchEntity("The %s with name %s cannot be found.", kindWord(kind), name)
	}
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		return errAlreadyExists("%s with name %s already exists.", strings.ToUpper(kindWord(kind)[:1])+kindWord(kind)[1:], ce.Value)
	}
	return err
}

func (h *Handler) deleteUser(c *call) (any, error) {
	return h.deletePrincipal(c, store.PrincipalUser, "UserName")
}

// deletePrincipal deletes a user or role once nothing grants it access any
// more, as IAM insists: keys deleted, policies detached and deleted.
func (h *Handler) deletePrincipal(c *call, kind, param string) (any, error) {
	name := c.p.get(param)
	var v validation
	checkName(&v, param, name, 128, true)
	if err := v.err(); err != nil {
		return nil, err
	}
	p, err := h.principal(c.ctx, kind, name)
	if err != nil {
		return nil, err
	}
	keys, err := h.o.Store.ListAccessKeys(c.ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if len(keys) > 0 {
		return nil, errDeleteConflict("Cannot delete entity, must delete access keys first.")
	}
	attached, err := h.o.Store.ListAttachedPolicies(c.ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if len(attached) > 0 {
		return nil, errDeleteConflict("Cannot delete entity, must detach all policies first.")
	}
	inline, err := h.o.Store.ListInlinePolicies(c.ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if len(inline) > 0 {
		return nil, errDeleteConflict("Cannot delete entity, must delete policies first.")
	}
	if err := h.o.Store.DeletePrincipal(c.ctx, p.ID); err != nil && !isNotFound(err) {
		return nil, err
	}
	return nil, nil
}

// --- tags of users and roles ---

func tagPrincipal(kind, param string) func(*Handler, *call) (any, error) {
	return func(h *Handler, c *call) (any, error) {
		name, tags := c.p.get(param), c.p.tags("Tags")
		var v validation
		checkName(&v, param, name, 128, true)
		if len(tags) == 0 {
			v.add("Tags", nil, "Member must not be null")
		}
		checkTags(&v, "Tags", tags)
		if err := v.err(); err != nil {
			return nil, err
		}
		return nil, h.update(c.ctx, kind, name, func(p store.Principal) (store.Principal, error) {
			merged := maps.Clone(p.Tags)
			if merged == nil {
				merged = map[string]string{}
			}
			for _, t := range tags {
				for k := range merged { // keys are case-insensitive
					if strings.EqualFold(k, t.Key) {
						delete(merged, k)
					}
				}
				merged[t.Key] = t.Value
			}
			if len(merged) > maxTags {
				return p, errLimitExceeded("The number of tags has reached the maximum limit of %d.", maxTags)
			}
			p.Tags = merged
			return p, nil
		})
	}
}

func untagPrincipal(kind, param string) func(*Handler, *call) (any, error) {
	return func(h *Handler, c *call) (any, error) {
		name, keys := c.p.get(param), c.p.list("TagKeys")
		var v validation
		checkName(&v, param, name, 128, true)
		if len(keys) == 0 {
			v.add("TagKeys", nil, "Member must not be null")
		}
		if err := v.err(); err != nil {
			return nil, err
		}
		return nil, h.update(c.ctx, kind, name, func(p store.Principal) (store.Principal, error) {
			p.Tags = maps.Clone(p.Tags)
			for _, key := range keys {
				for k := range p.Tags {
					if strings.EqualFold(k, key) {
						delete(p.Tags, k)
					}
				}
			}
			return p, nil
		})
	}
}

type listTagsResult struct {
	Tags        []tagXML `xml:"Tags>member"`
	IsTruncated bool     `xml:"IsTruncated"`
	Marker      string   `xml:"Marker,omitempty"`
}

func listPrincipalTags(kind, param string) func(*Handler, *call) (any, error) {
	return func(h *Handler, c *call) (any, error) {
		name := c.p.get(param)
		var v validation
		checkName(&v, param, name, 128, true)
		pr := pageParams(&v, c.p)
		if err := v.err(); err != nil {
			return nil, err
		}
		p, err := h.principal(c.ctx, kind, name)
		if err != nil {
			return nil, err
		}
		page, next, err := paginate(tagsXML(p.Tags), func(t tagXML) string { return t.Key }, pr)
		if err != nil {
			return nil, err
		}
		return listTagsResult{Tags: page, IsTruncated: next != "", Marker: next}, nil
	}
}

// --- roles ---

type roleResult struct {
	Role roleXML `xml:"Role"`
}

// trustPolicy validates an AssumeRolePolicyDocument: toolgate keeps and
// echoes it (roles are not assumed through STS here) but it must be a JSON
// object, as IAM requires.
func trustPolicy(doc string) (string, error) {
	doc = policyDocument(doc)
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &obj); err != nil || obj == nil {
		return "", errMalformedPolicy("This policy contains invalid Json")
	}
	if _, ok := obj["Statement"]; !ok {
		return "", errMalformedPolicy("Missing required field Statement")
	}
	return doc, nil
}

func checkSessionDuration(v *validation, p params) {
	s, ok := p.opt("MaxSessionDuration")
	if !ok {
		return
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		v.add("MaxSessionDuration", s, "Member must be an integer")
	case n < 3600:
		v.add("MaxSessionDuration", n, "Member must have value greater than or equal to 3600")
	case n > 43200:
		v.add("MaxSessionDuration", n, "Member must have value less than or equal to 43200")
	}
}

func checkDescription(v *validation, s string) {
	if len([]rune(s)) > 1000 {
		v.add("Description", s, "Member must have length less than or equal to 1000")
	}
}

func (h *Handler) createRole(c *call) (any, error) {
	name, path, doc, desc, tags := c.p.get("RoleName"), c.p.get("Path"), c.p.get("AssumeRolePolicyDocument"), c.p.get("Description"), c.p.tags("Tags")
	var v validation
	checkName(&v, "RoleName", name, 64, true)
	checkPath(&v, "Path", path)
	if doc == "" {
		v.add("AssumeRolePolicyDocument", nil, "Member must not be null")
	}
	checkDescription(&v, desc)
	checkSessionDuration(&v, c.p)
	checkTags(&v, "Tags", tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := refuseBoundary(c.p); err != nil {
		return nil, err
	}
	doc, err := trustPolicy(doc)
	if err != nil {
		return nil, err
	}
	return h.createPrincipal(c.ctx, store.Principal{
		ID: newRoleID(), Name: name, Kind: store.PrincipalRole, Path: orSlash(path), Description: desc,
		AssumeRolePolicy: doc, ARN: h.arn("role", path, name), Tags: tagMap(tags), CreatedAt: h.o.Now().UTC(),
	})
}

// newRoleID returns a role id shaped like AWS's (AROA + 17).
func newRoleID() string { return "AROA" + strings.TrimPrefix(iam.NewPrincipalID(), "AIDA") }

func (h *Handler) getRole(c *call) (any, error) {
	name := c.p.get("RoleName")
	var v validation
	checkName(&v, "RoleName", name, 128, true)
	if err := v.err(); err != nil {
		return nil, err
	}
	p, err := h.principal(c.ctx, store.PrincipalRole, name)
	if err != nil {
		return nil, err
	}
	return roleResult{Role: h.roleXML(p, true)}, nil
}

type listRolesResult struct {
	Roles       []roleXML `xml:"Roles>member"`
	IsTruncated bool      `xml:"IsTruncated"`
	Marker      string    `xml:"Marker,omitempty"`
}

func (h *Handler) listRoles(c *call) (any, error) {
	page, next, err := h.listedPage(c, store.PrincipalRole)
	if err != nil {
		return nil, err
	}
	out := listRolesResult{Roles: []roleXML{}, IsTruncated: next != "", Marker: next}
	for _, p := range page {
		out.Roles = append(out.Roles, h.roleXML(p, false))
	}
	return out, nil
}

func (h *Handler) updateRole(c *call) (any, error) {
	name := c.p.get("RoleName")
	desc, hasDesc := c.p.get("Description"), c.p.has("Description")
	var v validation
	checkName(&v, "RoleName", name, 128, true)
	checkDescription(&v, desc)
	checkSessionDuration(&v, c.p)
	if err := v.err(); err != nil {
		return nil, err
	}
	return struct{}{}, h.update(c.ctx, store.PrincipalRole, name, func(p store.Principal) (store.Principal, error) {
		if hasDesc {
			p.Description = desc
		}
		return p, nil
	})
}

func (h *Handler) updateAssumeRolePolicy(c *call) (any, error) {
	name, doc := c.p.get("RoleName"), c.p.get("PolicyDocument")
	var v validation
	checkName(&v, "RoleName", name, 64, true)
	if doc == "" {
		v.add("PolicyDocument", nil, "Member must not be null")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	doc, err := trustPolicy(doc)
	if err != nil {
		return nil, err
	}
	return nil, h.update(c.ctx, store.PrincipalRole, name, func(p store.Principal) (store.Principal, error) {
		p.AssumeRolePolicy = doc
		return p, nil
	})
}

func (h *Handler) deleteRole(c *call) (any, error) {
	return h.deletePrincipal(c, store.PrincipalRole, "RoleName")
}

// --- resolvers: the resource each action is authorised on ---

// onNothing: actions without a single resource.
func onNothing(*Handler, *call) target { return target{arn: "*"} }

// onPrincipal: the user or role named by param; with self, an absent name
// is the caller (GetUser, CreateAccessKey, ...).
func onPrincipal(kind, param string, self bool) func(*Handler, *call) target {
	return func(h *Handler, c *call) target {
		name := c.p.get(param)
		if name == "" {
			if self && c.hasCaller {
				return target{arn: c.caller.ARN, resourceTags: c.caller.Tags}
			}
			return target{arn: "*"}
		}
		p, err := h.o.Store.GetPrincipalByName(c.ctx, kind, name)
		if err != nil {
			return target{arn: h.arn(kindWord(kind), "/", name)}
		}
		t := target{arn: p.ARN, resourceTags: p.Tags}
		if c.action == "TagUser" || c.action == "TagRole" {
			t.requestTags = tagMap(c.p.tags("Tags"))
		}
		return t
	}
}

// onNewPrincipal: the ARN a CreateUser or CreateRole would give, with the
// tags it sets.
func onNewPrincipal(kind, param string) func(*Handler, *call) target {
	return func(h *Handler, c *call) target {
		return target{arn: h.arn(kindWord(kind), c.p.get("Path"), c.p.get(param)), requestTags: tagMap(c.p.tags("Tags"))}
	}
}

// status maps IAM's key Status parameter.
func keyStatus(s string) (string, bool) {
	switch s {
	case "Active", "Inactive":
		return s, true
	}
	return "", false
}
