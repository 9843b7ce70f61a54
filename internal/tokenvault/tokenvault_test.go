package tokenvault_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/toolgate/toolgate/internal/awsfake"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/store/sqlstore"
	"github.com/toolgate/toolgate/internal/tokenvault"
	"github.com/toolgate/toolgate/internal/vault"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is one toolgate's view of a store: its vault and Manager.
type env struct {
	st    *sqlstore.Store
	v     *vault.Vault
	m     *tokenvault.Manager
	log   *syncBuffer
	root  []byte
	dir   string
	cmk   string // local key directory
	kms   *awsfake.KMS
	creds aws.Credentials
}

func randomKey(t testing.TB) []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// newEnv opens a SQLite store in dir (created when needed) with root.
func newEnv(t *testing.T, dir string, root []byte, fake *awsfake.KMS, creds aws.Credentials) *env {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), "sqlite://"+filepath.Join(dir, "toolgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	v, err := vault.New(vault.KeyFromRoot(root))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{st: st, v: v, log: &syncBuffer{}, root: root, dir: dir, cmk: filepath.Join(dir, "cmk"), kms: fake, creds: creds}
	return e
}

// start creates and starts the Manager (ctx ends with the test).
func (e *env) start(t *testing.T) *tokenvault.Manager {
	t.Helper()
	o := tokenvault.Options{
		Store: e.st, Vault: e.v, Root: e.root, LocalKeyDir: e.cmk,
		RetireAfter: 50 * time.Millisecond, RetryAfter: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if e.kms != nil {
		o.KMS = func(region string) (tokenvault.KMSAPI, error) {
			return kms.New(kms.Options{
				Region: region, BaseEndpoint: aws.String(e.kms.URL),
				Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return e.creds, nil }),
			}), nil
		}
	}
	m, err := tokenvault.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := m.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	e.m = m
	return m
}

func aad(name string) string { return store.SealedAPIKey + "/" + name }

// putKey stores an API-key provider whose key is plain, sealed by e's vault.
func (e *env) putKey(t *testing.T, name, plain string) {
	t.Helper()
	sealed, err := e.v.Seal(aad(name), []byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.st.CreateAPIKeyProvider(t.Context(), store.APIKeyProvider{Name: name, ARN: "arn:" + name, SealedKey: sealed})
	if errors.Is(err, store.ErrConflict) {
		_, err = e.st.UpdateAPIKeyProvider(t.Context(), name, func(p store.APIKeyProvider) (store.APIKeyProvider, error) {
			p.SealedKey = sealed
			return p, nil
		})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// open returns the plaintext of provider name and the key id it is sealed under.
func (e *env) open(t *testing.T, name string) (string, string, error) {
	t.Helper()
	p, err := e.st.GetAPIKeyProvider(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := vault.KeyID(p.SealedKey)
	plain, err := e.v.Open(aad(name), p.SealedKey)
	return string(plain), id, err
}

func (e *env) wait(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := e.m.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v (keys %+v)\nlog:\n%s", err, e.m.Keys(), e.log.String())
	}
}

func writeKeyFile(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".key"), []byte(hex.EncodeToString(randomKey(t))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestAADMatchesOwners: the additional data the token vault re-seals with
// is the one the owners of the secrets seal with.
func TestAADMatchesOwners(t *testing.T) {
	if got := catalog.APIKeyAAD("github"); got != aad("github") {
		t.Errorf("catalog.APIKeyAAD = %q, the token vault uses %q", got, aad("github"))
	}
}

// TestFirstStartMigratesLegacyValues: values sealed with the root-derived
// key of earlier releases are re-sealed under the first data key, and open
// all along.
func TestFirstStartMigratesLegacyValues(t *testing.T) {
	e := newEnv(t, t.TempDir(), randomKey(t), nil, aws.Credentials{})
	legacyID := e.v.PrimaryKeyID()
	for i := range 5 {
		e.putKey(t, fmt.Sprintf("p%d", i), fmt.Sprintf("secret-%d", i))
	}
	m := e.start(t)
	keys := m.Keys()
	if len(keys) != 1 || keys[0].State != store.VaultKeyPrimary || !keys[0].Available || !strings.HasPrefix(keys[0].KEK, "service:") {
		t.Fatalf("keys after first start = %+v", keys)
	}
	if e.v.PrimaryKeyID() != keys[0].KeyID || legacyID == keys[0].KeyID {
		t.Fatalf("vault primary = %s, want the data key %s", e.v.PrimaryKeyID(), keys[0].KeyID)
	}
	e.wait(t)
	for i := range 5 {
		plain, id, err := e.open(t, fmt.Sprintf("p%d", i))
		if err != nil || plain != fmt.Sprintf("secret-%d", i) || id != keys[0].KeyID {
			t.Errorf("p%d: %q under %s, err %v", i, plain, id, err)
		}
	}
	cfg, err := m.Get(t.Context(), "")
	if err != nil || cfg.ID != "default" || cfg.KeyType != "ServiceManagedKey" || cfg.KMSKeyARN != "" {
		t.Errorf("Get = %+v, %v", cfg, err)
	}
	// A restart (a second replica) unwraps the same key.
	e2 := newEnv(t, e.dir, e.root, nil, aws.Credentials{})
	e2.start(t)
	if e2.v.PrimaryKeyID() != keys[0].KeyID {
		t.Errorf("second process primary = %s, want %s", e2.v.PrimaryKeyID(), keys[0].KeyID)
	}
	if plain, _, err := e2.open(t, "p3"); err != nil || plain != "secret-3" {
		t.Errorf("second process opens %q, %v", plain, err)
	}
	if _, err := m.Get(t.Context(), "other"); !errors.Is(err, tokenvault.ErrNotFound) {
		t.Errorf("Get(other) err = %v, want ErrNotFound", err)
	}
}

// TestRotationUnderLoad: rotating to a local customer key while secrets are
// written concurrently loses none; every value ends under the new key and
// the old key is deleted.
func TestRotationUnderLoad(t *testing.T) {
	e := newEnv(t, t.TempDir(), randomKey(t), nil, aws.Credentials{})
	m := e.start(t)
	first := m.PrimaryKeyID()
	const n = 40
	for i := range n {
		e.putKey(t, fmt.Sprintf("p%02d", i), fmt.Sprintf("v0-%d", i))
	}
	writeKeyFile(t, e.cmk, "cmk1")

	var wg sync.WaitGroup
	stop := make(chan struct{})
	latest := make([]string, n)
	var mu sync.Mutex
	for w := range 4 {
		wg.Go(func() {
			for round := 1; ; round++ {
				select {
				case <-stop:
					return
				default:
				}
				i := (w*7 + round) % n
				val := fmt.Sprintf("v%d-%d-%d", round, w, i)
				mu.Lock()
				e.putKey(t, fmt.Sprintf("p%02d", i), val)
				latest[i] = val
				mu.Unlock()
			}
		})
	}
	cfg, err := m.SetCMK(t.Context(), "default", "CustomerManagedKey", "file:cmk1")
	if err != nil {
		t.Fatalf("SetCMK: %v", err)
	}
	if cfg.KeyType != "CustomerManagedKey" || cfg.KMSKeyARN != "file:cmk1" {
		t.Errorf("SetCMK = %+v", cfg)
	}
	// Every value opens at every moment of the rotation.
	for range 20 {
		for i := range n {
			if _, _, err := e.open(t, fmt.Sprintf("p%02d", i)); err != nil {
				t.Fatalf("p%02d does not open during the rotation: %v", i, err)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	e.wait(t)
	keys := m.Keys()
	if len(keys) != 1 || keys[0].KeyID == first || keys[0].KEK != "file:cmk1" {
		t.Fatalf("keys after the rotation = %+v", keys)
	}
	for i := range n {
		plain, id, err := e.open(t, fmt.Sprintf("p%02d", i))
		want := latest[i]
		if want == "" {
			want = fmt.Sprintf("v0-%d", i)
		}
		if err != nil || plain != want || id != keys[0].KeyID {
			t.Errorf("p%02d: %q under %s (%v), want %q under %s", i, plain, id, err, want, keys[0].KeyID)
		}
	}
	// Without the customer key file a new process cannot unwrap the data
	// key: the root key alone no longer opens the secrets.
	os.Rename(filepath.Join(e.cmk, "cmk1.key"), filepath.Join(e.dir, "moved.key"))
	e2 := newEnv(t, e.dir, e.root, nil, aws.Credentials{})
	e2.start(t)
	if _, _, err := e2.open(t, "p01"); err == nil {
		t.Error("a process without the customer key opened a secret sealed under it")
	}
	if !strings.Contains(e2.log.String(), "cannot unwrap a data key") {
		t.Errorf("the missing key was not logged:\n%s", e2.log.String())
	}
}

// TestSetCMKValidation: bad keys are refused, naming the member, and change
// nothing.
func TestSetCMKValidation(t *testing.T) {
	e := newEnv(t, t.TempDir(), randomKey(t), nil, aws.Credentials{})
	m := e.start(t)
	before := m.PrimaryKeyID()
	for _, tc := range []struct{ keyType, arn, field, want string }{
		{"ServiceManagedKey", "file:x", "kmsConfiguration.kmsKeyArn", "must not be set"},
		{"CustomerManagedKey", "", "kmsConfiguration.kmsKeyArn", "is required"},
		{"CustomerManagedKey", "file:../../etc/passwd", "kmsConfiguration.kmsKeyArn", "must be an AWS KMS key ARN"},
		{"CustomerManagedKey", "file:missing", "kmsConfiguration.kmsKeyArn", "the key cannot be used"},
		{"CustomerManagedKey", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "kmsConfiguration.kmsKeyArn", "AWS KMS is not available"},
		{"Other", "", "kmsConfiguration.keyType", "must be"},
	} {
		_, err := m.SetCMK(t.Context(), "", tc.keyType, tc.arn)
		var ie *tokenvault.InputError
		if !errors.As(err, &ie) || ie.Field != tc.field || !strings.Contains(ie.Message, tc.want) {
			t.Errorf("SetCMK(%s, %q) err = %v, want %s: …%s…", tc.keyType, tc.arn, err, tc.field, tc.want)
		}
	}
	if m.PrimaryKeyID() != before || len(m.Keys()) != 1 {
		t.Errorf("refused SetCMK calls changed the keys: %+v", m.Keys())
	}
}

// TestKMSEnvelope: an AWS KMS customer key through the SDK's KMS client
// against the fake (SigV4 verified): GenerateDataKey on SetCMK with the
// data key's id as encryption context, Decrypt on start; Reset is refused
// while the key exists, and after it is deleted recovers every secret the
// running process still holds.
func TestKMSEnvelope(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIAKMSCALLER0000001", SecretAccessKey: "kms-caller-secret"}
	fake := awsfake.NewKMS(t, "eu-west-1", "111122223333", creds)
	keyArn := fake.CreateKey()
	e := newEnv(t, t.TempDir(), randomKey(t), fake, creds)
	m := e.start(t)
	e.putKey(t, "github", "ghp_kms_secret")
	cfg, err := m.SetCMK(t.Context(), "", "CustomerManagedKey", keyArn)
	if err != nil {
		t.Fatalf("SetCMK: %v", err)
	}
	if cfg.KMSKeyARN != keyArn {
		t.Errorf("SetCMK = %+v", cfg)
	}
	e.wait(t)
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].Operation != "GenerateDataKey" || calls[0].KeyID != keyArn ||
		calls[0].EncryptionContext["toolgate:token-vault-key"] != m.PrimaryKeyID() || calls[0].AccessKeyID != creds.AccessKeyID {
		t.Fatalf("KMS calls = %+v", calls)
	}
	// Another process unwraps the data key with Decrypt.
	e2 := newEnv(t, e.dir, e.root, fake, creds)
	e2.start(t)
	if plain, _, err := e2.open(t, "github"); err != nil || plain != "ghp_kms_secret" {
		t.Fatalf("second process: %q, %v", plain, err)
	}
	if c := fake.Calls(); c[len(c)-1].Operation != "Decrypt" {
		t.Errorf("last KMS call = %+v, want Decrypt", c[len(c)-1])
	}
	// A wrong signature is refused by the fake, so the client really signs.
	bad := newEnv(t, e.dir, e.root, fake, aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: "wrong"})
	bad.start(t)
	if _, _, err := bad.open(t, "github"); err == nil || !strings.Contains(bad.log.String(), "InvalidSignatureException") {
		t.Errorf("a badly signed Decrypt was accepted (err %v):\n%s", err, bad.log.String())
	}

	// Reset is refused while the key exists, disabled or not.
	fake.SetKeyState(keyArn, "Disabled")
	var ie *tokenvault.InputError
	if _, err := m.Reset(t.Context(), "default"); !errors.As(err, &ie) || !strings.Contains(ie.Message, "still exists") {
		t.Fatalf("Reset with the key present: err = %v", err)
	}
	fake.DeleteKey(keyArn)
	// A process started after the deletion cannot open the secret...
	e3 := newEnv(t, e.dir, e.root, fake, creds)
	e3.start(t)
	if _, _, err := e3.open(t, "github"); err == nil {
		t.Fatal("opened a secret whose KMS key is deleted")
	}
	// ...but the process that was running still holds the data key: Reset
	// re-seals everything under new service-managed key material.
	cfg, err = m.Reset(t.Context(), "default")
	if err != nil {
		t.Fatalf("Reset: %v", err)
	}
	if cfg.KeyType != "ServiceManagedKey" || cfg.KMSKeyARN != "" {
		t.Errorf("Reset = %+v", cfg)
	}
	e.wait(t)
	if plain, id, err := e.open(t, "github"); err != nil || plain != "ghp_kms_secret" || id != m.PrimaryKeyID() {
		t.Errorf("after Reset: %q under %s, %v", plain, id, err)
	}
	for _, k := range m.Keys() {
		if strings.HasPrefix(k.KEK, "kms:") {
			t.Errorf("a KMS-wrapped key survived the reset: %+v", k)
		}
	}
	e3.m.Notify()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if plain, _, err := e3.open(t, "github"); err == nil && plain == "ghp_kms_secret" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the other process did not pick up the reset key")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestResetLosesOnlyWhatNobodyHolds: a process that never held the deleted
// key's data key recovers the vault; the secrets sealed under it are lost
// (and named in the log), the vault works again, cached tokens are deleted.
func TestResetLosesOnlyWhatNobodyHolds(t *testing.T) {
	e := newEnv(t, t.TempDir(), randomKey(t), nil, aws.Credentials{})
	m := e.start(t)
	writeKeyFile(t, e.cmk, "gone")
	if _, err := m.SetCMK(t.Context(), "", "CustomerManagedKey", "file:gone"); err != nil {
		t.Fatal(err)
	}
	e.putKey(t, "lost", "lost-secret")
	e.wait(t)
	os.Remove(filepath.Join(e.cmk, "gone.key"))

	e2 := newEnv(t, e.dir, e.root, nil, aws.Credentials{})
	resets := 0
	e2.start(t)
	// OnReset is wired through Options; restart with it.
	o := tokenvault.Options{Store: e2.st, Vault: e2.v, Root: e2.root, LocalKeyDir: e2.cmk, RetireAfter: time.Millisecond,
		Logger:  slog.New(slog.NewTextHandler(e2.log, nil)),
		OnReset: func(context.Context) error { resets++; return nil }}
	m2, err := tokenvault.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := m2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m2.Reset(t.Context(), "default"); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	if resets != 1 {
		t.Errorf("OnReset ran %d times, want 1", resets)
	}
	if !strings.Contains(e2.log.String(), "apikey-provider/lost") {
		t.Errorf("the lost secret is not named in the log:\n%s", e2.log.String())
	}
	e2.putKey(t, "new", "new-secret")
	if plain, _, err := e2.open(t, "new"); err != nil || plain != "new-secret" {
		t.Errorf("the vault does not work after Reset: %q, %v", plain, err)
	}
	if strings.Contains(e2.log.String(), "lost-secret") || strings.Contains(e2.log.String(), "new-secret") {
		t.Error("a secret value reached the log")
	}
}

// TestResetTellsOtherReplicas: a reset on one process makes every other
// process drop its cached OAuth tokens too.
func TestResetTellsOtherReplicas(t *testing.T) {
	dir, root := t.TempDir(), randomKey(t)
	var mu sync.Mutex
	resets := map[int]int{}
	managers := make([]*tokenvault.Manager, 2)
	for i := range managers {
		e := newEnv(t, dir, root, nil, aws.Credentials{})
		m, err := tokenvault.New(tokenvault.Options{Store: e.st, Vault: e.v, Root: root, RetireAfter: time.Millisecond,
			OnReset: func(context.Context) error { mu.Lock(); resets[i]++; mu.Unlock(); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		if err := m.Start(ctx); err != nil {
			t.Fatal(err)
		}
		managers[i] = m
	}
	if _, err := managers[0].SetCMK(t.Context(), "", "ServiceManagedKey", ""); err != nil {
		t.Fatal(err)
	}
	managers[1].Notify()
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	if resets[0]+resets[1] != 0 {
		t.Errorf("a rotation (not a reset) deleted cached tokens: %v", resets)
	}
	mu.Unlock()
	if _, err := managers[0].Reset(t.Context(), "default"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		managers[1].Notify()
		mu.Lock()
		got := [2]int{resets[0], resets[1]}
		mu.Unlock()
		if got == [2]int{1, 1} {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("resets per process = %v, want [1 1]", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestOtherReplicaOpensBeforeNotice: a value re-sealed by another replica
// under a key this one has not heard of yet still opens (the vault fetches
// the key on the miss), so a rotation causes no failed request anywhere.
func TestOtherReplicaOpensBeforeNotice(t *testing.T) {
	dir, root := t.TempDir(), randomKey(t)
	a := newEnv(t, dir, root, nil, aws.Credentials{})
	a.start(t)
	a.putKey(t, "shared", "shared-secret")
	b := newEnv(t, dir, root, nil, aws.Credentials{})
	b.start(t) // never notified below
	if _, err := a.m.SetCMK(t.Context(), "", "ServiceManagedKey", ""); err != nil {
		t.Fatal(err)
	}
	a.wait(t)
	plain, id, err := b.open(t, "shared")
	if err != nil || plain != "shared-secret" || id != a.m.PrimaryKeyID() {
		t.Fatalf("replica b: %q under %s, %v (a's primary %s)", plain, id, err, a.m.PrimaryKeyID())
	}
	if b.v.PrimaryKeyID() != a.m.PrimaryKeyID() {
		t.Errorf("replica b seals with %s after fetching, want %s", b.v.PrimaryKeyID(), a.m.PrimaryKeyID())
	}
}
