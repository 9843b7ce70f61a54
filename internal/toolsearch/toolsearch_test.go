package toolsearch

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func schema(props map[string]string) json.RawMessage {
	p := map[string]any{}
	for name, desc := range props {
		p[name] = map[string]any{"type": "string", "description": desc}
	}
	raw, _ := json.Marshal(map[string]any{"type": "object", "properties": p})
	return raw
}

// catalog is the demo SRE spec's tools as toolgate lists them, plus
// GitHub-, ops- and chat-like tools, sorted by name like a gateway's.
var catalog = []Doc{
	{Name: "github___issues_create", Description: "Create an issue in a repository.", InputSchema: schema(map[string]string{"owner": "", "repo": "", "title": "Issue title", "body": ""})},
	{Name: "github___issues_get", Description: "Get one issue by number.", InputSchema: schema(map[string]string{"owner": "", "repo": "", "issue_number": ""})},
	{Name: "github___issues_list_for_repo", Description: "List issues in a repository. Pull requests are also issues.", InputSchema: schema(map[string]string{"owner": "", "repo": "", "state": "open, closed or all"})},
	{Name: "github___issues_create_comment", Description: "Comment on an issue or pull request.", InputSchema: schema(map[string]string{"owner": "", "repo": "", "issue_number": "", "body": ""})},
	{Name: "github___pulls_create", Description: "Open a pull request from a branch.", InputSchema: schema(map[string]string{"owner": "", "repo": "", "head": "branch with the changes", "base": "branch to merge into"})},
	{Name: "github___pulls_get", Description: "Get a pull request.", InputSchema: schema(map[string]string{"owner": "", "repo": "", "pull_number": ""})},
	{Name: "github___pulls_list", Description: "List pull requests of a repository.", InputSchema: schema(map[string]string{"owner": "", "repo": "", "state": "open, closed or all"})},
	{Name: "github___pulls_merge", Description: "Merge a pull request.", InputSchema: schema(map[string]string{"owner": "", "repo": "", "pull_number": "", "merge_method": "merge, squash or rebase"})},
	{Name: "github___repos_create_for_authenticated_user", Description: "Create a new repository for the authenticated user."},
	{Name: "github___repos_get", Description: "Get a repository.", InputSchema: schema(map[string]string{"owner": "", "repo": ""})},
	{Name: "github___repos_list_branches", Description: "List branches.", InputSchema: schema(map[string]string{"owner": "", "repo": ""})},
	{Name: "github___repos_list_for_org", Description: "List repositories of an organization.", InputSchema: schema(map[string]string{"org": ""})},
	{Name: "github___search_code", Description: "Search code across repositories.", InputSchema: schema(map[string]string{"q": "search query"})},
	{Name: "github___users_get_authenticated", Description: "Get the authenticated user."},
	{Name: "ops___deployService", Description: "Deploy a new version of a service to an environment.", InputSchema: schema(map[string]string{"service": "", "version": "", "environment": "staging or production"})},
	{Name: "ops___getDeploymentStatus", Description: "Status of a deployment.", InputSchema: schema(map[string]string{"deploymentId": ""})},
	{Name: "ops___restartService", Description: "Restart every instance of a service, one at a time.", InputSchema: schema(map[string]string{"service": "Service name"})},
	{Name: "ops___rollbackDeployment", Description: "Roll a service back to its previous version.", InputSchema: schema(map[string]string{"service": ""})},
	{Name: "ops___scaleService", Description: "Change the number of instances of a service.", InputSchema: schema(map[string]string{"service": "", "replicas": "desired instance count"})},
	{Name: "ops___tailLogs", Description: "Stream recent log lines of a service.", InputSchema: schema(map[string]string{"service": "", "lines": ""})},
	{Name: "pager___createOnCallOverride", Description: "Put someone on call for a time window.", InputSchema: schema(map[string]string{"user": "", "start": "", "end": ""})},
	{Name: "pager___getOnCall", Description: "Who is on call now for a schedule.", InputSchema: schema(map[string]string{"schedule": ""})},
	{Name: "slack___chat_postMessage", Description: "Send a message to a channel.", InputSchema: schema(map[string]string{"channel": "", "text": ""})},
	{Name: "slack___conversations_list", Description: "List channels in the workspace."},
	{Name: "sre___acknowledgeIncident", Description: "Acknowledge an open incident on behalf of the on-call engineer.", InputSchema: schema(map[string]string{"id": "Incident id, e.g. INC-1042", "engineer": "Who acknowledges", "note": ""})},
	{Name: "sre___getRunbook", Description: "The runbook steps for a service.", InputSchema: schema(map[string]string{"service": ""})},
	{Name: "sre___getServiceHealth", Description: "Current health of one service (status, error rate, p99 latency).", InputSchema: schema(map[string]string{"name": "Service name, e.g. checkout"})},
	{Name: "sre___listIncidents", Description: "List incidents, optionally only those in one state.", InputSchema: json.RawMessage(`{"type":"object","properties":{"status":{"type":"string","enum":["open","acknowledged","resolved"]}}}`)},
	{Name: "sre___listServices", Description: "List the services this SRE team runs, with their current health."},
	{Name: "weather___getForecast", Description: "Weather forecast for a city.", InputSchema: schema(map[string]string{"city": "", "days": "number of days"})},
}

func TestRanking(t *testing.T) {
	ix := New(catalog)
	tests := []struct {
		query string
		want  string // the expected best tool
	}{
		{"open incidents", "sre___listIncidents"},
		{"restart a service", "ops___restartService"},
		{"restarting services", "ops___restartService"},
		{"list pull requests", "github___pulls_list"},
		{"merge a pull request", "github___pulls_merge"},
		{"open a pull request", "github___pulls_create"},
		{"acknowledge the incident", "sre___acknowledgeIncident"},
		{"is checkout healthy? error rate", "sre___getServiceHealth"},
		{"runbook for checkout", "sre___getRunbook"},
		{"who is on call", "pager___getOnCall"},
		{"post a message to slack", "slack___chat_postMessage"},
		{"roll back the last deployment", "ops___rollbackDeployment"},
		{"scale up replicas", "ops___scaleService"},
		{"show me the logs", "ops___tailLogs"},
		{"weather forecast in Paris", "weather___getForecast"},
		{"list repositories of my organization", "github___repos_list_for_org"},
		{"comment on an issue", "github___issues_create_comment"},
		{"listServices", "sre___listServices"},
		{"sre___getServiceHealth", "sre___getServiceHealth"},
		{"DEPLOY SERVICE", "ops___deployService"},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			hits := ix.Search(tc.query, 3)
			var got []string
			for _, h := range hits {
				got = append(got, catalog[h.Doc].Name)
			}
			if len(got) == 0 || got[0] != tc.want {
				t.Errorf("Search(%q) top 3 = %v, want %s first", tc.query, got, tc.want)
			}
		})
	}
}

func TestSearchLimitsAndOrder(t *testing.T) {
	ix := New(catalog)
	if got := ix.Search("service", 4); len(got) != 4 {
		t.Fatalf("k=4 returned %d hits", len(got))
	} else {
		for i := 1; i < len(got); i++ {
			if got[i].Score > got[i-1].Score {
				t.Fatalf("hits not sorted by score: %+v", got)
			}
		}
	}
	for _, q := range []string{"", "   ", "the a of", "zzzqqq"} {
		if got := ix.Search(q, 10); len(got) != 0 {
			t.Errorf("Search(%q) = %v, want none", q, got)
		}
	}
	if got := New(nil).Search("service", 10); got != nil {
		t.Errorf("empty index returned %v", got)
	}
	var nilIndex *Index
	if got := nilIndex.Search("service", 10); got != nil {
		t.Errorf("nil index returned %v", got)
	}
}

func TestTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"github___pulls_list", []string{"github", "pull", "list"}},
		{"listPullRequests", []string{"list", "pull", "request"}},
		{"getHTTPServerStatus", []string{"get", "http", "server", "status"}},
		{"ec2 DescribeInstances v2", []string{"ec", "2", "describ", "instanc", "v", "2"}},
		{"Restarting the services", []string{"restart", "servic"}},
		{"restarted service", []string{"restart", "servic"}},
		{"policies branches boxes", []string{"policy", "branch", "box"}},
		{"stopped running pulled", []string{"stop", "run", "pull"}},
		{"status statuses analysis", []string{"status", "status", "analysis"}},
		{"string need applied", []string{"string", "need", "apply"}},
		{"Créer un événement", []string{"créer", "un", "événement"}},
		{"", nil},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, Terms(tc.in)); diff != "" {
			t.Errorf("Terms(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func BenchmarkSearch1000(b *testing.B) {
	verbs := []string{"list", "get", "create", "update", "delete", "restart", "search", "merge", "acknowledge", "deploy"}
	nouns := []string{"service", "incident", "pull request", "issue", "repository", "branch", "deployment", "runbook", "channel", "user"}
	var docs []Doc
	for i := 0; len(docs) < 1000; i++ {
		v, n := verbs[i%len(verbs)], nouns[(i/len(verbs))%len(nouns)]
		docs = append(docs, Doc{
			Name:        fmt.Sprintf("target%d___%s_%s_%d", i%7, v, n, i),
			Description: fmt.Sprintf("%s a %s (variant %d) of the organization's account.", v, n, i),
			InputSchema: schema(map[string]string{"owner": "who owns it", "name": n + " name", "filter": "optional filter"}),
		})
	}
	ix := New(docs)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if len(ix.Search("restart the checkout service after an open incident", 10)) == 0 {
			b.Fatal("no hits")
		}
	}
}
