package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/spf13/cobra"
)

// gatewayRoleFlags are the flags of `target create` for targets that act as
// the gateway's IAM role (GATEWAY_IAM_ROLE): Lambda functions, and OpenAPI
// APIs behind SigV4.
type gatewayRoleFlags struct {
	lambdaArn, toolSchema string
	iamService, iamRegion string
}

func (g *gatewayRoleFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&g.lambdaArn, "lambda", "", "Lambda function ARN: a Lambda target invoked as the gateway's role (instead of --openapi)")
	f.StringVar(&g.toolSchema, "tool-schema", "", "with --lambda: JSON file holding the array of tool definitions (name, description, inputSchema, outputSchema), or s3://bucket/key read by the gateway's role")
	f.StringVar(&g.iamService, "iam-service", "", "with --openapi: sign requests with SigV4 as the gateway's role for this service (e.g. execute-api)")
	f.StringVar(&g.iamRegion, "iam-region", "", "with --iam-service: the signing region (default: the gateway's)")
	cmd.MarkFlagsRequiredTogether("lambda", "tool-schema")
	cmd.MarkFlagsMutuallyExclusive("lambda", "openapi", "mcp-server", "smithy")
	cmd.MarkFlagsOneRequired("lambda", "openapi", "mcp-server", "smithy")
	cmd.MarkFlagsMutuallyExclusive("smithy", "api-key-provider")
	cmd.MarkFlagsMutuallyExclusive("lambda", "iam-service")
	cmd.MarkFlagsMutuallyExclusive("iam-service", "api-key-provider")
	cmd.MarkFlagsMutuallyExclusive("lambda", "api-key-provider")
}

// lambdaTarget reads the tool definitions and returns the Lambda target
// configuration.
func (g *gatewayRoleFlags) lambdaTarget() (types.TargetConfiguration, error) {
	if strings.HasPrefix(g.toolSchema, "s3://") {
		// Fetched by the gateway, as its role, when the target is created
		// and on every synchronize.
		return &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberLambda{Value: types.McpLambdaTargetConfiguration{
			LambdaArn: aws.String(g.lambdaArn), ToolSchema: &types.ToolSchemaMemberS3{Value: types.S3Configuration{Uri: aws.String(g.toolSchema)}},
		}}}, nil
	}
	data, err := os.ReadFile(g.toolSchema)
	if err != nil {
		return nil, fmt.Errorf("read tool schema: %w", err)
	}
	var tools []types.ToolDefinition
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&tools); err != nil {
		return nil, fmt.Errorf("tool schema %s: want a JSON array of tool definitions: %w", g.toolSchema, err)
	}
	return &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberLambda{Value: types.McpLambdaTargetConfiguration{
		LambdaArn: aws.String(g.lambdaArn), ToolSchema: &types.ToolSchemaMemberInlinePayload{Value: tools},
	}}}, nil
}

// credentials is the GATEWAY_IAM_ROLE configuration the flags ask for, or
// nil.
func (g *gatewayRoleFlags) credentials() []types.CredentialProviderConfiguration {
	switch {
	case g.lambdaArn != "":
		return []types.CredentialProviderConfiguration{{CredentialProviderType: types.CredentialProviderTypeGatewayIamRole}}
	case g.iamService != "":
		ip := types.IamCredentialProvider{Service: aws.String(g.iamService)}
		if g.iamRegion != "" {
			ip.Region = aws.String(g.iamRegion)
		}
		return []types.CredentialProviderConfiguration{{
			CredentialProviderType: types.CredentialProviderTypeGatewayIamRole,
			CredentialProvider:     &types.CredentialProviderMemberIamCredentialProvider{Value: ip},
		}}
	}
	return nil
}
