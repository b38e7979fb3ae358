// SPDX-License-Identifier: GPL-2.0-only

package model

import "strings"

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
	// Lines are the source lines that show a change without a kfunc (a
	// registration removed), with their +/- marks.
	Lines []string
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

// Summary says what the change did in kfunc terms, as each kind puts it:
// "promoted bpf_x", "flags of bpf_y: +KF_RCU -KF_RET_NULL",
// "bpf_z no longer callable from BPF_PROG_TYPE_TRACING".
func (c *Change) Summary() string {
	name := c.Kfunc
	if name == "" {
		name = "kfuncs not in view"
	}
	flags := func() string {
		var parts []string
		for _, f := range c.FlagsAdded {
			parts = append(parts, "+"+f)
		}
		for _, f := range c.FlagsRemoved {
			parts = append(parts, "-"+f)
		}
		return strings.Join(parts, " ")
	}
	switch c.Kind {
	case KindAdded:
		return "added " + name
	case KindRemoved:
		return "removed " + name
	case KindPromoted:
		return "promoted " + name
	case KindDemoted:
		return "demoted " + name
	case KindDeprecated:
		return "deprecated " + name
	case KindUndeprecated:
		return "undeprecated " + name
	case KindFlags:
		return "flags of " + name + ": " + flags()
	case KindSignature:
		var what []string
		for _, d := range c.SigDiffs {
			what = append(what, d.What)
		}
		return "signature of " + name + ": " + strings.Join(what, "; ")
	case KindMoved:
		return "moved " + name + " " + c.Detail
	case KindAvailability:
		var what []string
		for _, a := range c.Access {
			what = append(what, a.String())
		}
		return name + " " + strings.Join(what, "; ")
	}
	return string(c.Kind) + " " + name
}
