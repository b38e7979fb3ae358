// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo"
	"github.com/kfunccheck/kfunccheck/patchcheck/checkrun"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/input"
	"github.com/kfunccheck/kfunccheck/patchcheck/lore"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/pipeline"
	"github.com/kfunccheck/kfunccheck/patchcheck/report"
	"github.com/kfunccheck/kfunccheck/patchcheck/report/oneline"
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
	threads            []lore.Ref
	loreURL            string
	loreTimeout        time.Duration
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
	fs.BoolVar(&cf.text.SummaryFile, "summary-file", false, "start each totals line with the input's name")
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
	fs.StringVar(&cf.loreURL, "lore", lore.DefaultURL, "public-inbox `URL` to fetch --msgid threads from (a message URL given as an argument is fetched from its own inbox)")
	fs.DurationVar(&cf.loreTimeout, "lore-timeout", lore.DefaultTimeout, "give up a thread fetch after this `DURATION` (30s, 5m)")
	fs.IntVar(&cf.seriesVersion, "series-version", 0, "with --msgid, the version `N` of the series to check (default: the newest)")
	fs.BoolVar(&cf.b4Series, "b4-series", false, "judge every patch of the b4 series the piped message belongs to (for b4.review-series-check-cmd)")
	fs.BoolVar(&cf.b4Thread, "b4-thread", false, "judge the piped patch after the earlier patches of its thread, fetched from --lore (for b4.am-perpatch-check-cmd)")
	fs.StringVar(&cf.cpuProfile, "cpuprofile", "", "write a CPU profile to this `FILE` (for performance work)")
	fs.MarkHidden("cpuprofile")
	fs.BoolVar(&cf.text.Strict, "subjective", false, "checkpatch's other name of --strict")
	fs.MarkHidden("subjective")
	fs.BoolVar(&cf.noColor, "nocolor", false, "checkpatch's old spelling of --no-color")
	fs.MarkHidden("nocolor")
	addCheckpatchTuning(fs)
}

// checkpatchTuning are checkpatch.pl's options that tune its own style
// checks (scripts/checkpatch.pl 6.12, GetOptions): kfunccheck has none of
// those checks, so it takes them and they change nothing, and a command
// line written for checkpatch (NIPA's: --strict --codespell
// --max-line-length=80 --ignore=...) runs as it is. Options that change
// what the input is (-f, --fix) are not among them.
var checkpatchTuning = []struct {
	name  string
	value bool // takes a value
}{
	{"codespell", false}, {"no-codespell", false}, {"codespellfile", true}, {"max-line-length", true},
	{"tab-size", true}, {"min-conf-desc-length", true}, {"tree", false}, {"no-tree", false},
	{"root", true}, {"signoff", false}, {"no-signoff", false}, {"fixes-tag", false},
	{"no-fixes-tag", false}, {"patch", false}, {"summary", false},
	{"ignore-perl-version", false}, {"typedefsfile", true}, {"kconfig-prefix", true},
}

func addCheckpatchTuning(fs *pflag.FlagSet) {
	for _, o := range checkpatchTuning {
		usage := "checkpatch's --" + o.name + ": tunes checkpatch's own checks; accepted, no effect"
		if o.value {
			fs.String(o.name, "", usage)
		} else {
			fs.Bool(o.name, false, usage)
		}
		fs.MarkHidden(o.name)
	}
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
	completeValues(cmd, "fail-on", severityNames...)
	completeValues(cmd, "color", "always", "never", "auto")
	cmd.RegisterFlagCompletionFunc("ignore", completeRuleIDs)
	cmd.RegisterFlagCompletionFunc("types", completeRuleIDs)
	return cmd
}

// runCheck runs check over the parsed command line: it builds the options
// and the report, then checks the inputs.
func runCheck(cf *checkFlags, paths []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if cf.listTypes {
		listTypes(stdout, cf.text.Verbose)
		return 0
	}
	if cf.cpuProfile != "" {
		stop, err := startCPUProfile(cf.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
			return 2
		}
		defer stop()
	}
	if os.Getenv("GOGC") == "" {
		// A check allocates many short-lived values per message and keeps
		// little (one message and the pending results): collecting less
		// often saves a tenth of the time, for a heap still bounded by the
		// largest message.
		debug.SetGCPercent(400)
	}
	r, err := newRunner(cf, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
		return 2
	}
	return r.run(paths, stdin)
}

// listTypes writes the rule IDs as checkpatch.pl's --list-types writes
// its message types: a header, then "N<TAB>TYPE" in sorted order, and
// with -v each type's explanation indented by a TAB.
func listTypes(w io.Writer, verbose bool) {
	all := slices.Clone(rules.All)
	slices.SortFunc(all, func(a, b *rules.Rule) int { return strings.Compare(a.ID, b.ID) })
	var b strings.Builder
	b.WriteString("#\tMessage type\n\n")
	for i, r := range all {
		fmt.Fprintf(&b, "%d\t%s\n", i+1, r.ID)
		if verbose {
			doc := r.Title + ".\n" + strings.TrimSpace(r.Doc)
			fmt.Fprintf(&b, "\t%s\n\n", strings.ReplaceAll(doc, "\n", "\n\t"))
		}
	}
	io.WriteString(w, b.String())
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// newRunner turns the flags into the check's options, rule selection,
// failing level and report.
func newRunner(cf *checkFlags, stdout, stderr io.Writer) (*runner, error) {
	if _, err := model.ParseSeverity(cf.failOn); cf.failOn != "" && err != nil {
		return nil, fmt.Errorf("--fail-on: %w", err)
	}
	// Type names kfunccheck does not know are taken in silence, as
	// checkpatch.pl 6.12 takes them: b4 and NIPA count every line on
	// stderr as a failure, and a command line written for checkpatch
	// names checkpatch's own types. The closing NOTE lines list them.
	cf.text.UsedTypes, cf.text.IgnoredTypes = cf.types, cf.ignore
	cf.threads = nil
	for _, id := range cf.msgids {
		// As headers and kfunccheck print it (<id@host>), bare, or as
		// a message's URL on a public-inbox.
		ref, ok := lore.ParseRef(id)
		if !ok {
			return nil, fmt.Errorf("--msgid %q: not a Message-ID (id@host, <id@host>) nor a public-inbox message URL", oneline.String(id))
		}
		cf.threads = append(cf.threads, ref)
	}
	opt, err := checkOptions(cf, stderr)
	if err != nil {
		return nil, err
	}
	opt.Select = rules.Selection{Ignore: cf.ignore, Types: cf.types}
	// As checkpatch: any finding reported fails the run (checks are
	// reported only with --strict). The hook and the bot keep the
	// policy's fail_on; --fail-on sets it here.
	failOn, _ := model.ParseSeverity(cmp.Or(cf.failOn, "check"))
	if cf.noColor {
		cf.color = "never"
	}
	// NO_COLOR (no-color.org), when set and not empty, turns the
	// automatic colours off; an explicit --color always still wins.
	noColor := os.Getenv("NO_COLOR") != ""
	cf.text.Color = cf.color == "always" || cf.color != "never" && !noColor && isTerminal(stdout)
	r := &runner{cf: cf, opt: opt, stdout: stdout, stderr: stderr,
		tally: checkrun.Tally{Strict: cf.text.Strict, FailOn: failOn}}
	if !interactive(stdout) {
		// One write per patch costs a system call each; a terminal still
		// sees each patch as it is checked.
		bw := bufio.NewWriterSize(stdout, 64<<10)
		r.stdout, r.stderr = bw, flushFirst{w: stderr, first: bw}
	}
	if interactive(stderr) && !cf.text.Quiet {
		r.progress = r.stderr
	}
	cf.text.Errors = r.stderr
	if r.out, err = report.New(cf.format, r.stdout, cf.text, Version); err != nil {
		return nil, fmt.Errorf("unknown --format %q (want %s)", cf.format, strings.Join(report.Formats, ", "))
	}
	return r, nil
}

// run checks the inputs: the b4 series the piped message belongs to, -g
// ranges, threads by Message-ID, then paths and stdin.
func (r *runner) run(paths []string, stdin io.Reader) int {
	cf := r.cf
	// Run by b4 on one piped message, the series it belongs to is read
	// from the repository b4 runs in (see b4.go).
	var peek *bufio.Reader
	if stdinOnly(paths) && stdin != nil {
		peek = bufio.NewReaderSize(stdin, 64<<10)
		stdin = peek
	}
	bs, b4dir, b4err := b4Context(cf, paths, peek)
	if b4dir != "" && cf.repo == "" {
		cf.repo = b4dir
	}
	if len(cf.gitRevs) > 0 || cf.repo != "" {
		// The check reads only the user's own repository (see
		// gitrepo.UseFastSHA1 for why that is safe here and not in the
		// bot).
		gitrepo.UseFastSHA1()
		sess, err := checkrun.Attach(cf.repo, r.opt, func(msg string) { fmt.Fprintf(r.stderr, "kfunccheck: %s\n", msg) })
		if err != nil {
			r.flush()
			fmt.Fprintf(r.stderr, "kfunccheck: --repo %s: %v\n", cmp.Or(cf.repo, "."), err)
			return 2
		}
		defer sess.Close()
		r.sess = sess
		r.opt = sess.Options(r.opt)
	}
	paths = r.threadArgs(paths)
	if len(paths) == 0 && len(cf.gitRevs) == 0 && len(cf.threads) == 0 {
		paths = []string{"-"}
	}
	r.multiInputs = len(paths)+len(cf.gitRevs)+len(cf.threads) > 1
	if b4err == nil {
		var done bool
		done, stdin, b4err = r.b4Run(bs, stdin)
		if done && b4err == nil {
			return r.finish()
		}
	}
	if b4err != nil {
		if err := r.inputError("-", b4err); err != nil {
			return r.fatal(err)
		}
		return r.finish()
	}
	if err := r.gitRanges(cf.gitRevs, cf.showMerges); err != nil {
		r.flushPending()
		return r.fatal(err)
	}
	r.flushPending()
	for _, ref := range cf.threads {
		err := r.thread(ref)
		r.flushPending()
		if err != nil {
			if err := r.inputError("<"+ref.ID+">", err); err != nil {
				return r.fatal(err)
			}
		}
	}
	paths, stdin = dropEmpty(paths, stdin)
	if len(paths) == 0 {
		return r.finish()
	}
	// Inputs are read on every core, and messages without a kfunc marker
	// without their hunks' lines. A repository is read through go-git,
	// which is not shared between goroutines; and with one, the baseline
	// reaches beyond the patch, so every patch is read whole.
	popt := pipeline.Options{Check: r.opt, Read: input.Options{Stdin: stdin}, Light: lightRead && r.sess == nil}
	if r.sess != nil {
		popt.Workers = 1
	}
	err := pipeline.Run(paths, popt, func(ev pipeline.Event) error {
		if !ev.End {
			r.results(slices.Values(ev.Results))
			return nil
		}
		r.flushPending()
		if ev.Err != nil {
			return r.inputError(ev.Path, ev.Err)
		}
		return nil
	})
	if err != nil {
		return r.fatal(err)
	}
	return r.finish()
}

// dropEmpty leaves out inputs with nothing in them (an empty file, an
// empty standard input): checkpatch.pl says nothing about those and
// exits 0 ("If we have no input at all, then there is nothing to report
// on so just keep quiet"), and a drop-in does the same.
func dropEmpty(paths []string, stdin io.Reader) ([]string, io.Reader) {
	kept := paths[:0]
	for _, p := range paths {
		if p == "-" {
			if stdin == nil {
				stdin = os.Stdin
			}
			br, ok := stdin.(*bufio.Reader)
			if !ok {
				br = bufio.NewReader(stdin)
			}
			stdin = br
			if _, err := br.Peek(1); err == io.EOF {
				continue
			}
		} else if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Size() == 0 {
			continue
		}
		kept = append(kept, p)
	}
	return kept, stdin
}

// threadArgs takes the Message-IDs and public-inbox URLs given where
// paths are expected as threads to fetch, unless a file of that name
// exists. A URL's thread is fetched from its own inbox.
func (r *runner) threadArgs(paths []string) []string {
	kept := paths[:0]
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil && p != "-" {
			if ref, ok := lore.ParseRef(p); ok {
				r.cf.threads = append(r.cf.threads, ref)
				continue
			}
		}
		kept = append(kept, p)
	}
	return kept
}

// inputError reports an input that could not be read at all.
func (r *runner) inputError(name string, err error) error {
	r.tally.InputError(err)
	return r.out.InputError(name, err)
}

// fatal ends a run that cannot go on.
func (r *runner) fatal(err error) int {
	r.flush()
	fmt.Fprintf(r.stderr, "kfunccheck: %v\n", err)
	return 2
}

// flush writes out what the buffered output holds.
func (r *runner) flush() {
	if bw, ok := r.stdout.(*bufio.Writer); ok {
		bw.Flush()
	}
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

func checkOptions(cf *checkFlags, stderr io.Writer) (patchcheck.Options, error) {
	// The policy of the tree being checked: the current directory's
	// when it has one, else that of --repo DIR.
	wd, _ := os.Getwd()
	from, err := cf.from(wd, cf.repo)
	if err != nil {
		return patchcheck.Options{}, err
	}
	return policyOptions(from, cf.stableFrom, cf.btf, stderr)
}

// policyOptions builds the options every command that judges patches
// shares: the policy, stable lists, programs whose kfuncs are stable, and
// a built kernel's BTF. What of the tree's policy was not applied is said
// on stderr.
func policyOptions(from patchcheck.PolicyFrom, stableFrom []string, btfFile string, stderr io.Writer) (patchcheck.Options, error) {
	opt, notes, err := patchcheck.LoadOptions(from)
	if err != nil {
		return opt, err
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "kfunccheck: note: %s\n", n)
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
		opt.Kernel = k
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
	out            report.Formatter
	stdout, stderr io.Writer
	cf             *checkFlags
	opt            patchcheck.Options
	tally          checkrun.Tally
	multiInputs    bool
	pending        *report.Unit
	writeErr       error
	// progress is the terminal progress is shown on; nil when stderr is
	// not one or -q is given.
	progress io.Writer
	// sess is the repository attached to the check (nil without one).
	sess *checkrun.Session
}

// seriesWithProgress checks a long series (a -g range) with opt, with
// git-style progress on stderr when it is a terminal and -q is not given.
func (r *runner) seriesWithProgress(s *model.Series, opt patchcheck.Options, what string) {
	results := patchcheck.Results(s, opt)
	if r.progress != nil {
		p := newProgress(r.progress, what)
		total := len(s.Patches)
		inner := results
		results = func(yield func(*patchcheck.Result) bool) {
			done := 0
			for res := range inner {
				done++
				p.update(done, total)
				if !yield(res) {
					return
				}
			}
		}
	}
	r.results(results)
}

// results reports the results of a series' patches.
func (r *runner) results(results iter.Seq[*patchcheck.Result]) {
	for res := range results {
		r.tally.Add(res)
		u := report.Unit{Result: res, Name: unitName(res)}
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

// unitName names a patch in the report. A patch read from standard input
// is named as checkpatch.pl names it: by its Subject header, in double
// quotes, and "Your patch" when it has none.
func unitName(res *patchcheck.Result) string {
	p := res.Patch
	if p.Source == "-" && p.FromRepo == "" && p.Header.Subject != "" {
		return `"` + p.Header.Subject + `"`
	}
	return checkrun.UnitName(res)
}

// finish writes the closing part of the report and returns the exit code.
func (r *runner) finish() int {
	r.flushPending()
	err := r.out.End(r.tally.Summary())
	if bw, ok := r.stdout.(*bufio.Writer); ok && err == nil {
		err = bw.Flush()
	}
	if err != nil || r.writeErr != nil {
		fmt.Fprintf(r.stderr, "kfunccheck: writing output: %v\n", errors.Join(err, r.writeErr))
		return 2
	}
	switch {
	case r.cf.format == "b4":
		// b4 reads the verdict from the JSON; a non-zero exit would make
		// it discard the details.
		return 0
	case r.tally.InputFailed():
		return 2
	case r.tally.Failed():
		return 1
	}
	return 0
}

// thread fetches the thread of a Message-ID and checks the series in it,
// as b4 am would assemble it.
func (r *runner) thread(ref lore.Ref) error {
	base := cmp.Or(ref.Inbox, r.cf.loreURL)
	t, err := lore.Fetch(context.Background(), r.fetcher("<"+ref.ID+">"), base, ref.ID, r.cf.seriesVersion)
	if t != nil && len(t.Others) > 0 {
		fmt.Fprintf(r.stderr, "kfunccheck: <%s>: left out, not posted by the series' author %s: %s\n",
			oneline.String(ref.ID), oneline.String(t.Author), strings.Join(t.Others, ", "))
	}
	if err != nil {
		return err
	}
	if len(t.Versions) > 1 {
		fmt.Fprintf(r.stderr, "kfunccheck: <%s>: the thread holds versions %v; checking v%d (--series-version for another)\n", oneline.String(ref.ID), t.Versions, t.Series.Version)
	}
	r.results(patchcheck.Results(t.Series, r.opt))
	return nil
}

// fetcher fetches threads within --lore-timeout, with git-style progress
// on a terminal.
func (r *runner) fetcher(what string) *lore.Fetcher {
	f := &lore.Fetcher{Timeout: r.cf.loreTimeout}
	if r.progress != nil {
		p := newByteProgress(r.progress, "fetching "+oneline.String(what))
		f.Progress = p.update
	}
	return f
}
