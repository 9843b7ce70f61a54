// Package openapi is the OpenAPI target kind: it turns an OpenAPI 3.0 or 3.1
// document (the inlinePayload of a gateway target, JSON or YAML) into MCP
// tools, one per operation, and calls them over HTTP.
//
// Convert is pure and deterministic (golden-tested); it runs when a target's
// configuration changes. Open prepares the result for calls; Call, the hot
// path, only decodes arguments, writes the request and shapes the response.
// Swagger 2.0, relative or non-http(s) server URLs, and documents that yield
// no tool are errors; everything else that is left out or changed is a
// target.Warning naming the operation ("GET /pets/{id}") and the reason.
//
// # Tool names
//
// A tool is named by its operationId (AgentCore does the same; the gateway
// prefixes "{targetName}___"). Operations without one are skipped. Characters
// outside [A-Za-z0-9_.-] are replaced by "_" instead of the operation being
// skipped: every operationId of GitHub's REST description has a "/"
// ("repos/get" becomes "repos_get"), and skipping would leave no tool; one
// warning summarises the renames. A name that is already taken (a duplicate
// operationId or a rename that collides) skips the later operation in the
// visiting order: paths sorted bytewise, then GET PUT POST DELETE OPTIONS
// HEAD PATCH (kin-openapi does not keep the document's order). Names longer
// than 60 characters are kept with a warning (with the shortest prefix they
// exceed the 64 characters many LLM APIs accept); longer than 124 they are
// skipped (MCP's limit is 128 with the prefix).
//
// # Arguments
//
// The input schema is an object whose properties are the path, query and
// header parameters by name, then the request body as "body". Path
// parameters are always required; others when the document says so.
// Argument names must suit LLM APIs, so characters outside [A-Za-z0-9_.-]
// become "_" (a query parameter "filter[status]" is the argument
// "filter_status_"). Collisions are resolved in a fixed order: path, then
// query, then header parameters claim names (each in declaration order,
// path-item parameters before the operation's); a parameter whose name is
// taken becomes "{in}_{name}" ("query_id"), then "{in}_{name}_2", ...; the
// body becomes "requestBody" when a parameter is named "body". Each rename
// is a warning. Header parameters named Accept, Content-Type or
// Authorization are ignored, as the OpenAPI specification requires; cookie
// parameters and the label and matrix styles are not supported (an optional
// one is dropped, a required one skips the operation).
//
// Request bodies are sent as application/json, else the first *+json media
// type, else application/x-www-form-urlencoded; an optional body of another
// type is dropped, a required one skips the operation.
//
// # Schemas
//
// Schemas are emitted as JSON Schema 2020-12 with $refs expanded inline:
// several MCP clients and LLM APIs ignore or reject $ref/$defs, and a tool's
// schema should stand alone. A recursive schema is expanded once; where it
// recurs it is cut to its type plus a description (and a warning), so
// conversion always terminates and the upstream still validates. An
// expansion budget (1 MiB per schema) stops specs whose shared $refs would
// expand exponentially. Unresolvable $refs (missing components, other files,
// URLs: Convert does no I/O) become "any value" with a warning, or skip the
// operation when a whole parameter or request body is missing.
//
// oneOf/anyOf/allOf, enum, const, format, default, items, additionalProperties,
// bounds and the other validation keywords are kept. OpenAPI 3.0's nullable
// becomes a type array (or anyOf with null next to allOf/oneOf), boolean
// exclusiveMinimum/Maximum become numeric bounds, example becomes examples;
// discriminator, xml, externalDocs, x- extensions and $id/$anchor/$defs are
// dropped. readOnly properties are left out of requests and writeOnly ones
// out of responses. The output schema is that of the first 2xx response
// with a JSON body, when it is an object (its root is typed "object", as MCP
// requires); otherwise there is none.
//
// # Calls
//
// Path parameters are percent-escaped as one path segment ("/" included, and
// "." and ".." too, so a value cannot climb the path); query parameters are
// written as their text (strings unquoted, numbers and booleans as JSON),
// arrays as repeated keys (form, explode) or joined (explode false,
// spaceDelimited, pipeDelimited), objects per deepObject or form; header
// values with control characters are refused. A 2xx response becomes one
// text content (and, when the body is a JSON object, structuredContent);
// an empty one says "HTTP 204 No Content". Other statuses are errors with at
// most 2 KiB of the body. Unreachable upstreams, timeouts and credential
// failures are errors with a generic message naming the tool; with
// CallInfo.Debug the cause is added (and put in _meta.debug, as AgentCore
// does), without the URL's query and with the injector's values scrubbed.
// At most 10 MiB of a response is read.
//
// # Library: kin-openapi
//
// Measured on GitHub's REST description (@octokit/openapi 23.0.2,
// api.github.com.json: 13 MB, OpenAPI 3.0.3, 1,223 operations), parsing,
// resolving and walking every operation's schemas, on the 2-core machine:
//
//	                          time    allocated   live heap   max RSS
//	kin-openapi v0.152.0      1.7 s   387 MB       56 MB      177 MB
//	libopenapi  v0.38.0       1.7 s   1241 MB     302 MB      595 MB
//
// Both read 3.1 (type arrays, const, numeric exclusive bounds, $ref with
// siblings, webhooks). kin-openapi is chosen for a third of the allocation
// and a fifth of the memory at equal speed, a plain resolved struct graph
// (libopenapi builds schemas lazily behind proxies and logs to the default
// slog logger), and being already a dependency. Neither tolerates an
// unresolvable $ref, hence the repair pass in load.go. 1.5 s of kin's time
// is its JSON decoding (each level re-decodes its subtree to collect
// extensions); a full conversion of this spec (BenchmarkConvertGitHub)
// takes 2.0 s and allocates 440 MB, fine off the hot path; at that rate an
// inline payload at AgentCore's 1 MB quota takes about 0.15 s.
//
// Per call, BenchmarkCallViaTarget against BenchmarkCallDirect (the same
// GET with a plain http.Client, loopback upstream) measures 31 µs against
// 25 µs, 112 against 82 allocations: the target keeps about 0.8 of the
// direct throughput.
package openapi
