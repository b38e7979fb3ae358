// SPDX-License-Identifier: GPL-2.0-only

// Command gensourced writes patchcheck/history/sourced.json: for each
// kernel series given, the hook table of its kernel/bpf/btf.c and the
// registrations of its kfunc sets, read from a kernel repository by the
// history reader. scripts/gen-sourced.sh runs it over the evolution
// fixture (Debian's linux-source-6.1 and -6.12).
//
// usage: gensourced -o FILE REPO SERIES=REV=PROVENANCE...
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/history"
	"github.com/kfunccheck/kfunccheck/patchcheck/kindex"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

func main() {
	out := flag.String("o", "", "output file")
	flag.Parse()
	if *out == "" || flag.NArg() < 2 {
		fmt.Fprintln(os.Stderr, "usage: gensourced -o FILE REPO SERIES=REV=PROVENANCE...")
		os.Exit(2)
	}
	if err := run(*out, flag.Arg(0), flag.Args()[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gensourced:", err)
		os.Exit(1)
	}
}

func run(out, dir string, specs []string) error {
	repo, _, err := gitrepo.Open(dir)
	if err != nil {
		return err
	}
	defer repo.Close()
	cfg := policy.Default()
	idx := kindex.ForRepo(repo, cfg.NotKernel)
	var tables []*history.SourcedTable
	for _, s := range specs {
		parts := strings.SplitN(s, "=", 3)
		if len(parts) != 3 {
			return fmt.Errorf("%q: want SERIES=REV=PROVENANCE", s)
		}
		rels, err := history.FromRepo(repo, idx, []string{parts[1]}, cfg, nil)
		if err != nil {
			return err
		}
		t := history.SourcedFrom(rels[0], parts[0], parts[2])
		if t.Hooks == nil {
			return fmt.Errorf("%s: %s", parts[1], rels[0].CallableSource)
		}
		t.Hooks.Source = "kernel/bpf/btf.c of " + parts[2]
		tables = append(tables, t)
	}
	data, err := json.MarshalIndent(tables, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(data, '\n'), 0o644)
}
