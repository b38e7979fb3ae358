// SPDX-License-Identifier: GPL-2.0-only

package hooks

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/history"
	"github.com/kfunccheck/kfunccheck/patchcheck/kindex"
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
	if h.MaxCommits <= 0 {
		h.MaxCommits = DefaultMaxCommits
	}
	updates, err := parseUpdates(h.Stdin)
	if err != nil {
		return h.fail(err)
	}
	repo, layout, err := gitrepo.Open(h.Dir)
	if err != nil {
		return h.fail(err)
	}
	defer repo.Close()
	name := layout.WorkTree
	if name == "" {
		name = layout.GitDir
	}
	repo.SetSelector(gitrepo.KfuncSelector(h.Options.Interest))
	opt := h.Options
	opt.Baseline = baseline.Multi{gitrepo.Baseline{Repo: repo, Name: name}, opt.Baseline}
	var judge *history.Judger
	if idx := kindex.ForRepo(repo, opt.Policy.NotKernel); idx != nil {
		cache := kindex.CachePath(layout.GitDir)
		idx.Load(cache)
		defer idx.Save(cache)
		opt.Tree = idx.TreeFor(repo, "")
		judge = history.NewJudge(repo, layout.CommonDir, idx, opt.Policy, opt.Interest,
			func(msg string) { fmt.Fprintf(h.Stderr, "kfunccheck: %s\n", msg) })
	}
	out := report.NewText(h.Stderr, report.TextOptions{ShowTypes: true, Strict: h.ShowChecks})
	var counts report.Counts
	failed := false
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
		if judge != nil {
			// The pushed ref names the branch the commits go to, which
			// a stable series pattern may match.
			opt.Extra = judge.For(strings.TrimPrefix(strings.TrimPrefix(u.remoteRef, "refs/heads/"), "refs/tags/"))
		}
		for _, res := range patchcheck.CheckSeries(gitrepo.Series(repo, keep, name), opt) {
			res.Findings = slices.DeleteFunc(res.Findings, func(f model.Finding) bool {
				return f.Severity == model.SeverityCheck && !h.ShowChecks
			})
			bad := len(res.Errors) > 0
			for _, f := range res.Findings {
				counts.Add(f)
				bad = bad || f.Severity.AtLeast(h.FailOn)
			}
			failed = failed || bad
			if len(res.Findings) > 0 || len(res.Errors) > 0 {
				u := report.Unit{Result: res, Multi: true, Name: fmt.Sprintf("Commit %.12s (\"%s\")", res.Patch.Commit, res.Patch.Subject.Title)}
				if err := out.Patch(u); err != nil {
					return h.fail(err)
				}
			}
		}
	}
	if h.ByHand {
		verdict := "no finding"
		if failed || counts.Errors+counts.Warnings > 0 {
			verdict = fmt.Sprintf("%d error(s), %d warning(s)", counts.Errors, counts.Warnings)
		}
		fmt.Fprintf(h.Stderr, "kfunccheck: checked %d commit(s) of HEAD not on %s's remote-tracking refs: %s.\n", h.commitsChecked, h.Remote, verdict)
		if failed {
			return 1
		}
		return 0
	}
	if failed {
		fmt.Fprintf(h.Stderr, "kfunccheck: push refused: %d error(s), %d warning(s) in %d commit(s) pushed to %s.\n"+
			"See \"kfunccheck explain RULE_ID\". To push anyway: git push --no-verify, or %s=1 git push\n",
			counts.Errors, counts.Warnings, h.commitsChecked, h.Remote, SkipEnv)
		return 1
	}
	if counts.Warnings > 0 {
		fmt.Fprintf(h.Stderr, "kfunccheck: %d warning(s); they do not block the push (fail_on in .kfunccheck.toml)\n", counts.Warnings)
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

func short(id string) string { return id[:min(12, len(id))] }

func (h *PrePush) fail(err error) int {
	fmt.Fprintf(h.Stderr, "kfunccheck pre-push: %v\nTo push without the check: git push --no-verify, or %s=1 git push\n", err, SkipEnv)
	return 1
}
