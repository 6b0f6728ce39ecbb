package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/web"
)

// ServeCmd is the production process: it works runs and answers HTTP (the cron webhook,
// the JSON API, health checks). Secrets: LEADRUN_WEBHOOK_SECRET and LEADRUN_ADMIN_TOKEN, or
// their _FILE variants.
type ServeCmd struct {
	RunnerFlags
	Listen        string        `env:"LEADRUN_LISTEN" default:"127.0.0.1:8080" help:"Address to listen on."`
	ShutdownGrace time.Duration `env:"LEADRUN_SHUTDOWN_GRACE" default:"30s" help:"On SIGTERM, how long requests and in-flight chunks may take to finish."`
	Schedule      string        `env:"LEADRUN_SCHEDULE" help:"Start runs on a schedule: STREAM=CRON (UTC, 5 fields), separated by ';', e.g. \"1=0 2 * * *;2=30 2 * * *\"."`
	SenderGuard   string        `name:"lh-sender-guard" env:"LEADRUN_LH_SENDER_GUARD" default:"warn" help:"Linked Helper items whose my_email is not the client's expected sender (clients set-sender): warn (store, count, log), block (drop, count, report in failed) or off."`
}

// validate checks the settings that kong does not, with messages naming the variables.
func (c *ServeCmd) validate() error {
	if !web.ValidSenderGuard(c.SenderGuard) || c.SenderGuard == "" {
		return leadrun.Errorf(leadrun.EINVALID, "LEADRUN_LH_SENDER_GUARD (--lh-sender-guard) is %q: use warn, block or off", c.SenderGuard)
	}
	return nil
}

// Run serves until SIGINT or SIGTERM.
func (c *ServeCmd) Run(ctx context.Context, a *app) error {
	if err := c.validate(); err != nil {
		return err
	}
	// Secrets only from the environment or files (never flags, never defaults).
	secret, err := secretFromEnv("LEADRUN_WEBHOOK_SECRET")
	if err != nil {
		return err
	}
	token, err := secretFromEnv("LEADRUN_ADMIN_TOKEN")
	if err != nil {
		return err
	}
	if err := checkSecretStrength("LEADRUN_WEBHOOK_SECRET", secret); err != nil {
		return err
	}
	if err := checkSecretStrength("LEADRUN_ADMIN_TOKEN", token); err != nil {
		return err
	}
	if secret == "" {
		fmt.Fprintln(a.errOut, "leadrun serve: LEADRUN_WEBHOOK_SECRET is not set: the cron webhook answers 503.")
	}
	if token == "" {
		fmt.Fprintln(a.errOut, "leadrun serve: LEADRUN_ADMIN_TOKEN is not set: the dashboard answers 503, and /api/v1 takes only named tokens (leadrun tokens add NAME).")
	}
	aiCalls := web.NewAICalls()
	a.observeAI = aiCalls.Observe
	r, err := a.newRunner(ctx, c.RunnerFlags, c.Schedule)
	if err != nil {
		return err
	}
	wcfg := web.Config{WebhookSecret: secret, AdminToken: token, Logger: a.log, AICalls: aiCalls,
		SenderGuard: c.SenderGuard}
	a.airtableWeb(&wcfg)
	srv, err := web.NewServer(a.db, r, wcfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return err
	}
	if err := r.Start(ctx); err != nil {
		return err
	}
	go a.preflight(ctx, a.scorer, "serve start")
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	fmt.Fprintf(a.errOut, "leadrun serve: http://%s on %s (dashboard at /); stop with Ctrl-C or SIGTERM.\n", ln.Addr(), a.db.URL())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownGrace)
	defer cancel()
	err = errors.Join(ignoreClosed(err), hs.Shutdown(sctx), r.Shutdown(sctx))
	return err
}

// MinSecretLength is the shortest admin token or webhook secret serve accepts: a shorter
// one could be guessed despite the login throttle.
const MinSecretLength = 16

// checkSecretStrength refuses a set secret shorter than MinSecretLength (unset is allowed:
// its routes answer 503), saying how to make a good one. The secret itself is never shown.
func checkSecretStrength(name, value string) error {
	if value == "" || len(value) >= MinSecretLength {
		return nil
	}
	return leadrun.Errorf(leadrun.EINVALID, "%s is %d characters long: use at least %d random characters, e.g. export %s=$(openssl rand -hex 32)",
		name, len(value), MinSecretLength, name)
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
