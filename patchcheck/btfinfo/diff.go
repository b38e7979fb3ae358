// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"slices"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// state is a kfunc as the model sees it: its flags as one entry, so that
// rules judge BTF changes as they judge source changes.
func (k *Kernel) state(kf *Kfunc) *model.KfuncState {
	if kf == nil {
		return nil
	}
	text := "BTF_ID_FLAGS(func, " + kf.Name
	if len(kf.Flags) > 0 {
		text += ", " + strings.Join(kf.Flags, " | ")
	}
	e := model.Entry{Name: kf.Name, Macro: "BTF", Flags: kf.Flags, Pos: model.Pos{File: k.Source}, Text: text + ")"}
	return &model.KfuncState{Entries: []model.Entry{e}, Proto: kf.proto}
}

// Diff lists what changed from old to new: kfuncs added and removed,
// signatures (typedefs followed), and flags when both sides carry them.
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
		if diffs := cscan.Compare(kf.proto, nk.proto, opt); len(diffs) > 0 {
			add(&model.Change{Kfunc: kf.Name, Kind: model.KindSignature, Pos: model.Pos{File: new.Source},
				Before: old.state(kf), After: new.state(nk), SigDiffs: diffs})
		}
		if old.HasFlags && new.HasFlags && !slices.Equal(kf.Flags, nk.Flags) {
			c := &model.Change{Kfunc: kf.Name, Kind: model.KindFlags, Pos: model.Pos{File: new.Source},
				Before: old.state(kf), After: new.state(nk)}
			for _, f := range nk.Flags {
				if !slices.Contains(kf.Flags, f) {
					c.FlagsAdded = append(c.FlagsAdded, f)
				}
			}
			for _, f := range kf.Flags {
				if !slices.Contains(nk.Flags, f) {
					c.FlagsRemoved = append(c.FlagsRemoved, f)
				}
			}
			add(c)
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
