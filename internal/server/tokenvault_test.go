package server

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ctl "github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	ctltypes "github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"

	"github.com/toolgate/toolgate/internal/awsfake"
	"github.com/toolgate/toolgate/internal/config"
)

// TestWorkloadIdentitiesSDK drives the workload-identity operations with
// the AWS SDK's control-plane client, and checks that a gateway has one.
func TestWorkloadIdentitiesSDK(t *testing.T) {
	tg := start(t, t.TempDir())
	ctx := t.Context()
	c := tg.control

	created, err := c.CreateWorkloadIdentity(ctx, &ctl.CreateWorkloadIdentityInput{
		Name:                            aws.String("billing-agent"),
		AllowedResourceOauth2ReturnUrls: []string{"https://app.example/callback"},
		Tags:                            map[string]string{"team": "billing"},
	})
	if err != nil {
		t.Fatalf("CreateWorkloadIdentity: %v", err)
	}
	wantARN := "arn:aws:bedrock-agentcore:us-east-1:"
	if !strings.HasPrefix(aws.ToString(created.WorkloadIdentityArn), wantARN) ||
		!strings.HasSuffix(aws.ToString(created.WorkloadIdentityArn), ":workload-identity-directory/default/workload-identity/billing-agent") {
		t.Errorf("workloadIdentityArn = %s", aws.ToString(created.WorkloadIdentityArn))
	}
	if _, err := c.CreateWorkloadIdentity(ctx, &ctl.CreateWorkloadIdentityInput{Name: aws.String("billing-agent")}); apiErrorCode(err) != "ConflictException" {
		t.Errorf("duplicate create: %v", err)
	}
	if _, err := c.CreateWorkloadIdentity(ctx, &ctl.CreateWorkloadIdentityInput{Name: aws.String("x")}); apiErrorCode(err) != "ValidationException" {
		t.Errorf("a 1-character name: %v", err)
	}
	got, err := c.GetWorkloadIdentity(ctx, &ctl.GetWorkloadIdentityInput{Name: aws.String("billing-agent")})
	if err != nil {
		t.Fatalf("GetWorkloadIdentity: %v", err)
	}
	if got.CreatedTime == nil || got.LastUpdatedTime == nil || len(got.AllowedResourceOauth2ReturnUrls) != 1 {
		t.Errorf("Get = %+v", got)
	}
	upd, err := c.UpdateWorkloadIdentity(ctx, &ctl.UpdateWorkloadIdentityInput{
		Name: aws.String("billing-agent"), AllowedResourceOauth2ReturnUrls: []string{"https://a.example/cb", "myapp://cb"},
	})
	if err != nil || len(upd.AllowedResourceOauth2ReturnUrls) != 2 {
		t.Fatalf("UpdateWorkloadIdentity = %+v, %v", upd, err)
	}

	gw, err := c.CreateGateway(ctx, &ctl.CreateGatewayInput{
		Name: aws.String("wl-gw"), ProtocolType: ctltypes.GatewayProtocolTypeMcp, AuthorizerType: ctltypes.AuthorizerTypeNone,
		RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"),
	})
	if err != nil {
		t.Fatalf("CreateGateway: %v", err)
	}
	gwARN := ""
	if gw.WorkloadIdentityDetails != nil {
		gwARN = aws.ToString(gw.WorkloadIdentityDetails.WorkloadIdentityArn)
	}
	if !strings.HasSuffix(gwARN, "/workload-identity/"+aws.ToString(gw.GatewayId)) {
		t.Errorf("gateway workloadIdentityDetails = %q", gwARN)
	}
	g2, err := c.GetGateway(ctx, &ctl.GetGatewayInput{GatewayIdentifier: gw.GatewayId})
	if err != nil || g2.WorkloadIdentityDetails == nil || aws.ToString(g2.WorkloadIdentityDetails.WorkloadIdentityArn) != gwARN {
		t.Errorf("GetGateway workloadIdentityDetails = %+v, %v", g2.WorkloadIdentityDetails, err)
	}
	wi, err := c.GetWorkloadIdentity(ctx, &ctl.GetWorkloadIdentityInput{Name: gw.GatewayId})
	if err != nil || aws.ToString(wi.WorkloadIdentityArn) != gwARN {
		t.Fatalf("the gateway's workload identity: %+v, %v", wi, err)
	}
	if _, err := c.DeleteWorkloadIdentity(ctx, &ctl.DeleteWorkloadIdentityInput{Name: gw.GatewayId}); apiErrorCode(err) != "ConflictException" {
		t.Errorf("deleting a gateway's identity: %v", err)
	}

	var names []string
	var next *string
	for {
		page, err := c.ListWorkloadIdentities(ctx, &ctl.ListWorkloadIdentitiesInput{MaxResults: aws.Int32(1), NextToken: next})
		if err != nil {
			t.Fatalf("ListWorkloadIdentities: %v", err)
		}
		for _, w := range page.WorkloadIdentities {
			names = append(names, aws.ToString(w.Name))
		}
		if next = page.NextToken; next == nil {
			break
		}
	}
	if strings.Join(names, ",") != "billing-agent,"+aws.ToString(gw.GatewayId) {
		t.Errorf("listed %v", names)
	}

	if _, err := c.DeleteGateway(ctx, &ctl.DeleteGatewayInput{GatewayIdentifier: gw.GatewayId}); err != nil {
		t.Fatalf("DeleteGateway: %v", err)
	}
	if _, err := c.GetWorkloadIdentity(ctx, &ctl.GetWorkloadIdentityInput{Name: gw.GatewayId}); apiErrorCode(err) != "ResourceNotFoundException" {
		t.Errorf("the gateway's identity after DeleteGateway: %v", err)
	}
	if _, err := c.DeleteWorkloadIdentity(ctx, &ctl.DeleteWorkloadIdentityInput{Name: aws.String("billing-agent")}); err != nil {
		t.Fatalf("DeleteWorkloadIdentity: %v", err)
	}
	if _, err := c.GetWorkloadIdentity(ctx, &ctl.GetWorkloadIdentityInput{Name: aws.String("billing-agent")}); apiErrorCode(err) != "ResourceNotFoundException" {
		t.Errorf("after delete: %v", err)
	}
}

// TestTokenVaultSDK drives GetTokenVault, SetTokenVaultCMK (a local key
// file, then an AWS KMS key through the fake KMS) and
// ResetTokenVaultKeyMaterial with the SDK client, with an API key that
// keeps working through every change.
func TestTokenVaultSDK(t *testing.T) {
	dir := t.TempDir()
	kmsCreds := aws.Credentials{AccessKeyID: "AKIATOOLGATEKMS00001", SecretAccessKey: "toolgate-kms-secret"}
	t.Setenv("TG_TEST_KMS_ID", kmsCreds.AccessKeyID)
	t.Setenv("TG_TEST_KMS_SECRET", kmsCreds.SecretAccessKey)
	fake := awsfake.NewKMS(t, "us-west-2", "444455556666", kmsCreds)
	keyArn := fake.CreateKey()
	tg := startWith(t, dir, func(c *config.Config) {
		c.AWS.AccessKeyIDEnv, c.AWS.SecretAccessKeyEnv = "TG_TEST_KMS_ID", "TG_TEST_KMS_SECRET"
		c.AWS.Endpoints = map[string]string{"kms": fake.URL}
	})
	ctx := t.Context()
	c := tg.control

	tv, err := c.GetTokenVault(ctx, &ctl.GetTokenVaultInput{})
	if err != nil {
		t.Fatalf("GetTokenVault: %v", err)
	}
	if aws.ToString(tv.TokenVaultId) != "default" || tv.KmsConfiguration.KeyType != ctltypes.KeyTypeServiceManagedKey || tv.LastModifiedDate == nil {
		t.Errorf("GetTokenVault = %+v", tv)
	}
	if _, err := c.GetTokenVault(ctx, &ctl.GetTokenVaultInput{TokenVaultId: aws.String("other")}); apiErrorCode(err) != "ResourceNotFoundException" {
		t.Errorf("GetTokenVault(other): %v", err)
	}
	const apiKey = "tvk_live_0123456789"
	if _, err := c.CreateApiKeyCredentialProvider(ctx, &ctl.CreateApiKeyCredentialProviderInput{Name: aws.String("weather"), ApiKey: aws.String(apiKey)}); err != nil {
		t.Fatal(err)
	}

	// A local customer key.
	os.MkdirAll(filepath.Join(dir, "cmk"), 0o700)
	os.WriteFile(filepath.Join(dir, "cmk", "ops.key"), []byte(hex.EncodeToString(make([]byte, 32))), 0o600)
	set, err := c.SetTokenVaultCMK(ctx, &ctl.SetTokenVaultCMKInput{KmsConfiguration: &ctltypes.KmsConfiguration{
		KeyType: ctltypes.KeyTypeCustomerManagedKey, KmsKeyArn: aws.String("file:ops"),
	}})
	if err != nil {
		t.Fatalf("SetTokenVaultCMK(file:ops): %v", err)
	}
	if set.KmsConfiguration.KeyType != ctltypes.KeyTypeCustomerManagedKey || aws.ToString(set.KmsConfiguration.KmsKeyArn) != "file:ops" {
		t.Errorf("SetTokenVaultCMK = %+v", set.KmsConfiguration)
	}
	// Refusals name the member.
	for _, kc := range []*ctltypes.KmsConfiguration{
		{KeyType: ctltypes.KeyTypeCustomerManagedKey},
		{KeyType: ctltypes.KeyTypeCustomerManagedKey, KmsKeyArn: aws.String("file:absent")},
		{KeyType: ctltypes.KeyTypeCustomerManagedKey, KmsKeyArn: aws.String("arn:aws:kms:us-west-2:444455556666:key/not-there")},
	} {
		_, err := c.SetTokenVaultCMK(ctx, &ctl.SetTokenVaultCMKInput{KmsConfiguration: kc})
		if apiErrorCode(err) != "ValidationException" || !strings.Contains(err.Error(), "kmsKeyArn") {
			t.Errorf("SetTokenVaultCMK(%v): %v", aws.ToString(kc.KmsKeyArn), err)
		}
	}
	// An AWS KMS key.
	if _, err := c.SetTokenVaultCMK(ctx, &ctl.SetTokenVaultCMKInput{KmsConfiguration: &ctltypes.KmsConfiguration{
		KeyType: ctltypes.KeyTypeCustomerManagedKey, KmsKeyArn: aws.String(keyArn),
	}}); err != nil {
		t.Fatalf("SetTokenVaultCMK(KMS): %v", err)
	}
	// The new data key was generated under the KMS key with toolgate's AWS
	// credentials. (The vault may also Decrypt it at once, in the
	// background, when it learns of the new key: order is not asserted.)
	if calls := fake.Calls(); !slices.ContainsFunc(calls, func(c awsfake.KMSCall) bool {
		return c.Operation == "GenerateDataKey" && c.KeyID == keyArn && c.AccessKeyID == kmsCreds.AccessKeyID
	}) {
		t.Errorf("KMS calls = %+v, want a GenerateDataKey under %s", calls, keyArn)
	}
	if _, err := c.ResetTokenVaultKeyMaterial(ctx, &ctl.ResetTokenVaultKeyMaterialInput{TokenVaultId: aws.String("default")}); apiErrorCode(err) != "ValidationException" {
		t.Errorf("Reset with the KMS key present: %v", err)
	}
	fake.DeleteKey(keyArn)
	reset, err := c.ResetTokenVaultKeyMaterial(ctx, &ctl.ResetTokenVaultKeyMaterialInput{TokenVaultId: aws.String("default")})
	if err != nil {
		t.Fatalf("ResetTokenVaultKeyMaterial: %v", err)
	}
	if reset.KmsConfiguration.KeyType != ctltypes.KeyTypeServiceManagedKey || reset.KmsConfiguration.KmsKeyArn != nil {
		t.Errorf("Reset = %+v", reset.KmsConfiguration)
	}
	// The provider survived every change, also across a restart.
	tg.stop()
	tg = startWith(t, dir, func(c *config.Config) {
		c.AWS.AccessKeyIDEnv, c.AWS.SecretAccessKeyEnv = "TG_TEST_KMS_ID", "TG_TEST_KMS_SECRET"
		c.AWS.Endpoints = map[string]string{"kms": fake.URL}
	})
	if _, err := tg.control.GetApiKeyCredentialProvider(ctx, &ctl.GetApiKeyCredentialProviderInput{Name: aws.String("weather")}); err != nil {
		t.Fatal(err)
	}
}
