// Package cred injects outbound credentials into upstream requests. Each
// provider kind (apikey now; oauth2 and awssig later) implements Injector; the
// gateway resolves and unseals the secret once, when the catalog is compiled,
// so injecting is a header or query write on the hot path.
package cred

import (
	"context"
	"net/http"
)

// Injector adds credentials to an outbound request. Implementations must not
// modify anything but the credential they own, and must be safe for
// concurrent use. The request passed in is always a clone owned by the caller.
type Injector interface {
	Inject(ctx context.Context, req *http.Request) error
}

// InjectorFunc adapts a function to Injector.
type InjectorFunc func(ctx context.Context, req *http.Request) error

// Inject calls f.
func (f InjectorFunc) Inject(ctx context.Context, req *http.Request) error { return f(ctx, req) }
