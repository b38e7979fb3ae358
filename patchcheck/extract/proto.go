// SPDX-License-Identifier: GPL-2.0-only

package extract

import (
	"slices"
	"strings"

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
	if k.opt.Tree != nil && len(bE) == 0 && len(aE) == 0 && !k.opt.Interest[k.name] {
		// The whole tree is in view and no kfunc set holds the function:
		// whatever its tag, it is not a kfunc.
		return
	}
	switch {
	case len(bE) == 0 && len(aE) > 0:
		// A function that gets its first entry is a new kfunc: BPF
		// programs saw no earlier prototype.
	case bP != nil && aP != nil:
		bv := bpfVisible(bP, bE, k.opt.Policy.ImplicitArgTypes)
		av := bpfVisible(aP, aE, k.opt.Policy.ImplicitArgTypes)
		if diffs := cscan.Compare(bv, av, k.opt.Policy.CompareOptions()); len(diffs) > 0 {
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

// implicitArgsFlag marks kfuncs whose trailing implicit arguments the
// verifier supplies.
const implicitArgsFlag = "KF_IMPLICIT_ARGS"

// bpfVisible returns the prototype BPF programs call: for a
// KF_IMPLICIT_ARGS kfunc, without the trailing parameters of the implicit
// types.
func bpfVisible(p *model.Proto, entries []model.Entry, implicit []string) *model.Proto {
	if !slices.ContainsFunc(entries, func(e model.Entry) bool { return e.HasFlag(implicitArgsFlag) }) {
		return p
	}
	n := len(p.Params)
	for n > 0 && slices.Contains(implicit, strings.TrimPrefix(p.Params[n-1].Type, "const ")) {
		n--
	}
	if n == len(p.Params) {
		return p
	}
	q := *p
	q.Params = p.Params[:n]
	return &q
}
