package iamapi

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/iam/policy"
	"github.com/toolgate/toolgate/internal/store"
)

// IAM's quotas that toolgate enforces as AWS does.
const (
	// maxAttached is the managed policies per user or role (AWS default).
	maxAttached = 10
	// maxManagedPolicySize is a managed policy document's size, whitespace
	// excluded.
	maxManagedPolicySize = 6144
	// maxUserInlineSize and maxRoleInlineSize bound the inline policies of
	// one user or role together, whitespace excluded.
	maxUserInlineSize = 2048
	maxRoleInlineSize = 10240
)

// builtInDescriptions describe the built-in templates in GetPolicy.
var builtInDescriptions = map[string]string{
	"AdministratorAccess":        "Provides full access to every toolgate API: AgentCore, IAM, the Cognito user-pool API and the toolgate extension API.",
	"AgentCoreFullAccess":        "Provides full access to every AgentCore operation.",
	"AgentCoreGatewayFullAccess": "Gateway management as the AgentCore Gateway documentation defines it: gateway, workload identity, credential provider, token and access operations on ARNs containing \"gateway\".",
	"AgentCoreGatewayReadOnly":   "Provides read-only access to gateways and their targets.",
}

// builtInDate is the creation date built-in policies report.
var builtInDate = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// builtInID is a stable policy id for a built-in template (ANPA + 17).
func builtInID(name string) string {
	sum := sha256.Sum256([]byte("toolgate built-in policy " + name))
	return "ANPA" + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

func newPolicyID() string { return "ANPA" + strings.TrimPrefix(iam.NewPrincipalID(), "AIDA") }

func errNoSuchPolicy(arn string) *apiError {
	return errNoSuchEntity("Policy %s does not exist or is not attachable.", arn)
}

func errBuiltInImmutable(arn string) *apiError {
	return errInvalidInput("Policy %s is a toolgate built-in (AWS managed) policy and cannot be changed or deleted.", arn)
}

// parseDocument validates a policy document with the evaluator's own
// parser, answering its precise reason as MalformedPolicyDocument.
func parseDocument(member, doc string) (string, error) {
	doc = policyDocument(doc)
	if doc == "" {
		return "", errValidationMsg("1 validation error detected: Value null at '" + lowerFirst(member) + "' failed to satisfy constraint: Member must not be null")
	}
	if len(doc) > 131072 {
		return "", errValidationMsg("1 validation error detected: Value at '" + lowerFirst(member) + "' failed to satisfy constraint: Member must have length less than or equal to 131072")
	}
	if _, err := policy.Parse([]byte(doc)); err != nil {
		return "", errMalformedPolicy("%s", err.Error())
	}
	return doc, nil
}

// policySize counts a document's characters without whitespace, as IAM's
// size quotas do.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// managed is a policy by ARN: a built-in template or a stored policy.
type managed struct {
	builtIn string // the template name, for a built-in
	stored  store.ManagedPolicy
}

// lookupPolicy finds a policy by ARN.
func (h *Handler) lookupPolicy(ctx context.Context, arn string) (managed, error) {
	if name, ok := iam.BuiltInPolicyName(arn); ok {
		return managed{builtIn: name}, nil
	}
	if arn == "" {
		return managed{}, errValidationMsg("1 validation error detected: Value null at 'policyArn' failed to satisfy constraint: Member must not be null")
	}
	mp, err := h.o.Store.GetManagedPolicy(ctx, arn)
	if isNotFound(err) {
		return managed{}, errNoSuchPolicy(arn)
	}
	return managed{stored: mp}, err
}

func (h *Handler) builtInXML(ctx context.Context, name string, full bool) (policyXML, error) {
	arn := iam.BuiltInPolicyARN(name)
	attached, err := h.o.Store.ListPolicyAttachments(ctx, arn)
	if err != nil {
		return policyXML{}, err
	}
	x := policyXML{
		PolicyName: name, PolicyID: builtInID(name), Arn: arn, Path: "/", DefaultVersionID: "v1",
		AttachmentCount: len(attached), IsAttachable: true,
		CreateDate: timestamp(builtInDate), UpdateDate: timestamp(builtInDate),
	}
	if full {
		x.Description = builtInDescriptions[name]
	}
	return x, nil
}

func storedXML(mp store.ManagedPolicy, full bool) policyXML {
	x := policyXML{
		PolicyName: mp.Name, PolicyID: mp.ID, Arn: mp.ARN, Path: orSlash(mp.Path), DefaultVersionID: mp.DefaultVersionID,
		AttachmentCount: mp.AttachmentCount, IsAttachable: true,
		CreateDate: timestamp(mp.CreatedAt), UpdateDate: timestamp(mp.UpdatedAt),
	}
	if full {
		x.Description = mp.Description
		x.Tags = tagsXML(mp.Tags)
	}
	return x
}

func (h *Handler) policyXML(ctx context.Context, m managed, full bool) (policyXML, error) {
	if m.builtIn != "" {
		return h.builtInXML(ctx, m.builtIn, full)
	}
	return storedXML(m.stored, full), nil
}

type policyResult struct {
	Policy policyXML `xml:"Policy"`
}

func (h *Handler) createPolicy(c *call) (any, error) {
	name, path, desc, tags := c.p.get("PolicyName"), c.p.get("Path"), c.p.get("Description"), c.p.tags("Tags")
	var v validation
	checkName(&v, "PolicyName", name, 128, true)
	checkPath(&v, "Path", path)
	checkDescription(&v, desc)
	checkTags(&v, "Tags", tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	doc, err := parseDocument("PolicyDocument", c.p.get("PolicyDocument"))
	if err != nil {
		return nil, err
	}
	if policySize(doc) > maxManagedPolicySize {
		return nil, errLimitExceeded("Cannot exceed quota for PolicySize: %d", maxManagedPolicySize)
	}
	exists := errAlreadyExists("A policy called %s already exists. Duplicate names are not allowed.", name)
	all, err := h.allPolicies(c.ctx)
	if err != nil {
		return nil, err
	}
	for _, mp := range all {
		if strings.EqualFold(mp.Name, name) {
			return nil, exists
		}
	}
	now := h.o.Now().UTC()
	mp, err := h.o.Store.CreateManagedPolicy(c.ctx, store.ManagedPolicy{
		ID: newPolicyID(), Name: name, ARN: h.arn("policy", path, name), Path: orSlash(path),
		Description: desc, Tags: tagMap(tags), CreatedAt: now, UpdatedAt: now,
	}, doc)
	if errors.Is(err, store.ErrConflict) {
		return nil, exists
	}
	if err != nil {
		return nil, err
	}
	return policyResult{Policy: storedXML(mp, true)}, nil
}

// allPolicies lists every stored policy.
func (h *Handler) allPolicies(ctx context.Context) ([]store.ManagedPolicy, error) {
	var out []store.ManagedPolicy
	page := store.Page{Limit: 1000}
	for {
		items, next, err := h.o.Store.ListManagedPolicies(ctx, page)
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

func (h *Handler) getPolicy(c *call) (any, error) {
	m, err := h.lookupPolicy(c.ctx, c.p.get("PolicyArn"))
	if err != nil {
		return nil, err
	}
	x, err := h.policyXML(c.ctx, m, true)
	return policyResult{Policy: x}, err
}

type listPoliciesResult struct {
	Policies    []policyXML `xml:"Policies>member"`
	IsTruncated bool        `xml:"IsTruncated"`
	Marker      string      `xml:"Marker,omitempty"`
}

func (h *Handler) listPolicies(c *call) (any, error) {
	var v validation
	scope := c.p.get("Scope")
	switch scope {
	case "":
		scope = "All"
	case "All", "AWS", "Local":
	default:
		v.add("Scope", scope, "Member must satisfy enum value set: [All, AWS, Local]")
	}
	onlyAttached := false
	if s, ok := c.p.opt("OnlyAttached"); ok {
		b, err := strconv.ParseBool(s)
		if err != nil {
			v.add("OnlyAttached", s, "Member must be a boolean")
		}
		onlyAttached = b
	}
	usage := c.p.get("PolicyUsageFilter")
	if usage != "" && usage != "PermissionsPolicy" && usage != "PermissionsBoundary" {
		v.add("PolicyUsageFilter", usage, "Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]")
	}
	prefix := c.p.get("PathPrefix")
	checkPathPrefix(&v, prefix)
	pr := pageParams(&v, c.p)
	if err := v.err(); err != nil {
		return nil, err
	}
	var all []policyXML
	if usage != "PermissionsBoundary" { // toolgate has no permissions boundaries
		if scope != "Local" {
			for _, name := range policy.BuiltInNames() {
				x, err := h.builtInXML(c.ctx, name, false)
				if err != nil {
					return nil, err
				}
				all = append(all, x)
			}
		}
		if scope != "AWS" {
			stored, err := h.allPolicies(c.ctx)
			if err != nil {
				return nil, err
			}
			for _, mp := range stored {
				all = append(all, storedXML(mp, false))
			}
		}
	}
	all = slices.DeleteFunc(all, func(x policyXML) bool {
		return !strings.HasPrefix(x.Path, prefix) || (onlyAttached && x.AttachmentCount == 0)
	})
	key := func(x policyXML) string { return x.PolicyName + "\x00" + x.Arn }
	slices.SortFunc(all, func(a, b policyXML) int { return strings.Compare(key(a), key(b)) })
	page, next, err := paginate(all, key, pr)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []policyXML{}
	}
	return listPoliciesResult{Policies: page, IsTruncated: next != "", Marker: next}, nil
}

func (h *Handler) deletePolicy(c *call) (any, error) {
	arn := c.p.get("PolicyArn")
	m, err := h.lookupPolicy(c.ctx, arn)
	if err != nil {
		return nil, err
	}
	if m.builtIn != "" {
		return nil, errBuiltInImmutable(arn)
	}
	versions, err := h.o.Store.ListPolicyVersions(c.ctx, arn)
	if err != nil {
		return nil, err
	}
	if len(versions) > 1 {
		return nil, errDeleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	err = h.o.Store.DeleteManagedPolicy(c.ctx, arn)
	switch {
	case isNotFound(err):
		return nil, errNoSuchPolicy(arn)
	case errors.Is(err, store.ErrConflict):
		return nil, errDeleteConflict("Cannot delete a policy attached to entities.")
	}
	return nil, err
}

type policyVersionResult struct {
	PolicyVersion policyVersionXML `xml:"PolicyVersion"`
}

func (h *Handler) createPolicyVersion(c *call) (any, error) {
	arn := c.p.get("PolicyArn")
	var v validation
	setDefault := false
	if s, ok := c.p.opt("SetAsDefault"); ok {
		b, err := strconv.ParseBool(s)
		if err != nil {
			v.add("SetAsDefault", s, "Member must be a boolean")
		}
		setDefault = b
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	m, err := h.lookupPolicy(c.ctx, arn)
	if err != nil {
		return nil, err
	}
	if m.builtIn != "" {
		return nil, errBuiltInImmutable(arn)
	}
	doc, err := parseDocument("PolicyDocument", c.p.get("PolicyDocument"))
	if err != nil {
		return nil, err
	}
	if policySize(doc) > maxManagedPolicySize {
		return nil, errLimitExceeded("Cannot exceed quota for PolicySize: %d", maxManagedPolicySize)
	}
	if setDefault {
		if err := h.guardPolicy(c.ctx, arn); err != nil {
			return nil, err
		}
	}
	pv, err := h.o.Store.CreatePolicyVersion(c.ctx, arn, doc, setDefault)
	switch {
	case isNotFound(err):
		return nil, errNoSuchPolicy(arn)
	case errors.Is(err, store.ErrConflict):
		return nil, errLimitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", store.MaxPolicyVersions)
	case err != nil:
		return nil, err
	}
	return policyVersionResult{PolicyVersion: versionXML(pv, false)}, nil
}

func versionXML(pv store.PolicyVersion, withDoc bool) policyVersionXML {
	x := policyVersionXML{VersionID: pv.VersionID, IsDefaultVersion: pv.IsDefault, CreateDate: timestamp(pv.CreatedAt)}
	if withDoc {
		x.Document = encodeDocument(pv.Document)
	}
	return x
}

// builtInVersion is the single version "v1" of a built-in template.
func builtInVersion(name string) store.PolicyVersion {
	p, _ := policy.BuiltIn(name)
	return store.PolicyVersion{PolicyARN: iam.BuiltInPolicyARN(name), VersionID: "v1", Document: string(p.Document()), IsDefault: true, CreatedAt: builtInDate}
}

// versions returns a policy's versions, newest first.
func (h *Handler) versions(ctx context.Context, m managed) ([]store.PolicyVersion, error) {
	if m.builtIn != "" {
		return []store.PolicyVersion{builtInVersion(m.builtIn)}, nil
	}
	vs, err := h.o.Store.ListPolicyVersions(ctx, m.stored.ARN)
	if isNotFound(err) {
		return nil, errNoSuchPolicy(m.stored.ARN)
	}
	return vs, err
}

func checkVersionID(v *validation, id string) {
	if id == "" {
		v.add("VersionId", nil, "Member must not be null")
	} else if !versionPattern.MatchString(id) {
		v.add("VersionId", id, `Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`)
	}
}

func (h *Handler) getPolicyVersion(c *call) (any, error) {
	arn, id := c.p.get("PolicyArn"), c.p.get("VersionId")
	var v validation
	checkVersionID(&v, id)
	if err := v.err(); err != nil {
		return nil, err
	}
	m, err := h.lookupPolicy(c.ctx, arn)
	if err != nil {
		return nil, err
	}
	var pv store.PolicyVersion
	if m.builtIn != "" {
		if pv = builtInVersion(m.builtIn); id != pv.VersionID {
			err = store.ErrNotFound
		}
	} else {
		pv, err = h.o.Store.GetPolicyVersion(c.ctx, arn, id)
	}
	if isNotFound(err) {
		return nil, errNoSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
	}
	if err != nil {
		return nil, err
	}
	return policyVersionResult{PolicyVersion: versionXML(pv, true)}, nil
}

type listVersionsResult struct {
	Versions    []policyVersionXML `xml:"Versions>member"`
	IsTruncated bool               `xml:"IsTruncated"`
	Marker      string             `xml:"Marker,omitempty"`
}

func (h *Handler) listPolicyVersions(c *call) (any, error) {
	var v validation
	pr := pageParams(&v, c.p)
	if err := v.err(); err != nil {
		return nil, err
	}
	m, err := h.lookupPolicy(c.ctx, c.p.get("PolicyArn"))
	if err != nil {
		return nil, err
	}
	vs, err := h.versions(c.ctx, m)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(vs, nil, pr)
	if err != nil {
		return nil, err
	}
	out := listVersionsResult{Versions: []policyVersionXML{}, IsTruncated: next != "", Marker: next}
	for _, pv := range page {
		out.Versions = append(out.Versions, versionXML(pv, false))
	}
	return out, nil
}

func (h *Handler) setDefaultPolicyVersion(c *call) (any, error) {
	return nil, h.changeVersion(c, func(ctx context.Context, arn, id string) error {
		if err := h.guardPolicy(ctx, arn); err != nil {
			return err
		}
		return h.o.Store.SetDefaultPolicyVersion(ctx, arn, id)
	})
}

func (h *Handler) deletePolicyVersion(c *call) (any, error) {
	return nil, h.changeVersion(c, h.o.Store.DeletePolicyVersion)
}

func (h *Handler) changeVersion(c *call, fn func(ctx context.Context, arn, id string) error) error {
	arn, id := c.p.get("PolicyArn"), c.p.get("VersionId")
	var v validation
	checkVersionID(&v, id)
	if err := v.err(); err != nil {
		return err
	}
	m, err := h.lookupPolicy(c.ctx, arn)
	if err != nil {
		return err
	}
	if m.builtIn != "" {
		return errBuiltInImmutable(arn)
	}
	err = fn(c.ctx, arn, id)
	switch {
	case isNotFound(err):
		return errNoSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
	case errors.Is(err, store.ErrConflict):
		return errDeleteConflict("Cannot delete the default version of a policy.")
	}
	return err
}

// --- attachments ---

func paramOf(kind string) string {
	if kind == store.PrincipalRole {
		return "RoleName"
	}
	return "UserName"
}

// attachmentParams validates the user or role name and the PolicyArn of an
// attach or detach, and loads the principal.
func (h *Handler) attachmentParams(c *call, kind string) (store.Principal, string, error) {
	name, arn := c.p.get(paramOf(kind)), c.p.get("PolicyArn")
	var v validation
	checkName(&v, paramOf(kind), name, 128, true)
	if arn == "" {
		v.add("PolicyArn", nil, "Member must not be null")
	}
	if err := v.err(); err != nil {
		return store.Principal{}, "", err
	}
	p, err := h.principal(c.ctx, kind, name)
	return p, arn, err
}

func attachPolicy(kind string) func(*Handler, *call) (any, error) {
	return func(h *Handler, c *call) (any, error) {
		p, arn, err := h.attachmentParams(c, kind)
		if err != nil {
			return nil, err
		}
		if _, err := h.lookupPolicy(c.ctx, arn); err != nil {
			return nil, err
		}
		attached, err := h.o.Store.ListAttachedPolicies(c.ctx, p.ID)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(attached, arn) && len(attached) >= maxAttached {
			what := "PoliciesPerUser"
			if kind == store.PrincipalRole {
				what = "PoliciesPerRole"
			}
			return nil, errLimitExceeded("Cannot exceed quota for %s: %d", what, maxAttached)
		}
		err = h.o.Store.AttachPolicy(c.ctx, p.ID, arn)
		if isNotFound(err) { // deleted meanwhile
			return nil, errNoSuchPolicy(arn)
		}
		return nil, err
	}
}

func detachPolicy(kind string) func(*Handler, *call) (any, error) {
	return func(h *Handler, c *call) (any, error) {
		p, arn, err := h.attachmentParams(c, kind)
		if err != nil {
			return nil, err
		}
		if err := h.guardPrincipal(c.ctx, p); err != nil {
			return nil, err
		}
		if err := h.o.Store.DetachPolicy(c.ctx, p.ID, arn); isNotFound(err) {
			return nil, errNoSuchEntity("Policy %s was not found.", arn)
		} else if err != nil {
			return nil, err
		}
		return nil, nil
	}
}

type listAttachedResult struct {
	AttachedPolicies []attachedPolicyXML `xml:"AttachedPolicies>member"`
	IsTruncated      bool                `xml:"IsTruncated"`
	Marker           string              `xml:"Marker,omitempty"`
}

func listAttached(kind string) func(*Handler, *call) (any, error) {
	return func(h *Handler, c *call) (any, error) {
		name, prefix := c.p.get(paramOf(kind)), c.p.get("PathPrefix")
		var v validation
		checkName(&v, paramOf(kind), name, 128, true)
		checkPathPrefix(&v, prefix)
		pr := pageParams(&v, c.p)
		if err := v.err(); err != nil {
			return nil, err
		}
		p, err := h.principal(c.ctx, kind, name)
		if err != nil {
			return nil, err
		}
		arns, err := h.o.Store.ListAttachedPolicies(c.ctx, p.ID)
		if err != nil {
			return nil, err
		}
		var all []attachedPolicyXML
		for _, arn := range arns {
			if prefix != "" && prefix != "/" {
				m, err := h.lookupPolicy(c.ctx, arn)
				if err != nil || !strings.HasPrefix(orSlash(m.stored.Path), prefix) {
					continue
				}
			}
			all = append(all, attachedPolicyXML{PolicyName: policyName(arn), PolicyArn: arn})
		}
		page, next, err := paginate(all, nil, pr)
		if err != nil {
			return nil, err
		}
		if page == nil {
			page = []attachedPolicyXML{}
		}
		return listAttachedResult{AttachedPolicies: page, IsTruncated: next != "", Marker: next}, nil
	}
}

type policyUserXML struct {
	UserName string `xml:"UserName"`
	UserID   string `xml:"UserId"`
}

type policyRoleXML struct {
	RoleName string `xml:"RoleName"`
	RoleID   string `xml:"RoleId"`
}

type listEntitiesResult struct {
	PolicyGroups []struct{}      `xml:"PolicyGroups>member"`
	PolicyUsers  []policyUserXML `xml:"PolicyUsers>member"`
	PolicyRoles  []policyRoleXML `xml:"PolicyRoles>member"`
	IsTruncated  bool            `xml:"IsTruncated"`
	Marker       string          `xml:"Marker,omitempty"`
}

func (h *Handler) listEntitiesForPolicy(c *call) (any, error) {
	arn, filter, prefix := c.p.get("PolicyArn"), c.p.get("EntityFilter"), c.p.get("PathPrefix")
	var v validation
	switch filter {
	case "", "User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy":
	default:
		v.add("EntityFilter", filter, "Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]")
	}
	checkPathPrefix(&v, prefix)
	pr := pageParams(&v, c.p)
	if err := v.err(); err != nil {
		return nil, err
	}
	if _, err := h.lookupPolicy(c.ctx, arn); err != nil {
		return nil, err
	}
	principals, err := h.o.Store.ListPolicyAttachments(c.ctx, arn)
	if err != nil {
		return nil, err
	}
	principals = slices.DeleteFunc(principals, func(p store.Principal) bool {
		switch {
		case !strings.HasPrefix(orSlash(p.Path), prefix):
			return true
		case filter == "User":
			return p.Kind != store.PrincipalUser
		case filter == "Role":
			return p.Kind != store.PrincipalRole
		case filter != "":
			return true
		}
		return p.Kind != store.PrincipalUser && p.Kind != store.PrincipalRole
	})
	page, next, err := paginate(principals, nil, pr)
	if err != nil {
		return nil, err
	}
	out := listEntitiesResult{IsTruncated: next != "", Marker: next}
	for _, p := range page {
		if p.Kind == store.PrincipalRole {
			out.PolicyRoles = append(out.PolicyRoles, policyRoleXML{RoleName: p.Name, RoleID: p.ID})
		} else {
			out.PolicyUsers = append(out.PolicyUsers, policyUserXML{UserName: p.Name, UserID: p.ID})
		}
	}
	return out, nil
}

// --- inline policies ---

func putInline(kind string) func(*Handler, *call) (any, error) {
	return func(h *Handler, c *call) (any, error) {
		name, pname := c.p.get(paramOf(kind)), c.p.get("PolicyName")
		var v validation
		checkName(&v, paramOf(kind), name, 128, true)
		checkName(&v, "PolicyName", pname, 128, true)
		if err := v.err(); err != nil {
			return nil, err
		}
		doc, err := parseDocument("PolicyDocument", c.p.get("PolicyDocument"))
		if err != nil {
			return nil, err
		}
		p, err := h.principal(c.ctx, kind, name)
		if err != nil {
			return nil, err
		}
		if err := h.guardPrincipal(c.ctx, p); err != nil {
			return nil, err
		}
		existing, err := h.o.Store.ListInlinePolicies(c.ctx, p.ID)
		if err != nil {
			return nil, err
		}
		size := policySize(doc)
		for _, ip := range existing {
			if ip.Name != pname {
				size += policySize(ip.Document)
			}
		}
		limit, what := maxUserInlineSize, "UserPolicySize"
		if kind == store.PrincipalRole {
			limit, what = maxRoleInlineSize, "RolePolicySize"
		}
		if size > limit {
			return nil, errLimitExceeded("Maximum policy size of %d bytes exceeded for %s (quota %s).", limit, kindWord(kind)+" "+name, what)
		}
		err = h.o.Store.PutInlinePolicy(c.ctx, store.InlinePolicy{PrincipalID: p.ID, Name: pname, Document: doc})
		if isNotFound(err) {
			return nil, errNoSuchEntity("The %s with name %s cannot be found.", kindWord(kind), name)
		}
		return nil, err
	}
}

type getUserPolicyResult struct {
	UserName       string `xml:"UserName"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}

type getRolePolicyResult struct {
	RoleName       string `xml:"RoleName"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}

// inline loads one inline policy of a named user or role.
func (h *Handler) inline(c *call, kind string) (store.Principal, store.InlinePolicy, error) {
	name, pname := c.p.get(paramOf(kind)), c.p.get("PolicyName")
	var v validation
	checkName(&v, paramOf(kind), name, 128, true)
	checkName(&v, "PolicyName", pname, 128, true)
	if err := v.err(); err != nil {
		return store.Principal{}, store.InlinePolicy{}, err
	}
	p, err := h.principal(c.ctx, kind, name)
	if err != nil {
		return p, store.InlinePolicy{}, err
	}
	ip, err := h.o.Store.GetInlinePolicy(c.ctx, p.ID, pname)
	if isNotFound(err) {
		return p, ip, errNoSuchEntity("The %s policy with name %s cannot be found.", kindWord(kind), pname)
	}
	return p, ip, err
}

func getInline(kind string) func(*Handler, *call) (any, error) {
	return func(h *Handler, c *call) (any, error) {
		p, ip, err := h.inline(c, kind)
		if err != nil {
			return nil, err
		}
		if kind == store.PrincipalRole {
			return getRolePolicyResult{RoleName: p.Name, PolicyName: ip.Name, PolicyDocument: encodeDocument(ip.Document)}, nil
		}
		return getUserPolicyResult{UserName: p.Name, PolicyName: ip.Name, PolicyDocument: encodeDocument(ip.Document)}, nil
	}
}

func deleteInline(kind string) func(*Handler, *call) (any, error) {
	return func(h *Handler, c *call) (any, error) {
		p, ip, err := h.inline(c, kind)
		if err != nil {
			return nil, err
		}
		if err := h.guardPrincipal(c.ctx, p); err != nil {
			return nil, err
		}
		err = h.o.Store.DeleteInlinePolicy(c.ctx, p.ID, ip.Name)
		if isNotFound(err) {
			return nil, errNoSuchEntity("The %s policy with name %s cannot be found.", kindWord(kind), ip.Name)
		}
		return nil, err
	}
}

type listInlineResult struct {
	PolicyNames []string `xml:"PolicyNames>member"`
	IsTruncated bool     `xml:"IsTruncated"`
	Marker      string   `xml:"Marker,omitempty"`
}

func listInline(kind string) func(*Handler, *call) (any, error) {
	return func(h *Handler, c *call) (any, error) {
		name := c.p.get(paramOf(kind))
		var v validation
		checkName(&v, paramOf(kind), name, 128, true)
		pr := pageParams(&v, c.p)
		if err := v.err(); err != nil {
			return nil, err
		}
		p, err := h.principal(c.ctx, kind, name)
		if err != nil {
			return nil, err
		}
		ips, err := h.o.Store.ListInlinePolicies(c.ctx, p.ID)
		if err != nil {
			return nil, err
		}
		names := make([]string, len(ips))
		for i, ip := range ips {
			names[i] = ip.Name
		}
		slices.Sort(names)
		page, next, err := paginate(names, func(s string) string { return s }, pr)
		if err != nil {
			return nil, err
		}
		if page == nil {
			page = []string{}
		}
		return listInlineResult{PolicyNames: page, IsTruncated: next != "", Marker: next}, nil
	}
}

// onPolicy: actions on the policy PolicyArn names, with its tags.
func onPolicy(h *Handler, c *call) target {
	arn := c.p.get("PolicyArn")
	if arn == "" {
		return target{arn: "*"}
	}
	t := target{arn: arn}
	if mp, err := h.o.Store.GetManagedPolicy(c.ctx, arn); err == nil {
		t.resourceTags = mp.Tags
	}
	return t
}

// onNewPolicy: CreatePolicy, on the ARN the policy will have.
func onNewPolicy(h *Handler, c *call) target {
	return target{arn: h.arn("policy", c.p.get("Path"), c.p.get("PolicyName")), requestTags: tagMap(c.p.tags("Tags"))}
}
