package smithy

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/toolgate/toolgate/internal/target"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

func loadWeather(t *testing.T) (*Service, []target.Warning) {
	t.Helper()
	doc, err := os.ReadFile("testdata/weather.json")
	if err != nil {
		t.Fatal(err)
	}
	svc, warnings, err := Convert(doc)
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	return svc, warnings
}

// TestConvertGolden converts a restJson1 model with labels, query,
// headers, payloads, nested structures, lists, maps, enums, timestamps and
// resources, and compares the tools and warnings with the golden file.
func TestConvertGolden(t *testing.T) {
	svc, warnings := loadWeather(t)
	type toolJSON struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		InputSchema json.RawMessage `json:"inputSchema"`
	}
	got := struct {
		EndpointPrefix string     `json:"endpointPrefix"`
		SigningName    string     `json:"signingName"`
		Tools          []toolJSON `json:"tools"`
		Warnings       []string   `json:"warnings"`
	}{EndpointPrefix: svc.EndpointPrefix, SigningName: svc.SigningName}
	for _, tl := range svc.Tools() {
		got.Tools = append(got.Tools, toolJSON{tl.Name, tl.Description, tl.InputSchema})
	}
	for _, w := range warnings {
		got.Warnings = append(got.Warnings, w.String())
	}
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	const golden = "testdata/weather.golden.json"
	if *update {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		t.Errorf("conversion differs from %s (-want +got):\n%s", golden, diff)
	}
}

func TestConvertErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"not json", `{`, "not a Smithy JSON AST"},
		{"no version", `{"shapes":{}}`, `no "smithy" version`},
		{"idl 3", `{"smithy":"3.0","shapes":{}}`, "not supported"},
		{"no service", `{"smithy":"2.0","shapes":{}}`, "no service shape"},
		{"two services", `{"smithy":"2.0","shapes":{"a#A":{"type":"service"},"a#B":{"type":"service"}}}`, "2 service shapes"},
		{"awsJson", `{"smithy":"2.0","shapes":{"a#A":{"type":"service","traits":{"aws.protocols#awsJson1_1":{}}}}}`, "uses aws.protocols#awsJson1_1; only aws.protocols#restJson1"},
		{"host in endpointPrefix", `{"smithy":"2.0","shapes":{"a#A":{"type":"service","traits":{"aws.protocols#restJson1":{},"aws.api#service":{"endpointPrefix":"evil.example/x?"}}}}}`, "not a host name prefix"},
		{"upper-case endpointPrefix", `{"smithy":"2.0","shapes":{"a#A":{"type":"service","traits":{"aws.protocols#restJson1":{},"aws.api#service":{"endpointPrefix":"Evil"}}}}}`, "not a host name prefix"},
		{"no protocol", `{"smithy":"2.0","shapes":{"a#A":{"type":"service"}}}`, "names no protocol"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Convert([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Convert error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestConvertDefaultsNames(t *testing.T) {
	doc := []byte(`{"smithy":"1.0","shapes":{"a#My Svc":{"type":"service","traits":{"aws.protocols#restJson1":{},"aws.api#service":{"sdkId":"My Svc"}}}}}`)
	svc, _, err := Convert(doc)
	if err != nil {
		t.Fatal(err)
	}
	if svc.EndpointPrefix != "my-svc" || svc.SigningName != "my-svc" {
		t.Errorf("EndpointPrefix, SigningName = %q, %q; want my-svc, my-svc", svc.EndpointPrefix, svc.SigningName)
	}
	svc, _, err = Convert([]byte(`{"smithy":"2.0","shapes":{"a#Store_2020":{"type":"service","traits":{"aws.protocols#restJson1":{}}}}}`))
	if err != nil || svc.EndpointPrefix != "store-2020" {
		t.Errorf("prefix from the service name: %v, %v; want store-2020", svc, err)
	}
	if !bytes.Equal([]byte("[]"), must(json.Marshal(svc.Tools()))) {
		t.Errorf("tools = %s, want none", must(json.Marshal(svc.Tools())))
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
