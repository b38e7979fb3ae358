// SPDX-License-Identifier: GPL-2.0-only

package rules

import "github.com/kfunccheck/kfunccheck/patchcheck/model"

// DeprecationReason reports KF_DEPRECATED added without a reason.
var DeprecationReason = &Rule{
	ID:       "DEPRECATION_REASON",
	Severity: model.SeverityError,
	Title:    "KF_DEPRECATED added but the message does not say why",
	Doc: `"Such a deprecation request cannot be arbitrary and must explain why a
given stable kfunc should be deprecated." A patch that adds KF_DEPRECATED
must say why in its commit message: the phrases of text.reason_words
("because", "superseded", "no longer", "broken", ...) in at least a
sentence of prose.`,
	Bad: `bpf: Deprecate bpf_old_thing

Signed-off-by: A Developer <dev@example.org>`,
	Good: `bpf: Deprecate bpf_old_thing

bpf_old_thing() is superseded by bpf_new_thing(), which takes a trusted
pointer; it will be removed after v6.20.`,
	Check: func(p *Pass) {
		for _, c := range p.Deprecations() {
			if !p.Msg.HasReason() {
				p.ReportMessage(c, "%s: %s added without saying why in the commit message", c.Kfunc, p.Config.DeprecatedFlag)
			}
		}
	},
}
