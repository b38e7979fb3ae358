// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo"
	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report"
)

const btfUsage = `usage:
  kfunccheck btf list [--base FILE] [--format text|json] [FILE]   kfuncs of a kernel (default ` + btfinfo.DefaultKernel + `)
  kfunccheck btf diff [--stable-list FILE] [--format text|json|sarif|github] OLD NEW
  kfunccheck btf uses [--format text|json] PROG.bpf.o...          kfuncs a BPF program calls
  kfunccheck btf compat [--kernel FILE] [--format text|json] PROG.bpf.o
`

func runBTF(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, btfUsage)
		return 2
	}
	fs := flag.NewFlagSet("btf "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format")
	base := fs.String("base", "", "base BTF of a module's split BTF (list)")
	var kernels pathsFlag
	fs.Var(&kernels, "kernel", "kernel BTF to check against (compat; repeatable: a matrix over several kernels; default "+btfinfo.DefaultKernel+")")
	conf := fs.String("config", "", "policy file (diff)")
	var lists pathsFlag
	fs.Var(&lists, "stable-list", "stable kfuncs whose changes are judged (diff; repeatable)")
	paths, err := parseInterleaved(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
		return 2
	}
	switch args[0] {
	case "list":
		file := btfinfo.DefaultKernel
		if len(paths) > 0 {
			file = paths[0]
		}
		k, err := btfinfo.Load(file, *base)
		if err != nil {
			return fail(err)
		}
		if *format == "json" {
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
	case "diff":
		if len(paths) != 2 {
			fmt.Fprint(stderr, btfUsage)
			return 2
		}
		old, err := btfinfo.Load(paths[0], *base)
		if err != nil {
			return fail(err)
		}
		nw, err := btfinfo.Load(paths[1], *base)
		if err != nil {
			return fail(err)
		}
		opt, err := patchcheck.LoadOptions(*conf, "", lists)
		if err != nil {
			return fail(err)
		}
		changes := btfinfo.Diff(old, nw, opt.Policy.CompareOptions())
		p := &model.Patch{Source: paths[1], Subject: model.Subject{Raw: "btf diff " + paths[0] + " " + paths[1]}}
		res := patchcheck.CheckChanges(p, changes, opt)
		return reportBTFDiff(res, *format, opt, stdout, stderr)
	case "uses":
		if len(paths) == 0 {
			fmt.Fprint(stderr, btfUsage)
			return 2
		}
		all := map[string][]*btfinfo.Use{}
		for _, path := range paths {
			uses, err := btfinfo.Uses(path)
			if err != nil {
				return fail(err)
			}
			all[path] = uses
			if *format != "json" {
				for _, u := range uses {
					weak := ""
					if u.Weak {
						weak = " /* __weak */"
					}
					fmt.Fprintf(stdout, "%s: %s%s\n", path, u.Prototype, weak)
				}
			}
		}
		if *format == "json" {
			return writeJSON(stdout, all)
		}
		return 0
	case "compat":
		if len(paths) != 1 {
			fmt.Fprint(stderr, btfUsage)
			return 2
		}
		uses, err := btfinfo.Uses(paths[0])
		if err != nil {
			return fail(err)
		}
		pol, err := patchcheck.LoadOptions(*conf, "", nil)
		if err != nil {
			return fail(err)
		}
		if len(kernels) == 0 {
			kernels = pathsFlag{btfinfo.DefaultKernel}
		}
		if len(kernels) > 1 {
			return compatMatrix(paths[0], uses, kernels, *base, *format, pol.Policy.CompareOptions(), stdout, stderr)
		}
		k, err := btfinfo.Load(kernels[0], *base)
		if err != nil {
			return fail(err)
		}
		verdicts := btfinfo.Compat(uses, k, pol.Policy.CompareOptions())
		bad := problems(verdicts)
		if *format == "json" {
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
	fmt.Fprintf(stderr, "kfunccheck: unknown btf command %q\n%s", args[0], btfUsage)
	return 2
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
func compatMatrix(prog string, uses []*btfinfo.Use, kernels []string, base, format string, opt cscan.CompareOptions, stdout, stderr io.Writer) int {
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
