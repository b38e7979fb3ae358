// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"fmt"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// StableFlagsBreaking reports a KF_* change on a stable kfunc that breaks
// existing callers.
var StableFlagsBreaking = &Rule{
	ID:       "STABLE_FLAGS_BREAKING",
	Severity: model.SeverityError,
	Title:    "KF_* flag change that breaks callers of a stable kfunc",
	Doc: `The KF_* flags of a kfunc are part of its contract with BPF programs: for
example adding KF_RET_NULL rejects callers without a NULL check, adding
KF_SLEEPABLE takes the kfunc away from non-sleepable programs, and adding or
removing KF_ACQUIRE or KF_RELEASE changes reference ownership. The policy's
flags table (built-in defaults in patchcheck/policy, each citing the kernel
source it comes from; see docs/policy.md to change them) says which additions and removals
break callers; this rule reports those on a stable kfunc. Era-dependent
changes (KF_RCU) count as breaking.`,
	Bad: `-BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_STABLE)
+BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL | KF_STABLE)`,
	Good: `-BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_STABLE)
+BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_FASTCALL | KF_STABLE)`,
	Requires: []Fact{FactSeries},
	Uses:     []Fact{FactStable},
	Check: func(p *Pass) {
		for _, c := range p.ChangesOf(model.KindFlags) {
			st := p.StableEither(c)
			if !st.Stable {
				continue
			}
			var what []string
			for _, fc := range flagChanges(c, p.Config) {
				if fc.effect == policy.Breaking || fc.effect == policy.EraDependent {
					what = append(what, fmt.Sprintf("%s %s (%s)", fc.flag, fc.verb, fc.note))
				}
			}
			if len(what) > 0 {
				p.ReportChange(c, "%s: %s on a stable kfunc breaks existing callers", c.Kfunc, strings.Join(what, "; "))
			}
		}
	},
}

type flagChange struct {
	flag, verb, note string
	effect           policy.Effect
	known            bool
}

// flagChanges classifies each added and removed flag of c by the policy,
// judging the flags as a combination of the kfunc's flags before and
// after.
func flagChanges(c *model.Change, cfg *policy.Config) []flagChange {
	var before, after []string
	for _, e := range c.Before.AllEntries() {
		before = append(before, e.Flags...)
	}
	for _, e := range c.After.AllEntries() {
		after = append(after, e.Flags...)
	}
	var out []flagChange
	for _, side := range []struct {
		flags []string
		add   bool
		verb  string
	}{{c.FlagsAdded, true, "added"}, {c.FlagsRemoved, false, "removed"}} {
		for _, f := range side.flags {
			e, ok := cfg.FlagChangeEffect(f, side.add, before, after)
			note := "effect unknown to the policy"
			if ok {
				note = cfg.Flags[f].Note
			}
			out = append(out, flagChange{flag: f, verb: side.verb, note: note, effect: e, known: ok})
		}
	}
	return out
}
