// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kfunccheck/kfunccheck/hooks"
	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// selfPath is the absolute path of the running binary; tests replace it.
var selfPath = func() (string, error) {
	p, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(p)
}

// hookOpts are the flags of the hook subcommands.
type hookOpts struct {
	policyFlags
	force, chain, showMerges bool
}

func (c *cli) newHookCmd() *cobra.Command {
	sub := func(use, short string, args cobra.PositionalArgs, run func(*hookOpts, []string) int, flags func(*pflag.FlagSet, *hookOpts)) *cobra.Command {
		o := &hookOpts{}
		cmd := &cobra.Command{
			Use:   use,
			Short: short,
			Args:  args,
			Run:   func(_ *cobra.Command, a []string) { c.code = run(o, a) },
		}
		o.policyFlags.add(cmd.Flags(), map[sharedFlag]string{flagRepo: "a directory inside it (default: the current directory)"}, flagRepo)
		flags(cmd.Flags(), o)
		return cmd
	}
	checking := func(fs *pflag.FlagSet, o *hookOpts) {
		o.policyFlags.add(fs, nil, flagConfig)
		fs.BoolVar(&o.showMerges, "show-merges", false, "also check merge commits")
	}
	return c.group("hook", "the git pre-push hook, and the same check for the pre-commit framework",
		sub("install [--repo DIR] [--force | --chain]", "install the pre-push hook", cobra.NoArgs,
			func(o *hookOpts, _ []string) int { return hookInstall(o, c.stdout, c.stderr) },
			func(fs *pflag.FlagSet, o *hookOpts) {
				fs.BoolVar(&o.force, "force", false, "replace a foreign pre-push hook (kept as pre-push.kfunccheck-backup, .1, .2, ...)")
				fs.BoolVar(&o.chain, "chain", false, "keep a foreign pre-push hook and run it first")
			}),
		sub("uninstall [--repo DIR]", "remove the pre-push hook kfunccheck installed", cobra.NoArgs,
			func(o *hookOpts, _ []string) int { return hookUninstall(o, c.stdout, c.stderr) },
			func(*pflag.FlagSet, *hookOpts) {}),
		sub("pre-push REMOTE URL", "run by git: check the pushed commits (the pushed refs come on stdin)", cobra.RangeArgs(1, 2),
			func(o *hookOpts, a []string) int { return hookCheck(o, "pre-push", a, c.stdin, c.stderr) }, checking),
		sub("pre-commit", "for the pre-commit framework: check PRE_COMMIT_FROM_REF..TO_REF, or HEAD's unpushed commits", cobra.NoArgs,
			func(o *hookOpts, a []string) int { return hookCheck(o, "pre-commit", a, c.stdin, c.stderr) }, checking),
	)
}

func hookInstall(o *hookOpts, stdout, stderr io.Writer) int {
	dir := o.repo
	if dir == "" {
		dir = "."
	}
	bin, err := selfPath()
	if err != nil {
		fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
		return 2
	}
	if strings.Contains(bin, string(filepath.Separator)+"go-build") {
		fmt.Fprintf(stderr, "kfunccheck: %s is a temporary binary of go run; install kfunccheck (go install ./cmd/kfunccheck) and run the installed one\n", bin)
		return 2
	}
	res, err := hooks.Install(hooks.InstallOptions{Repo: dir, Force: o.force, Chain: o.chain, Binary: bin})
	if err != nil {
		fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
		return 2
	}
	switch {
	case res.Backup != "":
		fmt.Fprintf(stdout, "kfunccheck: the pre-push hook that was there is kept as %s\n", res.Backup)
	case res.Chained != "":
		fmt.Fprintf(stdout, "kfunccheck: the pre-push hook that was there is kept as %s and runs first\n", res.Chained)
	}
	fmt.Fprintf(stdout, "kfunccheck: pre-push hook installed: %s (runs %s)\n", res.Path, bin)
	return 0
}

func hookUninstall(o *hookOpts, stdout, stderr io.Writer) int {
	dir := o.repo
	if dir == "" {
		dir = "."
	}
	path, err := hooks.Uninstall(dir)
	if err != nil {
		fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
		if errors.Is(err, hooks.ErrForeignHook) {
			return 1
		}
		return 2
	}
	fmt.Fprintf(stdout, "kfunccheck: pre-push hook removed: %s\n", path)
	return 0
}

// hookCheck is the check of pre-push (git's protocol) and of pre-commit
// (the framework's environment).
func hookCheck(o *hookOpts, kind string, args []string, stdin io.Reader, stderr io.Writer) int {
	dir := o.repo
	if dir == "" {
		dir = "."
	}
	gitrepo.UseFastSHA1()
	pp := &hooks.PrePush{Dir: dir, Stdin: stdin, Stderr: stderr, ShowMerges: o.showMerges}
	switch kind {
	case "pre-push":
		if readsTerminal(stdin) {
			// git writes the pushed refs to the hook's stdin; a
			// terminal there means a hook runner that does not pass
			// them, and waiting for them would hang the push.
			fmt.Fprint(stderr, "kfunccheck hook pre-push: standard input is a terminal, not the ref updates git writes to a pre-push hook.\n"+
				"Run it from git's pre-push hook (kfunccheck hook install), or give it git's stdin (lefthook: use_stdin: true).\n")
			return 2
		}
		pp.Remote, pp.URL = args[0], args[len(args)-1]
	case "pre-commit":
		in, remote, err := preCommitInput(dir)
		if err != nil {
			fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
			return 2
		}
		pp.Stdin, pp.Remote = strings.NewReader(in), remote
		// pre-commit gives the pushed range only in its pre-push
		// stage; without it this is the manual stage or a shell.
		pp.ByHand = os.Getenv("PRE_COMMIT_TO_REF") == ""
	}
	from, err := o.from(dir)
	var opt patchcheck.Options
	if err == nil {
		opt, err = policyOptions(from, nil, "", stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "kfunccheck pre-push: %v\nTo push without the check: git push --no-verify, or %s=1 git push\n", err, hooks.SkipEnv)
		return 1
	}
	pp.Options = opt
	pp.FailOn, _ = model.ParseSeverity(opt.Policy.FailOn)
	return pp.Run()
}

// preCommitInput turns the pre-commit framework's environment into one
// pre-push line: PRE_COMMIT_FROM_REF/TO_REF in the pre-push stage (ids or
// names), or HEAD against the remote-tracking refs when run by hand.
func preCommitInput(dir string) (string, string, error) {
	from, to := os.Getenv("PRE_COMMIT_FROM_REF"), os.Getenv("PRE_COMMIT_TO_REF")
	remote := os.Getenv("PRE_COMMIT_REMOTE_NAME")
	if remote == "" {
		remote = "origin"
	}
	if to == "" {
		to = "HEAD"
	}
	repo, _, err := gitrepo.Open(dir)
	if err != nil {
		return "", "", err
	}
	defer repo.Close()
	toID, err := repo.Resolve(to)
	if err != nil {
		return "", "", fmt.Errorf("PRE_COMMIT_TO_REF: %w", err)
	}
	fromID := repo.ZeroID()
	if from != "" {
		if fromID, err = repo.Resolve(from); err != nil {
			return "", "", fmt.Errorf("PRE_COMMIT_FROM_REF: %w", err)
		}
	}
	return fmt.Sprintf("refs/pre-commit %s refs/pre-commit %s\n", toID, fromID), remote, nil
}

// readsTerminal reports whether r is a character device other than
// /dev/null: a terminal, as a hook runner without stdin leaves it.
func readsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(st, null)
}
