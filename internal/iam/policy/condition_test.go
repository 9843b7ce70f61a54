package policy

import (
	"testing"
)

type ctx = map[string][]string

// TestConditions drives each operator and qualifier through an Allow
// statement, mostly with the evaluation examples of the AWS IAM User Guide
// ("IAM JSON policy elements: Condition operators" and "Set operators for
// multivalued context keys").
func TestConditions(t *testing.T) {
	tests := []struct {
		name      string
		condition string
		ctx       ctx
		want      bool
	}{
		// StringEquals: case-sensitive, values OR-ed, no wildcards.
		{"StringEquals match", `{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}`, ctx{"aws:PrincipalTag/job-category": {"iamuser-admin"}}, true},
		{"StringEquals case-sensitive value", `{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}`, ctx{"aws:PrincipalTag/job-category": {"IAMUser-Admin"}}, false},
		{"StringEquals key case-insensitive", `{"StringEquals":{"AWS:PRINCIPALTAG/JOB-CATEGORY":"iamuser-admin"}}`, ctx{"aws:PrincipalTag/job-category": {"iamuser-admin"}}, true},
		{"StringEquals key case-insensitive (scan)", `{"StringEquals":{"aws:PrincipalTag/Job-Category":"iamuser-admin"}}`, ctx{"aws:principaltag/JOB-category": {"iamuser-admin"}}, true},
		{"StringEquals values OR-ed", `{"StringEquals":{"aws:username":["alice","bob"]}}`, ctx{"aws:username": {"bob"}}, true},
		{"StringEquals no value matches", `{"StringEquals":{"aws:username":["alice","bob"]}}`, ctx{"aws:username": {"carol"}}, false},
		{"StringEquals star is literal", `{"StringEquals":{"aws:username":"a*"}}`, ctx{"aws:username": {"alice"}}, false},
		{"StringEquals missing key", `{"StringEquals":{"aws:username":"alice"}}`, nil, false},
		{"StringEquals empty values is missing", `{"StringEquals":{"aws:username":"alice"}}`, ctx{"aws:username": {}}, false},
		{"StringEquals multi-valued request, any", `{"StringEquals":{"aws:TagKeys":"env"}}`, ctx{"aws:TagKeys": {"owner", "env"}}, true},
		{"StringEquals number value", `{"StringEquals":{"aws:RequestTag/n":7}}`, ctx{"aws:RequestTag/n": {"7"}}, true},
		// Keys AND-ed within an operator, operators AND-ed.
		{"keys AND-ed both", `{"StringEquals":{"aws:username":"alice","aws:PrincipalTag/team":"ops"}}`, ctx{"aws:username": {"alice"}, "aws:PrincipalTag/team": {"ops"}}, true},
		{"keys AND-ed one", `{"StringEquals":{"aws:username":"alice","aws:PrincipalTag/team":"ops"}}`, ctx{"aws:username": {"alice"}, "aws:PrincipalTag/team": {"dev"}}, false},
		{"operators AND-ed", `{"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"true"}}`, ctx{"aws:username": {"alice"}, "aws:SecureTransport": {"false"}}, false},
		{"operators AND-ed all", `{"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"true"}}`, ctx{"aws:username": {"alice"}, "aws:SecureTransport": {"true"}}, true},

		// StringNotEquals: true when the value matches none of the values;
		// true when the key is missing (AWS: negated operators match absent keys).
		{"StringNotEquals none match", `{"StringNotEquals":{"aws:PrincipalTag/department":["hr","finance"]}}`, ctx{"aws:PrincipalTag/department": {"legal"}}, true},
		{"StringNotEquals first matches", `{"StringNotEquals":{"aws:PrincipalTag/department":["hr","finance"]}}`, ctx{"aws:PrincipalTag/department": {"hr"}}, false},
		{"StringNotEquals second matches", `{"StringNotEquals":{"aws:PrincipalTag/department":["hr","finance"]}}`, ctx{"aws:PrincipalTag/department": {"finance"}}, false},
		{"StringNotEquals case-sensitive", `{"StringNotEquals":{"aws:PrincipalTag/department":["hr","finance"]}}`, ctx{"aws:PrincipalTag/department": {"HR"}}, true},
		{"StringNotEquals missing key", `{"StringNotEquals":{"aws:PrincipalTag/department":["hr","finance"]}}`, nil, true},
		{"StringNotEquals multi-valued request", `{"StringNotEquals":{"aws:TagKeys":"env"}}`, ctx{"aws:TagKeys": {"owner", "env"}}, false},

		// StringEqualsIgnoreCase / StringNotEqualsIgnoreCase.
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"aws:PrincipalTag/dept":"Finance"}}`, ctx{"aws:PrincipalTag/dept": {"FINANCE"}}, true},
		{"StringEqualsIgnoreCase mismatch", `{"StringEqualsIgnoreCase":{"aws:PrincipalTag/dept":"Finance"}}`, ctx{"aws:PrincipalTag/dept": {"finances"}}, false},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/dept":["Finance","HR"]}}`, ctx{"aws:PrincipalTag/dept": {"hr"}}, false},
		{"StringNotEqualsIgnoreCase none", `{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/dept":["Finance","HR"]}}`, ctx{"aws:PrincipalTag/dept": {"legal"}}, true},
		{"StringNotEqualsIgnoreCase missing", `{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/dept":"HR"}}`, nil, true},

		// StringLike / StringNotLike: case-sensitive globs.
		{"StringLike star", `{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/*"]}}`, ctx{"s3:prefix": {"home/alice/docs"}, "aws:username": {"alice"}}, true},
		{"StringLike empty value", `{"StringLike":{"s3:prefix":["","home/"]}}`, ctx{"s3:prefix": {""}}, true},
		{"StringLike other user", `{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}`, ctx{"s3:prefix": {"home/bob/docs"}, "aws:username": {"alice"}}, false},
		{"StringLike question", `{"StringLike":{"aws:username":"al?ce"}}`, ctx{"aws:username": {"alice"}}, true},
		{"StringLike case-sensitive", `{"StringLike":{"aws:username":"Al*"}}`, ctx{"aws:username": {"alice"}}, false},
		{"StringLike missing", `{"StringLike":{"aws:username":"*"}}`, nil, false},
		{"StringNotLike matches", `{"StringNotLike":{"aws:username":["adm*","root"]}}`, ctx{"aws:username": {"admin"}}, false},
		{"StringNotLike no match", `{"StringNotLike":{"aws:username":["adm*","root"]}}`, ctx{"aws:username": {"alice"}}, true},
		{"StringNotLike missing", `{"StringNotLike":{"aws:username":"adm*"}}`, nil, true},

		// ARN operators: ArnEquals and ArnLike both take wildcards, matched
		// per colon-separated part.
		{"ArnEquals exact", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/admin"}}`, ctx{"aws:PrincipalArn": {"arn:aws:iam::111122223333:role/admin"}}, true},
		{"ArnEquals wildcard", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}`, ctx{"aws:PrincipalArn": {"arn:aws:iam::111122223333:role/admin"}}, true},
		{"ArnLike", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/ops-*"}}`, ctx{"aws:PrincipalArn": {"arn:aws:iam::111122223333:role/ops-oncall"}}, true},
		{"ArnLike per-part: star does not span colons", `{"ArnLike":{"aws:SourceArn":"arn:aws:logs:*:*:admin"}}`, ctx{"aws:SourceArn": {"arn:aws:logs:us-east-1:1:log-group:admin"}}, false},
		{"ArnLike per-part: star within a part", `{"ArnLike":{"aws:SourceArn":"arn:aws:logs:*:*:log-group:*"}}`, ctx{"aws:SourceArn": {"arn:aws:logs:us-east-1:1:log-group:admin"}}, true},
		{"ArnLike per-part: empty region", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam:?:111122223333:role/admin"}}`, ctx{"aws:PrincipalArn": {"arn:aws:iam::111122223333:role/admin"}}, false},
		{"ArnLike resource part spans colons", `{"ArnLike":{"aws:SourceArn":"arn:aws:logs:us-east-1:111122223333:log-group:*"}}`, ctx{"aws:SourceArn": {"arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s"}}, true},
		{"ArnLike case-sensitive", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin"}}`, ctx{"aws:PrincipalArn": {"arn:aws:iam::111122223333:role/admin"}}, false},
		{"ArnLike not an ARN", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:*"}}`, ctx{"aws:PrincipalArn": {"alice"}}, false},
		{"ArnLike star", `{"ArnLike":{"aws:PrincipalArn":"*"}}`, ctx{"aws:PrincipalArn": {"arn:aws:iam::1:user/a"}}, true},
		{"ArnNotEquals", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}`, ctx{"aws:PrincipalArn": {"arn:aws:iam::111122223333:user/alice"}}, true},
		{"ArnNotEquals matches", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}`, ctx{"aws:PrincipalArn": {"arn:aws:iam::111122223333:role/admin"}}, false},
		{"ArnNotLike", `{"ArnNotLike":{"aws:PrincipalArn":["arn:aws:iam::*:role/admin*","arn:aws:iam::*:root"]}}`, ctx{"aws:PrincipalArn": {"arn:aws:iam::111122223333:root"}}, false},
		{"ArnNotLike missing", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:root"}}`, nil, true},

		// Numeric operators.
		{"NumericEquals", `{"NumericEquals":{"s3:max-keys":"10"}}`, ctx{"s3:max-keys": {"10.0"}}, true},
		{"NumericEquals no", `{"NumericEquals":{"s3:max-keys":10}}`, ctx{"s3:max-keys": {"11"}}, false},
		{"NumericNotEquals", `{"NumericNotEquals":{"s3:max-keys":[10,20]}}`, ctx{"s3:max-keys": {"15"}}, true},
		{"NumericNotEquals matches", `{"NumericNotEquals":{"s3:max-keys":[10,20]}}`, ctx{"s3:max-keys": {"20"}}, false},
		{"NumericLessThan below", `{"NumericLessThan":{"s3:max-keys":"10"}}`, ctx{"s3:max-keys": {"9"}}, true},
		{"NumericLessThan boundary", `{"NumericLessThan":{"s3:max-keys":"10"}}`, ctx{"s3:max-keys": {"10"}}, false},
		{"NumericLessThanEquals boundary", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, ctx{"s3:max-keys": {"10"}}, true},
		{"NumericLessThanEquals above", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, ctx{"s3:max-keys": {"10.5"}}, false},
		{"NumericGreaterThan boundary", `{"NumericGreaterThan":{"s3:max-keys":"10"}}`, ctx{"s3:max-keys": {"10"}}, false},
		{"NumericGreaterThan above", `{"NumericGreaterThan":{"s3:max-keys":"-1.5"}}`, ctx{"s3:max-keys": {"-1"}}, true},
		{"NumericGreaterThanEquals boundary", `{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}`, ctx{"s3:max-keys": {"10"}}, true},
		{"Numeric non-number request", `{"NumericLessThan":{"s3:max-keys":"10"}}`, ctx{"s3:max-keys": {"ten"}}, false},
		{"Numeric missing", `{"NumericLessThan":{"s3:max-keys":"10"}}`, nil, false},

		// Date operators: ISO 8601 and epoch seconds, on both sides.
		{"DateLessThan before", `{"DateLessThan":{"aws:CurrentTime":"2013-06-30T00:00:00Z"}}`, ctx{"aws:CurrentTime": {"2013-06-29T23:59:59Z"}}, true},
		{"DateLessThan boundary", `{"DateLessThan":{"aws:CurrentTime":"2013-06-30T00:00:00Z"}}`, ctx{"aws:CurrentTime": {"2013-06-30T00:00:00Z"}}, false},
		{"DateLessThanEquals boundary", `{"DateLessThanEquals":{"aws:CurrentTime":"2013-06-30T00:00:00Z"}}`, ctx{"aws:CurrentTime": {"2013-06-30T00:00:00Z"}}, true},
		{"DateGreaterThan boundary", `{"DateGreaterThan":{"aws:CurrentTime":"2013-06-30T00:00:00Z"}}`, ctx{"aws:CurrentTime": {"2013-06-30T00:00:00Z"}}, false},
		{"DateGreaterThan after (fraction)", `{"DateGreaterThan":{"aws:CurrentTime":"2013-06-30T00:00:00Z"}}`, ctx{"aws:CurrentTime": {"2013-06-30T00:00:00.001Z"}}, true},
		{"DateGreaterThanEquals boundary", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2013-06-30"}}`, ctx{"aws:CurrentTime": {"2013-06-30T00:00:00Z"}}, true},
		{"DateEquals across zones", `{"DateEquals":{"aws:CurrentTime":"2013-06-30T02:00:00+02:00"}}`, ctx{"aws:CurrentTime": {"2013-06-30T00:00:00Z"}}, true},
		{"DateEquals epoch policy, ISO request", `{"DateEquals":{"aws:CurrentTime":1372550400}}`, ctx{"aws:CurrentTime": {"2013-06-30T00:00:00Z"}}, true},
		{"DateLessThan ISO policy, epoch request", `{"DateLessThan":{"aws:EpochTime":"2013-06-30T00:00:00Z"}}`, ctx{"aws:EpochTime": {"1372550399"}}, true},
		{"DateLessThan epoch boundary", `{"DateLessThan":{"aws:EpochTime":"1372550400"}}`, ctx{"aws:EpochTime": {"1372550400"}}, false},
		{"DateNotEquals", `{"DateNotEquals":{"aws:CurrentTime":["2013-06-30T00:00:00Z","2014-01-01"]}}`, ctx{"aws:CurrentTime": {"2014-01-01T00:00:00Z"}}, false},
		{"DateNotEquals other", `{"DateNotEquals":{"aws:CurrentTime":["2013-06-30T00:00:00Z","2014-01-01"]}}`, ctx{"aws:CurrentTime": {"2014-01-02T00:00:00Z"}}, true},
		{"Date window (AND of two operators)", `{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2020-06-30T23:59:59Z"}}`, ctx{"aws:CurrentTime": {"2020-05-01T12:00:00Z"}}, true},
		{"Date window outside", `{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2020-06-30T23:59:59Z"}}`, ctx{"aws:CurrentTime": {"2020-07-01T00:00:00Z"}}, false},
		{"Date unparsable request", `{"DateLessThan":{"aws:CurrentTime":"2013-06-30T00:00:00Z"}}`, ctx{"aws:CurrentTime": {"tomorrow"}}, false},
		{"Date missing", `{"DateLessThan":{"aws:CurrentTime":"2013-06-30T00:00:00Z"}}`, nil, false},

		// Bool.
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx{"aws:SecureTransport": {"true"}}, true},
		{"Bool JSON false", `{"Bool":{"aws:SecureTransport":false}}`, ctx{"aws:SecureTransport": {"false"}}, true},
		{"Bool case-insensitive", `{"Bool":{"aws:SecureTransport":"True"}}`, ctx{"aws:SecureTransport": {"TRUE"}}, true},
		{"Bool mismatch", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx{"aws:SecureTransport": {"false"}}, false},
		{"Bool non-bool request", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx{"aws:SecureTransport": {"1"}}, false},
		{"Bool missing", `{"Bool":{"aws:SecureTransport":"false"}}`, nil, false},
		{"BoolIfExists missing", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, nil, true},

		// IpAddress / NotIpAddress, IPv4 and IPv6.
		{"IpAddress v4 in", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:SourceIp": {"203.0.113.7"}}, true},
		{"IpAddress v4 out", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:SourceIp": {"203.0.114.7"}}, false},
		{"IpAddress v4 list", `{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}`, ctx{"aws:SourceIp": {"203.0.113.255"}}, true},
		{"IpAddress bare address", `{"IpAddress":{"aws:SourceIp":"192.0.2.10"}}`, ctx{"aws:SourceIp": {"192.0.2.10"}}, true},
		{"IpAddress unmasked CIDR", `{"IpAddress":{"aws:SourceIp":"192.0.2.10/24"}}`, ctx{"aws:SourceIp": {"192.0.2.99"}}, true},
		{"IpAddress v6 in", `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}`, ctx{"aws:SourceIp": {"2001:db8:1234:5678:abcd::1"}}, true},
		{"IpAddress v6 out", `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}`, ctx{"aws:SourceIp": {"2001:db8:1234:5679::1"}}, false},
		{"IpAddress v4 request vs v6 CIDR", `{"IpAddress":{"aws:SourceIp":"2001:DB8::/32"}}`, ctx{"aws:SourceIp": {"203.0.113.7"}}, false},
		{"IpAddress v4-mapped request", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx{"aws:SourceIp": {"::ffff:203.0.113.7"}}, true},
		{"IpAddress garbage request", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, ctx{"aws:SourceIp": {"localhost"}}, false},
		{"IpAddress missing", `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`, nil, false},
		{"NotIpAddress out", `{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:DB8::/32"]}}`, ctx{"aws:SourceIp": {"198.51.100.1"}}, true},
		{"NotIpAddress in v6", `{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:DB8::/32"]}}`, ctx{"aws:SourceIp": {"2001:db8::5"}}, false},
		{"NotIpAddress missing", `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, nil, true},

		// Null: "true" means the key is absent, "false" that it is present.
		{"Null true, missing", `{"Null":{"aws:TokenIssueTime":"true"}}`, nil, true},
		{"Null true, present", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx{"aws:TokenIssueTime": {"2020-01-01T00:00:00Z"}}, false},
		{"Null false, present", `{"Null":{"aws:TokenIssueTime":"false"}}`, ctx{"aws:TokenIssueTime": {"2020-01-01T00:00:00Z"}}, true},
		{"Null false, missing", `{"Null":{"aws:TokenIssueTime":false}}`, nil, false},
		{"Null true, empty value list", `{"Null":{"aws:TagKeys":"true"}}`, ctx{"aws:TagKeys": {}}, true},
		{"Null true, empty string is present", `{"Null":{"aws:username":"true"}}`, ctx{"aws:username": {""}}, false},

		// …IfExists: true when the key is missing, the operator otherwise.
		{"StringEqualsIfExists missing", `{"StringEqualsIfExists":{"ec2:InstanceType":["t1.*","t2.*"]}}`, nil, true},
		{"StringEqualsIfExists present mismatch", `{"StringEqualsIfExists":{"ec2:InstanceType":["t1.micro"]}}`, ctx{"ec2:InstanceType": {"m5.large"}}, false},
		{"StringLikeIfExists present match", `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*"]}}`, ctx{"ec2:InstanceType": {"t2.micro"}}, true},
		{"StringNotEqualsIfExists present match", `{"StringNotEqualsIfExists":{"aws:username":"root"}}`, ctx{"aws:username": {"root"}}, false},
		{"StringNotEqualsIfExists missing", `{"StringNotEqualsIfExists":{"aws:username":"root"}}`, nil, true},
		{"ArnLikeIfExists missing", `{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:s3:::b"}}`, nil, true},
		{"NumericLessThanIfExists missing", `{"NumericLessThanIfExists":{"s3:max-keys":"10"}}`, nil, true},
		{"NumericLessThanIfExists present", `{"NumericLessThanIfExists":{"s3:max-keys":"10"}}`, ctx{"s3:max-keys": {"11"}}, false},
		{"DateLessThanIfExists missing", `{"DateLessThanIfExists":{"aws:CurrentTime":"2013-06-30T00:00:00Z"}}`, nil, true},
		{"IpAddressIfExists missing", `{"IpAddressIfExists":{"aws:SourceIp":"192.0.2.0/24"}}`, nil, true},
		{"IpAddressIfExists present", `{"IpAddressIfExists":{"aws:SourceIp":"192.0.2.0/24"}}`, ctx{"aws:SourceIp": {"198.51.100.1"}}, false},
		{"NotIpAddressIfExists present in", `{"NotIpAddressIfExists":{"aws:SourceIp":"192.0.2.0/24"}}`, ctx{"aws:SourceIp": {"192.0.2.1"}}, false},

		// ForAllValues: every request value is among the policy values; true
		// for an empty or missing key.
		{"ForAllValues subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, ctx{"aws:TagKeys": {"environment"}}, true},
		{"ForAllValues all", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, ctx{"aws:TagKeys": {"environment", "cost-center"}}, true},
		{"ForAllValues extra value", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, ctx{"aws:TagKeys": {"environment", "dept"}}, false},
		{"ForAllValues case-sensitive", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, ctx{"aws:TagKeys": {"Environment"}}, false},
		{"ForAllValues missing key is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, nil, true},
		{"ForAllValues empty key is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, ctx{"aws:TagKeys": {}}, true},
		{"ForAllValues guarded by Null", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment"]},"Null":{"aws:TagKeys":"false"}}`, nil, false},
		{"ForAllValues StringLike", `{"ForAllValues:StringLike":{"aws:TagKeys":["env*","cost-*"]}}`, ctx{"aws:TagKeys": {"environment", "cost-center"}}, true},
		{"ForAllValues StringEqualsIgnoreCase", `{"ForAllValues:StringEqualsIgnoreCase":{"aws:TagKeys":["environment"]}}`, ctx{"aws:TagKeys": {"ENVIRONMENT", "Environment"}}, true},
		{"ForAllValues StringNotEquals: none in set", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["admin","root"]}}`, ctx{"aws:TagKeys": {"env", "team"}}, true},
		{"ForAllValues StringNotEquals: one in set", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["admin","root"]}}`, ctx{"aws:TagKeys": {"env", "admin"}}, false},
		{"ForAllValues StringNotLike missing", `{"ForAllValues:StringNotLike":{"aws:TagKeys":["adm*"]}}`, nil, true},
		{"ForAllValues NumericLessThan", `{"ForAllValues:NumericLessThan":{"aws:RequestTag/sizes":"10"}}`, ctx{"aws:RequestTag/sizes": {"1", "9"}}, true},
		{"ForAllValues NumericLessThan one above", `{"ForAllValues:NumericLessThan":{"aws:RequestTag/sizes":"10"}}`, ctx{"aws:RequestTag/sizes": {"1", "10"}}, false},
		{"ForAllValues IfExists missing", `{"ForAllValues:StringEqualsIfExists":{"aws:TagKeys":"env"}}`, nil, true},

		// ForAnyValue: at least one request value is among the policy values;
		// false for a missing key.
		{"ForAnyValue one matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, ctx{"aws:TagKeys": {"dept", "environment"}}, true},
		{"ForAnyValue none matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, ctx{"aws:TagKeys": {"dept"}}, false},
		{"ForAnyValue missing key is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, nil, false},
		{"ForAnyValue empty key is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment"]}}`, ctx{"aws:TagKeys": {}}, false},
		{"ForAnyValue StringLike", `{"ForAnyValue:StringLike":{"aws:TagKeys":"cost-*"}}`, ctx{"aws:TagKeys": {"env", "cost-center"}}, true},
		{"ForAnyValue StringNotEquals: some value outside", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","team"]}}`, ctx{"aws:TagKeys": {"env", "other"}}, true},
		{"ForAnyValue StringNotEquals: all inside", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","team"]}}`, ctx{"aws:TagKeys": {"env", "team"}}, false},
		{"ForAnyValue StringNotEquals missing", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env"]}}`, nil, false},
		{"ForAnyValue IfExists missing", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"env"}}`, nil, true},
		{"ForAnyValue IpAddress", `{"ForAnyValue:IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx{"aws:SourceIp": {"192.0.2.1", "10.1.2.3"}}, true},
		{"ForAnyValue ArnLike", `{"ForAnyValue:ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/ops-*"}}`, ctx{"aws:PrincipalArn": {"arn:aws:iam::1:role/dev", "arn:aws:iam::1:role/ops-x"}}, true},
		{"ForAnyValue DateGreaterThan", `{"ForAnyValue:DateGreaterThan":{"aws:CurrentTime":"2020-01-01"}}`, ctx{"aws:CurrentTime": {"2019-01-01", "2021-01-01"}}, true},
		{"ForAnyValue Bool", `{"ForAnyValue:Bool":{"aws:SecureTransport":"true"}}`, ctx{"aws:SecureTransport": {"false"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := allowed(t, `{"Effect":"Allow","Action":"*","Resource":"*","Condition":`+tt.condition+`}`,
				Request{Action: "bedrock-agentcore:GetGateway", Resource: "*", Context: tt.ctx})
			if got != tt.want {
				t.Errorf("Condition %s with %v = %v, want %v", tt.condition, tt.ctx, got, tt.want)
			}
		})
	}
}

// TestDenyConditions checks conditions on Deny statements, the common
// guardrail shapes, with an allow-all policy alongside.
func TestDenyConditions(t *testing.T) {
	allowAll := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`)
	guard := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"DenyInsecure","Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
		{"Sid":"DenyOutsideNetwork","Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:DB8::/32"]}}},
		{"Sid":"DenyUntaggedCreate","Effect":"Deny","Action":"bedrock-agentcore:Create*","Resource":"*","Condition":{"Null":{"aws:RequestTag/owner":"true"}}}]}`)
	tests := []struct {
		name    string
		action  string
		ctx     ctx
		wantSid string // "" means allowed
	}{
		{"ok", "bedrock-agentcore:GetGateway", ctx{"aws:SecureTransport": {"true"}, "aws:SourceIp": {"192.0.2.5"}}, ""},
		{"insecure", "bedrock-agentcore:GetGateway", ctx{"aws:SecureTransport": {"false"}, "aws:SourceIp": {"192.0.2.5"}}, "DenyInsecure"},
		{"outside", "bedrock-agentcore:GetGateway", ctx{"aws:SecureTransport": {"true"}, "aws:SourceIp": {"198.51.100.5"}}, "DenyOutsideNetwork"},
		{"no source ip is denied", "bedrock-agentcore:GetGateway", ctx{"aws:SecureTransport": {"true"}}, "DenyOutsideNetwork"},
		{"v6 inside", "bedrock-agentcore:GetGateway", ctx{"aws:SecureTransport": {"true"}, "aws:SourceIp": {"2001:db8::1"}}, ""},
		{"untagged create", "bedrock-agentcore:CreateGateway", ctx{"aws:SecureTransport": {"true"}, "aws:SourceIp": {"192.0.2.5"}}, "DenyUntaggedCreate"},
		{"tagged create", "bedrock-agentcore:CreateGateway", ctx{"aws:SecureTransport": {"true"}, "aws:SourceIp": {"192.0.2.5"}, "aws:RequestTag/owner": {"alice"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Evaluate([]*Policy{allowAll, guard}, Request{Action: tt.action, Resource: "*", Context: tt.ctx})
			gotSid := ""
			if !d.Allowed {
				if d.Reason != ReasonExplicitDeny || d.Statement == nil {
					t.Fatalf("decision %+v", d)
				}
				gotSid = d.Statement.Sid
			}
			if gotSid != tt.wantSid {
				t.Errorf("denied by %q, want %q (%v)", gotSid, tt.wantSid, d)
			}
		})
	}
}
