package dataplane

import (
	"encoding/json"
	"net/http"
	"strings"
)

// serveMetadata answers RFC 9728 protected resource metadata for a gateway
// at /.well-known/oauth-protected-resource[/<prefix>]/gateways/{id}/mcp, the
// URL the 401 challenges point at. Only gateways that accept bearer tokens
// have metadata: the document must name an authorization server.
func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request) {
	id, ok := metadataGatewayID(r.URL.Path)
	if !ok {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		http.NotFound(w, r)
		return
	}
	s.writeMetadata(w, r, id)
}

// writeMetadata writes the metadata document of gateway id, with the
// resource in the form the request used.
func (s *Server) writeMetadata(w http.ResponseWriter, r *http.Request, id string) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		w.Header().Set("Access-Control-Allow-Methods", "GET, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	gs := (*s.gateways.Load())[id]
	if gs == nil {
		http.NotFound(w, r)
		return
	}
	gw := gs.gw.Load()
	if gw.Verifier == nil {
		http.NotFound(w, r) // NONE / AWS_IAM gateways have no OAuth resource metadata
		return
	}
	resource, _ := s.opts.Addresses.For(r, gw.ID)
	doc := map[string]any{
		"resource":                 resource,
		"authorization_servers":    gw.Verifier.AuthorizationServers(r.Context()),
		"bearer_methods_supported": []string{"header"},
		"resource_name":            gw.Name,
	}
	if scopes := gw.Verifier.Scopes(); len(scopes) > 0 {
		doc["scopes_supported"] = scopes
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=300")
	json.NewEncoder(w).Encode(doc)
}

// metadataGatewayID extracts {id} from
// /.well-known/oauth-protected-resource[/<prefix>]/gateways/{id}/mcp.
func metadataGatewayID(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/.well-known/oauth-protected-resource/")
	if !ok {
		return "", false
	}
	rest, ok = strings.CutSuffix("/"+rest, "/mcp")
	if !ok {
		return "", false
	}
	i := strings.LastIndex(rest, "/gateways/")
	if i < 0 {
		return "", false
	}
	id := rest[i+len("/gateways/"):]
	return id, id != "" && !strings.Contains(id, "/")
}
