package awsfake

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// KMS is a fake of the AWS KMS API subset used for envelope encryption
// (awsJson1_1, X-Amz-Target: TrentService.<Op>): GenerateDataKey, Encrypt,
// Decrypt and DescribeKey, with symmetric keys created by CreateKey (a test
// helper, not the API). Ciphertexts are AES-GCM under the key's material
// with the encryption context as additional data, so Decrypt refuses a
// blob under another key or context as KMS does (InvalidCiphertextException).
type KMS struct {
	URL     string
	Region  string
	Account string

	mu    sync.Mutex
	base  []aws.Credentials
	keys  map[string]*kmsKey // by key id
	calls []KMSCall
	now   func() time.Time
}

type kmsKey struct {
	id       string
	arn      string
	material []byte
	state    string // Enabled, Disabled, PendingDeletion
}

// KMSCall records one request that passed the signature check.
type KMSCall struct {
	Operation string
	KeyID     string // as sent
	// EncryptionContext as sent.
	EncryptionContext map[string]string
	AccessKeyID       string
}

// NewKMS starts a fake KMS on 127.0.0.1 accepting calls signed with any of
// base for region; keys it creates belong to account.
func NewKMS(t testing.TB, region, account string, base ...aws.Credentials) *KMS {
	k := &KMS{Region: region, Account: account, base: base, keys: map[string]*kmsKey{}, now: time.Now}
	srv := httptest.NewServer(http.HandlerFunc(k.serve))
	t.Cleanup(srv.Close)
	k.URL = srv.URL
	return k
}

// CreateKey creates an enabled symmetric key and returns its ARN.
func (k *KMS) CreateKey() string {
	id := randomHex(4) + "-" + randomHex(2) + "-" + randomHex(2) + "-" + randomHex(2) + "-" + randomHex(6)
	material := make([]byte, 32)
	rand.Read(material)
	arn := fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", k.Region, k.Account, id)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.keys[id] = &kmsKey{id: id, arn: arn, material: material, state: "Enabled"}
	return arn
}

// DeleteKey deletes a key at once (real KMS waits 7–30 days), so every
// later use of it fails with NotFoundException.
func (k *KMS) DeleteKey(keyArn string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.keys, keyIDOf(keyArn))
}

// SetKeyState sets a key's state: Enabled, Disabled or PendingDeletion.
func (k *KMS) SetKeyState(keyArn, state string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if key := k.keys[keyIDOf(keyArn)]; key != nil {
		key.state = state
	}
}

// Calls returns the requests so far.
func (k *KMS) Calls() []KMSCall {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.calls)
}

func keyIDOf(s string) string {
	if i := strings.LastIndex(s, ":key/"); i >= 0 {
		return s[i+len(":key/"):]
	}
	return s
}

func (k *KMS) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		kmsError(w, http.StatusBadRequest, "SerializationException", "cannot read body")
		return
	}
	signed, err := Verify(r, body, StaticKeys(k.base...), k.now())
	if err != nil {
		se := err.(*SigError)
		code := map[SigErrorKind]string{Missing: "MissingAuthenticationTokenException", Malformed: "IncompleteSignatureException",
			UnknownKey: "UnrecognizedClientException", Expired: "ExpiredTokenException", BadSignature: "InvalidSignatureException", Skewed: "InvalidSignatureException"}[se.Kind]
		kmsError(w, http.StatusBadRequest, code, se.Message)
		return
	}
	if signed.Service != "kms" || signed.Region != k.Region {
		kmsError(w, http.StatusBadRequest, "InvalidSignatureException", fmt.Sprintf("Credential should be scoped to a valid region and service kms/%s, not %s/%s", k.Region, signed.Service, signed.Region))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		kmsError(w, http.StatusBadRequest, "SerializationException", "Content-Type must be application/x-amz-json-1.1, got "+ct)
		return
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "TrentService.")
	if !ok {
		kmsError(w, http.StatusBadRequest, "UnknownOperationException", "X-Amz-Target must be TrentService.<Operation>")
		return
	}
	var in struct {
		KeyID             string            `json:"KeyId"`
		KeySpec           string            `json:"KeySpec"`
		NumberOfBytes     int               `json:"NumberOfBytes"`
		Plaintext         []byte            `json:"Plaintext"`
		CiphertextBlob    []byte            `json:"CiphertextBlob"`
		EncryptionContext map[string]string `json:"EncryptionContext"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		kmsError(w, http.StatusBadRequest, "SerializationException", "the body is not the JSON of a request")
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls = append(k.calls, KMSCall{Operation: op, KeyID: in.KeyID, EncryptionContext: in.EncryptionContext, AccessKeyID: signed.Credentials.AccessKeyID})

	switch op {
	case "GenerateDataKey", "Encrypt":
		key, status, code, msg := k.usableKey(in.KeyID)
		if key == nil {
			kmsError(w, status, code, msg)
			return
		}
		plain := in.Plaintext
		if op == "GenerateDataKey" {
			n := in.NumberOfBytes
			switch in.KeySpec {
			case "AES_256":
				n = 32
			case "AES_128":
				n = 16
			case "":
			default:
				kmsError(w, http.StatusBadRequest, "ValidationException", "KeySpec must be AES_256 or AES_128")
				return
			}
			if n < 1 || n > 1024 {
				kmsError(w, http.StatusBadRequest, "ValidationException", "specify KeySpec or NumberOfBytes (1-1024)")
				return
			}
			plain = make([]byte, n)
			rand.Read(plain)
		} else if len(plain) == 0 || len(plain) > 4096 {
			kmsError(w, http.StatusBadRequest, "ValidationException", "Plaintext must be 1-4096 bytes")
			return
		}
		blob := kmsSeal(key, plain, in.EncryptionContext)
		out := map[string]any{"KeyId": key.arn, "CiphertextBlob": blob, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}
		if op == "GenerateDataKey" {
			out = map[string]any{"KeyId": key.arn, "CiphertextBlob": blob, "Plaintext": plain}
		}
		kmsJSON(w, out)
	case "Decrypt":
		id, rest, ok := kmsSplit(in.CiphertextBlob)
		if !ok {
			kmsError(w, http.StatusBadRequest, "InvalidCiphertextException", "")
			return
		}
		if in.KeyID != "" && keyIDOf(in.KeyID) != id {
			kmsError(w, http.StatusBadRequest, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
			return
		}
		key, status, code, msg := k.usableKey(id)
		if key == nil {
			kmsError(w, status, code, msg)
			return
		}
		plain, err := kmsOpen(key, rest, in.EncryptionContext)
		if err != nil {
			kmsError(w, http.StatusBadRequest, "InvalidCiphertextException", "")
			return
		}
		kmsJSON(w, map[string]any{"KeyId": key.arn, "Plaintext": plain, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})
	case "DescribeKey":
		key := k.keys[keyIDOf(in.KeyID)]
		if key == nil {
			kmsError(w, http.StatusBadRequest, "NotFoundException", fmt.Sprintf("Key '%s' does not exist", in.KeyID))
			return
		}
		kmsJSON(w, map[string]any{"KeyMetadata": map[string]any{
			"KeyId": key.id, "Arn": key.arn, "AWSAccountId": k.Account, "KeyState": key.state, "Enabled": key.state == "Enabled",
			"KeyUsage": "ENCRYPT_DECRYPT", "KeySpec": "SYMMETRIC_DEFAULT", "KeyManager": "CUSTOMER", "Origin": "AWS_KMS",
		}})
	default:
		kmsError(w, http.StatusBadRequest, "UnknownOperationException", "this fake supports GenerateDataKey, Encrypt, Decrypt and DescribeKey")
	}
}

// usableKey returns the key for a cryptographic operation, or the error KMS
// answers for a missing, disabled or pending-deletion key.
func (k *KMS) usableKey(id string) (*kmsKey, int, string, string) {
	key := k.keys[keyIDOf(id)]
	switch {
	case id == "":
		return nil, http.StatusBadRequest, "ValidationException", "KeyId is required"
	case key == nil:
		return nil, http.StatusBadRequest, "NotFoundException", fmt.Sprintf("Key '%s' does not exist", id)
	case key.state == "Disabled":
		return nil, http.StatusBadRequest, "DisabledException", key.arn + " is disabled."
	case key.state != "Enabled":
		return nil, http.StatusBadRequest, "KMSInvalidStateException", key.arn + " is pending deletion."
	}
	return key, 0, "", ""
}

// kmsSeal: len(id) | id | nonce | AES-GCM(plain, aad = canonical context).
func kmsSeal(key *kmsKey, plain []byte, ctx map[string]string) []byte {
	block, _ := aes.NewCipher(key.material)
	gcm, _ := cipher.NewGCM(block)
	out := append([]byte{byte(len(key.id))}, key.id...)
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	out = append(out, nonce...)
	return gcm.Seal(out, nonce, plain, contextAAD(ctx))
}

func kmsSplit(blob []byte) (id string, rest []byte, ok bool) {
	if len(blob) < 1 || len(blob) < 1+int(blob[0]) {
		return "", nil, false
	}
	return string(blob[1 : 1+int(blob[0])]), blob[1+int(blob[0]):], true
}

func kmsOpen(key *kmsKey, rest []byte, ctx map[string]string) ([]byte, error) {
	block, _ := aes.NewCipher(key.material)
	gcm, _ := cipher.NewGCM(block)
	if len(rest) < gcm.NonceSize() {
		return nil, fmt.Errorf("short")
	}
	return gcm.Open(nil, rest[:gcm.NonceSize()], rest[gcm.NonceSize():], contextAAD(ctx))
}

func contextAAD(ctx map[string]string) []byte {
	keys := make([]string, 0, len(ctx))
	for k := range ctx {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&b, "%d:%s=%d:%s;", len(k), k, len(ctx[k]), ctx[k])
	}
	return b.Bytes()
}

func kmsJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", randomHex(16))
	_ = json.NewEncoder(w).Encode(v)
}

func kmsError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", randomHex(16))
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": message})
}
