// SPDX-License-Identifier: GPL-2.0-only

package rules

import "github.com/kfunccheck/kfunccheck/patchcheck/model"

// DeprecationDocs reports a deprecation that updates no documentation.
var DeprecationDocs = &Rule{
	ID:       "DEPRECATION_DOCS",
	Severity: model.SeverityWarning,
	Title:    "deprecation not documented in kernel-doc or Documentation/",
	Doc: `"A kfunc that is marked with KF_DEPRECATED should also have any relevant
information captured in its kernel doc." A deprecating patch must change
the kernel-doc comment above the kfunc's definition or a file under
Documentation/ (for example Documentation/bpf/kfuncs.rst), so that users
learn of it where they read about the kfunc.`,
	Bad: `-BTF_ID_FLAGS(func, bpf_old_thing)
+BTF_ID_FLAGS(func, bpf_old_thing, KF_DEPRECATED)
(nothing else)`,
	Good: ` /**
  * bpf_old_thing() - Do the old thing
+ * Deprecated: use bpf_new_thing() instead; removed after v6.20.
  */`,
	Check: func(p *Pass) {
		for _, c := range p.Deprecations() {
			if _, changed := KernelDoc(c); changed || p.DocumentationChanged() {
				continue
			}
			p.ReportChange(c, "%s: deprecation changes neither the kfunc's kernel-doc comment nor Documentation/", c.Kfunc)
		}
	},
}
