// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"regexp"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// HistoryDeprecationClaim checks a removal's "deprecated since" against
// the release history.
var HistoryDeprecationClaim = &Rule{
	ID:       "HISTORY_DEPRECATION_CLAIM",
	Severity: model.SeverityError,
	Title:    `a removal's "deprecated since" contradicts history`,
	Doc: `STABLE_REMOVAL_NOTES asks a removal of a deprecated stable kfunc to
say since when it is deprecated ("deprecated since v6.14"). With the
release history the claim can be checked: the named release must carry the
kfunc with KF_DEPRECATED. A claim naming a release the history does not
hold is not judged.`,
	Bad: `bpf: Remove bpf_old

bpf_old has been deprecated since v6.8.
(v6.8 carries bpf_old without KF_DEPRECATED)`,
	Good: `bpf: Remove bpf_old

bpf_old has been deprecated since v6.10.
(v6.10 carries BTF_ID_FLAGS(func, bpf_old, KF_STABLE | KF_DEPRECATED))`,
	Requires: []Fact{FactHistory},
	Check: func(p *Pass) {
		removals, h := p.deprecatedStableRemovals()
		if len(removals) == 0 {
			return
		}
		var claims []string
		for _, m := range claimRE.FindAllStringSubmatch(p.Patch.MessageText(), -1) {
			claims = append(claims, m[1])
		}
		for _, c := range removals {
			since := h.DeprecatedSince(c.Kfunc, h.Last())
			for _, claim := range claims {
				i := h.Find(claim)
				if i < 0 {
					continue
				}
				if k, ok := h.Kfunc(i, c.Kfunc); ok && k.Deprecated {
					continue
				}
				shown := "not deprecated in any release of the history"
				if since >= 0 {
					shown = p.Config.DeprecatedFlag + " from " + h.List[since].Name
				}
				p.ReportChange(c, "%s: the message says deprecated since %s, but %s does not carry it deprecated (history: %s)",
					c.Kfunc, claim, h.List[i].Name, shown)
			}
		}
	},
}

// claimRE finds "deprecated since v6.14" (or "since 6.14.2") in a message.
var claimRE = regexp.MustCompile(`(?i)deprecated\s+(?:since|in|from)\s+(v?\d+\.\d+(?:\.\d+)?(?:-rc\d+)?)`)
