// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo"
	"github.com/kfunccheck/kfunccheck/patchcheck/history"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report"
	"github.com/kfunccheck/kfunccheck/patchcheck/report/oneline"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// btfOpts are the flags of the btf subcommands; each declares its own.
type btfOpts struct {
	policyFlags
	format, base string
	kernels      []string
	quiet        bool
}

func (c *cli) newBTFCmd() *cobra.Command {
	sub := func(use, short string, run func(*btfOpts, string, []string, io.Writer, io.Writer) int, formats []string, flags func(*pflag.FlagSet, *btfOpts)) *cobra.Command {
		o := &btfOpts{}
		cmd := &cobra.Command{
			Use:   use,
			Short: short,
			Run: func(cmd *cobra.Command, args []string) {
				c.code = run(o, cmd.UseLine(), args, c.stdout, c.stderr)
			},
		}
		cmd.Flags().StringVar(&o.format, "format", "text", "output: "+strings.Join(formats, ", "))
		completeValues(cmd, "format", formats...)
		flags(cmd.Flags(), o)
		return cmd
	}
	base := func(fs *pflag.FlagSet, o *btfOpts) {
		fs.StringVar(&o.base, "base", "", "base BTF of a module's split BTF (default: "+btfinfo.DefaultKernel+" for a .ko)")
	}
	return c.group("btf", "what built kernels and BPF programs say",
		sub("list [flags] [FILE]", "the kfuncs of a built kernel or module (default "+btfinfo.DefaultKernel+")", btfList,
			[]string{"text", "json"}, base),
		sub("diff [flags] OLD NEW", "what changed in the kfuncs between two builds, judged", btfDiff,
			[]string{"text", "json", "sarif", "github"}, func(fs *pflag.FlagSet, o *btfOpts) {
				base(fs, o)
				o.policyFlags.add(fs, nil, flagConfig, flagStableList)
			}),
		sub("uses [flags] PROG.bpf.o...", "the kfuncs a BPF program calls", btfUses,
			[]string{"text", "json"}, func(*pflag.FlagSet, *btfOpts) {}),
		sub("compat [flags] PROG.bpf.o...", "whether kernels have the kfuncs BPF programs call, as libbpf resolves them", btfCompat,
			[]string{"text", "json"}, func(fs *pflag.FlagSet, o *btfOpts) {
				fs.StringArrayVar(&o.kernels, "kernel", nil, "[LABEL=]kernel BTF to check against (repeatable: a matrix over several kernels; default "+btfinfo.DefaultKernel+")")
				fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress line on a terminal")
				base(fs, o)
				o.policyFlags.add(fs, nil, flagConfig)
			}),
	)
}

func btfList(o *btfOpts, use string, paths []string, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
		return 2
	}
	file := btfinfo.DefaultKernel
	if len(paths) > 0 {
		file = paths[0]
	}
	k, err := btfinfo.Load(file, o.base)
	if err != nil {
		return fail(err)
	}
	if o.format == "json" {
		doc := map[string]any{"source": k.Source, "kfuncs": k.Kfuncs}
		if len(k.Unresolved) > 0 {
			doc["unresolved"] = k.Unresolved
		}
		return writeJSON(stdout, doc)
	}
	for _, kf := range k.Kfuncs {
		line := kf.Prototype
		switch {
		case len(kf.Flags) > 0:
			line += "  /* " + strings.Join(kf.Flags, " | ") + " */"
		case kf.Flags == nil && len(kf.Sets) > 0:
			// The sets disagree: which flags apply depends on the
			// program type, so each set's are shown.
			line += "  /* " + kf.FlagsBySet() + " */"
		}
		if len(kf.Tags) > 1 {
			line = "__bpf_fastcall " + line
		}
		fmt.Fprintln(stdout, oneline.String(line))
	}
	for _, u := range k.Unresolved {
		fmt.Fprintf(stdout, "/* unresolved, not callable: %s */\n", oneline.String(u))
	}
	return 0
}
func btfDiff(o *btfOpts, use string, paths []string, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
		return 2
	}
	if len(paths) != 2 {
		fmt.Fprintln(stderr, "usage: kfunccheck "+use)
		return 2
	}
	old, err := btfinfo.Load(paths[0], o.base)
	if err != nil {
		return fail(err)
	}
	nw, err := btfinfo.Load(paths[1], o.base)
	if err != nil {
		return fail(err)
	}
	opt, err := o.options(stderr)
	if err != nil {
		return fail(err)
	}
	changes := btfinfo.Diff(old, nw, opt.Policy.CompareOptions())
	p := &model.Patch{Source: paths[1], Subject: model.Subject{Raw: "btf diff " + paths[0] + " " + paths[1]}}
	res := patchcheck.CheckChanges(p, changes, opt)
	return reportBTFDiff(res, o.format, opt, stdout, stderr)
}
func btfUses(o *btfOpts, use string, paths []string, stdout, stderr io.Writer) int {
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "usage: kfunccheck "+use)
		return 2
	}
	all := map[string][]*btfinfo.Use{}
	code := 0
	// One unreadable object is that object's error: the others are read.
	for _, obj := range btfinfo.ReadObjects(paths) {
		if obj.Err != nil {
			fmt.Fprintf(stderr, "kfunccheck: %s\n", oneline.String(obj.Err.Error()))
			code = 2
			continue
		}
		all[obj.Path] = obj.Uses
		if obj.Refused != "" {
			fmt.Fprintf(stderr, "kfunccheck: warning: %s: %s\n", oneline.String(obj.Path), oneline.String(obj.Refused))
		}
		if o.format != "json" {
			for _, u := range obj.Uses {
				weak := ""
				if u.Weak {
					weak = " /* __weak */"
				}
				fmt.Fprintf(stdout, "%s: %s%s\n", oneline.String(obj.Path), oneline.String(u.Prototype), weak)
			}
		}
	}
	if o.format == "json" {
		if c := writeJSON(stdout, all); c != 0 {
			return c
		}
	}
	return code
}

// btfCompat judges BPF objects against kernels: each kernel read once,
// every object in one run, by the rule history --uses applies.
func btfCompat(o *btfOpts, use string, paths []string, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "kfunccheck: %s\n", oneline.String(err.Error()))
		return 2
	}
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "usage: kfunccheck "+use)
		return 2
	}
	pol, err := o.options(stderr)
	if err != nil {
		return fail(err)
	}
	if len(o.kernels) == 0 {
		o.kernels = []string{btfinfo.DefaultKernel}
	}
	var objs []btfinfo.Object
	var rels []*history.Release
	var kerr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		objs = btfinfo.ReadObjects(paths)
	}()
	rels, kerr = kernelReleases(o.kernels, []string{o.base}, pol, terminalProgress(stderr, o.quiet || len(o.kernels) < 2, "reading kernels"))
	wg.Wait()
	if kerr != nil {
		return fail(kerr)
	}
	var out []*history.Compat
	code := 0
	for _, obj := range objs {
		if obj.Err != nil {
			fmt.Fprintf(stderr, "kfunccheck: %s\n", oneline.String(obj.Err.Error()))
			code = 2
			continue
		}
		c := history.CheckCompat(rels, obj)
		out = append(out, c)
		for _, r := range c.Releases {
			if !r.Loads && code == 0 {
				code = 1
			}
		}
	}
	if o.format == "json" {
		var ks []map[string]string
		for _, r := range rels {
			ks = append(ks, map[string]string{"label": r.Name, "source": r.Source, "program_types": r.CallableSource})
		}
		if c := writeJSON(stdout, map[string]any{"kernels": ks, "programs": out}); c != 0 {
			return c
		}
		return code
	}
	for _, c := range out {
		if len(rels) == 1 {
			compatList(stdout, c, rels[0])
		} else {
			compatMatrix(stdout, c)
		}
	}
	return code
}

// kernelReleases reads the kernels, [LABEL=]FILE each, at once; bases is
// empty, one base for all, or one per file. progress, when not nil, is
// told of each kernel read.
func kernelReleases(args, bases []string, opt patchcheck.Options, progress func(done, total int)) ([]*history.Release, error) {
	if len(bases) == 1 && bases[0] == "" {
		bases = nil
	}
	if len(bases) > 1 && len(bases) != len(args) {
		return nil, fmt.Errorf("--base given %d times for %d files: give it once, or once per file", len(bases), len(args))
	}
	rels := make([]*history.Release, len(args))
	errs := make([]error, len(args))
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
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
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			k, err := btfinfo.Load(file, base)
			if err != nil {
				errs[i] = err
				return
			}
			rels[i] = history.FromKernel(label, k, opt.Policy, opt.Interest)
			if progress != nil {
				mu.Lock()
				done++
				progress(done, len(args))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return rels, errors.Join(errs...)
}

// compatList prints one program's verdicts on one kernel, a kfunc a line.
func compatList(w io.Writer, c *history.Compat, r *history.Release) {
	cr := c.Releases[0]
	if c.Refused != "" {
		fmt.Fprintf(w, "%s: %s: does not load\n", oneline.String(c.Program), oneline.String(c.Refused))
		return
	}
	bad := 0
	for _, v := range cr.Kfuncs {
		if !v.Loads {
			bad++
		}
		fmt.Fprintf(w, "%-12s %s", v.Status, oneline.String(v.Use.Prototype))
		if v.Status == btfinfo.StatusMissing && v.Use.Weak {
			fmt.Fprint(w, "  (weak: the program can check bpf_ksym_exists())")
		}
		if v.Kernel != "" && v.Status != btfinfo.StatusOK {
			fmt.Fprintf(w, "\n             kernel: %s", oneline.String(v.Kernel))
		}
		for _, group := range [][]string{v.Reasons, v.Notes} {
			for _, s := range group {
				fmt.Fprintf(w, "\n             %s", oneline.String(s))
			}
		}
		for _, s := range v.Unknown {
			// What the kernel cannot tell of every kfunc is said once,
			// after them.
			if !strings.HasPrefix(s, "program types: ") {
				fmt.Fprintf(w, "\n             cannot tell %s", oneline.String(s))
			}
		}
		fmt.Fprintln(w)
	}
	if cr.Unknown != "" && len(c.ProgTypes) > 0 {
		fmt.Fprintf(w, "cannot tell %s\n", oneline.String(cr.Unknown))
	}
	verdict := "loads"
	if !cr.Loads {
		verdict = "does not load"
	}
	fmt.Fprintf(w, "%s: %d kfuncs, %d keep it from loading on %s: %s\n", oneline.String(c.Program), len(cr.Kfuncs), bad, oneline.String(r.Name), verdict)
}

// compatMatrix prints one program against several kernels: a row per
// kfunc, a column per kernel, and whether the program loads on each.
func compatMatrix(out io.Writer, c *history.Compat) {
	if c.Refused != "" {
		fmt.Fprintf(out, "%s: %s: does not load\n", oneline.String(c.Program), oneline.String(c.Refused))
		return
	}
	w := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprint(w, oneline.String(c.Program))
	for _, r := range c.Releases {
		fmt.Fprintf(w, "\t%s", oneline.String(r.Release))
	}
	fmt.Fprintln(w)
	for i, u := range c.Uses {
		name := u.Name
		if u.Weak {
			name += " (weak)"
		}
		fmt.Fprint(w, oneline.String(name))
		for _, r := range c.Releases {
			fmt.Fprintf(w, "\t%s", r.Kfuncs[i].Status)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "loads")
	for _, r := range c.Releases {
		bad := 0
		for _, v := range r.Kfuncs {
			if !v.Loads {
				bad++
			}
		}
		verdict := "yes"
		if !r.Loads {
			verdict = fmt.Sprintf("no (%d)", bad)
		}
		fmt.Fprintf(w, "\t%s", verdict)
	}
	fmt.Fprintln(w)
	w.Flush()
}

func writeJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return 2
	}
	return 0
}

// reportBTFDiff prints a kernel-to-kernel diff: its changes, then the
// rules' findings for stable kfuncs, in any of check's formats.
func reportBTFDiff(res *patchcheck.Result, format string, opt patchcheck.Options, stdout, stderr io.Writer) int {
	u := report.Unit{Result: res, Name: res.Patch.Subject.Raw}
	out, err := report.New(format, stdout, report.TextOptions{ShowTypes: true}, Version)
	if err != nil {
		fmt.Fprintf(stderr, "kfunccheck: unknown --format %q (want %s)\n", format, strings.Join(report.Formats, ", "))
		return 2
	}
	if format == "text" {
		for _, c := range res.Changes {
			fmt.Fprintf(stdout, "%-10s %s", c.Kind, oneline.String(c.Kfunc))
			switch c.Kind {
			case model.KindSignature:
				for _, d := range c.SigDiffs {
					mark := "compatible"
					if d.Breaking {
						mark = "breaking"
					}
					fmt.Fprintf(stdout, "\n           %s: %s", mark, oneline.String(d.What))
				}
			case model.KindFlags:
				fmt.Fprintf(stdout, ": +%v -%v", c.FlagsAdded, c.FlagsRemoved)
				if c.Detail != "" {
					fmt.Fprintf(stdout, " (%s)", oneline.String(c.Detail))
				}
			case model.KindMoved:
				fmt.Fprintf(stdout, ": %s", oneline.String(c.Detail))
			}
			fmt.Fprintln(stdout)
		}
		fmt.Fprintln(stdout)
	}
	var sum report.Summary
	sum.Patches = 1
	failOn, _ := model.ParseSeverity(opt.Policy.FailOn)
	failed := false
	kept := res.Findings[:0]
	for _, f := range res.Findings {
		if f.Severity == model.SeverityCheck {
			continue
		}
		kept = append(kept, f)
		sum.Counts.Add(f)
		failed = failed || f.Severity.AtLeast(failOn)
	}
	res.Findings = kept
	if err := out.Patch(u); err != nil {
		return 2
	}
	if err := out.End(sum); err != nil {
		return 2
	}
	if failed {
		return 1
	}
	return 0
}

// options loads the policy of a btf command: --config, and the policy of
// the current directory's tree.
func (p *policyFlags) options(stderr io.Writer) (patchcheck.Options, error) {
	wd, _ := os.Getwd()
	from, err := p.from(wd)
	if err != nil {
		return patchcheck.Options{}, err
	}
	return policyOptions(from, nil, "", stderr)
}
