// SPDX-License-Identifier: GPL-2.0-only

// Package btfinfo reads what built kernels and BPF programs say about
// kfuncs, through cilium/ebpf's BTF reader: the kfuncs a kernel exports
// (FUNC records tagged bpf_kfunc), their prototypes, their KF_* flags from
// an unstripped ELF's .BTF_ids section, and the kfuncs a compiled BPF
// program calls. It is the only package that imports cilium/ebpf.
package btfinfo

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/cilium/ebpf/btf"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// DefaultKernel is the running kernel's BTF.
const DefaultKernel = "/sys/kernel/btf/vmlinux"

// Kfunc is one kfunc a kernel exports.
type Kfunc struct {
	Name      string   `json:"name"`
	Prototype string   `json:"prototype"`
	Tags      []string `json:"tags"`
	// Flags are the KF_* flags from .BTF_ids (ELF input only) when every
	// set listing the kfunc gives the same; nil when the input cannot tell
	// or when the sets disagree (Sets then has each set's).
	Flags []string `json:"flags"`
	// Sets lists the kfunc sets of .BTF_ids that hold the kfunc, sorted
	// by name, with the flags of its entry in each: the verifier uses the
	// set registered for the program type's hook.
	Sets  []SetFlags   `json:"sets,omitempty"`
	proto *model.Proto `json:"-"`
	fn    *btf.Func
}

// SetFlags is a kfunc's entry in one kfunc set.
type SetFlags struct {
	Set   string   `json:"set"`   // the set's name, from __BTF_ID__set8__<name>
	Flags []string `json:"flags"` // the entry's KF_* flags, sorted; empty for none
	word  uint32
}

// FlagsBySet renders the flags of a kfunc whose sets disagree, one set
// after the other: "set_a: KF_A | KF_B; set_b: 0".
func (k *Kfunc) FlagsBySet() string {
	var parts []string
	for _, s := range k.Sets {
		f := "0"
		if len(s.Flags) > 0 {
			f = strings.Join(s.Flags, " | ")
		}
		parts = append(parts, s.Set+": "+f)
	}
	return strings.Join(parts, "; ")
}

// Proto returns the kfunc's prototype in the model's form.
func (k *Kfunc) Proto() *model.Proto { return k.proto }

// Kernel is the kfunc view of one built kernel or module.
type Kernel struct {
	Source string
	Kfuncs []*Kfunc // sorted by name
	// HasFlags is true when flags came from a .BTF_ids section.
	HasFlags bool
	// Unresolved lists, as "set: function", the kfunc set entries that
	// resolve_btfids left at id 0: the function is not in BTF (compiled
	// out or renamed), so no program can call it.
	Unresolved []string
	byName     map[string]*Kfunc
}

// Kfunc returns the named kfunc, or nil.
func (k *Kernel) Kfunc(name string) *Kfunc { return k.byName[name] }

// Stable never declares a kfunc stable: BTF carries no KF_STABLE. It makes
// Kernel a baseline that only knows which functions are kfuncs.
func (k *Kernel) Stable(string) (string, bool) { return "", false }

// IsKfunc reports whether the kernel exports name as a kfunc, naming the
// kernel.
func (k *Kernel) IsKfunc(name string) (string, bool) {
	if _, ok := k.byName[name]; ok {
		return k.Source, true
	}
	return "", false
}

// ErrNoBTF is wrapped when an input holds no BTF.
var ErrNoBTF = errors.New("no BTF")

// Load reads a kernel's BTF: raw BTF (/sys/kernel/btf/vmlinux) or an ELF
// (vmlinux, or a module .ko whose split BTF needs base). From an
// unstripped ELF it also recovers the KF_* flags.
func Load(path, base string) (*Kernel, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return LoadFromReader(f, path, base)
}

// LoadFromReader is Load for data already open; name names it in messages
// and reports.
func LoadFromReader(f io.ReaderAt, path, base string) (*Kernel, error) {
	var baseSpec *btf.Spec
	var err error
	if base != "" {
		if baseSpec, err = loadSpec(base, nil); err != nil {
			return nil, fmt.Errorf("--base %s: %w", base, err)
		}
	}
	spec, err := loadSpecFrom(f, baseSpec)
	if err != nil {
		if base == "" {
			return nil, fmt.Errorf("%s: %w (a module's split BTF needs --base with its kernel's BTF)", path, err)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	k := &Kernel{Source: path, byName: map[string]*Kfunc{}}
	for typ, err := range spec.All() {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		fn, ok := typ.(*btf.Func)
		if !ok || !(slices.Contains(fn.Tags, "bpf_kfunc") || slices.Contains(fn.Tags, "bpf_fastcall")) {
			continue
		}
		if _, dup := k.byName[fn.Name]; dup {
			continue
		}
		kf := &Kfunc{Name: fn.Name, Prototype: Prototype(fn), fn: fn, proto: modelProto(fn, path)}
		for _, t := range fn.Tags {
			if t == "bpf_kfunc" || t == "bpf_fastcall" {
				kf.Tags = append(kf.Tags, t)
			}
		}
		k.byName[fn.Name] = kf
		k.Kfuncs = append(k.Kfuncs, kf)
	}
	if ef, err := elf.NewFile(f); err == nil {
		ids, err := readBTFIDs(ef, spec)
		if err != nil {
			return nil, fmt.Errorf("%s: .BTF_ids: %w", path, err)
		}
		if ids != nil {
			k.HasFlags = true
			k.applyFlags(ids, spec)
		}
	}
	slices.SortFunc(k.Kfuncs, func(a, b *Kfunc) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return k, nil
}

func loadSpec(path string, base *btf.Spec) (*btf.Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return loadSpecFrom(f, base)
}

// loadSpecFrom reads raw BTF or the .BTF section of an ELF, as split BTF
// over base when base is given.
func loadSpecFrom(f io.ReaderAt, base *btf.Spec) (*btf.Spec, error) {
	raw := f
	if ef, err := elf.NewFile(f); err == nil {
		sec := ef.Section(".BTF")
		if sec == nil {
			return nil, fmt.Errorf("%w: the ELF has no .BTF section", ErrNoBTF)
		}
		data, err := sec.Data()
		if err != nil {
			return nil, err
		}
		if base == nil {
			// Let cilium/ebpf read the ELF itself: it also fixes up
			// datasec sizes and variable offsets from the symbols.
			return btf.LoadSpecFromReader(f)
		}
		raw = bytes.NewReader(data)
	}
	if base != nil {
		return btf.LoadSplitSpecFromReader(raw, base)
	}
	return btf.LoadSpecFromReader(raw)
}
