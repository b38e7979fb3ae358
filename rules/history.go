// SPDX-License-Identifier: GPL-2.0-only

package rules

import "github.com/kfunccheck/kfunccheck/patchcheck/model"

// deprecatedStableRemovals returns the patch's removals and demotions of
// kfuncs that were deprecated and stable before it, with the history;
// nil when there are none, or no history. Stable means KF_STABLE on the
// kfunc before the patch, or stable in the last release of the history
// (a stable list names it).
func (p *Pass) deprecatedStableRemovals() ([]*model.Change, *model.Releases) {
	var out []*model.Change
	var h *model.Releases
	for _, c := range p.ChangesOf(model.KindRemoved, model.KindDemoted) {
		if c.Kfunc == "" || !c.Before.HasFlag(p.Config.DeprecatedFlag) {
			continue
		}
		if h == nil {
			if h = p.History(); h == nil {
				return nil, nil
			}
		}
		k, _ := h.Kfunc(h.Last(), c.Kfunc)
		if c.Before.HasFlag(p.Config.StableFlag) || k.Stable {
			out = append(out, c)
		}
	}
	return out, h
}

// nextRelease names the release a patch goes into: its target, or the
// one after the history's last.
func (p *Pass) nextRelease(h *model.Releases) string {
	if t := p.Target(); t != nil && t.Name != "" {
		return t.Name
	}
	return "the release after " + h.List[h.Last()].Name
}
