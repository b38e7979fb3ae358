// SPDX-License-Identifier: GPL-2.0-only

// Package patchcheck is kfunccheck's engine: it takes series of parsed
// patches, extracts every kfunc change they make, runs the rules on them
// and returns what it found. Readers live in sub-packages (mail, input),
// so do the C scanner (cscan), the extraction (extract), the baselines and
// the report formatters.
package patchcheck

import (
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/extract"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
	"github.com/kfunccheck/kfunccheck/rules"
)

// Options configure a check. They are data: what the run has, which the
// engine hands to the rules as their facts (rules.Facts). Nothing in the
// engine changes them.
type Options struct {
	Policy   *policy.Config
	Baseline baseline.Baseline
	// Interest names kfuncs that outside sources declare stable (a stable
	// list); their definitions are tracked even without a visible entry.
	Interest map[string]bool
	// Rules to run; rules.All when nil.
	Rules []*rules.Rule
	// Select chooses the rules reported, on top of the policy's ignore
	// list (--ignore, --types).
	Select rules.Selection
	// Kernel is a built kernel's BTF (check --btf); nil without one.
	Kernel rules.KernelSource
	// Trees gives each patch its pre-image tree from the tree-wide kfunc
	// index; nil when no repository is given.
	Trees TreeSource
	// History is the release history patches go on top of; nil when the
	// run has none.
	History rules.HistorySource
	// Target is where the patches go (a -g range's branch, a push's
	// remote branch, a history step's next release); nil when unknown,
	// and then a stable review subject may name it.
	Target *model.Target
}

// TreeSource gives a patch's pre-image tree from the tree-wide kfunc
// index: its parent commit's for a commit, the repository's HEAD for a
// patch from a file or mail. It returns nil, nil when it knows none.
type TreeSource interface {
	TreeFor(p *model.Patch) (extract.TreeView, error)
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
	// Skipped names the rules not applied for want of a fact.
	Skipped []rules.Skip
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
			n += h.CheckedLines()
		}
	}
	return n
}

// CheckSeries checks the patches of one series in order. Kfunc states are
// carried across the series, so that a kfunc deprecated in patch 1 and
// removed in patch 3 was not deprecated "before the series".
func CheckSeries(s *model.Series, opt Options) []*Result {
	return slices.Collect(Results(s, opt))
}

// Results is CheckSeries one patch at a time: each result is yielded as
// soon as its patch is judged, so that a caller can report it, or show
// progress, while the rest of a long series is checked.
func Results(s *model.Series, opt Options) iter.Seq[*Result] {
	opt.defaults()
	return func(yield func(*Result) bool) {
		mem := newSeriesMemory()
		for _, p := range s.Patches {
			eo := extract.Options{Policy: opt.Policy, Baseline: opt.Baseline, Interest: opt.Interest}
			if opt.Trees != nil {
				eo.Tree = func() (extract.TreeView, error) { return opt.Trees.TreeFor(p) }
			}
			ex := extract.Patch(p, eo)
			res := &Result{Patch: p, Series: s, Changes: ex.Changes, FullFiles: ex.FullFiles}
			res.Errors = append(append(res.Errors, p.Errors...), ex.Errors...)
			mem.markSeen(ex.Changes)
			res.Findings, res.Skipped = judge(p, s, ex.Changes, opt, mem)
			mem.after(ex.Changes, opt.Policy)
			if !yield(res) {
				return
			}
		}
	}
}

// seriesMemory is what the earlier patches of a series did: the facts
// the rules read, and the changes already made.
type seriesMemory struct {
	*rules.SeriesFacts
	// seen holds the changes already made, by changeKey.
	seen map[string]bool
}

func newSeriesMemory() *seriesMemory {
	return &seriesMemory{SeriesFacts: rules.NewSeriesFacts(), seen: map[string]bool{}}
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
		rememberBefore(m.Before, c)
		if m.Introduced[c.Kfunc] {
			m.IntroducedEarlier[c.Kfunc] = true
		}
		if c.Kind == model.KindPromoted || c.Kind == model.KindAdded && c.After.HasFlag(cfg.StableFlag) {
			m.PromotedEarlier[c.Kfunc] = true
		}
	}
}

// CheckChanges runs the rules on changes found elsewhere than in a patch's
// diff, such as the difference between two built kernels; p describes
// where they come from.
func CheckChanges(p *model.Patch, changes []*model.Change, opt Options) *Result {
	opt.defaults()
	s := &model.Series{Source: p.Source, Patches: []*model.Patch{p}}
	res := &Result{Patch: p, Series: s, Changes: changes}
	res.Findings, res.Skipped = judge(p, s, changes, opt, newSeriesMemory())
	return res
}

// judge runs the rules on one patch's changes, with the series' memory of
// what came before and the run's facts.
func judge(p *model.Patch, s *model.Series, changes []*model.Change, opt Options, mem *seriesMemory) ([]model.Finding, []rules.Skip) {
	if len(changes) == 0 && !judgedWithoutChanges(p, opt.Policy) {
		return nil, nil // the rules judge changes, and waivers alone (see judgedWithoutChanges)
	}
	// Record what this patch introduces before the rules run: a new
	// kfunc promoted in its own patch is "introduced by the series".
	for _, c := range changes {
		if c.Kind == model.KindAdded && c.Kfunc != "" && c.Before.Prototype() == nil && c.After.Prototype() != nil {
			mem.Introduced[c.Kfunc] = true
		}
	}
	in := rules.Pass{Patch: p, Changes: changes, Config: opt.Policy, Msg: rules.AnalyzeMessage(p, opt.Policy)}
	facts := rules.Facts{Series: s, SoFar: mem.SeriesFacts, Target: targetOf(p, opt)}
	if opt.Baseline != nil {
		facts.Stable = opt.Baseline
	}
	if opt.Kernel != nil {
		facts.Kernel = opt.Kernel
	}
	if opt.History != nil {
		facts.History = opt.History
	}
	return rules.Run(opt.Rules, in, facts, opt.Select)
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
