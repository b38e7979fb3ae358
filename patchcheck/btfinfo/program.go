// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/cilium/ebpf/btf"
	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// Use is one kfunc a BPF program calls.
type Use struct {
	Name      string `json:"name"`
	Prototype string `json:"prototype"`
	// Weak is true for __weak externs, which a program may check with
	// bpf_ksym_exists() and so does without.
	Weak  bool `json:"weak"`
	proto *model.Proto
}

// Uses lists the kfuncs a compiled BPF object calls: the extern functions
// of its .ksyms data section, with the prototypes it was compiled against.
func Uses(path string) ([]*Use, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return usesFromReader(f, path)
}

func usesFromReader(f io.ReaderAt, path string) ([]*Use, error) {
	ef, err := elf.NewFile(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not an ELF object: %w", path, err)
	}
	if ef.Machine != elf.EM_BPF {
		return nil, fmt.Errorf("%s: not a BPF object (machine %s)", path, ef.Machine)
	}
	spec, err := btf.LoadSpecFromReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	weak := map[string]bool{}
	if syms, err := ef.Symbols(); err == nil {
		for _, s := range syms {
			if elf.ST_BIND(s.Info) == elf.STB_WEAK {
				weak[s.Name] = true
			}
		}
	}
	var out []*Use
	seen := map[string]bool{}
	for typ, err := range spec.All() {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		ds, ok := typ.(*btf.Datasec)
		if !ok || ds.Name != ".ksyms" {
			continue
		}
		for _, v := range ds.Vars {
			fn, ok := v.Type.(*btf.Func)
			if !ok || seen[fn.Name] {
				continue
			}
			seen[fn.Name] = true
			out = append(out, &Use{Name: fn.Name, Prototype: Prototype(fn), Weak: weak[fn.Name], proto: modelProto(fn, path)})
		}
	}
	slices.SortFunc(out, func(a, b *Use) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out, nil
}

// unnamed returns a copy of p without parameter names.
func unnamed(p *model.Proto) *model.Proto {
	c := *p
	c.Params = make([]model.Param, len(p.Params))
	for i, pa := range p.Params {
		c.Params[i] = model.Param{Type: pa.Type}
	}
	return &c
}

// Verdict is what a kernel offers for one use.
type Verdict struct {
	Use     *Use     `json:"use"`
	Status  string   `json:"status"` // ok, compatible, missing, incompatible
	Kernel  string   `json:"kernel_prototype,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
}

// Compat judges each use against the kernel: present as a kfunc, and with
// a prototype whose differences callers do not see.
func Compat(uses []*Use, k *Kernel, opt cscan.CompareOptions) []Verdict {
	var out []Verdict
	for _, u := range uses {
		kf := k.Kfunc(u.Name)
		if kf == nil {
			out = append(out, Verdict{Use: u, Status: "missing"})
			continue
		}
		v := Verdict{Use: u, Status: "ok", Kernel: kf.Prototype}
		// A program's extern declarations carry no parameter names in
		// BTF, and the verifier reads suffixes from the kernel's side:
		// a caller only has to pass arguments of the right types.
		for _, d := range cscan.Compare(unnamed(u.proto), unnamed(kf.proto), opt) {
			v.Reasons = append(v.Reasons, d.What)
			switch {
			case d.Breaking:
				v.Status = "incompatible"
			case v.Status == "ok":
				v.Status = "compatible"
			}
		}
		out = append(out, v)
	}
	return out
}
