package policy

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustParse(t testing.TB, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, doc)
	}
	return p
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		statement int    // -1: document-level
		sid       string // expected ParseError.Sid
		contains  string // expected in the message
	}{
		{"empty", ``, -1, "", "empty document"},
		{"not json", `{"Version":`, -1, "", "not valid JSON"},
		{"not object", `[]`, -1, "", "must be a JSON object, got a list"},
		{"trailing data", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} {}`, -1, "", "trailing data"},
		{"bad version", `{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, -1, "", `unsupported Version "2012-10-18"`},
		{"version not string", `{"Version":2012,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, -1, "", "Version must be a string, got a number"},
		{"unknown top-level", `{"Version":"2012-10-17","Statements":[]}`, -1, "", `unknown element "Statements"`},
		{"lowercase top-level", `{"version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, -1, "", `unknown element "version"`},
		{"duplicate top-level", `{"Version":"2012-10-17","Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, -1, "", `duplicate key "Version"`},
		{"missing statement", `{"Version":"2012-10-17"}`, -1, "", "missing Statement"},
		{"empty statement list", `{"Version":"2012-10-17","Statement":[]}`, -1, "", "must not be an empty list"},
		{"statement string", `{"Version":"2012-10-17","Statement":"Allow"}`, -1, "", "must be an object or a list of objects, got a string"},
		{"statement item not object", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}, 3]}`, 1, "", "must be a JSON object, got a number"},
		{"principal", `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"Cross","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, 1, "Cross", "Principal is not allowed in an identity-based policy"},
		{"not principal", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"x"},"Action":"*","Resource":"*"}}`, 0, "", "NotPrincipal is not allowed"},
		{"unknown statement key", `{"Version":"2012-10-17","Statement":[{"Sid":"S1","Effect":"Allow","Action":"*","Resource":"*","Actions":"x"}]}`, 0, "S1", `unknown element "Actions"`},
		{"sid names later error", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"allow","Action":"*","Resource":"*","Sid":"Late"}]}`, 1, "Late", `Effect must be "Allow" or "Deny", got "allow"`},
		{"missing effect", `{"Version":"2012-10-17","Statement":{"Action":"*","Resource":"*"}}`, 0, "", "missing Effect"},
		{"effect not string", `{"Version":"2012-10-17","Statement":{"Effect":true,"Action":"*","Resource":"*"}}`, 0, "", "Effect must be a string, got a boolean"},
		{"sid not alnum", `{"Version":"2012-10-17","Statement":{"Sid":"read-only","Effect":"Allow","Action":"*","Resource":"*"}}`, 0, "read-only", "only letters and digits"},
		{"duplicate sid", `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]}`, 1, "A", "duplicate Sid (also Statement[0])"},
		{"action and notaction", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}}`, 0, "", "both Action and NotAction"},
		{"no action", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}`, 0, "", "missing Action or NotAction"},
		{"resource and notresource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}}`, 0, "", "both Resource and NotResource"},
		{"no resource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*"}}`, 0, "", "missing Resource or NotResource"},
		{"action number", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":7,"Resource":"*"}}`, 0, "", "Action must be a string or a list of strings, got a number"},
		{"action list item", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:Get",{}],"Resource":"*"}}`, 0, "", "item 1 is an object"},
		{"action empty list", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, 0, "", "Action must not be an empty list"},
		{"action without service", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"GetGateway","Resource":"*"}}`, 0, "", `"GetGateway" must be "*" or service:action`},
		{"action wildcard service", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"*:Get*","Resource":"*"}}`, 0, "", `NotAction "*:Get*": the service prefix "*"`},
		{"resource not arn", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"gateway/*"}}`, 0, "", `Resource "gateway/*" must be an ARN`},
		{"resource short arn", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotResource":["arn:aws:s3"]}}`, 0, "", `NotResource "arn:aws:s3" is not an ARN`},
		{"bad variable", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username"}}`, 0, "", "unterminated policy variable"},
		{"bad variable default", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username, x}"}}`, 0, "", "default value must be in single quotes"},
		{"unknown operator", `{"Version":"2012-10-17","Statement":{"Sid":"C","Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringMatches":{"aws:username":"a"}}}}`, 0, "C", `unknown condition operator "StringMatches"`},
		{"miscased operator", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"stringequals":{"aws:username":"a"}}}}`, 0, "", `(did you mean "StringEquals"?)`},
		{"unknown qualifier", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForEachValue:StringEquals":{"aws:TagKeys":"a"}}}}`, 0, "", `unknown condition operator "ForEachValue:StringEquals"`},
		{"null ifexists", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"aws:username":"true"}}}}`, 0, "", "Null takes neither IfExists nor a set qualifier"},
		{"condition not object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":["x"]}}`, 0, "", "Condition must be a JSON object, got a list"},
		{"condition empty", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}}`, 0, "", "Condition must not be empty"},
		{"operator no keys", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{}}}}`, 0, "", "Condition StringEquals has no condition keys"},
		{"operator not object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":"x"}}}`, 0, "", "Condition StringEquals must be a JSON object, got a string"},
		{"duplicate key case", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":"a","AWS:UserName":"b"}}}}`, 0, "", `keys "aws:username" and "AWS:UserName" are the same`},
		{"key without prefix", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"username":"a"}}}}`, 0, "", "condition keys must be prefix:name"},
		{"value object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":{"a":1}}}}}`, 0, "", "must be a string, number, boolean or a list of them, got an object"},
		{"value null", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":null}}}}`, 0, "", "got null"},
		{"value empty list", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":[]}}}}`, 0, "", "must not be an empty list"},
		{"bad number", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}}}`, 0, "", `"ten" is not a number`},
		{"bad date", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"yesterday"}}}}`, 0, "", `"yesterday" is not an ISO 8601 date`},
		{"bad bool", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}}`, 0, "", `"yes" is not "true" or "false"`},
		{"bad null", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"aws:username":"maybe"}}}}`, 0, "", `"maybe" is not "true" or "false"`},
		{"bad cidr", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/33"}}}}`, 0, "", `"203.0.113.0/33" is not an IPv4 or IPv6 CIDR`},
		{"bad arn", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"role/admin"}}}}`, 0, "", `"role/admin" is not an ARN`},
		{"second statement condition", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"Net","Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","nope"]}}}]}`, 1, "Net", `Condition NotIpAddress "aws:SourceIp": "nope" is not an IPv4 or IPv6 CIDR`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", p)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError: %v", err, err)
			}
			if diff := cmp.Diff([]any{tt.statement, tt.sid}, []any{pe.Statement, pe.Sid}); diff != "" {
				t.Errorf("statement/sid (-want +got):\n%s\nerror: %v", diff, err)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not contain %q", err, tt.contains)
			}
			if tt.statement >= 0 && !strings.Contains(err.Error(), "Statement[") {
				t.Errorf("error %q does not name the statement", err)
			}
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"Ok","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"Bad","Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*"}]}`))
	want := `policy document: Statement[1] (Sid "Bad"): Principal is not allowed in an identity-based policy (the policy applies to the principals it is attached to)`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant    %s", err, want)
	}
}

func TestParseForms(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		version string
		id      string
		sids    []string
	}{
		{"single object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, Version2012, "", []string{""}},
		{"list, lists, id", `{"Version":"2012-10-17","Id":"doc1","Statement":[{"Sid":"One","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::b/*","arn:aws:s3:::c/*"]},{"Sid":"Two","Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:iam::*:user/x"}]}`, Version2012, "doc1", []string{"One", "Two"}},
		{"2008 version", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, Version2008, "", []string{""}},
		{"no version defaults to 2008", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, Version2008, "", []string{""}},
		{"scalar condition values", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false},"NumericGreaterThan":{"s3:max-keys":[10, "20", 1.5e1]}}}}`, Version2012, "", []string{""}},
		{"whitespace", "\n  { \"Version\" : \"2012-10-17\" , \"Statement\" : [ { \"Effect\" : \"Allow\" , \"Action\" : \"*\" , \"Resource\" : \"*\" } ] }\n", Version2012, "", []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.doc)
			var sids []string
			for i := 0; i < p.Len(); i++ {
				sids = append(sids, p.Sid(i))
			}
			got := []any{p.Version, p.ID, sids, string(p.Document())}
			want := []any{tt.version, tt.id, tt.sids, tt.doc}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			out, err := json.Marshal(struct{ P *Policy }{p})
			if err != nil {
				t.Fatal(err)
			}
			var back struct{ P json.RawMessage }
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatal(err)
			}
			if _, err := Parse(back.P); err != nil {
				t.Errorf("round trip through MarshalJSON: %v", err)
			}
		})
	}
}
