// SPDX-License-Identifier: GPL-2.0-only

package model

import "strings"

// Releases is a kernel's release history as the history rules read it:
// what each release, oldest first, made of its kfuncs. A patch is judged
// as going on top of the last release; a step of a history as going from
// the last release to its target.
type Releases struct {
	List []Release
}

// Release is one release of a history: its name, its commit time and its
// kfuncs.
type Release struct {
	Name string
	// Time is the commit time of a git release (Unix seconds), 0 when
	// unknown (a built kernel).
	Time   int64
	Kfuncs map[string]ReleaseKfunc
}

// ReleaseKfunc is what one release held of a kfunc's contract that the
// history rules read.
type ReleaseKfunc struct {
	// Prototype is the C prototype, "" when unknown.
	Prototype string
	// Stable is set by the policy's stable flag or an outside stable
	// source; Deprecated by the deprecated flag.
	Stable, Deprecated bool
}

// Last returns the index of the newest release, -1 for an empty history.
func (r *Releases) Last() int { return len(r.List) - 1 }

// Kfunc returns kfunc name in release i.
func (r *Releases) Kfunc(i int, name string) (ReleaseKfunc, bool) {
	k, ok := r.List[i].Kfuncs[name]
	return k, ok
}

// DeprecatedSince returns the index of the release from which kfunc name
// was deprecated without a break up to release i, -1 when it is not
// deprecated in i.
func (r *Releases) DeprecatedSince(name string, i int) int {
	since := -1
	for j := i; j >= 0; j-- {
		k, ok := r.List[j].Kfuncs[name]
		if !ok || !k.Deprecated {
			break
		}
		since = j
	}
	return since
}

// Find returns the index of the release named name, with or without a
// leading "v"; -1 when the history does not hold it.
func (r *Releases) Find(name string) int {
	want := strings.TrimPrefix(name, "v")
	for i, rel := range r.List {
		if strings.TrimPrefix(rel.Name, "v") == want {
			return i
		}
	}
	return -1
}

// Target is where the patches being judged go: a branch or tag a range
// or a push is for, the stable series a mailed patch names, or the next
// release of a history step.
type Target struct {
	// Name is the branch, tag or release ("" when unknown).
	Name string
	// Time is the target's commit time (Unix seconds), 0 when unknown.
	Time int64
	// Series is the stable kernel series Name belongs to, "" when it is
	// in none: inside one, every kfunc contract change is reported.
	Series string
}
