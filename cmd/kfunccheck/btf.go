// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo"
	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report"
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
		sub("compat [flags] PROG.bpf.o", "whether a kernel has the kfuncs a BPF program calls, as it calls them", btfCompat,
			[]string{"text", "json"}, func(fs *pflag.FlagSet, o *btfOpts) {
				fs.StringArrayVar(&o.kernels, "kernel", nil, "kernel BTF to check against (repeatable: a matrix over several kernels; default "+btfinfo.DefaultKernel+")")
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
		fmt.Fprintln(stdout, line)
	}
	for _, u := range k.Unresolved {
		fmt.Fprintf(stdout, "/* unresolved, not callable: %s */\n", u)
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
	fail := func(err error) int {
		fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
		return 2
	}
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "usage: kfunccheck "+use)
		return 2
	}
	all := map[string][]*btfinfo.Use{}
	for _, path := range paths {
		uses, err := btfinfo.Uses(path)
		if err != nil {
			return fail(err)
		}
		all[path] = uses
		if o.format != "json" {
			for _, u := range uses {
				weak := ""
				if u.Weak {
					weak = " /* __weak */"
				}
				fmt.Fprintf(stdout, "%s: %s%s\n", path, u.Prototype, weak)
			}
		}
	}
	if o.format == "json" {
		return writeJSON(stdout, all)
	}
	return 0
}
func btfCompat(o *btfOpts, use string, paths []string, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
		return 2
	}
	if len(paths) != 1 {
		fmt.Fprintln(stderr, "usage: kfunccheck "+use)
		return 2
	}
	uses, err := btfinfo.Uses(paths[0])
	if err != nil {
		return fail(err)
	}
	pol, err := o.options(stderr)
	if err != nil {
		return fail(err)
	}
	if len(o.kernels) == 0 {
		o.kernels = []string{btfinfo.DefaultKernel}
	}
	if len(o.kernels) > 1 {
		return compatMatrix(paths[0], uses, o.kernels, o.base, o.format, pol.Policy.CompareOptions(), stdout, stderr,
			terminalProgress(stderr, o.quiet, "reading kernels"))
	}
	k, err := btfinfo.Load(o.kernels[0], o.base)
	if err != nil {
		return fail(err)
	}
	verdicts := btfinfo.Compat(uses, k, pol.Policy.CompareOptions())
	bad := problems(verdicts)
	if o.format == "json" {
		writeJSON(stdout, map[string]any{"program": paths[0], "kernel": k.Source, "kfuncs": verdicts, "problems": bad})
	} else {
		for _, v := range verdicts {
			fmt.Fprintf(stdout, "%-12s %s", v.Status, v.Use.Prototype)
			if v.Status == "missing" && v.Use.Weak {
				fmt.Fprint(stdout, "  (weak: the program can check bpf_ksym_exists())")
			}
			if v.Kernel != "" && v.Status != "ok" {
				fmt.Fprintf(stdout, "\n             kernel: %s", v.Kernel)
			}
			for _, r := range v.Reasons {
				fmt.Fprintf(stdout, "\n             %s", r)
			}
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "%s: %d kfuncs, %d missing or incompatible in %s\n", paths[0], len(verdicts), bad, k.Source)
	}
	if bad > 0 {
		return 1
	}
	return 0
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
			fmt.Fprintf(stdout, "%-10s %s", c.Kind, c.Kfunc)
			switch c.Kind {
			case model.KindSignature:
				for _, d := range c.SigDiffs {
					mark := "compatible"
					if d.Breaking {
						mark = "breaking"
					}
					fmt.Fprintf(stdout, "\n           %s: %s", mark, d.What)
				}
			case model.KindFlags:
				fmt.Fprintf(stdout, ": +%v -%v", c.FlagsAdded, c.FlagsRemoved)
				if c.Detail != "" {
					fmt.Fprintf(stdout, " (%s)", c.Detail)
				}
			case model.KindMoved:
				fmt.Fprintf(stdout, ": %s", c.Detail)
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

// problems counts the kfuncs that keep a program from loading: strong
// ones missing, and any incompatible.
func problems(verdicts []btfinfo.Verdict) int {
	bad := 0
	for _, v := range verdicts {
		if v.Status == "incompatible" || v.Status == "missing" && !v.Use.Weak {
			bad++
		}
	}
	return bad
}

// compatMatrix checks one program against several kernels: a row per
// kfunc, a column per kernel, and whether the program loads on each. It
// exits 1 when the program does not load on one of them.
func compatMatrix(prog string, uses []*btfinfo.Use, kernels []string, base, format string, opt cscan.CompareOptions, stdout, stderr io.Writer, progress func(done, total int)) int {
	type column struct {
		Kernel   string            `json:"kernel"`
		Loads    bool              `json:"loads"`
		Problems int               `json:"problems"`
		Kfuncs   []btfinfo.Verdict `json:"kfuncs"`
	}
	var cols []column
	for _, path := range kernels {
		k, err := btfinfo.Load(path, base)
		if err != nil {
			fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
			return 2
		}
		v := btfinfo.Compat(uses, k, opt)
		cols = append(cols, column{Kernel: path, Kfuncs: v, Problems: problems(v), Loads: problems(v) == 0})
		if progress != nil {
			progress(len(cols), len(kernels))
		}
	}
	failed := false
	for _, c := range cols {
		failed = failed || !c.Loads
	}
	if format == "json" {
		writeJSON(stdout, map[string]any{"program": prog, "kernels": cols})
	} else {
		w := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
		fmt.Fprintf(w, "%s", prog)
		for _, c := range cols {
			fmt.Fprintf(w, "\t%s", filepath.Base(c.Kernel))
		}
		fmt.Fprintln(w)
		for i, u := range uses {
			name := u.Name
			if u.Weak {
				name += " (weak)"
			}
			fmt.Fprint(w, name)
			for _, c := range cols {
				fmt.Fprintf(w, "\t%s", c.Kfuncs[i].Status)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprint(w, "loads")
		for _, c := range cols {
			verdict := "yes"
			if !c.Loads {
				verdict = fmt.Sprintf("no (%d)", c.Problems)
			}
			fmt.Fprintf(w, "\t%s", verdict)
		}
		fmt.Fprintln(w)
		w.Flush()
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
