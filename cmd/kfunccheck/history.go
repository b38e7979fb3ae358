// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/history"
	"github.com/kfunccheck/kfunccheck/patchcheck/kindex"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
	"github.com/kfunccheck/kfunccheck/patchcheck/report/oneline"
	"github.com/kfunccheck/kfunccheck/rules"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// historyOpts are the flags of history.
type historyOpts struct {
	policyFlags
	format, outFile, urlTmpl, failOn string
	stats, listRules, quiet          bool
	minReleases, minDays             int
	uses, bases, series              []string
	flags                            *pflag.FlagSet
	// inputErrors counts the inputs that could not be read while the
	// others were: the run then exits 2.
	inputErrors int
}

func (c *cli) newHistoryCmd() *cobra.Command {
	o := &historyOpts{}
	cmd := &cobra.Command{
		Use:   "history [flags] (--repo DIR REV... | [LABEL=]BTF_FILE...)",
		Short: "kfunc contracts release by release, judged by the history rules",
		Long: "history reads the kfuncs of releases, oldest first, and judges each step by the history rules:\n" +
			"  --repo DIR REV...      releases of a kernel repository; a REV with * ? [ is a tag pattern,\n" +
			"                         in version order\n" +
			"  [LABEL=]BTF_FILE...    built kernels (ELF with .BTF_ids for flags, raw BTF, module .ko with --base)\n" +
			"Exit codes: 0 no finding at or above --fail-on, 1 some, 2 usage or input errors.",
		Run: func(_ *cobra.Command, args []string) {
			c.code = runHistory(o, args, c.stdout, c.stderr)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.format, "format", "text", "output: text, json or html")
	fs.StringVarP(&o.outFile, "output", "o", "", "write to this file instead of standard output; with --format html, a directory (DIR/) gets a static site: index.html and one page per kfunc")
	o.policyFlags.add(fs, nil, flagRepo, flagConfig, flagStableList)
	fs.StringArrayVar(&o.uses, "uses", nil, "BPF object whose compatibility matrix to add (repeatable)")
	fs.StringArrayVar(&o.bases, "base", nil, "base BTF of module files: once for all, or once per file in order")
	fs.StringVar(&o.urlTmpl, "url-template", history.DefaultURLTemplate, "source links of the page: {release} {commit} {file} {line}")
	o.flags = fs
	def := policy.Default()
	fs.IntVar(&o.minReleases, "min-deprecation-releases", def.MinDeprecationReleases, "releases a deprecated stable kfunc stays (default: the policy's min_deprecation_releases)")
	fs.IntVar(&o.minDays, "min-deprecation-days", def.MinDeprecationDays, "days a deprecated stable kfunc stays (default: the policy's min_deprecation_days)")
	fs.StringArrayVar(&o.series, "stable-series", nil, "tag pattern of a stable series (repeatable; default: the policy's stable_series, else by major.minor version)")
	fs.BoolVar(&o.listRules, "list-rules", false, "document the history rules and exit")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress line on a terminal")
	fs.StringVar(&o.failOn, "fail-on", "", "lowest severity that makes the exit code 1: error, warning or check (default: the policy's fail_on)")
	fs.BoolVar(&o.stats, "stats", false, "print timings to standard error")
	completeValues(cmd, "format", "text", "json", "html")
	completeValues(cmd, "fail-on", severityNames...)
	return cmd
}

// runHistory runs history over the parsed command line.
func runHistory(o *historyOpts, args []string, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "kfunccheck history: %v\n", err)
		return 2
	}
	if o.listRules {
		for _, r := range rules.All {
			if slices.Contains(r.Requires, rules.FactHistory) || slices.Contains(r.Requires, rules.FactTarget) {
				fmt.Fprintln(stdout, r.Explain())
			}
		}
		return 0
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, "usage: kfunccheck history [flags] (--repo DIR REV... | [LABEL=]BTF_FILE...)\n")
		return 2
	}
	opt, failOn, err := o.options(stderr)
	if err != nil {
		return fail(err)
	}
	h, compat, err := o.build(args, opt, stderr)
	if err != nil {
		return fail(err)
	}
	if err := o.write(stdout, h, compat); err != nil {
		return fail(err)
	}
	if o.inputErrors > 0 {
		return 2
	}
	// As for check: a finding at or above --fail-on fails the run, so
	// that a CI job can hold a stable series to its contracts.
	for _, st := range h.Steps {
		for _, f := range st.Findings {
			if f.Severity.AtLeast(failOn) {
				return 1
			}
		}
	}
	return 0
}

// options checks the flags and loads the policy.
func (o *historyOpts) options(stderr io.Writer) (patchcheck.Options, model.Severity, error) {
	switch o.format {
	case "text", "json", "html":
	default:
		return patchcheck.Options{}, 0, fmt.Errorf("unknown --format %q (want text, json or html)", o.format)
	}
	tree := o.repo
	if tree == "" {
		tree, _ = os.Getwd()
	}
	from, err := o.from(tree)
	if err != nil {
		return patchcheck.Options{}, 0, err
	}
	opt, err := policyOptions(from, nil, "", stderr)
	if err != nil {
		return opt, 0, err
	}
	// The history rules' flags override the policy, on a copy of it.
	if o.flags != nil && (o.flags.Changed("min-deprecation-releases") || o.flags.Changed("min-deprecation-days") || len(o.series) > 0) {
		cfg := *opt.Policy
		if o.flags.Changed("min-deprecation-releases") {
			cfg.MinDeprecationReleases = o.minReleases
		}
		if o.flags.Changed("min-deprecation-days") {
			cfg.MinDeprecationDays = o.minDays
		}
		if len(o.series) > 0 {
			cfg.StableSeries = o.series
		}
		if cfg.MinDeprecationReleases < 0 || cfg.MinDeprecationDays < 0 {
			return opt, 0, errors.New("--min-deprecation-releases and --min-deprecation-days cannot be negative")
		}
		opt.Policy = &cfg
	}
	failOn, err := model.ParseSeverity(cmp.Or(o.failOn, opt.Policy.FailOn))
	if err != nil {
		return opt, 0, fmt.Errorf("--fail-on: %w", err)
	}
	return opt, failOn, nil
}

// build reads the releases, diffs and judges them, and adds the --uses
// programs' compatibility.
func (o *historyOpts) build(args []string, opt patchcheck.Options, stderr io.Writer) (*history.History, []*history.Compat, error) {
	start := time.Now()
	var rels []*history.Release
	var err error
	if o.repo != "" {
		rels, err = repoReleases(o.repo, args, opt, stderr, o.stats, terminalProgress(stderr, o.quiet, "reading releases"))
	} else {
		rels, err = kernelReleases(args, o.bases, opt, terminalProgress(stderr, o.quiet || len(args) < 2, "reading kernels"))
	}
	if err != nil {
		return nil, nil, err
	}
	read := time.Since(start)
	h, err := history.Build(rels, opt)
	if err != nil {
		return nil, nil, err
	}
	var compat []*history.Compat
	for _, obj := range btfinfo.ReadObjects(o.uses) {
		if obj.Err != nil {
			// One unreadable program is its own error: the others are
			// judged, and the run exits 2 at the end.
			fmt.Fprintf(stderr, "kfunccheck history: --uses %s\n", oneline.String(obj.Err.Error()))
			o.inputErrors++
			continue
		}
		compat = append(compat, h.CheckCompat(obj))
	}
	if o.stats {
		fmt.Fprintf(stderr, "history: %d releases read in %v, diffed and judged in %v\n", len(rels), read.Round(time.Millisecond), (time.Since(start) - read).Round(time.Millisecond))
	}
	return h, compat, nil
}

// write renders the history in --format to -o or stdout.
func (o *historyOpts) write(stdout io.Writer, h *history.History, compat []*history.Compat) error {
	// -o DIR/ (or an existing directory) with the page: a static site.
	if o.format == "html" && o.outFile != "" {
		if st, err := os.Stat(o.outFile); err == nil && st.IsDir() || strings.HasSuffix(o.outFile, "/") {
			return h.WriteSite(o.outFile, compat, o.urlTmpl)
		}
	}
	w := stdout
	var f *os.File
	if o.outFile != "" {
		var err error
		if f, err = os.Create(o.outFile); err != nil {
			return err
		}
		w = f
	}
	bw := bufio.NewWriter(w)
	var err error
	switch o.format {
	case "text":
		err = h.WriteText(bw, compat)
	case "json":
		d := h.Document(o.urlTmpl)
		d.Compat = compat
		err = history.WriteJSON(bw, d)
	case "html":
		err = h.WriteHTML(bw, compat, o.urlTmpl)
	}
	err = errors.Join(err, bw.Flush())
	if f != nil {
		err = errors.Join(err, f.Close())
	}
	return err
}

// repoReleases reads the releases named by revs (tag patterns expanded in
// version order) from the repository at dir.
func repoReleases(dir string, revs []string, opt patchcheck.Options, stderr io.Writer, stats bool, progress func(done, total int)) ([]*history.Release, error) {
	gitrepo.UseFastSHA1()
	repo, layout, err := gitrepo.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("--repo %s: %w", dir, err)
	}
	defer repo.Close()
	var names, ids []string
	for _, r := range revs {
		if !history.IsPattern(r) {
			id, err := repo.Resolve(r)
			if err != nil {
				return nil, fmt.Errorf("--repo %s: revision %s: %w", dir, oneline.String(r), err)
			}
			names, ids = append(names, r), append(ids, id)
			continue
		}
		tags, skipped, err := history.ListTags(layout.CommonDir, r)
		if err != nil {
			return nil, fmt.Errorf("--repo %s: tags %s: %w", dir, r, err)
		}
		// A tag git would refuse to create is left out, said, not fatal.
		for _, s := range skipped {
			fmt.Fprintf(stderr, "kfunccheck history: warning: tag \"%s\" left out: not a valid ref name\n", oneline.String(s))
		}
		if len(tags) == 0 {
			return nil, fmt.Errorf("--repo %s: no tag matches %s", dir, r)
		}
		for _, t := range tags {
			id, err := history.ResolveTag(repo, t)
			if err != nil {
				return nil, fmt.Errorf("--repo %s: tag %s: %w", dir, oneline.String(t.Name), err)
			}
			names, ids = append(names, t.Name), append(ids, id)
		}
	}
	idx := kindex.ForRepo(repo, opt.Policy.NotKernel)
	if idx == nil {
		return nil, fmt.Errorf("--repo %s: the repository cannot list trees", dir)
	}
	cache := kindex.CachePath(layout.GitDir)
	idx.Load(cache)
	defer idx.Save(cache)
	if stats {
		// The index keeps the trees, so reading them here first costs
		// FromRepo nothing and shows the first walk apart from the
		// derivations.
		for i, n := range names {
			id := ids[i]
			began, reads := time.Now(), idx.Reads
			if _, err := idx.At(id); err != nil {
				break
			}
			fmt.Fprintf(stderr, "history: tree of %s in %v (%d blobs read)\n", n, time.Since(began).Round(time.Millisecond), idx.Reads-reads)
		}
	}
	rels, err := history.FromCommits(repo, idx, names, ids, opt.Policy, opt.Interest, progress)
	if stats && err == nil {
		fmt.Fprintf(stderr, "history: %d blobs read\n", idx.Reads)
	}
	return rels, err
}
