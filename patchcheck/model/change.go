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
)

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
	// Detail is a short human explanation ("moved from set a to set b").
	Detail string
	// EntryVisible is false when the change was seen only in a definition
	// and no set entry of the kfunc is visible on either side.
	EntryVisible bool
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
