package policy

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of one piece of a compiled pattern.
type tokKind uint8

const (
	tokLiteral  tokKind = iota // matches lit exactly (or case-folded)
	tokStar                    // matches any run of characters, including ':' and '/'
	tokQuestion                // matches exactly one character
	tokVar                     // matches the single value of a context key (policy variable)
)

type tok struct {
	kind tokKind
	lit  string // tokLiteral: the text; tokVar: the default value if hasDef
	key  string // tokVar: the context key as written
	low  string // tokVar: the context key lower-cased
	// hasDef reports whether a tokVar carries a default ("${aws:username, 'x'}").
	hasDef bool
}

// pattern is a precompiled match pattern: an action, a resource, or a
// string/ARN condition value. Matching never allocates.
type pattern struct {
	any   bool   // the pattern is "*": matches everything
	exact bool   // no wildcard and no variable: compare with lit
	lit   string // the pattern text when exact
	fold  bool   // ASCII/Unicode case-insensitive comparison
	toks  []tok
}

// compileOptions select which characters of the source text are special.
type compileOptions struct {
	wildcards bool // '*' and '?' are wildcards
	variables bool // "${key}" is a policy variable
	fold      bool // case-insensitive
}

// compilePattern compiles src. It fails only on a malformed policy variable.
func compilePattern(src string, o compileOptions) (pattern, error) {
	p := pattern{fold: o.fold}
	if o.wildcards && src == "*" {
		p.any = true
		return p, nil
	}
	var toks []tok
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, tok{kind: tokLiteral, lit: lit.String()})
			lit.Reset()
		}
	}
	special := false
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case o.wildcards && c == '*':
			flush()
			// Consecutive stars are equivalent to one.
			if n := len(toks); n == 0 || toks[n-1].kind != tokStar {
				toks = append(toks, tok{kind: tokStar})
			}
			special = true
			i++
		case o.wildcards && c == '?':
			flush()
			toks = append(toks, tok{kind: tokQuestion})
			special = true
			i++
		case o.variables && c == '$' && i+1 < len(src) && src[i+1] == '{':
			end := strings.IndexByte(src[i:], '}')
			if end < 0 {
				return pattern{}, fmt.Errorf("unterminated policy variable in %q", src)
			}
			body := src[i+2 : i+end]
			i += end + 1
			switch body {
			case "*", "?", "$":
				lit.WriteString(body)
				continue
			}
			t, err := parseVariable(body)
			if err != nil {
				return pattern{}, fmt.Errorf("%v in %q", err, src)
			}
			flush()
			toks = append(toks, t)
			special = true
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	if !special {
		p.exact = true
		p.lit = ""
		if len(toks) == 1 {
			p.lit = toks[0].lit
		}
		return p, nil
	}
	p.toks = toks
	return p, nil
}

// parseVariable parses the inside of "${…}": a context key, optionally
// followed by ", 'default'".
func parseVariable(body string) (tok, error) {
	key, def, hasDef := strings.Cut(body, ",")
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " '${}") {
		return tok{}, fmt.Errorf("malformed policy variable ${%s}", body)
	}
	t := tok{kind: tokVar, key: key, low: strings.ToLower(key)}
	if hasDef {
		def = strings.TrimSpace(def)
		if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
			return tok{}, fmt.Errorf("policy variable ${%s}: default value must be in single quotes", body)
		}
		t.lit, t.hasDef = def[1:len(def)-1], true
	}
	return t, nil
}

// resolve returns the text a policy variable stands for. A variable whose key
// is absent or multi-valued, and has no default, resolves to nothing: the
// pattern then matches nothing.
func (t *tok) resolve(ctx map[string][]string) (string, bool) {
	if vs, ok := lookup(ctx, t.key, t.low); ok && len(vs) == 1 {
		return vs[0], true
	}
	if t.hasDef {
		return t.lit, true
	}
	return "", false
}

func hasPrefix(s, prefix string, fold bool) bool {
	if len(s) < len(prefix) {
		return false
	}
	if fold {
		return strings.EqualFold(s[:len(prefix)], prefix)
	}
	return s[:len(prefix)] == prefix
}

// match reports whether s matches p; ctx resolves policy variables.
func (p *pattern) match(s string, ctx map[string][]string) bool {
	switch {
	case p.any:
		return true
	case p.exact:
		if p.fold {
			return strings.EqualFold(s, p.lit)
		}
		return s == p.lit
	}
	// Classic wildcard matching with backtracking to the most recent star:
	// every non-star token matches a fixed-length run, so remembering only the
	// last star is enough and the worst case is O(len(toks)·len(s)).
	toks := p.toks
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokStar:
				starTi, starSi = ti, si
				ti++
				continue
			case tokQuestion:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			case tokLiteral:
				if hasPrefix(s[si:], t.lit, p.fold) {
					si += len(t.lit)
					ti++
					continue
				}
			case tokVar:
				v, ok := t.resolve(ctx)
				if !ok {
					return false
				}
				if hasPrefix(s[si:], v, p.fold) {
					si += len(v)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		ti, si = starTi+1, starSi
	}
}
