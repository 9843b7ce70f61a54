package agentcore

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	smithytime "github.com/aws/smithy-go/time"
)

func TestDateTimeMarshal(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 11, 22, 11, 4, 5, 123456789, paris), `"2026-11-22T10:04:05.123456789Z"`},
		{time.Date(2026, 11, 22, 10, 4, 5, 500000000, time.UTC), `"2026-11-22T10:04:05.5Z"`},
		{time.Date(2026, 11, 22, 10, 4, 5, 0, time.UTC), `"2026-11-22T10:04:05Z"`},
	}
	for _, tt := range tests {
		b := mustMarshal(t, NewDateTime(tt.in))
		if string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, want %s", tt.in, b, tt.want)
		}
		// The SDK's parser must read back the same instant.
		s := strings.Trim(string(b), `"`)
		got, err := smithytime.ParseDateTime(s)
		if err != nil || !got.Equal(tt.in) {
			t.Errorf("smithytime.ParseDateTime(%s) = %v, %v; want %v", s, got, err, tt.in)
		}
		var back DateTime
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(tt.in) {
			t.Errorf("Unmarshal(%s) = %v, %v", b, back, err)
		}
	}
	var d DateTime
	if err := json.Unmarshal([]byte(`"2026-11-22T11:04:05+01:00"`), &d); err != nil || d.Unix() != 1795341845 {
		t.Errorf("offset form: %v, %v", d, err)
	}
	for _, bad := range []string{`1763805845`, `"2026-11-22"`, `"2026-11-22 10:04:05"`, `null`} {
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("Unmarshal(%s) accepted", bad)
		}
	}
}

func TestEpochSecondsMarshal(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.UnixMilli(1763805845123), "1763805845.123"},
		{time.UnixMilli(1763805845120), "1763805845.12"},
		{time.UnixMilli(1763805845000), "1763805845"},
		{time.Unix(1763805845, 999999999), "1763805845.999"}, // truncated to ms, like smithy
		{time.UnixMilli(-1500), "-1.5"},
		{time.UnixMilli(0), "0"},
	}
	for _, tt := range tests {
		b := mustMarshal(t, NewEpochSeconds(tt.in))
		if string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, want %s", tt.in, b, tt.want)
		}
		// The SDK reads a float and converts it with ParseEpochSeconds.
		var f float64
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("not a JSON number: %s", b)
		}
		want := tt.in.Truncate(time.Millisecond)
		if got := smithytime.ParseEpochSeconds(f); !got.Equal(want) {
			t.Errorf("smithytime.ParseEpochSeconds(%s) = %v, want %v", b, got, want)
		}
		var back EpochSeconds
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(want) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", b, back, err, want)
		}
	}
	var e EpochSeconds
	for in, want := range map[string]int64{"1763805845.123": 1763805845123, "1.763805845123E9": 1763805845123, "1763805845.1239": 1763805845123} {
		if err := json.Unmarshal([]byte(in), &e); err != nil || e.UnixMilli() != want {
			t.Errorf("Unmarshal(%s) = %d, %v; want %d", in, e.UnixMilli(), err, want)
		}
	}
	for _, bad := range []string{`"1763805845"`, `"2026-11-22T10:04:05Z"`, `true`, `1e400000`, `1e-999999999`} {
		if err := json.Unmarshal([]byte(bad), &e); err == nil {
			t.Errorf("Unmarshal(%s) accepted", bad)
		}
	}
}

// TestResponseTimestampFormats checks the two families side by side: gateway
// and target timestamps are strings, identity timestamps are numbers.
func TestResponseTimestampFormats(t *testing.T) {
	at := time.Date(2026, 11, 22, 10, 4, 5, 123000000, time.UTC)
	var gw map[string]any
	if err := json.Unmarshal(mustMarshal(t, Gateway{CreatedAt: NewDateTime(at), UpdatedAt: NewDateTime(at)}), &gw); err != nil {
		t.Fatal(err)
	}
	if gw["createdAt"] != "2026-11-22T10:04:05.123Z" || gw["updatedAt"] != "2026-11-22T10:04:05.123Z" {
		t.Errorf("gateway timestamps = %v, %v; want RFC 3339 strings", gw["createdAt"], gw["updatedAt"])
	}
	last := NewDateTime(at)
	var tgt map[string]any
	if err := json.Unmarshal(mustMarshal(t, TargetSummary{CreatedAt: NewDateTime(at), LastSynchronizedAt: &last}), &tgt); err != nil {
		t.Fatal(err)
	}
	if _, ok := tgt["lastSynchronizedAt"].(string); !ok {
		t.Errorf("lastSynchronizedAt = %#v, want a string", tgt["lastSynchronizedAt"])
	}
	var p map[string]any
	if err := json.Unmarshal(mustMarshal(t, ApiKeyCredentialProvider{CreatedTime: NewEpochSeconds(at), LastUpdatedTime: NewEpochSeconds(at)}), &p); err != nil {
		t.Fatal(err)
	}
	if p["createdTime"] != 1795341845.123 || p["lastUpdatedTime"] != 1795341845.123 {
		t.Errorf("identity timestamps = %#v, %#v; want numbers", p["createdTime"], p["lastUpdatedTime"])
	}
}
