// SPDX-License-Identifier: GPL-2.0-only

package rules

import "github.com/kfunccheck/kfunccheck/patchcheck/model"

// StablePromotionRationale reports KF_STABLE added without a rationale.
var StablePromotionRationale = &Rule{
	ID:       "STABLE_PROMOTION_RATIONALE",
	Severity: model.SeverityError,
	Title:    "KF_STABLE added but the commit message gives no rationale",
	Doc: `A kfunc is promoted to stable by a patch that adds KF_STABLE to its
BTF_ID_FLAGS entry. The stable-kfunc process (RFC v2, "Promotion to stable
kfuncs") says: "The patch description must include the rationale for why the
kfunc should be promoted to stable". Promotion has a high barrier and is an
exception, so the commit message must argue for it: prose beyond the subject
line and the trailers that names the kfunc or speaks of its stability, at
least text.min_rationale_words words long.`,
	Bad: `bpf: Mark bpf_task_acquire stable

Signed-off-by: A Developer <dev@example.org>

-BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL)
+BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL | KF_STABLE)`,
	Good: `bpf: Mark bpf_task_acquire stable

bpf_task_acquire() has been used in production by the sched_ext schedulers
for two years without any change to its API; its prototype covers every
foreseeable need, so promote it to a stable kfunc.

Link: https://github.com/sched-ext/scx
Signed-off-by: A Developer <dev@example.org>`,
	Check: func(p *Pass) {
		for _, c := range p.Promotions() {
			if !p.Msg.HasRationale(c.Kfunc) {
				p.ReportMessage(c, "%s: %s added without a rationale in the commit message (say why %s is ready to be stable)",
					c.Kfunc, p.Config.StableFlag, c.Kfunc)
			}
		}
	},
}
