package policy

import (
	"fmt"
	"slices"
)

// The built-in templates: the policy documents of the AgentCore Gateway
// documentation, which operators attach by name.
var builtInDocs = map[string]string{
	// Everything toolgate serves: AgentCore, IAM, the Cognito user-pool API
	// and the toolgate extension API. What an administrator needs, and what
	// must exist on another principal before the root principal can be
	// disabled (AWS's AdministratorAccess).
	"AdministratorAccess": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "*",
      "Resource": "*"
    }
  ]
}`,
	// Full access to every AgentCore operation.
	"AgentCoreFullAccess": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AgentCoreFullAccess",
      "Effect": "Allow",
      "Action": "bedrock-agentcore:*",
      "Resource": "*"
    }
  ]
}`,
	// Gateway management, as documented: the actions are limited by name and
	// the resources to ARNs containing "gateway". Note that operations on
	// other resources (token-vault credential providers, workload identities)
	// and operations on "*" (e.g. ListGateways) are only allowed when their
	// ARN contains "gateway": this is the documented policy, kept verbatim.
	"AgentCoreGatewayFullAccess": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "GatewayManagement",
      "Effect": "Allow",
      "Action": [
        "bedrock-agentcore:*Gateway*",
        "bedrock-agentcore:*WorkloadIdentity",
        "bedrock-agentcore:*CredentialProvider",
        "bedrock-agentcore:*Token*",
        "bedrock-agentcore:*Access*"
      ],
      "Resource": "arn:aws:bedrock-agentcore:*:*:*gateway*"
    }
  ]
}`,
	// Read-only access to gateways and their targets.
	"AgentCoreGatewayReadOnly": `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "GatewayReadOnly",
      "Effect": "Allow",
      "Action": [
        "bedrock-agentcore:ListGateways",
        "bedrock-agentcore:GetGateway",
        "bedrock-agentcore:ListGatewayTargets",
        "bedrock-agentcore:GetGatewayTarget"
      ],
      "Resource": "*"
    }
  ]
}`,
}

var builtIns = func() map[string]*Policy {
	m := make(map[string]*Policy, len(builtInDocs))
	for name, doc := range builtInDocs {
		p, err := Parse([]byte(doc))
		if err != nil {
			panic(fmt.Sprintf("policy: built-in %s: %v", name, err))
		}
		p.Name = name
		m[name] = p
	}
	return m
}()

// BuiltIn returns the named built-in template. The result is a fresh copy:
// the caller may change its Name.
func BuiltIn(name string) (*Policy, bool) {
	p, ok := builtIns[name]
	if !ok {
		return nil, false
	}
	c := *p
	return &c, true
}

// BuiltInNames returns the names of the built-in templates, sorted.
func BuiltInNames() []string {
	names := make([]string, 0, len(builtIns))
	for name := range builtIns {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
