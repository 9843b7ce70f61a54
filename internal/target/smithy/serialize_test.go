package smithy

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSerialize(t *testing.T) {
	svc, _ := loadWeather(t)
	defer func(f func() string) { newToken = f }(newToken)
	newToken = func() string { return "00000000-0000-4000-8000-000000000000" }
	type want struct {
		Method, Path, Query string
		Header              http.Header
		Body                string
		ContentType         string
	}
	tests := []struct {
		name, op, args string
		want           want
		wantErr        string
	}{
		{name: "no input", op: "GetCurrentTime", args: `{}`,
			want: want{Method: "GET", Path: "/time", Header: http.Header{}}},
		{name: "label escaped, enum query, http-date header", op: "GetCity",
			args: `{"cityId":"São Paulo/1","units":"metric","requestedAt":"2026-12-07T01:02:03Z"}`,
			want: want{Method: "GET", Path: "/cities/S%C3%A3o%20Paulo%2F1", Query: "units=metric",
				Header: http.Header{"X-Requested-At": {"Mon, 07 Dec 2026 01:02:03 GMT"}}}},
		{name: "epoch seconds accepted for a header timestamp", op: "GetCity",
			args: `{"cityId":"x","requestedAt":1765069323}`,
			want: want{Method: "GET", Path: "/cities/x", Header: http.Header{"X-Requested-At": {"Sun, 07 Dec 2025 01:02:03 GMT"}}}},
		{name: "query lists, numbers, timestamps and query params", op: "ListCities",
			args: `{"pageSize":10,"tags":["a b","c&d"],"since":"2026-01-02T03:04:05.5Z","filters":{"country":"BR","pageSize":"999","multi":["1","2"]}}`,
			want: want{Method: "GET", Path: "/cities", Header: http.Header{},
				Query: "country=BR&multi=1&multi=2&pageSize=10&since=2026-01-02T03%3A04%3A05.5Z&tag=a%20b&tag=c%26d"}},
		{name: "body with jsonName, nested, timestamps, headers, literal query", op: "CreateForecast",
			args: `{"cityId":"lis","clientToken":"tok","labels":["x","y"],"metadata":{"Owner":"me"},"summary":"Sunny",
				"validFrom":1767225600,"issuedAt":"2026-01-01T00:00:00.25Z","days":[{"date":"2026-01-01T00:00:00Z","high":20,"low":10}],
				"attributes":{"centre":{"latitude":1.5,"longitude":-2}},"severity":3,"source":{"model":{"name":"gfs","runAt":"2026-01-01T06:00:00Z"}},
				"checksum":"AAEC","extra":{"any":[1,"two"]},"region":{"name":"eu","subRegions":[{"name":"pt"}]},"exact":1.10}`,
			want: want{Method: "POST", Path: "/cities/lis/forecasts", Query: "mode=create",
				Header:      http.Header{"X-Client-Token": {"tok"}, "X-Labels": {"x, y"}, "X-Meta-Owner": {"me"}},
				ContentType: "application/json",
				Body: `{"Summary":"Sunny","attributes":{"centre":{"latitude":1.5,"longitude":-2}},"checksum":"AAEC",` +
					`"days":[{"High":20,"date":"2026-01-01T00:00:00Z","low":10}],"exact":1.10,"extra":{"any":[1,"two"]},` +
					`"issuedAt":1767225600.25,"region":{"name":"eu","subRegions":[{"name":"pt"}]},"severity":3,` +
					`"source":{"model":{"name":"gfs","runAt":"Thu, 01 Jan 2026 06:00:00 GMT"}},"validFrom":"2026-01-01T00:00:00Z"}`}},
		{name: "empty body members still send an object, idempotency token filled in", op: "CreateForecast", args: `{"cityId":"lis","summary":"s"}`,
			want: want{Method: "POST", Path: "/cities/lis/forecasts", Query: "mode=create", Header: http.Header{"X-Client-Token": {"00000000-0000-4000-8000-000000000000"}},
				ContentType: "application/json", Body: `{"Summary":"s"}`}},
		{name: "greedy label keeps slashes, blob payload", op: "UploadReport",
			args: `{"key":"2026/jan report.txt","contentType":"text/csv","body":"aGVsbG8="}`,
			want: want{Method: "PUT", Path: "/reports/2026/jan%20report.txt", Header: http.Header{"Content-Type": {"text/csv"}},
				ContentType: "application/octet-stream", Body: "hello"}},
		{name: "missing required label", op: "GetCity", args: `{}`, wantErr: `missing required argument "cityId"`},
		{name: "missing required body member", op: "CreateForecast", args: `{"cityId":"x"}`, wantErr: `missing required argument "summary"`},
		{name: "unknown argument", op: "GetCity", args: `{"cityId":"x","nope":1}`, wantErr: `unknown argument "nope"`},
		{name: "unknown nested member", op: "CreateForecast", args: `{"cityId":"x","summary":"s","region":{"bogus":1}}`, wantErr: `unknown member "bogus"`},
		{name: "union with two members", op: "CreateForecast", args: `{"cityId":"x","summary":"s","source":{"station":"a","model":{}}}`, wantErr: "exactly one member"},
		{name: "bad timestamp", op: "CreateForecast", args: `{"cityId":"x","summary":"s","validFrom":"yesterday"}`, wantErr: "RFC 3339"},
		{name: "bad base64", op: "UploadReport", args: `{"key":"k","body":"!!"}`, wantErr: "not valid base64"},
		{name: "wrong label type", op: "GetCity", args: `{"cityId":5}`, wantErr: "must be a string"},
		{name: "empty label", op: "GetCity", args: `{"cityId":""}`, wantErr: "must not be empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var op *operation
			for _, o := range svc.ops {
				if o.name == tc.op {
					op = o
				}
			}
			var in map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tc.args), &in); err != nil {
				t.Fatal(err)
			}
			h, err := svc.Serialize(op, in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Serialize error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Serialize: %v", err)
			}
			got := want{Method: h.Method, Path: h.Path, Query: encodeQuery(h.Query), Header: h.Header, Body: string(h.Body), ContentType: h.ContentType}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestEndpoint(t *testing.T) {
	h := &HTTPRequest{Method: "GET", Path: "/cities/a%2Fb", Query: url.Values{"q": {"x y"}}, Header: http.Header{}}
	for _, tc := range []struct{ endpoint, want string }{
		{"https://weather.eu-west-1.amazonaws.com", "https://weather.eu-west-1.amazonaws.com/cities/a%2Fb?q=x%20y"},
		{"http://127.0.0.1:8080/base/", "http://127.0.0.1:8080/base/cities/a%2Fb?q=x%20y"},
	} {
		req, err := h.Request(context.Background(), tc.endpoint)
		if err != nil {
			t.Fatal(err)
		}
		if got := req.URL.String(); got != tc.want {
			t.Errorf("URL = %s, want %s", got, tc.want)
		}
	}
	if _, err := h.Request(context.Background(), "not a url"); err == nil {
		t.Error("Request with an invalid endpoint: no error")
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   string
	}{
		{"header type", 404, http.Header{"X-Amzn-Errortype": {"NoSuchResource:http://internal.amazon.com/"}}, `{"message":"no city"}`, "HTTP 404 Not Found: NoSuchResource: no city"},
		{"__type with namespace", 400, nil, `{"__type":"example.weather#ValidationException","Message":"bad"}`, "HTTP 400 Bad Request: ValidationException: bad"},
		{"code", 429, nil, `{"code":"ThrottlingException","message":"slow down"}`, "HTTP 429 Too Many Requests: ThrottlingException: slow down"},
		{"text body", 502, nil, `upstream gone`, "HTTP 502 Bad Gateway: upstream gone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tc.status, Header: tc.header}
			if resp.Header == nil {
				resp.Header = http.Header{}
			}
			if got := errorText(resp, []byte(tc.body)); got != tc.want {
				t.Errorf("errorText = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNewToken(t *testing.T) {
	a, b := newToken(), newToken()
	if len(a) != 36 || a[14] != '4' || a == b {
		t.Errorf("newToken = %q, %q; want two different version 4 UUIDs", a, b)
	}
}
