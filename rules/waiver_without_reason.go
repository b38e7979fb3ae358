// SPDX-License-Identifier: GPL-2.0-only

package rules

import "github.com/kfunccheck/kfunccheck/patchcheck/model"

// WaiverWithoutReason reports a waiver trailer that gives no reason.
var WaiverWithoutReason = &Rule{
	ID:       "WAIVER_WITHOUT_REASON",
	Severity: model.SeverityWarning,
	Title:    "a waiver trailer with no reason",
	Doc: `A finding can be waived by a trailer in the commit message:
"Kfunc-Stability-Waiver: RULE_ID kfunc_name: reason". The waived finding is
then reported as a check that says it was waived and why. A waiver must
carry its reason, as staticcheck's lint:ignore directives do; a waiver
without one, or one that does not follow the format, waives nothing and is
reported here.`,
	Bad:  `Kfunc-Stability-Waiver: STABLE_SIGNATURE bpf_dynptr_slice`,
	Good: `Kfunc-Stability-Waiver: STABLE_SIGNATURE bpf_dynptr_slice: agreed on the list, see Link`,
	Check: func(p *Pass) {
		for _, w := range p.Msg.Waivers {
			msg := ""
			switch {
			case w.Rule == "":
				msg = "malformed waiver (want \"" + p.Config.WaiverTrailer + ": RULE_ID kfunc: reason\")"
			case !registered[w.Rule]:
				msg = "waiver names unknown rule " + w.Rule
			case w.Reason == "":
				msg = "waiver of " + w.Rule + " for " + w.Kfunc + " gives no reason; it waives nothing"
			default:
				continue
			}
			p.Report(model.Finding{Kfunc: w.Kfunc, Pos: model.Pos{PatchLine: w.Line}, Message: msg, Quote: []string{w.Text}})
		}
	},
}
