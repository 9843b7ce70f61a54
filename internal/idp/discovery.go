package idp

import (
	"net/http"
)

// The public documents of an issuer. They are pre-serialised in the
// snapshot, may be cached briefly, and are readable cross-origin: browser
// MCP clients fetch them, and they hold nothing secret.

func (s *Server) serveOpenID(w http.ResponseWriter, r *http.Request) {
	s.serveDocument(w, r, "public, max-age=300", func(p *pool) []byte { return p.openID })
}

func (s *Server) serveOAuthMetadata(w http.ResponseWriter, r *http.Request) {
	s.serveDocument(w, r, "public, max-age=300", func(p *pool) []byte { return p.oauthMeta })
}

// serveJWKS caches for a minute only: after a rotation the new kid must
// reach verifiers quickly (toolgate's own authorizer also refetches on an
// unknown kid).
func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	// A verifier fetches the JWKS when it meets a kid it does not know: a
	// key another replica has just rotated in. Catch up with the store
	// first (one revision read; a rebuild only when it moved), so this
	// replica never answers with the key set from before the rotation
	// while its change notification is on the way.
	if err := s.Refresh(r.Context(), false); err != nil {
		s.log.Warn("identity provider: refresh before serving the JWKS failed; serving the current key set", "err", err)
	}
	s.serveDocument(w, r, "public, max-age=60", func(p *pool) []byte { return p.jwks })
}

func (s *Server) serveDocument(w http.ResponseWriter, r *http.Request, cacheControl string, doc func(*pool) []byte) {
	id := r.PathValue("pool")
	p, _, err := lookup(r.Context(), s, func(snap *snapshot) (*pool, bool) {
		p, ok := snap.pools[id]
		return p, ok
	})
	if err != nil {
		s.log.Error("identity provider unavailable", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, oauthError{Error: "temporarily_unavailable", Description: "the identity provider is not ready"})
		return
	}
	if p == nil {
		writeJSON(w, http.StatusNotFound, oauthError{Error: "not_found", Description: "no such user pool"})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", cacheControl)
	h.Set("Access-Control-Allow-Origin", "*")
	w.Write(doc(p)) //nolint:errcheck // the client went away
}
