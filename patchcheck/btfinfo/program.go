// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"bytes"
	"cmp"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/cilium/ebpf/btf"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// Use is one kfunc a BPF program calls.
type Use struct {
	// Name is the kfunc libbpf looks for: the extern's name without a
	// "___flavor" suffix (libbpf.c, bpf_core_essential_name_len), so
	// that bpf_foo___v2 and bpf_foo both call bpf_foo.
	Name string `json:"name"`
	// Symbol is the extern as the program declares it, when it differs
	// from Name.
	Symbol    string `json:"symbol,omitempty"`
	Prototype string `json:"prototype"`
	// Weak is true for __weak externs, which a program may check with
	// bpf_ksym_exists() and so does without.
	Weak  bool `json:"weak"`
	proto *model.Proto
	shape *Shape
}

// Proto returns the prototype the program was compiled against.
func (u *Use) Proto() *model.Proto { return u.proto }

// maxObjectSize bounds the BPF object read: real ones are under a few MB
// (sched_ext's largest scheduler is about 1 MB with debug info).
const maxObjectSize = 256 << 20

// Uses lists the kfuncs a compiled BPF object calls: the extern functions
// of its .ksyms data section, with the prototypes it was compiled against.
// Only the object's .BTF and symbols are read, so objects cilium/ebpf's
// collection loader refuses (typed __ksym variables, extern maps) are
// read too.
func Uses(path string) ([]*Use, error) {
	uses, _, err := usesOf(path)
	return uses, err
}

// usesOf is Uses, also saying why libbpf would refuse to open the object
// ("" when it would not): the uses are read all the same.
func usesOf(path string) ([]*Use, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxObjectSize {
		return nil, "", fmt.Errorf("%s: %d bytes, more than a BPF object holds (%d)", path, st.Size(), maxObjectSize)
	}
	return usesFromReader(f, path)
}

// UsesFromReader is Uses for data already open; path names it in messages.
func UsesFromReader(f io.ReaderAt, path string) ([]*Use, error) {
	uses, _, err := usesFromReader(f, path)
	return uses, err
}

func usesFromReader(f io.ReaderAt, path string) (out []*Use, refused string, err error) {
	// debug/elf panics on some malformed files; one object's damage is
	// that object's error.
	defer func() {
		if r := recover(); r != nil {
			out, refused, err = nil, "", fmt.Errorf("%s: malformed ELF: %v", path, r)
		}
	}()
	ef, err := elf.NewFile(f)
	if err != nil {
		return nil, "", fmt.Errorf("%s: not an ELF object: %w", path, err)
	}
	if ef.Machine != elf.EM_BPF {
		return nil, "", fmt.Errorf("%s: not a BPF object (machine %s)", path, ef.Machine)
	}
	sec := ef.Section(".BTF")
	if sec == nil {
		return nil, "", fmt.Errorf("%s: %w: the object has no .BTF section (built without -g?)", path, ErrNoBTF)
	}
	if sec.Type == elf.SHT_NOBITS || sec.Size > maxObjectSize {
		return nil, "", fmt.Errorf("%s: .BTF section of %d bytes cannot be read", path, sec.Size)
	}
	data, err := sec.Data()
	if err != nil {
		return nil, "", fmt.Errorf("%s: .BTF: %w", path, err)
	}
	// The raw section, not the ELF: cilium/ebpf's ELF reading fixes up
	// data sections from symbols and refuses what it cannot place.
	spec, err := btf.LoadSpecFromReader(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("%s: .BTF: %w", path, err)
	}
	weak := map[string]bool{}
	syms, err := ef.Symbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return nil, "", fmt.Errorf("%s: symbols: %w", path, err)
	}
	var externs []string
	for _, s := range syms {
		bind := elf.ST_BIND(s.Info)
		if bind == elf.STB_WEAK {
			weak[s.Name] = true
		}
		// libbpf.c, sym_is_extern: undefined, global or weak, no type.
		if s.Section == elf.SHN_UNDEF && s.Name != "" && (bind == elf.STB_GLOBAL || bind == elf.STB_WEAK) && elf.ST_TYPE(s.Info) == elf.STT_NOTYPE {
			externs = append(externs, s.Name)
		}
	}
	// What libbpf's open does with each extern (bpf_object__collect_externs):
	// the first VAR or FUNC of its name in BTF, of extern linkage, in a
	// .ksyms or .kconfig data section; anything else makes it refuse the
	// whole object. gcc-bpf 12 writes kfunc externs as static FUNCs
	// outside any data section.
	firstByName := map[string]btf.Type{}
	inSec := map[btf.Type]string{}
	for typ, err := range spec.All() {
		if err != nil {
			return nil, "", fmt.Errorf("%s: .BTF: %w", path, err)
		}
		switch v := typ.(type) {
		case *btf.Var, *btf.Func:
			if _, ok := firstByName[v.TypeName()]; !ok {
				firstByName[v.TypeName()] = v
			}
		case *btf.Datasec:
			for _, vs := range v.Vars {
				if _, ok := inSec[vs.Type]; !ok {
					inSec[vs.Type] = v.Name
				}
			}
		}
	}
	for _, name := range externs {
		if why := externRefused(firstByName[name], inSec); why != "" && refused == "" {
			refused = "libbpf refuses to open it: extern " + name + " " + why
		}
	}
	seen := map[string]bool{}
	for typ, err := range spec.All() {
		if err != nil {
			return nil, "", fmt.Errorf("%s: .BTF: %w", path, err)
		}
		ds, ok := typ.(*btf.Datasec)
		if !ok || ds.Name != ".ksyms" {
			continue
		}
		for _, v := range ds.Vars {
			// Typed ksyms (VARs) are kernel variables, not kfuncs.
			fn, ok := v.Type.(*btf.Func)
			if !ok || seen[fn.Name] {
				continue
			}
			seen[fn.Name] = true
			u, err := newUse(fn, weak[fn.Name], path)
			if err != nil {
				return nil, "", err
			}
			out = append(out, u)
		}
	}
	// An extern called as a function whose FUNC sits outside .ksyms (as
	// gcc-bpf 12 writes them) is still a kfunc the program calls, with
	// the prototype it was compiled against; libbpf refuses the object,
	// as refused says.
	for _, name := range externs {
		fn, ok := firstByName[name].(*btf.Func)
		if !ok || seen[name] {
			continue
		}
		seen[name] = true
		u, err := newUse(fn, weak[name], path)
		if err != nil {
			return nil, "", err
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *Use) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Symbol, b.Symbol)) })
	return out, refused, nil
}

// externRefused says why libbpf's open refuses an extern whose first BTF
// VAR or FUNC of its name is t (libbpf.c, find_extern_btf_id,
// find_extern_sec_btf_id and the section check after them); "" when it
// takes it.
func externRefused(t btf.Type, inSec map[btf.Type]string) string {
	switch v := t.(type) {
	case nil:
		return "has no BTF (libbpf: \"failed to find BTF for extern\")"
	case *btf.Var:
		if v.Linkage != btf.ExternVar {
			return fmt.Sprintf("is a variable of %s linkage in BTF, not extern", v.Linkage)
		}
	case *btf.Func:
		if v.Linkage != btf.ExternFunc {
			return fmt.Sprintf("is a FUNC of %s linkage in BTF, not extern (as gcc-bpf 12 writes kfunc externs)", v.Linkage)
		}
	}
	switch sec := inSec[t]; sec {
	case ".ksyms", ".kconfig":
		return ""
	case "":
		return "is in no BTF data section"
	default:
		return "is in section " + sec + ", neither .ksyms nor .kconfig"
	}
}

func newUse(fn *btf.Func, weak bool, path string) (*Use, error) {
	p, err := modelProto(fn, path, false, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: extern %w", path, err)
	}
	sh, err := shapeOfFunc(fn)
	if err != nil {
		return nil, fmt.Errorf("%s: extern %s: %w", path, fn.Name, err)
	}
	u := &Use{Name: EssentialName(fn.Name), Prototype: p.Text, Weak: weak, proto: p, shape: sh}
	if u.Name != fn.Name {
		u.Symbol = fn.Name
	}
	return u, nil
}
