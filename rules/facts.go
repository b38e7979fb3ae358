// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"fmt"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// Fact is something a rule reads beyond the patch in front of it, in the
// manner of go/analysis's Requires: a rule declares the facts it reads,
// the driver hands it those the run has, and a rule that requires a fact
// the run lacks is skipped with a note instead of judging blind.
type Fact int

// The facts a run may have.
const (
	// FactSeries is the series the patch belongs to and what its
	// earlier patches did. Every run has it.
	FactSeries Fact = iota + 1
	// FactStable is the outside sources that declare kfuncs stable:
	// stable lists, the kfuncs BPF programs call.
	FactStable
	// FactKernel is a built kernel's BTF: which functions it exports
	// as kfuncs.
	FactKernel
	// FactHistory is the release history the patch goes on top of: a
	// repository's release tags, or the releases before a history step.
	FactHistory
	// FactTarget is where the patches go: the branch or tag of a range
	// or a push, the stable series a mailed patch names, the next
	// release of a history step.
	FactTarget
)

// facts lists every fact with what it is and how a run gets it, for
// explain and for the notes on skipped rules.
var facts = map[Fact]struct{ name, how string }{
	FactSeries:  {"the series", "every run has it"},
	FactStable:  {"stable sources", "--stable-list, --stable-list-from, or the policy's stable_lists"},
	FactKernel:  {"a built kernel's BTF", "--btf"},
	FactHistory: {"the release history", "a repository with release tags: --repo or -g"},
	FactTarget:  {"the target branch or series", "a -g range or push to a branch, or a stable review subject"},
}

// String names the fact.
func (f Fact) String() string {
	if d, ok := facts[f]; ok {
		return d.name
	}
	return fmt.Sprintf("fact(%d)", int(f))
}

// How says how a run gets the fact.
func (f Fact) How() string { return facts[f].how }

// StableSource names where a kfunc is declared stable outside the patch.
// baseline.Baseline is one.
type StableSource interface {
	Stable(kfunc string) (source string, ok bool)
}

// KernelSource tells whether a built kernel exports a function as a
// kfunc, naming the kernel. btfinfo.Kernel is one.
type KernelSource interface {
	IsKfunc(name string) (kernel string, ok bool)
}

// HistorySource gives the release history. Reading one is costly, so a
// run asks only when a rule needs it; a source reads at most once.
type HistorySource interface {
	// Releases returns the history, or nil and the reason there is
	// none (fewer than two release tags, an unreadable release).
	Releases() (*model.Releases, error)
}

// SeriesFacts is what the earlier patches of a series did, by kfunc: the
// patches before are the baseline of the later ones.
type SeriesFacts struct {
	// Before is each kfunc's state before the first patch of the series
	// that touched it.
	Before map[string]*model.KfuncState
	// Introduced: this patch or an earlier one made it a kfunc;
	// IntroducedEarlier and PromotedEarlier: an earlier patch did.
	Introduced, IntroducedEarlier, PromotedEarlier map[string]bool
}

// NewSeriesFacts returns the facts of a series before its first patch.
func NewSeriesFacts() *SeriesFacts {
	return &SeriesFacts{Before: map[string]*model.KfuncState{}, Introduced: map[string]bool{},
		IntroducedEarlier: map[string]bool{}, PromotedEarlier: map[string]bool{}}
}

// Facts is everything a run knows beyond the patch; a nil field is a fact
// the run lacks.
type Facts struct {
	Series  *model.Series
	SoFar   *SeriesFacts
	Stable  StableSource
	Kernel  KernelSource
	History HistorySource
	Target  *model.Target
}

// has reports whether the run has fact f.
func (fs *Facts) has(f Fact) bool {
	switch f {
	case FactSeries:
		return fs.Series != nil && fs.SoFar != nil
	case FactStable:
		return fs.Stable != nil
	case FactKernel:
		return fs.Kernel != nil
	case FactHistory:
		return fs.History != nil
	case FactTarget:
		return fs.Target != nil
	}
	return false
}
