package agentcore

import "encoding/json"

// Workload identities and the token vault of the identity control plane
// (§3, §8.3, §8.4), and the Identity data plane (§5, §9). Every operation is
// POST with a JSON body; identity timestamps are epoch seconds.

// CreateWorkloadIdentityRequest is the body of
// POST /identities/CreateWorkloadIdentity (201).
type CreateWorkloadIdentityRequest struct {
	Name                            *string           `json:"name,omitempty" agentcore:"required"`
	AllowedResourceOauth2ReturnUrls []string          `json:"allowedResourceOauth2ReturnUrls,omitzero"`
	Tags                            map[string]string `json:"tags,omitzero"`
}

// CreateWorkloadIdentityResponse is the response of Create.
type CreateWorkloadIdentityResponse struct {
	Name                            string   `json:"name" agentcore:"required"`
	WorkloadIdentityArn             string   `json:"workloadIdentityArn" agentcore:"required"`
	AllowedResourceOauth2ReturnUrls []string `json:"allowedResourceOauth2ReturnUrls,omitempty"`
}

// GetWorkloadIdentityRequest is the body of POST /identities/GetWorkloadIdentity.
type GetWorkloadIdentityRequest struct {
	Name *string `json:"name,omitempty" agentcore:"required"`
}

// WorkloadIdentity is the response of Get and Update.
type WorkloadIdentity struct {
	Name                            string       `json:"name" agentcore:"required"`
	WorkloadIdentityArn             string       `json:"workloadIdentityArn" agentcore:"required"`
	AllowedResourceOauth2ReturnUrls []string     `json:"allowedResourceOauth2ReturnUrls,omitempty"`
	CreatedTime                     EpochSeconds `json:"createdTime" agentcore:"required"`
	LastUpdatedTime                 EpochSeconds `json:"lastUpdatedTime" agentcore:"required"`
}

// UpdateWorkloadIdentityRequest is the body of
// POST /identities/UpdateWorkloadIdentity: the return URLs are replaced.
type UpdateWorkloadIdentityRequest struct {
	Name                            *string  `json:"name,omitempty" agentcore:"required"`
	AllowedResourceOauth2ReturnUrls []string `json:"allowedResourceOauth2ReturnUrls,omitzero"`
}

// DeleteWorkloadIdentityRequest is the body of
// POST /identities/DeleteWorkloadIdentity (204, empty response body).
type DeleteWorkloadIdentityRequest struct {
	Name *string `json:"name,omitempty" agentcore:"required"`
}

// ListWorkloadIdentitiesRequest is the body of
// POST /identities/ListWorkloadIdentities.
type ListWorkloadIdentitiesRequest struct {
	NextToken *string `json:"nextToken,omitempty"`
	// MaxResults is 1–20; the service default is 10.
	MaxResults *int32 `json:"maxResults,omitempty"`
}

// ListWorkloadIdentitiesResponse is the response of List.
type ListWorkloadIdentitiesResponse struct {
	WorkloadIdentities []WorkloadIdentityItem `json:"workloadIdentities" agentcore:"required"`
	NextToken          *string                `json:"nextToken,omitempty"`
}

// MarshalJSON writes a nil WorkloadIdentities as [].
func (r ListWorkloadIdentitiesResponse) MarshalJSON() ([]byte, error) {
	type plain ListWorkloadIdentitiesResponse
	if r.WorkloadIdentities == nil {
		r.WorkloadIdentities = []WorkloadIdentityItem{}
	}
	return json.Marshal(plain(r))
}

// WorkloadIdentityItem is one entry of List.
type WorkloadIdentityItem struct {
	Name                string `json:"name" agentcore:"required"`
	WorkloadIdentityArn string `json:"workloadIdentityArn" agentcore:"required"`
}

// KeyType is the kind of key protecting a token vault (§8.4).
type KeyType string

// Wire values of KeyType.
const (
	KeyTypeCustomerManagedKey KeyType = "CustomerManagedKey"
	KeyTypeServiceManagedKey  KeyType = "ServiceManagedKey"
)

// Values lists the wire values of KeyType.
func (KeyType) Values() []string { return []string{"CustomerManagedKey", "ServiceManagedKey"} }

// KmsConfiguration is the key of a token vault.
type KmsConfiguration struct {
	KeyType KeyType `json:"keyType,omitempty" agentcore:"required"`
	// KmsKeyArn names the customer key: an AWS KMS key ARN, or toolgate's
	// file:NAME for a local key file.
	KmsKeyArn *string `json:"kmsKeyArn,omitempty"`
}

// GetTokenVaultRequest is the body of POST /identities/get-token-vault.
type GetTokenVaultRequest struct {
	TokenVaultID *string `json:"tokenVaultId,omitempty"`
}

// SetTokenVaultCMKRequest is the body of POST /identities/set-token-vault-cmk.
type SetTokenVaultCMKRequest struct {
	TokenVaultID     *string           `json:"tokenVaultId,omitempty"`
	KmsConfiguration *KmsConfiguration `json:"kmsConfiguration,omitempty" agentcore:"required"`
}

// ResetTokenVaultKeyMaterialRequest is the body of
// POST /identities/reset-token-vault-key-material.
type ResetTokenVaultKeyMaterialRequest struct {
	TokenVaultID *string `json:"tokenVaultId,omitempty" agentcore:"required"`
}

// TokenVault is the response of the three token-vault operations.
type TokenVault struct {
	TokenVaultID     string           `json:"tokenVaultId" agentcore:"required"`
	KmsConfiguration KmsConfiguration `json:"kmsConfiguration" agentcore:"required"`
	LastModifiedDate EpochSeconds     `json:"lastModifiedDate" agentcore:"required"`
}

// Validate checks a CreateWorkloadIdentity body.
func (r *CreateWorkloadIdentityRequest) Validate() error {
	var v validator
	v.structure(r)
	v.text("name", r.Name, 3, 255, reWorkloadName)
	v.returnURLs("allowedResourceOauth2ReturnUrls", r.AllowedResourceOauth2ReturnUrls)
	v.tags("tags", r.Tags)
	return v.errs.err()
}

// Validate checks a GetWorkloadIdentity body.
func (r *GetWorkloadIdentityRequest) Validate() error {
	var v validator
	v.structure(r)
	v.text("name", r.Name, 3, 255, reWorkloadName)
	return v.errs.err()
}

// Validate checks an UpdateWorkloadIdentity body.
func (r *UpdateWorkloadIdentityRequest) Validate() error {
	var v validator
	v.structure(r)
	v.text("name", r.Name, 3, 255, reWorkloadName)
	v.returnURLs("allowedResourceOauth2ReturnUrls", r.AllowedResourceOauth2ReturnUrls)
	return v.errs.err()
}

// Validate checks a DeleteWorkloadIdentity body.
func (r *DeleteWorkloadIdentityRequest) Validate() error {
	var v validator
	v.structure(r)
	v.text("name", r.Name, 3, 255, reWorkloadName)
	return v.errs.err()
}

// Validate checks a ListWorkloadIdentities body: maxResults 1–20.
func (r *ListWorkloadIdentitiesRequest) Validate() error {
	var v validator
	v.structure(r)
	v.intRange("maxResults", r.MaxResults, 1, 20)
	v.length("nextToken", r.NextToken, 1, 2048)
	return v.errs.err()
}

// Validate checks a GetTokenVault body.
func (r *GetTokenVaultRequest) Validate() error {
	var v validator
	v.structure(r)
	v.text("tokenVaultId", r.TokenVaultID, 1, 64, reProviderName)
	return v.errs.err()
}

// Validate checks a SetTokenVaultCMK body.
func (r *SetTokenVaultCMKRequest) Validate() error {
	var v validator
	v.structure(r)
	v.text("tokenVaultId", r.TokenVaultID, 1, 64, reProviderName)
	if c := r.KmsConfiguration; c != nil {
		v.length("kmsConfiguration.kmsKeyArn", c.KmsKeyArn, 1, 2048)
	}
	return v.errs.err()
}

// Validate checks a ResetTokenVaultKeyMaterial body.
func (r *ResetTokenVaultKeyMaterialRequest) Validate() error {
	var v validator
	v.structure(r)
	v.text("tokenVaultId", r.TokenVaultID, 1, 64, reProviderName)
	return v.errs.err()
}

// returnURLs checks allowedResourceOauth2ReturnUrls: each 1–2048 characters
// of the model's pattern, no duplicates.
func (v *validator) returnURLs(p path, urls []string) {
	v.each(p, urls, func(p path, s *string) { v.text(p, s, 1, 2048, reReturnURL) })
	v.noDuplicates(p, urls, identity)
}
