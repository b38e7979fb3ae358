// SPDX-License-Identifier: GPL-2.0-only

package history

import (
	"slices"

	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo"
)

// Compat is a BPF program's compatibility with each release of a
// history, judged by the one rule `btf compat` applies (btfinfo.Judge:
// libbpf's resolution, then the release's program types).
type Compat struct {
	Program string `json:"program"`
	// ProgTypes are the program types of its programs, from their ELF
	// section names as libbpf reads them; UnknownSections are executable
	// sections libbpf gives no type.
	ProgTypes       []string `json:"prog_types"`
	UnknownSections []string `json:"unknown_sections,omitempty"`
	// Refused says why libbpf refuses to open the object at all.
	Refused  string           `json:"refused,omitempty"`
	Uses     []*btfinfo.Use   `json:"uses"`
	Releases []*CompatRelease `json:"releases"`
}

// CompatRelease says whether the program loads on one release.
type CompatRelease struct {
	Release string `json:"release"`
	// Loads is true when no kfunc keeps the program from loading.
	Loads bool `json:"loads"`
	// Kfuncs is the verdict on each kfunc, in the order of Uses.
	Kfuncs []btfinfo.Verdict `json:"kfuncs"`
	// Missing are the strong kfuncs the release lacks; WeakMissing the
	// weak ones (the program can test them with bpf_ksym_exists()).
	Missing     []string `json:"missing"`
	WeakMissing []string `json:"weak_missing"`
	// Incompatible maps kfuncs to why libbpf refuses their prototype;
	// a weak one is then unresolved, as if missing.
	Incompatible map[string][]string `json:"incompatible,omitempty"`
	// NotCallable maps kfuncs to why none of the program's types may
	// call them.
	NotCallable map[string][]string `json:"not_callable,omitempty"`
	// Unknown says what the release cannot tell ("program types: BTF
	// holds no registrations").
	Unknown string `json:"unknown,omitempty"`
}

// Offer is what release r has under a kfunc's name, in the form the
// compat rule reads.
func (r *Release) Offer(name string) btfinfo.Offer {
	c := r.Kfuncs[name]
	var o btfinfo.Offer
	switch {
	case r.kernel != nil:
		o = r.kernel.Offer(name)
	case c != nil:
		o = btfinfo.Offer{Found: true, Kfunc: btfinfo.Yes, Prototype: c.Prototype, Shape: btfinfo.ShapeOfProto(c.proto)}
	default:
		// A source tree lists kfuncs, not every function: one that is
		// no kfunc there is taken as absent.
		return o
	}
	o.CallableFrom = r.CallableSource
	if c != nil && c.CallableFrom != nil {
		o.Callable = c.CallableFrom
		o.Filtered = c.Filters
	}
	return o
}

// CheckCompat judges a program's uses against every release.
func (h *History) CheckCompat(obj btfinfo.Object) *Compat {
	return CheckCompat(h.Releases, obj)
}

// CheckCompat judges a program's uses against releases that need not
// make a history: `btf compat`'s kernels.
func CheckCompat(rels []*Release, obj btfinfo.Object) *Compat {
	progTypes, uses := obj.ProgTypes, obj.Uses
	c := &Compat{Program: obj.Path, ProgTypes: progTypes, UnknownSections: obj.UnknownSections, Refused: obj.Refused, Uses: uses}
	if c.ProgTypes == nil {
		c.ProgTypes = []string{}
	}
	for _, r := range rels {
		cr := &CompatRelease{Release: r.Name, Missing: []string{}, WeakMissing: []string{}, Loads: obj.Refused == ""}
		if r.Hooks == nil {
			cr.Unknown = "program types: " + r.CallableSource
		}
		for _, u := range uses {
			v := btfinfo.Judge(u, r.Offer(u.Name), progTypes)
			cr.Kfuncs = append(cr.Kfuncs, v)
			cr.Loads = cr.Loads && v.Loads
			switch v.Status {
			case btfinfo.StatusMissing:
				if u.Weak {
					cr.WeakMissing = append(cr.WeakMissing, u.Name)
				} else {
					cr.Missing = append(cr.Missing, u.Name)
				}
			case btfinfo.StatusIncompatible, btfinfo.StatusNotKfunc:
				cr.Incompatible = addTo(cr.Incompatible, u.Name, v.Reasons)
			case btfinfo.StatusNotCallable:
				cr.NotCallable = addTo(cr.NotCallable, u.Name, v.Reasons)
			}
		}
		c.Releases = append(c.Releases, cr)
	}
	return c
}

func addTo(m map[string][]string, k string, v []string) map[string][]string {
	if m == nil {
		m = map[string][]string{}
	}
	m[k] = append(m[k], slices.Clone(v)...)
	return m
}
