package server

import (
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/toolgate/toolgate/internal/config"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
	"github.com/toolgate/toolgate/internal/egress"
	"github.com/toolgate/toolgate/internal/target/lambda"
	"github.com/toolgate/toolgate/internal/target/s3doc"
)

// newAWSProvider gives gateways their execution roles for GATEWAY_IAM_ROLE
// targets and for reading targets' documents from S3, as the aws block of
// the bootstrap configuration says. Nothing is read or called until a
// target needs credentials.
func newAWSProvider(cfg config.Config, log *slog.Logger) *awsiam.Provider {
	a := cfg.AWS
	// AWS API endpoints are chosen by operators (the aws.endpoints
	// overrides, often VPC endpoints or a LocalStack on a private network),
	// not by tool definitions: egress.deny_private is for target upstreams.
	// Cloud metadata addresses stay refused. Responses may be Lambda
	// payloads (6 MB) and S3 target documents (10 MB).
	client := egress.NewClient(egress.Options{
		Policy:           egress.Policy{AllowLinkLocal: cfg.Egress.AllowLinkLocal},
		Timeout:          time.Duration(cfg.Egress.TimeoutSeconds) * time.Second,
		MaxResponseBytes: max(cfg.Egress.MaxResponseBytes, lambda.MaxPayload+64<<10, s3doc.MaxBytes+64<<10),
	})
	o := awsiam.Options{
		Region: cfg.Region, STSRegion: a.Region, Profile: a.Profile, Direct: !a.AssumesRole(),
		SessionDuration: time.Duration(a.SessionDurationSeconds) * time.Second,
		Endpoints:       a.Endpoints, HTTPClient: client, Logger: log,
	}
	source := "the AWS SDK's default credential chain"
	if a.Profile != "" {
		source = "profile " + a.Profile
	}
	if id, secret, token, ok := a.StaticCredentials(); ok {
		o.Static = aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token}
		source = "environment variables " + a.AccessKeyIDEnv + "/" + a.SecretAccessKeyEnv
	}
	mode := "assumes each gateway's roleArn through STS"
	if o.Direct {
		mode = "signs as itself (aws.assume_role: false)"
	}
	log.Debug("AWS access for GATEWAY_IAM_ROLE targets", "credentials", source, "mode", mode, "endpoints", len(a.Endpoints))
	return awsiam.New(o)
}
