// SPDX-License-Identifier: GPL-2.0-only

package extract

import (
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// A differ compares one dimension of a kfunc's contract (its set entries
// and flags, its prototype, its availability) between the two sides of a
// patch and reports what changed through k.emit.
type differ interface {
	diff(k *kfuncDiff)
}

// differs are the dimensions of the contract, in the order their changes
// are listed. A new dimension is one more differ here.
var differs = []differ{entryDiffer{}, protoDiffer{}, availabilityDiffer{}}

// kfuncDiff is the comparison of one kfunc, shared by the differs.
type kfuncDiff struct {
	name          string
	before, after *model.KfuncState
	opt           Options
	kinds         map[model.ChangeKind]*model.Change
	order         []model.ChangeKind
}

// emit returns the change of the given kind, creating it at pos the first
// time; a later detail is appended to the first.
func (k *kfuncDiff) emit(kind model.ChangeKind, pos model.Pos, detail string) *model.Change {
	if c, ok := k.kinds[kind]; ok {
		if detail != "" && !strings.Contains(c.Detail, detail) {
			c.Detail += "; " + detail
		}
		return c
	}
	visible := len(k.before.Entries) > 0 || len(k.after.Entries) > 0
	c := &model.Change{Kfunc: k.name, Kind: kind, Pos: pos, Before: k.before, After: k.after, Detail: detail,
		EntryVisible: visible, Guess: guessOf(k.before, k.after)}
	k.kinds[kind] = c
	k.order = append(k.order, kind)
	return c
}

// guessOf returns why the kfunc's sets were taken for kfunc sets without
// seeing them registered, "" when nothing was guessed.
func guessOf(states ...*model.KfuncState) string {
	for _, s := range states {
		for _, e := range s.AllEntries() {
			if e.Guess != "" {
				return e.Guess
			}
		}
	}
	return ""
}

// diff compares the two snapshots kfunc by kfunc.
func diff(before, after *model.Snapshot, opt Options) []*model.Change {
	names := map[string]bool{}
	for n := range before.Entries {
		names[n] = true
	}
	for n := range after.Entries {
		names[n] = true
	}
	for _, s := range []*model.Snapshot{before, after} {
		for n, p := range s.Protos {
			if p.Tagged || opt.Interest[n] {
				names[n] = true
			}
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	slices.Sort(sorted)
	var out []*model.Change
	for _, n := range sorted {
		out = append(out, diffKfunc(n, before.State(n), after.State(n), opt)...)
	}
	slices.SortStableFunc(out, func(a, b *model.Change) int { return a.Pos.PatchLine - b.Pos.PatchLine })
	return out
}

func diffKfunc(name string, b, a *model.KfuncState, opt Options) []*model.Change {
	bE, aE := b.AllEntries(), a.AllEntries()
	bP, aP := keptProtos(b.Prototype(), a.Prototype(), len(bE), len(aE), opt.Interest[name])
	if len(bE) == 0 && len(aE) == 0 && bP == nil && aP == nil {
		return nil
	}
	k := &kfuncDiff{
		name:   name,
		before: &model.KfuncState{Entries: bE, Proto: bP, Doc: b.DocComment(), Avail: b.Availability()},
		after:  &model.KfuncState{Entries: aE, Proto: aP, Doc: a.DocComment(), Avail: a.Availability()},
		opt:    opt,
		kinds:  map[model.ChangeKind]*model.Change{},
	}
	for _, d := range differs {
		d.diff(k)
	}
	out := make([]*model.Change, 0, len(k.order))
	for _, kind := range k.order {
		out = append(out, k.kinds[kind])
	}
	return out
}

// keptProtos decides which definitions belong to the kfunc's contract. A
// definition without __bpf_kfunc is a kfunc's only when an entry of its
// own side shows it is one, an outside source names it, or the other side
// tags the same function (the tag was added or dropped). A plain function
// that gets its first set entry is a new kfunc, not a changed one.
func keptProtos(bP, aP *model.Proto, bE, aE int, interest bool) (*model.Proto, *model.Proto) {
	keep := func(p, other *model.Proto, own, others int) *model.Proto {
		switch {
		case p == nil:
			return nil
		case p.Tagged || interest || own > 0:
			return p
		case others == 0 && other != nil && other.Tagged:
			return p
		}
		return nil
	}
	return keep(bP, aP, bE, aE), keep(aP, bP, aE, bE)
}

func setName(e model.Entry) string {
	s := e.Set
	if s == "" {
		s = "an unnamed set"
	}
	return s + " (" + e.Pos.File + ")"
}
