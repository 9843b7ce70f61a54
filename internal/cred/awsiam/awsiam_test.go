package awsiam_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
	"github.com/toolgate/toolgate/internal/awsfake"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
)

const region = "eu-west-1"

var base = aws.Credentials{AccessKeyID: "AKIABASEBASEBASE0001", SecretAccessKey: "base-secret-MARKER-0123456789abcdefghij"}

func TestSessionName(t *testing.T) {
	for _, tc := range []struct{ gateway, want string }{
		{"orders-gw-a1b2c3d4e5", "toolgate-orders-gw-a1b2c3d4e5"},
		{"x", "toolgate-x"},
		{"we!rd id", "toolgate-we-rd-id"},
		{strings.Repeat("g", 100), "toolgate-" + strings.Repeat("g", 55)},
	} {
		if got := awsiam.SessionName(tc.gateway); got != tc.want {
			t.Errorf("SessionName(%q) = %q, want %q", tc.gateway, got, tc.want)
		}
		if n := len(awsiam.SessionName(tc.gateway)); n > 64 {
			t.Errorf("SessionName(%q) is %d characters", tc.gateway, n)
		}
	}
}

func TestAssumeRoleCachesPerGatewayAndRole(t *testing.T) {
	ctx := context.Background()
	sts := awsfake.NewSTS(t, region, base)
	p := awsiam.New(awsiam.Options{Region: region, Static: base, Endpoints: map[string]string{"sts": sts.URL}})
	const role = "arn:aws:iam::111122223333:role/gateway-role"

	r1 := p.Role("gw-one-a1b2c3d4e5", role)
	var wg sync.WaitGroup
	got := make([]aws.Credentials, 20)
	for i := range got {
		wg.Go(func() {
			c, err := r1.Credentials.Retrieve(ctx)
			if err != nil {
				t.Error(err)
			}
			got[i] = c
		})
	}
	wg.Wait()
	// A second Role for the same pair shares the cache (catalog rebuilds).
	again, err := p.Role("gw-one-a1b2c3d4e5", role).Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range append(got, again) {
		if c.AccessKeyID != got[0].AccessKeyID {
			t.Fatalf("concurrent retrievals returned different credentials: %s and %s", c.AccessKeyID, got[0].AccessKeyID)
		}
	}
	sess, ok := sts.SessionOf(got[0].AccessKeyID)
	if !ok || sess.RoleArn != role || got[0].SessionToken == "" || !got[0].CanExpire {
		t.Fatalf("credentials %s are not an assumed session of %s: %+v", got[0].AccessKeyID, role, sess)
	}
	if _, err := p.Role("gw-two-a1b2c3d4e5", role).Credentials.Retrieve(ctx); err != nil {
		t.Fatal(err)
	}
	want := []awsfake.AssumeRoleCall{
		{RoleArn: role, RoleSessionName: "toolgate-gw-one-a1b2c3d4e5", DurationSeconds: 3600, Caller: base.AccessKeyID},
		{RoleArn: role, RoleSessionName: "toolgate-gw-two-a1b2c3d4e5", DurationSeconds: 3600, Caller: base.AccessKeyID},
	}
	if diff := cmp.Diff(want, sts.Calls()); diff != "" {
		t.Fatalf("AssumeRole calls (-want +got):\n%s", diff)
	}

	// Retain drops what is no longer used: the next retrieval assumes again.
	p.Retain(func(gw, _ string) bool { return gw == "gw-two-a1b2c3d4e5" })
	if _, err := p.Role("gw-one-a1b2c3d4e5", role).Credentials.Retrieve(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(sts.Calls()); n != 3 {
		t.Fatalf("%d AssumeRole calls after Retain, want 3", n)
	}
}

func TestAssumedCredentialsRefreshBeforeExpiry(t *testing.T) {
	ctx := context.Background()
	sts := awsfake.NewSTS(t, region, base)
	// Credentials that expire within the refresh window are refreshed at
	// every use; ones that live long are reused.
	sts.SetLifetime(3 * time.Minute)
	p := awsiam.New(awsiam.Options{Region: region, Static: base, Endpoints: map[string]string{"sts": sts.URL}})
	creds := p.Role("gw", "arn:aws:iam::111122223333:role/r").Credentials
	seen := map[string]bool{}
	for range 3 {
		c, err := creds.Retrieve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen[c.AccessKeyID] = true
	}
	if len(seen) != 3 || len(sts.Calls()) != 3 {
		t.Fatalf("short-lived credentials: %d distinct keys and %d AssumeRole calls, want 3 and 3", len(seen), len(sts.Calls()))
	}
}

func TestAssumeRoleFailureNamesRoleWithoutSecrets(t *testing.T) {
	sts := awsfake.NewSTS(t, region, base)
	const role = "arn:aws:iam::111122223333:role/forbidden"
	sts.Deny(role)
	p := awsiam.New(awsiam.Options{Region: region, Static: base, Endpoints: map[string]string{"sts": sts.URL}})
	_, err := p.Role("gw", role).Credentials.Retrieve(context.Background())
	if err == nil {
		t.Fatal("AssumeRole of a denied role succeeded")
	}
	msg := err.Error()
	for _, want := range []string{role, "AccessDenied"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, base.SecretAccessKey) {
		t.Errorf("error leaks the secret key: %q", msg)
	}
	// Wrong base credentials: STS refuses the signature.
	bad := awsiam.New(awsiam.Options{Region: region, Endpoints: map[string]string{"sts": sts.URL},
		Static: aws.Credentials{AccessKeyID: base.AccessKeyID, SecretAccessKey: "wrong-secret-wrong-secret-wrong-secret00"}})
	if _, err := bad.Role("gw", "arn:aws:iam::111122223333:role/r").Credentials.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Fatalf("a bad base signature gave %v, want SignatureDoesNotMatch", err)
	}
}

func TestDirectModeUsesBaseCredentials(t *testing.T) {
	sts := awsfake.NewSTS(t, region, base)
	p := awsiam.New(awsiam.Options{Region: region, Static: base, Direct: true, Endpoints: map[string]string{"sts": sts.URL}})
	c, err := p.Role("gw", "arn:aws:iam::111122223333:role/r").Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != base.AccessKeyID || len(sts.Calls()) != 0 {
		t.Fatalf("direct mode signed as %s after %d AssumeRole calls", c.AccessKeyID, len(sts.Calls()))
	}
}

func TestProfileBaseCredentials(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	profileKey := aws.Credentials{AccessKeyID: "AKIAPROFILEPROFILE01", SecretAccessKey: "profile-secret-0123456789abcdefghijklmn"}
	os.WriteFile(creds, []byte(fmt.Sprintf("[ops]\naws_access_key_id = %s\naws_secret_access_key = %s\n", profileKey.AccessKeyID, profileKey.SecretAccessKey)), 0o600)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	sts := awsfake.NewSTS(t, region, profileKey)
	p := awsiam.New(awsiam.Options{Region: region, Profile: "ops", Endpoints: map[string]string{"sts": sts.URL}})
	if _, err := p.Role("gw", "arn:aws:iam::111122223333:role/r").Credentials.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	if calls := sts.Calls(); len(calls) != 1 || calls[0].Caller != profileKey.AccessKeyID {
		t.Fatalf("AssumeRole calls %+v, want one signed by the profile's key", calls)
	}

	missing := awsiam.New(awsiam.Options{Region: region, Profile: "nope", Endpoints: map[string]string{"sts": sts.URL}})
	_, err := missing.Role("gw", "arn:aws:iam::111122223333:role/r").Credentials.Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "profile nope") {
		t.Fatalf("missing profile: %v", err)
	}

	none := awsiam.New(awsiam.Options{Region: region, Direct: true})
	_, err = none.Role("gw", "arn:aws:iam::111122223333:role/r").Credentials.Retrieve(context.Background())
	if !errors.Is(err, awsiam.ErrNoCredentials) {
		t.Fatalf("no credentials anywhere: %v, want ErrNoCredentials", err)
	}
}

func TestFormattingHidesCredentials(t *testing.T) {
	p := awsiam.New(awsiam.Options{Region: region, Static: base, Direct: true})
	role := p.Role("gw", "arn:aws:iam::111122223333:role/r")
	s, err := awsiam.NewSigner(role, "execute-api", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{role, s, *role} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, base.SecretAccessKey) {
				t.Errorf("%s of %T prints the secret: %s", verb, v, out)
			}
		}
	}
	if got := s.String(); got != "sigv4(execute-api/eu-west-1 as arn:aws:iam::111122223333:role/r)" {
		t.Errorf("String() = %q", got)
	}
}
