package catalog

import (
	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/target/smithy"
)

// openSmithy opens a Smithy target (§7.4 smithyModel, §11.7) from its
// inline model or the one fetched from S3; p is the path of its
// configuration, for error fields.
func openSmithy(p string, c *agentcore.ApiSchemaConfiguration, docs Documents, env target.Env) (target.Target, []target.Warning, error) {
	switch {
	case c.S3 != nil:
		doc, err := docs.document(p+".s3", c.S3)
		if err != nil {
			return nil, nil, err
		}
		svc, warnings, err := smithy.Convert([]byte(doc.Body))
		if err != nil {
			return nil, nil, &FieldError{p + ".s3.uri", doc.URI + ": " + err.Error()}
		}
		for i := range warnings {
			warnings[i].Where = doc.URI + " " + warnings[i].Where
		}
		return smithy.Open(svc, env), warnings, nil
	case c.InlinePayload == nil:
		return nil, nil, &FieldError{p, "needs inlinePayload or s3"}
	}
	svc, warnings, err := smithy.Convert([]byte(*c.InlinePayload))
	if err != nil {
		return nil, nil, &FieldError{p + ".inlinePayload", err.Error()}
	}
	return smithy.Open(svc, env), warnings, nil
}

// isSmithy reports whether cfg is a Smithy target.
func isSmithy(cfg *agentcore.TargetConfiguration) bool {
	return cfg != nil && cfg.MCP != nil && cfg.MCP.SmithyModel != nil
}
