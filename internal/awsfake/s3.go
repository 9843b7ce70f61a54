package awsfake

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// S3 is a fake of S3 GetObject (and HeadObject) with path-style addressing
// (GET /{bucket}/{key}), as clients use it behind an endpoint override. It
// checks what S3 checks before it answers: a SigV4 signature over the
// request with the x-amz-content-sha256 header S3 requires, scoped to s3 in
// the service's region; the x-amz-expected-bucket-owner header against the
// bucket's owner; and the permission check set with Allow. Errors are S3's
// XML documents with S3's codes and statuses.
type S3 struct {
	URL    string
	Region string

	keys Keys
	now  func() time.Time

	mu       sync.Mutex
	buckets  map[string]*s3Bucket
	allow    func(creds aws.Credentials, bucket, key string) bool
	requests []S3Request
}

type s3Bucket struct {
	owner   string
	objects map[string]s3Object
}

type s3Object struct {
	body     []byte
	etag     string
	modified time.Time
}

// S3Request records one request the fake answered.
type S3Request struct {
	Method, Bucket, Key string
	// RawPath is the path as sent (escaped).
	RawPath string
	// AccessKeyID signed the request ("" when the signature did not verify).
	AccessKeyID   string
	ExpectedOwner string
	Status        int
	// Code is the S3 error code of a failed request.
	Code string
}

// NewS3 starts a fake S3 on 127.0.0.1 for region. Requests must be signed
// with credentials keys knows.
func NewS3(t testing.TB, region string, keys Keys) *S3 {
	s := &S3{Region: region, keys: keys, now: time.Now, buckets: map[string]*s3Bucket{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// CreateBucket creates bucket name owned by account (12 digits).
func (s *S3) CreateBucket(name, account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets[name] == nil {
		s.buckets[name] = &s3Bucket{owner: account, objects: map[string]s3Object{}}
	}
}

// Put stores body under key in bucket, which must exist.
func (s *S3) Put(bucket, key string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[bucket]
	if b == nil {
		panic("awsfake: Put into bucket " + bucket + ", which does not exist")
	}
	sum := md5.Sum(body)
	b.objects[key] = s3Object{body: append([]byte(nil), body...), etag: `"` + hex.EncodeToString(sum[:]) + `"`, modified: s.now().UTC().Truncate(time.Second)}
}

// Delete removes key from bucket.
func (s *S3) Delete(bucket, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.buckets[bucket]; b != nil {
		delete(b.objects, key)
	}
}

// Allow sets the permission check (s3:GetObject): the fake answers
// AccessDenied when allow returns false. nil allows every verified caller.
func (s *S3) Allow(allow func(creds aws.Credentials, bucket, key string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.allow = allow
}

// Requests returns the requests so far.
func (s *S3) Requests() []S3Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]S3Request(nil), s.requests...)
}

func (s *S3) serve(w http.ResponseWriter, r *http.Request) {
	rec := S3Request{Method: r.Method, RawPath: r.URL.EscapedPath(), ExpectedOwner: r.Header.Get("X-Amz-Expected-Bucket-Owner")}
	fail := func(status int, code, msg string, extra ...string) {
		rec.Status, rec.Code = status, code
		s.record(rec)
		s3Error(w, r, status, code, msg, extra...)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		fail(http.StatusBadRequest, "IncompleteBody", "cannot read the body")
		return
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	rec.Bucket, rec.Key = bucket, key
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource (this fake serves GetObject and HeadObject).")
		return
	}
	if bucket == "" || key == "" {
		fail(http.StatusNotImplemented, "NotImplemented", "This fake serves only object requests (path-style /{bucket}/{key}).")
		return
	}
	if r.Header.Get("Authorization") != "" && r.Header.Get("X-Amz-Content-Sha256") == "" {
		fail(http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
		return
	}
	signed, err := Verify(r, body, s.keys, s.now())
	if err != nil {
		se := err.(*SigError)
		switch se.Kind {
		case Missing:
			fail(http.StatusForbidden, "AccessDenied", "Access Denied")
		case Malformed:
			fail(http.StatusBadRequest, "AuthorizationHeaderMalformed", se.Message)
		case UnknownKey:
			fail(http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
		case Expired:
			fail(http.StatusBadRequest, "ExpiredToken", "The provided token has expired.")
		case Skewed:
			fail(http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
		default:
			fail(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		}
		return
	}
	rec.AccessKeyID = signed.Credentials.AccessKeyID
	if signed.Service != "s3" {
		fail(http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; incorrect service '"+signed.Service+"'. This endpoint belongs to 's3'.")
		return
	}
	if signed.Region != s.Region {
		w.Header().Set("X-Amz-Bucket-Region", s.Region)
		fail(http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; the region '"+signed.Region+"' is wrong; expecting '"+s.Region+"'", "Region", s.Region)
		return
	}

	s.mu.Lock()
	b := s.buckets[bucket]
	allow := s.allow
	var obj s3Object
	var found bool
	var owner string
	if b != nil {
		obj, found = b.objects[key]
		owner = b.owner
	}
	s.mu.Unlock()
	if b == nil {
		fail(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", "BucketName", bucket)
		return
	}
	if rec.ExpectedOwner != "" && rec.ExpectedOwner != owner {
		fail(http.StatusForbidden, "AccessDenied", "Access Denied")
		return
	}
	if allow != nil && !allow(signed.Credentials, bucket, key) {
		fail(http.StatusForbidden, "AccessDenied", "Access Denied")
		return
	}
	if !found {
		fail(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.", "Key", key)
		return
	}
	rec.Status = http.StatusOK
	s.record(rec)
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.Itoa(len(obj.body)))
	h.Set("ETag", obj.etag)
	h.Set("Last-Modified", obj.modified.Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("X-Amz-Request-Id", strings.ToUpper(randomHex(8)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(obj.body)
	}
}

func (s *S3) record(rec S3Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, rec)
}

// s3Error writes S3's error document; extra are further element name/value
// pairs (Key, BucketName, Region).
func s3Error(w http.ResponseWriter, r *http.Request, status int, code, msg string, extra ...string) {
	id := strings.ToUpper(randomHex(8))
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("X-Amz-Request-Id", id)
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString("<Error><Code>")
	xml.EscapeText(&b, []byte(code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(msg))
	b.WriteString("</Message>")
	for i := 0; i+1 < len(extra); i += 2 {
		fmt.Fprintf(&b, "<%s>", extra[i])
		xml.EscapeText(&b, []byte(extra[i+1]))
		fmt.Fprintf(&b, "</%s>", extra[i])
	}
	b.WriteString("<Resource>")
	xml.EscapeText(&b, []byte(resourcePath(r)))
	b.WriteString("</Resource><RequestId>" + id + "</RequestId></Error>")
	_, _ = io.WriteString(w, b.String())
}

func resourcePath(r *http.Request) string {
	if p, err := url.PathUnescape(r.URL.EscapedPath()); err == nil {
		return p
	}
	return r.URL.Path
}
