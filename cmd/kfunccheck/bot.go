// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/kfunccheck/kfunccheck/hooks/bot"
	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/checkrun"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// sourceFlag adds a list of one kind to the bot's lists, in the order
// given on the command line.
type sourceFlag struct {
	kind  string
	lists *[]bot.List
}

func (f sourceFlag) String() string {
	if f.lists == nil {
		return ""
	}
	var out []string
	for _, l := range *f.lists {
		if l.Kind == f.kind {
			out = append(out, l.Path)
		}
	}
	return strings.Join(out, ",")
}

// Type names the value in help and completion.
func (f sourceFlag) Type() string { return "PATH" }

// Set adds a list.
func (f sourceFlag) Set(v string) error {
	if v == "" {
		return errors.New("empty path")
	}
	*f.lists = append(*f.lists, bot.List{Kind: f.kind, Path: v})
	return nil
}

// botOpts are the values of the flags of "bot run" and "bot once".
type botOpts struct {
	policyFlags
	src                                         bot.Source
	since, state, from, operator, level, outbox *string
	smtpAddr, smtpSec, smtpCreds                *string
	pwURL, pwToken, pwTarget                    *string
	botConfig                                   *string
	interval, grace, resendAfter                *time.Duration
	send, pwHTTP, quiet                         *bool
	perHour, perDay, maxRcpt                    *int
	ccAllow, ccDeny                             listFlag
	labels, listAddresses                       []string
}

// newBotFlags defines the flags of "bot run" and "bot once".
func newBotFlags(fs *pflag.FlagSet) *botOpts {
	o := &botOpts{}
	fs.Var(sourceFlag{"inbox", &o.src.Lists}, "inbox", "public-inbox v2 directory (git/0.git, git/1.git, ...) of a list (repeatable)")
	fs.Var(sourceFlag{"mbox", &o.src.Lists}, "mbox", "an mbox the list server appends to (repeatable)")
	fs.Var(sourceFlag{"maildir", &o.src.Lists}, "maildir", "a Maildir the list server delivers to (repeatable)")
	fs.BoolVar(&o.src.Fetch, "fetch", false, "fetch each epoch of the inboxes from its configured remote first")
	o.since = fs.String("since", "", "replay messages dated on or after DATE (2006-01-02 or RFC 3339), or since an archive COMMIT")
	o.state = fs.String("state", "", "state file (SQLite)")
	o.interval = fs.Duration("interval", 5*time.Minute, "run: time between passes")
	o.grace = fs.Duration("grace", 6*time.Hour, "how long an incomplete series waits for its missing patches")
	o.from = fs.String("from", "kfunccheck bot <kfunccheck-bot@localhost>", "the bot's From: address")
	o.operator = fs.String("operator", "", "how to reach the bot's operator (reply footer)")
	o.level = fs.String("reply-level", "error", "lowest severity that earns a reply: error, warning or check")
	o.outbox = fs.String("outbox", "", "Maildir receiving every reply")
	o.send = fs.Bool("send", false, "deliver replies through SMTP (without it, replies only go to --outbox)")
	o.smtpAddr = fs.String("smtp", "", "SMTP server host:port")
	o.smtpSec = fs.String("smtp-security", "starttls", "starttls, tls (implicit) or none (loopback only)")
	o.smtpCreds = fs.String("smtp-credentials", "", "file with user:password (default: KFUNCCHECK_SMTP_USER/PASSWORD)")
	o.resendAfter = fs.Duration("resend-after", bot.DefaultResendAfter, "how long an interrupted delivery waits to show up in the archive before it is sent again")
	o.perHour = fs.Int("per-hour", 30, "replies per hour at most (0: no limit)")
	o.perDay = fs.Int("per-day", 200, "replies per day at most (0: no limit)")
	fs.Var(&o.ccAllow, "cc-allow", "only these addresses may receive a reply, besides the list (the sender and Cc's included)")
	fs.Var(&o.ccDeny, "cc-deny", "addresses that never receive a reply")
	o.maxRcpt = fs.Int("max-recipients", bot.DefaultMaxRecipients, "envelope recipients of a reply at most")
	fs.StringArrayVar(&o.listAddresses, "list-address", nil, "`ADDRESS` of a followed list: a reply to a series sent to it always goes to it, whatever --cc-allow, --cc-deny and --max-recipients say (repeatable; the file's [[list]] address does the same)")
	fs.StringArrayVar(&o.labels, "stable-label", nil, "PATH=LABEL: how replies name a stable list (default: its base name; never its path)")
	o.pwURL = fs.String("patchwork", "", "patchwork URL to post checks to")
	o.pwToken = fs.String("patchwork-token-file", "", "file holding the patchwork API token (default: KFUNCCHECK_PATCHWORK_TOKEN)")
	o.pwTarget = fs.String("patchwork-target", "", "target URL of the checks (e.g. the list archive)")
	o.pwHTTP = fs.Bool("patchwork-allow-http", false, "allow sending the patchwork token over plain http://")
	o.quiet = fs.BoolP("quiet", "q", false, "no progress line on a terminal")
	o.botConfig = fs.String("bot-config", "", "bot configuration file (TOML: lists and settings; flags override it)")
	o.policyFlags.add(fs, map[sharedFlag]string{
		flagConfig: "the bot configuration file is --bot-config",
		flagRepo:   "mail is judged against its HEAD, full pre-images through the patches' index lines",
	}, flagConfig, flagStableList, flagBTF, flagRepo)
	return o
}

const botLong = `--inbox, --mbox and --maildir repeat: one bot follows several lists with one
state file, and a series sent to several of them is judged and answered once.
--bot-config names the bot configuration file (TOML); --config stays the
policy file. A flag given on the command line overrides the file's
setting (a repeated one replaces the file's values); --inbox, --mbox and
--maildir given on the command line are followed as well, after the
file's lists.`

func (c *cli) newBotCmd() *cobra.Command {
	follow := func(use, short string) *cobra.Command {
		cmd := &cobra.Command{Use: use, Short: short, Long: short + ".\n\n" + botLong, Args: cobra.NoArgs}
		o := newBotFlags(cmd.Flags())
		completeValues(cmd, "reply-level", severityNames...)
		completeValues(cmd, "smtp-security", "starttls", "tls", "none")
		cmd.Run = func(cmd *cobra.Command, _ []string) {
			c.code = runBot(cmd.Name(), cmd.Flags(), o, c.stderr)
		}
		return cmd
	}
	return c.group("bot", "the mailing-list bot",
		follow("run (--inbox DIR | --mbox FILE | --maildir DIR | --bot-config FILE)... --state FILE [flags]", "follow the lists: a pass every --interval until stopped"),
		follow("once (--inbox DIR | --mbox FILE | --maildir DIR | --bot-config FILE)... --state FILE [flags]", "one pass over the lists"),
		c.newBotStatusCmd(),
		c.newBotCheckConfigCmd(),
	)
}

// runBot is "bot run" and "bot once" over the parsed command line; fs
// says which flags were given, which a configuration file does not
// override.
func runBot(kind string, fs *pflag.FlagSet, o *botOpts, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "kfunccheck bot: %v\n", err)
		return 2
	}
	file, auth, err := o.load(fs, stderr)
	if errors.Is(err, errReported) {
		return 2
	}
	if err != nil {
		return fail(err)
	}
	// The bot's policy is the operator's: a tree's policy file may only
	// tighten it, whatever --tree-policy says.
	opt, err := policyOptions(botPolicy(o.conf, o.stableLists, o.repo), nil, o.btf, stderr)
	if err != nil {
		return fail(err)
	}
	var sess *checkrun.Session
	if o.repo != "" {
		// Mail is judged against the tree at the repository's HEAD, and
		// by the history rules over its release tags. No
		// gitrepo.UseFastSHA1: the bot fetches archives with go-git and
		// keeps collision detection.
		if sess, err = checkrun.Attach(o.repo, opt, botWarn(stderr)); err != nil {
			return fail(fmt.Errorf("--repo: %w", err))
		}
		defer sess.Close()
		opt = sess.Options(opt)
	}
	cfg, err := o.config(file, auth, opt, sess, stderr)
	if err != nil {
		return fail(err)
	}
	store, err := bot.OpenStore(*o.state)
	if err != nil {
		return fail(err)
	}
	defer store.Close()
	b, err := bot.New(cfg, store)
	if err != nil {
		return fail(err)
	}
	if kind == "once" {
		if err := b.Once(o.src); err != nil {
			return fail(err)
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := b.Run(ctx, o.src, *o.interval); err != nil && ctx.Err() == nil {
		return fail(err)
	}
	return 0
}

// botWarn writes what the history rules could not do to the bot's log.
func botWarn(stderr io.Writer) func(string) {
	return func(msg string) { fmt.Fprintf(stderr, "kfunccheck bot: %s\n", msg) }
}

// errReported is a failure whose lines are already written.
var errReported = errors.New("the bot configuration file has problems (above)")

// load applies the --bot-config file under the flags given and checks
// that there is a state and a list to follow. It returns the file (nil
// without one) and the SMTP login it names.
func (o *botOpts) load(fs *pflag.FlagSet, stderr io.Writer) (*botFile, *botSMTPAuth, error) {
	var file *botFile
	var auth *botSMTPAuth
	if *o.botConfig != "" {
		f, probs := loadBotConfig(*o.botConfig)
		if len(probs) > 0 {
			for _, p := range probs {
				fmt.Fprintf(stderr, "kfunccheck bot: %s\n", p)
			}
			return nil, nil, errReported
		}
		var err error
		if auth, err = mergeBotConfig(fs, f, &o.src.Lists); err != nil {
			return nil, nil, err
		}
		file = f
	}
	if *o.state == "" {
		return nil, nil, errors.New("--state is required (or state in the --bot-config file)")
	}
	if len(o.src.Lists) == 0 {
		return nil, nil, errors.New("no list: give --inbox, --mbox or --maildir (each may repeat), or [[list]] in the --bot-config file")
	}
	if *o.since != "" {
		var inboxes []string
		for _, l := range o.src.Lists {
			if l.Kind == "inbox" {
				inboxes = append(inboxes, l.Path)
			}
		}
		if len(inboxes) == 0 {
			inboxes = []string{""}
		}
		// A commit names its time in whichever inbox holds it.
		var err error
		for _, in := range inboxes {
			if o.src.Since, err = parseSince(*o.since, in); err == nil {
				break
			}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("--since: %w", err)
		}
	}
	return file, auth, nil
}

// config turns the flags into the bot's configuration, with opt the
// global check options (a list of the file may have its own).
func (o *botOpts) config(file *botFile, auth *botSMTPAuth, opt patchcheck.Options, sess *checkrun.Session, stderr io.Writer) (bot.Config, error) {
	replyLevel, err := model.ParseSeverity(*o.level)
	if err != nil {
		return bot.Config{}, fmt.Errorf("--reply-level: %w", err)
	}
	stableLabels := map[string]string{}
	for _, l := range o.labels {
		path, label, ok := strings.Cut(l, "=")
		if !ok || path == "" || label == "" {
			return bot.Config{}, fmt.Errorf("--stable-label %q: want PATH=LABEL", l)
		}
		stableLabels[path] = label
	}
	if *o.maxRcpt < 1 {
		return bot.Config{}, errors.New("--max-recipients must be at least 1")
	}
	if *o.resendAfter <= 0 {
		return bot.Config{}, errors.New("--resend-after must be positive")
	}
	cfg := bot.Config{Check: opt, ReplyLevel: replyLevel, Grace: *o.grace, From: *o.from, Operator: *o.operator,
		MaxRecipients: *o.maxRcpt, StableLabels: stableLabels,
		PerHour: *o.perHour, PerDay: *o.perDay, ResendAfter: *o.resendAfter, Send: *o.send, Outbox: *o.outbox, Log: stderr}
	for _, a := range o.ccAllow {
		cfg.CcAllow = append(cfg.CcAllow, strings.ToLower(a))
	}
	for _, a := range o.ccDeny {
		cfg.CcDeny = append(cfg.CcDeny, strings.ToLower(a))
	}
	addresses := slices.Clone(o.listAddresses)
	if file != nil {
		for _, l := range file.Lists {
			addresses = append(addresses, l.Address)
		}
	}
	for _, a := range addresses {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" && !slices.Contains(cfg.ListAddresses, a) {
			cfg.ListAddresses = append(cfg.ListAddresses, a)
		}
	}
	if interactive(stderr) && !*o.quiet {
		// On a terminal a replay shows how far it has come, git-style;
		// the log lines keep their own lines above it.
		p := newBotProgress(stderr)
		cfg.Log, cfg.Progress = p, p.update
	}
	if cfg.ListCheck, err = botListChecks(file, o.conf, o.stableLists, o.btf, o.repo, sess, stderr); err != nil {
		return bot.Config{}, err
	}
	if *o.send {
		if *o.smtpAddr == "" {
			return bot.Config{}, errors.New("--send needs --smtp host:port")
		}
		user, pass, err := bot.LoadCredentials(*o.smtpCreds)
		if auth != nil {
			user, pass, err = auth.credentials()
		}
		if err != nil {
			return bot.Config{}, err
		}
		cfg.SMTP = bot.SMTPConfig{Addr: *o.smtpAddr, Security: *o.smtpSec, User: user, Password: pass}
	}
	if url := *o.pwURL; url != "" {
		token := os.Getenv("KFUNCCHECK_PATCHWORK_TOKEN")
		if *o.pwToken != "" {
			data, err := os.ReadFile(*o.pwToken)
			if err != nil {
				return bot.Config{}, fmt.Errorf("patchwork token: %w", err)
			}
			token = strings.TrimSpace(string(data))
		}
		if !strings.HasPrefix(strings.ToLower(url), "https://") && !*o.pwHTTP {
			return bot.Config{}, fmt.Errorf("--patchwork %s: the token goes over https:// only (--patchwork-allow-http to allow plain http)", url)
		}
		cfg.Patchwork = &bot.Patchwork{URL: url, Token: token, TargetURL: *o.pwTarget, AllowHTTP: *o.pwHTTP}
	}
	return cfg, nil
}

// parseSince reads a date, or an archive commit whose date is used.
// sinceDate reads --since as a date, in either layout it takes.
func sinceDate(v string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func parseSince(v, inbox string) (time.Time, error) {
	if t, ok := sinceDate(v); ok {
		return t, nil
	}
	if inbox == "" {
		return time.Time{}, fmt.Errorf("%q is not a date (2006-01-02 or RFC 3339)", v)
	}
	in := &gitrepo.Inbox{Dir: inbox}
	epochs, err := in.Epochs()
	if err != nil {
		return time.Time{}, err
	}
	for _, n := range epochs {
		ep, err := in.Epoch(n)
		if err != nil {
			return time.Time{}, err
		}
		when, err := ep.CommitTime(v)
		ep.Close()
		switch {
		case err == nil:
			return when, nil
		case !errors.Is(err, gitrepo.ErrNotFound):
			return time.Time{}, fmt.Errorf("%q in epoch %d: %w", v, n, err)
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither a date nor a commit of %s", v, inbox)
}

// botPolicy is where the bot's policy comes from: the operator's file
// (conf, or the defaults), which the policy of the repository the bot
// judges against (repo) may only tighten.
func botPolicy(conf string, stable []string, repo string) patchcheck.PolicyFrom {
	from := patchcheck.PolicyFrom{Config: conf, StableLists: stable, Tree: patchcheck.TreeTighten}
	if repo != "" {
		from.Trees = []string{repo}
	}
	return from
}
