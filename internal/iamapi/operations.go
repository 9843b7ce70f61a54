package iamapi

import "github.com/toolgate/toolgate/internal/store"

// operations are the supported actions. Classify and ServeHTTP both look
// actions up here, so no action runs without having been authorised.
var operations map[string]operation

func init() {
	user, role := store.PrincipalUser, store.PrincipalRole
	onUser := onPrincipal(user, "UserName", false)
	onSelf := onPrincipal(user, "UserName", true)
	onRole := onPrincipal(role, "RoleName", false)
	read := func(run func(*Handler, *call) (any, error), res func(*Handler, *call) target) operation {
		return operation{run: run, resolve: res}
	}
	write := func(run func(*Handler, *call) (any, error), res func(*Handler, *call) target) operation {
		return operation{run: run, resolve: res, mutates: true}
	}
	operations = map[string]operation{
		// Users.
		"CreateUser":   write((*Handler).createUser, onNewPrincipal(user, "UserName")),
		"GetUser":      read((*Handler).getUser, onSelf),
		"ListUsers":    read((*Handler).listUsers, onNothing),
		"UpdateUser":   write((*Handler).updateUser, onUser),
		"DeleteUser":   write((*Handler).deleteUser, onUser),
		"TagUser":      write(tagPrincipal(user, "UserName"), onUser),
		"UntagUser":    write(untagPrincipal(user, "UserName"), onUser),
		"ListUserTags": read(listPrincipalTags(user, "UserName"), onUser),

		// Roles.
		"CreateRole":             write((*Handler).createRole, onNewPrincipal(role, "RoleName")),
		"GetRole":                read((*Handler).getRole, onRole),
		"ListRoles":              read((*Handler).listRoles, onNothing),
		"UpdateRole":             write((*Handler).updateRole, onRole),
		"UpdateAssumeRolePolicy": write((*Handler).updateAssumeRolePolicy, onRole),
		"DeleteRole":             write((*Handler).deleteRole, onRole),
		"TagRole":                write(tagPrincipal(role, "RoleName"), onRole),
		"UntagRole":              write(untagPrincipal(role, "RoleName"), onRole),
		"ListRoleTags":           read(listPrincipalTags(role, "RoleName"), onRole),

		// Access keys (of users; roles' keys are in the extension API).
		"CreateAccessKey":      write((*Handler).createAccessKey, onSelf),
		"ListAccessKeys":       read((*Handler).listAccessKeys, onSelf),
		"UpdateAccessKey":      write((*Handler).updateAccessKey, onSelf),
		"DeleteAccessKey":      write((*Handler).deleteAccessKey, onSelf),
		"GetAccessKeyLastUsed": read((*Handler).getAccessKeyLastUsed, onKeyOwner),

		// Managed policies and their versions.
		"CreatePolicy":            write((*Handler).createPolicy, onNewPolicy),
		"GetPolicy":               read((*Handler).getPolicy, onPolicy),
		"ListPolicies":            read((*Handler).listPolicies, onNothing),
		"DeletePolicy":            write((*Handler).deletePolicy, onPolicy),
		"CreatePolicyVersion":     write((*Handler).createPolicyVersion, onPolicy),
		"GetPolicyVersion":        read((*Handler).getPolicyVersion, onPolicy),
		"ListPolicyVersions":      read((*Handler).listPolicyVersions, onPolicy),
		"SetDefaultPolicyVersion": write((*Handler).setDefaultPolicyVersion, onPolicy),
		"DeletePolicyVersion":     write((*Handler).deletePolicyVersion, onPolicy),
		"ListEntitiesForPolicy":   read((*Handler).listEntitiesForPolicy, onPolicy),

		// Attachments, on the user or role (as in AWS).
		"AttachUserPolicy":         write(attachPolicy(user), onUser),
		"DetachUserPolicy":         write(detachPolicy(user), onUser),
		"ListAttachedUserPolicies": read(listAttached(user), onUser),
		"AttachRolePolicy":         write(attachPolicy(role), onRole),
		"DetachRolePolicy":         write(detachPolicy(role), onRole),
		"ListAttachedRolePolicies": read(listAttached(role), onRole),

		// Inline policies.
		"PutUserPolicy":    write(putInline(user), onUser),
		"GetUserPolicy":    read(getInline(user), onUser),
		"DeleteUserPolicy": write(deleteInline(user), onUser),
		"ListUserPolicies": read(listInline(user), onUser),
		"PutRolePolicy":    write(putInline(role), onRole),
		"GetRolePolicy":    read(getInline(role), onRole),
		"DeleteRolePolicy": write(deleteInline(role), onRole),
		"ListRolePolicies": read(listInline(role), onRole),

		// The policy simulator.
		"SimulatePrincipalPolicy": read((*Handler).simulatePrincipalPolicy, onSimulationSource),
		"SimulateCustomPolicy":    read((*Handler).simulateCustomPolicy, onNothing),
	}
}

// Actions returns the supported action names (for help texts and tests).
func Actions() []string {
	out := make([]string, 0, len(operations))
	for name := range operations {
		out = append(out, name)
	}
	return out
}
