package arn

import (
	"fmt"
	"strings"
)

// OAuth2Provider returns an OAuth2 credential provider's ARN (§8.2).
func OAuth2Provider(region, account, name string) string {
	return ARN{"aws", Service, region, account, "token-vault/" + DefaultTokenVault + "/oauth2credentialprovider/" + name}.String()
}

// OAuth2Secret returns the Secrets-Manager-shaped ARN AgentCore reports as
// a provider's clientSecretArn; toolgate keeps the secret in its own vault.
func OAuth2Secret(region, account, name string) string {
	return ARN{"aws", "secretsmanager", region, account, "secret:bedrock-agentcore-identity!" + DefaultTokenVault + "/oauth2/" + name}.String()
}

// OAuth2ProviderName returns the provider name of an OAuth2 credential
// provider ARN (service bedrock-agentcore, or acps as in the model, §12.7).
func OAuth2ProviderName(s string) (string, error) {
	a, err := Parse(s)
	if err != nil {
		return "", err
	}
	rest, ok := strings.CutPrefix(a.Resource, "token-vault/")
	if a.Service != Service && a.Service != "acps" || !ok {
		return "", fmt.Errorf("%q is not an AgentCore OAuth2 credential provider ARN", s)
	}
	_, name, ok := strings.Cut(rest, "/oauth2credentialprovider/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("%q is not an AgentCore OAuth2 credential provider ARN (want …:token-vault/<vault>/oauth2credentialprovider/<name>)", s)
	}
	return name, nil
}
