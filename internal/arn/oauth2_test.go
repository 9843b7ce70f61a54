package arn

import "testing"

func TestOAuth2ProviderARN(t *testing.T) {
	a := OAuth2Provider("us-east-1", "123456789012", "corp-idp")
	if a != "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/oauth2credentialprovider/corp-idp" {
		t.Errorf("OAuth2Provider = %s", a)
	}
	if n, err := OAuth2ProviderName(a); err != nil || n != "corp-idp" {
		t.Errorf("OAuth2ProviderName = %q, %v", n, err)
	}
	for _, bad := range []string{
		"arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/x",
		"arn:aws:s3:::token-vault/default/oauth2credentialprovider/x",
		"arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/oauth2credentialprovider/a/b",
		"not-an-arn",
	} {
		if _, err := OAuth2ProviderName(bad); err == nil {
			t.Errorf("OAuth2ProviderName(%q) accepted", bad)
		}
	}
}
