// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kfunccheck/kfunccheck/hooks/bot"
	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/history"
	"github.com/kfunccheck/kfunccheck/patchcheck/kindex"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

const botUsage = `usage:
  kfunccheck bot run  (--inbox DIR | --mbox FILE | --maildir DIR)... --state FILE [flags]   follow the lists
  kfunccheck bot once (--inbox DIR | --mbox FILE | --maildir DIR)... --state FILE [flags]   one pass
--inbox, --mbox and --maildir repeat: one bot follows several lists with one
state file, and a series sent to several of them is judged and answered once.
Run "kfunccheck bot once -h" for the flags.
`

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

func (f sourceFlag) Set(v string) error {
	if v == "" {
		return errors.New("empty path")
	}
	*f.lists = append(*f.lists, bot.List{Kind: f.kind, Path: v})
	return nil
}

func runBot(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "run" && args[0] != "once" {
		fmt.Fprint(stderr, botUsage)
		return 2
	}
	fs := flag.NewFlagSet("bot "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var src bot.Source
	fs.Var(sourceFlag{"inbox", &src.Lists}, "inbox", "public-inbox v2 directory (git/0.git, git/1.git, ...) of a list (repeatable)")
	fs.Var(sourceFlag{"mbox", &src.Lists}, "mbox", "an mbox the list server appends to (repeatable)")
	fs.Var(sourceFlag{"maildir", &src.Lists}, "maildir", "a Maildir the list server delivers to (repeatable)")
	fs.BoolVar(&src.Fetch, "fetch", false, "fetch each epoch of the inboxes from its configured remote first")
	since := fs.String("since", "", "replay messages dated on or after DATE (2006-01-02 or RFC 3339), or since an archive COMMIT")
	state := fs.String("state", "", "state file (SQLite)")
	interval := fs.Duration("interval", 5*time.Minute, "run: time between passes")
	grace := fs.Duration("grace", 6*time.Hour, "how long an incomplete series waits for its missing patches")
	from := fs.String("from", "kfunccheck bot <kfunccheck-bot@localhost>", "the bot's From: address")
	operator := fs.String("operator", "", "how to reach the bot's operator (reply footer)")
	level := fs.String("reply-level", "error", "lowest severity that earns a reply: error, warning or check")
	outbox := fs.String("outbox", "", "Maildir receiving every reply")
	send := fs.Bool("send", false, "deliver replies through SMTP (without it, replies only go to --outbox)")
	smtpAddr := fs.String("smtp", "", "SMTP server host:port")
	smtpSec := fs.String("smtp-security", "starttls", "starttls, tls (implicit) or none (loopback only)")
	smtpCreds := fs.String("smtp-credentials", "", "file with user:password (default: KFUNCCHECK_SMTP_USER/PASSWORD)")
	resendAfter := fs.Duration("resend-after", bot.DefaultResendAfter, "how long an interrupted delivery waits to show up in the archive before it is sent again")
	perHour := fs.Int("per-hour", 30, "replies per hour at most (0: no limit)")
	perDay := fs.Int("per-day", 200, "replies per day at most (0: no limit)")
	var ccAllow, ccDeny listFlag
	fs.Var(&ccAllow, "cc-allow", "only these addresses may receive a reply, besides the list (the sender and Cc's included)")
	fs.Var(&ccDeny, "cc-deny", "addresses that never receive a reply")
	maxRcpt := fs.Int("max-recipients", bot.DefaultMaxRecipients, "envelope recipients of a reply at most")
	var labels pathsFlag
	fs.Var(&labels, "stable-label", "PATH=LABEL: how replies name a stable list (default: its base name; never its path)")
	pwURL := fs.String("patchwork", "", "patchwork URL to post checks to")
	pwToken := fs.String("patchwork-token-file", "", "file holding the patchwork API token (default: KFUNCCHECK_PATCHWORK_TOKEN)")
	pwTarget := fs.String("patchwork-target", "", "target URL of the checks (e.g. the list archive)")
	pwHTTP := fs.Bool("patchwork-allow-http", false, "allow sending the patchwork token over plain http://")
	conf := fs.String("config", "", "policy file")
	repo := fs.String("repo", "", "kernel git repository: full pre-images through the patches' index lines")
	btfFile := fs.String("btf", "", "BTF of a built kernel: its kfuncs are known kfuncs")
	var lists pathsFlag
	fs.Var(&lists, "stable-list", "stable kfuncs, one per line (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "kfunccheck bot: "+format+"\n", a...)
		return 2
	}
	if *state == "" {
		return fail("--state is required")
	}
	if len(src.Lists) == 0 {
		return fail("no list: give --inbox, --mbox or --maildir (each may repeat)")
	}
	opt, err := policyOptions(*conf, lists, nil, *btfFile)
	if err != nil {
		return fail("%v", err)
	}
	if *repo != "" {
		r, layout, err := gitrepo.Open(*repo)
		if err != nil {
			return fail("--repo: %v", err)
		}
		defer r.Close()
		opt.Baseline = append(baseline.Multi{gitrepo.Baseline{Repo: r, Name: layout.GitDir}}, opt.Baseline)
		// Mail is judged against the tree at the repository's HEAD, and
		// by the history rules over its release tags.
		head, _ := r.Resolve("HEAD")
		if idx := kindex.ForRepo(r, opt.Policy.NotKernel); idx != nil {
			cache := kindex.CachePath(layout.GitDir)
			idx.Load(cache)
			defer idx.Save(cache)
			opt.Tree = idx.TreeFor(r, head)
			opt.Extra = history.Judge(r, layout.CommonDir, idx, opt.Policy, opt.Interest,
				func(msg string) { fmt.Fprintf(stderr, "kfunccheck bot: %s\n", msg) })
		}
	}
	replyLevel, err := model.ParseSeverity(*level)
	if err != nil {
		return fail("--reply-level: %v", err)
	}
	if *since != "" {
		var inboxes []string
		for _, l := range src.Lists {
			if l.Kind == "inbox" {
				inboxes = append(inboxes, l.Path)
			}
		}
		if len(inboxes) == 0 {
			inboxes = []string{""}
		}
		// A commit names its time in whichever inbox holds it.
		for _, in := range inboxes {
			if src.Since, err = parseSince(*since, in); err == nil {
				break
			}
		}
		if err != nil {
			return fail("--since: %v", err)
		}
	}
	stableLabels := map[string]string{}
	for _, l := range labels {
		path, label, ok := strings.Cut(l, "=")
		if !ok || path == "" || label == "" {
			return fail("--stable-label %q: want PATH=LABEL", l)
		}
		stableLabels[path] = label
	}
	if *maxRcpt < 1 {
		return fail("--max-recipients must be at least 1")
	}
	cfg := bot.Config{Check: opt, ReplyLevel: replyLevel, Grace: *grace, From: *from, Operator: *operator,
		CcAllow: ccAllow, CcDeny: ccDeny, MaxRecipients: *maxRcpt, StableLabels: stableLabels,
		PerHour: *perHour, PerDay: *perDay, ResendAfter: *resendAfter, Send: *send, Outbox: *outbox, Log: stderr}
	for i := range cfg.CcAllow {
		cfg.CcAllow[i] = strings.ToLower(cfg.CcAllow[i])
	}
	for i := range cfg.CcDeny {
		cfg.CcDeny[i] = strings.ToLower(cfg.CcDeny[i])
	}
	if *resendAfter <= 0 {
		return fail("--resend-after must be positive")
	}
	if *send {
		if *smtpAddr == "" {
			return fail("--send needs --smtp host:port")
		}
		user, pass, err := bot.LoadCredentials(*smtpCreds)
		if err != nil {
			return fail("%v", err)
		}
		cfg.SMTP = bot.SMTPConfig{Addr: *smtpAddr, Security: *smtpSec, User: user, Password: pass}
	}
	if *pwURL != "" {
		token := os.Getenv("KFUNCCHECK_PATCHWORK_TOKEN")
		if *pwToken != "" {
			data, err := os.ReadFile(*pwToken)
			if err != nil {
				return fail("patchwork token: %v", err)
			}
			token = strings.TrimSpace(string(data))
		}
		cfg.Patchwork = &bot.Patchwork{URL: *pwURL, Token: token, TargetURL: *pwTarget, AllowHTTP: *pwHTTP}
		if !strings.HasPrefix(strings.ToLower(*pwURL), "https://") && !*pwHTTP {
			return fail("--patchwork %s: the token goes over https:// only (--patchwork-allow-http to allow plain http)", *pwURL)
		}
	}
	store, err := bot.OpenStore(*state)
	if err != nil {
		return fail("%v", err)
	}
	defer store.Close()
	b, err := bot.New(cfg, store)
	if err != nil {
		return fail("%v", err)
	}
	if args[0] == "once" {
		if err := b.Once(src); err != nil {
			return fail("%v", err)
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := b.Run(ctx, src, *interval); err != nil && ctx.Err() == nil {
		return fail("%v", err)
	}
	return 0
}

// parseSince reads a date, or an archive commit whose date is used.
func parseSince(v, inbox string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
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
