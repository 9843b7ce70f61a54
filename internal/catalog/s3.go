package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/target/lambda"
	"github.com/toolgate/toolgate/internal/target/openapi"
	"github.com/toolgate/toolgate/internal/target/s3doc"
)

// Documents kept in S3 (openApiSchema.s3, lambda.toolSchema.s3).
//
// As in AgentCore, the control plane fetches them — as the gateway's role —
// when a target is created, updated or synchronized, and the target is
// served from what was fetched until the next of these. The fetched text is
// stored with the target, in its stored configuration under
// DocumentsMember, so building the catalog needs no network access and
// every replica serves the same document. Stored configurations are decoded
// into agentcore types, which have no such member, so the text never
// reaches a response: targets still show the s3 form they were given.

// DocumentsMember is the member of store.Target.Config that holds the
// target's Documents.
const DocumentsMember = "toolgateS3Documents"

// Documents are a target's fetched S3 documents, by the path of the
// S3Configuration they come from, e.g.
// "targetConfiguration.mcp.openApiSchema.s3".
type Documents map[string]Document

// Document is one fetched S3 object.
type Document struct {
	// URI and BucketOwnerAccountID are the S3Configuration it was fetched
	// for: a configuration naming another object does not use it.
	URI                  string    `json:"uri"`
	BucketOwnerAccountID string    `json:"bucketOwnerAccountId,omitempty"`
	Body                 string    `json:"body"`
	ETag                 string    `json:"etag,omitempty"`
	FetchedAt            time.Time `json:"fetchedAt"`
}

// S3Source is a member of a target configuration that names an S3 document.
type S3Source struct {
	// Field is the member's path, e.g. "targetConfiguration.mcp.openApiSchema.s3".
	Field string
	S3    *agentcore.S3Configuration
}

// S3Sources lists the S3 documents cfg reads, for the target kinds that
// are served (OpenAPI, Smithy, Lambda and MCP server).
func S3Sources(cfg *agentcore.TargetConfiguration) []S3Source {
	if cfg == nil || cfg.MCP == nil {
		return nil
	}
	const base = "targetConfiguration.mcp"
	m := cfg.MCP
	var out []S3Source
	if m.OpenAPISchema != nil && m.OpenAPISchema.S3 != nil {
		out = append(out, S3Source{base + ".openApiSchema.s3", m.OpenAPISchema.S3})
	}
	if m.SmithyModel != nil && m.SmithyModel.S3 != nil {
		out = append(out, S3Source{base + ".smithyModel.s3", m.SmithyModel.S3})
	}
	if m.Lambda != nil && m.Lambda.ToolSchema != nil && m.Lambda.ToolSchema.S3 != nil {
		out = append(out, S3Source{base + ".lambda.toolSchema.s3", m.Lambda.ToolSchema.S3})
	}
	if m.MCPServer != nil && m.MCPServer.MCPToolSchema != nil && m.MCPServer.MCPToolSchema.S3 != nil {
		out = append(out, S3Source{base + ".mcpServer.mcpToolSchema.s3", m.MCPServer.MCPToolSchema.S3})
	}
	return out
}

// Getter fetches an S3 object; failures are *s3doc.Error.
type Getter func(ctx context.Context, loc s3doc.Location) (s3doc.Object, error)

// RoleGetter fetches as role (the gateway's), with the aws block's s3
// endpoint override. A nil role fails every fetch with an explanation.
func RoleGetter(role *awsiam.Role) Getter {
	return func(ctx context.Context, loc s3doc.Location) (s3doc.Object, error) {
		return s3doc.Get(ctx, role, loc, s3doc.MaxBytes)
	}
}

// FetchDocuments fetches every document cfg keeps in S3 with get. It
// returns nil when there is none; a failure (bad URI, no such object,
// access denied, too large, not text) is a *FieldError naming the uri
// member.
func FetchDocuments(ctx context.Context, cfg *agentcore.TargetConfiguration, get Getter, now time.Time) (Documents, error) {
	srcs := S3Sources(cfg)
	if len(srcs) == 0 {
		return nil, nil
	}
	docs := make(Documents, len(srcs))
	for _, src := range srcs {
		field := src.Field + ".uri"
		uri, owner := deref(src.S3.URI), deref(src.S3.BucketOwnerAccountID)
		loc, err := s3doc.ParseURI(uri, owner)
		if err != nil {
			return nil, &FieldError{field, err.Error()}
		}
		obj, err := get(ctx, loc)
		if err != nil {
			return nil, &FieldError{field, err.Error()}
		}
		if !utf8.Valid(obj.Body) || bytes.IndexByte(obj.Body, 0) >= 0 {
			return nil, &FieldError{field, uri + " is not a text document (JSON or YAML)"}
		}
		docs[src.Field] = Document{
			URI: uri, BucketOwnerAccountID: owner, Body: string(obj.Body),
			ETag: obj.ETag, FetchedAt: now.UTC(),
		}
	}
	return docs, nil
}

// WithDocuments returns the stored configuration raw (a JSON object) with
// docs in DocumentsMember, replacing any there. A configuration without
// the member keeps its bytes and member order.
func WithDocuments(raw []byte, docs Documents) ([]byte, error) {
	if !bytes.Contains(raw, []byte(`"`+DocumentsMember+`"`)) {
		if len(docs) == 0 {
			return raw, nil
		}
		obj := bytes.TrimSpace(raw)
		if len(obj) >= 2 && obj[0] == '{' && obj[len(obj)-1] == '}' && json.Valid(obj) {
			d, err := json.Marshal(docs)
			if err != nil {
				return nil, err
			}
			out := make([]byte, 0, len(obj)+len(DocumentsMember)+len(d)+4)
			out = append(out, obj[:len(obj)-1]...)
			if len(bytes.TrimSpace(obj[1:len(obj)-1])) > 0 {
				out = append(out, ',')
			}
			out = append(append(append(out, `"`+DocumentsMember+`":`...), d...), '}')
			return out, nil
		}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("stored target configuration: %w", err)
	}
	delete(m, DocumentsMember)
	if len(docs) > 0 {
		d, err := json.Marshal(docs)
		if err != nil {
			return nil, err
		}
		m[DocumentsMember] = d
	}
	return json.Marshal(m)
}

// WithoutDocuments returns the stored configuration raw without its
// Documents, cheaply: decoding a configuration that carries a 10 MB
// document costs tens of milliseconds even when the member is skipped, and
// the catalog and the control plane decode configurations often. The
// member is the last one (WithDocuments appends it, and it sorts after
// every member of the configuration), so it is cut at its key; should that
// not give a JSON object, raw is returned whole, which decodes the same.
func WithoutDocuments(raw []byte) []byte {
	i := bytes.LastIndex(raw, []byte(`,"`+DocumentsMember+`":`))
	if i < 0 {
		return raw
	}
	end := bytes.TrimRight(raw, " \t\r\n")
	if len(end) == 0 || end[len(end)-1] != '}' {
		return raw
	}
	out := make([]byte, 0, i+1)
	out = append(append(out, raw[:i]...), '}')
	if !json.Valid(out) {
		return raw
	}
	return out
}

// StoredDocuments reads the Documents of a stored configuration (nil when
// it has none).
func StoredDocuments(raw []byte) (Documents, error) {
	if !bytes.Contains(raw, []byte(`"`+DocumentsMember+`"`)) {
		return nil, nil // the common case, without decoding
	}
	var s struct {
		D Documents `json:"toolgateS3Documents"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("stored target documents: %w", err)
	}
	return s.D, nil
}

// document returns the fetched document of the S3Configuration at field.
func (d Documents) document(field string, s3 *agentcore.S3Configuration) (Document, error) {
	doc, ok := d[field]
	if !ok || doc.URI != deref(s3.URI) || doc.BucketOwnerAccountID != deref(s3.BucketOwnerAccountID) {
		return Document{}, &FieldError{field + ".uri", "the document at " + deref(s3.URI) + " has not been fetched"}
	}
	return doc, nil
}

// lambdaToolsFromS3 decodes a Lambda tool schema kept in S3: the JSON array
// of ToolDefinitions an inline toolSchema holds, decoded as strictly.
func lambdaToolsFromS3(field string, s3 *agentcore.S3Configuration, docs Documents) ([]agentcore.ToolDefinition, Document, error) {
	doc, err := docs.document(field, s3)
	if err != nil {
		return nil, doc, err
	}
	uriField := field + ".uri"
	body := bytes.TrimSpace([]byte(doc.Body))
	if len(body) == 0 || body[0] != '[' || !json.Valid(body) {
		msg := "is not a JSON array of tool definitions"
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			msg = "is not JSON (" + err.Error() + "); a tool schema is a JSON array of tool definitions"
		}
		return nil, doc, &FieldError{uriField, doc.URI + " " + msg}
	}
	// Decoded as the inlinePayload member of a ToolSchema, so the same
	// strict rules apply (unknown members, types, required members). body
	// is one valid JSON value, so the wrapper is exactly that object.
	wrapped := make([]byte, 0, len(body)+20)
	wrapped = append(append(append(wrapped, `{"inlinePayload":`...), body...), '}')
	var ts agentcore.ToolSchema
	if err := agentcore.Decode(wrapped, &ts); err != nil {
		var ve *agentcore.ValidationError
		if errors.As(err, &ve) && len(ve.Fields) > 0 {
			parts := make([]string, 0, min(len(ve.Fields), 5))
			for _, f := range ve.Fields[:min(len(ve.Fields), 5)] {
				parts = append(parts, strings.TrimPrefix(f.Name, "inlinePayload")+": "+f.Message)
			}
			if n := len(ve.Fields) - len(parts); n > 0 {
				parts = append(parts, fmt.Sprintf("…and %d more", n))
			}
			return nil, doc, &FieldError{uriField, doc.URI + ": " + strings.Join(parts, "; ")}
		}
		return nil, doc, &FieldError{uriField, doc.URI + ": " + err.Error()}
	}
	return ts.InlinePayload, doc, nil
}

// openOpenAPIFromS3 opens an OpenAPI target whose document was fetched from
// the S3Configuration at field; conversion errors name its uri.
func openOpenAPIFromS3(field string, s3 *agentcore.S3Configuration, docs Documents, env target.Env) (target.Target, []target.Warning, error) {
	doc, err := docs.document(field, s3)
	if err != nil {
		return nil, nil, err
	}
	spec, warnings, err := openapi.Convert([]byte(doc.Body))
	if err != nil {
		return nil, nil, &FieldError{field + ".uri", doc.URI + ": " + err.Error()}
	}
	return openapi.Open(spec, env), warnings, nil
}

// lambdaToolsS3 converts a Lambda tool schema fetched from the
// S3Configuration at field; errors name its uri and the place in the
// document. Warnings point into the document as "s3.uri … [i].name".
func lambdaToolsS3(field string, s3 *agentcore.S3Configuration, docs Documents) ([]target.Tool, []target.Warning, error) {
	defs, doc, err := lambdaToolsFromS3(field, s3, docs)
	if err != nil {
		return nil, nil, err
	}
	tools, warnings, err := lambda.ConvertDocument(defs)
	var se *lambda.SchemaError
	if errors.As(err, &se) {
		return nil, nil, &FieldError{field + ".uri", doc.URI + ": " + se.Field + ": " + se.Message}
	}
	if err != nil {
		return nil, nil, err
	}
	for i := range warnings {
		warnings[i].Where = doc.URI + " " + warnings[i].Where
	}
	return tools, warnings, nil
}
