// Package awsfake holds in-process fakes of the AWS APIs toolgate calls as a
// gateway role — STS AssumeRole, Lambda Invoke, S3 GetObject (and KMS for
// the token vault) — for tests, since no real AWS is reachable from them.
// The fakes check requests as AWS does: every request must carry a SigV4
// signature that the AWS SDK's own signer reproduces with the caller's
// credentials, temporary credentials expire, and errors have AWS's wire
// shapes, so a client that works against them speaks the real protocol.
//
// Servers bind to 127.0.0.1 and close with the test.
package awsfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Keys returns the credentials of an access key id, or false when the key
// is unknown (or its temporary credentials expired: then expired is true).
type Keys func(accessKeyID string) (creds aws.Credentials, expired, ok bool)

// StaticKeys accepts exactly the given credentials.
func StaticKeys(creds ...aws.Credentials) Keys {
	return func(id string) (aws.Credentials, bool, bool) {
		for _, c := range creds {
			if c.AccessKeyID == id {
				return c, false, true
			}
		}
		return aws.Credentials{}, false, false
	}
}

// Signed describes a request whose signature verified.
type Signed struct {
	Credentials   aws.Credentials
	Service       string
	Region        string
	SignedHeaders []string
	Time          time.Time
	PayloadHash   string
}

// SigError is a signature check failure, with the error code AWS answers
// (JSON services use the code, query services such as STS their own names;
// Kind lets each fake pick).
type SigError struct {
	Kind    SigErrorKind
	Message string
}

// SigErrorKind classifies signature failures.
type SigErrorKind int

// Kinds of signature failures.
const (
	Missing      SigErrorKind = iota // no Authorization header
	Malformed                        // unparseable Authorization or X-Amz-Date
	UnknownKey                       // access key id not known
	Expired                          // temporary credentials expired
	BadSignature                     // signature, signed headers or token mismatch
	Skewed                           // X-Amz-Date too far from now
)

func (e *SigError) Error() string { return e.Message }

// maxSkew is how far X-Amz-Date may be from the server's clock (AWS: 15 min).
const maxSkew = 15 * time.Minute

// Verify checks r's SigV4 Authorization header as AWS does: it rebuilds the
// request from the headers the client says it signed, signs it again with
// the AWS SDK's signer and the credentials keys returns, and compares the
// signatures. body is the request body already read.
func Verify(r *http.Request, body []byte, keys Keys, now time.Time) (Signed, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return Signed{}, &SigError{Missing, "Missing Authentication Token"}
	}
	algo, rest, _ := strings.Cut(auth, " ")
	if algo != "AWS4-HMAC-SHA256" {
		return Signed{}, &SigError{Malformed, "Authorization header: unsupported algorithm " + algo}
	}
	parts := map[string]string{}
	for p := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return Signed{}, &SigError{Malformed, "Authorization header: malformed component " + p}
		}
		parts[k] = v
	}
	scope := strings.Split(parts["Credential"], "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || parts["SignedHeaders"] == "" || parts["Signature"] == "" {
		return Signed{}, &SigError{Malformed, "Authorization header: want Credential=KEY/DATE/REGION/SERVICE/aws4_request, SignedHeaders=…, Signature=…"}
	}
	signedAt, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return Signed{}, &SigError{Malformed, "X-Amz-Date is missing or not in the form 20060102T150405Z"}
	}
	if scope[1] != signedAt.Format("20060102") {
		return Signed{}, &SigError{BadSignature, "credential scope date " + scope[1] + " does not match X-Amz-Date"}
	}
	if d := now.Sub(signedAt); d > maxSkew || d < -maxSkew {
		return Signed{}, &SigError{Skewed, fmt.Sprintf("Signature expired: %s is more than 15 minutes from the server time", signedAt.Format(time.RFC3339))}
	}
	creds, expired, ok := keys(scope[0])
	if !ok {
		if expired {
			return Signed{}, &SigError{Expired, "The security token included in the request is expired"}
		}
		return Signed{}, &SigError{UnknownKey, "The security token included in the request is invalid (unknown access key " + scope[0] + ")"}
	}
	if creds.SessionToken != "" && !hmac.Equal([]byte(r.Header.Get("X-Amz-Security-Token")), []byte(creds.SessionToken)) {
		return Signed{}, &SigError{BadSignature, "The security token included in the request is invalid"}
	}
	signedHeaders := strings.Split(parts["SignedHeaders"], ";")
	if !slices.Contains(signedHeaders, "host") || !slices.Contains(signedHeaders, "x-amz-date") {
		return Signed{}, &SigError{BadSignature, "SignedHeaders must include host and x-amz-date"}
	}

	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		if h != "UNSIGNED-PAYLOAD" && h != hash {
			return Signed{}, &SigError{BadSignature, "X-Amz-Content-Sha256 does not match the payload"}
		}
		hash = h
	}

	// The request as the client signed it: the raw target and only the
	// headers it lists.
	clone, err := http.NewRequestWithContext(context.Background(), r.Method, "http://"+r.Host+r.RequestURI, bytes.NewReader(body))
	if err != nil {
		return Signed{}, &SigError{Malformed, "request target: " + err.Error()}
	}
	clone.Host = r.Host
	clone.ContentLength = 0
	for _, h := range signedHeaders {
		switch h {
		case "host":
		case "content-length":
			clone.ContentLength = r.ContentLength
		default:
			vs := r.Header.Values(h)
			if len(vs) == 0 {
				return Signed{}, &SigError{BadSignature, "signed header " + h + " is absent"}
			}
			clone.Header[http.CanonicalHeaderKey(h)] = vs
		}
	}
	service, region := scope[3], scope[2]
	s3 := service == "s3" || service == "s3-object-lambda"
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = s3 })
	if err := signer.SignHTTP(context.Background(), creds, clone, hash, service, region, signedAt); err != nil {
		return Signed{}, &SigError{Malformed, "re-sign: " + err.Error()}
	}
	want := authParts(clone.Header.Get("Authorization"))
	if want["SignedHeaders"] != parts["SignedHeaders"] {
		return Signed{}, &SigError{BadSignature, "The request signature we calculated does not match the signature you provided (signed headers " + parts["SignedHeaders"] + ", expected " + want["SignedHeaders"] + ")"}
	}
	if !hmac.Equal([]byte(want["Signature"]), []byte(parts["Signature"])) {
		return Signed{}, &SigError{BadSignature, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."}
	}
	return Signed{Credentials: creds, Service: service, Region: region, SignedHeaders: signedHeaders, Time: signedAt, PayloadHash: hash}, nil
}

func authParts(auth string) map[string]string {
	_, rest, _ := strings.Cut(auth, " ")
	parts := map[string]string{}
	for p := range strings.SplitSeq(rest, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok {
			parts[k] = v
		}
	}
	return parts
}
