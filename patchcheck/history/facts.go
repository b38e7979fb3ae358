// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/kfunccheck/kfunccheck/patchcheck/gitrepo"
	"github.com/kfunccheck/kfunccheck/patchcheck/kindex"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// ReleaseWindow is how many of the newest release tags the history rules
// of check, the hook and the bot read: enough for the default deprecation
// period (10 releases) and a few more.
const ReleaseWindow = 12

// ReleaseTags is the tag pattern of kernel releases; release candidates
// ("-rc") are left out, as they are not releases a deprecation period
// counts.
const ReleaseTags = "v[0-9]*"

// facts returns the releases as the history rules read them.
func facts(rels []*Release) []model.Release {
	out := make([]model.Release, len(rels))
	for i, r := range rels {
		ks := make(map[string]model.ReleaseKfunc, len(r.Kfuncs))
		for n, c := range r.Kfuncs {
			ks[n] = model.ReleaseKfunc{Prototype: c.Prototype, Stable: c.Stable, Deprecated: c.Deprecated}
		}
		out[i] = model.Release{Name: r.Name, Time: r.Time, Kfuncs: ks}
	}
	return out
}

// known is a history already read: the releases before a step.
type known struct{ r *model.Releases }

// Releases returns the history.
func (k known) Releases() (*model.Releases, error) { return k.r, nil }

// seriesRE finds a release's major.minor version.
var seriesRE = regexp.MustCompile(`\d+\.\d+`)

// stepSeries names the stable series two consecutive releases are both
// in: the first of patterns both match, or by default their common
// major.minor version (v6.1, v6.1.5 and Debian's 6.1.0-47-amd64); "" when
// the step leaves or enters a series.
func stepSeries(a, b string, patterns []string) string {
	if len(patterns) > 0 {
		for _, p := range patterns {
			ma, _ := path.Match(p, a)
			mb, _ := path.Match(p, b)
			if ma && mb {
				return p
			}
		}
		return ""
	}
	va, vb := seriesRE.FindString(a), seriesRE.FindString(b)
	if va == "" || va != vb {
		return ""
	}
	return va
}

// RepoHistory is the release history of a repository for check, the hook
// and the bot: its newest ReleaseWindow release tags, read the first time
// a rule asks and then kept.
type RepoHistory struct {
	repo      gitrepo.Repository
	commonDir string
	idx       *kindex.Index
	cfg       *policy.Config
	interest  map[string]bool
	warn      func(string)

	once sync.Once
	rels *model.Releases
	err  error
}

// NewRepoHistory returns the history of repo (whose common git directory
// is commonDir), read through idx under cfg. A release that cannot be
// read is told through warn, once.
func NewRepoHistory(repo gitrepo.Repository, commonDir string, idx *kindex.Index, cfg *policy.Config, interest map[string]bool, warn func(string)) *RepoHistory {
	if warn == nil {
		warn = func(string) {}
	}
	return &RepoHistory{repo: repo, commonDir: commonDir, idx: idx, cfg: cfg, interest: interest, warn: warn}
}

// errFewTags is why a repository without two releases has no history.
var errFewTags = errors.New("the repository has fewer than two release tags")

// Releases reads the history the first time, and returns it.
func (s *RepoHistory) Releases() (*model.Releases, error) {
	s.once.Do(s.load)
	return s.rels, s.err
}

func (s *RepoHistory) load() {
	tags, err := Tags(s.commonDir, ReleaseTags)
	if err != nil {
		s.err = fmt.Errorf("listing the release tags: %w", err)
		s.warn("history rules: " + s.err.Error())
		return
	}
	var rels []string
	for _, t := range tags {
		if !strings.Contains(t, "-rc") {
			rels = append(rels, t)
		}
	}
	if len(rels) < 2 {
		s.err = errFewTags
		return
	}
	if len(rels) > ReleaseWindow {
		rels = rels[len(rels)-ReleaseWindow:]
	}
	releases, err := FromRepo(s.repo, s.idx, rels, s.cfg, s.interest)
	if err != nil {
		s.err = fmt.Errorf("reading releases %s..%s: %w", rels[0], rels[len(rels)-1], err)
		s.warn("history rules: " + s.err.Error())
		return
	}
	s.rels = &model.Releases{List: facts(releases)}
}
