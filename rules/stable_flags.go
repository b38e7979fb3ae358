// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"fmt"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// StableFlags reports a compatible KF_* change on a stable kfunc.
var StableFlags = &Rule{
	ID:       "STABLE_FLAGS",
	Severity: model.SeverityWarning,
	Title:    "compatible KF_* flag change on a stable kfunc",
	Doc: `Any change to the flag set of a stable kfunc is notable, even when the
policy's flags table says existing callers keep working: removing
KF_RET_NULL (callers' NULL checks stay valid, but it is a semantic promise),
removing KF_SLEEPABLE, or adding KF_FASTCALL (performance only). A flag the
policy does not know is also reported here, since its effect cannot be
judged. Breaking changes are STABLE_FLAGS_BREAKING.`,
	Bad: `-BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE)
+BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_FASTCALL | KF_STABLE)`,
	Good: `BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE)
(flags left as they are)`,
	Requires: []Fact{FactSeries},
	Uses:     []Fact{FactStable},
	Check: func(p *Pass) {
		for _, c := range p.ChangesOf(model.KindFlags) {
			if !p.StableEither(c).Stable {
				continue
			}
			var unknown, compat []string
			for _, fc := range flagChanges(c, p.Config) {
				switch {
				case !fc.known:
					unknown = append(unknown, fc.flag+" "+fc.verb)
				case fc.effect == policy.Compatible:
					compat = append(compat, fmt.Sprintf("%s %s (%s)", fc.flag, fc.verb, fc.note))
				}
			}
			switch {
			case len(compat) > 0 && len(unknown) > 0:
				p.ReportChange(c, "%s: %s on a stable kfunc; existing callers keep working, but the contract changed; the effect of %s is unknown to the policy",
					c.Kfunc, strings.Join(compat, "; "), strings.Join(unknown, ", "))
			case len(compat) > 0:
				p.ReportChange(c, "%s: %s on a stable kfunc; existing callers keep working, but the contract changed", c.Kfunc, strings.Join(compat, "; "))
			case len(unknown) > 0:
				p.ReportChange(c, "%s: %s on a stable kfunc; its effect on callers is unknown to the policy", c.Kfunc, strings.Join(unknown, ", "))
			}
		}
	},
}
