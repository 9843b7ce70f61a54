package tokenvault

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/toolgate/toolgate/internal/vault"
)

// Key-encryption keys (KEKs) wrap the vault's data keys. Three kinds, each
// named in the store by a reference (store.VaultKey.KEK):
//
//	service:<root key id>  ServiceManagedKey: a key derived from the root key
//	                       (the vault key file or environment variable)
//	file:<name>            CustomerManagedKey, local: a key file
//	                       <local key dir>/<name>.key (64 hex characters,
//	                       mode 0600) the operator provides
//	kms:<key ARN>          CustomerManagedKey, AWS KMS: envelope encryption
//	                       through the AWS SDK (GenerateDataKey, Decrypt)
//
// The customer key is named in SetTokenVaultCMK's kmsKeyArn: an AWS KMS key
// ARN (arn:aws:kms:REGION:ACCOUNT:key/ID, or an alias ARN), or
// "file:<name>" for a local key file.

// kek wraps and unwraps data keys.
type kek interface {
	// ref is the reference stored with the keys it wraps.
	ref() string
	// newDataKey returns a fresh 32-byte data key and its wrapped form,
	// bound to the key id it will carry.
	newDataKey(ctx context.Context, keyID string) (plain, wrapped []byte, err error)
	unwrap(ctx context.Context, keyID string, wrapped []byte) ([]byte, error)
}

const (
	kekInfo       = "toolgate token vault kek v1"
	dataKeySize   = 32
	kmsContextKey = "toolgate:token-vault-key"
)

// wrapAAD binds a wrapped data key to its id, so a wrapped key copied onto
// another row does not unwrap.
func wrapAAD(keyID string) string { return "vault-data-key/" + keyID }

// localKEK is a KEK held in this process: the root key's or a key file's.
type localKEK struct {
	reference string
	v         *vault.Vault
}

func newLocalKEK(reference string, secret []byte) (*localKEK, error) {
	material, err := hkdf.Key(sha256.New, secret, nil, kekInfo, 32)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(reference))
	v, err := vault.New(vault.Key{ID: fmt.Sprintf("kek-%x", sum[:4]), Material: material})
	if err != nil {
		return nil, err
	}
	return &localKEK{reference: reference, v: v}, nil
}

func (k *localKEK) ref() string { return k.reference }

func (k *localKEK) newDataKey(_ context.Context, keyID string) ([]byte, []byte, error) {
	plain := make([]byte, dataKeySize)
	if _, err := rand.Read(plain); err != nil {
		return nil, nil, err
	}
	wrapped, err := k.v.Seal(wrapAAD(keyID), plain)
	return plain, wrapped, err
}

func (k *localKEK) unwrap(_ context.Context, keyID string, wrapped []byte) ([]byte, error) {
	plain, err := k.v.Open(wrapAAD(keyID), wrapped)
	if err != nil {
		return nil, fmt.Errorf("unwrap with %s: %w", k.reference, err)
	}
	return plain, nil
}

// KMSAPI is the part of the AWS SDK's KMS client the token vault uses;
// *kms.Client implements it.
type KMSAPI interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, optFns ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
}

// kmsKEK is an AWS KMS key: data keys come from GenerateDataKey and are
// unwrapped with Decrypt, both with an encryption context naming the data
// key's id (so a wrapped key cannot be replayed as another).
type kmsKEK struct {
	arn    string
	client KMSAPI
}

func (k *kmsKEK) ref() string { return "kms:" + k.arn }

func (k *kmsKEK) newDataKey(ctx context.Context, keyID string) ([]byte, []byte, error) {
	out, err := k.client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(k.arn), KeySpec: kmstypes.DataKeySpecAes256,
		EncryptionContext: map[string]string{kmsContextKey: keyID},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("AWS KMS GenerateDataKey with %s: %w", k.arn, err)
	}
	if len(out.Plaintext) != dataKeySize || len(out.CiphertextBlob) == 0 {
		return nil, nil, fmt.Errorf("AWS KMS GenerateDataKey with %s returned a %d-byte key, want %d", k.arn, len(out.Plaintext), dataKeySize)
	}
	return out.Plaintext, out.CiphertextBlob, nil
}

func (k *kmsKEK) unwrap(ctx context.Context, keyID string, wrapped []byte) ([]byte, error) {
	out, err := k.client.Decrypt(ctx, &kms.DecryptInput{
		KeyId: aws.String(k.arn), CiphertextBlob: wrapped,
		EncryptionContext: map[string]string{kmsContextKey: keyID},
	})
	if err != nil {
		return nil, fmt.Errorf("AWS KMS Decrypt with %s: %w", k.arn, err)
	}
	return out.Plaintext, nil
}

// exists reports whether the KMS key still exists (in any state: disabled
// and pending deletion count, as for AgentCore's reset).
func (k *kmsKEK) exists(ctx context.Context) (bool, error) {
	_, err := k.client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(k.arn)})
	var nf *kmstypes.NotFoundException
	if errors.As(err, &nf) {
		return false, nil
	}
	return err == nil, err
}

var (
	reKMSKeyARN   = regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:kms:([a-z0-9-]+):([0-9]{12}):(key|alias)/[a-zA-Z0-9/_+=,.@-]{1,256}$`)
	reLocalKeyRef = regexp.MustCompile(`^file:([A-Za-z0-9_.-]{1,64})$`)
)

// CustomerKeyForm describes the forms of kmsKeyArn, for error messages.
const CustomerKeyForm = "an AWS KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID or …:alias/NAME) or file:NAME for the local key file NAME.key in the token vault's key directory"

// parseCustomerKey checks a kmsKeyArn and returns the KEK reference it
// stands for ("kms:<arn>" or "file:<name>").
func parseCustomerKey(s string) (string, error) {
	switch {
	case reKMSKeyARN.MatchString(s):
		return "kms:" + s, nil
	case reLocalKeyRef.MatchString(s):
		name := reLocalKeyRef.FindStringSubmatch(s)[1]
		if name == "." || name == ".." {
			break
		}
		return s, nil
	}
	return "", fmt.Errorf("must be %s", CustomerKeyForm)
}

// kekFor builds the KEK a reference names.
func (m *Manager) kekFor(ref string) (kek, error) {
	kind, rest, _ := strings.Cut(ref, ":")
	switch kind {
	case "service":
		if rest != m.rootID {
			return nil, fmt.Errorf("the data key was wrapped by the root key %s, but this process has root key %s", rest, m.rootID)
		}
		return m.rootKEK, nil
	case "file":
		if !reLocalKeyRef.MatchString(ref) {
			return nil, fmt.Errorf("bad local key reference %q", ref)
		}
		if m.o.LocalKeyDir == "" {
			return nil, errors.New("no local key directory is configured")
		}
		path := filepath.Join(m.o.LocalKeyDir, rest+".key")
		secret, err := vault.ReadKeyFile(path)
		if err != nil {
			return nil, err
		}
		defer clear(secret)
		return newLocalKEK(ref, secret)
	case "kms":
		mm := reKMSKeyARN.FindStringSubmatch(rest)
		if mm == nil {
			return nil, fmt.Errorf("bad AWS KMS key reference %q", ref)
		}
		if m.o.KMS == nil {
			return nil, errors.New("AWS KMS is not available to this toolgate")
		}
		client, err := m.o.KMS(mm[2])
		if err != nil {
			return nil, fmt.Errorf("AWS KMS client for %s: %w", mm[2], err)
		}
		return &kmsKEK{arn: rest, client: client}, nil
	}
	return nil, fmt.Errorf("unknown key-encryption key %q", ref)
}
