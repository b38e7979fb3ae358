// SPDX-License-Identifier: GPL-2.0-only

package rules

import "github.com/kfunccheck/kfunccheck/patchcheck/model"

// DeprecationLifespan reports a deprecation without a remaining lifespan.
var DeprecationLifespan = &Rule{
	ID:       "DEPRECATION_LIFESPAN",
	Severity: model.SeverityWarning,
	Title:    "deprecation without a remaining lifespan",
	Doc: `Deprecated kfuncs "will be documented in the kernel docs along with their
remaining lifespan". The commit message, the kfunc's kernel-doc comment or
the patch's Documentation/ text must give it: a release ("until v6.20",
"removed in 7.2"), a number of releases or years ("for 4 more releases"), or
a date ("2027-06", "June 2027").`,
	Bad: `bpf_old_thing() is superseded by bpf_new_thing().`,
	Good: `bpf_old_thing() is superseded by bpf_new_thing() and will be removed
after v6.20.`,
	Check: func(p *Pass) {
		for _, c := range p.Deprecations() {
			doc, _ := KernelDoc(c)
			if !p.Msg.HasLifespan(doc, p.AddedDocText()) {
				p.ReportChange(c, "%s: deprecation gives no remaining lifespan (a release such as \"until v6.20\", a number of releases, or a date)", c.Kfunc)
			}
		}
	},
}
