package agentcore

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// validationError asserts err is a *ValidationError and returns it.
func validationError(t *testing.T, err error) *ValidationError {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v (%T), want *ValidationError", err, err)
	}
	return ve
}

// fieldNames returns the fieldList names of err (nil for a nil error).
func fieldNames(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	ve := validationError(t, err)
	if ve.Reason != ReasonFieldValidationFailed {
		t.Fatalf("reason = %s, want FieldValidationFailed (%v)", ve.Reason, err)
	}
	names := make([]string, len(ve.Fields))
	for i, f := range ve.Fields {
		names[i] = f.Name
	}
	return names
}

// wantFields compares the full fieldList of err with want.
func wantFields(t *testing.T, err error, want []ValidationExceptionField) {
	t.Helper()
	var got []ValidationExceptionField
	if err != nil {
		ve := validationError(t, err)
		if ve.Reason != ReasonFieldValidationFailed {
			t.Fatalf("reason = %s, want FieldValidationFailed (%v)", ve.Reason, err)
		}
		got = ve.Fields
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fieldList mismatch (-want +got):\n%s", diff)
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// semanticJSON decodes b into generic values, keeping number literals, so
// two encodings can be compared regardless of key order and whitespace.
func semanticJSON(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	return v
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
