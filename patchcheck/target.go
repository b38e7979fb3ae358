// SPDX-License-Identifier: GPL-2.0-only

package patchcheck

import (
	"regexp"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// targetOf returns where patch p goes: the run's target, or else the
// stable series a stable review subject names; nil when unknown.
func targetOf(p *model.Patch, opt Options) *model.Target {
	if opt.Target != nil {
		return opt.Target
	}
	if name := MailTarget(p); name != "" {
		return &model.Target{Name: name, Series: opt.Policy.StableSeriesOf(name)}
	}
	return nil
}

// stableRE is a stable review subject's version prefix: "[PATCH 6.1 012/100]".
var stableRE = regexp.MustCompile(`^(\d+\.\d+)(?:\.\d+)?(?:-stable)?$`)

// MailTarget names the stable series a mailed patch is for, from its
// subject's version prefix ("[PATCH 6.1 012/100]" is for "v6.1.y", which a
// stable_series pattern such as "v6.1.*" matches); "" for other mail.
func MailTarget(p *model.Patch) string {
	if p == nil {
		return ""
	}
	for _, pre := range p.Subject.Prefixes {
		if m := stableRE.FindStringSubmatch(pre); m != nil {
			return "v" + m[1] + ".y"
		}
	}
	return ""
}
