package server

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
)

// TestSemanticSearchRefusesDynamicTargets: as in AgentCore, listingMode
// DYNAMIC targets (whose tools are not stored, hence not indexed) and
// searchType SEMANTIC do not go together, whichever comes second.
func TestSemanticSearchRefusesDynamicTargets(t *testing.T) {
	ctx := context.Background()
	tg := start(t, t.TempDir())
	semantic := &types.GatewayProtocolConfigurationMemberMcp{Value: types.MCPGatewayConfiguration{SearchType: types.SearchTypeSemantic}}
	wantField := func(err error, field string) {
		t.Helper()
		var ve *types.ValidationException
		if !errors.As(err, &ve) || len(ve.FieldList) != 1 || aws.ToString(ve.FieldList[0].Name) != field || !strings.Contains(aws.ToString(ve.Message), "DYNAMIC") {
			t.Fatalf("got %v, want a ValidationException naming %s", err, field)
		}
	}

	sgw := sreGateway(t, tg, "search-first", semantic)
	_, err := tg.control.CreateGatewayTarget(ctx, dynamicTarget(sgw.GatewayId, "live", "http://127.0.0.1:9/mcp"))
	wantField(err, "targetConfiguration.mcp.mcpServer.listingMode")

	plain := sreGateway(t, tg, "dynamic-first", &types.GatewayProtocolConfigurationMemberMcp{Value: types.MCPGatewayConfiguration{}})
	if _, err := tg.control.CreateGatewayTarget(ctx, dynamicTarget(plain.GatewayId, "live", "http://127.0.0.1:9/mcp")); err != nil {
		t.Fatal(err)
	}
	_, err = tg.control.UpdateGateway(ctx, &bedrockagentcorecontrol.UpdateGatewayInput{
		GatewayIdentifier: plain.GatewayId, Name: aws.String("dynamic-first"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"),
		ProtocolType: types.GatewayProtocolTypeMcp, AuthorizerType: types.AuthorizerTypeNone, ProtocolConfiguration: semantic,
	})
	wantField(err, "protocolConfiguration.mcp.searchType")
	got, err := tg.control.GetGateway(ctx, &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: plain.GatewayId})
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := got.ProtocolConfiguration.(*types.GatewayProtocolConfigurationMemberMcp); ok && m.Value.SearchType == types.SearchTypeSemantic {
		t.Error("the refused update was written")
	}
}
