package agentcore

import (
	"net/netip"
	"net/url"
	"strings"
)

// Validation of target requests (§6.6, §6.8, §6.10, §7.4, §7.5, §11).

// Validate checks a CreateGatewayTarget body against the contract and
// returns a *ValidationError listing every problem, or nil.
func (r *CreateGatewayTargetRequest) Validate() error {
	var v validator
	v.structure(r)
	v.target(targetCore{
		name: r.Name, description: r.Description, config: r.TargetConfiguration,
		creds: r.CredentialProviderConfigurations, metadata: r.MetadataConfiguration,
		privateEndpoint: r.PrivateEndpoint, certs: r.CertificateConfigurations,
	})
	v.clientToken("clientToken", r.ClientToken)
	return v.errs.err()
}

// Validate checks an UpdateGatewayTarget body; see
// CreateGatewayTargetRequest.Validate.
func (r *UpdateGatewayTargetRequest) Validate() error {
	var v validator
	v.structure(r)
	v.target(targetCore{
		name: r.Name, description: r.Description, config: r.TargetConfiguration,
		creds: r.CredentialProviderConfigurations, metadata: r.MetadataConfiguration,
		privateEndpoint: r.PrivateEndpoint, certs: r.CertificateConfigurations,
	})
	return v.errs.err()
}

// Validate checks a SynchronizeGatewayTargets body: exactly one target id
// (§6.10, [MODEL]).
func (r *SynchronizeGatewayTargetsRequest) Validate() error {
	var v validator
	v.structure(r)
	v.count("targetIdList", r.TargetIDList != nil, len(r.TargetIDList), 1, 1)
	v.each("targetIdList", r.TargetIDList, func(p path, s *string) { v.match(p, s, reTargetID) })
	return v.errs.err()
}

type targetCore struct {
	name, description *string
	config            *TargetConfiguration
	creds             []CredentialProviderConfiguration
	metadata          *MetadataConfiguration
	privateEndpoint   *PrivateEndpoint
	certs             []CertificateConfiguration
}

func (v *validator) target(t targetCore) {
	v.match("name", t.name, reTargetName)
	v.length("description", t.description, 1, 200)
	var kind string
	var server *McpServerTargetConfiguration
	if t.config != nil && t.config.MCP != nil {
		kind = v.mcpTarget("targetConfiguration.mcp", t.config.MCP)
		server = t.config.MCP.MCPServer
	}
	v.credentials("credentialProviderConfigurations", t.creds, kind, server)
	v.metadata("metadataConfiguration", t.metadata)
	v.privateEndpoint("privateEndpoint", t.privateEndpoint)
	cp := path("certificateConfigurations")
	v.count(cp, t.certs != nil, len(t.certs), 1, 1)
	for i, c := range t.certs {
		if c.S3 != nil {
			v.match(cp.idx(i).key("s3").key("uri"), c.S3.URI, reS3URI)
			v.match(cp.idx(i).key("s3").key("bucketOwnerAccountId"), c.S3.BucketOwnerAccountID, reAccountID)
		}
		if c.SecretsManager != nil {
			v.match(cp.idx(i).key("secretsManager").key("secretArn"), c.SecretsManager.SecretArn, reSecretArn)
		}
	}
}

// mcpTarget checks the member of the MCP target union and returns its name
// when exactly one is set (the "kind" the outbound-auth matrix is keyed by).
func (v *validator) mcpTarget(p path, m *McpTargetConfiguration) string {
	var kinds []string
	if m.OpenAPISchema != nil {
		kinds = append(kinds, "openApiSchema")
		v.apiSchema(p.key("openApiSchema"), m.OpenAPISchema.S3, m.OpenAPISchema.InlinePayload)
	}
	if m.SmithyModel != nil {
		kinds = append(kinds, "smithyModel")
		v.apiSchema(p.key("smithyModel"), m.SmithyModel.S3, m.SmithyModel.InlinePayload)
	}
	if m.Lambda != nil {
		kinds = append(kinds, "lambda")
		v.lambdaTarget(p.key("lambda"), m.Lambda)
	}
	if m.MCPServer != nil {
		kinds = append(kinds, "mcpServer")
		v.mcpServer(p.key("mcpServer"), m.MCPServer)
	}
	if m.APIGateway != nil {
		kinds = append(kinds, "apiGateway")
		v.apiGateway(p.key("apiGateway"), m.APIGateway)
	}
	if m.Connector != nil {
		kinds = append(kinds, "connector")
		v.connector(p.key("connector"), m.Connector)
	}
	if len(kinds) != 1 {
		return ""
	}
	return kinds[0]
}

// apiSchema checks an S3-or-inline document (ApiSchemaConfiguration,
// McpToolSchemaConfiguration).
func (v *validator) apiSchema(p path, s3 *S3Configuration, inline *string) {
	v.s3(p.key("s3"), s3)
	if inline != nil {
		if n := len(*inline); n == 0 || n > maxInlinePayloadBytes {
			v.add(p.key("inlinePayload"), "must be 1-%d bytes, got %d", maxInlinePayloadBytes, n)
		}
	}
}

// s3 checks an S3Configuration. The SDK does not mark uri required, but an
// S3 location without one cannot be fetched, so toolgate requires it.
func (v *validator) s3(p path, s *S3Configuration) {
	if s == nil {
		return
	}
	if s.URI == nil {
		v.add(p.key("uri"), "is required")
	}
	v.match(p.key("uri"), s.URI, reS3URI)
	v.match(p.key("bucketOwnerAccountId"), s.BucketOwnerAccountID, reAccountID)
}

// lambdaTarget checks §7.4/§11.5. Inline tool lists must hold at least one
// tool with distinct names; tool schemas must be of type object at the top,
// as MCP requires of inputSchema and outputSchema.
func (v *validator) lambdaTarget(p path, l *McpLambdaTargetConfiguration) {
	v.lambdaArn(p.key("lambdaArn"), l.LambdaArn)
	ts := l.ToolSchema
	if ts == nil {
		return
	}
	tp := p.key("toolSchema")
	v.s3(tp.key("s3"), ts.S3)
	ip := tp.key("inlinePayload")
	v.count(ip, ts.InlinePayload != nil, len(ts.InlinePayload), 1, -1)
	names := make([]string, len(ts.InlinePayload))
	for i, td := range ts.InlinePayload {
		dp := ip.idx(i)
		v.length(dp.key("name"), td.Name, 1, maxToolNameLength)
		if td.Name != nil {
			names[i] = *td.Name
		}
		v.toolSchema(dp.key("inputSchema"), td.InputSchema)
		v.toolSchema(dp.key("outputSchema"), td.OutputSchema)
	}
	first := map[string]int{}
	for i, n := range names {
		if n == "" {
			continue
		}
		if j, dup := first[n]; dup {
			v.add(ip.idx(i).key("name"), "duplicates the tool name of %s", ip.idx(j))
			continue
		}
		first[n] = i
	}
}

func (v *validator) toolSchema(p path, s *SchemaDefinition) {
	if s == nil {
		return
	}
	if s.Type != "" && s.Type != SchemaTypeObject {
		v.add(p.key("type"), "must be object for a tool's top-level schema")
	}
	v.schema(p, s)
}

// schema checks a SchemaDefinition tree: names in "required" must be
// non-empty and distinct.
func (v *validator) schema(p path, s *SchemaDefinition) {
	rp := p.key("required")
	v.each(rp, s.Required, v.nonEmpty)
	v.noDuplicates(rp, s.Required, identity)
	for _, k := range sortedKeys(s.Properties) {
		prop := s.Properties[k]
		v.schema(p.key("properties").mapKey(k), &prop)
	}
	if s.Items != nil {
		v.schema(p.key("items"), s.Items)
	}
}

// mcpServer checks §7.4/§11.8: an https endpoint and resourcePriority 0–1000.
// toolgate also accepts http:// for loopback and private hosts (servers next
// to the gateway; whether they may be reached is egress.deny_private's
// decision), see target/mcpserver.CheckEndpoint.
func (v *validator) mcpServer(p path, m *McpServerTargetConfiguration) {
	if m.Endpoint != nil && privateHTTP(*m.Endpoint) {
		v.absoluteURL(p.key("endpoint"), m.Endpoint, "http")
	} else if v.match(p.key("endpoint"), m.Endpoint, reHTTPS) {
		v.absoluteURL(p.key("endpoint"), m.Endpoint, "https")
	}
	if ts := m.MCPToolSchema; ts != nil {
		v.apiSchema(p.key("mcpToolSchema"), ts.S3, ts.InlinePayload)
	}
	v.intRange(p.key("resourcePriority"), m.ResourcePriority, 0, 1000)
}

func (v *validator) apiGateway(p path, a *ApiGatewayTargetConfiguration) {
	v.nonEmpty(p.key("restApiId"), a.RestAPIID)
	v.nonEmpty(p.key("stage"), a.Stage)
	tc := a.APIGatewayToolConfiguration
	if tc == nil {
		return
	}
	cp := p.key("apiGatewayToolConfiguration")
	fp := cp.key("toolFilters")
	v.count(fp, tc.ToolFilters != nil, len(tc.ToolFilters), 1, -1)
	for i, f := range tc.ToolFilters {
		v.resourcePath(fp.idx(i).key("filterPath"), f.FilterPath)
		mp := fp.idx(i).key("methods")
		v.count(mp, f.Methods != nil, len(f.Methods), 1, -1)
		methods := make([]string, len(f.Methods))
		for j, m := range f.Methods {
			methods[j] = string(m)
		}
		v.noDuplicates(mp, methods, identity)
	}
	for i, o := range tc.ToolOverrides {
		op := cp.key("toolOverrides").idx(i)
		v.length(op.key("name"), o.Name, 1, maxToolNameLength)
		v.resourcePath(op.key("path"), o.Path)
	}
}

func (v *validator) resourcePath(p path, s *string) {
	if s != nil && !strings.HasPrefix(*s, "/") {
		v.add(p, `must be a resource path starting with "/"`)
	}
}

func (v *validator) connector(p path, c *ConnectorTargetConfiguration) {
	if c.Source != nil {
		v.nonEmpty(p.key("source").key("connectorId"), c.Source.ConnectorID)
	}
	v.each(p.key("enabled"), c.Enabled, v.nonEmpty)
	for i, cfg := range c.Configurations {
		cp := p.key("configurations").idx(i)
		v.nonEmpty(cp.key("name"), cfg.Name)
		for j, o := range cfg.ParameterOverrides {
			v.nonEmpty(cp.key("parameterOverrides").idx(j).key("path"), o.Path)
		}
	}
}

// privateHTTP reports whether s is an http:// URL whose host is "localhost"
// or a loopback or private IP literal.
func privateHTTP(s string) bool {
	u, err := url.Parse(s)
	if err != nil || !strings.EqualFold(u.Scheme, "http") {
		return false
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && (a.Unmap().IsLoopback() || a.Unmap().IsPrivate())
}
