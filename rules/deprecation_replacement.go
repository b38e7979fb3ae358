// SPDX-License-Identifier: GPL-2.0-only

package rules

import "github.com/kfunccheck/kfunccheck/patchcheck/model"

// DeprecationReplacement reports a deprecation that names no replacement.
var DeprecationReplacement = &Rule{
	ID:       "DEPRECATION_REPLACEMENT",
	Severity: model.SeverityWarning,
	Title:    "deprecation names no replacement and no reason for having none",
	Doc: `A deprecated kfunc is documented "including a recommendation for new
functionality that can replace the usage of the deprecated function (or an
explanation for why no such replacement exists)". The commit message, the
kernel-doc comment or the Documentation/ text must name the replacement
("use bpf_new_thing() instead", "superseded by") or say there is none ("no
replacement", the phrases of text.replacement_words).`,
	Bad:  `bpf_old_thing() is broken by design and will be removed after v6.20.`,
	Good: `bpf_old_thing() is broken by design; use bpf_new_thing() instead.`,
	Check: func(p *Pass) {
		for _, c := range p.Deprecations() {
			doc, _ := KernelDoc(c)
			if !p.Msg.HasReplacement(doc, p.AddedDocText()) {
				p.ReportChange(c, "%s: deprecation names no replacement kfunc and does not say why there is none", c.Kfunc)
			}
		}
	},
}
