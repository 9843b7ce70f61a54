package controlplane

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/google/go-cmp/cmp"
	"github.com/toolgate/toolgate/internal/address"
	"github.com/toolgate/toolgate/internal/awsfake"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/store/sqlstore"
	"github.com/toolgate/toolgate/internal/vault"
)

// s3Fixture is a control plane whose gateways read S3 with roles, or, with
// roles nil, have no AWS configuration.
func s3Fixture(t *testing.T, roles *awsiam.Provider) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "cp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	v, err := vault.New(vault.KeyFromRoot(bytes.Repeat([]byte{7}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	keys := &iam.Keyring{Store: st, Vault: v}
	_, id, secret, err := keys.CreateRoot(ctx, "123456789012")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st}
	f.srv = httptest.NewServer(New(Options{
		Store: st, Vault: v, Keys: keys, Region: "us-east-1", AccountID: "123456789012",
		GatewayURL: address.New("http://127.0.0.1:9", "").GatewayURL, AWS: roles,
	}))
	t.Cleanup(f.srv.Close)
	f.sdk = bedrockagentcorecontrol.New(bedrockagentcorecontrol.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(f.srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
	})
	return f
}

const s3Spec = `openapi: 3.0.3
info: {title: pets, version: "1"}
servers: [{url: "https://api.example.com"}]
paths:
  /pets:
    get: {operationId: listPets, responses: {"200": {description: ok}}}
`

func s3Target(name, uri string) *bedrockagentcorecontrol.CreateGatewayTargetInput {
	return &bedrockagentcorecontrol.CreateGatewayTargetInput{
		Name: aws.String(name),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
			Value: &types.ApiSchemaConfigurationMemberS3{Value: types.S3Configuration{Uri: aws.String(uri)}},
		}},
	}
}

func TestS3TargetWithoutAWSConfiguration(t *testing.T) {
	f := s3Fixture(t, nil)
	gw := createGateway(t, f, "no-aws")
	in := s3Target("pets", "s3://specs/pets.yaml")
	in.GatewayIdentifier = gw.GatewayId
	_, err := f.sdk.CreateGatewayTarget(context.Background(), in)
	var ve *types.ValidationException
	if !errors.As(err, &ve) || len(ve.FieldList) != 1 ||
		aws.ToString(ve.FieldList[0].Name) != "targetConfiguration.mcp.openApiSchema.s3.uri" ||
		!strings.Contains(aws.ToString(ve.FieldList[0].Message), "no AWS configuration") {
		t.Fatalf("CreateGatewayTarget: %v", err)
	}
}

// TestS3TargetStoredDocument: what is stored with the target as S3 is read
// on create and synchronize, and what a failed synchronization leaves.
func TestS3TargetStoredDocument(t *testing.T) {
	ctx := context.Background()
	key := aws.Credentials{AccessKeyID: "AKIATOOLGATE00000001", SecretAccessKey: "s3-fixture-secret"}
	s3 := awsfake.NewS3(t, "us-east-1", awsfake.StaticKeys(key))
	s3.CreateBucket("specs", "123456789012")
	s3.Put("specs", "pets.yaml", []byte(s3Spec))
	f := s3Fixture(t, awsiam.New(awsiam.Options{Region: "us-east-1", Static: key, Direct: true, Endpoints: map[string]string{"s3": s3.URL}}))
	gw := createGateway(t, f, "s3")
	in := s3Target("pets", "s3://specs/pets.yaml")
	in.GatewayIdentifier = gw.GatewayId
	created, err := f.sdk.CreateGatewayTarget(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	stored := func() ([]byte, catalog.Documents) {
		t.Helper()
		tg, err := f.st.GetTarget(ctx, aws.ToString(gw.GatewayId), aws.ToString(created.TargetId))
		if err != nil {
			t.Fatal(err)
		}
		docs, err := catalog.StoredDocuments(tg.Config)
		if err != nil {
			t.Fatal(err)
		}
		return tg.Config, docs
	}
	bodyOf := func(docs catalog.Documents) string { return docs["targetConfiguration.mcp.openApiSchema.s3"].Body }
	if _, docs := stored(); bodyOf(docs) != s3Spec {
		t.Fatalf("stored documents after create: %+v", docs)
	}

	sync := func() types.GatewayTarget {
		t.Helper()
		out, err := f.sdk.SynchronizeGatewayTargets(ctx, &bedrockagentcorecontrol.SynchronizeGatewayTargetsInput{
			GatewayIdentifier: gw.GatewayId, TargetIdList: []string{aws.ToString(created.TargetId)},
		})
		if err != nil {
			t.Fatal(err)
		}
		return out.Targets[0]
	}
	v2 := strings.Replace(s3Spec, "listPets", "listAllPets", 1)
	s3.Put("specs", "pets.yaml", []byte(v2))
	if got := sync(); got.Status != types.TargetStatusReady {
		t.Fatalf("synchronize: %s %v", got.Status, got.StatusReasons)
	}
	before, docs := stored()
	if bodyOf(docs) != v2 {
		t.Fatalf("stored documents after synchronize: %+v", docs)
	}

	// Failures keep the stored document as it was.
	for _, tc := range []struct {
		name   string
		object string
		reason string
	}{
		{"object gone", "", "NoSuchKey"},
		{"not OpenAPI", "title: not a spec", `"openapi" field is missing`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.object == "" {
				s3.Delete("specs", "pets.yaml")
			} else {
				s3.Put("specs", "pets.yaml", []byte(tc.object))
			}
			got := sync()
			if got.Status != types.TargetStatusSynchronizeUnsuccessful || len(got.StatusReasons) != 1 ||
				!strings.HasPrefix(got.StatusReasons[0], "targetConfiguration.mcp.openApiSchema.s3.uri: ") ||
				!strings.Contains(got.StatusReasons[0], tc.reason) {
				t.Fatalf("synchronize: %s %q", got.Status, got.StatusReasons)
			}
			after, _ := stored()
			if diff := cmp.Diff(string(before), string(after)); diff != "" {
				t.Fatalf("stored configuration changed (-before +after):\n%s", diff)
			}
		})
	}
}
