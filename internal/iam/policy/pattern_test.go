package policy

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// refMatch is an obviously correct (exponential) glob matcher.
func refMatch(p, s string, fold bool) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if refMatch(p[1:], s[i:], fold) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && refMatch(p[1:], s[1:], fold)
	}
	if s == "" {
		return false
	}
	a, b := p[:1], s[:1]
	if fold {
		a, b = strings.ToLower(a), strings.ToLower(b)
	}
	return a == b && refMatch(p[1:], s[1:], fold)
}

func TestPatternAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	gen := func(alphabet string, n int) string {
		b := make([]byte, r.IntN(n+1))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	for i := 0; i < 20000; i++ {
		p, s := gen("aAb:/*?", 7), gen("aAb:/", 9)
		fold := i%2 == 0
		pat, err := compilePattern(p, compileOptions{wildcards: true, fold: fold})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := pat.match(s, nil), refMatch(p, s, fold); got != want {
			t.Fatalf("match(%q, %q, fold=%v) = %v, want %v", p, s, fold, got, want)
		}
	}
}

func TestPatternUnicode(t *testing.T) {
	pat, _ := compilePattern("a?c", compileOptions{wildcards: true})
	if !pat.match("aéc", nil) {
		t.Error("? must match one multi-byte character")
	}
	pat, _ = compilePattern("a*", compileOptions{wildcards: true})
	if !pat.match("aé", nil) {
		t.Error("* must match multi-byte characters")
	}
}

func TestParseDate(t *testing.T) {
	for _, s := range []string{"2013-06-30T00:00:00Z", "2013-06-30T00:00:00.000Z", "2013-06-30T02:00:00+02:00", "2013-06-30T02:00:00+0200", "2013-06-30T00:00:00", "2013-06-30T00:00", "2013-06-30", "1372550400", "1372550400.0"} {
		d, ok := parseDate(s)
		if !ok || d.Unix() != 1372550400 {
			t.Errorf("parseDate(%q) = %v, %v", s, d, ok)
		}
	}
	for _, s := range []string{"", "-", "2013-13-01", "30/06/2013", "1e9", "12.3.4"} {
		if _, ok := parseDate(s); ok {
			t.Errorf("parseDate(%q) succeeded", s)
		}
	}
}

func TestParsePrefix(t *testing.T) {
	tests := []struct {
		in, want string // want "" means an error
	}{
		{"203.0.113.0/24", "203.0.113.0/24"},
		{"203.0.113.9/24", "203.0.113.0/24"},
		{"203.0.113.9", "203.0.113.9/32"},
		{"2001:DB8:1234:5678::/64", "2001:db8:1234:5678::/64"},
		{"2001:db8::1", "2001:db8::1/128"},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"::ffff:10.1.2.3", "10.1.2.3/32"},
		{"::ffff:0:0/90", ""},
		{"fe80::1%eth0", ""},
		{"10.0.0.0/33", ""},
		{"10.0.0", ""},
		{"", ""},
	}
	for _, tt := range tests {
		p, err := parsePrefix(tt.in)
		got := ""
		if err == nil {
			got = p.String()
		}
		if got != tt.want {
			t.Errorf("parsePrefix(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
