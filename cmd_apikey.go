package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

const apikeyUsage = `usage: beacon apikey create --name NAME [--per-minute N]   (N default 60; 0 = unlimited)
       beacon apikey revoke --prefix PREFIX
       beacon apikey list`

// apikeyCmd manages Open311 API keys for partner systems. create prints the
// new key as its last line (scripts read it from there); the key is not
// stored, only its hash, so it cannot be shown again.
func apikeyCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("apikey: no subcommand\n" + apikeyUsage)
	}
	fs := flag.NewFlagSet("apikey "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	name := fs.String("name", "", "")
	perMinute := fs.Int("per-minute", portal.DefaultAPIKeyPerMinute, "")
	prefix := fs.String("prefix", "", "")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		return errors.New("apikey: bad arguments\n" + apikeyUsage)
	}
	switch args[0] {
	case "create":
		if err := portal.ValidateAPIKey(*name, *perMinute); err != nil {
			return fmt.Errorf("apikey: --name or --per-minute: %w", err)
		}
	case "revoke":
		if !portal.ValidAPIKeyPrefix(*prefix) {
			return errors.New("apikey: --prefix must be the 8 characters after bk_ (see beacon apikey list)")
		}
	case "list":
	default:
		return fmt.Errorf("apikey: unknown subcommand %q\n%s", args[0], apikeyUsage)
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	// Keys are managed by whoever runs the command on the server; the audit
	// log records that it came from the command line.
	actor := portal.AuditEntry{Details: map[string]string{"via": "command line"}}
	switch args[0] {
	case "create":
		key, secret, err := store.CreateAPIKey(ctx, *name, *perMinute, actor)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Created API key %q (prefix %s), %s.\n", key.Name, key.Prefix, perMinuteText(key.PerMinute))
		fmt.Fprintln(stdout, "Give the partner this key now: only its hash is kept, so it cannot be shown again.")
		fmt.Fprintln(stdout, secret)
		return nil
	case "revoke":
		key, err := store.RevokeAPIKey(ctx, *prefix, actor)
		if errors.Is(err, portal.ErrNotFound) {
			return fmt.Errorf("apikey: no working key has the prefix %s", *prefix)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Revoked API key %q (prefix %s): it stops working at once.\n", key.Name, key.Prefix)
		return nil
	}
	return listAPIKeys(ctx, store, stdout)
}

func listAPIKeys(ctx context.Context, store *db.Store, stdout io.Writer) error {
	keys, err := store.APIKeys(ctx)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		fmt.Fprintln(stdout, "No API keys.")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PREFIX\tNAME\tRATE LIMIT\tCREATED\tSTATUS")
	for _, k := range keys {
		status := "working"
		if !k.RevokedAt.IsZero() {
			status = "revoked " + k.RevokedAt.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Prefix, k.Name, perMinuteText(k.PerMinute),
			k.CreatedAt.UTC().Format("2006-01-02 15:04"), status)
	}
	return tw.Flush()
}

func perMinuteText(n int) string {
	if n == 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%d requests a minute", n)
}
