// SPDX-License-Identifier: GPL-2.0-only

package rules

import "github.com/kfunccheck/kfunccheck/patchcheck/model"

// StableRemovalNotes reports the removal of a deprecated stable kfunc whose
// message lacks the deprecation notes.
var StableRemovalNotes = &Rule{
	ID:       "STABLE_REMOVAL_NOTES",
	Severity: model.SeverityError,
	Title:    "removal of a deprecated stable kfunc without deprecation notes",
	Doc: `A deprecated stable kfunc is kept for a deprecation period chosen case by
case ("usually corresponding to a span of multiple years"). A single patch
cannot prove the period has passed, so the removal's commit message must
say since when the kfunc is deprecated ("deprecated since v6.14", "marked
deprecated in 2025-03") and why it goes, so that reviewers can judge.`,
	Bad: `bpf: Remove bpf_old_thing

Remove it.`,
	Good: `bpf: Remove bpf_old_thing

bpf_old_thing() was deprecated since v6.14 because bpf_new_thing() replaced
it; the deprecation period agreed on the list has passed.`,
	Requires: []Fact{FactSeries},
	Uses:     []Fact{FactStable},
	Check: func(p *Pass) {
		for _, c := range p.ChangesOf(model.KindRemoved, model.KindDemoted) {
			if !p.StableBefore(c).Stable || !p.DeprecatedBefore(c) {
				continue
			}
			if !p.Msg.HasDeprecationNotes() {
				p.ReportMessage(c, "%s: deprecated stable kfunc removed; say since when it is deprecated (release or date) and why it goes", c.Kfunc)
			}
		}
	},
}
