package jwtauth

import (
	"context"
	"testing"
)

// BenchmarkVerify compares a cold verification (parse, key lookup,
// signature, claims) with a verified-token cache hit, per algorithm.
func BenchmarkVerify(b *testing.B) {
	k := keys(b)
	e := newEnv(b, k.rsa1, k.ec256, k.ed)
	a := e.auth(b, Options{}, all(clients("cognito-client"), scopes("gw/read")))
	ctx := context.Background()
	for _, key := range []*testKey{k.rsa1, k.ec256, k.ed} {
		tok := mint(b, key, e.cognito())
		verifyOK(b, a, tok)
		b.Run("cold/"+key.alg, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ev := evaluation{a: a, ctx: ctx, now: a.now()}
				if a.evaluate(&ev, tok) == nil {
					b.Fatal(ev.failure)
				}
			}
		})
		b.Run("cached/"+key.alg, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := a.Verify(ctx, tok); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
