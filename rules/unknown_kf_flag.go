// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// UnknownKFFlag reports a flag token the policy does not know.
var UnknownKFFlag = &Rule{
	ID:       "UNKNOWN_KF_FLAG",
	Severity: model.SeverityWarning,
	Title:    "a KF_* token that is not a known flag",
	Doc: `The flags of a BTF_ID_FLAGS entry are plain (1 << n) macros from
include/linux/btf.h. A token the policy's flags table does not list is
either a typo, a flag of another kernel era, or a new flag whose effect on
callers nobody has classified yet: add it to the flags table of
.kfunccheck.toml. Only tokens the patch adds are reported.`,
	Bad:  `+BTF_ID_FLAGS(func, bpf_task_acquire, KF_AQUIRE | KF_RET_NULL)`,
	Good: `+BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RET_NULL)`,
	Check: func(p *Pass) {
		for _, c := range p.Changes {
			var added []string
			switch c.Kind {
			case model.KindAdded:
				for _, e := range c.After.Entries {
					if e.Pos == c.Pos {
						added = e.Flags
					}
				}
			case model.KindFlags:
				added = c.FlagsAdded
			}
			for _, f := range added {
				if _, ok := p.Config.Flags[f]; !ok {
					p.ReportChange(c, "%s: unknown flag %s (not in the policy's flags table)", c.Kfunc, f)
				}
			}
		}
	},
}
