// SPDX-License-Identifier: GPL-2.0-only

// Package history is kfunc contracts release by release: what every kfunc
// was in each release of a kernel (source trees of a repository, or built
// kernels' BTF) and the changes between consecutive releases, judged by
// the same rules as a patch.
package history

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo"
	"github.com/kfunccheck/kfunccheck/patchcheck/extract"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// Release is one point of a history: a kernel tree at a revision, or a
// built kernel's BTF.
type Release struct {
	// Name labels the release: the revision or tag as given, or the
	// label of a BTF file.
	Name string
	// Source is where it was read: a commit id, or a file.
	Source string
	// Kind is "git" or "btf".
	Kind string
	// Kfuncs holds each kfunc's contract, by name.
	Kfuncs map[string]*Contract
	// Time is the commit time of a git release (Unix seconds), 0 when
	// unknown.
	Time int64
	// HasFlags is false for raw BTF, which holds no KF_* flags;
	// HasProgTypes is false for BTF, which holds no registrations (unless
	// a sourced table of its series gives them).
	HasFlags, HasProgTypes bool
	// Hooks is the release's mapping of program types to kfunc hooks,
	// from its kernel/bpf/btf.c or, for BTF, a sourced table; nil when
	// unknown. CallableSource says where the program types that can call
	// each kfunc come from, or why they are unknown.
	Hooks          *HookTable
	CallableSource string

	snap   *model.Snapshot
	kernel *btfinfo.Kernel
	// diff is the changes from the release before, when they were
	// computed as the release was read.
	diff *stepDiff
}

// SetFlags is a kfunc's entry in one kfunc set.
type SetFlags struct {
	Set   string   `json:"set"`
	Flags []string `json:"flags"`
}

// Contract is a kfunc's contract in one release.
type Contract struct {
	Prototype string `json:"prototype"`
	// Flags are the KF_* flags of all its entries, sorted; Sets has each
	// set's own. nil (JSON null) when the release cannot tell: raw BTF.
	Flags []string   `json:"flags"`
	Sets  []SetFlags `json:"sets,omitempty"`
	// ProgTypes are the program types its sets are registered for
	// (source, or BTF with a sourced table).
	ProgTypes []string `json:"prog_types,omitempty"`
	// CallableFrom are the program types that can call it: those filed
	// under the hooks of its registrations (AllProgTypes: every type);
	// nil when unknown. Filters name the set filters that may refuse
	// some of them; Conds the preprocessor conditions of its
	// registrations.
	CallableFrom []string `json:"callable_from,omitempty"`
	Filters      []string `json:"filters,omitempty"`
	Conds        []string `json:"conds,omitempty"`
	// Stable is set by the policy's stable flag or a stable list;
	// Deprecated by the deprecated flag.
	Stable     bool `json:"stable"`
	Deprecated bool `json:"deprecated"`
	// File and Line place its first set entry; DefFile and DefLine its
	// definition (source only).
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	DefFile string `json:"def_file,omitempty"`
	DefLine int    `json:"def_line,omitempty"`

	proto *model.Proto
}

// Proto returns the prototype in the model's form; nil when unknown.
func (c *Contract) Proto() *model.Proto { return c.proto }

// Step is what changed between two consecutive releases.
type Step struct {
	From, To string
	Changes  []*model.Change
	// Findings are the rules' verdicts on the step, as check gives them
	// for a patch that would make the same changes.
	Findings []model.Finding
	// Result is the check result the findings come from.
	Result *patchcheck.Result
}

// Counts tallies the step's changes by kind.
func (s *Step) Counts() map[model.ChangeKind]int {
	out := map[model.ChangeKind]int{}
	for _, c := range s.Changes {
		if c.Kfunc != "" {
			out[c.Kind]++
		}
	}
	return out
}

// History is kfunc contracts over releases, oldest first.
type History struct {
	Releases []*Release
	// Steps[i] goes from Releases[i] to Releases[i+1].
	Steps []*Step
	// Names lists every kfunc of any release, sorted.
	Names []string

	statesOnce sync.Once
	states     []map[string]string
}

// Cell states, in the matrix of kfuncs by release.
const (
	StateAbsent     = "absent"     // not a kfunc in the release, nor in the one before
	StatePresent    = "present"    // in the first release: nothing to compare with
	StateNew        = "new"        // added since the release before
	StateChanged    = "changed"    // its contract changed since the release before
	StateDeprecated = "deprecated" // deprecated since the release before
	StateRemoved    = "removed"    // removed since the release before
	StateUnchanged  = "unchanged"
)

// State returns the cell state of kfunc name in release i.
func (h *History) State(name string, i int) string {
	present := h.Releases[i].Kfuncs[name] != nil
	if i == 0 {
		if present {
			return StatePresent
		}
		return StateAbsent
	}
	before := h.Releases[i-1].Kfuncs[name] != nil
	switch {
	case present && !before:
		return StateNew
	case !present && before:
		return StateRemoved
	case !present:
		return StateAbsent
	}
	if st := h.stepStates()[i-1][name]; st != "" {
		return st
	}
	return StateUnchanged
}

// stepStates indexes each step's changes by kfunc, once: the state a
// change gives its kfunc, deprecated winning over changed. Any kind but
// deprecation (an entry added or removed while the kfunc stayed in
// another set, flags, signature, availability) is a changed contract.
func (h *History) stepStates() []map[string]string {
	h.statesOnce.Do(func() {
		h.states = make([]map[string]string, len(h.Steps))
		for i, s := range h.Steps {
			m := map[string]string{}
			for _, c := range s.Changes {
				if c.Kfunc == "" || m[c.Kfunc] == StateDeprecated {
					continue
				}
				if c.Kind == model.KindDeprecated {
					m[c.Kfunc] = StateDeprecated
				} else {
					m[c.Kfunc] = StateChanged
				}
			}
			h.states[i] = m
		}
	})
	return h.states
}

// ChangesOf returns the step's changes of kfunc name.
func (s *Step) ChangesOf(name string) []*model.Change {
	var out []*model.Change
	for _, c := range s.Changes {
		if c.Kfunc == name {
			out = append(out, c)
		}
	}
	return out
}

// Build diffs consecutive releases and judges each step with opt, as
// check judges a patch that goes from one release to the next: with the
// releases before as its history and the next release as its target.
// The releases must be all of one kind.
func Build(rels []*Release, opt patchcheck.Options) (*History, error) {
	if opt.Policy == nil {
		opt.Policy = policy.Default()
	}
	h := &History{Releases: rels}
	all := facts(rels)
	names := map[string]bool{}
	labels := map[string]bool{}
	for i, r := range rels {
		// Releases are told apart by name in every output.
		if labels[r.Name] {
			return nil, fmt.Errorf("two releases named %s (label BTF files as LABEL=FILE)", r.Name)
		}
		labels[r.Name] = true
		if r.Kind != rels[0].Kind {
			return nil, fmt.Errorf("release %s is read from %s, %s from %s: a history compares releases of one kind", r.Name, r.Kind, rels[0].Name, rels[0].Kind)
		}
		for n := range r.Kfuncs {
			names[n] = true
		}
		if i == 0 {
			continue
		}
		prev := rels[i-1]
		var changes []*model.Change
		switch {
		case r.Kind == "btf":
			changes = btfinfo.Diff(prev.kernel, r.kernel, opt.Policy.CompareOptions())
		case r.diff != nil && r.diff.policy == opt.Policy && maps.Equal(r.diff.interest, opt.Interest):
			changes = r.diff.changes
		case prev.snap != nil && r.snap != nil:
			changes = extract.DiffSnapshots(prev.snap, r.snap, extract.Options{Policy: opt.Policy, Interest: opt.Interest})
		default:
			return nil, fmt.Errorf("releases %s and %s were diffed while read, under another policy or stable list", prev.Name, r.Name)
		}
		p := &model.Patch{Source: prev.Name + ".." + r.Name, Subject: model.Subject{Raw: "kfunc changes from " + prev.Name + " to " + r.Name}}
		step := opt
		step.History = known{&model.Releases{List: all[:i]}}
		step.Target = &model.Target{Name: r.Name, Time: r.Time, Series: stepSeries(prev.Name, r.Name, opt.Policy.StableSeries)}
		res := patchcheck.CheckChanges(p, changes, step)
		h.Steps = append(h.Steps, &Step{From: prev.Name, To: r.Name, Changes: changes, Findings: res.Findings, Result: res})
	}
	for n := range names {
		h.Names = append(h.Names, n)
	}
	slices.Sort(h.Names)
	return h, nil
}

// flagsOf returns the sorted union of the entries' flags and each set's.
func flagsOf(es []model.Entry) ([]string, []SetFlags) {
	flags := []string{}
	var sets []SetFlags
	for _, e := range es {
		for _, f := range e.Flags {
			if !slices.Contains(flags, f) {
				flags = append(flags, f)
			}
		}
		fl := e.Flags
		if fl == nil {
			fl = []string{}
		}
		sets = append(sets, SetFlags{Set: e.Set, Flags: fl})
	}
	slices.Sort(flags)
	return flags, sets
}

// Subsystem is the part of a path that names a kernel subsystem: its
// first two directories ("kernel/bpf", "net/netfilter").
func Subsystem(file string) string {
	parts := strings.Split(file, "/")
	if len(parts) <= 2 {
		return strings.Join(parts[:max(len(parts)-1, 1)], "/")
	}
	return strings.Join(parts[:2], "/")
}
