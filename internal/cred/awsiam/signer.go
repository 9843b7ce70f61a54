package awsiam

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/toolgate/toolgate/internal/cred"
)

// emptyHash is the SHA-256 of an empty payload.
const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// Headers the signer owns. A value the request already carries under one of
// these names came from a tool's arguments: it is removed, so an agent can
// neither smuggle a session token of its own nor confuse the upstream with
// two signatures.
var signingHeaders = []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"}

// Signer is a cred.Injector that signs requests with SigV4 for one service
// and region, with the credentials of a gateway role.
type Signer struct {
	role    string
	creds   aws.CredentialsProvider
	service string
	region  string
	signer  *v4.Signer
	s3      bool
	now     func() time.Time
}

var _ cred.Injector = (*Signer)(nil)

// NewSigner signs for service (the SigV4 signing name, e.g. "execute-api",
// "lambda", "bedrock-agentcore") in region ("" = the role's region).
func NewSigner(role *Role, service, region string) (*Signer, error) {
	if role == nil || role.Credentials == nil {
		return nil, errors.New("awsiam: the gateway has no AWS credentials configured")
	}
	if service == "" {
		return nil, errors.New("awsiam: the SigV4 service name is empty")
	}
	if region == "" {
		region = role.Region
	}
	if region == "" {
		return nil, errors.New("awsiam: no signing region (the target names none and toolgate has no region)")
	}
	s3 := service == "s3" || service == "s3-object-lambda"
	return &Signer{
		role: role.ARN, creds: role.Credentials, service: service, region: region, s3: s3,
		// S3 signs the path as sent; every other service escapes it once
		// more (the SDK does the same per service).
		signer: v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = s3 }),
		now:    time.Now,
	}, nil
}

// Inject signs req: it retrieves the role's credentials (cached, refreshed
// before expiry), hashes the payload and sets Authorization, X-Amz-Date and,
// for temporary credentials, X-Amz-Security-Token.
func (s *Signer) Inject(ctx context.Context, req *http.Request) error {
	creds, err := s.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("awsiam: credentials of the gateway role %s: %w", s.role, err)
	}
	hash, err := payloadHash(req)
	if err != nil {
		return fmt.Errorf("awsiam: read the request body to sign it: %w", err)
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	for k := range req.Header {
		for _, h := range signingHeaders {
			if strings.EqualFold(k, h) {
				delete(req.Header, k)
			}
		}
	}
	if s.s3 {
		req.Header.Set("X-Amz-Content-Sha256", hash)
	}
	if err := s.signer.SignHTTP(ctx, creds, req, hash, s.service, s.region, s.now()); err != nil {
		return fmt.Errorf("awsiam: sign the request: %w", err)
	}
	return nil
}

// payloadHash returns the hex SHA-256 of req's body, leaving the body
// readable for sending.
func payloadHash(req *http.Request) (string, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return emptyHash, nil
	}
	var body []byte
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return "", err
		}
		body, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return "", err
		}
	} else {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return "", err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:]), nil
}

// String describes the signer without credentials, e.g.
// "sigv4(execute-api/us-east-1 as arn:aws:iam::111122223333:role/gw)".
func (s Signer) String() string {
	return "sigv4(" + s.service + "/" + s.region + " as " + s.role + ")"
}

// GoString keeps %#v from printing the credentials.
func (s Signer) GoString() string { return s.String() }

// Format makes every verb print String.
func (s Signer) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// LogValue keeps slog from reflecting over the struct.
func (s Signer) LogValue() slog.Value { return slog.StringValue(s.String()) }
