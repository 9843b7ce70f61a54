package iamapi

import (
	"maps"
	"slices"
	"strings"

	"github.com/toolgate/toolgate/internal/store"
)

// The XML shapes of IAM's responses, with the member names and list
// wrappers (<Name><member>…</member></Name>) the SDKs decode.

type tagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type userXML struct {
	Path       string   `xml:"Path,omitempty"`
	UserName   string   `xml:"UserName,omitempty"`
	UserID     string   `xml:"UserId"`
	Arn        string   `xml:"Arn"`
	CreateDate string   `xml:"CreateDate"`
	Tags       []tagXML `xml:"Tags>member"`
}

type roleXML struct {
	Path                     string   `xml:"Path"`
	RoleName                 string   `xml:"RoleName"`
	RoleID                   string   `xml:"RoleId"`
	Arn                      string   `xml:"Arn"`
	CreateDate               string   `xml:"CreateDate"`
	AssumeRolePolicyDocument string   `xml:"AssumeRolePolicyDocument,omitempty"`
	Description              string   `xml:"Description,omitempty"`
	MaxSessionDuration       int      `xml:"MaxSessionDuration,omitempty"`
	Tags                     []tagXML `xml:"Tags>member"`
}

type accessKeyXML struct {
	UserName        string `xml:"UserName"`
	AccessKeyID     string `xml:"AccessKeyId"`
	Status          string `xml:"Status"`
	SecretAccessKey string `xml:"SecretAccessKey,omitempty"`
	CreateDate      string `xml:"CreateDate"`
}

type policyXML struct {
	PolicyName                    string   `xml:"PolicyName"`
	PolicyID                      string   `xml:"PolicyId"`
	Arn                           string   `xml:"Arn"`
	Path                          string   `xml:"Path"`
	DefaultVersionID              string   `xml:"DefaultVersionId"`
	AttachmentCount               int      `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int      `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool     `xml:"IsAttachable"`
	Description                   string   `xml:"Description,omitempty"`
	CreateDate                    string   `xml:"CreateDate"`
	UpdateDate                    string   `xml:"UpdateDate"`
	Tags                          []tagXML `xml:"Tags>member"`
}

type policyVersionXML struct {
	Document         string `xml:"Document,omitempty"`
	VersionID        string `xml:"VersionId"`
	IsDefaultVersion bool   `xml:"IsDefaultVersion"`
	CreateDate       string `xml:"CreateDate"`
}

type attachedPolicyXML struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

type positionXML struct {
	Line   int `xml:"Line"`
	Column int `xml:"Column"`
}

type statementXML struct {
	SourcePolicyID   string       `xml:"SourcePolicyId"`
	SourcePolicyType string       `xml:"SourcePolicyType"`
	StartPosition    *positionXML `xml:"StartPosition"`
	EndPosition      *positionXML `xml:"EndPosition"`
}

type evaluationResultXML struct {
	EvalActionName       string         `xml:"EvalActionName"`
	EvalResourceName     string         `xml:"EvalResourceName"`
	EvalDecision         string         `xml:"EvalDecision"`
	MatchedStatements    []statementXML `xml:"MatchedStatements>member"`
	MissingContextValues []string       `xml:"MissingContextValues>member"`
}

// tagsXML lists tags sorted by key (the store keeps a map).
func tagsXML(tags map[string]string) []tagXML {
	keys := slices.Sorted(maps.Keys(tags))
	out := make([]tagXML, len(keys))
	for i, k := range keys {
		out[i] = tagXML{Key: k, Value: tags[k]}
	}
	return out
}

func (h *Handler) userXML(p store.Principal, withTags bool) userXML {
	u := userXML{Path: p.Path, UserName: p.Name, UserID: p.ID, Arn: p.ARN, CreateDate: timestamp(p.CreatedAt)}
	if u.Path == "" {
		u.Path = "/"
	}
	if p.Kind == store.PrincipalRoot {
		// As AWS answers GetUser for the root user: its ARN and id only.
		u.Path, u.UserName = "", ""
	}
	if withTags {
		u.Tags = tagsXML(p.Tags)
	}
	return u
}

func (h *Handler) roleXML(p store.Principal, full bool) roleXML {
	r := roleXML{Path: p.Path, RoleName: p.Name, RoleID: p.ID, Arn: p.ARN, CreateDate: timestamp(p.CreatedAt),
		Description: p.Description, MaxSessionDuration: defaultSessionDuration}
	if r.Path == "" {
		r.Path = "/"
	}
	if p.AssumeRolePolicy != "" {
		r.AssumeRolePolicyDocument = encodeDocument(p.AssumeRolePolicy)
	}
	if full {
		r.Tags = tagsXML(p.Tags)
	}
	return r
}

// policyName returns the last path segment of a policy ARN
// (arn:aws:iam::123456789012:policy/path/Name → Name).
func policyName(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
