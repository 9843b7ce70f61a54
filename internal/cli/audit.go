package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/toolgate/toolgate/internal/audit"
)

// auditFilters are the filters audit query and audit tail share.
type auditFilters struct {
	principal, event, gateway string
	errors, json              bool
}

func (f *auditFilters) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.principal, "principal", "", "only calls by this principal: ARN, access key id, JWT sub or client_id")
	fl.StringVar(&f.event, "event", "", "only these events: a name (CreateGateway, CallTool, InvokeGateway) or a pattern with * (\"*Gateway*\")")
	fl.StringVar(&f.gateway, "gateway", "", "only events of this gateway (id or ARN)")
	fl.BoolVar(&f.errors, "errors", false, "only failures: errors, denials, refused requests, failed tool calls")
	fl.BoolVar(&f.json, "json", false, "print each event as one line of CloudTrail-shaped JSON")
}

func (f *auditFilters) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("principal", f.principal)
	set("event", f.event)
	set("gateway", f.gateway)
	if f.errors {
		v.Set("errorsOnly", "true")
	}
	return v
}

func newAuditCmd() *cobra.Command {
	var conn connFlags
	cmd := &cobra.Command{Use: "audit", Short: "Read the audit trail: one event per control-plane call and per tool call, tool list or refused request"}
	conn.register(cmd)

	var qf auditFilters
	var since, until string
	var limit int
	query := &cobra.Command{
		Use:   "query [--since 1h|RFC3339] [--until …] [--principal P] [--event E] [--errors] [--gateway G]",
		Short: "List recorded events, oldest first",
		Example: `  toolgate audit query --since 24h --errors
  toolgate audit query --principal arn:aws:iam::123456789012:user/ci --event 'Create*'
  toolgate audit query --gateway my-gw-abc123 --event CallTool --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := qf.values()
			now := time.Now()
			for _, b := range []struct{ flag, value string }{{"since", since}, {"until", until}} {
				if b.value == "" {
					continue
				}
				t, err := audit.ParseTime(b.value, now)
				if err != nil {
					return fmt.Errorf("--%s: %w", b.flag, err)
				}
				v.Set(b.flag, t.UTC().Format(time.RFC3339Nano))
			}
			if limit < 0 {
				return errors.New("--limit must be 0 (every match) or more")
			}
			return runAuditQuery(cmd, &conn, v, limit, qf.json)
		},
	}
	query.Flags().StringVar(&since, "since", "1h", "oldest event: a duration back from now (90m, 24h, 7d) or an RFC 3339 time")
	query.Flags().StringVar(&until, "until", "", "end (exclusive): a duration back from now or an RFC 3339 time (default: now)")
	query.Flags().IntVar(&limit, "limit", 0, "print at most this many events (0: every match)")
	qf.register(query)

	var tf auditFilters
	tail := &cobra.Command{
		Use:   "tail [--event E] [--principal P] [--errors] [--gateway G]",
		Short: "Follow events as they are recorded (until interrupted)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAuditTail(cmd, &conn, tf.values(), tf.json)
		},
	}
	tf.register(tail)
	cmd.AddCommand(query, tail)
	return cmd
}

// runAuditQuery prints every page of GET /toolgate/audit/events.
func runAuditQuery(cmd *cobra.Command, conn *connFlags, v url.Values, limit int, asJSON bool) error {
	out := cmd.OutOrStdout()
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if !asJSON {
		fmt.Fprintln(tw, "TIME\tEVENT\tCALLER\tRESULT\tDETAILS")
	}
	printed := 0
	for {
		if limit > 0 {
			v.Set("limit", strconv.Itoa(min(limit-printed, audit.MaxQueryLimit)))
		} else {
			v.Set("limit", strconv.Itoa(audit.MaxQueryLimit))
		}
		resp, err := conn.extensionGet(cmd.Context(), cmd.ErrOrStderr(), "/audit/events", v)
		if err != nil {
			return err
		}
		var page struct {
			Events    []json.RawMessage `json:"events"`
			NextToken string            `json:"nextToken"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("read audit events: %w", err)
		}
		for _, raw := range page.Events {
			if err := printEvent(out, tw, raw, asJSON); err != nil {
				return err
			}
			printed++
		}
		if page.NextToken == "" || (limit > 0 && printed >= limit) {
			break
		}
		v.Set("nextToken", page.NextToken)
	}
	if asJSON {
		return nil
	}
	return tw.Flush()
}

// runAuditTail prints the events of GET /toolgate/audit/tail until the
// command's context ends (Ctrl-C) or the server goes away.
func runAuditTail(cmd *cobra.Command, conn *connFlags, v url.Values, asJSON bool) error {
	resp, err := conn.extensionGet(cmd.Context(), cmd.ErrOrStderr(), "/audit/tail", v)
	if err != nil {
		if cmd.Context().Err() != nil {
			return nil
		}
		return err
	}
	defer resp.Body.Close()
	out := cmd.OutOrStdout()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue // keep-alive
		}
		if err := printEvent(out, nil, line, asJSON); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil && cmd.Context().Err() == nil {
		return fmt.Errorf("audit tail: %w", err)
	}
	return nil
}

// printEvent writes one event: its JSON on one line, or a table row
// (tw != nil) or a plain line.
func printEvent(out io.Writer, tw *tabwriter.Writer, raw []byte, asJSON bool) error {
	if asJSON {
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return fmt.Errorf("bad event from the server: %w", err)
		}
		_, err := fmt.Fprintln(out, compact.String())
		return err
	}
	var e audit.Event
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("bad event from the server: %w", err)
	}
	cols := eventColumns(e)
	if tw != nil {
		_, err := fmt.Fprintln(tw, strings.Join(cols, "\t"))
		return err
	}
	_, err := fmt.Fprintln(out, strings.Join(cols, "  "))
	return err
}

// eventColumns are an event's TIME, EVENT, CALLER, RESULT and DETAILS.
func eventColumns(e audit.Event) []string {
	u := e.UserIdentity
	caller := "-"
	switch {
	case u.ARN != "":
		caller = u.ARN
	case u.Sub != "" || u.ClientID != "":
		caller = strings.TrimSpace(nonEmpty("sub=", u.Sub) + " " + nonEmpty("client_id=", u.ClientID))
	case u.AccessKeyID != "":
		caller = "key " + u.AccessKeyID + " (unauthenticated)"
	}
	result := "OK"
	d := e.AdditionalEventData
	switch {
	case e.ErrorCode != "":
		result = e.ErrorCode
	case d != nil && d.Outcome != "" && d.Outcome != audit.OutcomeSuccess:
		result = string(d.Outcome)
	}
	var details []string
	if d != nil {
		details = append(details, nonEmpty("gateway=", d.Gateway), nonEmpty("target=", d.Target), nonEmpty("tool=", d.Tool))
		if d.LatencyMs > 0 {
			details = append(details, strconv.FormatFloat(d.LatencyMs, 'f', -1, 64)+"ms")
		}
		if d.DroppedEvents > 0 {
			details = append(details, fmt.Sprintf("dropped=%d", d.DroppedEvents))
		}
	} else if len(e.Resources) > 0 {
		details = append(details, e.Resources[0].ARN)
	}
	if e.ErrorMessage != "" {
		msg := e.ErrorMessage
		if len(msg) > 160 {
			msg = msg[:160] + "…"
		}
		details = append(details, strconv.Quote(msg))
	}
	detail := strings.Join(strings.Fields(strings.Join(details, " ")), " ")
	if detail == "" {
		detail = "-"
	}
	return []string{e.EventTime.UTC().Format(time.RFC3339), e.EventName, caller, result, detail}
}

func nonEmpty(prefix, v string) string {
	if v == "" {
		return ""
	}
	return prefix + v
}

// extensionGet sends a SigV4-signed GET to toolgate's extension API and
// returns the successful response; errors carry the server's message.
func (c *connFlags) extensionGet(ctx context.Context, stderr io.Writer, path string, query url.Values) (*http.Response, error) {
	return c.extensionRequest(ctx, stderr, "GET", path, query, nil)
}
