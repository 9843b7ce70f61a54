package catalog

import (
	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/target/openapi"
)

// FieldError names the configuration member a target cannot be opened
// because of, so the control plane can answer with a ValidationException
// that points at it.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// OpenTarget turns a target configuration into a Target. The same function
// validates configuration on the control plane (with env zero: nothing is
// called) and opens it for serving, so what was accepted is what is served.
func OpenTarget(cfg *agentcore.TargetConfiguration, env target.Env) (target.Target, []target.Warning, error) {
	return OpenTargetWith(cfg, nil, env)
}

// OpenTargetWith is OpenTarget for a configuration whose S3 documents were
// fetched into docs (s3.go).
func OpenTargetWith(cfg *agentcore.TargetConfiguration, docs Documents, env target.Env) (target.Target, []target.Warning, error) {
	const base = "targetConfiguration"
	if cfg == nil {
		return nil, nil, &FieldError{base, "is required"}
	}
	if cfg.MCP == nil {
		return nil, nil, &FieldError{base, "only mcp targets are supported by this toolgate release"}
	}
	m := cfg.MCP
	switch {
	case m.OpenAPISchema != nil:
		s := m.OpenAPISchema
		if s.S3 != nil {
			return openOpenAPIFromS3(base+".mcp.openApiSchema.s3", s.S3, docs, env)
		}
		if s.InlinePayload == nil {
			return nil, nil, &FieldError{base + ".mcp.openApiSchema", "needs inlinePayload or s3"}
		}
		spec, warnings, err := openapi.Convert([]byte(*s.InlinePayload))
		if err != nil {
			return nil, nil, &FieldError{base + ".mcp.openApiSchema.inlinePayload", err.Error()}
		}
		return openapi.Open(spec, env), warnings, nil
	case m.SmithyModel != nil:
		return openSmithy(base+".mcp.smithyModel", m.SmithyModel, docs, env) // smithy.go
	case m.Lambda != nil:
		return openLambda(base+".mcp.lambda", m.Lambda, docs, env)
	case m.MCPServer != nil:
		return openMCPServer(base+".mcp.mcpServer", m.MCPServer, docs, env) // mcpserver.go
	case m.APIGateway != nil:
		return nil, nil, &FieldError{base + ".mcp.apiGateway", "API Gateway targets are not supported by this toolgate release yet"}
	case m.Connector != nil:
		return nil, nil, &FieldError{base + ".mcp.connector", "connector targets are not supported by this toolgate release yet"}
	}
	return nil, nil, &FieldError{base + ".mcp", "must set one target kind (openApiSchema, smithyModel, lambda or mcpServer in this release)"}
}
