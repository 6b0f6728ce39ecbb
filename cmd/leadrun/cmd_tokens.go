package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"
)

// TokensCmd groups the named API token commands.
type TokensCmd struct {
	Add    TokensAddCmd    `cmd:"" help:"Make a named API token and print it once; what it does through the API is recorded as api:NAME."`
	List   TokensListCmd   `cmd:"" help:"List the API tokens: names, when made, when last used (never the tokens)."`
	Revoke TokensRevokeCmd `cmd:"" help:"Revoke an API token: its next request is refused (401)."`
}

// TokensAddCmd makes a named API token.
type TokensAddCmd struct {
	Name string `arg:"" help:"The token's name, shown as who did what (api:NAME): 1-64 characters from a-z, 0-9, '.', '_', '-', e.g. zapier."`
}

// Run makes the token and prints it once.
func (c *TokensAddCmd) Run(ctx context.Context, a *app) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	token, _, err := db.CreateAPIToken(ctx, c.Name)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "New API token %s (shown once: only its hash is stored):\n%s\n\n"+
		"Use it as: Authorization: Bearer <token>. What it does is recorded as api:%s.\n"+
		"Revoke it with: leadrun tokens revoke %s\n", c.Name, token, c.Name, c.Name)
	return nil
}

// TokensListCmd lists the API tokens.
type TokensListCmd struct{}

// Run prints one line per token.
func (c *TokensListCmd) Run(ctx context.Context, a *app) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	tokens, err := db.FindAPITokens(ctx)
	if err != nil {
		return err
	}
	if len(tokens) == 0 {
		fmt.Fprintln(a.out, "No API tokens. Make one with: leadrun tokens add NAME")
		return nil
	}
	tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCREATED\tLAST USED")
	for _, t := range tokens {
		last := "never"
		if t.LastUsedAt != nil {
			last = t.LastUsedAt.Format(time.DateTime + " UTC")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Name, t.CreatedAt.Format(time.DateTime+" UTC"), last)
	}
	return tw.Flush()
}

// TokensRevokeCmd revokes an API token.
type TokensRevokeCmd struct {
	Name string `arg:"" help:"The token's name (leadrun tokens list)."`
}

// Run revokes the token.
func (c *TokensRevokeCmd) Run(ctx context.Context, a *app) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	if err := db.RevokeAPIToken(ctx, c.Name); err != nil {
		return err
	}
	fmt.Fprintf(a.out, "API token %s revoked: its next request is refused.\n", c.Name)
	return nil
}
