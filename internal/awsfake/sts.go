package awsfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// STS is a fake of the STS AssumeRole API (awsQuery protocol).
type STS struct {
	// URL is the endpoint, e.g. http://127.0.0.1:PORT.
	URL    string
	Region string

	mu sync.Mutex
	// base are the callers allowed to assume roles.
	base []aws.Credentials
	// lifetime, when set, overrides the DurationSeconds a caller asks for,
	// so tests can hand out credentials that expire soon.
	lifetime time.Duration
	// deny lists role ARNs AssumeRole refuses (AccessDenied).
	deny   map[string]bool
	issued map[string]Session
	calls  []AssumeRoleCall
	now    func() time.Time
}

// Session is one set of credentials STS issued.
type Session struct {
	Credentials aws.Credentials
	RoleArn     string
	SessionName string
	// AssumedRoleArn is arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION.
	AssumedRoleArn string
}

// AssumeRoleCall records one AssumeRole request that verified.
type AssumeRoleCall struct {
	RoleArn         string
	RoleSessionName string
	DurationSeconds int
	// Caller is the access key id that signed the call.
	Caller string
}

// NewSTS starts a fake STS on 127.0.0.1 that accepts calls signed with any
// of base, for region.
func NewSTS(t testing.TB, region string, base ...aws.Credentials) *STS {
	s := &STS{Region: region, base: base, deny: map[string]bool{}, issued: map[string]Session{}, now: time.Now}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// SetLifetime makes issued credentials expire after d regardless of the
// requested duration (0 restores the requested one).
func (s *STS) SetLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// Deny makes AssumeRole of roleArn fail with AccessDenied.
func (s *STS) Deny(roleArn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny[roleArn] = true
}

// Calls returns the AssumeRole calls so far.
func (s *STS) Calls() []AssumeRoleCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]AssumeRoleCall(nil), s.calls...)
}

// Keys looks up credentials STS issued; expired ones are reported as such.
func (s *STS) Keys() Keys {
	return func(id string) (aws.Credentials, bool, bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		sess, ok := s.issued[id]
		if !ok {
			return aws.Credentials{}, false, false
		}
		if !s.now().Before(sess.Credentials.Expires) {
			return aws.Credentials{}, true, false
		}
		return sess.Credentials, false, true
	}
}

// SessionOf returns the session an access key id belongs to.
func (s *STS) SessionOf(accessKeyID string) (Session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.issued[accessKeyID]
	return sess, ok
}

var (
	reRoleArn     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]+)$`)
	reSessionName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)

func (s *STS) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		stsError(w, http.StatusBadRequest, "InvalidRequest", "cannot read body")
		return
	}
	if r.Method != http.MethodPost {
		stsError(w, http.StatusBadRequest, "InvalidAction", "only POST is supported by this fake")
		return
	}
	signed, err := Verify(r, body, StaticKeys(s.base...), s.now())
	if err != nil {
		se := err.(*SigError)
		code := map[SigErrorKind]string{Missing: "MissingAuthenticationToken", Malformed: "IncompleteSignature",
			UnknownKey: "InvalidClientTokenId", Expired: "ExpiredToken", BadSignature: "SignatureDoesNotMatch", Skewed: "SignatureDoesNotMatch"}[se.Kind]
		stsError(w, http.StatusForbidden, code, se.Message)
		return
	}
	if signed.Service != "sts" || signed.Region != s.Region {
		stsError(w, http.StatusForbidden, "SignatureDoesNotMatch", fmt.Sprintf("Credential should be scoped to a valid region and service sts/%s, not %s/%s", s.Region, signed.Service, signed.Region))
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		stsError(w, http.StatusBadRequest, "MalformedInput", "the body is not form-encoded")
		return
	}
	if form.Get("Action") != "AssumeRole" || form.Get("Version") != "2011-06-15" {
		stsError(w, http.StatusBadRequest, "InvalidAction", "this fake supports only Action=AssumeRole&Version=2011-06-15")
		return
	}
	roleArn, name := form.Get("RoleArn"), form.Get("RoleSessionName")
	m := reRoleArn.FindStringSubmatch(roleArn)
	if m == nil {
		stsError(w, http.StatusBadRequest, "ValidationError", "1 validation error detected: Value at 'roleArn' failed to satisfy constraint")
		return
	}
	if !reSessionName.MatchString(name) {
		stsError(w, http.StatusBadRequest, "ValidationError", "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
		return
	}
	duration := 3600
	if d := form.Get("DurationSeconds"); d != "" {
		if duration, err = strconv.Atoi(d); err != nil || duration < 900 || duration > 43200 {
			stsError(w, http.StatusBadRequest, "ValidationError", "DurationSeconds must be 900..43200")
			return
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deny[roleArn] {
		stsError(w, http.StatusForbidden, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", signed.Credentials.AccessKeyID, roleArn))
		return
	}
	s.calls = append(s.calls, AssumeRoleCall{RoleArn: roleArn, RoleSessionName: name, DurationSeconds: duration, Caller: signed.Credentials.AccessKeyID})
	life := time.Duration(duration) * time.Second
	if s.lifetime > 0 {
		life = s.lifetime
	}
	creds := aws.Credentials{
		AccessKeyID: "ASIA" + strings.ToUpper(randomHex(8)), SecretAccessKey: randomHex(20), SessionToken: "FQoG" + randomHex(32),
		CanExpire: true, Expires: s.now().Add(life).UTC().Truncate(time.Second),
	}
	assumed := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", m[1], m[2], name)
	s.issued[creds.AccessKeyID] = Session{Credentials: creds, RoleArn: roleArn, SessionName: name, AssumedRoleArn: assumed}

	type xmlCreds struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string
		Expiration      string
	}
	var resp struct {
		XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
		Result  struct {
			Credentials     xmlCreds
			AssumedRoleUser struct {
				AssumedRoleID string `xml:"AssumedRoleId"`
				Arn           string
			}
		} `xml:"AssumeRoleResult"`
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	resp.Result.Credentials = xmlCreds{creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken, creds.Expires.Format(time.RFC3339)}
	resp.Result.AssumedRoleUser.AssumedRoleID = "AROA" + strings.ToUpper(randomHex(8)) + ":" + name
	resp.Result.AssumedRoleUser.Arn = assumed
	resp.RequestID = randomUUID()
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", resp.RequestID)
	_ = xml.NewEncoder(w).Encode(resp)
}

func stsError(w http.ResponseWriter, status int, code, msg string) {
	id := randomUUID()
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", id)
	w.WriteHeader(status)
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	var e struct {
		XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
		Error   struct {
			Type    string
			Code    string
			Message string
		}
		RequestID string `xml:"RequestId"`
	}
	e.Error.Type, e.Error.Code, e.Error.Message, e.RequestID = typ, code, msg, id
	_ = xml.NewEncoder(w).Encode(e)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomUUID() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
