package cognito

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/toolgate/toolgate/internal/idp"
	"github.com/toolgate/toolgate/internal/store"
)

// User pools and their domains.

// poolSettings are the CreateUserPool members stored and echoed by
// DescribeUserPool, with their JSON types.
var poolSettings = map[string]jsonKind{
	"AccountRecoverySetting": kindObject, "AdminCreateUserConfig": kindObject, "AliasAttributes": kindList,
	"AutoVerifiedAttributes": kindList, "DeletionProtection": kindString, "DeviceConfiguration": kindObject,
	"EmailConfiguration": kindObject, "EmailVerificationMessage": kindString, "EmailVerificationSubject": kindString,
	"IssuerConfiguration": kindObject, "KeyConfiguration": kindObject, "LambdaConfig": kindObject,
	"MfaConfiguration": kindString, "Policies": kindObject, "Schema": kindList, "SmsAuthenticationMessage": kindString,
	"SmsConfiguration": kindObject, "SmsVerificationMessage": kindString, "UserAttributeUpdateSettings": kindObject,
	"UserPoolAddOns": kindObject, "UserPoolTags": kindStringMap, "UserPoolTier": kindString,
	"UsernameAttributes": kindList, "UsernameConfiguration": kindObject, "VerificationMessageTemplate": kindObject,
}

// poolIDAlphabet and poolIDLength give Cognito-shaped ids: us-east-1_AbCdEf123.
const (
	poolIDAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	poolIDLength   = 9
)

type createUserPoolInput struct {
	PoolName           *string
	DeletionProtection *string
	MfaConfiguration   *string
	UserPoolTier       *string
}

func (h *handler) createUserPool(ctx context.Context, body []byte) (any, http.Header, error) {
	var in createUserPoolInput
	raw, err := decode(body, &in)
	if err != nil {
		return nil, nil, err
	}
	var v validation
	v.str("PoolName", in.PoolName, true, 1, 128, reName)
	v.enum("DeletionProtection", in.DeletionProtection, "ACTIVE", "INACTIVE")
	v.enum("MfaConfiguration", in.MfaConfiguration, "OFF", "ON", "OPTIONAL")
	v.enum("UserPoolTier", in.UserPoolTier, "LITE", "ESSENTIALS", "PLUS")
	v.kinds(raw, poolSettings)
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	config, err := pick(raw, poolSettings)
	if err != nil {
		return nil, nil, err
	}
	region := h.Region
	if region == "" {
		region = "us-east-1"
	}
	now := h.Now()
	// A fresh id collides with an existing one about never (62^9 ids); a
	// collision is retried with a new id and a key bound to it.
	for attempt := 1; ; attempt++ {
		suffix, err := randomString(poolIDAlphabet, poolIDLength)
		if err != nil {
			return nil, nil, err
		}
		id := region + "_" + suffix
		key, err := idp.NewSigningKey(h.Vault, id, now)
		if err != nil {
			return nil, nil, err
		}
		p, err := h.Store.CreateUserPool(ctx, store.UserPool{ID: id, Name: *in.PoolName, ARN: h.poolARN(id), Config: config, CreatedAt: now}, key)
		var ce *store.ConflictError
		if errors.As(err, &ce) && ce.Field == "id" && attempt < 5 {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		h.afterWrite(ctx)
		h.Logger.Info("user pool created", "pool", p.ID, "issuer", idp.Issuer(h.DataURL, p.ID))
		return map[string]any{"UserPool": h.poolType(p)}, h.issuerHeaders(p.ID), nil
	}
}

// issuerHeaders tell toolgate's CLI where the pool's issuer is.
func (h *handler) issuerHeaders(poolID string) http.Header {
	return http.Header{
		"X-Toolgate-Issuer":         {idp.Issuer(h.DataURL, poolID)},
		"X-Toolgate-Discovery-Url":  {idp.DiscoveryURL(h.DataURL, poolID)},
		"X-Toolgate-Token-Endpoint": {idp.TokenEndpoint(h.DataURL, poolID)},
	}
}

// poolType is Cognito's UserPoolType: identity, Cognito's defaults for the
// settings toolgate does not interpret, and over them what the pool was
// created with.
func (h *handler) poolType(p store.UserPool) map[string]any {
	out := map[string]any{
		"Id":                     p.ID,
		"Name":                   p.Name,
		"Arn":                    p.ARN,
		"CreationDate":           epoch(p.CreatedAt),
		"LastModifiedDate":       epoch(p.UpdatedAt),
		"EstimatedNumberOfUsers": 0,
		"LambdaConfig":           map[string]any{},
		"MfaConfiguration":       "OFF",
		"DeletionProtection":     "INACTIVE",
		"UserPoolTier":           "ESSENTIALS",
		"Policies": map[string]any{"PasswordPolicy": map[string]any{
			"MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true, "RequireNumbers": true,
			"RequireSymbols": true, "TemporaryPasswordValidityDays": 7,
		}},
		"AdminCreateUserConfig": map[string]any{"AllowAdminCreateUserOnly": false, "UnusedAccountValidityDays": 7},
	}
	if p.Domain != "" {
		out["Domain"] = p.Domain
	}
	for k, v := range poolConfig(p) {
		if k == "Schema" {
			k = "SchemaAttributes" // CreateUserPool's Schema is UserPoolType's SchemaAttributes
		}
		out[k] = v
	}
	return out
}

// poolConfig decodes a pool's stored settings; the store only holds what
// pick produced, so a decoding failure means an empty object.
func poolConfig(p store.UserPool) map[string]json.RawMessage {
	var cfg map[string]json.RawMessage
	if len(p.Config) > 0 {
		_ = json.Unmarshal(p.Config, &cfg)
	}
	return cfg
}

type poolIDInput struct{ UserPoolId *string }

func (h *handler) describeUserPool(ctx context.Context, body []byte) (any, http.Header, error) {
	var in poolIDInput
	if _, err := decode(body, &in); err != nil {
		return nil, nil, err
	}
	var v validation
	v.poolID(in.UserPoolId)
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	p, err := h.getPool(ctx, *in.UserPoolId)
	if err != nil {
		return nil, nil, err
	}
	return map[string]any{"UserPool": h.poolType(p)}, h.issuerHeaders(p.ID), nil
}

type listInput struct {
	UserPoolId *string
	MaxResults *int64
	NextToken  *string
}

func (h *handler) listUserPools(ctx context.Context, body []byte) (any, http.Header, error) {
	var in listInput
	if _, err := decode(body, &in); err != nil {
		return nil, nil, err
	}
	var v validation
	if in.MaxResults == nil {
		v.add("MaxResults", nil, "Member must not be null")
	}
	v.intRange("MaxResults", in.MaxResults, 1, 60)
	v.nextToken(in.NextToken)
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	pools, next, err := h.Store.ListUserPools(ctx, page(in))
	if err != nil {
		return nil, nil, err
	}
	items := make([]map[string]any, 0, len(pools))
	for _, p := range pools {
		items = append(items, map[string]any{
			"Id": p.ID, "Name": p.Name, "LambdaConfig": map[string]any{},
			"CreationDate": epoch(p.CreatedAt), "LastModifiedDate": epoch(p.UpdatedAt),
		})
	}
	return withNext(map[string]any{"UserPools": items}, next), nil, nil
}

func page(in listInput) store.Page {
	p := store.Page{}
	if in.MaxResults != nil {
		p.Limit = int(*in.MaxResults)
	}
	if in.NextToken != nil {
		p.After = *in.NextToken
	}
	return p
}

func withNext(out map[string]any, next string) map[string]any {
	if next != "" {
		out["NextToken"] = next
	}
	return out
}

func (h *handler) deleteUserPool(ctx context.Context, body []byte) (any, http.Header, error) {
	var in poolIDInput
	if _, err := decode(body, &in); err != nil {
		return nil, nil, err
	}
	var v validation
	v.poolID(in.UserPoolId)
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	p, err := h.getPool(ctx, *in.UserPoolId)
	if err != nil {
		return nil, nil, err
	}
	if string(poolConfig(p)["DeletionProtection"]) == `"ACTIVE"` {
		return nil, nil, errInvalidParameter("The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.")
	}
	if err := h.Store.DeleteUserPool(ctx, p.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, errPoolNotFound(p.ID)
		}
		return nil, nil, err
	}
	h.afterWrite(ctx)
	h.Logger.Info("user pool deleted", "pool", p.ID)
	return map[string]any{}, nil, nil
}

type createDomainInput struct {
	Domain              *string
	UserPoolId          *string
	CustomDomainConfig  json.RawMessage
	ManagedLoginVersion *int64
}

func (h *handler) createUserPoolDomain(ctx context.Context, body []byte) (any, http.Header, error) {
	var in createDomainInput
	if _, err := decode(body, &in); err != nil {
		return nil, nil, err
	}
	var v validation
	v.str("Domain", in.Domain, true, 1, 63, reDomain)
	v.poolID(in.UserPoolId)
	v.intRange("ManagedLoginVersion", in.ManagedLoginVersion, 1, 2)
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	if len(in.CustomDomainConfig) > 0 && string(in.CustomDomainConfig) != "null" {
		return nil, nil, errInvalidParameter("toolgate supports only domain prefixes, not custom domains (CustomDomainConfig).")
	}
	for _, word := range reservedDomains {
		if strings.Contains(*in.Domain, word) {
			return nil, nil, errInvalidParameter("Domain cannot contain reserved word: %s", word)
		}
	}
	_, err := h.Store.UpdateUserPool(ctx, *in.UserPoolId, func(p store.UserPool) (store.UserPool, error) {
		if p.Domain != "" {
			return p, errInvalidParameter("User pool already has a domain configured.")
		}
		p.Domain = *in.Domain
		return p, nil
	})
	var ce *store.ConflictError
	switch {
	case errors.As(err, &ce):
		return nil, nil, errInvalidParameter("Domain already associated with another user pool.")
	case errors.Is(err, store.ErrNotFound):
		return nil, nil, errPoolNotFound(*in.UserPoolId)
	case err != nil:
		return nil, nil, err
	}
	h.afterWrite(ctx)
	h.Logger.Info("user pool domain created", "pool", *in.UserPoolId, "domain", *in.Domain)
	out := map[string]any{}
	if in.ManagedLoginVersion != nil {
		out["ManagedLoginVersion"] = *in.ManagedLoginVersion
	}
	return out, http.Header{"X-Toolgate-Token-Endpoint": {h.DataURL + "/idp/" + *in.Domain + "/oauth2/token"}}, nil
}
