// SPDX-License-Identifier: GPL-2.0-only

package model

// ChangeKind is the kind of a change to a kfunc. The string values are part
// of the JSON contract.
type ChangeKind string

// Change kinds.
const (
	KindAdded        ChangeKind = "added"
	KindRemoved      ChangeKind = "removed"
	KindPromoted     ChangeKind = "promoted"
	KindDemoted      ChangeKind = "demoted"
	KindDeprecated   ChangeKind = "deprecated"
	KindUndeprecated ChangeKind = "undeprecated"
	KindFlags        ChangeKind = "flags"
	KindSignature    ChangeKind = "signature"
	KindMoved        ChangeKind = "moved"
	// KindAvailability: the program types, filter or build conditions
	// under which BPF programs may call the kfunc changed.
	KindAvailability ChangeKind = "availability"
)

// AccessChange is one difference in where a kfunc is callable from.
type AccessChange struct {
	// ProgType is the program type concerned; "" for all those the kfunc
	// is registered for.
	ProgType string
	// What is one of AccessLost, AccessGained, AccessFiltered,
	// AccessConditional or AccessCondChanged.
	What string
	// Detail names the filter or the condition.
	Detail string
}

// Kinds of AccessChange. Lost, Filtered and Conditional narrow where
// existing programs may call the kfunc.
const (
	AccessLost        = "lost"
	AccessGained      = "gained"
	AccessFiltered    = "filtered"
	AccessConditional = "conditional"
	AccessCondChanged = "condition-changed"
)

// Narrows reports whether the access change takes a program type away
// from existing callers, fully or on some kernels.
func (a AccessChange) Narrows() bool {
	return a.What == AccessLost || a.What == AccessFiltered || a.What == AccessConditional
}

// String says what changed in words: "no longer callable from
// BPF_PROG_TYPE_TRACING".
func (a AccessChange) String() string {
	pt := a.ProgType
	if pt == "" {
		pt = "the program types it is registered for"
	} else if pt == "BPF_PROG_TYPE_UNSPEC" {
		pt = "every program type (BPF_PROG_TYPE_UNSPEC)"
	}
	switch a.What {
	case AccessLost:
		s := "no longer callable from " + pt
		if a.Detail != "" {
			s += " (" + a.Detail + ")"
		}
		return s
	case AccessGained:
		return "now callable from " + pt
	case AccessFiltered:
		return "callable from " + pt + " only through the filter " + a.Detail
	case AccessConditional:
		return "callable from " + pt + " only when " + a.Detail
	case AccessCondChanged:
		return "build condition for " + pt + " changed: " + a.Detail
	}
	return a.What + " " + pt
}

// SigDiff is one structural difference between two prototypes.
type SigDiff struct {
	// Breaking is true when BPF programs that call the kfunc see it.
	Breaking bool
	What     string
}

// Change is one typed change to one kfunc made by one patch.
type Change struct {
	Kfunc  string
	Kind   ChangeKind
	Pos    Pos
	Before *KfuncState
	After  *KfuncState
	// FlagsAdded and FlagsRemoved list the KF_* differences (flags kind
	// and lifecycle kinds).
	FlagsAdded, FlagsRemoved []string
	// SigDiffs explains a signature change.
	SigDiffs []SigDiff
	// Access lists the availability differences (availability kind).
	Access []AccessChange
	// Guess says why the change rests on a guess, such as a set taken
	// for a kfunc set without its registration in view; "" when it does
	// not.
	Guess string
	// Detail is a short human explanation ("moved from set a to set b").
	Detail string
	// EntryVisible is false when the change was seen only in a definition
	// and no set entry of the kfunc is visible on either side.
	EntryVisible bool
	// SeenEarlier is set when an earlier patch of the same series made
	// the same change (a removal finished in two steps): it is listed,
	// not judged again.
	SeenEarlier bool
	// BaselineNote says why the file's full pre-image could not be used
	// ("pre-image blob 1234abc of kernel/bpf/x.c is not in the
	// repository"), "" when it was used or never asked for.
	BaselineNote string
}

// Breaking reports whether any signature difference is caller-visible.
func (c *Change) Breaking() bool {
	for _, d := range c.SigDiffs {
		if d.Breaking {
			return true
		}
	}
	return false
}
