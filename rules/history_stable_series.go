// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// HistoryStableSeries reports any kfunc contract change made inside a
// stable kernel series.
var HistoryStableSeries = &Rule{
	ID:       "HISTORY_STABLE_SERIES",
	Severity: model.SeverityError,
	Title:    "a stable kernel series changes a kfunc's contract",
	Doc: `Within a stable (LTS) series, backports should not change what BPF
programs see: any kfunc added, removed, or changed in flags, prototype or
availability on its way into a release of the series is reported, stable
or not. The target says where the patches go: the branch or tag of a -g
range or a push, the series a stable review subject names ("[PATCH 6.1
012/100]" is for v6.1.y), or the next release of a history. It is in a
series when a stable_series tag pattern of the policy matches it (such as
"v6.1.*"); between two releases of a history, by default, when both have
the same major.minor version.`,
	Bad: `git push origin linux-6.1.y   (stable_series = ["linux-6.1.y"])
-BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL)
+BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU)`,
	Good:     `git push origin bpf-next      (a development branch: no series)`,
	Requires: []Fact{FactTarget},
	Check: func(p *Pass) {
		t := p.Target()
		if t.Series == "" {
			return
		}
		var names []string
		kinds := map[string][]string{}
		first := map[string]*model.Change{}
		for _, c := range p.ChangesOf() {
			if c.Kfunc == "" {
				continue
			}
			if first[c.Kfunc] == nil {
				first[c.Kfunc] = c
				names = append(names, c.Kfunc)
			}
			if !slices.Contains(kinds[c.Kfunc], string(c.Kind)) {
				kinds[c.Kfunc] = append(kinds[c.Kfunc], string(c.Kind))
			}
		}
		for _, n := range names {
			p.ReportChange(first[n], "%s: %s in %s, within the stable series %s", n, strings.Join(kinds[n], ", "), t.Name, t.Series)
		}
	},
}
