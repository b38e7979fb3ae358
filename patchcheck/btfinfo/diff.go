// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// state is a kfunc as the model sees it: one entry per kfunc set, with
// that set's flags, so that rules judge BTF changes as they judge source
// changes. A kfunc the input gives no sets for has one entry without a
// set.
func (k *Kernel) state(kf *Kfunc) *model.KfuncState {
	if kf == nil {
		return nil
	}
	entry := func(set string, flags []string) model.Entry {
		text := "BTF_ID_FLAGS(func, " + kf.Name
		if len(flags) > 0 {
			text += ", " + strings.Join(flags, " | ")
		}
		return model.Entry{Name: kf.Name, Set: set, Macro: "BTF", Flags: flags, Pos: model.Pos{File: k.Source}, Text: text + ")"}
	}
	st := &model.KfuncState{Proto: kf.proto}
	for _, s := range kf.Sets {
		st.Entries = append(st.Entries, entry(s.Set, s.Flags))
	}
	if len(st.Entries) == 0 {
		st.Entries = []model.Entry{entry("", kf.Flags)}
	}
	return st
}

// setPair is a kfunc's entry in one set of the old kernel and the new.
type setPair struct{ old, new SetFlags }

// pairSets pairs a kfunc's sets in two kernels by set name. When one set
// is left on each side (the set was renamed, or the kfunc moved) those two
// pair too, so that their flags are compared; the rest were left or
// joined.
func pairSets(old, new []SetFlags) (pairs []setPair, left, joined []SetFlags) {
	used := make([]bool, len(new))
	for _, o := range old {
		j := slices.IndexFunc(new, func(n SetFlags) bool { return n.Set == o.Set })
		for j >= 0 && used[j] {
			k := slices.IndexFunc(new[j+1:], func(n SetFlags) bool { return n.Set == o.Set })
			if k < 0 {
				j = -1
				break
			}
			j += 1 + k
		}
		if j < 0 {
			left = append(left, o)
			continue
		}
		used[j] = true
		pairs = append(pairs, setPair{o, new[j]})
	}
	for j, n := range new {
		if !used[j] {
			joined = append(joined, n)
		}
	}
	if len(left) == 1 && len(joined) == 1 {
		return append(pairs, setPair{left[0], joined[0]}), nil, nil
	}
	return pairs, left, joined
}

func setNames(sets []SetFlags) string {
	var n []string
	for _, s := range sets {
		n = append(n, s.Set)
	}
	return strings.Join(n, ", ")
}

// Diff lists what changed from old to new: kfuncs added and removed,
// signatures (typedefs followed), and, when both sides carry flags, the
// flags of each set the kfunc is in on both sides (a flags change) and
// the sets it joined, left or moved between (a move: which program types
// may call it depends on the sets' registrations, which BTF does not
// hold).
func Diff(old, new *Kernel, opt cscan.CompareOptions) []*model.Change {
	var out []*model.Change
	add := func(c *model.Change) {
		c.EntryVisible = true
		out = append(out, c)
	}
	for _, kf := range old.Kfuncs {
		nk := new.Kfunc(kf.Name)
		if nk == nil {
			add(&model.Change{Kfunc: kf.Name, Kind: model.KindRemoved, Pos: model.Pos{File: old.Source},
				Before: old.state(kf), Detail: "not in " + new.Source})
			continue
		}
		if diffs := cscan.Compare(kf.canonProto(), nk.canonProto(), opt); len(diffs) > 0 {
			add(&model.Change{Kfunc: kf.Name, Kind: model.KindSignature, Pos: model.Pos{File: new.Source},
				Before: old.state(kf), After: new.state(nk), SigDiffs: diffs})
		}
		if !old.HasFlags || !new.HasFlags {
			continue
		}
		pairs, left, joined := pairSets(kf.Sets, nk.Sets)
		c := &model.Change{Kfunc: kf.Name, Kind: model.KindFlags, Pos: model.Pos{File: new.Source},
			Before: old.state(kf), After: new.state(nk)}
		var where []string
		for _, p := range pairs {
			if p.old.word == p.new.word {
				continue
			}
			for _, f := range p.new.Flags {
				if !slices.Contains(p.old.Flags, f) && !slices.Contains(c.FlagsAdded, f) {
					c.FlagsAdded = append(c.FlagsAdded, f)
				}
			}
			for _, f := range p.old.Flags {
				if !slices.Contains(p.new.Flags, f) && !slices.Contains(c.FlagsRemoved, f) {
					c.FlagsRemoved = append(c.FlagsRemoved, f)
				}
			}
			if p.old.Set == p.new.Set {
				where = append(where, "in set "+p.old.Set)
			} else {
				where = append(where, "set "+p.old.Set+" became "+p.new.Set)
			}
		}
		if len(where) > 0 {
			slices.Sort(c.FlagsAdded)
			slices.Sort(c.FlagsRemoved)
			c.Detail = strings.Join(where, "; ")
			add(c)
		}
		var renamed []string
		for _, p := range pairs {
			if p.old.Set != p.new.Set {
				renamed = append(renamed, "from set "+p.old.Set+" to set "+p.new.Set)
			}
		}
		if len(renamed) > 0 || len(left) > 0 || len(joined) > 0 {
			d := renamed
			if len(joined) > 0 {
				d = append(d, "joined "+setNames(joined))
			}
			if len(left) > 0 {
				d = append(d, "left "+setNames(left))
			}
			add(&model.Change{Kfunc: kf.Name, Kind: model.KindMoved, Pos: model.Pos{File: new.Source},
				Before: old.state(kf), After: new.state(nk), Detail: strings.Join(d, "; ")})
		}
	}
	for _, kf := range new.Kfuncs {
		if old.Kfunc(kf.Name) == nil {
			add(&model.Change{Kfunc: kf.Name, Kind: model.KindAdded, Pos: model.Pos{File: new.Source},
				After: new.state(kf), Detail: "new in " + new.Source})
		}
	}
	return out
}
