// SPDX-License-Identifier: GPL-2.0-only

package extract

import (
	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// protoDiffer compares the kfunc's definition as BPF programs see it.
type protoDiffer struct{}

// noEntryGuess is the Guess of a change seen only in a definition:
// __bpf_kfunc also keeps destructors and test functions from inlining.
const noEntryGuess = "no set entry in view; __bpf_kfunc also marks functions that are not kfuncs"

func (protoDiffer) diff(k *kfuncDiff) {
	bE, aE := k.before.Entries, k.after.Entries
	bP, aP := k.before.Proto, k.after.Proto
	switch {
	case len(bE) == 0 && len(aE) > 0:
		// A function that gets its first entry is a new kfunc: BPF
		// programs saw no earlier prototype.
	case bP != nil && aP != nil:
		if diffs := cscan.Compare(bP, aP, k.opt.Policy.CompareOptions()); len(diffs) > 0 {
			c := k.emit(model.KindSignature, aP.Pos, "")
			c.SigDiffs = diffs
		}
	case bP != nil && aP == nil && len(bE) == 0 && len(aE) == 0:
		c := k.emit(model.KindRemoved, bP.Pos, "definition removed; no set entry in the patch")
		if c.Guess == "" && !k.opt.Interest[k.name] {
			c.Guess = noEntryGuess
		}
	case bP == nil && aP != nil && len(bE) == 0 && len(aE) == 0:
		c := k.emit(model.KindAdded, aP.Pos, "definition added; no set entry in the patch")
		if c.Guess == "" && !k.opt.Interest[k.name] {
			c.Guess = noEntryGuess
		}
	}
}
