package identity

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Workload access tokens are opaque to their holders, as AgentCore's are:
// "tgwat1." followed by the base64url of a 12-byte nonce and the AES-256-GCM
// sealing of the claims below, with additional data naming the format and
// the account. The key is derived from the installation's root key
// (tokenvault.WorkloadTokenKey), so every replica issues and accepts the
// same tokens and nobody without the root key can read or forge one.
// Tokens are short-lived (Options.TokenTTL, one hour by default, and never
// longer than the user token they were exchanged for) and bound to the
// workload identity and, when issued for a user, to that user.

const tokenPrefix = "tgwat1."

// claims is what a workload access token carries.
type claims struct {
	Workload string `json:"w"`
	// UserID is the user the workload acts for: the userId of
	// GetWorkloadAccessTokenForUserId, or the subject of the user token of
	// GetWorkloadAccessTokenForJWT ("" for GetWorkloadAccessToken).
	UserID string `json:"u,omitempty"`
	// Issuer is the user token's issuer (or "gateway:<id>" when its
	// gateway's authorizer verified it).
	Issuer   string `json:"iss,omitempty"`
	IssuedAt int64  `json:"iat"`
	Expires  int64  `json:"exp"`
	ID       string `json:"jti"`
}

// tokenCodec seals and opens workload access tokens.
type tokenCodec struct {
	aead cipher.AEAD
	ad   []byte
}

func newTokenCodec(key []byte, accountID string) (*tokenCodec, error) {
	if len(key) != 32 {
		return nil, errors.New("identity: the workload token key must be 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &tokenCodec{aead: aead, ad: []byte("toolgate workload access token v1/" + accountID)}, nil
}

func (c *tokenCodec) seal(cl claims) (string, error) {
	var id [12]byte
	rand.Read(id[:])
	cl.ID = base64.RawURLEncoding.EncodeToString(id[:])
	plain, err := json.Marshal(cl)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(plain)+c.aead.Overhead())
	rand.Read(nonce)
	sealed := c.aead.Seal(nonce, nonce, plain, c.ad)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// errBadToken is every reason a workload access token is refused; the
// message is safe to send.
type errBadToken string

func (e errBadToken) Error() string { return string(e) }

// open returns the claims of a valid, unexpired token.
func (c *tokenCodec) open(tok string, now time.Time) (claims, error) {
	rest, ok := strings.CutPrefix(tok, tokenPrefix)
	if !ok {
		return claims{}, errBadToken("The workload access token is not one this toolgate issued")
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(raw) < c.aead.NonceSize()+c.aead.Overhead() {
		return claims{}, errBadToken("The workload access token is malformed")
	}
	plain, err := c.aead.Open(nil, raw[:c.aead.NonceSize()], raw[c.aead.NonceSize():], c.ad)
	if err != nil {
		return claims{}, errBadToken("The workload access token is not valid (not issued by this installation, or altered)")
	}
	var cl claims
	if err := json.Unmarshal(plain, &cl); err != nil || cl.Workload == "" {
		return claims{}, errBadToken("The workload access token is malformed")
	}
	if now.Unix() >= cl.Expires {
		return claims{}, errBadToken(fmt.Sprintf("The workload access token expired at %s; get a new one", time.Unix(cl.Expires, 0).UTC().Format(time.RFC3339)))
	}
	return cl, nil
}
