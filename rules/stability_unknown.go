// SPDX-License-Identifier: GPL-2.0-only

package rules

import "github.com/kfunccheck/kfunccheck/patchcheck/model"

// StabilityUnknown reports a kfunc contract change that cannot be judged.
var StabilityUnknown = &Rule{
	ID:       "STABILITY_UNKNOWN",
	Severity: model.SeverityCheck,
	Title:    "kfunc contract changed but its stable status is unknown",
	Doc: `A patch changes or removes a kfunc (a __bpf_kfunc definition), but the
kfunc's BTF_ID_FLAGS entry is not in the patch and no outside source names
it, so whether it is stable cannot be established. Rather than stay silent,
kfunccheck says so; give it what resolves the question: --stable-list FILE
naming the kfuncs you depend on, or the full files before the patch: --repo
DIR with the tree the patch applies to (its "index" lines name the blobs),
or -g to check commits of a repository. When --repo lacks a blob, the
message says which.`,
	Bad: `-__bpf_kfunc int bpf_thing(struct task_struct *p)
+__bpf_kfunc int bpf_thing(struct task_struct *p, u64 flags)
(no BTF_ID_FLAGS(func, bpf_thing, ...) line in the patch)`,
	Good:     `kfunccheck check --stable-list stable-kfuncs.txt 0001-bpf-thing.patch`,
	Requires: []Fact{FactSeries},
	Uses:     []Fact{FactStable, FactKernel},
	Check: func(p *Pass) {
		for _, c := range p.ChangesOf(model.KindAvailability) {
			if c.Kfunc != "" {
				continue
			}
			// A registration or filter change whose kfuncs are not in view.
			p.ReportChange(c, "%s: the kfuncs it applies to are not in the patch (%s): cannot tell whether a stable kfunc loses a program type (use --repo with the tree the patch applies to, or -g)", c.Detail, c.Guess)
		}
		for _, c := range p.ChangesOf(model.KindSignature, model.KindRemoved) {
			if c.EntryVisible {
				continue
			}
			if st := p.StableEither(c); st.Known {
				continue
			}
			what := "signature changed"
			if c.Kind == model.KindRemoved {
				what = "definition removed"
			}
			if src, ok := p.KfuncSource(c.Kfunc); ok {
				what += " (a kfunc in " + src + ")"
			}
			if c.BaselineNote != "" {
				p.ReportChange(c, "%s: kfunc %s, but its set entry is not in the patch and the full file could not be read (%s): cannot tell whether it is stable", c.Kfunc, what, c.BaselineNote)
				continue
			}
			p.ReportChange(c, "%s: kfunc %s, but its set entry is not in the patch: cannot tell whether it is stable (use --stable-list, or --repo with the tree the patch applies to)", c.Kfunc, what)
		}
	},
}
