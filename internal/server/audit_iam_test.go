package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/toolgate/toolgate/internal/audit"
)

// TestAuditIAMAPI: calls to the IAM Query API at /iam/ are recorded as
// CloudTrail records IAM's: eventSource iam.amazonaws.com, the form
// parameters as requestParameters, the XML result as responseElements,
// and the new access key's secret hidden.
func TestAuditIAMAPI(t *testing.T) {
	ctx := context.Background()
	tg := start(t, t.TempDir())
	client := func(c aws.Credentials) *iamsdk.Client {
		return iamsdk.New(iamsdk.Options{Region: "us-east-1", RetryMaxAttempts: 1,
			Credentials: credentials.StaticCredentialsProvider{Value: c}, BaseEndpoint: aws.String("http://" + tg.addrs.Control + "/iam/")})
	}
	admin := client(rootCreds(t, tg.dir))
	if _, err := admin.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	const doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock-agentcore:List*","Resource":"*"}]}`
	if _, err := admin.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("lists"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	k, err := admin.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	bob := aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
	if _, err := client(bob).ListUsers(ctx, &iamsdk.ListUsersInput{}); apiErrorCode(err) != "AccessDenied" {
		t.Fatalf("ListUsers as bob: %v", err)
	}

	forged := aws.Credentials{AccessKeyID: bob.AccessKeyID, SecretAccessKey: "not-" + bob.SecretAccessKey[4:]}
	if _, err := client(forged).CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("mallory")}); err == nil {
		t.Fatal("a forged signature was accepted")
	}

	byName := map[string]audit.Event{}
	for _, e := range queryAudit(t, tg, url.Values{}) {
		if e.EventSource == audit.EventSourceIAM && e.UserIdentity.Type != audit.IdentityUnknown {
			byName[e.EventName] = e
		}
	}
	if e := byName["CreateUser"]; e.ReadOnly || !strings.Contains(string(e.RequestParameters), `"userName":"bob"`) ||
		!strings.Contains(string(e.ResponseElements), `"userName":"bob"`) || len(e.Resources) != 1 || e.Resources[0].Type != audit.ResourceIAMUser {
		t.Errorf("CreateUser %+v\nrequest %s\nresponse %s", e, e.RequestParameters, e.ResponseElements)
	}
	var params map[string]string
	json.Unmarshal(byName["PutUserPolicy"].RequestParameters, &params)
	if params["policyDocument"] != doc || params["policyName"] != "lists" {
		t.Errorf("PutUserPolicy requestParameters %s", byName["PutUserPolicy"].RequestParameters)
	}
	var created struct {
		AccessKey map[string]string `json:"accessKey"`
	}
	json.Unmarshal(byName["CreateAccessKey"].ResponseElements, &created)
	if created.AccessKey["accessKeyId"] != bob.AccessKeyID || created.AccessKey["secretAccessKey"] != audit.Hidden {
		t.Errorf("CreateAccessKey responseElements %s", byName["CreateAccessKey"].ResponseElements)
	}
	if e := byName["ListUsers"]; e.ErrorCode != "AccessDenied" || !strings.Contains(e.ErrorMessage, "iam:ListUsers") || e.UserIdentity.AccessKeyID != bob.AccessKeyID {
		t.Errorf("denied ListUsers %+v", e)
	}
	// The forged call is named by its form's Action, with only the claimed key.
	forgedEvents := queryAudit(t, tg, url.Values{"event": {"CreateUser"}, "errorsOnly": {"true"}})
	if len(forgedEvents) != 1 {
		t.Fatalf("forged CreateUser events %+v", forgedEvents)
	}
	if e := forgedEvents[0]; e.EventSource != audit.EventSourceIAM || e.UserIdentity != (audit.UserIdentity{Type: audit.IdentityUnknown, AccessKeyID: bob.AccessKeyID}) ||
		(e.ErrorCode != "InvalidSignatureException" && e.ErrorCode != "SignatureDoesNotMatch") || e.RequestParameters != nil {
		t.Errorf("forged CreateUser %+v", e)
	}
	tg.stop()
	_, raw, _ := auditFileEvents(t, tg.dir)
	if bytes.Contains(raw, []byte(bob.SecretAccessKey)) {
		t.Error("the new access key's secret is in the audit log")
	}
}
