// Package cognito serves the subset of the Amazon Cognito user-pool API
// (service cognito-idp, AWS JSON 1.1, X-Amz-Target
// AWSCognitoIdentityProviderService.<Op>) that manages toolgate's embedded
// identity provider (DESIGN §2.2), so the seed documents' `aws cognito-idp`
// set-up commands and the SDKs' Cognito clients work with only an endpoint
// override:
//
//	CreateUserPool, DescribeUserPool, ListUserPools, DeleteUserPool
//	CreateResourceServer, ListResourceServers
//	CreateUserPoolClient, DescribeUserPoolClient, ListUserPoolClients, DeleteUserPoolClient
//	CreateUserPoolDomain
//
// Requests and responses use Cognito's member names and shapes; errors are
// Cognito's ({"__type": "ResourceNotFoundException", "message": ...} with
// X-Amzn-ErrorType). Cognito's model declares no HTTP status per error, so
// the AWS JSON 1.1 default applies: 400 for client errors, 500 for
// InternalErrorException. Any other Cognito operation is answered with
// UnsupportedOperationException naming it, never with a wrong result.
//
// Each pool becomes an issuer on the data plane (package idp):
// <data URL>/idp/<poolId>. Responses of CreateUserPool and DescribeUserPool
// carry it in X-Toolgate-Issuer and X-Toolgate-Discovery-Url headers, which
// AWS clients ignore and toolgate's CLI prints.
//
// Differences from Cognito, each deliberate:
//
//   - Client secrets are stored only as a salted hash, so the secret is in
//     exactly one response: CreateUserPoolClient with GenerateSecret.
//     DescribeUserPoolClient, which in AWS returns ClientSecret again, omits
//     it here; a lost secret means a new client. A secret the caller chose
//     (ClientSecret) is not echoed at all, as Cognito's AddUserPoolClientSecret
//     does, and must be 24 to 64 characters of [\w+].
//   - Only the client_credentials OAuth flow exists: code and implicit need
//     a hosted sign-in UI toolgate does not have, so they are refused with
//     InvalidOAuthFlowException rather than accepted and never served. A
//     client_credentials client needs a secret and at least one resource
//     server scope.
//   - Only domain prefixes: a custom domain (CustomDomainConfig) is refused.
//     The token endpoint also answers under <data URL>/idp/<domain>/oauth2/token.
//   - DeleteUserPool deletes the pool's domain with it instead of asking for
//     DeleteUserPoolDomain first, which this subset lacks.
//   - User-pool settings about users (policies, MFA, Lambda triggers,
//     schema, ...) are validated for shape, stored and echoed by
//     DescribeUserPool, and have no effect: the pools have no users.
//
// Authentication (SigV4, signing name cognito-idp) and authorisation happen
// before this handler, in the control plane: each operation is authorised
// as cognito-idp:<Op> on the pool's ARN (internal/server's
// cognitoClassifier).
package cognito
