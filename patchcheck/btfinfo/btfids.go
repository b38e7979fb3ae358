// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"debug/elf"
	"fmt"
	"slices"
	"strings"

	"github.com/cilium/ebpf/btf"
)

// FlagNames maps KF_* bits to names, as include/linux/btf.h numbers them
// (DOMAIN.md §2.1). Bit 3 was KF_KPTR_GET until 2023 and is unused since.
var FlagNames = []string{
	"KF_ACQUIRE", "KF_RELEASE", "KF_RET_NULL", "KF_KPTR_GET", "KF_TRUSTED_ARGS", "KF_SLEEPABLE",
	"KF_DESTRUCTIVE", "KF_RCU", "KF_ITER_NEW", "KF_ITER_NEXT", "KF_ITER_DESTROY", "KF_RCU_PROTECTED",
	"KF_FASTCALL", "KF_ARENA_RET", "KF_ARENA_ARG1", "KF_ARENA_ARG2", "KF_IMPLICIT_ARGS",
	"KF_SPINLOCK_SAFE", "KF_PERFMON",
}

// FlagList turns a flags word into sorted names; unknown bits are KF_BIT_n.
func FlagList(word uint32) []string {
	var out []string
	for bit := 0; bit < 32; bit++ {
		if word&(1<<bit) == 0 {
			continue
		}
		if bit < len(FlagNames) {
			out = append(out, FlagNames[bit])
		} else {
			out = append(out, fmt.Sprintf("KF_BIT_%d", bit))
		}
	}
	slices.Sort(out)
	return out
}

// set8Entry is one {id, flags} pair of a set8.
type set8Entry struct {
	set   string
	id    uint32
	name  string // from the __BTF_ID__func__<name>__N symbol, "" if none
	flags uint32
}

// readBTFIDs reads the set8 sets of .BTF_ids: a label
// __BTF_ID__set8__<name> at u32 cnt, u32 flags, then cnt {u32 id; u32
// flags} pairs, each labelled __BTF_ID__func__<kfunc>__<N>, in the ELF's
// byte order. It returns nil when the ELF has no such section or symbols
// (stripped).
func readBTFIDs(ef *elf.File, spec *btf.Spec) ([]set8Entry, error) {
	sec := ef.Section(".BTF_ids")
	if sec == nil {
		return nil, nil
	}
	data, err := sec.Data()
	if err != nil {
		return nil, err
	}
	syms, err := ef.Symbols()
	if err != nil || len(syms) == 0 {
		return nil, nil
	}
	secIndex := -1
	for i, s := range ef.Sections {
		if s == sec {
			secIndex = i
		}
	}
	bo := ef.ByteOrder
	funcAt := map[uint64]string{}
	var sets []elf.Symbol
	for _, s := range syms {
		if int(s.Section) != secIndex {
			continue
		}
		switch {
		case strings.HasPrefix(s.Name, "__BTF_ID__set8__"):
			sets = append(sets, s)
		case strings.HasPrefix(s.Name, "__BTF_ID__func__"):
			n := strings.TrimPrefix(s.Name, "__BTF_ID__func__")
			if i := strings.LastIndex(n, "__"); i > 0 {
				n = n[:i]
			}
			funcAt[s.Value] = n
		}
	}
	if len(sets) == 0 {
		return nil, nil
	}
	var out []set8Entry
	for _, s := range sets {
		off := s.Value - sec.Addr
		if off+8 > uint64(len(data)) {
			return nil, fmt.Errorf("set %s lies outside the section", s.Name)
		}
		cnt := bo.Uint32(data[off:])
		// The symbol size covers header and pairs (resolve_btfids: cnt =
		// size/8 - 1); prefer it when the count was not filled in.
		if s.Size >= 8 && uint64(cnt) != s.Size/8-1 {
			cnt = uint32(s.Size/8 - 1)
		}
		name := strings.TrimPrefix(s.Name, "__BTF_ID__set8__")
		for i := uint64(0); i < uint64(cnt); i++ {
			p := off + 8 + i*8
			if p+8 > uint64(len(data)) {
				return nil, fmt.Errorf("set %s: pair %d lies outside the section", name, i)
			}
			e := set8Entry{set: name, id: bo.Uint32(data[p:]), flags: bo.Uint32(data[p+4:]), name: funcAt[sec.Addr+p]}
			if e.name == "" && e.id != 0 {
				if t, err := spec.TypeByID(btf.TypeID(e.id)); err == nil {
					e.name = t.TypeName()
				}
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// applyFlags gives each kfunc the union of the flags of its set entries.
func (k *Kernel) applyFlags(entries []set8Entry, spec *btf.Spec) {
	words := map[string]uint32{}
	for _, e := range entries {
		if e.name == "" {
			continue
		}
		words[e.name] |= e.flags
		kf := k.byName[e.name]
		if kf == nil {
			// A kfunc BTF lacks the decl tag for (pahole before 1.27):
			// the set entry still makes it one.
			var fn *btf.Func
			if spec.TypeByName(e.name, &fn) != nil {
				continue
			}
			kf = &Kfunc{Name: e.name, Prototype: Prototype(fn), fn: fn, proto: modelProto(fn, k.Source)}
			k.byName[e.name] = kf
			k.Kfuncs = append(k.Kfuncs, kf)
		}
		if !slices.Contains(kf.Sets, e.set) {
			kf.Sets = append(kf.Sets, e.set)
		}
	}
	for _, kf := range k.Kfuncs {
		kf.Flags = FlagList(words[kf.Name])
		if kf.Flags == nil {
			kf.Flags = []string{}
		}
	}
}
