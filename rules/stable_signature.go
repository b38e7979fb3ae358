// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// StableSignature reports a caller-visible prototype change of a stable
// kfunc.
var StableSignature = &Rule{
	ID:       "STABLE_SIGNATURE",
	Severity: model.SeverityError,
	Title:    "caller-visible signature change of a stable kfunc",
	Doc: `"Stable kfuncs will not change their function signature or functionality
in a way that may cause incompatibilities for BPF programs calling the
function." The prototypes before and after are compared structurally:
return type, parameter count and order, parameter types (const removed,
integer spellings and the verifier's type aliases unified), and the
parameter-name suffixes the verifier reads (__sz, __k, __nullable, __map,
...). A suffix change alters what the verifier accepts, so renaming a
parameter can break callers. Add a new kfunc instead, and deprecate the old
one.`,
	Bad: `-__bpf_kfunc void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt, u32 buffer__szk)
+__bpf_kfunc void *bpf_dynptr_slice(const struct bpf_dynptr *p, u64 offset, void *buffer, u64 buffer__szk)`,
	Good: `-__bpf_kfunc void *bpf_dynptr_slice(const struct bpf_dynptr_kern *ptr, u32 offset, void *buffer__opt, u32 buffer__szk)
+__bpf_kfunc void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt, u32 buffer__szk)
(alias type, renamed parameter keeping its suffix: STABLE_SIGNATURE_COMPAT)`,
	Requires: []Fact{FactSeries},
	Uses:     []Fact{FactStable},
	Check: func(p *Pass) {
		for _, c := range p.ChangesOf(model.KindSignature) {
			st := p.StableEither(c)
			if !st.Stable || !c.Breaking() {
				continue
			}
			var what []string
			for _, d := range c.SigDiffs {
				if d.Breaking {
					what = append(what, d.What)
				}
			}
			p.ReportChange(c, "%s: signature of a stable kfunc changed in a way BPF callers see: %s (%s)", c.Kfunc, strings.Join(what, "; "), st.Source)
		}
	},
}
