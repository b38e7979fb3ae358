// SPDX-License-Identifier: GPL-2.0-only

package extract

import (
	"slices"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// entryDiffer compares the kfunc set entries: added and removed kfuncs,
// lifecycle flags, other flags, and moves between sets.
type entryDiffer struct{}

func (entryDiffer) diff(k *kfuncDiff) {
	bE, aE := k.before.Entries, k.after.Entries
	bP, aP := k.before.Proto, k.after.Proto
	switch {
	case len(bE) == 0 && len(aE) > 0:
		d := "new set entry in " + setName(aE[0])
		if bP == nil && aP != nil {
			d = "new kfunc"
		} else if aP == nil {
			d += "; the definition is not in the patch"
		}
		k.emit(model.KindAdded, aE[0].Pos, d)
	case len(bE) > 0 && len(aE) == 0:
		d := "set entry removed from " + setName(bE[0])
		if bP != nil && aP == nil {
			d = "kfunc removed"
		}
		k.emit(model.KindRemoved, bE[0].Pos, d)
	case len(bE) > 0 && len(aE) > 0:
		diffEntries(k, bE, aE)
	}
}

func anyFlag(es []model.Entry, f string) bool {
	for _, e := range es {
		if e.HasFlag(f) {
			return true
		}
	}
	return false
}

// diffEntries compares the entries of a kfunc present on both sides:
// lifecycle flags, other flags per set, and set or file moves.
func diffEntries(k *kfuncDiff, bE, aE []model.Entry) {
	cfg := k.opt.Policy
	for _, lf := range []struct {
		flag    string
		on, off model.ChangeKind
	}{
		{cfg.StableFlag, model.KindPromoted, model.KindDemoted},
		{cfg.DeprecatedFlag, model.KindDeprecated, model.KindUndeprecated},
	} {
		was, is := anyFlag(bE, lf.flag), anyFlag(aE, lf.flag)
		switch {
		case !was && is:
			e := entryWith(aE, lf.flag)
			c := k.emit(lf.on, e.Pos, lf.flag+" added")
			c.FlagsAdded = append(c.FlagsAdded, lf.flag)
		case was && !is:
			c := k.emit(lf.off, aE[0].Pos, lf.flag+" removed")
			c.FlagsRemoved = append(c.FlagsRemoved, lf.flag)
		}
	}
	// Pair entries by set and file; what is left over moved.
	usedA := make([]bool, len(aE))
	var restB []model.Entry
	for _, e := range bE {
		j := -1
		for x := range aE {
			if !usedA[x] && aE[x].Set == e.Set && aE[x].Pos.File == e.Pos.File {
				j = x
				break
			}
		}
		if j < 0 {
			restB = append(restB, e)
			continue
		}
		usedA[j] = true
		flagDiff(k, e, aE[j], cfg)
	}
	var restA []model.Entry
	for j, e := range aE {
		if !usedA[j] {
			restA = append(restA, e)
		}
	}
	for i := 0; i < len(restB) && i < len(restA); i++ {
		from, to := restB[i], restA[i]
		k.emit(model.KindMoved, to.Pos, "from "+setName(from)+" to "+setName(to))
		flagDiff(k, from, to, cfg)
	}
	// An entry dropped from one set while the kfunc stays in another is
	// no removal: whether callers lose anything is the availability's
	// question.
	for i := len(restA); i < len(restB); i++ {
		k.emit(model.KindMoved, restB[i].Pos, "no longer in "+setName(restB[i])+"; still in "+setName(aE[0]))
	}
	for i := len(restB); i < len(restA); i++ {
		k.emit(model.KindAdded, restA[i].Pos, "also added to "+setName(restA[i]))
	}
}

func entryWith(es []model.Entry, flag string) model.Entry {
	for _, e := range es {
		if e.HasFlag(flag) {
			return e
		}
	}
	return es[0]
}

// flagDiff records the non-lifecycle flag differences of one entry pair.
func flagDiff(k *kfuncDiff, b, a model.Entry, cfg *policy.Config) {
	var added, removed []string
	for _, f := range a.Flags {
		if !b.HasFlag(f) && !cfg.IsLifecycle(f) {
			added = append(added, f)
		}
	}
	for _, f := range b.Flags {
		if !a.HasFlag(f) && !cfg.IsLifecycle(f) {
			removed = append(removed, f)
		}
	}
	if len(added) == 0 && len(removed) == 0 {
		return
	}
	c := k.emit(model.KindFlags, a.Pos, "")
	for _, f := range added {
		if !slices.Contains(c.FlagsAdded, f) {
			c.FlagsAdded = append(c.FlagsAdded, f)
		}
	}
	for _, f := range removed {
		if !slices.Contains(c.FlagsRemoved, f) {
			c.FlagsRemoved = append(c.FlagsRemoved, f)
		}
	}
}
