// SPDX-License-Identifier: GPL-2.0-only

package rules

import "github.com/kfunccheck/kfunccheck/patchcheck/model"

// StableRemoval reports a stable kfunc removed, renamed or demoted without
// a prior deprecation.
var StableRemoval = &Rule{
	ID:       "STABLE_REMOVAL",
	Severity: model.SeverityError,
	Title:    "stable kfunc removed, renamed or demoted without prior deprecation",
	Doc: `A stable kfunc may only go away through the deprecation procedure: it is
first marked KF_DEPRECATED, kept for a deprecation period, and only then
removed or demoted. This rule reports the removal of a stable kfunc's set
entry or definition, a rename (a removal plus an addition), and the removal
of KF_STABLE, when the kfunc was not KF_DEPRECATED before the patch. For a
series, "before" means before the first patch of the series: deprecating in
patch 1 and removing in patch 3 is still a removal without deprecation.`,
	Bad: `-BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RET_NULL | KF_STABLE)`,
	Good: `-BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RET_NULL | KF_STABLE)
+BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RET_NULL | KF_STABLE | KF_DEPRECATED)
(and remove it in a later release, after the deprecation period)`,
	Requires: []Fact{FactSeries},
	Uses:     []Fact{FactStable},
	Check: func(p *Pass) {
		for _, c := range p.ChangesOf(model.KindRemoved, model.KindDemoted) {
			st := p.StableBefore(c)
			if !st.Stable || p.DeprecatedBefore(c) {
				continue
			}
			what := "removed"
			switch {
			case c.Kind == model.KindDemoted:
				what = p.Config.StableFlag + " dropped"
			case c.Detail != "kfunc removed":
				what += " (" + c.Detail + ")"
			}
			if c.Before.HasFlag(p.Config.DeprecatedFlag) {
				p.ReportChange(c, "%s: stable kfunc %s in the same series that marks it %s; it must stay deprecated for a deprecation period first",
					c.Kfunc, what, p.Config.DeprecatedFlag)
				continue
			}
			p.ReportChange(c, "%s: stable kfunc %s without being %s first (%s)", c.Kfunc, what, p.Config.DeprecatedFlag, st.Source)
		}
	},
}
