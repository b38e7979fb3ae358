// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// RuleDeprecationClaim checks a removal's "deprecated since" against
// history.
var RuleDeprecationClaim = &HistoryRule{ID: "HISTORY_DEPRECATION_CLAIM", Severity: model.SeverityError,
	Title: "a removal's \"deprecated since\" contradicts history",
	Doc: `STABLE_REMOVAL_NOTES asks a removal of a deprecated stable kfunc to
say since when it is deprecated ("deprecated since v6.14"). With the
repository's release tags the claim can be checked: the named release must
carry the kfunc with KF_DEPRECATED. A claim naming a release the history
does not hold is not judged.`}

// claimRE finds "deprecated since v6.14" (or "since 6.14.2") in a message.
var claimRE = regexp.MustCompile(`(?i)deprecated\s+(?:since|in|from)\s+(v?\d+\.\d+(?:\.\d+)?(?:-rc\d+)?)`)

// JudgePatch applies the history rules to the changes of a patch that
// goes on top of the history's last release (a commit after it, or a
// patch mailed for it), for check: the removal or demotion of a
// deprecated stable kfunc counts the releases since KF_DEPRECATED
// appeared up to the release the patch goes into, and its message's
// "deprecated since" claim is checked; a new kfunc may not take the name
// of one removed earlier; and when target (the branch or tag the patch is
// for) matches a stable series pattern, every change is reported.
func (h *History) JudgePatch(p *model.Patch, changes []*model.Change, target string, r Rules, cfg *policy.Config) []model.Finding {
	if cfg == nil {
		cfg = policy.Default()
	}
	if len(h.Releases) == 0 {
		return nil
	}
	last := len(h.Releases) - 1
	var out []model.Finding
	report := func(rule *HistoryRule, c *model.Change, format string, args ...any) {
		if slices.Contains(cfg.Ignore, rule.ID) {
			return
		}
		f := model.Finding{Rule: rule.ID, Severity: rule.Severity, Kfunc: c.Kfunc, Pos: c.Pos, Message: fmt.Sprintf(format, args...)}
		if sev, ok := cfg.Severity[rule.ID]; ok {
			f.Severity, _ = model.ParseSeverity(sev)
		}
		out = append(out, f)
	}
	var claims []string
	if p != nil {
		for _, m := range claimRE.FindAllStringSubmatch(p.MessageText(), -1) {
			claims = append(claims, m[1])
		}
	}
	series := ""
	for _, pat := range r.StableSeries {
		if ok, _ := path.Match(pat, target); ok && target != "" {
			series = pat
		}
	}
	reported := map[string]bool{}
	for _, c := range changes {
		if c.Kfunc == "" || c.SeenEarlier {
			continue
		}
		k := h.Releases[last].Kfuncs[c.Kfunc]
		switch c.Kind {
		case model.KindRemoved, model.KindDemoted:
			if !c.Before.HasFlag(cfg.DeprecatedFlag) || !(c.Before.HasFlag(cfg.StableFlag) || k != nil && k.Stable) {
				break
			}
			h.judgeRemoval(c, last, claims, r, report)
		case model.KindAdded:
			// An entry added to a kfunc the patch's pre-image already
			// has (since the last release) is no new use of the name.
			if k != nil || len(c.Before.AllEntries()) > 0 {
				break
			}
			for j := last - 1; j >= 0; j-- {
				if old := h.Releases[j].Kfuncs[c.Kfunc]; old != nil {
					report(RuleNameReused, c, "%s: new kfunc reuses the name of a kfunc removed after %s (was %s)", c.Kfunc, h.Releases[j].Name, old.Prototype)
					break
				}
			}
		}
		if series != "" && !reported[c.Kfunc] {
			reported[c.Kfunc] = true
			report(RuleStableSeries, c, "%s: %s on %s, within the stable series %s", c.Kfunc, c.Kind, target, series)
		}
	}
	return out
}

// judgeRemoval judges the removal of a deprecated stable kfunc made
// after release last: the period kept, and the message's claims.
func (h *History) judgeRemoval(c *model.Change, last int, claims []string, r Rules, report func(*HistoryRule, *model.Change, string, ...any)) {
	since := h.DeprecatedSince(c.Kfunc, last)
	next := "the release after " + h.Releases[last].Name
	switch {
	case since < 0 && r.MinDeprecationReleases > 0:
		report(RuleDeprecationPeriod, c, "%s: deprecated stable kfunc removed before any release carried KF_DEPRECATED (the last, %s, does not); the policy asks for at least %d releases",
			c.Kfunc, h.Releases[last].Name, r.MinDeprecationReleases)
	case since > 0 && r.MinDeprecationReleases > 0 && last+1-since < r.MinDeprecationReleases:
		report(RuleDeprecationPeriod, c, "%s: deprecated stable kfunc removed in %s, %d release(s) after it was deprecated in %s; the policy asks for at least %d",
			c.Kfunc, next, last+1-since, h.Releases[since].Name, r.MinDeprecationReleases)
	}
	for _, claim := range claims {
		i := h.release(claim)
		if i < 0 {
			continue
		}
		if k := h.Releases[i].Kfuncs[c.Kfunc]; k == nil || !k.Deprecated {
			shown := "not deprecated in any release of the history"
			if since >= 0 {
				shown = "KF_DEPRECATED from " + h.Releases[since].Name
			}
			report(RuleDeprecationClaim, c, "%s: the message says deprecated since %s, but %s does not carry it deprecated (history: %s)",
				c.Kfunc, claim, h.Releases[i].Name, shown)
		}
	}
}

// release finds a release by name, with or without a leading "v".
func (h *History) release(name string) int {
	want := strings.TrimPrefix(name, "v")
	for i, r := range h.Releases {
		if strings.TrimPrefix(r.Name, "v") == want {
			return i
		}
	}
	return -1
}
