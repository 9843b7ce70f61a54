package catalog

import (
	"errors"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/target/lambda"
)

// openLambda opens a Lambda target (§7.4, §11.5); p is the path of its
// configuration, for error fields.
func openLambda(p string, l *agentcore.McpLambdaTargetConfiguration, docs Documents, env target.Env) (target.Target, []target.Warning, error) {
	ts := l.ToolSchema
	if ts == nil {
		return nil, nil, &FieldError{p + ".toolSchema", "is required"}
	}
	var (
		tools    []target.Tool
		warnings []target.Warning
		err      error
	)
	if ts.S3 != nil {
		tools, warnings, err = lambdaToolsS3(p+".toolSchema.s3", ts.S3, docs)
		if err != nil {
			return nil, nil, err
		}
	} else {
		tools, warnings, err = lambda.Convert(ts.InlinePayload)
		var se *lambda.SchemaError
		if errors.As(err, &se) {
			return nil, nil, &FieldError{p + ".toolSchema." + se.Field, se.Message}
		}
		if err != nil {
			return nil, nil, err
		}
		for i := range warnings {
			warnings[i].Where = "toolSchema." + warnings[i].Where
		}
	}
	tgt, err := lambda.Open(lambda.Config{FunctionARN: deref(l.LambdaArn), Tools: tools, Env: env})
	if err != nil {
		return nil, nil, &FieldError{p + ".lambdaArn", err.Error()}
	}
	return tgt, warnings, nil
}
