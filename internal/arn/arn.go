// Package arn builds and parses the Amazon Resource Names toolgate hands out,
// in the shapes AgentCore uses (agentcore-api.md §6.1, §8.1, §12.7), so ARNs
// from toolgate can be pasted wherever an AgentCore ARN is expected.
package arn

import (
	"fmt"
	"strings"
)

// ARN is a parsed arn:partition:service:region:account:resource.
type ARN struct {
	Partition, Service, Region, Account, Resource string
}

func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// Parse splits s into its six parts.
func Parse(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" || parts[5] == "" {
		return ARN{}, fmt.Errorf("%q is not an ARN (arn:partition:service:region:account:resource)", s)
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, nil
}

// Service is the ARN namespace of AgentCore resources.
const Service = "bedrock-agentcore"

// DefaultTokenVault is the id of the account's default token vault.
const DefaultTokenVault = "default"

// Gateway returns a gateway's ARN.
func Gateway(region, account, gatewayID string) string {
	return ARN{"aws", Service, region, account, "gateway/" + gatewayID}.String()
}

// APIKeyProvider returns an API-key credential provider's ARN.
func APIKeyProvider(region, account, name string) string {
	return ARN{"aws", Service, region, account, "token-vault/" + DefaultTokenVault + "/apikeycredentialprovider/" + name}.String()
}

// APIKeySecret returns the Secrets-Manager-shaped ARN AgentCore reports as a
// provider's apiKeySecretArn. toolgate keeps the secret in its own vault; the
// ARN names it in the form clients expect.
func APIKeySecret(region, account, name string) string {
	return ARN{"aws", "secretsmanager", region, account, "secret:bedrock-agentcore-identity!" + DefaultTokenVault + "/apikey/" + name}.String()
}

// APIKeyProviderName returns the provider name of an API-key provider ARN.
func APIKeyProviderName(s string) (string, error) {
	a, err := Parse(s)
	if err != nil {
		return "", err
	}
	const prefix = "token-vault/"
	rest, ok := strings.CutPrefix(a.Resource, prefix)
	if a.Service != Service || !ok {
		return "", fmt.Errorf("%q is not an AgentCore API-key credential provider ARN", s)
	}
	_, name, ok := strings.Cut(rest, "/apikeycredentialprovider/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("%q is not an AgentCore API-key credential provider ARN (want …:token-vault/<vault>/apikeycredentialprovider/<name>)", s)
	}
	return name, nil
}

// WorkloadIdentity returns a workload identity's ARN.
func WorkloadIdentity(region, account, name string) string {
	return ARN{"aws", Service, region, account, "workload-identity-directory/default/workload-identity/" + name}.String()
}

// TokenVault returns a token vault's ARN.
func TokenVault(region, account, id string) string {
	return ARN{"aws", Service, region, account, "token-vault/" + id}.String()
}
