// SPDX-License-Identifier: GPL-2.0-only

package rules

import "github.com/kfunccheck/kfunccheck/patchcheck/model"

// StablePromotionNewKfunc reports KF_STABLE on a kfunc the patch or series
// introduces.
var StablePromotionNewKfunc = &Rule{
	ID:       "STABLE_PROMOTION_NEW_KFUNC",
	Severity: model.SeverityError,
	Title:    "KF_STABLE on a kfunc introduced by the same patch or series",
	Doc: `Every new kfunc starts out unstable. Stability is granted "only once a
function has proven to be useful in practice", after longer-term production
use, so a kfunc cannot be born stable. This rule reports KF_STABLE on a
kfunc whose definition the same patch, or an earlier patch of the same
series, adds. Send the kfunc without KF_STABLE and promote it later.`,
	Bad: `+__bpf_kfunc int bpf_new_thing(struct task_struct *p)
+{ ... }
+BTF_ID_FLAGS(func, bpf_new_thing, KF_STABLE)`,
	Good: `+__bpf_kfunc int bpf_new_thing(struct task_struct *p)
+{ ... }
+BTF_ID_FLAGS(func, bpf_new_thing)`,
	Requires: []Fact{FactSeries},
	Check: func(p *Pass) {
		for _, c := range p.Promotions() {
			if p.IntroducedInSeries(c.Kfunc) {
				p.ReportChange(c, "%s: new kfunc marked %s; a kfunc becomes stable only after production use, in a later patch",
					c.Kfunc, p.Config.StableFlag)
			}
		}
	},
}
