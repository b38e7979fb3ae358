// SPDX-License-Identifier: GPL-2.0-only

package rules

import "github.com/kfunccheck/kfunccheck/patchcheck/model"

// StablePromotionDeprecated reports KF_STABLE on a deprecated kfunc.
var StablePromotionDeprecated = &Rule{
	ID:       "STABLE_PROMOTION_DEPRECATED",
	Severity: model.SeverityError,
	Title:    "KF_STABLE on a kfunc that carries KF_DEPRECATED",
	Doc: `A deprecated kfunc is on its way out; promoting it contradicts its
deprecation. This rule reports a patch that adds KF_STABLE to a kfunc whose
entry carries KF_DEPRECATED before or after the patch. Either drop the
deprecation first (with its reasons) or do not promote.`,
	Bad:      `+BTF_ID_FLAGS(func, bpf_old_thing, KF_DEPRECATED | KF_STABLE)`,
	Good:     `+BTF_ID_FLAGS(func, bpf_new_thing, KF_STABLE)`,
	Requires: []Fact{FactSeries},
	Check: func(p *Pass) {
		for _, c := range p.Promotions() {
			if c.After.HasFlag(p.Config.DeprecatedFlag) || p.DeprecatedBefore(c) {
				p.ReportChange(c, "%s: %s added to a kfunc marked %s", c.Kfunc, p.Config.StableFlag, p.Config.DeprecatedFlag)
			}
		}
	},
}
