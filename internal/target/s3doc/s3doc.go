// Package s3doc fetches the documents AgentCore targets may keep in S3
// instead of inline — an OpenAPI schema (openApiSchema.s3), a Lambda tool
// schema (toolSchema.s3) — as AgentCore does: with GetObject, as the
// gateway's execution role, on CreateGatewayTarget, UpdateGatewayTarget and
// SynchronizeGatewayTargets (agentcore-api.md §7.4, §11.5, §11.6).
//
// The request is a plain SigV4-signed GET (awsiam.Signer, service s3, with
// x-amz-content-sha256) rather than the S3 SDK: one operation, no
// streaming, no multipart, so a dependency would bring nothing but size.
// An "s3" entry in the aws block's endpoints selects path-style addressing
// against that endpoint (MinIO, LocalStack, a VPC endpoint); otherwise the
// object is fetched virtual-hosted style from s3.REGION.amazonaws.com. When
// S3 says the bucket lives in another region (x-amz-bucket-region), the
// request is signed again for that region once.
package s3doc

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/toolgate/toolgate/internal/cred/awsiam"
	"github.com/toolgate/toolgate/internal/egress"
)

// MaxBytes is AgentCore's quota on a schema kept in S3 (10 MB, §11.13).
const MaxBytes = 10 << 20

// Location is an S3 object named by an S3Configuration.
type Location struct {
	Bucket, Key string
	// ExpectedBucketOwner is bucketOwnerAccountId: S3 refuses the request
	// when the bucket belongs to another account.
	ExpectedBucketOwner string
}

// String is the s3:// URI of the object.
func (l Location) String() string { return "s3://" + l.Bucket + "/" + l.Key }

// reBucket is S3's bucket naming rule (general purpose buckets).
var reBucket = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ParseURI reads an S3Configuration: uri "s3://bucket/key" and the optional
// 12-digit bucket owner.
func ParseURI(uri, bucketOwner string) (Location, error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return Location{}, errors.New("must be an s3://bucket/key URI")
	}
	bucket, key, ok := strings.Cut(rest, "/")
	switch {
	case !ok || key == "":
		return Location{}, fmt.Errorf("%q names no object: want s3://bucket/key", uri)
	case !reBucket.MatchString(bucket) || strings.Contains(bucket, "..") || net4(bucket):
		return Location{}, fmt.Errorf("%q is not an S3 bucket name (3-63 lowercase letters, digits, '.' and '-')", bucket)
	case len(key) > 1024:
		return Location{}, fmt.Errorf("the object key is %d bytes; S3 keys are at most 1024", len(key))
	case !utf8.ValidString(key):
		return Location{}, errors.New("the object key is not valid UTF-8")
	}
	return Location{Bucket: bucket, Key: key, ExpectedBucketOwner: bucketOwner}, nil
}

// net4 reports a bucket name shaped like an IPv4 address, which S3 forbids.
func net4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			return false
		}
	}
	return true
}

// Object is a fetched document.
type Object struct {
	Body         []byte
	ETag         string
	LastModified time.Time
}

// Kind classifies fetch failures.
type Kind int

// Kinds of fetch failures.
const (
	// NotFound: NoSuchKey or NoSuchBucket.
	NotFound Kind = iota + 1
	// AccessDenied: the role may not read the object, or the bucket is
	// not owned by bucketOwnerAccountId.
	AccessDenied
	// TooLarge: the object exceeds the limit.
	TooLarge
	// NoCredentials: the gateway role's credentials could not be obtained.
	NoCredentials
	// Refused: any other refusal by S3 (signature, region, request).
	Refused
	// Unavailable: S3 could not be reached or failed (5xx).
	Unavailable
)

// Error is a failed fetch. Its text is meant for the caller of the control
// plane: it names the object and what went wrong, never a credential.
type Error struct {
	Kind     Kind
	Location Location
	// Status and Code are S3's answer, when there was one.
	Status int
	Code   string
	// Message is S3's message or a description of the failure.
	Message string
	Err     error
}

func (e *Error) Error() string {
	loc := e.Location.String()
	switch e.Kind {
	case NotFound:
		if e.Code == "NoSuchBucket" {
			return "cannot read " + loc + ": the bucket " + e.Location.Bucket + " does not exist (NoSuchBucket)"
		}
		return "cannot read " + loc + ": no such object (" + e.Code + ")"
	case AccessDenied:
		msg := "cannot read " + loc + ": access denied (" + e.Code + ")"
		if e.Location.ExpectedBucketOwner != "" {
			msg += "; the gateway role needs s3:GetObject on the object, and the bucket must belong to account " + e.Location.ExpectedBucketOwner
		} else {
			msg += "; the gateway role needs s3:GetObject on the object"
		}
		return msg
	case TooLarge:
		return "cannot read " + loc + ": " + e.Message
	case NoCredentials:
		return "cannot read " + loc + ": " + e.Message
	case Unavailable:
		return "cannot read " + loc + ": S3 is unavailable (" + e.Message + "); try again"
	}
	if e.Code != "" {
		return "cannot read " + loc + ": S3 refused the request (" + e.Code + ": " + e.Message + ")"
	}
	return "cannot read " + loc + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Get fetches loc as role, refusing objects larger than maxBytes
// (0 = MaxBytes). Failures are *Error.
func Get(ctx context.Context, role *awsiam.Role, loc Location, maxBytes int64) (Object, error) {
	if maxBytes <= 0 {
		maxBytes = MaxBytes
	}
	if role == nil || role.Credentials == nil {
		return Object{}, &Error{Kind: NoCredentials, Location: loc,
			Message: "toolgate has no AWS configuration to act as the gateway role (see the aws block of the bootstrap configuration)"}
	}
	client := role.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	region := role.Region
	for attempt := 0; ; attempt++ {
		obj, redirect, err := get(ctx, client, role, region, loc, maxBytes)
		if redirect != "" && redirect != region && attempt == 0 {
			region = redirect // the bucket is elsewhere: sign for its region
			continue
		}
		return obj, err
	}
}

// get makes one request. redirect is the bucket's region when S3 answered
// that the request went to the wrong one.
func get(ctx context.Context, client *http.Client, role *awsiam.Role, region string, loc Location, maxBytes int64) (_ Object, redirect string, _ error) {
	u, err := ObjectURL(role.Endpoint("s3"), region, loc)
	if err != nil {
		return Object{}, "", &Error{Kind: Refused, Location: loc, Message: "the s3 endpoint override is unusable: " + err.Error(), Err: err}
	}
	if region == "" {
		return Object{}, "", &Error{Kind: NoCredentials, Location: loc, Message: "toolgate has no region to sign S3 requests for"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Object{}, "", &Error{Kind: Refused, Location: loc, Message: err.Error(), Err: err}
	}
	req.URL = u // keeps RawPath exactly as escaped for S3
	if loc.ExpectedBucketOwner != "" {
		req.Header.Set("X-Amz-Expected-Bucket-Owner", loc.ExpectedBucketOwner)
	}
	signer, err := awsiam.NewSigner(role, "s3", region)
	if err == nil {
		err = signer.Inject(ctx, req)
	}
	if err != nil {
		return Object{}, "", &Error{Kind: NoCredentials, Location: loc, Message: err.Error(), Err: err}
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Object{}, "", &Error{Kind: Unavailable, Location: loc, Message: ctx.Err().Error(), Err: err}
		}
		return Object{}, "", &Error{Kind: Unavailable, Location: loc, Message: "request failed: " + err.Error(), Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		obj, err := readObject(resp, loc, maxBytes)
		return obj, "", err
	}
	e := s3Failure(resp, loc)
	if br := resp.Header.Get("X-Amz-Bucket-Region"); br != "" && br != region &&
		(resp.StatusCode == http.StatusMovedPermanently || resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusForbidden) {
		return Object{}, br, e
	}
	return Object{}, "", e
}

func readObject(resp *http.Response, loc Location, maxBytes int64) (Object, error) {
	tooLarge := func(n string) error {
		return &Error{Kind: TooLarge, Location: loc, Status: resp.StatusCode,
			Message: fmt.Sprintf("the object is %s bytes; a schema in S3 may be at most %d bytes (%d MiB)", n, maxBytes, maxBytes>>20)}
	}
	if resp.ContentLength > maxBytes {
		return Object{}, tooLarge(strconv.FormatInt(resp.ContentLength, 10))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		if errors.Is(err, egress.ErrResponseTooLarge) {
			return Object{}, tooLarge("more than " + strconv.FormatInt(maxBytes, 10))
		}
		return Object{}, &Error{Kind: Unavailable, Location: loc, Message: "reading the object failed: " + err.Error(), Err: err}
	}
	if int64(len(body)) > maxBytes {
		return Object{}, tooLarge("more than " + strconv.FormatInt(maxBytes, 10))
	}
	obj := Object{Body: body, ETag: resp.Header.Get("ETag")}
	if t, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		obj.LastModified = t.UTC()
	}
	return obj, nil
}

// s3Failure turns an error answer into an *Error.
func s3Failure(resp *http.Response, loc Location) *Error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var doc struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	_ = xml.Unmarshal(bytes.TrimSpace(raw), &doc)
	e := &Error{Location: loc, Status: resp.StatusCode, Code: doc.Code, Message: doc.Message}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if e.Code == "" {
		e.Code = "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	switch {
	case doc.Code == "NoSuchKey" || doc.Code == "NoSuchBucket" || (doc.Code == "" && resp.StatusCode == http.StatusNotFound):
		e.Kind = NotFound
	case doc.Code == "AccessDenied" || doc.Code == "AllAccessDisabled" || (doc.Code == "" && resp.StatusCode == http.StatusForbidden):
		e.Kind = AccessDenied
	case resp.StatusCode >= 500:
		e.Kind = Unavailable
		e.Message = e.Code + ": " + e.Message
	default:
		e.Kind = Refused
	}
	return e
}

// ObjectURL is where loc is fetched: path-style under endpoint when one is
// configured, else virtual-hosted at s3.REGION.amazonaws.com (path-style
// there too for bucket names with dots, which TLS wildcards do not cover).
// The path is escaped as S3 signs it: every byte but A-Z a-z 0-9 - . _ ~
// and '/'.
func ObjectURL(endpoint, region string, loc Location) (*url.URL, error) {
	key := escapeKey(loc.Key)
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil {
			return nil, err
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%q is not an absolute http(s) URL", endpoint)
		}
		base, raw := strings.TrimSuffix(u.Path, "/"), strings.TrimSuffix(u.EscapedPath(), "/")
		u.Path = base + "/" + loc.Bucket + "/" + loc.Key
		u.RawPath = raw + "/" + loc.Bucket + "/" + key
		u.RawQuery, u.Fragment = "", ""
		return u, nil
	}
	suffix := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	if strings.Contains(loc.Bucket, ".") {
		return &url.URL{Scheme: "https", Host: "s3." + region + "." + suffix,
			Path: "/" + loc.Bucket + "/" + loc.Key, RawPath: "/" + loc.Bucket + "/" + key}, nil
	}
	return &url.URL{Scheme: "https", Host: loc.Bucket + ".s3." + region + "." + suffix,
		Path: "/" + loc.Key, RawPath: "/" + key}, nil
}

func escapeKey(key string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
