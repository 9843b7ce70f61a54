package catalog

import (
	"fmt"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/cred"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
)

// gatewayRole is the gateway's execution role (roleArn) as targets use it
// for GATEWAY_IAM_ROLE: nil when toolgate has no AWS provider.
func gatewayRole(env BuildEnv, gatewayID, roleArn string) *awsiam.Role {
	if env.AWS == nil || roleArn == "" {
		return nil
	}
	return env.AWS.Role(gatewayID, roleArn)
}

// usesGatewayRole reports whether a target authenticates as the gateway's
// role.
func usesGatewayRole(cpcs []agentcore.CredentialProviderConfiguration) bool {
	return len(cpcs) > 0 && cpcs[0].CredentialProviderType == agentcore.CredentialProviderTypeGatewayIAMRole
}

// iamCredentials returns the SigV4 signer of a GATEWAY_IAM_ROLE provider
// with an iamCredentialProvider (OpenAPI and MCP-server targets), and the
// fingerprint that makes a target recompile when the signing scope or the
// role changes. ok is false for every other provider configuration: Lambda
// targets sign their own calls with the role in target.Env.
func iamCredentials(env BuildEnv, role *awsiam.Role, cpcs []agentcore.CredentialProviderConfiguration) (inj cred.Injector, key string, ok bool) {
	if !usesGatewayRole(cpcs) || cpcs[0].CredentialProvider == nil || cpcs[0].CredentialProvider.IAMCredentialProvider == nil {
		return nil, "", false
	}
	ip := cpcs[0].CredentialProvider.IAMCredentialProvider
	service, region := deref(ip.Service), deref(ip.Region)
	key = "iam:" + service + "/" + region
	if role == nil {
		return failing(fmt.Errorf("toolgate has no AWS configuration to sign as the gateway role (see the aws block of the bootstrap configuration)")), key + ":no-aws", true
	}
	s, err := awsiam.NewSigner(role, service, region)
	if err != nil {
		return failing(err), key + ":invalid", true
	}
	return s, key, true
}

// roleKey is the part of a compiled target's cache key that depends on
// the gateway's role.
func roleKey(role *awsiam.Role) string {
	if role == nil {
		return "no-role"
	}
	return "role:" + role.ARN
}
