package agentcore

import "time"

// Validation of gateway requests (§6.1, §6.3, §7.1–7.3).

// Validate checks a CreateGateway body against the contract and returns a
// *ValidationError listing every problem, or nil.
func (r *CreateGatewayRequest) Validate() error {
	var v validator
	v.structure(r)
	v.gateway(gatewayCore{
		name: r.Name, description: r.Description, roleArn: r.RoleArn,
		authorizerType: r.AuthorizerType, authorizer: r.AuthorizerConfiguration,
		protocol: r.ProtocolConfiguration, kmsKeyArn: r.KmsKeyArn,
		interceptors: r.InterceptorConfigurations, policyEngine: r.PolicyEngineConfiguration,
	})
	v.clientToken("clientToken", r.ClientToken)
	v.tags("tags", r.Tags)
	return v.errs.err()
}

// Validate checks an UpdateGateway body; see CreateGatewayRequest.Validate.
func (r *UpdateGatewayRequest) Validate() error {
	var v validator
	v.structure(r)
	v.gateway(gatewayCore{
		name: r.Name, description: r.Description, roleArn: r.RoleArn,
		authorizerType: r.AuthorizerType, authorizer: r.AuthorizerConfiguration,
		protocol: r.ProtocolConfiguration, kmsKeyArn: r.KmsKeyArn,
		interceptors: r.InterceptorConfigurations, policyEngine: r.PolicyEngineConfiguration,
	})
	if ct := r.CustomTransformConfiguration; ct != nil && ct.Lambda != nil {
		v.lambdaArn("customTransformConfiguration.lambda.arn", ct.Lambda.Arn)
	}
	return v.errs.err()
}

// gatewayCore is what Create and Update share.
type gatewayCore struct {
	name, description, roleArn *string
	authorizerType             AuthorizerType
	authorizer                 *AuthorizerConfiguration
	protocol                   *GatewayProtocolConfiguration
	kmsKeyArn                  *string
	interceptors               []GatewayInterceptorConfiguration
	policyEngine               *GatewayPolicyEngineConfiguration
}

func (v *validator) gateway(g gatewayCore) {
	v.match("name", g.name, reGatewayName)
	v.length("description", g.description, 1, 200)
	v.text("roleArn", g.roleArn, 1, 2048, reRoleArn)
	v.authorizer(g.authorizerType, g.authorizer)
	if g.protocol != nil && g.protocol.MCP != nil {
		v.mcpGateway("protocolConfiguration.mcp", g.protocol.MCP)
	}
	v.match("kmsKeyArn", g.kmsKeyArn, reKmsKeyArn)
	v.interceptors("interceptorConfigurations", g.interceptors)
	if pe := g.policyEngine; pe != nil {
		v.match("policyEngineConfiguration.arn", pe.Arn, rePolicyEngineArn)
	}
}

// authorizer ties authorizerConfiguration to authorizerType (§6.1, §11.2):
// the JWT authorizers need it, the others must not carry one. The contract
// states it for CUSTOM_JWT; AUTHENTICATE_ONLY validates tokens too, so it
// needs the same discovery configuration.
func (v *validator) authorizer(t AuthorizerType, ac *AuthorizerConfiguration) {
	switch t {
	case AuthorizerTypeCustomJWT, AuthorizerTypeAuthenticateOnly:
		if ac == nil {
			v.add("authorizerConfiguration", "is required when authorizerType is %s", t)
		}
	case AuthorizerTypeNone, AuthorizerTypeAWSIAM:
		if ac != nil {
			v.add("authorizerConfiguration", "must not be set when authorizerType is %s", t)
		}
	}
	if ac != nil && ac.CustomJWTAuthorizer != nil {
		v.customJWT("authorizerConfiguration.customJWTAuthorizer", ac.CustomJWTAuthorizer)
	}
}

func (v *validator) customJWT(p path, c *CustomJWTAuthorizerConfiguration) {
	if v.match(p.key("discoveryUrl"), c.DiscoveryURL, reDiscoveryURL) {
		v.absoluteURL(p.key("discoveryUrl"), c.DiscoveryURL, "http", "https")
	}
	v.count(p.key("allowedAudience"), c.AllowedAudience != nil, len(c.AllowedAudience), 1, -1)
	v.each(p.key("allowedAudience"), c.AllowedAudience, v.nonEmpty)
	v.count(p.key("allowedClients"), c.AllowedClients != nil, len(c.AllowedClients), 1, -1)
	v.each(p.key("allowedClients"), c.AllowedClients, v.nonEmpty)
	v.count(p.key("allowedScopes"), c.AllowedScopes != nil, len(c.AllowedScopes), 1, -1)
	v.each(p.key("allowedScopes"), c.AllowedScopes, v.scope)
	if m := c.AdvertisedScopeMapping; m != nil {
		mp := p.key("advertisedScopeMapping")
		v.count(mp, true, len(m), 0, 50)
		for _, k := range sortedKeys(m) {
			if !reScope.match(k) || len(k) > 255 {
				v.add(mp.mapKey(k), "key must be 1-255 characters matching %s", reScope.src)
			}
			v.scope(mp.mapKey(k), ptr(m[k]))
		}
	}
	v.count(p.key("customClaims"), c.CustomClaims != nil, len(c.CustomClaims), 1, -1)
	for i := range c.CustomClaims {
		v.customClaim(p.key("customClaims").idx(i), &c.CustomClaims[i])
	}
	v.privateEndpoint(p.key("privateEndpoint"), c.PrivateEndpoint)
	op := p.key("privateEndpointOverrides")
	v.count(op, c.PrivateEndpointOverrides != nil, len(c.PrivateEndpointOverrides), 0, 5)
	for i, o := range c.PrivateEndpointOverrides {
		v.nonEmpty(op.idx(i).key("domain"), o.Domain)
		v.privateEndpoint(op.idx(i).key("privateEndpoint"), o.PrivateEndpoint)
	}
	if w := c.AllowedWorkloadConfiguration; w != nil {
		wp := p.key("allowedWorkloadConfiguration")
		v.count(wp.key("hostingEnvironments"), w.HostingEnvironments != nil, len(w.HostingEnvironments), 1, 10)
		for i, h := range w.HostingEnvironments {
			v.match(wp.key("hostingEnvironments").idx(i).key("arn"), h.Arn, reAgentCoreArn)
		}
		v.count(wp.key("workloadIdentities"), w.WorkloadIdentities != nil, len(w.WorkloadIdentities), 1, 10)
		v.each(wp.key("workloadIdentities"), w.WorkloadIdentities, func(p path, s *string) {
			v.text(p, s, 3, 255, reWorkloadName)
		})
	}
}

func (v *validator) scope(p path, s *string) { v.text(p, s, 1, 255, reScope) }

// customClaim enforces the claim rules: EQUALS only for STRING claims,
// CONTAINS and CONTAINS_ANY only for STRING_ARRAY claims; matchValueString
// goes with EQUALS and CONTAINS, matchValueStringList with CONTAINS_ANY.
func (v *validator) customClaim(p path, c *CustomClaimValidationType) {
	v.text(p.key("inboundTokenClaimName"), c.InboundTokenClaimName, 1, 255, reClaimName)
	m := c.AuthorizingClaimMatchValue
	if m == nil {
		return
	}
	mp := p.key("authorizingClaimMatchValue")
	opPath := mp.key("claimMatchOperator")
	switch c.InboundTokenClaimValueType {
	case InboundTokenClaimValueTypeString:
		if m.ClaimMatchOperator != "" && m.ClaimMatchOperator != ClaimMatchOperatorEquals {
			v.add(opPath, "must be EQUALS when inboundTokenClaimValueType is STRING")
		}
	case InboundTokenClaimValueTypeStringArray:
		if m.ClaimMatchOperator == ClaimMatchOperatorEquals {
			v.add(opPath, "must be CONTAINS or CONTAINS_ANY when inboundTokenClaimValueType is STRING_ARRAY")
		}
	}
	val := m.ClaimMatchValue
	if val == nil {
		return
	}
	vp := mp.key("claimMatchValue")
	v.text(vp.key("matchValueString"), val.MatchValueString, 1, 255, reClaimValue)
	lp := vp.key("matchValueStringList")
	v.count(lp, val.MatchValueStringList != nil, len(val.MatchValueStringList), 1, -1)
	v.each(lp, val.MatchValueStringList, func(p path, s *string) { v.text(p, s, 1, 255, reClaimValue) })
	switch m.ClaimMatchOperator {
	case ClaimMatchOperatorEquals, ClaimMatchOperatorContains:
		if val.MatchValueStringList != nil {
			v.add(lp, "must not be set when claimMatchOperator is %s; use matchValueString", m.ClaimMatchOperator)
		}
	case ClaimMatchOperatorContainsAny:
		if val.MatchValueString != nil {
			v.add(vp.key("matchValueString"), "must not be set when claimMatchOperator is CONTAINS_ANY; use matchValueStringList")
		}
	}
}

// mcpGateway checks the MCP protocol settings (§7.2). supportedVersions,
// when present, must name at least one revision, each a YYYY-MM-DD date
// (the form of every MCP revision, §11.1), without repeats.
func (v *validator) mcpGateway(p path, m *MCPGatewayConfiguration) {
	sp := p.key("supportedVersions")
	v.count(sp, m.SupportedVersions != nil, len(m.SupportedVersions), 1, -1)
	v.each(sp, m.SupportedVersions, func(p path, s *string) {
		if _, err := time.Parse(time.DateOnly, *s); err != nil || !reMCPVersion.match(*s) {
			v.add(p, "must be an MCP protocol version date of the form YYYY-MM-DD")
		}
	})
	v.noDuplicates(sp, m.SupportedVersions, identity)
	v.length(p.key("instructions"), m.Instructions, 1, 2048)
	if sc := m.SessionConfiguration; sc != nil {
		v.intRange(p.key("sessionConfiguration").key("sessionTimeoutInSeconds"), sc.SessionTimeoutInSeconds, 900, 28800)
	}
}

// interceptors checks §7.3: 1–2 configurations, each with 1–2 distinct
// interception points, and at most one interceptor per point across the
// gateway (DOCS: one REQUEST and one RESPONSE interceptor at most).
func (v *validator) interceptors(p path, list []GatewayInterceptorConfiguration) {
	v.count(p, list != nil, len(list), 1, 2)
	owner := map[GatewayInterceptionPoint]path{}
	for i, ic := range list {
		ip := p.idx(i)
		if ic.Interceptor != nil && ic.Interceptor.Lambda != nil {
			v.lambdaArn(ip.key("interceptor").key("lambda").key("arn"), ic.Interceptor.Lambda.Arn)
		}
		pp := ip.key("interceptionPoints")
		v.count(pp, ic.InterceptionPoints != nil, len(ic.InterceptionPoints), 1, 2)
		for j, point := range ic.InterceptionPoints {
			if point == "" {
				continue
			}
			if prev, dup := owner[point]; dup {
				v.add(pp.idx(j), "%s is already intercepted by %s", point, prev)
				continue
			}
			owner[point] = pp.idx(j)
		}
		if in := ic.InputConfiguration; in != nil && in.PayloadFilter != nil {
			ep := ip.key("inputConfiguration").key("payloadFilter").key("exclude")
			v.count(ep, in.PayloadFilter.Exclude != nil, len(in.PayloadFilter.Exclude), 1, -1)
		}
	}
}

// lambdaArn checks a Lambda function ARN (≤170 characters, §7.3, §7.4).
func (v *validator) lambdaArn(p path, s *string) { v.text(p, s, 1, 170, reLambdaArn) }

// privateEndpoint checks the members a private endpoint needs to be usable.
func (v *validator) privateEndpoint(p path, pe *PrivateEndpoint) {
	if pe == nil {
		return
	}
	if sl := pe.SelfManagedLatticeResource; sl != nil {
		v.nonEmpty(p.key("selfManagedLatticeResource").key("resourceConfigurationIdentifier"), sl.ResourceConfigurationIdentifier)
	}
	if mv := pe.ManagedVpcResource; mv != nil {
		mp := p.key("managedVpcResource")
		v.nonEmpty(mp.key("vpcIdentifier"), mv.VpcIdentifier)
		v.count(mp.key("subnetIds"), mv.SubnetIDs != nil, len(mv.SubnetIDs), 1, -1)
		v.each(mp.key("subnetIds"), mv.SubnetIDs, v.nonEmpty)
		v.each(mp.key("securityGroupIds"), mv.SecurityGroupIDs, v.nonEmpty)
		v.tags(mp.key("tags"), mv.Tags)
	}
}
