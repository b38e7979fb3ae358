// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// StableSignatureCompat notes a prototype change of a stable kfunc that
// callers do not see.
var StableSignatureCompat = &Rule{
	ID:       "STABLE_SIGNATURE_COMPAT",
	Severity: model.SeverityCheck,
	Title:    "prototype change of a stable kfunc that callers do not see",
	Doc: `Some prototype changes keep BPF callers working: renaming a parameter
while keeping its verifier suffix, adding or dropping const, replacing a
kernel-facing type by the type the verifier presents to programs
(bpf_dynptr_kern/bpf_dynptr, sk_buff/__sk_buff, xdp_buff/xdp_md), another
spelling of the same integer type, or a suffix with the same meaning
(__opt/__nullable). They are not breaking, but the prototype in vmlinux.h
changes, which can matter when programs are compiled; this check says so.`,
	Bad: `-__bpf_kfunc int bpf_dynptr_adjust(const struct bpf_dynptr_kern *ptr, u32 start, u32 end)
+__bpf_kfunc int bpf_dynptr_adjust(const struct bpf_dynptr *p, u32 start, u32 end)`,
	Good: `__bpf_kfunc int bpf_dynptr_adjust(const struct bpf_dynptr *p, u32 start, u32 end)
(prototype left as it is)`,
	Requires: []Fact{FactSeries},
	Uses:     []Fact{FactStable},
	Check: func(p *Pass) {
		for _, c := range p.ChangesOf(model.KindSignature) {
			if !p.StableEither(c).Stable || c.Breaking() {
				continue
			}
			var what []string
			for _, d := range c.SigDiffs {
				what = append(what, d.What)
			}
			p.ReportChange(c, "%s: prototype of a stable kfunc changed, compatible for BPF callers: %s", c.Kfunc, strings.Join(what, "; "))
		}
	},
}
