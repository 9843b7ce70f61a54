package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// IAM-style management permissions (store.IAMStore). A backend passed to Run
// must implement that interface too; the promises are those of the rest of
// the suite, plus:
//
//   - Principal names are unique per kind (a user and a role may share one),
//     ARNs across all principals; an empty Path is stored as "/"; empty Tags
//     come back nil; UpdatedAt equals CreatedAt on create.
//   - TouchAccessKey leaves LastUsedAt within a minute of, and not after,
//     the latest time it was given, never moves it backwards, and moves
//     neither Revision nor Changes.
//   - A managed policy starts with its document as default version "v1";
//     version ids are "v<n>", n one more than the highest ever used; any
//     change of versions raises the policy's Version and UpdatedAt.
//   - AttachPolicy of a built-in ARN (arn:aws:iam::aws:policy/...) is not
//     checked; any other ARN must name a stored policy (ErrNotFound).
//     Attaching twice keeps the first position.
//   - ListPolicyAttachments lists principals oldest first; an ARN attached
//     to nobody has an empty list.
//   - SetDefaultPolicyVersion of the current default changes nothing.
//   - EffectivePolicies of a missing principal is ErrNotFound.
//   - DeletePrincipal leaves nothing behind: a principal created later under
//     the same id has no keys, attachments or inline policies.

// iamTests are registered in Run.
func iamTests() []suiteTest {
	return []suiteTest{
		{"IAM/Principals", withIAM(testIAMPrincipals)},
		{"IAM/PrincipalNamesPerKind", withIAM(testPrincipalNamesPerKind)},
		{"IAM/UpdatePrincipal", withIAM(testUpdatePrincipal)},
		{"IAM/AccessKeyStatus", withIAM(testAccessKeyStatus)},
		{"IAM/TouchAccessKey", withIAM(testTouchAccessKey)},
		{"IAM/ManagedPolicy", withIAM(testManagedPolicyCRUD)},
		{"IAM/PolicyVersions", withIAM(testPolicyVersions)},
		{"IAM/Attachments", withIAM(testAttachments)},
		{"IAM/InlinePolicies", withIAM(testInlinePolicies)},
		{"IAM/EffectivePolicies", withIAM(testEffectivePolicies)},
		{"IAM/DeletePrincipalCascades", withIAM(testDeletePrincipalCascades)},
		{"IAM/NotFound", withIAM(testIAMNotFound)},
		{"IAM/Conflicts", withIAM(testIAMConflicts)},
		{"IAM/InvalidInput", withIAM(testIAMInvalidInput)},
		{"IAM/Revision", withIAM(testIAMRevision)},
		{"IAM/ConcurrentAttach", withIAM(testConcurrentAttach)},
		{"IAM/AttachRacesDeletePolicy", withIAM(testAttachRacesDeletePolicy)},
	}
}

// withIAM hands a test the store as a store.IAMStore too, and fails a
// backend that does not implement it.
func withIAM(fn func(t *testing.T, s store.Store, is store.IAMStore)) func(*testing.T, store.Store) {
	return func(t *testing.T, s store.Store) {
		is, ok := s.(store.IAMStore)
		if !ok {
			t.Fatalf("%T does not implement store.IAMStore", s)
		}
		fn(t, s, is)
	}
}

const (
	accountARN = "arn:aws:iam::123456789012:"
	// Built-in policies are attached by ARN only: the store holds none.
	builtInPrefix = "arn:aws:iam::aws:policy/"
	builtInARN    = builtInPrefix + "AgentCoreReadOnlyAccess"
	builtInARN2   = builtInPrefix + "AgentCoreFullAccess"
	trustPolicy   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"bedrock-agentcore.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
)

func newRole(n int) store.Principal {
	name := fmt.Sprintf("role-%03d", n)
	return store.Principal{
		ID:               fmt.Sprintf("AROA%016d", n),
		Name:             name,
		ARN:              accountARN + "role/" + name,
		Kind:             store.PrincipalRole,
		AssumeRolePolicy: trustPolicy,
	}
}

func newManagedPolicy(n int) store.ManagedPolicy {
	name := fmt.Sprintf("policy-%03d", n)
	return store.ManagedPolicy{
		ID:          fmt.Sprintf("ANPA%016d", n),
		Name:        name,
		ARN:         accountARN + "policy/" + name,
		Description: fmt.Sprintf("policy number %d", n),
		Tags:        map[string]string{"n": fmt.Sprint(n)},
	}
}

// policyDoc is a distinct, valid policy document per action.
func policyDoc(action string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"*"}]}`
}

func createPolicy(t testing.TB, is store.IAMStore, n int) store.ManagedPolicy {
	t.Helper()
	return must(is.CreateManagedPolicy(t.Context(), newManagedPolicy(n), policyDoc(fmt.Sprintf("bedrock-agentcore:Get%d", n))))(t)
}

// iamWorld is everything the IAMStore can list, plus the revision.
type iamWorld struct {
	Revision   int64
	Principals []store.Principal
	Keys       map[string][]store.AccessKey
	Attached   map[string][]string
	Inline     map[string][]store.InlinePolicy
	Policies   []store.ManagedPolicy
	Versions   map[string][]store.PolicyVersion
}

func iamSnapshot(t testing.TB, s store.Store, is store.IAMStore) iamWorld {
	t.Helper()
	ctx := t.Context()
	w := iamWorld{
		Revision:   revision(t, s),
		Principals: listAll(t, func(p store.Page) ([]store.Principal, string, error) { return s.ListPrincipals(ctx, p) }),
		Keys:       map[string][]store.AccessKey{},
		Attached:   map[string][]string{},
		Inline:     map[string][]store.InlinePolicy{},
		Policies:   listAll(t, func(p store.Page) ([]store.ManagedPolicy, string, error) { return is.ListManagedPolicies(ctx, p) }),
		Versions:   map[string][]store.PolicyVersion{},
	}
	for _, p := range w.Principals {
		w.Keys[p.ID] = must(s.ListAccessKeys(ctx, p.ID))(t)
		w.Attached[p.ID] = must(is.ListAttachedPolicies(ctx, p.ID))(t)
		w.Inline[p.ID] = must(is.ListInlinePolicies(ctx, p.ID))(t)
	}
	for _, p := range w.Policies {
		w.Versions[p.ARN] = must(is.ListPolicyVersions(ctx, p.ARN))(t)
	}
	return w
}

// testIAMPrincipals: every principal field round-trips through create, get,
// get by name and the lists, and the lists by kind hold only their kind.
func testIAMPrincipals(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	withPath := newPrincipal(2)
	withPath.Path, withPath.ARN = "/engineering/sre/", accountARN+"user/engineering/sre/"+withPath.Name
	withPath.Description, withPath.Tags = "on call", map[string]string{"team": "sre", "cost-center": "42"}
	disabled := newPrincipal(3)
	disabled.Disabled = true
	emptyTags := newPrincipal(4)
	emptyTags.Tags = map[string]string{}
	root := newPrincipal(5)
	root.ID, root.Name, root.ARN, root.Kind = "AIDAROOT000000000000", "root", accountARN+"root", store.PrincipalRoot
	role := newRole(1)
	role.CreatedAt, role.UpdatedAt = base, base.Add(time.Hour) // an import keeps both

	tests := []struct {
		name string
		in   store.Principal
		want func(store.Principal) store.Principal // what reads back, given the input
	}{
		{"user with defaults", newPrincipal(1), func(p store.Principal) store.Principal { p.Path = "/"; return p }},
		{"user with path, description and tags", withPath, nil},
		{"disabled user", disabled, func(p store.Principal) store.Principal { p.Path = "/"; return p }},
		{"empty tags read back nil", emptyTags, func(p store.Principal) store.Principal { p.Path, p.Tags = "/", nil; return p }},
		{"root", root, func(p store.Principal) store.Principal { p.Path = "/"; return p }},
		{"role with trust policy and given times", role, func(p store.Principal) store.Principal { p.Path = "/"; return p }},
	}
	var all []store.Principal
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			created := must(s.CreatePrincipal(ctx, tc.in))(t)
			want := tc.in
			if tc.want != nil {
				want = tc.want(want)
			}
			want.Version = 1
			if want.CreatedAt.IsZero() {
				want.CreatedAt, want.UpdatedAt = created.CreatedAt, created.CreatedAt
			}
			if created.CreatedAt.IsZero() {
				t.Errorf("created principal has no CreatedAt")
			}
			same(t, "created principal", want, created)
			same(t, "GetPrincipal", created, must(s.GetPrincipal(ctx, tc.in.ID))(t))
			same(t, "GetPrincipalByName", created, must(is.GetPrincipalByName(ctx, tc.in.Kind, tc.in.Name))(t))
			all = append(all, created)
		})
	}
	if t.Failed() {
		return
	}
	byCreation := func(ps []store.Principal) []store.Principal {
		out := slices.Clone(ps)
		slices.SortFunc(out, func(a, b store.Principal) int {
			return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
		})
		return out
	}
	same(t, "ListPrincipals", byCreation(all), listAll(t, func(p store.Page) ([]store.Principal, string, error) {
		return s.ListPrincipals(ctx, p)
	}))
	for _, kind := range []string{store.PrincipalUser, store.PrincipalRole, store.PrincipalRoot} {
		var want []store.Principal
		for _, p := range byCreation(all) {
			if p.Kind == kind {
				want = append(want, p)
			}
		}
		got := listAll(t, func(p store.Page) ([]store.Principal, string, error) { return is.ListPrincipalsByKind(ctx, kind, p) })
		same(t, "ListPrincipalsByKind("+kind+")", want, got)
	}
	_, err := is.GetPrincipalByName(ctx, store.PrincipalRole, newPrincipal(1).Name)
	wantNotFound(t, "GetPrincipalByName of a user's name as a role", err)
}

// testPrincipalNamesPerKind: users and roles are separate namespaces.
func testPrincipalNamesPerKind(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	user := newPrincipal(1)
	user.Name, user.ARN = "deployer", accountARN+"user/deployer"
	role := newRole(1)
	role.Name, role.ARN = "deployer", accountARN+"role/deployer"
	user = must(s.CreatePrincipal(ctx, user))(t)
	role = must(s.CreatePrincipal(ctx, role))(t)
	same(t, "user deployer", user, must(is.GetPrincipalByName(ctx, store.PrincipalUser, "deployer"))(t))
	same(t, "role deployer", role, must(is.GetPrincipalByName(ctx, store.PrincipalRole, "deployer"))(t))

	again := newPrincipal(2)
	again.Name = "deployer"
	_, err := s.CreatePrincipal(ctx, again)
	wantConflict(t, "second user deployer", err, "name")

	// Deleting the user frees its name for users, and leaves the role alone.
	check(t, s.DeletePrincipal(ctx, user.ID))
	again = must(s.CreatePrincipal(ctx, again))(t)
	same(t, "new user deployer", again, must(is.GetPrincipalByName(ctx, store.PrincipalUser, "deployer"))(t))
	same(t, "role deployer after the user's delete", role, must(is.GetPrincipalByName(ctx, store.PrincipalRole, "deployer"))(t))
}

// testUpdatePrincipal: each editable field changes through UpdatePrincipal;
// identity and bookkeeping fields are the store's whatever fn returns.
func testUpdatePrincipal(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	cur := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	tests := []struct {
		name string
		edit func(*store.Principal)
	}{
		{"rename", func(p *store.Principal) { p.Name, p.ARN = "renamed", accountARN+"user/renamed" }},
		{"move path", func(p *store.Principal) { p.Path, p.ARN = "/ops/", accountARN+"user/ops/renamed" }},
		{"description", func(p *store.Principal) { p.Description = "deploys things" }},
		{"disable", func(p *store.Principal) { p.Disabled = true }},
		{"enable", func(p *store.Principal) { p.Disabled = false }},
		{"set tags", func(p *store.Principal) { p.Tags = map[string]string{"team": "platform"} }},
		{"replace tags", func(p *store.Principal) { p.Tags = map[string]string{"team": "sre", "tier": "1"} }},
		{"clear tags", func(p *store.Principal) { p.Tags = map[string]string{} }},
		{"unset path reads back /", func(p *store.Principal) { p.Path, p.ARN = "", accountARN+"user/renamed" }},
		{"identity fields are ignored", func(p *store.Principal) {
			p.ID, p.Kind, p.Version = "AIDAOTHER", store.PrincipalRole, 99
			p.CreatedAt, p.UpdatedAt = base, base
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prev := cur
			got := must(is.UpdatePrincipal(ctx, prev.ID, func(p store.Principal) (store.Principal, error) {
				same(t, "value passed to the update function", prev, p)
				tc.edit(&p)
				return p, nil
			}))(t)
			want := prev
			tc.edit(&want)
			want.ID, want.Kind, want.CreatedAt, want.Version, want.UpdatedAt = prev.ID, prev.Kind, prev.CreatedAt, prev.Version+1, got.UpdatedAt
			if want.Path == "" {
				want.Path = "/"
			}
			if len(want.Tags) == 0 {
				want.Tags = nil
			}
			same(t, "updated principal", want, got)
			if !got.UpdatedAt.After(prev.UpdatedAt) {
				t.Errorf("UpdatedAt %v -> %v, want it to move forward", prev.UpdatedAt, got.UpdatedAt)
			}
			same(t, "GetPrincipal after update", got, must(s.GetPrincipal(ctx, prev.ID))(t))
			same(t, "GetPrincipalByName after update", got, must(is.GetPrincipalByName(ctx, got.Kind, got.Name))(t))
			cur = got
		})
	}
	if _, err := is.GetPrincipalByName(ctx, store.PrincipalUser, newPrincipal(1).Name); err == nil {
		t.Errorf("the old name still finds the renamed principal")
	}
}

// testAccessKeyStatus: UpdateAccessKeyStatus flips Active and Inactive and
// is a configuration change.
func testAccessKeyStatus(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	p := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	k := must(s.CreateAccessKey(ctx, newAccessKey(p.ID, 1)))(t)
	other := must(s.CreateAccessKey(ctx, newAccessKey(p.ID, 2)))(t)
	if !k.LastUsedAt.IsZero() {
		t.Errorf("new key LastUsedAt = %v, want zero (never used)", k.LastUsedAt)
	}
	steps := []struct {
		status  string
		changes bool
	}{{"Inactive", true}, {"Inactive", false}, {"Active", true}}
	for _, st := range steps {
		before := revision(t, s)
		drain(s.Changes())
		got := must(is.UpdateAccessKeyStatus(ctx, k.ID, st.status))(t)
		want := k
		want.Status = st.status
		same(t, "UpdateAccessKeyStatus("+st.status+")", want, got)
		same(t, "GetAccessKey after status "+st.status, want, must(s.GetAccessKey(ctx, k.ID))(t))
		if !st.changes {
			continue // setting the same status again may or may not count as a write
		}
		if r := revision(t, s); r <= before {
			t.Errorf("UpdateAccessKeyStatus(%s): Revision %d -> %d, want an increase", st.status, before, r)
		}
		wantSignal(t, s.Changes(), "UpdateAccessKeyStatus("+st.status+")")
	}
	same(t, "the other key", other, must(s.GetAccessKey(ctx, other.ID))(t))
}

// testTouchAccessKey: LastUsedAt follows use at least to the minute, never
// goes backwards, and touching is not a configuration change.
func testTouchAccessKey(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	p := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	k := must(s.CreateAccessKey(ctx, newAccessKey(p.ID, 1)))(t)
	other := must(s.CreateAccessKey(ctx, newAccessKey(p.ID, 2)))(t)
	t0 := base.Add(123456789 * time.Nanosecond)
	latest := time.Time{}
	steps := []struct {
		name string
		at   time.Time
	}{
		{"first use", t0},
		{"again within the minute", t0.Add(30 * time.Second)},
		{"two minutes later", t0.Add(2 * time.Minute)},
		{"a late, older report", t0.Add(time.Minute)},
		{"an hour later", t0.Add(time.Hour)},
	}
	rev := revision(t, s)
	drain(s.Changes())
	var last time.Time
	for _, st := range steps {
		check(t, is.TouchAccessKey(ctx, k.ID, st.at))
		if st.at.After(latest) {
			latest = st.at
		}
		got := must(s.GetAccessKey(ctx, k.ID))(t)
		if got.LastUsedAt.After(latest) || latest.Sub(got.LastUsedAt) >= time.Minute {
			t.Errorf("%s: LastUsedAt = %v, want within a minute before %v", st.name, got.LastUsedAt, latest)
		}
		if got.LastUsedAt.Before(last) {
			t.Errorf("%s: LastUsedAt moved back from %v to %v", st.name, last, got.LastUsedAt)
		}
		last = got.LastUsedAt
		want := k
		want.LastUsedAt = got.LastUsedAt
		same(t, st.name+": the rest of the key", want, got)
	}
	if r := revision(t, s); r != rev {
		t.Errorf("TouchAccessKey moved Revision %d -> %d", rev, r)
	}
	wantNoSignal(t, s.Changes(), "TouchAccessKey")
	same(t, "untouched key", other, must(s.GetAccessKey(ctx, other.ID))(t))
	same(t, "ListAccessKeys shows LastUsedAt", last, must(s.ListAccessKeys(ctx, p.ID))(t)[0].LastUsedAt)
}

// testManagedPolicyCRUD: create, get, list, attachment count, delete only
// when detached, and a deleted policy's name and versions are free again.
func testManagedPolicyCRUD(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	in := newManagedPolicy(1)
	doc := policyDoc("bedrock-agentcore:GetGateway")
	created := must(is.CreateManagedPolicy(ctx, in, doc))(t)
	if created.CreatedAt.IsZero() || !created.UpdatedAt.Equal(created.CreatedAt) {
		t.Errorf("created policy times: CreatedAt %v UpdatedAt %v", created.CreatedAt, created.UpdatedAt)
	}
	want := in
	want.Path, want.DefaultVersionID, want.Version = "/", "v1", 1
	want.CreatedAt, want.UpdatedAt = created.CreatedAt, created.CreatedAt
	same(t, "created policy", want, created)
	same(t, "GetManagedPolicy", created, must(is.GetManagedPolicy(ctx, in.ARN))(t))
	v1 := store.PolicyVersion{PolicyARN: in.ARN, VersionID: "v1", Document: doc, IsDefault: true, CreatedAt: created.CreatedAt}
	same(t, "GetPolicyVersion(v1)", v1, must(is.GetPolicyVersion(ctx, in.ARN, "v1"))(t))
	same(t, "ListPolicyVersions", []store.PolicyVersion{v1}, must(is.ListPolicyVersions(ctx, in.ARN))(t))

	other := newManagedPolicy(2)
	other.Path, other.ARN, other.Tags = "/team/", accountARN+"policy/team/"+other.Name, nil
	other = must(is.CreateManagedPolicy(ctx, other, policyDoc("bedrock-agentcore:ListGateways")))(t)
	if other.Path != "/team/" || other.Tags != nil {
		t.Errorf("second policy Path %q Tags %v", other.Path, other.Tags)
	}
	same(t, "ListManagedPolicies", []store.ManagedPolicy{created, other},
		listAll(t, func(p store.Page) ([]store.ManagedPolicy, string, error) { return is.ListManagedPolicies(ctx, p) }))

	alice := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	ops := must(s.CreatePrincipal(ctx, newRole(1)))(t)
	check(t, is.AttachPolicy(ctx, alice.ID, in.ARN))
	check(t, is.AttachPolicy(ctx, ops.ID, in.ARN))
	attached := created
	attached.AttachmentCount = 2
	same(t, "GetManagedPolicy when attached twice", attached, must(is.GetManagedPolicy(ctx, in.ARN))(t))
	same(t, "ListManagedPolicies when attached", []store.ManagedPolicy{attached, other},
		listAll(t, func(p store.Page) ([]store.ManagedPolicy, string, error) { return is.ListManagedPolicies(ctx, p) }))

	wantConflict(t, "DeleteManagedPolicy while attached", is.DeleteManagedPolicy(ctx, in.ARN), "attachments")
	check(t, is.DetachPolicy(ctx, alice.ID, in.ARN))
	wantConflict(t, "DeleteManagedPolicy while still attached once", is.DeleteManagedPolicy(ctx, in.ARN), "attachments")
	check(t, is.DetachPolicy(ctx, ops.ID, in.ARN))
	check(t, is.DeleteManagedPolicy(ctx, in.ARN))

	_, err := is.GetManagedPolicy(ctx, in.ARN)
	wantNotFound(t, "GetManagedPolicy after delete", err)
	_, err = is.GetPolicyVersion(ctx, in.ARN, "v1")
	wantNotFound(t, "GetPolicyVersion after delete", err)
	_, err = is.ListPolicyVersions(ctx, in.ARN)
	wantNotFound(t, "ListPolicyVersions after delete", err)
	same(t, "ListManagedPolicies after delete", []store.ManagedPolicy{other},
		listAll(t, func(p store.Page) ([]store.ManagedPolicy, string, error) { return is.ListManagedPolicies(ctx, p) }))
	wantNotFound(t, "second DeleteManagedPolicy", is.DeleteManagedPolicy(ctx, in.ARN))

	// The same name and ARN make a new policy that starts over at v1.
	again := must(is.CreateManagedPolicy(ctx, in, policyDoc("bedrock-agentcore:Other")))(t)
	same(t, "recreated policy's versions", []string{"v1"}, versionIDs(must(is.ListPolicyVersions(ctx, again.ARN))(t)))
}

func versionIDs(vs []store.PolicyVersion) []string {
	ids := []string{}
	for _, v := range vs {
		ids = append(ids, v.VersionID)
	}
	return ids
}

// testPolicyVersions walks a policy through version changes; each step
// states the versions (newest first) and the default it leaves.
func testPolicyVersions(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	p := createPolicy(t, is, 1)
	arn := p.ARN
	create := func(action string, def bool) func(context.Context) error {
		return func(ctx context.Context) error {
			v, err := is.CreatePolicyVersion(ctx, arn, policyDoc(action), def)
			if err == nil && (v.PolicyARN != arn || v.Document != policyDoc(action) || v.IsDefault != def || v.CreatedAt.IsZero()) {
				return fmt.Errorf("CreatePolicyVersion returned %+v", v)
			}
			return err
		}
	}
	setDefault := func(id string) func(context.Context) error {
		return func(ctx context.Context) error { return is.SetDefaultPolicyVersion(ctx, arn, id) }
	}
	del := func(id string) func(context.Context) error {
		return func(ctx context.Context) error { return is.DeletePolicyVersion(ctx, arn, id) }
	}
	const ok, notFound = "", "notFound"
	steps := []struct {
		name        string
		op          func(context.Context) error
		err         string // ok, notFound or the ConflictError field
		wantIDs     []string
		wantDefault string
	}{
		{"add v2", create("a:V2", false), ok, []string{"v2", "v1"}, "v1"},
		{"add v3 as default", create("a:V3", true), ok, []string{"v3", "v2", "v1"}, "v3"},
		{"add v4", create("a:V4", false), ok, []string{"v4", "v3", "v2", "v1"}, "v3"},
		{"add v5", create("a:V5", false), ok, []string{"v5", "v4", "v3", "v2", "v1"}, "v3"},
		{"a sixth version is refused", create("a:V6", true), "versions", []string{"v5", "v4", "v3", "v2", "v1"}, "v3"},
		{"the default cannot be deleted", del("v3"), "defaultVersion", []string{"v5", "v4", "v3", "v2", "v1"}, "v3"},
		{"delete the newest", del("v5"), ok, []string{"v4", "v3", "v2", "v1"}, "v3"},
		{"the next id is never reused", create("a:V6", false), ok, []string{"v6", "v4", "v3", "v2", "v1"}, "v3"},
		{"delete v1", del("v1"), ok, []string{"v6", "v4", "v3", "v2"}, "v3"},
		{"delete a deleted version", del("v1"), notFound, []string{"v6", "v4", "v3", "v2"}, "v3"},
		{"set an old default", setDefault("v2"), ok, []string{"v6", "v4", "v3", "v2"}, "v2"},
		{"set the default again", setDefault("v2"), ok, []string{"v6", "v4", "v3", "v2"}, "v2"},
		{"set a deleted default", setDefault("v5"), notFound, []string{"v6", "v4", "v3", "v2"}, "v2"},
		{"set a never-made default", setDefault("v9"), notFound, []string{"v6", "v4", "v3", "v2"}, "v2"},
		{"the former default can go", del("v3"), ok, []string{"v6", "v4", "v2"}, "v2"},
		{"add v7 as default", create("a:V7", true), ok, []string{"v7", "v6", "v4", "v2"}, "v7"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			before := must(is.GetManagedPolicy(ctx, arn))(t)
			err := st.op(ctx)
			switch st.err {
			case ok:
				check(t, err)
			case notFound:
				wantNotFound(t, st.name, err)
			default:
				wantConflict(t, st.name, err, st.err)
			}
			vs := must(is.ListPolicyVersions(ctx, arn))(t)
			same(t, "versions, newest first", st.wantIDs, versionIDs(vs))
			after := must(is.GetManagedPolicy(ctx, arn))(t)
			if after.DefaultVersionID != st.wantDefault {
				t.Errorf("DefaultVersionID = %q, want %q", after.DefaultVersionID, st.wantDefault)
			}
			for _, v := range vs {
				if v.IsDefault != (v.VersionID == st.wantDefault) {
					t.Errorf("version %s IsDefault = %v with default %s", v.VersionID, v.IsDefault, st.wantDefault)
				}
				same(t, "GetPolicyVersion("+v.VersionID+")", v, must(is.GetPolicyVersion(ctx, arn, v.VersionID))(t))
			}
			changed := st.err == ok && st.name != "set the default again"
			if changed && (after.Version <= before.Version || !after.UpdatedAt.After(before.UpdatedAt)) {
				t.Errorf("policy Version %d -> %d, UpdatedAt %v -> %v: want both to move", before.Version, after.Version, before.UpdatedAt, after.UpdatedAt)
			}
			if !changed && after.Version != before.Version {
				t.Errorf("policy Version %d -> %d after a step that changed nothing", before.Version, after.Version)
			}
		})
	}
	for _, id := range []string{"v1", "v5", "v0", "v02", "V2", "2", "", "v-1", "v2x"} {
		_, err := is.GetPolicyVersion(ctx, arn, id)
		wantNotFound(t, fmt.Sprintf("GetPolicyVersion(%q)", id), err)
	}
}

// testAttachments: order, idempotence, detach, and the reverse lookup.
func testAttachments(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	alice := newPrincipal(1)
	alice.CreatedAt = base.Add(2 * time.Second)
	alice = must(s.CreatePrincipal(ctx, alice))(t)
	ops := newRole(1)
	ops.CreatedAt = base.Add(time.Second) // older than alice: listed first
	ops = must(s.CreatePrincipal(ctx, ops))(t)
	p1, p2 := createPolicy(t, is, 1), createPolicy(t, is, 2)

	steps := []struct {
		name string
		op   func() error
		want []string // alice's attachments afterwards, in order
	}{
		{"attach a stored policy", func() error { return is.AttachPolicy(ctx, alice.ID, p2.ARN) }, []string{p2.ARN}},
		{"attach a built-in", func() error { return is.AttachPolicy(ctx, alice.ID, builtInARN) }, []string{p2.ARN, builtInARN}},
		{"attach another stored policy", func() error { return is.AttachPolicy(ctx, alice.ID, p1.ARN) }, []string{p2.ARN, builtInARN, p1.ARN}},
		{"attach again keeps the position", func() error { return is.AttachPolicy(ctx, alice.ID, p2.ARN) }, []string{p2.ARN, builtInARN, p1.ARN}},
		{"detach the middle one", func() error { return is.DetachPolicy(ctx, alice.ID, builtInARN) }, []string{p2.ARN, p1.ARN}},
		{"reattach goes last", func() error { return is.AttachPolicy(ctx, alice.ID, builtInARN) }, []string{p2.ARN, p1.ARN, builtInARN}},
		{"detach the first", func() error { return is.DetachPolicy(ctx, alice.ID, p2.ARN) }, []string{p1.ARN, builtInARN}},
		{"attach to someone else", func() error { return is.AttachPolicy(ctx, ops.ID, p1.ARN) }, []string{p1.ARN, builtInARN}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			check(t, st.op())
			same(t, "ListAttachedPolicies(alice)", st.want, must(is.ListAttachedPolicies(ctx, alice.ID))(t))
		})
	}
	wantNotFound(t, "detach a policy that is not attached", is.DetachPolicy(ctx, alice.ID, p2.ARN))
	wantNotFound(t, "detach a built-in that is not attached", is.DetachPolicy(ctx, ops.ID, builtInARN))
	wantNotFound(t, "attach a customer ARN that is not stored", is.AttachPolicy(ctx, alice.ID, accountARN+"policy/nonexistent"))
	same(t, "ListAttachedPolicies(ops)", []string{p1.ARN}, must(is.ListAttachedPolicies(ctx, ops.ID))(t))

	same(t, "ListPolicyAttachments(p1)", []store.Principal{ops, alice}, must(is.ListPolicyAttachments(ctx, p1.ARN))(t))
	same(t, "ListPolicyAttachments(built-in)", []store.Principal{alice}, must(is.ListPolicyAttachments(ctx, builtInARN))(t))
	if got := must(is.ListPolicyAttachments(ctx, p2.ARN))(t); len(got) != 0 {
		t.Errorf("ListPolicyAttachments(p2) = %v, want none", got)
	}
	if got := must(is.ListPolicyAttachments(ctx, builtInARN2))(t); len(got) != 0 {
		t.Errorf("ListPolicyAttachments(unattached built-in) = %v, want none", got)
	}
	if got := must(is.ListAttachedPolicies(ctx, must(s.CreatePrincipal(ctx, newPrincipal(3)))(t).ID))(t); len(got) != 0 {
		t.Errorf("ListAttachedPolicies of a new principal = %v, want none", got)
	}
}

// testInlinePolicies: put creates or replaces; lists run by name and are
// per principal.
func testInlinePolicies(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	alice := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	bob := must(s.CreatePrincipal(ctx, newPrincipal(2)))(t)
	ip := func(p store.Principal, name, action string) store.InlinePolicy {
		return store.InlinePolicy{PrincipalID: p.ID, Name: name, Document: policyDoc(action)}
	}
	steps := []struct {
		name     string
		op       func() error
		wantA    []store.InlinePolicy
		wantBobs []store.InlinePolicy
	}{
		{"put zeta", func() error { return is.PutInlinePolicy(ctx, ip(alice, "zeta", "a:Z")) },
			[]store.InlinePolicy{ip(alice, "zeta", "a:Z")}, nil},
		{"put alpha sorts first", func() error { return is.PutInlinePolicy(ctx, ip(alice, "alpha", "a:A")) },
			[]store.InlinePolicy{ip(alice, "alpha", "a:A"), ip(alice, "zeta", "a:Z")}, nil},
		{"same name on bob", func() error { return is.PutInlinePolicy(ctx, ip(bob, "alpha", "b:A")) },
			[]store.InlinePolicy{ip(alice, "alpha", "a:A"), ip(alice, "zeta", "a:Z")}, []store.InlinePolicy{ip(bob, "alpha", "b:A")}},
		{"replace alpha", func() error { return is.PutInlinePolicy(ctx, ip(alice, "alpha", "a:A2")) },
			[]store.InlinePolicy{ip(alice, "alpha", "a:A2"), ip(alice, "zeta", "a:Z")}, []store.InlinePolicy{ip(bob, "alpha", "b:A")}},
		{"delete zeta", func() error { return is.DeleteInlinePolicy(ctx, alice.ID, "zeta") },
			[]store.InlinePolicy{ip(alice, "alpha", "a:A2")}, []store.InlinePolicy{ip(bob, "alpha", "b:A")}},
		{"delete bob's alpha", func() error { return is.DeleteInlinePolicy(ctx, bob.ID, "alpha") },
			[]store.InlinePolicy{ip(alice, "alpha", "a:A2")}, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			check(t, st.op())
			same(t, "ListInlinePolicies(alice)", st.wantA, must(is.ListInlinePolicies(ctx, alice.ID))(t))
			same(t, "ListInlinePolicies(bob)", st.wantBobs, must(is.ListInlinePolicies(ctx, bob.ID))(t))
			for _, p := range st.wantA {
				same(t, "GetInlinePolicy("+p.Name+")", p, must(is.GetInlinePolicy(ctx, alice.ID, p.Name))(t))
			}
		})
	}
	_, err := is.GetInlinePolicy(ctx, alice.ID, "zeta")
	wantNotFound(t, "GetInlinePolicy of a deleted policy", err)
	wantNotFound(t, "DeleteInlinePolicy of a deleted policy", is.DeleteInlinePolicy(ctx, alice.ID, "zeta"))
}

// testEffectivePolicies: attached policies in attachment order with their
// default version's document (empty for built-ins), then inline policies by
// name; nothing of another principal's.
func testEffectivePolicies(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	alice := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	bob := must(s.CreatePrincipal(ctx, newPrincipal(2)))(t)
	p1, p2 := createPolicy(t, is, 1), createPolicy(t, is, 2)
	p1v1 := must(is.GetPolicyVersion(ctx, p1.ARN, "v1"))(t).Document
	p2v1 := must(is.GetPolicyVersion(ctx, p2.ARN, "v1"))(t).Document
	p2v2 := must(is.CreatePolicyVersion(ctx, p2.ARN, policyDoc("a:P2V2"), true))(t).Document
	for _, arn := range []string{p2.ARN, builtInARN, p1.ARN} {
		check(t, is.AttachPolicy(ctx, alice.ID, arn))
	}
	check(t, is.PutInlinePolicy(ctx, store.InlinePolicy{PrincipalID: alice.ID, Name: "zeta", Document: policyDoc("a:Z")}))
	check(t, is.PutInlinePolicy(ctx, store.InlinePolicy{PrincipalID: alice.ID, Name: "alpha", Document: policyDoc("a:A")}))
	// bob's own policies must not show up in alice's.
	check(t, is.AttachPolicy(ctx, bob.ID, builtInARN2))
	check(t, is.PutInlinePolicy(ctx, store.InlinePolicy{PrincipalID: bob.ID, Name: "bobs", Document: policyDoc("b:B")}))

	tests := []struct {
		name  string
		setup func()
		want  []store.EffectivePolicy
	}{
		{"default versions, built-in empty, inline last by name", func() {}, []store.EffectivePolicy{
			{Source: p2.ARN, Document: p2v2},
			{Source: builtInARN},
			{Source: p1.ARN, Document: p1v1},
			{Source: "inline:alpha", Document: policyDoc("a:A")},
			{Source: "inline:zeta", Document: policyDoc("a:Z")},
		}},
		{"a new default takes effect", func() { check(t, is.SetDefaultPolicyVersion(ctx, p2.ARN, "v1")) }, []store.EffectivePolicy{
			{Source: p2.ARN, Document: p2v1},
			{Source: builtInARN},
			{Source: p1.ARN, Document: p1v1},
			{Source: "inline:alpha", Document: policyDoc("a:A")},
			{Source: "inline:zeta", Document: policyDoc("a:Z")},
		}},
		{"detached and deleted policies are gone", func() {
			check(t, is.DetachPolicy(ctx, alice.ID, p2.ARN))
			check(t, is.DeleteInlinePolicy(ctx, alice.ID, "zeta"))
		}, []store.EffectivePolicy{
			{Source: builtInARN},
			{Source: p1.ARN, Document: p1v1},
			{Source: "inline:alpha", Document: policyDoc("a:A")},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup()
			same(t, "EffectivePolicies(alice)", tc.want, must(is.EffectivePolicies(ctx, alice.ID))(t))
		})
	}
	same(t, "EffectivePolicies(bob)", []store.EffectivePolicy{
		{Source: builtInARN2},
		{Source: "inline:bobs", Document: policyDoc("b:B")},
	}, must(is.EffectivePolicies(ctx, bob.ID))(t))
	carol := must(s.CreatePrincipal(ctx, newPrincipal(3)))(t)
	if got := must(is.EffectivePolicies(ctx, carol.ID))(t); len(got) != 0 {
		t.Errorf("EffectivePolicies of a principal without policies = %v, want none", got)
	}
	_, err := is.EffectivePolicies(ctx, "AIDAMISSING")
	wantNotFound(t, "EffectivePolicies of a missing principal", err)
}

// testDeletePrincipalCascades: a principal's keys, attachments and inline
// policies go with it, and a principal later created under its id inherits
// none of them.
func testDeletePrincipalCascades(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	alice := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	bob := must(s.CreatePrincipal(ctx, newPrincipal(2)))(t)
	p1 := createPolicy(t, is, 1)
	key := must(s.CreateAccessKey(ctx, newAccessKey(alice.ID, 1)))(t)
	for _, id := range []string{alice.ID, bob.ID} {
		check(t, is.AttachPolicy(ctx, id, p1.ARN))
		check(t, is.AttachPolicy(ctx, id, builtInARN))
		check(t, is.PutInlinePolicy(ctx, store.InlinePolicy{PrincipalID: id, Name: "inline", Document: policyDoc("a:I")}))
	}
	bobBefore := iamSnapshot(t, s, is)

	check(t, s.DeletePrincipal(ctx, alice.ID))
	_, err := s.GetAccessKey(ctx, key.ID)
	wantNotFound(t, "GetAccessKey of the deleted principal's key", err)
	_, err = is.ListAttachedPolicies(ctx, alice.ID)
	wantNotFound(t, "ListAttachedPolicies of the deleted principal", err)
	_, err = is.ListInlinePolicies(ctx, alice.ID)
	wantNotFound(t, "ListInlinePolicies of the deleted principal", err)
	_, err = is.GetInlinePolicy(ctx, alice.ID, "inline")
	wantNotFound(t, "GetInlinePolicy of the deleted principal", err)
	same(t, "ListPolicyAttachments(p1)", []store.Principal{bob}, must(is.ListPolicyAttachments(ctx, p1.ARN))(t))
	if n := must(is.GetManagedPolicy(ctx, p1.ARN))(t).AttachmentCount; n != 1 {
		t.Errorf("AttachmentCount after the delete = %d, want 1", n)
	}
	after := iamSnapshot(t, s, is)
	same(t, "bob's attachments", bobBefore.Attached[bob.ID], after.Attached[bob.ID])
	same(t, "bob's inline policies", bobBefore.Inline[bob.ID], after.Inline[bob.ID])

	reborn := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	if got := must(s.ListAccessKeys(ctx, reborn.ID))(t); len(got) != 0 {
		t.Errorf("recreated principal has keys %v", got)
	}
	if got := must(is.EffectivePolicies(ctx, reborn.ID))(t); len(got) != 0 {
		t.Errorf("recreated principal inherited policies %v", got)
	}
	// With alice gone for good, p1 is attached to bob only: detaching bob
	// frees it for deletion.
	check(t, is.DetachPolicy(ctx, bob.ID, p1.ARN))
	check(t, is.DeleteManagedPolicy(ctx, p1.ARN))
}

// testIAMNotFound: every getter and writer of a missing entity or parent
// reports ErrNotFound, writes nothing and never calls an update function.
func testIAMNotFound(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	alice := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	p1 := createPolicy(t, is, 1)
	check(t, is.PutInlinePolicy(ctx, store.InlinePolicy{PrincipalID: alice.ID, Name: "kept", Document: policyDoc("a:K")}))
	called := false
	read := func(_ any, err error) error { return err }
	const missing, missingARN = "AIDAMISSING", accountARN + "policy/missing"
	tests := []storeOp{
		{"GetPrincipalByName", func(ctx context.Context) error {
			return read(is.GetPrincipalByName(ctx, store.PrincipalUser, "nobody"))
		}},
		{"UpdatePrincipal", func(ctx context.Context) error {
			return read(is.UpdatePrincipal(ctx, missing, func(p store.Principal) (store.Principal, error) { called = true; return p, nil }))
		}},
		{"UpdateAccessKeyStatus", func(ctx context.Context) error { return read(is.UpdateAccessKeyStatus(ctx, "AKIAMISSING", "Inactive")) }},
		{"TouchAccessKey", func(ctx context.Context) error { return is.TouchAccessKey(ctx, "AKIAMISSING", base) }},
		{"GetManagedPolicy", func(ctx context.Context) error { return read(is.GetManagedPolicy(ctx, missingARN)) }},
		{"DeleteManagedPolicy", func(ctx context.Context) error { return is.DeleteManagedPolicy(ctx, missingARN) }},
		{"CreatePolicyVersion/missing policy", func(ctx context.Context) error {
			return read(is.CreatePolicyVersion(ctx, missingARN, policyDoc("a:X"), true))
		}},
		{"GetPolicyVersion/missing policy", func(ctx context.Context) error { return read(is.GetPolicyVersion(ctx, missingARN, "v1")) }},
		{"GetPolicyVersion/missing version", func(ctx context.Context) error { return read(is.GetPolicyVersion(ctx, p1.ARN, "v2")) }},
		{"ListPolicyVersions/missing policy", func(ctx context.Context) error { return read(is.ListPolicyVersions(ctx, missingARN)) }},
		{"SetDefaultPolicyVersion/missing policy", func(ctx context.Context) error { return is.SetDefaultPolicyVersion(ctx, missingARN, "v1") }},
		{"SetDefaultPolicyVersion/missing version", func(ctx context.Context) error { return is.SetDefaultPolicyVersion(ctx, p1.ARN, "v2") }},
		{"DeletePolicyVersion/missing policy", func(ctx context.Context) error { return is.DeletePolicyVersion(ctx, missingARN, "v1") }},
		{"DeletePolicyVersion/missing version", func(ctx context.Context) error { return is.DeletePolicyVersion(ctx, p1.ARN, "v2") }},
		{"AttachPolicy/missing principal", func(ctx context.Context) error { return is.AttachPolicy(ctx, missing, p1.ARN) }},
		{"AttachPolicy/missing customer policy", func(ctx context.Context) error { return is.AttachPolicy(ctx, alice.ID, missingARN) }},
		{"DetachPolicy/missing principal", func(ctx context.Context) error { return is.DetachPolicy(ctx, missing, p1.ARN) }},
		{"DetachPolicy/not attached", func(ctx context.Context) error { return is.DetachPolicy(ctx, alice.ID, p1.ARN) }},
		{"ListAttachedPolicies/missing principal", func(ctx context.Context) error { return read(is.ListAttachedPolicies(ctx, missing)) }},
		{"PutInlinePolicy/missing principal", func(ctx context.Context) error {
			return is.PutInlinePolicy(ctx, store.InlinePolicy{PrincipalID: missing, Name: "x", Document: policyDoc("a:X")})
		}},
		{"GetInlinePolicy", func(ctx context.Context) error { return read(is.GetInlinePolicy(ctx, alice.ID, "nothing")) }},
		{"GetInlinePolicy/missing principal", func(ctx context.Context) error { return read(is.GetInlinePolicy(ctx, missing, "kept")) }},
		{"ListInlinePolicies/missing principal", func(ctx context.Context) error { return read(is.ListInlinePolicies(ctx, missing)) }},
		{"DeleteInlinePolicy", func(ctx context.Context) error { return is.DeleteInlinePolicy(ctx, alice.ID, "nothing") }},
		{"DeleteInlinePolicy/missing principal", func(ctx context.Context) error { return is.DeleteInlinePolicy(ctx, missing, "kept") }},
		{"EffectivePolicies/missing principal", func(ctx context.Context) error { return read(is.EffectivePolicies(ctx, missing)) }},
	}
	runNotFound(t, s, func(t *testing.T) iamWorld { return iamSnapshot(t, s, is) }, &called, tests)
}

// testIAMConflicts: uniqueness and dependency rules. A violation is a
// *store.ConflictError naming the field and leaves the store untouched;
// "ok" rows show where the same value is allowed.
func testIAMConflicts(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	alice := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	bob := must(s.CreatePrincipal(ctx, newPrincipal(2)))(t)
	ops := must(s.CreatePrincipal(ctx, newRole(1)))(t)
	p1, p2 := createPolicy(t, is, 1), createPolicy(t, is, 2)
	check(t, is.AttachPolicy(ctx, alice.ID, p1.ARN))
	for i := 2; i <= store.MaxPolicyVersions; i++ {
		must(is.CreatePolicyVersion(ctx, p2.ARN, policyDoc(fmt.Sprintf("a:V%d", i)), false))(t)
	}

	createPrincipal := func(edit func(*store.Principal)) func(context.Context) error {
		return func(ctx context.Context) error {
			p := newPrincipal(50)
			edit(&p)
			_, err := s.CreatePrincipal(ctx, p)
			return err
		}
	}
	update := func(id string, edit func(*store.Principal)) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := is.UpdatePrincipal(ctx, id, func(p store.Principal) (store.Principal, error) { edit(&p); return p, nil })
			return err
		}
	}
	createPolicyWith := func(edit func(*store.ManagedPolicy)) func(context.Context) error {
		return func(ctx context.Context) error {
			p := newManagedPolicy(50)
			edit(&p)
			_, err := is.CreateManagedPolicy(ctx, p, policyDoc("a:New"))
			return err
		}
	}
	tests := []conflictOp{
		{"user duplicate name", createPrincipal(func(p *store.Principal) { p.Name = alice.Name }), "name"},
		{"principal duplicate arn", createPrincipal(func(p *store.Principal) { p.ARN = alice.ARN }), "arn"},
		{"principal duplicate id", createPrincipal(func(p *store.Principal) { p.ID = ops.ID }), "id"},
		{"role with a user's name ok", createPrincipal(func(p *store.Principal) {
			*p = newRole(50)
			p.Name, p.ARN = alice.Name, accountARN+"role/"+alice.Name
		}), ""},
		{"update user to a taken name", update(bob.ID, func(p *store.Principal) { p.Name = alice.Name }), "name"},
		{"update user to a taken arn", update(bob.ID, func(p *store.Principal) { p.ARN = alice.ARN }), "arn"},
		{"update user keeping its own name ok", update(alice.ID, func(p *store.Principal) { p.Description = "same name" }), ""},
		{"update role to a user's name ok", update(ops.ID, func(p *store.Principal) { p.Name = bob.Name }), ""},
		{"policy duplicate name", createPolicyWith(func(p *store.ManagedPolicy) { p.Name = p1.Name }), "name"},
		{"policy duplicate arn", createPolicyWith(func(p *store.ManagedPolicy) { p.ARN = p1.ARN }), "arn"},
		{"policy duplicate id", createPolicyWith(func(p *store.ManagedPolicy) { p.ID = p1.ID }), "id"},
		{"delete an attached policy", func(ctx context.Context) error { return is.DeleteManagedPolicy(ctx, p1.ARN) }, "attachments"},
		{"a version too many", func(ctx context.Context) error {
			_, err := is.CreatePolicyVersion(ctx, p2.ARN, policyDoc("a:TooMany"), false)
			return err
		}, "versions"},
		{"delete the default version", func(ctx context.Context) error { return is.DeletePolicyVersion(ctx, p2.ARN, "v1") }, "defaultVersion"},
	}
	runConflicts(t, s, func(t *testing.T) iamWorld { return iamSnapshot(t, s, is) }, tests)
}

// errCallback is returned by an update function; the store must hand it
// back unchanged.
var errCallback = errors.New("callback refused the update")

// testIAMInvalidInput: refused input is a plain error (neither ErrNotFound
// nor ErrConflict) that writes nothing.
func testIAMInvalidInput(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	alice := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	key := must(s.CreateAccessKey(ctx, newAccessKey(alice.ID, 1)))(t)
	p1 := createPolicy(t, is, 1)
	read := func(_ any, err error) error { return err }
	list := func(_ any, _ string, err error) error { return err }
	withoutField := func(edit func(*store.ManagedPolicy)) func(context.Context) error {
		return func(ctx context.Context) error {
			p := newManagedPolicy(50)
			edit(&p)
			return read(is.CreateManagedPolicy(ctx, p, policyDoc("a:X")))
		}
	}
	tests := []storeOp{
		{"principal of unknown kind", func(ctx context.Context) error {
			p := newPrincipal(50)
			p.Kind = "group"
			return read(s.CreatePrincipal(ctx, p))
		}},
		{"principal without kind", func(ctx context.Context) error {
			p := newPrincipal(50)
			p.Kind = ""
			return read(s.CreatePrincipal(ctx, p))
		}},
		{"list principals of unknown kind", func(ctx context.Context) error {
			return list(is.ListPrincipalsByKind(ctx, "group", store.Page{}))
		}},
		{"update principal to no name", func(ctx context.Context) error {
			return read(is.UpdatePrincipal(ctx, alice.ID, func(p store.Principal) (store.Principal, error) { p.Name = ""; return p, nil }))
		}},
		{"access key of unknown status", func(ctx context.Context) error {
			k := newAccessKey(alice.ID, 50)
			k.Status = "Enabled"
			return read(s.CreateAccessKey(ctx, k))
		}},
		{"access key status update to unknown status", func(ctx context.Context) error {
			return read(is.UpdateAccessKeyStatus(ctx, key.ID, "Disabled"))
		}},
		{"policy without id", withoutField(func(p *store.ManagedPolicy) { p.ID = "" })},
		{"policy without name", withoutField(func(p *store.ManagedPolicy) { p.Name = "" })},
		{"policy without arn", withoutField(func(p *store.ManagedPolicy) { p.ARN = "" })},
		{"policy without document", func(ctx context.Context) error {
			return read(is.CreateManagedPolicy(ctx, newManagedPolicy(50), ""))
		}},
		{"policy version without document", func(ctx context.Context) error {
			return read(is.CreatePolicyVersion(ctx, p1.ARN, "", true))
		}},
		{"attach an empty ARN", func(ctx context.Context) error { return is.AttachPolicy(ctx, alice.ID, "") }},
		{"inline policy without name", func(ctx context.Context) error {
			return is.PutInlinePolicy(ctx, store.InlinePolicy{PrincipalID: alice.ID, Document: policyDoc("a:X")})
		}},
		{"inline policy without document", func(ctx context.Context) error {
			return is.PutInlinePolicy(ctx, store.InlinePolicy{PrincipalID: alice.ID, Name: "x"})
		}},
	}
	runInvalid(t, s, func(t *testing.T) iamWorld { return iamSnapshot(t, s, is) }, tests)

	t.Run("update callback error", func(t *testing.T) {
		before := iamSnapshot(t, s, is)
		_, err := is.UpdatePrincipal(ctx, alice.ID, func(p store.Principal) (store.Principal, error) {
			p.Name = "changed"
			return p, errCallback
		})
		if err != errCallback { //nolint:errorlint // the contract: returned unchanged
			t.Errorf("UpdatePrincipal returned %v, want the callback's error unchanged", err)
		}
		same(t, "store after a refused update", before, iamSnapshot(t, s, is))
	})
}

// testIAMRevision: each successful IAM mutation raises Revision and signals
// Changes; reads and TouchAccessKey do neither.
func testIAMRevision(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	prin := newRole(1)
	key := newAccessKey(prin.ID, 1)
	pol := newManagedPolicy(1)
	ignore := func(_ any, err error) error { return err }
	ignore3 := func(_ any, _ string, err error) error { return err }
	mutations := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"CreatePrincipal(role)", func(ctx context.Context) error { return ignore(s.CreatePrincipal(ctx, prin)) }},
		{"UpdatePrincipal", func(ctx context.Context) error {
			return ignore(is.UpdatePrincipal(ctx, prin.ID, func(p store.Principal) (store.Principal, error) { p.Disabled = true; return p, nil }))
		}},
		{"UpdatePrincipal without changes", func(ctx context.Context) error {
			return ignore(is.UpdatePrincipal(ctx, prin.ID, func(p store.Principal) (store.Principal, error) { return p, nil }))
		}},
		{"CreateAccessKey", func(ctx context.Context) error { return ignore(s.CreateAccessKey(ctx, key)) }},
		{"UpdateAccessKeyStatus", func(ctx context.Context) error { return ignore(is.UpdateAccessKeyStatus(ctx, key.ID, "Inactive")) }},
		{"CreateManagedPolicy", func(ctx context.Context) error { return ignore(is.CreateManagedPolicy(ctx, pol, policyDoc("a:V1"))) }},
		{"CreatePolicyVersion", func(ctx context.Context) error {
			return ignore(is.CreatePolicyVersion(ctx, pol.ARN, policyDoc("a:V2"), false))
		}},
		{"SetDefaultPolicyVersion", func(ctx context.Context) error { return is.SetDefaultPolicyVersion(ctx, pol.ARN, "v2") }},
		{"DeletePolicyVersion", func(ctx context.Context) error { return is.DeletePolicyVersion(ctx, pol.ARN, "v1") }},
		{"AttachPolicy(stored)", func(ctx context.Context) error { return is.AttachPolicy(ctx, prin.ID, pol.ARN) }},
		{"AttachPolicy(built-in)", func(ctx context.Context) error { return is.AttachPolicy(ctx, prin.ID, builtInARN) }},
		{"DetachPolicy", func(ctx context.Context) error { return is.DetachPolicy(ctx, prin.ID, pol.ARN) }},
		{"PutInlinePolicy", func(ctx context.Context) error {
			return is.PutInlinePolicy(ctx, store.InlinePolicy{PrincipalID: prin.ID, Name: "x", Document: policyDoc("a:X")})
		}},
		{"PutInlinePolicy replacing", func(ctx context.Context) error {
			return is.PutInlinePolicy(ctx, store.InlinePolicy{PrincipalID: prin.ID, Name: "x", Document: policyDoc("a:Y")})
		}},
		{"DeleteInlinePolicy", func(ctx context.Context) error { return is.DeleteInlinePolicy(ctx, prin.ID, "x") }},
		{"DeleteManagedPolicy", func(ctx context.Context) error { return is.DeleteManagedPolicy(ctx, pol.ARN) }},
		{"DeletePrincipal with attachments", func(ctx context.Context) error { return s.DeletePrincipal(ctx, prin.ID) }},
	}
	prev := revision(t, s)
	for _, m := range mutations {
		drain(s.Changes())
		if err := m.op(ctx); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		r := revision(t, s)
		if r <= prev {
			t.Errorf("%s: Revision %d -> %d, want an increase", m.name, prev, r)
		}
		wantSignal(t, s.Changes(), m.name)
		prev = r
	}

	// The no-ops run against a principal with everything.
	kept := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	keptKey := must(s.CreateAccessKey(ctx, newAccessKey(kept.ID, 2)))(t)
	keptPol := createPolicy(t, is, 2)
	check(t, is.AttachPolicy(ctx, kept.ID, keptPol.ARN))
	check(t, is.PutInlinePolicy(ctx, store.InlinePolicy{PrincipalID: kept.ID, Name: "kept", Document: policyDoc("a:K")}))
	noops := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"TouchAccessKey", func(ctx context.Context) error { return is.TouchAccessKey(ctx, keptKey.ID, base) }},
		{"TouchAccessKey later", func(ctx context.Context) error { return is.TouchAccessKey(ctx, keptKey.ID, base.Add(time.Hour)) }},
		{"GetPrincipalByName", func(ctx context.Context) error { return ignore(is.GetPrincipalByName(ctx, kept.Kind, kept.Name)) }},
		{"ListPrincipalsByKind", func(ctx context.Context) error { return ignore3(is.ListPrincipalsByKind(ctx, kept.Kind, store.Page{})) }},
		{"GetManagedPolicy", func(ctx context.Context) error { return ignore(is.GetManagedPolicy(ctx, keptPol.ARN)) }},
		{"ListManagedPolicies", func(ctx context.Context) error { return ignore3(is.ListManagedPolicies(ctx, store.Page{})) }},
		{"GetPolicyVersion", func(ctx context.Context) error { return ignore(is.GetPolicyVersion(ctx, keptPol.ARN, "v1")) }},
		{"ListPolicyVersions", func(ctx context.Context) error { return ignore(is.ListPolicyVersions(ctx, keptPol.ARN)) }},
		{"ListAttachedPolicies", func(ctx context.Context) error { return ignore(is.ListAttachedPolicies(ctx, kept.ID)) }},
		{"ListPolicyAttachments", func(ctx context.Context) error { return ignore(is.ListPolicyAttachments(ctx, keptPol.ARN)) }},
		{"GetInlinePolicy", func(ctx context.Context) error { return ignore(is.GetInlinePolicy(ctx, kept.ID, "kept")) }},
		{"ListInlinePolicies", func(ctx context.Context) error { return ignore(is.ListInlinePolicies(ctx, kept.ID)) }},
		{"EffectivePolicies", func(ctx context.Context) error { return ignore(is.EffectivePolicies(ctx, kept.ID)) }},
	}
	prev = revision(t, s)
	drain(s.Changes())
	for _, n := range noops {
		if err := n.op(ctx); err != nil {
			t.Fatalf("%s: %v", n.name, err)
		}
		if r := revision(t, s); r != prev {
			t.Errorf("%s: Revision %d -> %d, want no change", n.name, prev, r)
		}
		wantNoSignal(t, s.Changes(), n.name)
	}
}

// testConcurrentAttach: racing attachments to one principal all land, each
// once, in some order.
func testConcurrentAttach(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	p := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	const n = 12
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("%sConcurrent%02d", builtInPrefix, i))
	}
	var wg sync.WaitGroup
	errs := make([]error, 2*n)
	for i, arn := range want {
		// Each ARN is attached twice, concurrently: idempotence under races.
		for j := range 2 {
			wg.Go(func() { errs[2*i+j] = is.AttachPolicy(ctx, p.ID, arn) })
		}
	}
	wg.Wait()
	for _, err := range errs {
		check(t, err)
	}
	got := must(is.ListAttachedPolicies(ctx, p.ID))(t)
	same(t, "attached ARNs (sorted)", want, slices.Sorted(slices.Values(got)))
}

// testAttachRacesDeletePolicy: an attachment and the deletion of its policy
// racing each other end in one of two states, never in an attachment of a
// deleted policy (which a policy created later under the same ARN would
// inherit).
func testAttachRacesDeletePolicy(t *testing.T, s store.Store, is store.IAMStore) {
	ctx := t.Context()
	p := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	for round := range 8 {
		pol := createPolicy(t, is, 100+round)
		var wg sync.WaitGroup
		var attachErr, deleteErr error
		wg.Go(func() { attachErr = is.AttachPolicy(ctx, p.ID, pol.ARN) })
		wg.Go(func() { deleteErr = is.DeleteManagedPolicy(ctx, pol.ARN) })
		wg.Wait()
		attached := slices.Contains(must(is.ListAttachedPolicies(ctx, p.ID))(t), pol.ARN)
		_, getErr := is.GetManagedPolicy(ctx, pol.ARN)
		stored := getErr == nil
		switch {
		case attachErr == nil && deleteErr != nil:
			wantConflict(t, fmt.Sprintf("round %d: delete after attach", round), deleteErr, "attachments")
			if !attached || !stored {
				t.Errorf("round %d: attach won, but attached=%v stored=%v", round, attached, stored)
			}
			check(t, is.DetachPolicy(ctx, p.ID, pol.ARN))
		case deleteErr == nil && attachErr != nil:
			wantNotFound(t, fmt.Sprintf("round %d: attach after delete", round), attachErr)
			if attached || stored {
				t.Errorf("round %d: delete won, but attached=%v stored=%v", round, attached, stored)
			}
		default:
			t.Errorf("round %d: attach error %v, delete error %v: want exactly one to fail", round, attachErr, deleteErr)
		}
	}
}

// isNotFoundOrConflict reports whether err matches either sentinel.
func isNotFoundOrConflict(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict)
}

// iamListers are registered in Run with the other paged lists.
func iamListers() []lister {
	iamOf := func(s store.Store) store.IAMStore { is, _ := s.(store.IAMStore); return is }
	needIAM := func(_ context.Context, s store.Store) error {
		if iamOf(s) == nil {
			return fmt.Errorf("%T does not implement store.IAMStore", s)
		}
		return nil
	}
	return []lister{
		{
			name: "PrincipalsByKind",
			setup: func(ctx context.Context, s store.Store) error {
				if err := needIAM(ctx, s); err != nil {
					return err
				}
				// Roles interleaved with the users must not show up.
				for i := range 3 {
					r := newRole(i)
					r.CreatedAt = createdAt(i)
					if _, err := s.CreatePrincipal(ctx, r); err != nil {
						return err
					}
				}
				return nil
			},
			create: func(ctx context.Context, s store.Store, i int) (string, error) {
				p := newPrincipal(i)
				p.ID, p.CreatedAt = invKey("AIDA", i), createdAt(i)
				p, err := s.CreatePrincipal(ctx, p)
				return p.ID, err
			},
			list: func(ctx context.Context, s store.Store, p store.Page) ([]string, string, error) {
				items, next, err := iamOf(s).ListPrincipalsByKind(ctx, store.PrincipalUser, p)
				return keysOf(items, next, err, func(p store.Principal) string { return p.ID })
			},
			delete: func(ctx context.Context, s store.Store, key string) error { return s.DeletePrincipal(ctx, key) },
		},
		{
			name:  "ManagedPolicies",
			setup: needIAM,
			create: func(ctx context.Context, s store.Store, i int) (string, error) {
				p := newManagedPolicy(i)
				p.ID, p.CreatedAt = invKey("ANPA", i), createdAt(i)
				p, err := iamOf(s).CreateManagedPolicy(ctx, p, policyDoc("a:List"))
				return p.ID, err
			},
			list: func(ctx context.Context, s store.Store, p store.Page) ([]string, string, error) {
				items, next, err := iamOf(s).ListManagedPolicies(ctx, p)
				return keysOf(items, next, err, func(p store.ManagedPolicy) string { return p.ID })
			},
			delete: func(ctx context.Context, s store.Store, key string) error {
				is := iamOf(s)
				items, _, err := is.ListManagedPolicies(ctx, store.Page{Limit: 1000})
				if err != nil {
					return err
				}
				for _, p := range items {
					if p.ID == key {
						return is.DeleteManagedPolicy(ctx, p.ARN)
					}
				}
				return fmt.Errorf("policy %s: %w", key, store.ErrNotFound)
			},
		},
	}
}
