// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// StablePromotionList reports a promotion mail not sent to the BPF list.
var StablePromotionList = &Rule{
	ID:       "STABLE_PROMOTION_LIST",
	Severity: model.SeverityWarning,
	Title:    "promotion mail not addressed to the BPF mailing list",
	Doc: `The process for requesting a stable kfunc "consists of submitting a
patch to the bpf@vger.kernel.org mailing list". When the input is a mail
with recipients (To/Cc headers), a patch that adds KF_STABLE must have the
list (the policy's list setting) among them. Inputs not yet addressed to
anyone, such as commits, plain diffs or format-patch files written without
--to/--cc, are not judged.`,
	Bad: `To: maintainer@kernel.org
Subject: [PATCH bpf-next] bpf: Mark bpf_task_acquire stable`,
	Good: `To: maintainer@kernel.org
Cc: bpf@vger.kernel.org
Subject: [PATCH bpf-next] bpf: Mark bpf_task_acquire stable`,
	Check: func(p *Pass) {
		proms := p.Promotions()
		if len(proms) == 0 || !p.Patch.Mail || len(p.Patch.Header.Recipients()) == 0 {
			return
		}
		if slices.Contains(p.Patch.Header.Recipients(), strings.ToLower(p.Config.List)) {
			return
		}
		p.ReportMessage(proms[0], "%s: promotion to %s is not sent to %s (To/Cc)", proms[0].Kfunc, p.Config.StableFlag, p.Config.List)
	},
}
