// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kfunccheck/kfunccheck/hooks"
	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

const hookUsage = `usage:
  kfunccheck hook install [--repo DIR] [--force | --chain]
  kfunccheck hook uninstall [--repo DIR]
  kfunccheck hook pre-push REMOTE URL      (run by git; reads the pushed refs on stdin)
  kfunccheck hook pre-commit               (for the pre-commit framework: PRE_COMMIT_FROM_REF/TO_REF)
`

// selfPath is the absolute path of the running binary; tests replace it.
var selfPath = func() (string, error) {
	p, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(p)
}

func runHook(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, hookUsage)
		return 2
	}
	fs := flag.NewFlagSet("hook "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", ".", "a directory inside the git repository")
	force := fs.Bool("force", false, "install: replace a foreign pre-push hook (kept as pre-push.kfunccheck-backup)")
	chain := fs.Bool("chain", false, "install: keep a foreign pre-push hook and run it first")
	conf := fs.String("config", "", "policy file (default: .kfunccheck.toml of the repository)")
	showMerges := fs.Bool("show-merges", false, "pre-push: also check merge commits")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch args[0] {
	case "install":
		bin, err := selfPath()
		if err != nil {
			fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
			return 2
		}
		if strings.Contains(bin, string(filepath.Separator)+"go-build") {
			fmt.Fprintf(stderr, "kfunccheck: %s is a temporary binary of go run; install kfunccheck (go install ./cmd/kfunccheck) and run the installed one\n", bin)
			return 2
		}
		path, err := hooks.Install(hooks.InstallOptions{Repo: *repo, Force: *force, Chain: *chain, Binary: bin})
		if err != nil {
			fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
			return 2
		}
		fmt.Fprintf(stdout, "kfunccheck: pre-push hook installed: %s (runs %s)\n", path, bin)
		return 0
	case "uninstall":
		path, err := hooks.Uninstall(*repo)
		if err != nil {
			fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
			if errors.Is(err, hooks.ErrForeignHook) {
				return 1
			}
			return 2
		}
		fmt.Fprintf(stdout, "kfunccheck: pre-push hook removed: %s\n", path)
		return 0
	case "pre-push", "pre-commit":
		gitrepo.UseFastSHA1()
		pp := &hooks.PrePush{Dir: *repo, Stdin: stdin, Stderr: stderr, ShowMerges: *showMerges}
		switch args[0] {
		case "pre-push":
			if fs.NArg() < 1 {
				fmt.Fprint(stderr, hookUsage)
				return 2
			}
			if readsTerminal(stdin) {
				// git writes the pushed refs to the hook's stdin; a
				// terminal there means a hook runner that does not pass
				// them, and waiting for them would hang the push.
				fmt.Fprint(stderr, "kfunccheck hook pre-push: standard input is a terminal, not the ref updates git writes to a pre-push hook.\n"+
					"Run it from git's pre-push hook (kfunccheck hook install), or give it git's stdin (lefthook: use_stdin: true).\n")
				return 2
			}
			pp.Remote, pp.URL = fs.Arg(0), fs.Arg(fs.NArg()-1)
		case "pre-commit":
			in, remote, err := preCommitInput(*repo)
			if err != nil {
				fmt.Fprintf(stderr, "kfunccheck: %v\n", err)
				return 2
			}
			pp.Stdin, pp.Remote = strings.NewReader(in), remote
			// pre-commit gives the pushed range only in its pre-push
			// stage; without it this is the manual stage or a shell.
			pp.ByHand = os.Getenv("PRE_COMMIT_TO_REF") == ""
		}
		opt, err := patchcheck.LoadOptions(*conf, *repo, nil)
		if err != nil {
			fmt.Fprintf(stderr, "kfunccheck pre-push: %v\nTo push without the check: git push --no-verify, or %s=1 git push\n", err, hooks.SkipEnv)
			return 1
		}
		pp.Options = opt
		pp.FailOn, _ = model.ParseSeverity(opt.Policy.FailOn)
		return pp.Run()
	}
	fmt.Fprintf(stderr, "kfunccheck: unknown hook command %q\n%s", args[0], hookUsage)
	return 2
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
