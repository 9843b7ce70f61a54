package authn

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/store/sqlstore"
	"github.com/toolgate/toolgate/internal/vault"
)

// pausingStore stops GetAccessKey half-way until resumed, so a test can
// change the store between a lookup's read and its caching.
type pausingStore struct {
	store.Store
	reading chan struct{}
	resume  chan struct{}
}

func (p *pausingStore) GetAccessKey(ctx context.Context, id string) (store.AccessKey, error) {
	k, err := p.Store.GetAccessKey(ctx, id)
	if p.reading != nil {
		p.reading <- struct{}{}
		<-p.resume
	}
	return k, err
}

// TestSigV4KeysClearWinsOverConcurrentLoad: a key read from the store just
// before another replica deletes it, and cached just after the deletion's
// Clear, would keep working until the next store change. The cache must
// drop what a Clear overtook.
func TestSigV4KeysClearWinsOverConcurrentLoad(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := vault.New(vault.KeyFromRoot(make([]byte, 32)))
	if err != nil {
		t.Fatal(err)
	}
	ps := &pausingStore{Store: st}
	ring := &iam.Keyring{Store: ps, Vault: v}
	_, id, _, err := ring.CreateRoot(ctx, "123456789012")
	if err != nil {
		t.Fatal(err)
	}
	keys := NewSigV4Keys(ring, nil, false)

	ps.reading, ps.resume = make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() { _, err := keys.lookup(ctx, id); done <- err }()
	<-ps.reading
	if err := st.DeleteAccessKey(ctx, id); err != nil {
		t.Fatal(err)
	}
	keys.Clear() // what the catalog does on the change
	ps.reading = nil
	close(ps.resume)
	if err := <-done; err != nil {
		t.Fatalf("the lookup that read before the deletion: %v", err)
	}
	if _, err := keys.lookup(ctx, id); err == nil {
		t.Fatal("a deleted key still verifies: a lookup that raced with Clear cached it")
	}
}
