// Package demo is the small SRE backend toolgate's quickstart serves
// in-process: an API-key-protected HTTP API (service health, incidents,
// runbooks) plus its OpenAPI document, so the first run has real tools that
// answer. It mirrors the seed scenario of an SRE assistant calling
// API-key-protected backends. It holds no real data.
package demo

import (
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// OpenAPI is the backend's OpenAPI document. Its server URL is a variable
// whose default is replaced by Spec.
//
//go:embed sre-openapi.yaml
var OpenAPI string

// PathPrefix is where Handler expects to be mounted.
const PathPrefix = "/demo/sre/v1"

// KeyHeader carries the API key the backend requires.
const KeyHeader = "X-Api-Key"

// Spec returns the OpenAPI document with its server URL pointing at baseURL
// (e.g. http://127.0.0.1:8080/demo/sre/v1).
func Spec(baseURL string) string {
	return strings.Replace(OpenAPI, "default: http://127.0.0.1:8080/demo/sre/v1", "default: "+baseURL, 1)
}

type service struct {
	Name         string  `json:"name"`
	Status       string  `json:"status"`
	ErrorRate    float64 `json:"errorRate"`
	P99LatencyMs int     `json:"p99LatencyMs"`
}

type incident struct {
	ID             string `json:"id"`
	Service        string `json:"service"`
	Severity       string `json:"severity"`
	Status         string `json:"status"`
	Title          string `json:"title"`
	AcknowledgedBy string `json:"acknowledgedBy,omitempty"`
}

// Backend is one instance of the demo API with its own incident state.
type Backend struct {
	key       string
	mu        sync.Mutex
	services  []service
	incidents []incident
	runbooks  map[string][]string
}

// New returns a backend that accepts only requests carrying key in X-Api-Key.
func New(key string) *Backend {
	return &Backend{
		key: key,
		services: []service{
			{"checkout", "degraded", 0.042, 1870},
			{"payments", "healthy", 0.001, 240},
			{"search", "healthy", 0.003, 310},
			{"notifications", "down", 1, 0},
		},
		incidents: []incident{
			{ID: "INC-1042", Service: "checkout", Severity: "sev2", Status: "open", Title: "Checkout p99 latency above 1.5s"},
			{ID: "INC-1043", Service: "notifications", Severity: "sev1", Status: "open", Title: "Notification workers crash-looping"},
			{ID: "INC-1039", Service: "search", Severity: "sev3", Status: "resolved", Title: "Stale search index in eu-west-1"},
		},
		runbooks: map[string][]string{
			"checkout":      {"Check the payments dependency latency dashboard.", "Scale checkout-api to 6 replicas.", "If p99 stays above 1.5s for 10 minutes, roll back the last deploy."},
			"notifications": {"Inspect worker logs for the crash reason.", "Drain the dead-letter queue.", "Restart the worker deployment."},
			"payments":      {"Verify the card processor status page.", "Fail over to the secondary processor if errors exceed 2%."},
			"search":        {"Trigger a reindex for the affected region."},
		},
	}
}

// Handler serves the API under PathPrefix.
func (b *Backend) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathPrefix+"/services", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, map[string]any{"services": b.services})
	})
	mux.HandleFunc("GET "+PathPrefix+"/services/{name}", func(w http.ResponseWriter, r *http.Request) {
		i := slices.IndexFunc(b.services, func(s service) bool { return s.Name == r.PathValue("name") })
		if i < 0 {
			reply(w, 404, map[string]string{"error": "unknown service " + r.PathValue("name")})
			return
		}
		reply(w, 200, b.services[i])
	})
	mux.HandleFunc("GET "+PathPrefix+"/incidents", func(w http.ResponseWriter, r *http.Request) {
		want := r.URL.Query().Get("status")
		b.mu.Lock()
		out := []incident{}
		for _, in := range b.incidents {
			if want == "" || in.Status == want {
				out = append(out, in)
			}
		}
		b.mu.Unlock()
		reply(w, 200, map[string]any{"incidents": out})
	})
	mux.HandleFunc("POST "+PathPrefix+"/incidents/{id}/acknowledge", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Engineer string `json:"engineer"`
			Note     string `json:"note"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body); err != nil || body.Engineer == "" {
			reply(w, 400, map[string]string{"error": "body must be JSON with an engineer"})
			return
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		i := slices.IndexFunc(b.incidents, func(in incident) bool { return in.ID == r.PathValue("id") })
		switch {
		case i < 0:
			reply(w, 404, map[string]string{"error": "unknown incident " + r.PathValue("id")})
		case b.incidents[i].Status != "open":
			reply(w, 409, map[string]string{"error": "incident " + b.incidents[i].ID + " is " + b.incidents[i].Status})
		default:
			b.incidents[i].Status, b.incidents[i].AcknowledgedBy = "acknowledged", body.Engineer
			reply(w, 200, b.incidents[i])
		}
	})
	mux.HandleFunc("GET "+PathPrefix+"/runbooks/{service}", func(w http.ResponseWriter, r *http.Request) {
		steps, ok := b.runbooks[r.PathValue("service")]
		if !ok {
			reply(w, 404, map[string]string{"error": "no runbook for " + r.PathValue("service")})
			return
		}
		reply(w, 200, map[string]any{"service": r.PathValue("service"), "steps": steps})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get(KeyHeader)), []byte(b.key)) != 1 {
			reply(w, 401, map[string]string{"error": "missing or wrong " + KeyHeader})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
