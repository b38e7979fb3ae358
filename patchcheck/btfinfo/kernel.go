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
	Sets  []SetFlags `json:"sets,omitempty"`
	proto *model.Proto
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

// Proto returns the kfunc's prototype in the model's form, in the
// kernel's spelling.
func (k *Kfunc) Proto() *model.Proto { return k.proto }

// canonProto is the kfunc's prototype for comparisons (typedefs followed,
// integers by width), written when a comparison needs it.
func (k *Kfunc) canonProto() *model.Proto {
	p, err := modelProto(k.fn, k.proto.Pos.File, true, nil)
	if err != nil {
		// newKfunc wrote the same types without error.
		return k.proto
	}
	return p
}

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
	// KfuncsKnown is false when neither bpf_kfunc decl tags (pahole 1.25
	// and later) nor .BTF_ids say which functions are kfuncs: the kernel
	// then has kfuncs this view does not list.
	KfuncsKnown bool
	byName      map[string]*Kfunc
	// spec finds every FUNC by name, kfunc or not: libbpf resolves an
	// extern against any (libbpf.c, find_ksym_btf_id).
	spec *btf.Spec
	// intern shares the type strings of the kfuncs' prototypes.
	intern map[string]string
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
	spec, raw, err := loadSpecFrom(f, baseSpec)
	if err != nil {
		if base == "" {
			return nil, fmt.Errorf("%s: %w (a module's split BTF needs --base with its kernel's BTF)", path, err)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	k := &Kernel{Source: path, byName: map[string]*Kfunc{}, spec: spec, intern: map[string]string{}}
	// The kfuncs are the FUNCs a bpf_kfunc (or bpf_fastcall) decl tag
	// names, found in the raw type section: only they are decoded, not
	// the kernel's hundred thousand other types.
	tagged, err := declTagTargets(raw, "bpf_kfunc", "bpf_fastcall")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, tt := range tagged {
		typ, err := spec.TypeByID(btf.TypeID(tt.id))
		if err != nil {
			return nil, fmt.Errorf("%s: decl tag %s on type %d: %w", path, tt.tags[0], tt.id, err)
		}
		fn, ok := typ.(*btf.Func)
		if !ok {
			continue
		}
		k.KfuncsKnown = true
		if _, dup := k.byName[fn.Name]; dup {
			continue
		}
		kf, err := newKfunc(fn, path, k.intern)
		if err != nil {
			return nil, err
		}
		for _, t := range []string{"bpf_kfunc", "bpf_fastcall"} {
			if slices.Contains(tt.tags, t) {
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
			k.HasFlags, k.KfuncsKnown = true, true
			if err := k.applyFlags(ids, spec); err != nil {
				return nil, err
			}
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

// newKfunc reads one kfunc's prototypes; a type that loops or nests
// without bound is an error naming the kfunc and the type.
func newKfunc(fn *btf.Func, path string, intern map[string]string) (*Kfunc, error) {
	p, err := modelProto(fn, path, false, intern)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// The canonical spelling is checked now, so that comparisons later
	// never meet a type they cannot write.
	if _, err := modelProto(fn, path, true, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Kfunc{Name: fn.Name, Prototype: p.Text, fn: fn, proto: p}, nil
}

func loadSpec(path string, base *btf.Spec) (*btf.Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	spec, _, err := loadSpecFrom(f, base)
	return spec, err
}

// maxBTF bounds the raw BTF read: a distribution kernel's is 5-6 MB.
const maxBTF = 512 << 20

// loadSpecFrom reads raw BTF or the .BTF section of an ELF, as split BTF
// over base when base is given, and returns the raw type data too.
func loadSpecFrom(f io.ReaderAt, base *btf.Spec) (*btf.Spec, []byte, error) {
	var data []byte
	if ef, err := elf.NewFile(f); err == nil {
		sec := ef.Section(".BTF")
		if sec == nil {
			return nil, nil, fmt.Errorf("%w: the ELF has no .BTF section", ErrNoBTF)
		}
		if sec.Type == elf.SHT_NOBITS || sec.Size > maxBTF {
			return nil, nil, fmt.Errorf(".BTF section of %d bytes cannot be read", sec.Size)
		}
		if data, err = sec.Data(); err != nil {
			return nil, nil, err
		}
		if base == nil {
			// Let cilium/ebpf read the ELF itself: it also fixes up
			// datasec sizes and variable offsets from the symbols.
			spec, err := btf.LoadSpecFromReader(f)
			return spec, data, err
		}
	} else {
		var err error
		if data, err = io.ReadAll(io.NewSectionReader(f, 0, maxBTF+1)); err != nil {
			return nil, nil, err
		}
		if len(data) > maxBTF {
			return nil, nil, fmt.Errorf("more than %d bytes, more than a kernel's BTF holds", maxBTF)
		}
	}
	var spec *btf.Spec
	var err error
	if base != nil {
		spec, err = btf.LoadSplitSpecFromReader(bytes.NewReader(data), base)
	} else {
		spec, err = btf.LoadSpecFromReader(bytes.NewReader(data))
	}
	return spec, data, err
}
