// Package toolsearch ranks a gateway's tools against a free-text query for
// the built-in search tool x_amz_bedrock_agentcore_search (agentcore-api.md
// §11.4).
//
// AgentCore ranks with embeddings; toolgate runs offline with no model, so
// this is a lexical ranker: BM25 over each tool's name, description and
// parameters, with the fields weighted (name words count most). Text is
// lower-cased, split on punctuation, camelCase and snake_case, stripped of
// English stop words and lightly stemmed (plurals, -ing, -ed, final e), so
// "restart a service" meets "ops___restartServices" and "list pull
// requests" meets "github___pulls_list".
//
// An Index is built once per catalog snapshot and is immutable: every
// per-term BM25 weight is computed at build time, so a search only looks up
// the query's terms and adds precomputed weights.
package toolsearch

import (
	"encoding/json"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Doc is one tool as the index sees it.
type Doc struct {
	// Name is the tool's name as clients see it ("target___operation");
	// the part before the last "___" is the target's name.
	Name        string
	Description string
	// InputSchema is the tool's JSON Schema; parameter names, descriptions
	// and string enum values are indexed.
	InputSchema json.RawMessage
}

// Field weights: a word in the tool's own name says most about what it
// does; words of the target name are shared by all its tools.
const (
	weightName        = 3.0
	weightTarget      = 1.0
	weightDescription = 1.0
	weightParamName   = 1.0
	weightParamText   = 0.5
	// weightSurface scales the unstemmed form of each word, indexed beside
	// its stem: stemming lets "incident" meet "incidents", the surface form
	// still prefers the exact word ("open incidents" → listIncidents over
	// acknowledgeIncident).
	weightSurface = 0.5
)

// BM25 parameters (the usual defaults).
const (
	k1 = 1.2
	b  = 0.75
)

// maxSchemaDepth bounds how deep nested object properties are indexed.
const maxSchemaDepth = 4

type posting struct {
	doc    int32
	weight float32 // idf × saturated, length-normalised term frequency
}

// Index is an immutable BM25 index over a list of Docs.
type Index struct {
	n        int
	postings map[string][]posting
}

// Hit is one ranked document: its position in the slice given to New.
type Hit struct {
	Doc   int
	Score float64
}

// New indexes docs. Hits refer to docs by their position in the slice.
func New(docs []Doc) *Index {
	ix := &Index{n: len(docs), postings: map[string][]posting{}}
	if len(docs) == 0 {
		return ix
	}
	tfs := make([]map[string]float64, len(docs))
	lens := make([]float64, len(docs))
	df := map[string]int{}
	var total float64
	for i, d := range docs {
		tf := map[string]float64{}
		add := func(text string, w float64) {
			analyse(text, func(stem, surface string) {
				tf[stem] += w
				tf[surface] += w * weightSurface
				lens[i] += w
			})
		}
		targetName, local := splitName(d.Name)
		add(targetName, weightTarget)
		add(local, weightName)
		add(d.Description, weightDescription)
		if len(d.InputSchema) > 0 {
			var schema any
			if json.Unmarshal(d.InputSchema, &schema) == nil {
				walkSchema(schema, 0, add)
			}
		}
		for term := range tf {
			df[term]++
		}
		tfs[i] = tf
		total += lens[i]
	}
	avg := total / float64(len(docs))
	if avg == 0 {
		avg = 1
	}
	n := float64(len(docs))
	for i, tf := range tfs {
		norm := k1 * (1 - b + b*lens[i]/avg)
		for term, f := range tf {
			idf := math.Log(1 + (n-float64(df[term])+0.5)/(float64(df[term])+0.5))
			w := idf * f * (k1 + 1) / (f + norm)
			ix.postings[term] = append(ix.postings[term], posting{doc: int32(i), weight: float32(w)})
		}
	}
	return ix
}

// Len is the number of indexed documents.
func (ix *Index) Len() int { return ix.n }

// Search returns up to k documents that share at least one term with
// query, best first; ties go to the earlier document.
func (ix *Index) Search(query string, k int) []Hit {
	if ix == nil || ix.n == 0 || k <= 0 {
		return nil
	}
	var terms []string
	analyse(query, func(stem, surface string) { terms = append(terms, stem, surface) })
	if len(terms) == 0 {
		return nil
	}
	scores := make([]float32, ix.n)
	var touched []int32
	seen := make(map[string]bool, len(terms))
	for _, term := range terms {
		if seen[term] {
			continue
		}
		seen[term] = true
		for _, p := range ix.postings[term] {
			if scores[p.doc] == 0 {
				touched = append(touched, p.doc)
			}
			scores[p.doc] += p.weight
		}
	}
	// Keep the best k in a small sorted slice: k is tiny next to the
	// number of candidates, so insertion beats sorting them all.
	top := make([]Hit, 0, min(k, len(touched)))
	better := func(a Hit, b Hit) bool { return a.Score > b.Score || a.Score == b.Score && a.Doc < b.Doc }
	for _, d := range touched {
		h := Hit{Doc: int(d), Score: float64(scores[d])}
		if h.Score <= 0 {
			continue
		}
		if len(top) == k && !better(h, top[k-1]) {
			continue
		}
		if len(top) < k {
			top = append(top, h)
		} else {
			top[k-1] = h
		}
		for j := len(top) - 1; j > 0 && better(top[j], top[j-1]); j-- {
			top[j], top[j-1] = top[j-1], top[j]
		}
	}
	return top
}

// splitName separates "target___operation" into its two parts.
func splitName(name string) (target, local string) {
	if i := strings.LastIndex(name, "___"); i >= 0 {
		return name[:i], name[i+3:]
	}
	return "", name
}

// walkSchema feeds a JSON Schema's property names, descriptions and string
// enum values to add, descending into nested objects, arrays and
// compositions.
func walkSchema(node any, depth int, add func(string, float64)) {
	m, ok := node.(map[string]any)
	if !ok || depth > maxSchemaDepth {
		return
	}
	if depth > 0 {
		if s, ok := m["description"].(string); ok {
			add(s, weightParamText)
		}
		if s, ok := m["title"].(string); ok {
			add(s, weightParamText)
		}
	}
	if enum, ok := m["enum"].([]any); ok {
		for _, v := range enum {
			if s, ok := v.(string); ok {
				add(s, weightParamText)
			}
		}
	}
	if props, ok := m["properties"].(map[string]any); ok {
		for name, sub := range props {
			add(name, weightParamName)
			walkSchema(sub, depth+1, add)
		}
	}
	if items, ok := m["items"]; ok {
		walkSchema(items, depth+1, add)
	}
	for _, key := range []string{"allOf", "anyOf", "oneOf"} {
		if list, ok := m[key].([]any); ok {
			for _, sub := range list {
				walkSchema(sub, depth+1, add)
			}
		}
	}
}

// Terms is the analysed form of text: its words split on punctuation,
// camelCase and snake_case, lower-cased, without stop words, stemmed.
func Terms(text string) []string {
	var out []string
	analyse(text, func(stem, _ string) { out = append(out, stem) })
	return out
}

// analyse calls fn with the stem and the surface term of each word of
// text that is not a stop word. Surface terms are prefixed with "=" so they
// never collide with stems.
func analyse(text string, fn func(stem, surface string)) {
	for _, w := range words(text) {
		w = strings.ToLower(w)
		if stopWords[w] {
			continue
		}
		fn(Stem(w), "="+w)
	}
}

// words splits text into alphanumeric runs, breaking camelCase
// ("listPullRequests" → list Pull Requests, "HTTPServer" → HTTP Server) and
// letter/digit boundaries.
func words(text string) []string {
	var out []string
	start := -1
	var prev rune
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, text[start:end])
		}
		start = -1
	}
	for i, r := range text {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			prev = 0
			continue
		}
		if start < 0 {
			start = i
			prev = r
			continue
		}
		split := false
		switch {
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			split = true // camelCase
		case unicode.IsDigit(r) != unicode.IsDigit(prev):
			split = true // v2, ec2 → v 2, ec 2
		case unicode.IsLower(r) && unicode.IsUpper(prev) && i-start > utf8.RuneLen(prev):
			// "HTTPServer": the upper-case run's last letter starts a word.
			flush(i - utf8.RuneLen(prev))
			start = i - utf8.RuneLen(prev)
		}
		if split {
			flush(i)
			start = i
		}
		prev = r
	}
	flush(len(text))
	return out
}

// Stem is a light English stemmer: it folds plurals, -ing and -ed and a
// final e, so that inflections of a word meet ("services", "service" →
// "servic"; "restarting", "restarted" → "restart"; "policies" → "policy").
// It is deliberately conservative: it never shortens a word below three
// letters.
func Stem(w string) string {
	if len(w) <= 3 {
		return w
	}
	// Plurals.
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"), strings.HasSuffix(w, "ches"), strings.HasSuffix(w, "shes"), strings.HasSuffix(w, "xes"), strings.HasSuffix(w, "zes"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	// -ing, -ed (only when a vowel remains: "string", "red" stay).
	for _, suf := range []string{"ing", "ied", "ed"} {
		if !strings.HasSuffix(w, suf) {
			continue
		}
		stem := w[:len(w)-len(suf)]
		if len(stem) < 3 || !strings.ContainsAny(stem, "aeiouy") {
			break
		}
		if suf == "ied" {
			stem += "y"
		} else if n := len(stem); stem[n-1] == stem[n-2] && !strings.ContainsRune("aeiouylsz", rune(stem[n-1])) {
			stem = stem[:n-1] // stopped → stop, but pulled → pull
		}
		w = stem
		break
	}
	if len(w) > 3 && strings.HasSuffix(w, "e") {
		w = w[:len(w)-1]
	}
	return w
}

// stopWords carry no meaning for tool selection.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a about all an and any are as at be by can could do does
		for from have how i in into is it its me my of on or our please should some that the
		their them these this those to us we what when which who will with would you your`) {
		stopWords[w] = true
	}
}
