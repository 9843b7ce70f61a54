package iamapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/toolgate/toolgate/internal/controlplane"
	"github.com/toolgate/toolgate/internal/iamapi"
	"github.com/toolgate/toolgate/internal/store"
)

func form(kv ...string) url.Values {
	v := url.Values{"Version": {"2010-05-08"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestClassify(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ops, err := e.st.CreatePrincipal(ctx, store.Principal{ID: "AIDAOPS", Name: "ops", Kind: store.PrincipalUser, Path: "/team/",
		ARN: "arn:aws:iam::" + account + ":user/team/ops", Tags: map[string]string{"team": "sre"}})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := e.keys.CreateAccessKey(ctx, ops.ID)
	if err != nil {
		t.Fatal(err)
	}
	user := func(path, name string) string { return "arn:aws:iam::" + account + ":user" + path + name }
	cases := []struct {
		name   string
		form   url.Values
		get    bool
		caller string
		want   controlplane.Operation
		ok     bool
	}{
		{"CreateUser on the new user's ARN with its tags",
			form("Action", "CreateUser", "UserName", "bob", "Path", "/dev/", "Tags.member.1.Key", "env", "Tags.member.1.Value", "prod"), false, "",
			controlplane.Operation{Service: "iam", Name: "CreateUser", Resource: user("/dev/", "bob"), RequestTags: map[string]string{"env": "prod"}}, true},
		{"GetUser of a stored user: its ARN with path, its tags",
			form("Action", "GetUser", "UserName", "ops"), false, "",
			controlplane.Operation{Service: "iam", Name: "GetUser", ReadOnly: true, Resource: ops.ARN, ResourceTags: ops.Tags}, true},
		{"GetUser without a name: the caller",
			form("Action", "GetUser"), false, ops.ID,
			controlplane.Operation{Service: "iam", Name: "GetUser", ReadOnly: true, Resource: ops.ARN, ResourceTags: ops.Tags}, true},
		{"GetUser as a GET request",
			form("Action", "GetUser", "UserName", "missing"), true, "",
			controlplane.Operation{Service: "iam", Name: "GetUser", ReadOnly: true, Resource: user("/", "missing")}, true},
		{"ListUsers on *",
			form("Action", "ListUsers"), false, "",
			controlplane.Operation{Service: "iam", Name: "ListUsers", ReadOnly: true, Resource: "*"}, true},
		{"CreateAccessKey without a name: the caller",
			form("Action", "CreateAccessKey"), false, ops.ID,
			controlplane.Operation{Service: "iam", Name: "CreateAccessKey", Resource: ops.ARN, ResourceTags: ops.Tags}, true},
		{"GetAccessKeyLastUsed: the key's owner",
			form("Action", "GetAccessKeyLastUsed", "AccessKeyId", key), false, "",
			controlplane.Operation{Service: "iam", Name: "GetAccessKeyLastUsed", ReadOnly: true, Resource: ops.ARN, ResourceTags: ops.Tags}, true},
		{"AttachUserPolicy on the user",
			form("Action", "AttachUserPolicy", "UserName", "ops", "PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"), false, "",
			controlplane.Operation{Service: "iam", Name: "AttachUserPolicy", Resource: ops.ARN, ResourceTags: ops.Tags}, true},
		{"TagUser: request tags too",
			form("Action", "TagUser", "UserName", "ops", "Tags.member.1.Key", "a", "Tags.member.1.Value", "b"), false, "",
			controlplane.Operation{Service: "iam", Name: "TagUser", Resource: ops.ARN, ResourceTags: ops.Tags, RequestTags: map[string]string{"a": "b"}}, true},
		{"CreatePolicy on the new policy's ARN",
			form("Action", "CreatePolicy", "PolicyName", "p", "PolicyDocument", "{}"), false, "",
			controlplane.Operation{Service: "iam", Name: "CreatePolicy", Resource: "arn:aws:iam::" + account + ":policy/p"}, true},
		{"GetPolicyVersion on the policy",
			form("Action", "GetPolicyVersion", "PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess", "VersionId", "v1"), false, "",
			controlplane.Operation{Service: "iam", Name: "GetPolicyVersion", ReadOnly: true, Resource: "arn:aws:iam::aws:policy/AdministratorAccess"}, true},
		{"CreateRole on the new role",
			form("Action", "CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", "{}"), false, "",
			controlplane.Operation{Service: "iam", Name: "CreateRole", Resource: "arn:aws:iam::" + account + ":role/r"}, true},
		{"SimulatePrincipalPolicy on the simulated principal",
			form("Action", "SimulatePrincipalPolicy", "PolicySourceArn", ops.ARN, "ActionNames.member.1", "iam:GetUser"), false, "",
			controlplane.Operation{Service: "iam", Name: "SimulatePrincipalPolicy", ReadOnly: true, Resource: ops.ARN}, true},
		{"SimulateCustomPolicy on *",
			form("Action", "SimulateCustomPolicy"), false, "",
			controlplane.Operation{Service: "iam", Name: "SimulateCustomPolicy", ReadOnly: true, Resource: "*"}, true},
		{"an unsupported action names nothing", form("Action", "CreateGroup", "GroupName", "g"), false, "", controlplane.Operation{}, false},
		{"no action", form(), false, "", controlplane.Operation{}, false},
		{"another version", url.Values{"Action": {"ListUsers"}, "Version": {"2011-01-01"}}, false, "", controlplane.Operation{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r *http.Request
			var body []byte
			if tc.get {
				r = httptest.NewRequest("GET", "/?"+tc.form.Encode(), nil)
			} else {
				body = []byte(tc.form.Encode())
				r = httptest.NewRequest("POST", "/", strings.NewReader(string(body)))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if tc.caller != "" {
				r.Header.Set("X-Test-Caller", tc.caller)
			}
			got, ok := e.h.Classify(r, body)
			if ok != tc.ok {
				t.Fatalf("Classify ok = %v, want %v", ok, tc.ok)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreUnexported(controlplane.Operation{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Classify (-want +got):\n%s", diff)
			}
		})
	}

	// A parameter given twice (query and body) could be read one way by the
	// authoriser and another by the handler: both refuse it.
	r := httptest.NewRequest("POST", "/?UserName=ops", strings.NewReader(form("Action", "DeleteUser", "UserName", "root-victim").Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, ok := e.h.Classify(r, []byte(form("Action", "DeleteUser", "UserName", "root-victim").Encode())); ok {
		t.Error("Classify accepted a duplicated UserName")
	}
}

func TestQueryProtocol(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name       string
		form       url.Values
		status     int
		code, kind string
		message    string
	}{
		{"unsupported action", form("Action", "CreateGroup"), 400, "InvalidAction", "Sender", "Could not find operation CreateGroup"},
		{"missing action", form(), 400, "MissingAction", "Sender", "must contain the parameter Action"},
		{"missing version", url.Values{"Action": {"ListUsers"}}, 400, "MissingParameter", "Sender", "Version"},
		{"wrong version", url.Values{"Action": {"ListUsers"}, "Version": {"2099-01-01"}}, 400, "InvalidAction", "Sender", "for version 2099-01-01"},
		{"no such user", form("Action", "GetUser", "UserName", "ghost"), 404, "NoSuchEntity", "Sender", "The user with name ghost cannot be found."},
		{"bad MaxItems", form("Action", "ListUsers", "MaxItems", "0"), 400, "ValidationError", "Sender", "at 'maxItems'"},
		{"malformed policy", form("Action", "CreatePolicy", "PolicyName", "p", "PolicyDocument", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:x","Resource":"*","Principal":"*"}}`),
			400, "MalformedPolicyDocument", "Sender", "Principal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.query(tc.form)
			er := decodeError(t, body)
			if status != tc.status || er.Error.Code != tc.code || er.Error.Type != tc.kind || !strings.Contains(er.Error.Message, tc.message) || er.RequestID == "" {
				t.Errorf("got %d %+v, want %d %s %s containing %q\n%s", status, er, tc.status, tc.kind, tc.code, tc.message, body)
			}
		})
	}

	// A success is <XResponse xmlns=…><XResult>…</XResult><ResponseMetadata>.
	status, body := e.query(form("Action", "ListPolicies", "Scope", "AWS", "MaxItems", "1"))
	for _, want := range []string{
		`<ListPoliciesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListPoliciesResult><Policies><member><PolicyName>AdministratorAccess</PolicyName>`,
		`<IsTruncated>true</IsTruncated><Marker>`, `</ListPoliciesResult><ResponseMetadata><RequestId>`,
	} {
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("ListPolicies: %d, body lacks %s:\n%s", status, want, body)
		}
	}
}

func TestWriteErrorUsesIAMCodes(t *testing.T) {
	for in, want := range map[string]string{
		"AccessDeniedException": "AccessDenied", "ValidationException": "ValidationError", "InternalFailure": "ServiceFailure",
		"UnrecognizedClientException": "InvalidClientTokenId", "InvalidSignatureException": "SignatureDoesNotMatch", "NoSuchEntity": "NoSuchEntity",
	} {
		w := httptest.NewRecorder()
		status := 403
		if in == "InternalFailure" {
			status = 500
		}
		iamapi.WriteError(w, "req-1", status, in, "msg")
		er := decodeError(t, w.Body.String())
		if er.Error.Code != want || er.RequestID != "req-1" || w.Code != status || w.Header().Get("X-Amzn-Requestid") != "req-1" {
			t.Errorf("WriteError(%s): %d %+v", in, w.Code, er)
		}
	}
}
