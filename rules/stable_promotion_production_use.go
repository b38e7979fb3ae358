// SPDX-License-Identifier: GPL-2.0-only

package rules

import "github.com/kfunccheck/kfunccheck/patchcheck/model"

// StablePromotionProductionUse reports a promotion rationale that does not
// refer to existing production use.
var StablePromotionProductionUse = &Rule{
	ID:       "STABLE_PROMOTION_PRODUCTION_USE",
	Severity: model.SeverityError,
	Title:    "promotion rationale has no reference to existing production use",
	Doc: `The stable-kfunc process asks the promotion rationale to include
"references to existing production uses": stability follows "longer-term
production deployment without any unforeseen API issues". The message must
carry a URL, a Link: trailer, or a statement of who runs the kfunc in
production (the phrases in text.production_words). This rule runs only when
a rationale is present; a missing rationale is STABLE_PROMOTION_RATIONALE.`,
	Bad: `bpf: Mark bpf_cpumask_first stable

bpf_cpumask_first() is simple and we believe its API is complete, so it
should become a stable kfunc that BPF programs can rely on.`,
	Good: `bpf: Mark bpf_cpumask_first stable

bpf_cpumask_first() has been deployed in our fleet for 18 months by the
scheduler in project abc and never needed an extension.

Link: https://lore.kernel.org/bpf/example@kernel.org/`,
	Check: func(p *Pass) {
		for _, c := range p.Promotions() {
			if p.Msg.HasRationale(c.Kfunc) && !p.Msg.HasProductionUse() {
				p.ReportMessage(c, "%s: promotion rationale names no existing production use (add a Link: or say who runs it in production)", c.Kfunc)
			}
		}
	},
}
