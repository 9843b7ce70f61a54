package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/spf13/cobra"
	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/authn/jwtauth"
)

func newTokenCmd() *cobra.Command {
	var conn connFlags
	cmd := &cobra.Command{Use: "token", Short: "Inspect inbound bearer tokens"}
	conn.register(cmd)
	var gateway, token string
	check := &cobra.Command{
		Use:   "check --gateway ID [--token T | < token]",
		Short: "Run every check of a gateway's authorizer on a token and say how to fix what fails",
		Long: `Decodes the token without trusting it, fetches the gateway's authorizer
configuration through the control plane and its identity provider's keys, and
runs every check the gateway runs (signature, issuer, times, audience, client,
scopes, custom claims), printing each result and the fix for each failure.
Exits 0 when the gateway would accept the token, 1 otherwise. Only the
registered claims are shown; other claim values stay private.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if token == "" {
				b, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 1<<20))
				if err != nil {
					return err
				}
				token = strings.TrimSpace(string(b))
			}
			token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(token), "Bearer "))
			if token == "" {
				return errors.New("no token: pass --token or pipe it on stdin")
			}
			c, err := conn.client(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			gw, err := c.GetGateway(cmd.Context(), &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: aws.String(gateway)})
			if err != nil {
				return conn.explain(err)
			}
			report, err := checkToken(cmd.Context(), gw, token)
			if err != nil {
				return err
			}
			printReport(cmd.OutOrStdout(), report)
			if !report.OK() {
				return errSilentFailure
			}
			return nil
		},
	}
	check.Flags().StringVar(&gateway, "gateway", "", "gateway id")
	check.Flags().StringVar(&token, "token", "", "the token (default: read from stdin, which keeps it out of shell history)")
	check.MarkFlagRequired("gateway")
	cmd.AddCommand(check)
	return cmd
}

// errSilentFailure makes Main exit 1 without printing an error: the
// command has already said what is wrong.
var errSilentFailure = errors.New("")

// checkToken runs the gateway's checks locally, fetching the IdP's keys
// from this machine (the same documents the gateway fetches).
func checkToken(ctx context.Context, gw *bedrockagentcorecontrol.GetGatewayOutput, token string) (jwtauth.Report, error) {
	mode, ok := jwtauth.ModeFor(agentcore.AuthorizerType(gw.AuthorizerType))
	if !ok {
		return jwtauth.Report{}, fmt.Errorf("gateway %s uses authorizerType %s, which does not take bearer tokens", aws.ToString(gw.GatewayId), gw.AuthorizerType)
	}
	member, ok := gw.AuthorizerConfiguration.(*types.AuthorizerConfigurationMemberCustomJWTAuthorizer)
	if !ok {
		return jwtauth.Report{}, fmt.Errorf("gateway %s has no customJWTAuthorizer configuration", aws.ToString(gw.GatewayId))
	}
	keys := jwtauth.NewKeySets(ctx, jwtauth.KeySetOptions{HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	defer keys.Close()
	a, err := jwtauth.New(keys, jwtConfig(member.Value), jwtauth.Options{Mode: mode})
	if err != nil {
		return jwtauth.Report{}, err
	}
	return a.Check(ctx, token), nil
}

// jwtConfig converts the SDK's shape of the authorizer configuration into
// the wire shape jwtauth reads.
func jwtConfig(v types.CustomJWTAuthorizerConfiguration) agentcore.CustomJWTAuthorizerConfiguration {
	c := agentcore.CustomJWTAuthorizerConfiguration{
		DiscoveryURL:           v.DiscoveryUrl,
		AllowedAudience:        v.AllowedAudience,
		AllowedClients:         v.AllowedClients,
		AllowedScopes:          v.AllowedScopes,
		AdvertisedScopeMapping: v.AdvertisedScopeMapping,
	}
	for _, cc := range v.CustomClaims {
		rule := agentcore.CustomClaimValidationType{
			InboundTokenClaimName:      cc.InboundTokenClaimName,
			InboundTokenClaimValueType: agentcore.InboundTokenClaimValueType(cc.InboundTokenClaimValueType),
		}
		if m := cc.AuthorizingClaimMatchValue; m != nil {
			match := &agentcore.AuthorizingClaimMatchValue{ClaimMatchOperator: agentcore.ClaimMatchOperatorType(m.ClaimMatchOperator), ClaimMatchValue: &agentcore.ClaimMatchValue{}}
			switch mv := m.ClaimMatchValue.(type) {
			case *types.ClaimMatchValueTypeMemberMatchValueString:
				match.ClaimMatchValue.MatchValueString = aws.String(mv.Value)
			case *types.ClaimMatchValueTypeMemberMatchValueStringList:
				match.ClaimMatchValue.MatchValueStringList = mv.Value
			}
			rule.AuthorizingClaimMatchValue = match
		}
		c.CustomClaims = append(c.CustomClaims, rule)
	}
	return c
}

func printReport(w io.Writer, r jwtauth.Report) {
	h, c := r.Header, r.Claims
	fmt.Fprintf(w, "token header:  alg=%s kid=%s typ=%s\n", orDash(h.Alg), orDash(h.Kid), orDash(h.Typ))
	fmt.Fprintf(w, "token claims:  iss=%s\n", orDash(c.Issuer))
	fmt.Fprintf(w, "               sub=%s %s=%s aud=%s\n", orDash(c.Subject), orDefault(c.ClientIDClaim, "client_id"), orDash(c.ClientID), orDash(strings.Join(c.Audience, ",")))
	fmt.Fprintf(w, "               scope=%s token_use=%s\n", orDash(strings.Join(c.Scopes, " ")), orDash(c.TokenUse))
	if !c.ExpiresAt.IsZero() {
		fmt.Fprintf(w, "               exp=%s (%s)\n", c.ExpiresAt.UTC().Format(time.RFC3339), relative(c.ExpiresAt))
	}
	fmt.Fprintf(w, "               claims present: %s\n\n", strings.Join(c.Names, ", "))
	for _, ck := range r.Checks {
		mark := "✓"
		switch {
		case ck.Skipped:
			mark = "-"
		case !ck.OK:
			mark = "✗"
		}
		fmt.Fprintf(w, "%s %-16s %s\n", mark, ck.Name, ck.Detail)
		if !ck.OK && !ck.Skipped && ck.Fix != "" {
			fmt.Fprintf(w, "  %-16s fix: %s\n", "", ck.Fix)
		}
	}
	if r.OK() {
		fmt.Fprintln(w, "\nthe gateway accepts this token")
	} else {
		fmt.Fprintf(w, "\nthe gateway refuses this token (%s): %s\n", r.Failure.Kind, r.Failure.Diagnosis)
	}
}

func orDash(s string) string { return orDefault(s, "-") }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func relative(t time.Time) string {
	d := time.Until(t).Round(time.Second)
	if d < 0 {
		return "expired " + (-d).String() + " ago"
	}
	return "expires in " + d.String()
}
