// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/kfunccheck/kfunccheck/patchcheck"
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

// Judge returns, for patchcheck.Options.Extra, the history rules applied
// to each patch (HISTORY_DEPRECATION_PERIOD, HISTORY_DEPRECATION_CLAIM,
// HISTORY_NAME_REUSED) against the newest ReleaseWindow release tags of
// the repository. The history is read only when a patch removes, demotes
// or adds a kfunc, and once; a repository without two release tags, or
// one whose history cannot be read, gets no history finding, and the
// reason is told through warn once.
func Judge(repo gitrepo.Repository, commonDir string, idx *kindex.Index, cfg *policy.Config, interest map[string]bool, warn func(string)) func(*model.Patch, []*model.Change) []model.Finding {
	return NewJudge(repo, commonDir, idx, cfg, interest, warn).For("")
}

// Judger applies the history rules to the patches meant for one target
// or another: the branch or tag a range or a push goes to, which a
// stable series pattern (policy stable_series) may match.
type Judger struct {
	judge func(target string, p *model.Patch, changes []*model.Change) []model.Finding
}

// For returns the judge of patches meant for target ("" when unknown).
func (j *Judger) For(target string) func(*model.Patch, []*model.Change) []model.Finding {
	return func(p *model.Patch, changes []*model.Change) []model.Finding { return j.judge(target, p, changes) }
}

// NewJudge is Judge for several targets, sharing one history.
func NewJudge(repo gitrepo.Repository, commonDir string, idx *kindex.Index, cfg *policy.Config, interest map[string]bool, warn func(string)) *Judger {
	var once sync.Once
	var h *History
	load := func() {
		tags, err := Tags(commonDir, ReleaseTags)
		if err != nil {
			warn(fmt.Sprintf("history rules: listing the release tags: %v", err))
			return
		}
		var rels []string
		for _, t := range tags {
			if !strings.Contains(t, "-rc") {
				rels = append(rels, t)
			}
		}
		if len(rels) < 2 {
			return // no releases: nothing history can tell
		}
		if len(rels) > ReleaseWindow {
			rels = rels[len(rels)-ReleaseWindow:]
		}
		releases, err := FromRepo(repo, idx, rels, cfg, interest)
		if err == nil {
			h, err = Build(releases, patchcheck.Options{Policy: cfg})
		}
		if err != nil {
			warn(fmt.Sprintf("history rules: reading releases %s..%s: %v", rels[0], rels[len(rels)-1], err))
			h = nil
		}
	}
	return &Judger{judge: func(target string, p *model.Patch, changes []*model.Change) []model.Finding {
		if target == "" {
			target = MailTarget(p)
		}
		needed := len(changes) > 0 && seriesTarget(target, cfg.StableSeries)
		for _, c := range changes {
			switch c.Kind {
			case model.KindRemoved, model.KindDemoted, model.KindAdded:
				needed = c.Kfunc != ""
			}
			if needed {
				break
			}
		}
		if !needed {
			return nil
		}
		once.Do(load)
		if h == nil {
			return nil
		}
		return h.JudgePatch(p, changes, target, RulesOf(cfg), cfg)
	}}
}

// seriesTarget reports whether target is in a stable series: then every
// change needs the history.
func seriesTarget(target string, patterns []string) bool {
	for _, pat := range patterns {
		if ok, _ := path.Match(pat, target); ok && target != "" {
			return true
		}
	}
	return false
}

// RulesOf returns the history rules' policy from the policy file.
func RulesOf(cfg *policy.Config) Rules {
	return Rules{MinDeprecationReleases: cfg.MinDeprecationReleases, MinDeprecationDays: cfg.MinDeprecationDays,
		StableSeries: cfg.StableSeries}
}

// stableRE is a stable review subject's version prefix: "[PATCH 6.1 012/100]".
var stableRE = regexp.MustCompile(`^(\d+\.\d+)(?:\.\d+)?(?:-stable)?$`)

// MailTarget names the stable series a mailed patch is for, from its
// subject's version prefix ("[PATCH 6.1 012/100]" is for "v6.1.y", which a
// stable_series pattern such as "v6.1.*" matches); "" for other mail.
func MailTarget(p *model.Patch) string {
	if p == nil {
		return ""
	}
	for _, pre := range p.Subject.Prefixes {
		if m := stableRE.FindStringSubmatch(pre); m != nil {
			return "v" + m[1] + ".y"
		}
	}
	return ""
}
