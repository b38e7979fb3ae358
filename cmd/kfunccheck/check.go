// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/history"
	"github.com/kfunccheck/kfunccheck/patchcheck/input"
	"github.com/kfunccheck/kfunccheck/patchcheck/kindex"
	"github.com/kfunccheck/kfunccheck/patchcheck/lore"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/pipeline"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
	"github.com/kfunccheck/kfunccheck/patchcheck/report"
	"github.com/kfunccheck/kfunccheck/rules"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// lightRead lets the check read messages without kfunc markers without
// their hunks' lines (tests turn it off to compare both readings).
var lightRead = true

type checkFlags struct {
	policyFlags
	text               report.TextOptions
	format, failOn     string
	ignore, types      listFlag
	listTypes          bool
	color              colorFlag
	noColor            bool
	gitRevs            []string
	msgids             []string
	loreURL            string
	seriesVersion      int
	showMerges         bool
	cpuProfile         string
	b4Series, b4Thread bool
}

// addCheckFlags declares check's flags: checkpatch's spellings first,
// then kfunccheck's own.
func addCheckFlags(fs *pflag.FlagSet, cf *checkFlags) {
	fs.BoolVar(&cf.text.ShowTypes, "show-types", false, "show the rule ID of each finding (ERROR:RULE_ID:)")
	fs.BoolVar(&cf.text.Terse, "terse", false, "one line per finding")
	fs.BoolVar(&cf.text.Emacs, "emacs", false, "emacs compile window format (input:line: prefix)")
	fs.BoolVar(&cf.text.ShowFile, "showfile", false, "place findings in the kernel file, not in the patch")
	fs.BoolVar(&cf.text.NoSummary, "no-summary", false, "no per-patch summary line")
	fs.BoolVarP(&cf.text.Quiet, "quiet", "q", false, "nothing for clean patches, no verdict lines")
	fs.BoolVar(&cf.text.Mailback, "mailback", false, "report only patches with findings")
	fs.BoolVarP(&cf.text.Verbose, "verbose", "v", false, "explain each rule the first time it is reported")
	fs.BoolVar(&cf.text.Changes, "changes", false, "list what each patch changed in kfunc terms (-v does too)")
	fs.BoolVar(&cf.text.Strict, "strict", false, "also report check-level findings")
	fs.BoolVar(&cf.listTypes, "list-types", false, "list the rule IDs and exit")
	fs.Var(&cf.color, "color", "use colors: always, never or auto (default auto; --color alone: always)")
	fs.Lookup("color").NoOptDefVal = "always"
	fs.BoolVar(&cf.noColor, "no-color", false, "same as --color=never")
	fs.Var(&cf.ignore, "ignore", "comma-separated rule IDs not to report (repeatable)")
	fs.Var(&cf.types, "types", "comma-separated rule IDs to report, and no others (repeatable)")
	fs.StringVar(&cf.format, "format", "text", "output `FORMAT`: text (checkpatch), json, sarif, github or b4 (b4's review check protocol)")
	fs.StringVar(&cf.failOn, "fail-on", "", "lowest `SEVERITY` that makes the exit code 1: error, warning or check (default: any reported finding, as checkpatch)")
	cf.policyFlags.add(fs, map[sharedFlag]string{flagRepo: "for -g, and whose blobs give patches their full pre-images"},
		flagConfig, flagStableList, flagStableListFrom, flagBTF, flagRepo)
	fs.StringArrayVarP(&cf.gitRevs, "git", "g", nil, "check the commits of a revision range (`REV`) of --repo: REV, A..B, A...B, REV-N, REV^, REV~n (repeatable)")
	fs.BoolVar(&cf.showMerges, "show-merges", false, "with -g, also check merge commits (against their first parent)")
	fs.StringArrayVar(&cf.msgids, "msgid", nil, "check the series of the thread holding this `MESSAGE-ID`, fetched from --lore (a bare Message-ID or lore URL argument does the same; repeatable)")
	fs.StringVar(&cf.loreURL, "lore", lore.DefaultURL, "public-inbox `URL` to fetch --msgid threads from")
	fs.IntVar(&cf.seriesVersion, "series-version", 0, "with --msgid, the version `N` of the series to check (default: the newest)")
	fs.BoolVar(&cf.b4Series, "b4-series", false, "judge every patch of the b4 series the piped message belongs to (for b4.review-series-check-cmd)")
	fs.BoolVar(&cf.b4Thread, "b4-thread", false, "judge the piped patch after the earlier patches of its thread, fetched from --lore (for b4.am-perpatch-check-cmd)")
	fs.StringVar(&cf.cpuProfile, "cpuprofile", "", "write a CPU profile to this `FILE` (for performance work)")
	fs.MarkHidden("cpuprofile")
}

func (c *cli) newCheckCmd() *cobra.Command {
	cf := &checkFlags{}
	cmd := &cobra.Command{
		Use:   "check [flags] [PATH | - | MESSAGE-ID | LORE-URL]...",
		Short: "check patches, mails, mboxes, series directories, commit ranges and threads",
		Long: "check reads format-patch files, mails, mboxes (also .gz), series directories and standard input\n" +
			"(no PATH or -), the commits of a range (-g), and threads by Message-ID (--msgid), and reports\n" +
			"like scripts/checkpatch.pl: exit 1 on any reported ERROR or WARNING (CHECK with --strict),\n" +
			"2 on usage or input errors.",
		Run: func(_ *cobra.Command, paths []string) {
			c.code = runCheck(cf, paths, c.stdin, c.stdout, c.stderr)
		},
	}
	addCheckFlags(cmd.Flags(), cf)
	completeValues(cmd, "format", report.Formats...)
	completeValues(cmd, "fail-on", "error", "warning", "check")
	completeValues(cmd, "color", "always", "never", "auto")
	ruleIDs := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var ids []string
		for _, r := range rules.All {
			ids = append(ids, r.ID+"\t"+r.Title)
		}
		return ids, cobra.ShellCompDirectiveNoFileComp
	}
	cmd.RegisterFlagCompletionFunc("ignore", ruleIDs)
	cmd.RegisterFlagCompletionFunc("types", ruleIDs)
	return cmd
}

// runCheck runs check over the parsed command line.
func runCheck(cf *checkFlags, paths []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if cf.cpuProfile != "" {
		f, err := os.Create(cf.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	if os.Getenv("GOGC") == "" {
		// A check allocates many short-lived values per message and keeps
		// little (one message and the pending results): collecting less
		// often saves a tenth of the time, for a heap still bounded by the
		// largest message.
		debug.SetGCPercent(400)
	}
	if cf.listTypes {
		for _, r := range rules.All {
			if cf.text.Verbose {
				fmt.Fprintf(stdout, "%s: %s\n", r.ID, r.Title)
			} else {
				fmt.Fprintln(stdout, r.ID)
			}
		}
		return 0
	}
	if _, err := model.ParseSeverity(cf.failOn); cf.failOn != "" && err != nil {
		fmt.Fprintf(stderr, "kfunccheck: --fail-on: %v\n", err)
		return 2
	}
	for _, id := range append(append([]string(nil), cf.ignore...), cf.types...) {
		if rules.ByID(id) == nil {
			// checkpatch ignores types it does not know, so a command
			// line written for it (NIPA's) keeps working.
			fmt.Fprintf(stderr, "kfunccheck: warning: unknown rule %q in --ignore/--types ignored (see kfunccheck explain --list)\n", id)
		}
	}
	opt, err := checkOptions(cf)
	if err != nil {
		fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
		return 2
	}
	opt.Rules = selectRules(rules.All, cf.ignore, cf.types)
	if cf.noColor {
		cf.color = "never"
	}
	if cf.failOn == "" {
		// As checkpatch: any finding reported fails the run (checks are
		// reported only with --strict). The hook and the bot keep the
		// policy's fail_on; --fail-on sets it here.
		cf.failOn = "check"
	}
	failOn, _ := model.ParseSeverity(cf.failOn)
	// NO_COLOR (no-color.org) turns the automatic colours off; an
	// explicit --color always still wins.
	_, noColor := os.LookupEnv("NO_COLOR")
	cf.text.Color = cf.color == "always" || cf.color != "never" && !noColor && isTerminal(stdout)
	stderrTTY := interactive(stderr)
	if !interactive(stdout) {
		// One write per patch costs a system call each; a terminal still
		// sees each patch as it is checked.
		bw := bufio.NewWriterSize(stdout, 64<<10)
		defer bw.Flush()
		stdout, stderr = bw, flushFirst{w: stderr, first: bw}
	}
	cf.text.Errors = stderr
	out, err := report.New(cf.format, stdout, cf.text, Version)
	if err != nil {
		fmt.Fprintf(stderr, "kfunccheck: unknown --format %q (want %s)\n", cf.format, strings.Join(report.Formats, ", "))
		return 2
	}
	// Run by b4 on one piped message, the series it belongs to is read
	// from the repository b4 runs in (see b4.go).
	bs, b4dir, b4err := b4Context(cf, paths)
	if b4dir != "" && cf.repo == "" {
		cf.repo = b4dir
	}
	var repo gitrepo.Repository
	var judge *history.Judger
	repoName := ""
	if len(cf.gitRevs) > 0 || cf.repo != "" {
		dir := cf.repo
		if dir == "" {
			dir = "."
		}
		gitrepo.UseFastSHA1()
		rp, layout, err := gitrepo.Open(dir)
		if err != nil {
			fmt.Fprintf(stderr, "kfunccheck: --repo %s: %v\n", dir, err)
			return 2
		}
		defer rp.Close()
		repo = rp
		repoName = layout.WorkTree
		if repoName == "" {
			repoName = layout.GitDir
		}
		repo.SetSelector(gitrepo.KfuncSelector(opt.Interest))
		opt.Baseline = append(baseline.Multi{gitrepo.Baseline{Repo: repo, Name: repoName}}, opt.Baseline)
		// Patch files are judged against the tree at HEAD; commits
		// against their parents.
		head, _ := repo.Resolve("HEAD")
		if idx := kindex.ForRepo(repo, opt.Policy.NotKernel); idx != nil {
			cache := kindex.CachePath(layout.GitDir)
			idx.Load(cache)
			defer idx.Save(cache)
			opt.Tree = idx.TreeFor(repo, head)
			// The policy checks that only history makes possible, over
			// the repository's release tags.
			judge = history.NewJudge(repo, layout.CommonDir, idx, opt.Policy, opt.Interest,
				func(msg string) { fmt.Fprintf(stderr, "kfunccheck: %s\n", msg) })
			opt.Extra = judge.For("")
		}
	}
	// A Message-ID or a lore URL where a path is expected names a thread,
	// unless a file of that name exists.
	kept := paths[:0]
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil && p != "-" {
			if id, ok := lore.MessageID(p); ok {
				cf.msgids = append(cf.msgids, id)
				continue
			}
		}
		kept = append(kept, p)
	}
	paths = kept
	if len(paths) == 0 && len(cf.gitRevs) == 0 && len(cf.msgids) == 0 {
		paths = []string{"-"}
	}
	r := &runner{out: out, cf: cf, opt: opt, failOn: failOn, multiInputs: len(paths)+len(cf.gitRevs)+len(cf.msgids) > 1, judge: judge}
	if stderrTTY {
		r.progress = stderr
	}
	if b4err == nil {
		var done bool
		done, stdin, b4err = r.b4Run(repo, repoName, bs, stdin)
		if done && b4err == nil {
			return r.finish(out, stdout, stderr)
		}
	}
	if b4err != nil {
		r.inputError = true
		r.summary.InputErrors = append(r.summary.InputErrors, b4err.Error())
		if err := out.InputError("-", b4err); err != nil {
			fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
			return 2
		}
		return r.finish(out, stdout, stderr)
	}
	if err := r.gitRanges(repo, repoName, cf.gitRevs, cf.showMerges, stderr); err != nil {
		r.flushPending()
		fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
		return 2
	}
	r.flushPending()
	for _, id := range cf.msgids {
		if err := r.thread(id, stderr); err != nil {
			r.flushPending()
			r.inputError = true
			r.summary.InputErrors = append(r.summary.InputErrors, err.Error())
			if ferr := out.InputError(id, err); ferr != nil {
				fmt.Fprintf(stderr, "kfunccheck: %v\n", ferr)
				return 2
			}
		}
		r.flushPending()
	}
	if len(paths) == 0 {
		return r.finish(out, stdout, stderr)
	}
	// Inputs are read on every core, and messages without a kfunc marker
	// without their hunks' lines. A repository is read through go-git,
	// which is not shared between goroutines; and with one, the baseline
	// reaches beyond the patch, so every patch is read whole.
	popt := pipeline.Options{Check: opt, Read: input.Options{Stdin: stdin}, Light: lightRead && repo == nil}
	if repo != nil {
		popt.Workers = 1
	}
	err = pipeline.Run(paths, popt, func(ev pipeline.Event) error {
		if !ev.End {
			r.results(ev.Series, ev.Results)
			return nil
		}
		r.flushPending()
		if ev.Err != nil {
			r.inputError = true
			r.summary.InputErrors = append(r.summary.InputErrors, ev.Err.Error())
			return out.InputError(ev.Path, ev.Err)
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
		return 2
	}
	return r.finish(out, stdout, stderr)
}

// flushFirst writes to w after flushing first, so that messages keep their
// order with the buffered output when both go to the same place.
type flushFirst struct {
	w     io.Writer
	first *bufio.Writer
}

func (f flushFirst) Write(p []byte) (int, error) {
	f.first.Flush()
	return f.w.Write(p)
}

func checkOptions(cf *checkFlags) (patchcheck.Options, error) {
	conf := cf.conf
	if conf == "" && cf.repo != "" {
		// The policy of the tree being checked: the current directory's
		// when it has one, else that of --repo DIR.
		if wd, err := os.Getwd(); err == nil && policy.Find(wd) == "" {
			conf = policy.Find(cf.repo)
		}
	}
	return policyOptions(conf, cf.stableLists, cf.stableFrom, cf.btf)
}

// policyOptions builds the options every command that judges patches
// shares: the policy file, stable lists, programs whose kfuncs are stable,
// and a built kernel's BTF.
func policyOptions(conf string, lists, stableFrom []string, btfFile string) (patchcheck.Options, error) {
	opt, err := patchcheck.LoadOptions(conf, "", lists)
	if err != nil {
		return opt, err
	}
	for _, prog := range stableFrom {
		uses, err := btfinfo.Uses(prog)
		if err != nil {
			return opt, fmt.Errorf("--stable-list-from: %w", err)
		}
		var names []string
		for _, u := range uses {
			names = append(names, u.Name)
			opt.Interest[u.Name] = true
		}
		opt.Baseline = append(baseline.Multi{baseline.NewStableList("kfuncs used by "+prog, names)}, opt.Baseline)
	}
	if btfFile != "" {
		k, err := btfinfo.Load(btfFile, "")
		if err != nil {
			return opt, fmt.Errorf("--btf: %w", err)
		}
		for _, kf := range k.Kfuncs {
			opt.Interest[kf.Name] = true
		}
		opt.KfuncSource = k.IsKfunc
	}
	return opt, nil
}

// interactive reports whether w is a terminal someone reads as the check
// runs: a character device other than the null device.
func interactive(w io.Writer) bool {
	if !isTerminal(w) {
		return false
	}
	st, err := w.(*os.File).Stat()
	null, nerr := os.Stat(os.DevNull)
	return err != nil || nerr != nil || !os.SameFile(st, null)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// runner checks series as they stream in and hands the results to the
// formatter, one patch behind, so that it knows whether the run reports
// several patches before it introduces the first.
type runner struct {
	out         report.Formatter
	cf          *checkFlags
	opt         patchcheck.Options
	failOn      model.Severity
	multiInputs bool
	pending     *report.Unit
	count       int
	summary     report.Summary
	failed      bool
	inputError  bool
	writeErr    error
	// progress is the terminal progress is shown on; nil when stderr is
	// not one.
	progress io.Writer
	// judge applies the history rules for a target (nil without a
	// repository).
	judge *history.Judger
}

// seriesWithProgress checks a long series (a -g range), with git-style
// progress on stderr when it is a terminal and -q is not given.
func (r *runner) seriesWithProgress(s *model.Series, what string) {
	opt := r.opt
	if r.progress != nil && !r.cf.text.Quiet {
		p := newProgress(r.progress, what)
		opt.Progress = p.update
	}
	r.results(s, patchcheck.CheckSeries(s, opt))
}

// results reports the results of a series' patches.
func (r *runner) results(s *model.Series, results []*patchcheck.Result) {
	for _, res := range results {
		res.Findings = r.filter(res.Findings)
		if len(res.Errors) > 0 {
			r.inputError = true
		}
		for _, f := range res.Findings {
			r.summary.Counts.Add(f)
			if f.Severity.AtLeast(r.failOn) {
				r.failed = true
			}
		}
		r.summary.Patches++
		r.count++
		u := report.Unit{Result: res, Name: unitName(res, s)}
		if r.pending != nil {
			r.pending.Multi = true
			r.emit(*r.pending)
			u.Multi = true
		}
		r.pending = &u
	}
}

func (r *runner) flushPending() {
	if r.pending == nil {
		return
	}
	r.pending.Multi = r.pending.Multi || r.multiInputs
	r.emit(*r.pending)
	r.pending = nil
}

func (r *runner) emit(u report.Unit) {
	if err := r.out.Patch(u); err != nil && r.writeErr == nil {
		r.writeErr = err
	}
}

// selectRules applies --ignore and --types to the rule list, so that a
// rule not asked for does not run at all.
func selectRules(all []*rules.Rule, ignore, types []string) []*rules.Rule {
	// Not nil: an empty selection runs no rule, nil would run them all.
	out := []*rules.Rule{}
	for _, r := range all {
		if slices.Contains(ignore, r.ID) || len(types) > 0 && !slices.Contains(types, r.ID) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// filter applies --strict, and --ignore and --types to the findings that
// come from outside the rule list (the history rules).
func (r *runner) filter(fs []model.Finding) []model.Finding {
	out := fs[:0]
	for _, f := range fs {
		switch {
		case f.Severity == model.SeverityCheck && !r.cf.text.Strict:
		case slices.Contains(r.cf.ignore, f.Rule):
		case len(r.cf.types) > 0 && !slices.Contains(r.cf.types, f.Rule):
		default:
			out = append(out, f)
		}
	}
	return out
}

func unitName(res *patchcheck.Result, s *model.Series) string {
	p := res.Patch
	if p.FromRepo != "" {
		return fmt.Sprintf("Commit %.12s (\"%s\")", p.Commit, p.Subject.Title)
	}
	name := p.Source
	if name == "-" {
		name = "Your patch"
	}
	if strings.HasPrefix(name, "<") && strings.HasSuffix(name, ">") {
		// A message fetched by Message-ID.
		return fmt.Sprintf("Message %s (\"%s\")", name, p.Subject.Title)
	}
	switch {
	case p.Commit != "" && p.Subject.Title != "" && (len(s.Patches) > 1 || p.Index > 1):
		return fmt.Sprintf("Commit %.12s (\"%s\")", p.Commit, p.Subject.Title)
	case p.Index > 1 || len(s.Patches) > 1 && s.Source == p.Source:
		return fmt.Sprintf("%s #%d (\"%s\")", name, p.Index, p.Subject.Title)
	}
	return name
}

// finish writes the closing part of the report and returns the exit code.
func (r *runner) finish(out report.Formatter, stdout, stderr io.Writer) int {
	cf := r.cf
	r.flushPending()
	err := out.End(r.summary)
	if bw, ok := stdout.(*bufio.Writer); ok && err == nil {
		err = bw.Flush()
	}
	if err != nil || r.writeErr != nil {
		fmt.Fprintf(stderr, "kfunccheck: writing output: %v\n", errors.Join(err, r.writeErr))
		return 2
	}
	switch {
	case cf.format == "b4":
		// b4 reads the verdict from the JSON; a non-zero exit would make
		// it discard the details.
		return 0
	case r.inputError:
		return 2
	case r.failed:
		return 1
	}
	return 0
}

// thread fetches the thread of a Message-ID and checks the series in it,
// as b4 am would assemble it.
func (r *runner) thread(msgid string, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	data, err := lore.Fetch(ctx, nil, r.cf.loreURL, msgid)
	if err != nil {
		return err
	}
	s, versions, err := lore.Assemble(data, "<"+msgid+">", r.cf.seriesVersion)
	if err != nil {
		return err
	}
	if len(versions) > 1 {
		fmt.Fprintf(stderr, "kfunccheck: <%s>: the thread holds versions %v; checking v%d (--series-version for another)\n", msgid, versions, s.Version)
	}
	r.results(s, patchcheck.CheckSeries(s, r.opt))
	return nil
}
