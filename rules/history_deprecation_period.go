// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// HistoryDeprecationPeriod reports a deprecated stable kfunc removed
// before the policy's deprecation period is over.
var HistoryDeprecationPeriod = &Rule{
	ID:       "HISTORY_DEPRECATION_PERIOD",
	Severity: model.SeverityError,
	Title:    "deprecated stable kfunc removed before the minimum deprecation period",
	Doc: `A stable kfunc marked KF_DEPRECATED is kept for a deprecation period
before it is removed or demoted (RFC "stable kfuncs": at least 10 releases
in v1, "multiple years" in v2, case by case in the merged text). The
release history shows the release KF_DEPRECATED appeared in; the removal
must come at least min_deprecation_releases releases (and
min_deprecation_days days, by commit time, when set) later. A kfunc
deprecated already in the oldest release of the history may have been
deprecated earlier and is not judged; a kfunc removed while never seen
deprecated is STABLE_REMOVAL's business.`,
	Bad: `v6.11: BTF_ID_FLAGS(func, bpf_old, KF_STABLE | KF_DEPRECATED)
v6.12: -BTF_ID_FLAGS(func, bpf_old, KF_STABLE | KF_DEPRECATED)
(removed one release after its deprecation; the policy asks for 10)`,
	Good: `v6.2:  BTF_ID_FLAGS(func, bpf_old, KF_STABLE | KF_DEPRECATED)
v6.12: -BTF_ID_FLAGS(func, bpf_old, KF_STABLE | KF_DEPRECATED)`,
	Requires: []Fact{FactHistory},
	Uses:     []Fact{FactTarget},
	Check: func(p *Pass) {
		removals, h := p.deprecatedStableRemovals()
		if len(removals) == 0 {
			return
		}
		last, min := h.Last(), p.Config.MinDeprecationReleases
		for _, c := range removals {
			since := h.DeprecatedSince(c.Kfunc, last)
			what := "removed"
			if c.Kind == model.KindDemoted {
				what = "demoted"
			}
			switch {
			case since < 0 && min > 0:
				p.ReportChange(c, "%s: deprecated stable kfunc %s before any release carried %s (the last, %s, does not); the policy asks for at least %d releases",
					c.Kfunc, what, p.Config.DeprecatedFlag, h.List[last].Name, min)
			case since <= 0:
				// Deprecated already in the oldest release: the
				// period may have begun before the history does.
			case min > 0 && last+1-since < min:
				p.ReportChange(c, "%s: deprecated stable kfunc %s in %s, %d release(s) after it was deprecated in %s; the policy asks for at least %d",
					c.Kfunc, what, p.nextRelease(h), last+1-since, h.List[since].Name, min)
			case p.Config.MinDeprecationDays > 0:
				t := p.Target()
				if t == nil || t.Time == 0 || h.List[since].Time == 0 {
					continue
				}
				days := int(time.Unix(t.Time, 0).Sub(time.Unix(h.List[since].Time, 0)).Hours() / 24)
				if days < p.Config.MinDeprecationDays {
					p.ReportChange(c, "%s: deprecated stable kfunc %s in %s, %d days after it was deprecated in %s; the policy asks for at least %d days",
						c.Kfunc, what, p.nextRelease(h), days, h.List[since].Name, p.Config.MinDeprecationDays)
				}
			}
		}
	},
}
