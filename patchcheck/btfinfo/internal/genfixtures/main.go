// SPDX-License-Identifier: GPL-2.0-only

// Command genfixtures writes the BTF and ELF fixtures of package btfinfo
// (run by go generate there): two small "kernels" built with cilium/ebpf's
// BTF builder, as raw BTF and as ELF files whose .BTF_ids section lays out
// kfunc sets the way include/linux/btf_ids.h and resolve_btfids do, in
// little- and big-endian byte order.
package main

import (
	"bytes"
	"cmp"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/cilium/ebpf/btf"
	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo/internal/elfwrite"
)

type kfunc struct {
	name    string
	proto   *btf.FuncProto
	tags    []string
	flags   uint32
	set     string
	noKfTag bool // pahole < 1.27: no bpf_kfunc decl tag
	// noBTF leaves the function out of BTF (compiled out), so that
	// resolve_btfids leaves its id 0 in a set it resolves.
	noBTF bool
	// idZero writes id 0 although BTF has the function: its set was never
	// resolved (an object before resolve_btfids ran).
	idZero bool
	// also lists more sets holding the kfunc, with their flags.
	also []setFlags
}

type setFlags struct {
	set   string
	flags uint32
}

func main() {
	out := "testdata"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	u32 := &btf.Int{Name: "unsigned int", Size: 4}
	u32t := &btf.Typedef{Name: "u32", Type: &btf.Typedef{Name: "__u32", Type: u32}}
	u64 := &btf.Typedef{Name: "u64", Type: &btf.Int{Name: "long long unsigned int", Size: 8}}
	intT := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	task := &btf.Struct{Name: "task_struct", Size: 8, Members: []btf.Member{{Name: "pid", Type: intT}}}
	taskP := &btf.Pointer{Target: task}
	dynptr := &btf.Struct{Name: "bpf_dynptr", Size: 16}
	voidP := &btf.Pointer{Target: &btf.Void{}}
	cdynptr := &btf.Pointer{Target: &btf.Const{Type: dynptr}}
	p := func(name string, t btf.Type) btf.FuncParam { return btf.FuncParam{Name: name, Type: t} }

	const (
		acquire     = 1 << 0
		release     = 1 << 1
		retNull     = 1 << 2
		sleep       = 1 << 5
		destructive = 1 << 6
		rcu         = 1 << 7
	)
	old := []kfunc{
		{name: "bpf_task_acquire", proto: &btf.FuncProto{Return: taskP, Params: []btf.FuncParam{p("p", taskP)}}, flags: acquire | rcu | retNull, set: "generic_btf_ids"},
		{name: "bpf_task_release", proto: &btf.FuncProto{Return: &btf.Void{}, Params: []btf.FuncParam{p("p", taskP)}}, flags: release, set: "generic_btf_ids"},
		{name: "bpf_dynptr_slice", proto: &btf.FuncProto{Return: voidP, Params: []btf.FuncParam{p("p", cdynptr), p("offset", u32t), p("buffer__opt", voidP), p("buffer__szk", u32t)}}, flags: retNull, set: "common_btf_ids"},
		{name: "bpf_cast_to_kern_ctx", proto: &btf.FuncProto{Return: voidP, Params: []btf.FuncParam{p("obj", voidP)}}, tags: []string{"bpf_fastcall"}, set: "common_btf_ids"},
		{name: "bpf_old_thing", proto: &btf.FuncProto{Return: intT, Params: []btf.FuncParam{p("p", taskP)}}, flags: destructive, set: "early_btf_ids", idZero: true},
		{name: "bpf_len", proto: &btf.FuncProto{Return: u32t, Params: []btf.FuncParam{p("n", u32t)}}, set: "common_btf_ids"},
	}
	nw := []kfunc{
		{name: "bpf_task_acquire", proto: &btf.FuncProto{Return: taskP, Params: []btf.FuncParam{p("p", taskP)}}, flags: acquire | rcu | retNull | sleep, set: "generic_btf_ids"},
		{name: "bpf_task_release", proto: &btf.FuncProto{Return: &btf.Void{}, Params: []btf.FuncParam{p("task", taskP)}}, flags: release, set: "generic_btf_ids"},
		{name: "bpf_dynptr_slice", proto: &btf.FuncProto{Return: voidP, Params: []btf.FuncParam{p("p", cdynptr), p("offset", u64), p("buffer__nullable", voidP), p("buffer__szk", u64)}}, flags: retNull, set: "common_btf_ids"},
		// The same kfunc in two sets, with different flags in each.
		{name: "bpf_cast_to_kern_ctx", proto: &btf.FuncProto{Return: voidP, Params: []btf.FuncParam{p("obj", voidP)}}, tags: []string{"bpf_fastcall"}, set: "common_btf_ids",
			also: []setFlags{{"tracing_btf_ids", rcu}}},
		{name: "bpf_new_thing", proto: &btf.FuncProto{Return: intT, Params: []btf.FuncParam{p("p", taskP), p("flags", u64)}}, set: "common_btf_ids"},
		// Only the typedef changed: u32 became its underlying type.
		{name: "bpf_len", proto: &btf.FuncProto{Return: u32, Params: []btf.FuncParam{p("n", u32)}}, set: "common_btf_ids"},
		// A kfunc whose FUNC lacks the decl tag (pahole < 1.27): only
		// .BTF_ids tells it is one.
		{name: "bpf_untagged", proto: &btf.FuncProto{Return: intT, Params: []btf.FuncParam{p("x", intT)}}, set: "common_btf_ids", noKfTag: true},
		// An entry whose function is not in BTF.
		{name: "bpf_compiled_out", flags: sleep, set: "common_btf_ids", noBTF: true},
	}
	defer module(out, intT, taskP)
	for _, k := range []struct {
		name  string
		funcs []kfunc
	}{{"old", old}, {"new", nw}} {
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			raw, ids := build(k.funcs, order)
			suffix := "le"
			if order == binary.BigEndian {
				suffix = "be"
			}
			if order == binary.LittleEndian {
				write(filepath.Join(out, k.name+".btf"), raw)
			}
			write(filepath.Join(out, k.name+"-"+suffix+".elf"), elfFile(raw, k.funcs, ids, order))
		}
	}
}

// module writes module.ko: an ELF whose .BTF is split BTF over new.btf,
// as a kernel module's is, with one kfunc and its .BTF_ids set. cilium/ebpf
// builds no split BTF, so it is laid out here: type ids continue after the
// base's last id, string offsets after the base's string section.
func module(out string, intT *btf.Int, taskP *btf.Pointer) {
	baseRaw, err := os.ReadFile(filepath.Join(out, "new.btf"))
	if err != nil {
		log.Fatal(err)
	}
	base, err := btf.LoadSpecFromReader(bytes.NewReader(baseRaw))
	if err != nil {
		log.Fatal(err)
	}
	var baseInt *btf.Int
	var baseTask *btf.Struct
	if err := base.TypeByName(intT.Name, &baseInt); err != nil {
		log.Fatal(err)
	}
	if err := base.TypeByName("task_struct", &baseTask); err != nil {
		log.Fatal(err)
	}
	intID, _ := base.TypeID(baseInt)
	taskID, _ := base.TypeID(baseTask)
	le := binary.LittleEndian
	baseStrLen := le.Uint32(baseRaw[20:])
	// All() leaves out decl tags, which may come last: count ids until
	// one is missing instead.
	last := btf.TypeID(0)
	for {
		if _, err := base.TypeByID(last + 1); err != nil {
			break
		}
		last++
	}
	first := last + 1
	strs := []byte("\x00bpf_mod_kfunc\x00bpf_kfunc\x00p\x00")
	off := func(s string) uint32 { return baseStrLen + uint32(bytes.Index(strs, []byte("\x00"+s+"\x00"))+1) }
	var types bytes.Buffer
	w := func(v ...uint32) {
		for _, x := range v {
			binary.Write(&types, le, x)
		}
	}
	ptrID, protoID, funcID := first, first+1, first+2
	w(0, 2<<24, uint32(taskID))                             // PTR -> struct task_struct (base)
	w(0, 13<<24|1, uint32(intID), off("p"), uint32(ptrID))  // FUNC_PROTO int (struct task_struct *p)
	w(off("bpf_mod_kfunc"), 12<<24|1, uint32(protoID))      // FUNC, global
	w(off("bpf_kfunc"), 17<<24, uint32(funcID), 0xffffffff) // DECL_TAG, component_idx -1
	var raw bytes.Buffer
	binary.Write(&raw, le, uint16(0xeb9f))
	raw.Write([]byte{1, 0})
	w2 := func(v uint32) { binary.Write(&raw, le, v) }
	w2(24)
	w2(0)
	w2(uint32(types.Len()))
	w2(uint32(types.Len()))
	w2(uint32(len(strs)))
	raw.Write(types.Bytes())
	raw.Write(strs)
	mod := []kfunc{{name: "bpf_mod_kfunc", flags: 1 << 5, set: "mod_kfunc_ids"}}
	write(filepath.Join(out, "module.ko"), elfFile(raw.Bytes(), mod, map[string]btf.TypeID{"bpf_mod_kfunc": funcID}, le))
}

func write(path string, data []byte) {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", path)
}

// build marshals the kfuncs' BTF and returns each kfunc's type id. The
// functions are added last to first, so that ids fall in source order and
// resolve_btfids' sort reorders every set, as ids from pahole do.
func build(funcs []kfunc, order binary.ByteOrder) ([]byte, map[string]btf.TypeID) {
	b, err := btf.NewBuilder(nil, nil)
	if err != nil {
		log.Fatal(err)
	}
	ids := map[string]btf.TypeID{}
	for i := range funcs {
		k := funcs[len(funcs)-1-i]
		if k.noBTF {
			continue
		}
		tags := append([]string{"bpf_kfunc"}, k.tags...)
		if k.noKfTag {
			tags = nil
		}
		id, err := b.Add(&btf.Func{Name: k.name, Type: k.proto, Linkage: btf.GlobalFunc, Tags: tags})
		if err != nil {
			log.Fatal(err)
		}
		if !k.idZero {
			ids[k.name] = id
		}
	}
	raw, err := b.Marshal(nil, &btf.MarshalOptions{Order: order})
	if err != nil {
		log.Fatal(err)
	}
	return raw, ids
}

// elfFile writes a small ET_EXEC ELF with .BTF and a .BTF_ids section
// holding one set8 per set: cnt, flags (BTF_SET8_KFUNCS), then {id,
// flags} pairs, with the __BTF_ID__set8__ and __BTF_ID__func__ symbols.
// Like resolve_btfids it sorts each set's pairs by id and leaves the
// labels where the compiler put them, in source order.
func elfFile(rawBTF []byte, funcs []kfunc, ids map[string]btf.TypeID, bo binary.ByteOrder) []byte {
	const idsAddr = 0xffffffff82000000
	var setNames []string
	bySet := map[string][]kfunc{}
	for _, k := range funcs {
		for _, sf := range append([]setFlags{{k.set, k.flags}}, k.also...) {
			if _, ok := bySet[sf.set]; !ok {
				setNames = append(setNames, sf.set)
			}
			e := k
			e.flags = sf.flags
			bySet[sf.set] = append(bySet[sf.set], e)
		}
	}
	sort.Strings(setNames)
	var idsData bytes.Buffer
	var syms []elfwrite.Symbol
	counter := 0
	for _, s := range setNames {
		ks := bySet[s]
		start := uint64(idsData.Len())
		binary.Write(&idsData, bo, uint32(len(ks)))
		binary.Write(&idsData, bo, uint32(1)) // BTF_SET8_KFUNCS
		syms = append(syms, elfwrite.Symbol{Name: "__BTF_ID__set8__" + s, Section: 2, Value: idsAddr + start, Size: uint64(8 + 8*len(ks))})
		for i, k := range ks {
			counter++
			syms = append(syms, elfwrite.Symbol{Name: fmt.Sprintf("__BTF_ID__func__%s__%d", k.name, counter), Section: 2, Value: idsAddr + start + 8 + 8*uint64(i), Size: 4})
		}
		sorted := slices.Clone(ks)
		slices.SortStableFunc(sorted, func(a, b kfunc) int { return cmp.Compare(ids[a.name], ids[b.name]) })
		for _, k := range sorted {
			binary.Write(&idsData, bo, uint32(ids[k.name]))
			binary.Write(&idsData, bo, k.flags)
		}
	}
	machine := elf.EM_X86_64
	if bo == binary.BigEndian {
		machine = elf.EM_S390
	}
	return elfwrite.File(bo, elf.ET_EXEC, machine, []elfwrite.Section{
		{Name: ".BTF", Type: elf.SHT_PROGBITS, Data: rawBTF},
		{Name: ".BTF_ids", Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC, Addr: idsAddr, Data: idsData.Bytes()},
	}, syms)
}
