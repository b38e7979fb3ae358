// SPDX-License-Identifier: GPL-2.0-only

// Package patchcheck is kfunccheck's engine: it takes series of parsed
// patches, extracts every kfunc change they make, runs the rules on them
// and returns what it found. Readers live in sub-packages (mail, input),
// so do the C scanner (cscan), the extraction (extract), the baselines and
// the report formatters.
package patchcheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/extract"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
	"github.com/kfunccheck/kfunccheck/rules"
)

// Options configure a check.
type Options struct {
	Policy   *policy.Config
	Baseline baseline.Baseline
	// Interest names kfuncs that outside sources declare stable (a stable
	// list); their definitions are tracked even without a visible entry.
	Interest map[string]bool
	// Rules to run; rules.All when nil.
	Rules []*rules.Rule
	// KfuncSource tells whether a built kernel exports a function as a
	// kfunc, and names the kernel (check --btf).
	KfuncSource func(name string) (string, bool)
	// Extra, when set, judges a patch's changes beyond the rules: the
	// history rules, which need the repository's releases (set by the
	// CLI and the hook; patchcheck cannot import history, which imports
	// it).
	Extra func(p *model.Patch, changes []*model.Change) []model.Finding
	// Progress, when set, is told after each patch of a series how many
	// of its patches are done.
	Progress func(done, total int)
	// Tree returns the pre-image tree of a patch from the tree-wide kfunc
	// index (nil, nil when none is known); nil when no repository is
	// given.
	Tree func(p *model.Patch) (extract.TreeView, error)
}

func (opt *Options) defaults() {
	if opt.Policy == nil {
		opt.Policy = policy.Default()
	}
	if opt.Baseline == nil {
		opt.Baseline = baseline.HunksOnly{}
	}
	if opt.Rules == nil {
		opt.Rules = rules.All
	}
	if opt.KfuncSource == nil {
		opt.KfuncSource = func(string) (string, bool) { return "", false }
	}
}

// Result is the outcome for one patch.
type Result struct {
	Patch    *model.Patch
	Series   *model.Series
	Changes  []*model.Change
	Findings []model.Finding
	// Errors are problems reading or extracting the patch; they make the
	// run fail with exit code 2 even when findings are reported.
	Errors []error
	// FullFiles lists the files judged on their whole pre-image.
	FullFiles []string
	// CountedLines, when not 0, is the number of hunk lines a reader
	// counted for a patch it kept without them (mail.LightParser); Lines
	// returns it.
	CountedLines int
}

// Lines returns the number of patch lines the result covers, counted
// as checkpatch counts its "lines checked": the lines of the hunks.
func (r *Result) Lines() int {
	if r.CountedLines > 0 {
		return r.CountedLines
	}
	n := 0
	for _, f := range r.Patch.Files {
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				// Lines GNU patch's repair added were not in the input.
				if l.PatchLine != 0 {
					n++
				}
			}
		}
	}
	return n
}

// CheckSeries checks the patches of one series in order. Kfunc states are
// carried across the series, so that a kfunc deprecated in patch 1 and
// removed in patch 3 was not deprecated "before the series".
func CheckSeries(s *model.Series, opt Options) []*Result {
	opt.defaults()
	mem := newSeriesMemory()
	var out []*Result
	for _, p := range s.Patches {
		eo := extract.Options{Policy: opt.Policy, Baseline: opt.Baseline, Interest: opt.Interest}
		if opt.Tree != nil {
			eo.Tree = func() (extract.TreeView, error) { return opt.Tree(p) }
		}
		ex := extract.Patch(p, eo)
		res := &Result{Patch: p, Series: s, Changes: ex.Changes, FullFiles: ex.FullFiles}
		res.Errors = append(append(res.Errors, p.Errors...), ex.Errors...)
		mem.markSeen(ex.Changes)
		res.Findings = judge(p, s, ex.Changes, opt, mem)
		mem.after(ex.Changes, opt.Policy)
		out = append(out, res)
		if opt.Progress != nil {
			opt.Progress(len(out), len(s.Patches))
		}
	}
	return out
}

// seriesMemory is what the earlier patches of a series did: the patches
// before are the baseline of the later ones.
type seriesMemory struct {
	// before is each kfunc's state before the first patch that touched it.
	before map[string]*model.KfuncState
	// introduced: this patch or an earlier one made it a kfunc;
	// introducedEarlier and promotedEarlier: an earlier patch did.
	introduced, introducedEarlier, promotedEarlier map[string]bool
	// seen holds the changes already made, by changeKey.
	seen map[string]bool
}

func newSeriesMemory() *seriesMemory {
	return &seriesMemory{before: map[string]*model.KfuncState{}, introduced: map[string]bool{},
		introducedEarlier: map[string]bool{}, promotedEarlier: map[string]bool{}, seen: map[string]bool{}}
}

// changeKey identifies a change independently of where a patch shows it:
// a removal is one removal however many patches it takes.
func changeKey(c *model.Change) string {
	if c.Kind == model.KindRemoved {
		return "removed " + c.Kfunc
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %v %v", c.Kind, c.Kfunc, c.FlagsAdded, c.FlagsRemoved)
	for _, d := range c.SigDiffs {
		b.WriteString(" " + d.What)
	}
	for _, a := range c.Access {
		b.WriteString(" " + a.String())
	}
	return b.String()
}

// markSeen flags the changes an earlier patch of the series already made.
func (m *seriesMemory) markSeen(changes []*model.Change) {
	for _, c := range changes {
		if c.Kfunc != "" && m.seen[changeKey(c)] {
			c.SeenEarlier = true
		}
	}
}

// after records what one patch did, for the patches after it.
func (m *seriesMemory) after(changes []*model.Change, cfg *policy.Config) {
	for _, c := range changes {
		if c.Kfunc == "" {
			continue
		}
		m.seen[changeKey(c)] = true
		rememberBefore(m.before, c)
		if m.introduced[c.Kfunc] {
			m.introducedEarlier[c.Kfunc] = true
		}
		if c.Kind == model.KindPromoted || c.Kind == model.KindAdded && c.After.HasFlag(cfg.StableFlag) {
			m.promotedEarlier[c.Kfunc] = true
		}
	}
}

// CheckChanges runs the rules on changes found elsewhere than in a patch's
// diff, such as the difference between two built kernels; p describes
// where they come from.
func CheckChanges(p *model.Patch, changes []*model.Change, opt Options) *Result {
	opt.defaults()
	s := &model.Series{Source: p.Source, Patches: []*model.Patch{p}}
	return &Result{Patch: p, Series: s, Changes: changes,
		Findings: judge(p, s, changes, opt, newSeriesMemory())}
}

// judge runs the rules on one patch's changes, with the series' memory of
// what came before, and applies severities, ignores and waivers.
func judge(p *model.Patch, s *model.Series, changes []*model.Change, opt Options, mem *seriesMemory) []model.Finding {
	if len(changes) == 0 && !hasWaiver(p, opt.Policy) {
		return nil // the rules judge changes, and waivers alone (see hasWaiver)
	}
	// Record what this patch introduces before the rules run: a new
	// kfunc promoted in its own patch is "introduced by the series".
	for _, c := range changes {
		if c.Kind == model.KindAdded && c.Kfunc != "" && c.Before.Prototype() == nil && c.After.Prototype() != nil {
			mem.introduced[c.Kfunc] = true
		}
	}
	base := rules.Pass{
		Patch:              p,
		Series:             s,
		Changes:            changes,
		Config:             opt.Policy,
		Msg:                rules.AnalyzeMessage(p, opt.Policy),
		StableSource:       opt.Baseline.Stable,
		KfuncSource:        opt.KfuncSource,
		SeriesBefore:       func(k string) *model.KfuncState { return mem.before[k] },
		IntroducedInSeries: func(k string) bool { return mem.introduced[k] },
		IntroducedEarlier:  func(k string) bool { return mem.introducedEarlier[k] },
		PromotedEarlier:    func(k string) bool { return mem.promotedEarlier[k] },
	}
	var findings []model.Finding
	for _, r := range opt.Rules {
		if slices.Contains(opt.Policy.Ignore, r.ID) {
			continue
		}
		pass := rules.NewPass(r, base, func(f model.Finding) {
			if sev, ok := opt.Policy.Severity[r.ID]; ok {
				f.Severity, _ = model.ParseSeverity(sev)
			}
			findings = append(findings, f)
		})
		r.Check(pass)
	}
	if opt.Extra != nil {
		findings = append(findings, opt.Extra(p, changes)...)
	}
	findings = onePerKfunc(findings)
	applyWaivers(findings, base.Msg.Waivers)
	slices.SortStableFunc(findings, func(a, b model.Finding) int { return a.Pos.PatchLine - b.Pos.PatchLine })
	return findings
}

// rememberBefore keeps, for each kfunc, the entries and the definition
// from the first patch of the series that shows them: a part an earlier
// patch changed would have been visible in that patch.
func rememberBefore(m map[string]*model.KfuncState, c *model.Change) {
	if c.Before == nil || c.Kfunc == "" {
		return
	}
	s, ok := m[c.Kfunc]
	if !ok {
		s = &model.KfuncState{}
		m[c.Kfunc] = s
	}
	if len(s.Entries) == 0 && len(c.Before.Entries) > 0 {
		s.Entries = c.Before.Entries
	}
	if s.Proto == nil && c.Before.Proto != nil {
		s.Proto = c.Before.Proto
	}
}

// applyWaivers turns each finding covered by a waiver that gives a reason
// into a check that says it was waived.
func applyWaivers(fs []model.Finding, ws []rules.Waiver) {
	for i := range fs {
		for _, w := range ws {
			if w.Reason == "" || w.Rule != fs[i].Rule || (w.Kfunc != fs[i].Kfunc && w.Kfunc != "*") {
				continue
			}
			fs[i].Waived = true
			fs[i].WaiverReason = w.Reason
			fs[i].Severity = model.SeverityCheck
			fs[i].Message += " (waived: " + w.Reason + ")"
			break
		}
	}
}

// onePerKfunc merges the findings of one rule about one kfunc into the
// first, so that a patch gets one finding per kfunc and rule.
func onePerKfunc(fs []model.Finding) []model.Finding {
	first := map[[2]string]int{}
	out := fs[:0]
	for _, f := range fs {
		if f.Kfunc == "" {
			out = append(out, f)
			continue
		}
		k := [2]string{f.Rule, f.Kfunc}
		i, ok := first[k]
		if !ok {
			first[k] = len(out)
			out = append(out, f)
			continue
		}
		msg := strings.TrimPrefix(f.Message, f.Kfunc+": ")
		if !strings.Contains(out[i].Message, msg) {
			out[i].Message += "; also: " + msg
		}
	}
	return out
}
