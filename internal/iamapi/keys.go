package iamapi

import (
	"context"

	"github.com/toolgate/toolgate/internal/store"
)

// MaxAccessKeys is how many access keys a principal may have, as in AWS
// (two, so that a key can be rotated without downtime).
const MaxAccessKeys = 2

type createAccessKeyResult struct {
	AccessKey accessKeyXML `xml:"AccessKey"`
}

// issueKey creates an access key for p, refusing a third.
func (h *Handler) issueKey(ctx context.Context, p store.Principal) (accessKeyXML, error) {
	keys, err := h.o.Store.ListAccessKeys(ctx, p.ID)
	if err != nil {
		return accessKeyXML{}, err
	}
	if len(keys) >= MaxAccessKeys {
		return accessKeyXML{}, errLimitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", MaxAccessKeys)
	}
	id, secret, err := h.o.Keys.CreateAccessKey(ctx, p.ID)
	if err != nil {
		return accessKeyXML{}, err
	}
	created := h.o.Now().UTC()
	if ak, err := h.o.Store.GetAccessKey(ctx, id); err == nil {
		created = ak.CreatedAt
	}
	return accessKeyXML{UserName: p.Name, AccessKeyID: id, Status: "Active", SecretAccessKey: secret, CreateDate: timestamp(created)}, nil
}

func (h *Handler) createAccessKey(c *call) (any, error) {
	var v validation
	checkName(&v, "UserName", c.p.get("UserName"), 128, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	p, err := h.self(c, c.p.get("UserName"))
	if err != nil {
		return nil, err
	}
	k, err := h.issueKey(c.ctx, p)
	if err != nil {
		return nil, err
	}
	return createAccessKeyResult{AccessKey: k}, nil
}

type listAccessKeysResult struct {
	AccessKeyMetadata []accessKeyXML `xml:"AccessKeyMetadata>member"`
	IsTruncated       bool           `xml:"IsTruncated"`
	Marker            string         `xml:"Marker,omitempty"`
}

func keyXML(p store.Principal, k store.AccessKey) accessKeyXML {
	return accessKeyXML{UserName: p.Name, AccessKeyID: k.ID, Status: k.Status, CreateDate: timestamp(k.CreatedAt)}
}

func (h *Handler) listAccessKeys(c *call) (any, error) {
	var v validation
	checkName(&v, "UserName", c.p.get("UserName"), 128, false)
	pr := pageParams(&v, c.p)
	if err := v.err(); err != nil {
		return nil, err
	}
	p, err := h.self(c, c.p.get("UserName"))
	if err != nil {
		return nil, err
	}
	keys, err := h.o.Store.ListAccessKeys(c.ctx, p.ID)
	if err != nil {
		return nil, err
	}
	page, next, err := paginate(keys, nil, pr)
	if err != nil {
		return nil, err
	}
	out := listAccessKeysResult{AccessKeyMetadata: []accessKeyXML{}, IsTruncated: next != "", Marker: next}
	for _, k := range page {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, keyXML(p, k))
	}
	return out, nil
}

// ownKey loads key id of principal p; another principal's key is as
// missing as a key that does not exist, so authorisation on p's ARN never
// reaches another principal's key.
func (h *Handler) ownKey(ctx context.Context, p store.Principal, id string) (store.AccessKey, error) {
	k, err := h.o.Store.GetAccessKey(ctx, id)
	if isNotFound(err) || (err == nil && k.PrincipalID != p.ID) {
		return k, errNoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	return k, err
}

func checkKeyID(v *validation, id string) {
	switch {
	case id == "":
		v.add("AccessKeyId", nil, "Member must not be null")
	case len(id) < 16 || len(id) > 128:
		v.add("AccessKeyId", id, "Member must have length between 16 and 128")
	case !keyIDPattern.MatchString(id):
		v.add("AccessKeyId", id, `Member must satisfy regular expression pattern: [\w]+`)
	}
}

func (h *Handler) updateAccessKey(c *call) (any, error) {
	id, status := c.p.get("AccessKeyId"), c.p.get("Status")
	var v validation
	checkKeyID(&v, id)
	checkName(&v, "UserName", c.p.get("UserName"), 128, false)
	st, ok := keyStatus(status)
	if !ok {
		v.add("Status", status, "Member must satisfy enum value set: [Active, Inactive]")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	p, err := h.self(c, c.p.get("UserName"))
	if err != nil {
		return nil, err
	}
	return nil, h.setKeyStatus(c.ctx, p, id, st)
}

func (h *Handler) setKeyStatus(ctx context.Context, p store.Principal, id, status string) error {
	if _, err := h.ownKey(ctx, p, id); err != nil {
		return err
	}
	if status != "Active" {
		if err := h.guardKey(ctx, p, id); err != nil {
			return err
		}
	}
	_, err := h.o.Store.UpdateAccessKeyStatus(ctx, id, status)
	if isNotFound(err) {
		return errNoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	return err
}

func (h *Handler) deleteAccessKey(c *call) (any, error) {
	id := c.p.get("AccessKeyId")
	var v validation
	checkKeyID(&v, id)
	checkName(&v, "UserName", c.p.get("UserName"), 128, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	p, err := h.self(c, c.p.get("UserName"))
	if err != nil {
		return nil, err
	}
	return nil, h.deleteKey(c.ctx, p, id)
}

func (h *Handler) deleteKey(ctx context.Context, p store.Principal, id string) error {
	if _, err := h.ownKey(ctx, p, id); err != nil {
		return err
	}
	if err := h.guardKey(ctx, p, id); err != nil {
		return err
	}
	err := h.o.Store.DeleteAccessKey(ctx, id)
	if isNotFound(err) {
		return errNoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	return err
}

type accessKeyLastUsedXML struct {
	LastUsedDate string `xml:"LastUsedDate,omitempty"`
	ServiceName  string `xml:"ServiceName"`
	Region       string `xml:"Region"`
}

type getAccessKeyLastUsedResult struct {
	UserName          string               `xml:"UserName"`
	AccessKeyLastUsed accessKeyLastUsedXML `xml:"AccessKeyLastUsed"`
}

func (h *Handler) getAccessKeyLastUsed(c *call) (any, error) {
	id := c.p.get("AccessKeyId")
	var v validation
	checkKeyID(&v, id)
	if err := v.err(); err != nil {
		return nil, err
	}
	k, err := h.o.Store.GetAccessKey(c.ctx, id)
	if isNotFound(err) {
		return nil, errNoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	if err != nil {
		return nil, err
	}
	p, err := h.o.Store.GetPrincipal(c.ctx, k.PrincipalID)
	if err != nil {
		return nil, err
	}
	// toolgate records when a key was last used, not where: "N/A" as AWS
	// answers for a key never used, the installation's region otherwise.
	used := accessKeyLastUsedXML{ServiceName: "N/A", Region: "N/A"}
	if !k.LastUsedAt.IsZero() {
		used = accessKeyLastUsedXML{LastUsedDate: timestamp(k.LastUsedAt), ServiceName: "toolgate", Region: h.o.Region}
	}
	return getAccessKeyLastUsedResult{UserName: p.Name, AccessKeyLastUsed: used}, nil
}

// onKeyOwner: GetAccessKeyLastUsed, on the ARN of the key's principal.
func onKeyOwner(h *Handler, c *call) target {
	k, err := h.o.Store.GetAccessKey(c.ctx, c.p.get("AccessKeyId"))
	if err != nil {
		return target{arn: "*"}
	}
	p, err := h.o.Store.GetPrincipal(c.ctx, k.PrincipalID)
	if err != nil {
		return target{arn: "*"}
	}
	return target{arn: p.ARN, resourceTags: p.Tags}
}
