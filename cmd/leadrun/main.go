// Command leadrun scores LinkedIn leads with AI for many clients in tracked batch runs.
// This is the only package that wires storage, the job engine and the scorers together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "time/tzdata" // timezones validate without system zoneinfo

	"github.com/alecthomas/kong"
	"golang.org/x/term"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/mirror"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/scoring/breaker"
	"github.com/leadrun/leadrun/scoring/openai"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
)

// Exit codes, documented in the README.
const (
	exitError       = 1   // anything that went wrong
	exitUsage       = 2   // bad flags or arguments (kong)
	exitStreamBusy  = 3   // the stream already has an active run
	exitRunFailed   = 4   // --wait: the run ended failed, cancelled or abandoned
	exitInterrupted = 130 // a second SIGINT/SIGTERM: stopped without waiting
)

// CLI is the command line. Every flag has a LEADRUN_… environment variable.
type CLI struct {
	Globals
	AirtableCommands

	Status  StatusCmd  `cmd:"" help:"What needs a person across all clients and streams (failing provider, missing rubric, budget, failed leads, …), with the command for each."`
	Demo    DemoCmd    `cmd:"" help:"Load sample clients and leads, run stream 1 (rules scorer unless LEADRUN_SCORER says otherwise) and print the summary."`
	Migrate MigrateCmd `cmd:"" help:"Create or upgrade the database schema."`
	Run     RunCmd     `cmd:"" help:"Start a tracked smart-resume run for a stream."`
	Runs    RunsCmd    `cmd:"" help:"List, show, cancel and report runs."`
	Clients ClientsCmd `cmd:"" help:"Add, list and show clients."`
	Rubric  RubricCmd  `cmd:"" help:"Import or export a client's rubric (YAML or JSON)."`
	Leads   LeadsCmd   `cmd:"" help:"Import leads (CSV or JSON, deduplicated by profile URL)."`
	Import  ImportCmd  `cmd:"" help:"Move an agency off the original Airtable platform (clients, rubrics, leads with their scores)."`
	Rescore RescoreCmd `cmd:"" help:"Preview the current rubric on a sample of scored leads (old → new → delta), saving nothing."`
	Worker  WorkerCmd  `cmd:"" help:"Work queued runs until stopped (SIGINT/SIGTERM)."`
	Serve   ServeCmd   `cmd:"" help:"Work runs and answer HTTP: the dashboard, the cron webhook, the JSON API, Linked Helper ingestion, /healthz, /readyz, /metrics."`
	Bench   BenchCmd   `cmd:"" help:"Benchmark end-to-end scoring against a plain UPDATE loop."`
	Check   CheckCmd   `cmd:"" help:"Check the configured AI provider with one minimal request."`
	Help    HelpCmd    `cmd:"" help:"Show the help of leadrun or of a command: leadrun help runs report."`
	Tokens  TokensCmd  `cmd:"" help:"Named API tokens: add (printed once), list, revoke; the API records what each does as api:NAME."`
}

// Globals are flags every command takes.
type Globals struct {
	DB        string `name:"db" env:"LEADRUN_DATABASE_URL" default:"sqlite://./leadrun.db" help:"Database URL: sqlite://PATH or postgres://USER@HOST:PORT/DB."`
	LogFormat string `env:"LEADRUN_LOG_FORMAT" enum:"auto,json,text" default:"auto" help:"Log format: json, text, or auto (text on a terminal)."`
	LogLevel  string `env:"LEADRUN_LOG_LEVEL" enum:"debug,info,warn,error" default:"warn" help:"Minimum log level (debug, info, warn, error)."`
	AirtableFlags
}

// RunnerFlags tune the job runner for commands that work runs.
type RunnerFlags struct {
	Workers     int           `env:"LEADRUN_WORKERS" default:"4" help:"Operations worked at once by this process."`
	ChunkSize   int           `env:"LEADRUN_CHUNK_SIZE" default:"40" help:"Leads per scorer call."`
	MaxAttempts int           `env:"LEADRUN_MAX_ATTEMPTS" default:"3" help:"Tries per lead before it stays failed."`
	StaleAfter  time.Duration `env:"LEADRUN_STALE_AFTER" default:"2m" help:"Abandon an operation whose worker has not sent a heartbeat for this long."`
	OpTimeout   time.Duration `env:"LEADRUN_OPERATION_TIMEOUT" default:"2h" help:"Time limit of one (run, client, operation)."`
	RulesDelay  time.Duration `env:"LEADRUN_RULES_DELAY" default:"0s" help:"Simulated latency per rules-scorer call (to rehearse AI timing)."`

	Scorer            string        `env:"LEADRUN_SCORER" enum:"rules,openai" default:"rules" help:"Scorer: rules (offline, deterministic) or openai (any OpenAI-compatible server)."`
	OpenAIBaseURL     string        `name:"openai-base-url" env:"LEADRUN_OPENAI_BASE_URL" default:"https://api.openai.com/v1" help:"Chat-completions base URL (OpenAI, Gemini, Ollama, vLLM, llama.cpp)."`
	OpenAIModel       string        `name:"openai-model" env:"LEADRUN_OPENAI_MODEL" help:"Model name, e.g. gpt-4o-mini."`
	OpenAIConcurrency int           `name:"openai-concurrency" env:"LEADRUN_OPENAI_CONCURRENCY" default:"4" help:"AI calls in flight at once (fair across clients)."`
	OpenAITimeout     time.Duration `name:"openai-timeout" env:"LEADRUN_OPENAI_TIMEOUT" default:"60s" help:"Time limit of one AI call."`
	OpenAIRPM         int           `name:"openai-rpm" env:"LEADRUN_OPENAI_RPM" help:"Requests per minute (0 = unlimited)."`
	OpenAITPM         int           `name:"openai-tpm" env:"LEADRUN_OPENAI_TPM" help:"Tokens per minute (0 = unlimited)."`
	OpenAIPrices      string        `name:"openai-prices" env:"LEADRUN_OPENAI_PRICES" help:"Price table for cost estimates, dollars per million tokens: MODEL=PROMPT/COMPLETION;… e.g. gpt-4o-mini=0.15/0.60"`
	OpenAIMaxBody     int64         `name:"openai-max-response-bytes" env:"LEADRUN_OPENAI_MAX_RESPONSE_BYTES" default:"4194304" help:"Largest AI answer accepted, in bytes; a longer one is a provider failure."`
	BreakerThreshold  int           `name:"openai-breaker-threshold" env:"LEADRUN_OPENAI_BREAKER_THRESHOLD" default:"5" help:"Consecutive provider failures (after retries) that open the circuit breaker; 401/403/404 open it at once."`
	BreakerCoolDown   time.Duration `name:"openai-breaker-cooldown" env:"LEADRUN_OPENAI_BREAKER_COOLDOWN" default:"30s" help:"How long an open breaker refuses calls before one probe call."`
}

func (f RunnerFlags) config() runner.Config {
	return runner.Config{Workers: f.Workers, ChunkSize: f.ChunkSize, MaxAttempts: f.MaxAttempts,
		StaleAfter: f.StaleAfter, OperationTimeout: f.OpTimeout}
}

// scorer builds the configured scorer. The API key comes only from the environment
// (LEADRUN_OPENAI_API_KEY) or a file (LEADRUN_OPENAI_API_KEY_FILE), never from a flag.
func (f RunnerFlags) scorer(logger *slog.Logger, observe func(time.Duration, string)) (leadrun.Scorer, error) {
	if f.Scorer != "openai" {
		return rules.New(rules.Options{Delay: f.RulesDelay}), nil
	}
	key, err := secretFromEnv("LEADRUN_OPENAI_API_KEY")
	if err != nil {
		return nil, err
	}
	prices, err := parsePrices(f.OpenAIPrices)
	if err != nil {
		return nil, err
	}
	return openai.New(openai.Config{BaseURL: f.OpenAIBaseURL, Model: f.OpenAIModel, APIKey: key,
		Timeout: f.OpenAITimeout, Concurrency: f.OpenAIConcurrency, RequestsPerMinute: f.OpenAIRPM,
		TokensPerMinute: f.OpenAITPM, Prices: prices, ObserveCall: observe, MaxResponseBytes: f.OpenAIMaxBody,
		Logger:  logger,
		Breaker: breaker.New(breaker.Config{Threshold: f.BreakerThreshold, CoolDown: f.BreakerCoolDown})})
}

// parsePrices reads "MODEL=PROMPT/COMPLETION;…" in dollars per million tokens.
func parsePrices(s string) (map[string]openai.Price, error) {
	prices := map[string]openai.Price{}
	for _, entry := range strings.Split(s, ";") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		model, rates, ok := strings.Cut(entry, "=")
		in, out, ok2 := strings.Cut(rates, "/")
		p, err1 := strconv.ParseFloat(strings.TrimSpace(in), 64)
		c, err2 := strconv.ParseFloat(strings.TrimSpace(out), 64)
		if !ok || !ok2 || err1 != nil || err2 != nil || p < 0 || c < 0 || strings.TrimSpace(model) == "" {
			return nil, leadrun.Errorf(leadrun.EINVALID, "price %q: write MODEL=PROMPT/COMPLETION in dollars per million tokens, e.g. gpt-4o-mini=0.15/0.60", entry)
		}
		prices[strings.TrimSpace(model)] = openai.Price{PromptPerMillion: p, CompletionPerMillion: c}
	}
	return prices, nil
}

// secretFromEnv reads a secret from the variable NAME or from the file named by NAME_FILE
// (not both). Secrets have no defaults and are never taken from flags.
func secretFromEnv(name string) (string, error) {
	value, file := os.Getenv(name), os.Getenv(name+"_FILE")
	if value != "" && file != "" {
		return "", leadrun.Errorf(leadrun.EINVALID, "set %s or %s_FILE, not both", name, name)
	}
	if file == "" {
		return value, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", leadrun.Errorf(leadrun.EINVALID, "read %s_FILE: %v", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// app is what commands share: output streams, the logger and the open database.
type app struct {
	Globals
	out, errOut io.Writer
	log         *slog.Logger
	db          *sqldb.DB
	observeAI   func(time.Duration, string) // set by serve: AI call latencies for /metrics
	scorer      leadrun.Scorer              // the scorer newRunner built
	mayCreate   bool                        // a missing SQLite file may be created (demo, migrate, bench)
	mirror      *mirror.Mirror              // the Airtable mirror, once built (nil when off)
}

// open opens and migrates the database once.
func (a *app) open(ctx context.Context) (*sqldb.DB, error) {
	if a.db != nil {
		return a.db, nil
	}
	if !a.mayCreate {
		if err := checkSQLiteExists(a.DB); err != nil {
			return nil, err
		}
	}
	db, err := sqldb.Open(ctx, a.DB, sqldb.Options{})
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, a.log); err != nil {
		db.Close()
		return nil, err
	}
	a.db = db
	return db, nil
}

// newRunner builds the runner; schedule ("STREAM=CRON;…") is only for long-running
// processes (serve, worker).
func (a *app) newRunner(ctx context.Context, f RunnerFlags, schedule ...string) (*runner.Runner, error) {
	db, err := a.open(ctx)
	if err != nil {
		return nil, err
	}
	scorer, err := f.scorer(a.log, a.observeAI)
	if err != nil {
		return nil, err
	}
	a.scorer = scorer
	cfg := f.config()
	// A Slack-style webhook URL holds a secret: environment or file only.
	if cfg.AlertWebhookURL, err = secretFromEnv("LEADRUN_ALERT_WEBHOOK_URL"); err != nil {
		return nil, err
	}
	if len(schedule) > 0 {
		if cfg.Schedules, err = runner.ParseSchedules(schedule[0]); err != nil {
			return nil, err
		}
	}
	m, err := a.airtableMirror(ctx)
	if err != nil {
		return nil, err
	}
	if m != nil {
		cfg.Extensions = append(cfg.Extensions, m)
	}
	return runner.New(db, scorer, a.log, cfg)
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "text" || (format == "auto" && isTerminal(w)) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, runs the command and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	var cli CLI
	exited := -1 // kong asks to exit after --help; run returns instead, so tests can call it
	parser, err := kong.New(&cli, kong.Name("leadrun"),
		kong.Description("leadrun scores LinkedIn leads with AI for many clients in tracked batch runs."),
		kong.UsageOnError(), kong.Writers(stdout, stderr), kong.Exit(func(code int) {
			if exited < 0 {
				exited = code
			}
		}))
	if err != nil {
		fmt.Fprintln(stderr, "leadrun:", err)
		return exitError
	}
	kctx, err := parser.Parse(helpArgs(args))
	if exited >= 0 {
		return exited
	}
	if err != nil {
		fmt.Fprintln(stderr, "leadrun:", err)
		return exitUsage
	}
	ctx, stop := gracefulContext(stderr)
	defer stop()
	a := &app{Globals: cli.Globals, out: stdout, errOut: stderr, log: newLogger(stderr, cli.LogFormat, cli.LogLevel),
		mayCreate: mayCreateDB(kctx.Command())}
	defer func() {
		if a.db != nil {
			a.db.Close()
		}
	}()
	kctx.BindTo(ctx, (*context.Context)(nil))
	err = kctx.Run(a)
	return exitCode(stderr, err)
}

func exitCode(stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	var busy *leadrun.StreamBusyError
	var failed *runEndedError
	switch {
	case errors.As(err, &busy):
		fmt.Fprintf(stderr, "leadrun: %s\n", busy.Error())
		return exitStreamBusy
	case errors.As(err, &failed):
		fmt.Fprintf(stderr, "leadrun: %s\n", failed.Error())
		return exitRunFailed
	case leadrun.ErrorCode(err) != leadrun.EINTERNAL:
		fmt.Fprintf(stderr, "leadrun: %s\n", leadrun.ErrorMessage(err))
	default:
		fmt.Fprintf(stderr, "leadrun: %v\n", err)
	}
	return exitError
}

// runEndedError reports a waited-for run that did not complete.
type runEndedError struct{ run *leadrun.Run }

func (e *runEndedError) Error() string {
	return fmt.Sprintf("run %s ended %s: %s", e.run.ID, e.run.Status, e.run.StatusReason)
}

// gracefulContext ends on the first SIGINT or SIGTERM (work stops gracefully: in-flight
// chunks commit, operations are handed over); a second signal exits at once.
func gracefulContext(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			fmt.Fprintln(stderr, "leadrun: second signal: exiting now without waiting")
			os.Exit(exitInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}
