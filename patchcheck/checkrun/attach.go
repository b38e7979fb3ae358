// SPDX-License-Identifier: GPL-2.0-only

// Package checkrun prepares a check against a git repository and adds up
// its results, once for the check command, the pre-push hook and the
// mailing-list bot, so that the three judge a patch the same way and say
// the same thing about it.
package checkrun

import (
	"errors"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/extract"
	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/history"
	"github.com/kfunccheck/kfunccheck/patchcheck/kindex"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// Session is a repository attached to a check: its pre-images serve as
// the baseline, its tree at a patch's parent (or at HEAD) answers what the
// patch alone does not show, and its release tags are the history the
// history rules read.
type Session struct {
	// Repo is the open repository; Close closes it.
	Repo gitrepo.Repository
	// Layout is where the repository is on disk.
	Layout *gitrepo.Layout
	// Name names the repository in messages and as the source of its
	// commits: the work tree, or the git dir of a bare repository.
	Name string
	// Head is the commit at HEAD, "" in a repository without one.
	Head string

	idx   *kindex.Index
	cache string
	warn  func(string)
}

// Attach opens the repository containing dir ("" for the current
// directory) for checks with options like opt (Session.Options then
// attaches each). warn receives what the history rules could not do,
// once each; it may be nil.
//
// Attach does not call gitrepo.UseFastSHA1: that setting is process-wide
// and the bot, which fetches archives with go-git, must keep
// collision detection, so the choice stays with the command.
func Attach(dir string, opt patchcheck.Options, warn func(string)) (*Session, error) {
	if dir == "" {
		dir = "."
	}
	if warn == nil {
		warn = func(string) {}
	}
	repo, layout, err := gitrepo.Open(dir)
	if err != nil {
		return nil, err
	}
	// One name for every caller: the bot used to name a work tree's
	// repository by its git dir, so that its messages and the check's
	// named the same repository two ways. The work tree is the directory
	// the user gave; a bare repository has only its git dir.
	s := &Session{Repo: repo, Layout: layout, Name: layout.WorkTree, warn: warn}
	if s.Name == "" {
		s.Name = layout.GitDir
	}
	// The selector only decides which files FormatPatch renders, so it is
	// set for the bot too, which today renders no commit: it costs
	// nothing there, and a commit the bot ever renders is then cut to the
	// same files check and the hook judge, not rendered whole.
	repo.SetSelector(gitrepo.KfuncSelector(opt.Interest))
	// An unborn HEAD leaves Head empty: patches from files then get no
	// tree, as they would without a repository.
	s.Head, _ = repo.Resolve("HEAD")
	cfg := opt.Policy
	if cfg == nil {
		cfg = policy.Default()
	}
	if s.idx = kindex.ForRepo(repo, cfg.NotKernel); s.idx != nil {
		s.cache = kindex.CachePath(layout.GitDir)
		s.idx.Load(s.cache)
	}
	return s, nil
}

// Options returns opt attached to the repository: its pre-images first
// in the baseline, each patch's tree from the tree-wide index (a commit's
// parent, or HEAD for patches from files or mail), and the repository's
// release history, judged by opt's own policy (a bot list may have a
// policy of its own). The index is shared; opt is not changed.
func (s *Session) Options(opt patchcheck.Options) patchcheck.Options {
	if opt.Policy == nil {
		opt.Policy = policy.Default()
	}
	// The repository comes first: it has every pre-image a commit of its
	// own names. A nil baseline is left out, not asked: Multi would call
	// it when the repository lacks a blob.
	multi := baseline.Multi{gitrepo.Baseline{Repo: s.Repo, Name: s.Name}}
	if opt.Baseline != nil {
		multi = append(multi, opt.Baseline)
	}
	opt.Baseline = multi
	if s.idx == nil {
		return opt
	}
	// HEAD for every caller, the hook included: commits are judged
	// against their parents whatever head is, so only patches from files
	// or mail see it, and for them HEAD is the nearest guess.
	opt.Trees = trees{idx: s.idx, repo: s.Repo, head: s.Head}
	opt.History = history.NewRepoHistory(s.Repo, s.Layout.CommonDir, s.idx, opt.Policy, opt.Interest, s.warn)
	return opt
}

// trees gives patches their pre-image trees from the index.
type trees struct {
	idx  *kindex.Index
	repo gitrepo.Repository
	head string
}

func (t trees) TreeFor(p *model.Patch) (extract.TreeView, error) {
	return t.idx.TreeFor(t.repo, t.head)(p)
}

// Target returns the target of patches meant for the branch or tag name
// (a range's end, a push's remote branch) under opt's policy; nil for "".
func Target(name string, opt patchcheck.Options) *model.Target {
	if name == "" {
		return nil
	}
	cfg := opt.Policy
	if cfg == nil {
		cfg = policy.Default()
	}
	return &model.Target{Name: name, Series: cfg.StableSeriesOf(name)}
}

// Series renders commits of the repository (oldest first) as one series,
// named as the session names the repository.
func (s *Session) Series(ids []string) *model.Series {
	return gitrepo.Series(s.Repo, ids, s.Name)
}

// Close saves what the index learnt, for the next run to skip reading
// the same blobs again, and closes the repository.
func (s *Session) Close() error {
	if s == nil || s.Repo == nil {
		return nil
	}
	var err error
	if s.idx != nil {
		err = s.idx.Save(s.cache)
	}
	err = errors.Join(err, s.Repo.Close())
	s.Repo = nil
	return err
}
