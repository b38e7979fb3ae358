// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// listFlag collects comma-separated rule IDs over repeated flags, as
// checkpatch's --ignore and --types do.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Type names the value in help and completion.
func (l *listFlag) Type() string { return "TYPES" }

// Set appends the comma-separated values of one flag, as checkpatch.pl's
// hash_save_array_words reads them: spaces trimmed, upper-cased, empty
// words and words starting with '#' left out.
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" && !strings.HasPrefix(s, "#") {
			*l = append(*l, strings.ToUpper(strings.Join(strings.Fields(s), " ")))
		}
	}
	return nil
}

// colorFlag is checkpatch's --color[=WHEN]: alone it means always.
type colorFlag string

func (c *colorFlag) String() string { return string(*c) }

// Type names the value in help and completion.
func (c *colorFlag) Type() string { return "WHEN" }

// Set takes checkpatch's spellings of WHEN.
func (c *colorFlag) Set(v string) error {
	switch v {
	case "true", "always", "yes":
		*c = "always"
	case "false", "never", "no":
		*c = "never"
	case "auto":
		*c = "auto"
	default:
		return fmt.Errorf("want always, never or auto")
	}
	return nil
}

// isColorWord reports whether "--color WHEN" may take v from the next
// argument: what Set takes; anything else there is a path.
func isColorWord(v string) bool {
	var c colorFlag
	return c.Set(v) == nil
}

// policyFlags are the flags that every command judging kfuncs against the
// policy shares. Each is declared here once, so that its spelling, its
// meaning and its help are the same in check, hook, bot, btf and history.
type policyFlags struct {
	conf        string
	treePolicy  string
	stableLists []string
	stableFrom  []string
	btf         string
	repo        string
}

// sharedFlag names one of the policy flags.
type sharedFlag int

const (
	flagConfig sharedFlag = iota
	flagStableList
	flagStableListFrom
	flagBTF
	flagRepo
)

// from says where the policy comes from: --config, --tree-policy and
// --stable-list, with the tree's policy file looked for from each of
// trees in turn.
func (p *policyFlags) from(trees ...string) (patchcheck.PolicyFrom, error) {
	from := patchcheck.PolicyFrom{Config: p.conf, StableLists: p.stableLists}
	for _, t := range trees {
		if t != "" {
			from.Trees = append(from.Trees, t)
		}
	}
	if p.treePolicy != "" {
		tp, err := patchcheck.ParseTreePolicy(p.treePolicy)
		if err != nil {
			return from, fmt.Errorf("--tree-policy: %w", err)
		}
		from.Tree = tp
	}
	return from, nil
}

// add declares the named shared flags on fs. note, when not empty, is
// added to a flag's help for what it does in this command only.
func (p *policyFlags) add(fs *pflag.FlagSet, notes map[sharedFlag]string, which ...sharedFlag) {
	help := func(f sharedFlag, s string) string {
		if n := notes[f]; n != "" {
			return s + "; " + n
		}
		return s
	}
	for _, f := range which {
		switch f {
		case flagConfig:
			fs.StringVar(&p.conf, "config", "", help(f, "the operator's policy `FILE` (default: the built-in policy)"))
			fs.StringVar(&p.treePolicy, "tree-policy", "", help(f, "what the checked tree's "+policy.FileName+" may do: use (be the policy), tighten (only make --config or the defaults stricter) or ignore (default: tighten with --config, else use)"))
		case flagStableList:
			fs.StringArrayVar(&p.stableLists, "stable-list", nil, help(f, "`FILE` naming stable kfuncs, one per line (repeatable)"))
		case flagStableListFrom:
			fs.StringArrayVar(&p.stableFrom, "stable-list-from", nil, help(f, "treat the kfuncs a compiled BPF program (`PROG.bpf.o`) calls as stable (repeatable)"))
		case flagBTF:
			fs.StringVar(&p.btf, "btf", "", help(f, "BTF `FILE` of a built kernel (raw or ELF): the functions it exports as kfuncs are known kfuncs"))
		case flagRepo:
			fs.StringVar(&p.repo, "repo", "", help(f, "kernel git repository `DIR` (work tree or bare)"))
		}
	}
}
