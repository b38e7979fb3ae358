// SPDX-License-Identifier: GPL-2.0-only

package hooks

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/checkrun"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/report"
)

// DefaultMaxCommits caps the commits one pushed ref may bring to check.
const DefaultMaxCommits = 1000

// SkipEnv is the environment variable that turns the hook off for one push.
const SkipEnv = "KFUNCCHECK_SKIP"

// PrePush runs git's pre-push protocol: git passes the remote's name and
// URL as arguments and one line per pushed ref on stdin,
// "<local ref> <local oid> <remote ref> <remote oid>".
type PrePush struct {
	Dir         string // a directory inside the repository
	Remote, URL string
	Stdin       io.Reader
	Stderr      io.Writer
	Options     patchcheck.Options
	FailOn      model.Severity
	MaxCommits  int
	ShowMerges  bool
	ShowChecks  bool
	// ByHand marks a run outside a push (pre-commit's manual stage, or
	// the hook command typed in a shell): there is no push to refuse, so
	// the verdict names what was checked instead.
	ByHand         bool
	refsChecked    int
	commitsChecked int
	// guessed names what was checked when git's ref updates did not
	// come (see headPush); "" when they did.
	guessed string
}

// update is one line of the hook's input.
type update struct {
	localRef, local, remoteRef, remote string
}

func isZero(id string) bool { return strings.Trim(id, "0") == "" }

func validID(id string) bool {
	if len(id) != 40 && len(id) != 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// parseUpdates reads the hook's stdin.
func parseUpdates(r io.Reader) ([]update, error) {
	var out []update
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 4 || !validID(f[1]) || !validID(f[3]) {
			return nil, fmt.Errorf("pre-push input line %d is not \"<local ref> <local oid> <remote ref> <remote oid>\": %q", n, line)
		}
		out = append(out, update{f[0], f[1], f[2], f[3]})
	}
	return out, sc.Err()
}

// Run checks the pushed commits and returns the hook's exit code: 0 lets
// the push go on, 1 refuses it.
func (h *PrePush) Run() int {
	if os.Getenv(SkipEnv) == "1" {
		fmt.Fprintf(h.Stderr, "kfunccheck: %s=1: pushed commits not checked\n", SkipEnv)
		return 0
	}
	// A PrePush may run more than once: each run counts its own.
	h.refsChecked, h.commitsChecked, h.guessed = 0, 0, ""
	if h.MaxCommits <= 0 {
		h.MaxCommits = DefaultMaxCommits
	}
	updates, err := parseUpdates(h.Stdin)
	if err != nil {
		return h.fail(err)
	}
	sess, err := checkrun.Attach(h.Dir, h.Options, func(msg string) { fmt.Fprintf(h.Stderr, "kfunccheck: %s\n", msg) })
	if err != nil {
		return h.fail(err)
	}
	defer sess.Close()
	attached := sess.Options(h.Options)
	repo := sess.Repo
	if len(updates) == 0 && !h.ByHand {
		// git runs the hook with no line when the push updates nothing
		// ("Everything up-to-date"), and a hook runner that does not pass
		// git's input on leaves it empty too. Which refs are pushed is
		// then unknown: what pushing HEAD would send is checked, and the
		// run says so, never passing in silence.
		u, what, err := h.headPush(sess)
		if err != nil {
			return h.fail(fmt.Errorf("no ref updates on standard input, and HEAD cannot stand in for them: %w", err))
		}
		h.guessed = what
		fmt.Fprintf(h.Stderr, "kfunccheck: no ref updates on standard input: the push updates nothing, or the hook runner did not pass git's input on (lefthook: use_stdin: true).\n"+
			"kfunccheck: checking what pushing HEAD to %s would send instead: %s; other pushed refs are not seen.\n", h.Remote, what)
		updates = []update{u}
	}
	out := report.NewText(h.Stderr, report.TextOptions{ShowTypes: true, Strict: h.ShowChecks})
	tally := checkrun.Tally{Strict: h.ShowChecks, FailOn: h.FailOn}
	checked := map[string]bool{}
	for _, u := range updates {
		if isZero(u.local) {
			continue // a deletion pushes no commit
		}
		ids, err := h.commits(repo, u)
		if err != nil {
			return h.fail(err)
		}
		var fresh []string
		for _, id := range ids {
			if !checked[id] { // a commit pushed to two refs is checked once
				checked[id] = true
				fresh = append(fresh, id)
			}
		}
		keep, merges, err := gitrepo.SkipMerges(repo, fresh, h.ShowMerges)
		if err != nil {
			return h.fail(err)
		}
		if merges > 0 {
			fmt.Fprintf(h.Stderr, "kfunccheck: %s: skipped %d merge commit(s)\n", u.localRef, merges)
		}
		if len(keep) == 0 {
			continue
		}
		h.refsChecked++
		h.commitsChecked += len(keep)
		// The pushed ref names the branch the commits go to, which a
		// stable series pattern may match.
		opt := attached
		opt.Target = checkrun.Target(strings.TrimPrefix(strings.TrimPrefix(u.remoteRef, "refs/heads/"), "refs/tags/"), opt)
		for res := range patchcheck.Results(sess.Series(keep), opt) {
			tally.Add(res)
			if len(res.Findings) > 0 || len(res.Errors) > 0 {
				u := report.Unit{Result: res, Multi: true, Name: checkrun.UnitName(res)}
				if err := out.Patch(u); err != nil {
					return h.fail(err)
				}
			}
		}
	}
	return h.verdict(&tally)
}

// verdict closes the run with one line and returns the exit code. A
// commit that could not be read fails the run as a finding does, since
// what it changes went unjudged; the line then says so rather than
// "0 error(s), 0 warning(s)", the error itself being shown above.
func (h *PrePush) verdict(t *checkrun.Tally) int {
	failed := t.Failed() || t.InputFailed()
	if h.guessed != "" && !failed {
		verdict := t.Problems("commit")
		if verdict == "" {
			verdict = "no finding"
		}
		fmt.Fprintf(h.Stderr, "kfunccheck: checked %d commit(s), %s: %s.\n", h.commitsChecked, h.guessed, verdict)
	}
	if h.ByHand {
		verdict := t.Problems("commit")
		if verdict == "" {
			verdict = "no finding"
		}
		fmt.Fprintf(h.Stderr, "kfunccheck: checked %d commit(s) of HEAD not on %s's remote-tracking refs: %s.\n", h.commitsChecked, h.Remote, verdict)
		if failed {
			return 1
		}
		return 0
	}
	if failed {
		what := fmt.Sprintf("%d error(s), %d warning(s) in %d commit(s) pushed to %s", t.Counts.Errors, t.Counts.Warnings, h.commitsChecked, h.Remote)
		switch {
		case !t.Failed() && t.Counts.Errors+t.Counts.Warnings == 0:
			what = fmt.Sprintf("%s, of %d commit(s) pushed to %s", checkrun.CouldNotRead(t.Unreadable, "commit"), h.commitsChecked, h.Remote)
		case t.Unreadable > 0:
			what += "; " + checkrun.CouldNotRead(t.Unreadable, "commit")
		}
		hint := ""
		if t.Failed() {
			hint = "See \"kfunccheck explain RULE_ID\". "
		}
		fmt.Fprintf(h.Stderr, "kfunccheck: push refused: %s.\n%sTo push anyway: git push --no-verify, or %s=1 git push\n",
			what, hint, SkipEnv)
		return 1
	}
	if t.Counts.Warnings > 0 {
		fmt.Fprintf(h.Stderr, "kfunccheck: %d warning(s); they do not block the push (fail_on in .kfunccheck.toml)\n", t.Counts.Warnings)
	}
	return 0
}

// commits lists the commits a ref update brings, newest first: those not
// already on the remote branch, or, for a new branch or a remote id this
// repository lacks, those not reachable from any of the remote's tracking
// refs. The list is capped.
func (h *PrePush) commits(repo gitrepo.Repository, u update) ([]string, error) {
	if !repo.HasCommit(u.local) {
		return nil, fmt.Errorf("%s: pushed commit %s is not in the repository", u.localRef, u.local)
	}
	var exclude []string
	switch {
	case !isZero(u.remote) && repo.HasCommit(u.remote):
		exclude = []string{u.remote}
	default:
		if !isZero(u.remote) {
			fmt.Fprintf(h.Stderr, "kfunccheck: %s: the remote's %s is not here (fetch to compare); checking the commits not on any refs/remotes/%s/*\n",
				u.localRef, short(u.remote), h.Remote)
		}
		tips, err := repo.RefsWithPrefix("refs/remotes/" + h.Remote + "/")
		if err != nil {
			return nil, err
		}
		exclude = tips
	}
	ids, truncated, err := repo.RevList([]string{u.local}, exclude, h.MaxCommits)
	if err != nil {
		return nil, err
	}
	if truncated {
		fmt.Fprintf(h.Stderr, "kfunccheck: %s: more than %d new commits; checking the newest %d only (kfunccheck check -g checks any range)\n",
			u.localRef, h.MaxCommits, h.MaxCommits)
	}
	slices.Reverse(ids)
	return ids, nil
}

// headPush is the ref update a push of HEAD to the hook's remote would
// make, as git's default push (push.default=simple) makes it: the current
// branch to the remote's branch of the same name, whose remote-tracking
// ref says what the remote has. A branch the remote lacks, or a detached
// HEAD, is checked against every remote-tracking ref of the remote, as
// a new branch is. what says, for the user, which commits these are.
func (h *PrePush) headPush(sess *checkrun.Session) (update, string, error) {
	if sess.Head == "" {
		return update{}, "", fmt.Errorf("HEAD names no commit")
	}
	zero := sess.Repo.ZeroID()
	branch := headBranch(sess.Layout)
	if branch == "" {
		return update{"HEAD", sess.Head, "HEAD", zero}, fmt.Sprintf("those of the detached HEAD not on any refs/remotes/%s/*", h.Remote), nil
	}
	tracking := "refs/remotes/" + h.Remote + "/" + branch
	if id, err := sess.Repo.Resolve(tracking); err == nil {
		return update{"refs/heads/" + branch, sess.Head, "refs/heads/" + branch, id},
			fmt.Sprintf("those of %s not on %s", branch, strings.TrimPrefix(tracking, "refs/remotes/")), nil
	}
	return update{"refs/heads/" + branch, sess.Head, "refs/heads/" + branch, zero},
		fmt.Sprintf("those of %s (not on %s yet) not on any refs/remotes/%s/*", branch, h.Remote, h.Remote), nil
}

// headBranch reads the branch HEAD is on from the repository's own HEAD
// file (a linked worktree has its own), "" for a detached HEAD.
func headBranch(l *gitrepo.Layout) string {
	data, err := os.ReadFile(filepath.Join(l.GitDir, "HEAD"))
	if err != nil {
		return ""
	}
	ref, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "ref: refs/heads/")
	if !ok || ref == "" || strings.ContainsAny(ref, " \t\n\r\x00") {
		return ""
	}
	return ref
}

func short(id string) string { return id[:min(12, len(id))] }

func (h *PrePush) fail(err error) int {
	fmt.Fprintf(h.Stderr, "kfunccheck pre-push: %v\nTo push without the check: git push --no-verify, or %s=1 git push\n", err, SkipEnv)
	return 1
}
