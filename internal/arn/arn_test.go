package arn

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuildAndParse(t *testing.T) {
	g := Gateway("eu-west-1", "123456789012", "gw-abcdefghij")
	if g != "arn:aws:bedrock-agentcore:eu-west-1:123456789012:gateway/gw-abcdefghij" {
		t.Fatalf("Gateway = %s", g)
	}
	a, err := Parse(g)
	if err != nil {
		t.Fatal(err)
	}
	want := ARN{"aws", "bedrock-agentcore", "eu-west-1", "123456789012", "gateway/gw-abcdefghij"}
	if diff := cmp.Diff(want, a); diff != "" {
		t.Fatal(diff)
	}
	if a.String() != g {
		t.Fatalf("round trip %s", a)
	}
}

func TestAPIKeyProviderName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{APIKeyProvider("us-east-1", "111122223333", "weather-key"), "weather-key", true},
		{"arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/other/apikeycredentialprovider/k", "k", true},
		{"arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/default/oauth2credentialprovider/k", "", false},
		{"arn:aws:secretsmanager:us-east-1:111122223333:token-vault/default/apikeycredentialprovider/k", "", false},
		{"arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/default/apikeycredentialprovider/", "", false},
		{"weather-key", "", false},
	}
	for _, tt := range tests {
		got, err := APIKeyProviderName(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("APIKeyProviderName(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
