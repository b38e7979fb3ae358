// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/history"
	"github.com/kfunccheck/kfunccheck/patchcheck/kindex"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

const historyUsage = `usage:
  kfunccheck history [flags] --repo DIR REV...      releases of a kernel repository, oldest first;
                                                   a REV with * ? [ is a tag pattern, in version order
  kfunccheck history [flags] [LABEL=]BTF_FILE...    built kernels (ELF with .BTF_ids for flags, raw BTF,
                                                   module .ko with --base), oldest first

flags:
  --format text|json|html   output (default text)
  -o FILE                   write to FILE instead of standard output
  --uses PROG.bpf.o         add the program's compatibility matrix (repeatable)
  --base FILE               base BTF of module files: once for all, or once per file in order
  --url-template T          source links of the page: {release} {commit} {file} {line}
                            (default ` + history.DefaultURLTemplate + `)
  --stable-list FILE        kfuncs to judge as stable (repeatable); --config FILE the policy
  --min-deprecation-releases N, --min-deprecation-days N, --stable-series PATTERN (repeatable)
                            the history rules' policy (defaults: 10 releases, no days,
                            series by major.minor version); --list-rules documents them
  --fail-on error|warning|check   exit 1 when a finding is at least this severe
                            (default: the policy's fail_on)
  --stats                   print timings to standard error

Exit codes: 0 no finding at or above --fail-on, 1 some, 2 usage or input errors.
`

func runHistory(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("history", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, historyUsage)
		if listFlagDefinitions {
			fs.PrintDefaults()
		}
	}
	format := fs.String("format", "text", "output format: text, json or html")
	outFile := fs.String("o", "", "output file")
	repoDir := fs.String("repo", "", "kernel git repository")
	conf := fs.String("config", "", "policy file")
	urlTmpl := fs.String("url-template", history.DefaultURLTemplate, "source link template")
	stats := fs.Bool("stats", false, "print timings to standard error")
	hr := history.DefaultRules()
	fs.IntVar(&hr.MinDeprecationReleases, "min-deprecation-releases", hr.MinDeprecationReleases, "releases a deprecated stable kfunc stays")
	fs.IntVar(&hr.MinDeprecationDays, "min-deprecation-days", hr.MinDeprecationDays, "days a deprecated stable kfunc stays")
	listRules := fs.Bool("list-rules", false, "document the history rules")
	failOnFlag := fs.String("fail-on", "", "lowest severity that makes the exit code 1 (default: the policy's fail_on)")
	var lists, uses, bases, series pathsFlag
	fs.Var(&series, "stable-series", "tag pattern of a stable series (repeatable)")
	fs.Var(&lists, "stable-list", "stable kfuncs (repeatable)")
	fs.Var(&uses, "uses", "BPF object whose compatibility to show (repeatable)")
	fs.Var(&bases, "base", "base BTF of module files (once, or once per file)")
	args, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "kfunccheck history: %v\n", err)
		return 2
	}
	if *listRules {
		for _, r := range history.AllHistoryRules {
			fmt.Fprintln(stdout, r.Explain())
		}
		return 0
	}
	hr.StableSeries = series
	switch *format {
	case "text", "json", "html":
	default:
		return fail(fmt.Errorf("unknown --format %q (want text, json or html)", *format))
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, historyUsage)
		return 2
	}
	opt, err := patchcheck.LoadOptions(*conf, *repoDir, lists)
	if err != nil {
		return fail(err)
	}
	if *failOnFlag == "" {
		*failOnFlag = opt.Policy.FailOn
	}
	failOn, err := model.ParseSeverity(*failOnFlag)
	if err != nil {
		return fail(fmt.Errorf("--fail-on: %w", err))
	}
	start := time.Now()
	var rels []*history.Release
	if *repoDir != "" {
		rels, err = repoReleases(*repoDir, args, opt, stderr, *stats)
	} else {
		rels, err = btfReleases(args, bases, opt)
	}
	if err != nil {
		return fail(err)
	}
	read := time.Since(start)
	h, err := history.Build(rels, opt)
	if err != nil {
		return fail(err)
	}
	h.CheckRules(hr, opt.Policy)
	var compat []*history.Compat
	for _, prog := range uses {
		us, err := btfinfo.Uses(prog)
		if err != nil {
			return fail(err)
		}
		pts, err := history.ProgTypes(prog)
		if err != nil {
			return fail(err)
		}
		compat = append(compat, h.CheckCompat(prog, pts, us, opt.Policy.CompareOptions()))
	}
	if *stats {
		fmt.Fprintf(stderr, "history: %d releases read in %v, diffed and judged in %v\n", len(rels), read.Round(time.Millisecond), (time.Since(start) - read).Round(time.Millisecond))
	}
	w := stdout
	var f *os.File
	if *outFile != "" {
		if f, err = os.Create(*outFile); err != nil {
			return fail(err)
		}
		w = f
	}
	bw := bufio.NewWriter(w)
	switch *format {
	case "text":
		err = h.WriteText(bw, compat)
	case "json":
		d := h.Document(*urlTmpl)
		d.Compat = compat
		if writeJSON(bw, d) != 0 {
			err = fmt.Errorf("writing JSON failed")
		}
	case "html":
		d := h.Document(*urlTmpl)
		d.Compat = compat
		err = history.WriteHTML(bw, d)
	}
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fail(err)
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

// repoReleases reads the releases named by revs (tag patterns expanded in
// version order) from the repository at dir.
func repoReleases(dir string, revs []string, opt patchcheck.Options, stderr io.Writer, stats bool) ([]*history.Release, error) {
	gitrepo.UseFastSHA1()
	repo, layout, err := gitrepo.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("--repo %s: %w", dir, err)
	}
	defer repo.Close()
	var names []string
	for _, r := range revs {
		if !history.IsPattern(r) {
			names = append(names, r)
			continue
		}
		tags, err := history.Tags(layout.CommonDir, r)
		if err != nil {
			return nil, fmt.Errorf("--repo %s: tags %s: %w", dir, r, err)
		}
		if len(tags) == 0 {
			return nil, fmt.Errorf("--repo %s: no tag matches %s", dir, r)
		}
		names = append(names, tags...)
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
		for _, n := range names {
			id, err := repo.Resolve(n)
			if err != nil {
				break
			}
			began, reads := time.Now(), idx.Reads
			if _, err := idx.At(id); err != nil {
				break
			}
			fmt.Fprintf(stderr, "history: tree of %s in %v (%d blobs read)\n", n, time.Since(began).Round(time.Millisecond), idx.Reads-reads)
		}
	}
	rels, err := history.FromRepo(repo, idx, names, opt.Policy, opt.Interest)
	if stats && err == nil {
		fmt.Fprintf(stderr, "history: %d blobs read\n", idx.Reads)
	}
	return rels, err
}

// btfReleases reads [LABEL=]FILE arguments; bases is empty, one base for
// all files, or one per file.
func btfReleases(args, bases []string, opt patchcheck.Options) ([]*history.Release, error) {
	if len(bases) > 1 && len(bases) != len(args) {
		return nil, fmt.Errorf("--base given %d times for %d files: give it once, or once per file", len(bases), len(args))
	}
	var rels []*history.Release
	for i, a := range args {
		label, file := "", a
		if l, f, ok := strings.Cut(a, "="); ok && l != "" && !strings.Contains(l, "/") {
			label, file = l, f
		}
		if label == "" {
			label = history.Label(file)
		}
		base := ""
		switch len(bases) {
		case 1:
			base = bases[0]
		case len(args):
			base = bases[i]
		}
		k, err := btfinfo.Load(file, base)
		if err != nil {
			return nil, err
		}
		rels = append(rels, history.FromKernel(label, k, opt.Policy, opt.Interest))
	}
	return rels, nil
}
