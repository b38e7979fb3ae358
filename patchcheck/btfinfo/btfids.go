// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"cmp"
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
	out := []string{}
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

// setKfuncs is bit 0 of a set8's own flags word, BTF_SET8_KFUNCS (v6.9):
// the set is a kfunc set. Before it existed every set8 was one.
const setKfuncs = 1

// set8Entry is one {id, flags} pair of a set8.
type set8Entry struct {
	set   string
	id    uint32
	name  string // the FUNC the id names; for id 0, the symbol's name
	flags uint32
}

// btfIDs is what .BTF_ids says about kfuncs.
type btfIDs struct {
	entries []set8Entry
	// unresolved names the entries resolve_btfids left at id 0 in sets it
	// did resolve: their functions are not in BTF, so no program can call
	// them, and since the set was sorted their flags are not known.
	unresolved []string
}

// set8 is one __BTF_ID__set8__ label, resolved to its place in the section.
type set8 struct {
	name  string
	off   uint64 // from the start of .BTF_ids
	cnt   uint64
	flags uint32
}

// readBTFIDs reads the kfunc sets of .BTF_ids: a label
// __BTF_ID__set8__<name> at u32 cnt, u32 flags, then cnt {u32 id; u32
// flags} pairs in the ELF's byte order (DOMAIN.md §5.1). It returns nil
// when the ELF has no such section or symbols (stripped).
//
// Pairs are named through their ids: resolve_btfids sorts each set by id
// after writing them, so the __BTF_ID__func__<name>__N label at a pair's
// address names whatever pair was there before the sort. The labels only
// name pairs of a set that was never resolved (every id 0), where the
// compiled order still holds.
//
// The work is linear in the input: sets may not overlap (they never do
// in a kernel), so the pairs read are at most the section's size / 8.
func readBTFIDs(ef *elf.File, spec *btf.Spec) (*btfIDs, error) {
	sec := ef.Section(".BTF_ids")
	if sec == nil {
		return nil, nil
	}
	syms, err := ef.Symbols()
	if err != nil || len(syms) == 0 {
		return nil, nil
	}
	data, err := sec.Data()
	if err != nil {
		return nil, err
	}
	secIndex := -1
	for i, s := range ef.Sections {
		if s == sec {
			secIndex = i
		}
	}
	bo := ef.ByteOrder
	size := uint64(len(data))
	// place checks that a label lies in the section with room for n bytes
	// and returns its offset; it never overflows, whatever the values.
	place := func(s elf.Symbol, n uint64) (uint64, error) {
		if s.Value < sec.Addr {
			return 0, fmt.Errorf("symbol %s at %#x lies below the section's start %#x", s.Name, s.Value, sec.Addr)
		}
		off := s.Value - sec.Addr
		if off > size || size-off < n {
			return 0, fmt.Errorf("symbol %s at %#x: %d bytes there pass the section's end %#x", s.Name, s.Value, n, sec.Addr+size)
		}
		return off, nil
	}
	funcAt := map[uint64][]string{}
	var sets []set8
	for _, s := range syms {
		if int(s.Section) != secIndex {
			continue
		}
		if name, ok := strings.CutPrefix(s.Name, "__BTF_ID__set8__"); ok {
			off, err := place(s, 8)
			if err != nil {
				return nil, err
			}
			cnt := uint64(bo.Uint32(data[off:]))
			// The label's size covers header and pairs (resolve_btfids:
			// cnt = size/8 - 1); it wins when the count word disagrees.
			if s.Size >= 8 {
				cnt = s.Size/8 - 1
			}
			if (size-off-8)/8 < cnt {
				return nil, fmt.Errorf("set %s at %#x: %d pairs pass the section's end %#x", name, s.Value, cnt, sec.Addr+size)
			}
			sets = append(sets, set8{name: name, off: off, cnt: cnt, flags: bo.Uint32(data[off+4:])})
			continue
		}
		if n, ok := strings.CutPrefix(s.Name, "__BTF_ID__func__"); ok {
			if i := strings.LastIndex(n, "__"); i > 0 {
				n = n[:i]
			}
			if s.Value >= sec.Addr {
				funcAt[s.Value-sec.Addr] = append(funcAt[s.Value-sec.Addr], n)
			}
		}
	}
	if len(sets) == 0 {
		return nil, nil
	}
	slices.SortFunc(sets, func(a, b set8) int {
		return cmp.Or(cmp.Compare(a.off, b.off), cmp.Compare(a.cnt, b.cnt), strings.Compare(a.name, b.name))
	})
	sets = slices.Compact(sets)
	marked := false
	for i, s := range sets {
		if i > 0 && sets[i-1].off+8+8*sets[i-1].cnt > s.off {
			return nil, fmt.Errorf("set %s at %#x overlaps set %s at %#x", s.name, sec.Addr+s.off, sets[i-1].name, sec.Addr+sets[i-1].off)
		}
		marked = marked || s.flags&setKfuncs != 0
	}
	out := &btfIDs{}
	for _, s := range sets {
		if marked && s.flags&setKfuncs == 0 {
			continue
		}
		first := len(out.entries)
		resolved := false
		for i := range s.cnt {
			p := s.off + 8 + i*8
			e := set8Entry{set: s.name, id: bo.Uint32(data[p:]), flags: bo.Uint32(data[p+4:])}
			if e.id != 0 {
				resolved = true
				t, err := spec.TypeByID(btf.TypeID(e.id))
				if err != nil {
					return nil, fmt.Errorf("set %s at %#x: pair %d: id %d: %w", s.name, sec.Addr+s.off, i, e.id, err)
				}
				fn, ok := t.(*btf.Func)
				if !ok {
					return nil, fmt.Errorf("set %s at %#x: pair %d: id %d is %s, not a FUNC (is the base BTF the module's own kernel?)", s.name, sec.Addr+s.off, i, e.id, t)
				}
				e.name = fn.Name
			}
			out.entries = append(out.entries, e)
		}
		// Name the id-0 pairs from the labels in the set's range.
		var labels []string
		for i := range s.cnt {
			labels = append(labels, funcAt[s.off+8+i*8]...)
		}
		if !resolved {
			for i := range s.cnt {
				if l := funcAt[s.off+8+i*8]; len(l) > 0 {
					out.entries[first+int(i)].name = l[0]
				}
			}
			continue
		}
		// In a resolved set the labels left over once every named pair
		// took its own are the unresolved functions.
		named := map[string]int{}
		for _, e := range out.entries[first:] {
			if e.id != 0 {
				named[e.name]++
			}
		}
		for _, l := range labels {
			if named[l] > 0 {
				named[l]--
				continue
			}
			out.unresolved = append(out.unresolved, s.name+": "+l)
		}
	}
	return out, nil
}

// applyFlags records each kfunc's flags per set. Kfunc.Flags is the one
// flags list when every set agrees; when sets disagree it stays nil, so
// that nothing merges what the verifier keeps apart (it uses the set of
// the program type's hook).
func (k *Kernel) applyFlags(ids *btfIDs, spec *btf.Spec) error {
	// A set listing a kfunc twice with the same flags says it once; the
	// map keeps this linear however many sets name one kfunc.
	type key struct {
		name, set string
		word      uint32
	}
	seen := map[key]bool{}
	k.Unresolved = ids.unresolved
	for _, e := range ids.entries {
		if e.name == "" {
			continue
		}
		kf := k.byName[e.name]
		if kf == nil {
			// A kfunc BTF lacks the decl tag for (pahole before 1.27):
			// the set entry still makes it one.
			var fn *btf.Func
			if spec.TypeByName(e.name, &fn) != nil {
				// Only a label named it (its set was never resolved)
				// and BTF has no such function.
				k.Unresolved = append(k.Unresolved, e.set+": "+e.name)
				continue
			}
			var err error
			if kf, err = newKfunc(fn, k.Source, k.intern); err != nil {
				return err
			}
			k.byName[e.name] = kf
			k.Kfuncs = append(k.Kfuncs, kf)
		}
		if kk := (key{e.name, e.set, e.flags}); !seen[kk] {
			seen[kk] = true
			kf.Sets = append(kf.Sets, SetFlags{Set: e.set, Flags: FlagList(e.flags), word: e.flags})
		}
	}
	for _, kf := range k.Kfuncs {
		slices.SortFunc(kf.Sets, func(a, b SetFlags) int {
			return cmp.Or(strings.Compare(a.Set, b.Set), cmp.Compare(a.word, b.word))
		})
		kf.Flags = []string{}
		for i, s := range kf.Sets {
			if i > 0 && s.word != kf.Sets[0].word {
				kf.Flags = nil
				break
			}
			kf.Flags = s.Flags
		}
	}
	return nil
}
