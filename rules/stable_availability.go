// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// StableAvailability reports a stable kfunc that existing BPF programs
// can no longer call from where they call it today.
var StableAvailability = &Rule{
	ID:       "STABLE_AVAILABILITY",
	Severity: model.SeverityError,
	Title:    "stable kfunc no longer callable where it was",
	Doc: `A kfunc is callable from the program types its sets are registered for
(register_btf_kfunc_id_set(PROG_TYPE, &set); BPF_PROG_TYPE_UNSPEC means
every type), narrowed by the set's .filter callback and by the #if
conditions around its entry and its registration. Availability is part of
a stable kfunc's contract: a program of a type that loses the kfunc no
longer loads. This rule reports a stable kfunc that loses a program type,
gets a filter (or another one), or moves under a stricter #if condition.
Gaining program types is compatible. When only the hunks are in view and
the registrations are not, only what the entries show (a new #if around
an entry) is judged; give --repo or -g for the rest.`,
	Bad: `-	ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING, &cpumask_kfunc_set);
 	ret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS, &cpumask_kfunc_set);
(bpf_cpumask_first, a stable kfunc of cpumask_kfunc_set, is no longer
callable from tracing programs)`,
	Good: `+	ret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_LSM, &cpumask_kfunc_set);
(a program type gained)`,
	Requires: []Fact{FactSeries},
	Uses:     []Fact{FactStable},
	Check: func(p *Pass) {
		for _, c := range p.ChangesOf(model.KindAvailability) {
			st := p.StableBefore(c)
			if !st.Stable {
				continue
			}
			var what []string
			for _, a := range c.Access {
				if a.Narrows() {
					what = append(what, a.String())
				}
			}
			if len(what) == 0 {
				continue
			}
			p.ReportChange(c, "%s: %s; programs that call this stable kfunc there no longer load (%s)", c.Kfunc, strings.Join(what, "; "), st.Source)
		}
	},
}
