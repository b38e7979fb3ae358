// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"fmt"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// HistoryNameReused reports a new kfunc that takes the name of one
// removed earlier.
var HistoryNameReused = &Rule{
	ID:       "HISTORY_NAME_REUSED",
	Severity: model.SeverityWarning,
	Title:    "a removed kfunc's name is used again",
	Doc: `The stable-kfunc proposal asks that a removed kfunc's name be "marked
as invalid" and never reused: a BPF program built for the old kfunc would
otherwise call the new one. A kfunc added that the last release of the
history does not have, but an earlier release had, reuses the name; the
finding names the release after which it went and both prototypes.`,
	Bad: `v6.8:  __bpf_kfunc int bpf_thing(struct task_struct *p)
v6.10: (bpf_thing removed)
+__bpf_kfunc int bpf_thing(struct cgroup *cgrp, u64 flags)`,
	Good:     `+__bpf_kfunc int bpf_thing2(struct cgroup *cgrp, u64 flags)`,
	Requires: []Fact{FactHistory},
	Check: func(p *Pass) {
		var h *model.Releases
		for _, c := range p.ChangesOf(model.KindAdded) {
			// An entry added to a kfunc the pre-image already has is
			// no new use of the name.
			if c.Kfunc == "" || len(c.Before.AllEntries()) > 0 || c.Before.Prototype() != nil {
				continue
			}
			if h == nil {
				if h = p.History(); h == nil {
					return
				}
			}
			last := h.Last()
			if _, ok := h.Kfunc(last, c.Kfunc); ok {
				continue
			}
			for j := last - 1; j >= 0; j-- {
				old, ok := h.Kfunc(j, c.Kfunc)
				if !ok {
					continue
				}
				now := ""
				if proto := c.After.Prototype(); proto != nil {
					now = proto.Text
				}
				was := ""
				switch {
				case old.Prototype != "" && now != "" && old.Prototype != now:
					was = fmt.Sprintf(" (was %s, now %s)", old.Prototype, now)
				case old.Prototype != "":
					was = fmt.Sprintf(" (was %s)", old.Prototype)
				}
				p.ReportChange(c, "%s: new kfunc reuses the name of a kfunc removed after %s%s", c.Kfunc, h.List[j].Name, was)
				break
			}
		}
	},
}
