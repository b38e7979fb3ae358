// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
	"github.com/kfunccheck/kfunccheck/patchcheck/btfinfo/internal/elfwrite"
)

const advAddr = 0xffffffff82000000

// advIDs returns the type ids of a FUNC and a STRUCT in testdata/new.btf,
// the BTF every adversarial ELF carries.
func advIDs(t testing.TB) (raw []byte, fn, st uint32) {
	t.Helper()
	raw, err := os.ReadFile("testdata/new.btf")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := btf.LoadSpecFromReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var f *btf.Func
	var s *btf.Struct
	if err := spec.TypeByName("bpf_task_acquire", &f); err != nil {
		t.Fatal(err)
	}
	if err := spec.TypeByName("task_struct", &s); err != nil {
		t.Fatal(err)
	}
	fid, _ := spec.TypeID(f)
	sid, _ := spec.TypeID(s)
	return raw, uint32(fid), uint32(sid)
}

// advELF lays out an ELF whose .BTF_ids holds ids and whose symbols are
// syms, all in .BTF_ids (section 2), then pads it with a section of
// zeros up to size bytes, so that every shape is tried at the same size.
func advELF(size int, raw, ids []byte, syms []elfwrite.Symbol) []byte {
	for i := range syms {
		syms[i].Section = 2
	}
	secs := []elfwrite.Section{
		{Name: ".BTF", Type: elf.SHT_PROGBITS, Data: raw},
		{Name: ".BTF_ids", Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC, Addr: advAddr, Data: ids},
	}
	f := elfwrite.File(binary.LittleEndian, elf.ET_EXEC, elf.EM_X86_64, secs, syms)
	if pad := size - len(f) - 64 - 8; pad > 0 {
		secs = append(secs, elfwrite.Section{Name: ".pad", Type: elf.SHT_PROGBITS, Data: make([]byte, pad)})
		f = elfwrite.File(binary.LittleEndian, elf.ET_EXEC, elf.EM_X86_64, secs, syms)
	}
	return f
}

// pairs returns a set8: its header, then n pairs of id with flags 1
// (KF_ACQUIRE).
func pairs(n int, id uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(n))
	b = binary.LittleEndian.AppendUint32(b, 1) // BTF_SET8_KFUNCS
	for range n {
		b = binary.LittleEndian.AppendUint32(b, id)
		b = binary.LittleEndian.AppendUint32(b, 1)
	}
	return b
}

// adversarialInputs builds each shape at about size bytes.
func adversarialInputs(t testing.TB, size int) []struct {
	name, err string // err: "" for success, else a part of the message
	data      []byte
} {
	raw, fn, st := advIDs(t)
	n := (size - len(raw)) / 8 / 2 // pairs; symbols take about as much room
	var out []struct {
		name, err string
		data      []byte
	}
	add := func(name, err string, data []byte) {
		out = append(out, struct {
			name, err string
			data      []byte
		}{name, err, data})
	}
	whole := uint64(8 + 8*n)
	// Distinct sets over one range: read set by set, each walk is the
	// whole section (quadratic); they are an error.
	var syms []elfwrite.Symbol
	for i := range n / 8 {
		syms = append(syms, elfwrite.Symbol{Name: fmt.Sprintf("__BTF_ID__set8__s%d", i), Value: advAddr, Size: whole})
	}
	add("distinct sets over one range", "overlaps set", advELF(size, raw, pairs(n, fn), syms))
	// The same label over and over is one set.
	syms = nil
	for range n / 8 {
		syms = append(syms, elfwrite.Symbol{Name: "__BTF_ID__set8__same", Value: advAddr, Size: whole})
	}
	add("one label repeated", "", advELF(size, raw, pairs(n, fn), syms))
	// Sets shifted by one pair each: every set overlaps the next.
	syms = nil
	for i := range n / 8 {
		syms = append(syms, elfwrite.Symbol{Name: fmt.Sprintf("__BTF_ID__set8__s%d", i), Value: advAddr + 8*uint64(i), Size: whole - 8*uint64(i)})
	}
	add("staircase of sets", "overlaps set", advELF(size, raw, pairs(n, fn), syms))
	// Many one-pair sets, all naming one kfunc.
	var ids []byte
	syms = nil
	for i := range n / 4 {
		syms = append(syms, elfwrite.Symbol{Name: fmt.Sprintf("__BTF_ID__set8__s%d", i), Value: advAddr + uint64(len(ids)), Size: 16})
		ids = append(ids, pairs(1, fn)...)
	}
	add("many small sets", "", advELF(size, raw, ids, syms))
	// Labels piled on one pair of a resolved set: all left unresolved.
	syms = []elfwrite.Symbol{{Name: "__BTF_ID__set8__s", Value: advAddr, Size: 16}}
	for i := range n / 4 {
		syms = append(syms, elfwrite.Symbol{Name: fmt.Sprintf("__BTF_ID__func__f%d__%d", i, i), Value: advAddr + 8, Size: 4})
	}
	add("labels piled on a pair", "", advELF(size, raw, pairs(1, fn), syms))
	// Places outside the section, and an id that is no FUNC.
	big := pairs(n, fn)
	add("set below its section", "lies below the section's start 0xffffffff82000000",
		advELF(size, raw, big, []elfwrite.Symbol{{Name: "__BTF_ID__set8__low", Value: advAddr - 4, Size: 16}}))
	add("set far below its section", "__BTF_ID__set8__low at 0x0 lies below",
		advELF(size, raw, big, []elfwrite.Symbol{{Name: "__BTF_ID__set8__low", Value: 0, Size: 0}}))
	add("set past its section", "pass the section's end",
		advELF(size, raw, big, []elfwrite.Symbol{{Name: "__BTF_ID__set8__high", Value: advAddr + uint64(len(big)) - 4}}))
	huge := bytes.Clone(big)
	binary.LittleEndian.PutUint32(huge, 0xffffffff)
	add("count past the section", "pairs pass the section's end",
		advELF(size, raw, huge, []elfwrite.Symbol{{Name: "__BTF_ID__set8__cnt", Value: advAddr}}))
	add("size past the section", "pairs pass the section's end",
		advELF(size, raw, big, []elfwrite.Symbol{{Name: "__BTF_ID__set8__size", Value: advAddr, Size: 1 << 62}}))
	add("id of a struct", fmt.Sprintf("id %d is", st),
		advELF(size, raw, pairs(n, st), []elfwrite.Symbol{{Name: "__BTF_ID__set8__st", Value: advAddr, Size: whole}}))
	add("id past the types", "id 4294967295",
		advELF(size, raw, pairs(n, 0xffffffff), []elfwrite.Symbol{{Name: "__BTF_ID__set8__big", Value: advAddr, Size: whole}}))
	return out
}

// TestAdversarialBTFIDs: each 1 MB shape of .BTF_ids loads, or fails with
// its place, in under a second and 100 MB of allocations.
func TestAdversarialBTFIDs(t *testing.T) {
	for _, tt := range adversarialInputs(t, 1<<20) {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.data) < 1000<<10 {
				t.Fatalf("input of %d bytes, want about 1 MB", len(tt.data))
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			k, err := LoadFromReader(bytes.NewReader(tt.data), "adv.elf", "")
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 100<<20 {
				t.Errorf("allocated %d MB", alloc>>20)
			}
			if took > time.Second {
				t.Errorf("took %v", took)
			}
			switch {
			case tt.err == "" && err != nil:
				t.Fatal(err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "adv.elf: .BTF_ids: ")):
				t.Fatalf("error %v, want one naming the input, .BTF_ids and %q", err, tt.err)
			case err == nil:
				if kf := k.Kfunc("bpf_task_acquire"); kf == nil || strings.Join(kf.Flags, " ") != "KF_ACQUIRE" {
					t.Errorf("bpf_task_acquire: %+v", kf)
				}
			}
			t.Logf("%d bytes in %v, %d KB allocated", len(tt.data), took, (after.TotalAlloc-before.TotalAlloc)>>10)
		})
	}
}

// TestZeroIDs: labels name the pairs of a set resolve_btfids never
// resolved; in a resolved set, an id left 0 is reported by the label left
// over, not given another pair's flags.
func TestZeroIDs(t *testing.T) {
	raw, fn, _ := advIDs(t)
	set := func(p ...uint32) []byte {
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(p)/2))
		b = binary.LittleEndian.AppendUint32(b, 1)
		for _, w := range p {
			b = binary.LittleEndian.AppendUint32(b, w)
		}
		return b
	}
	labels := []elfwrite.Symbol{
		{Name: "__BTF_ID__set8__s", Value: advAddr, Size: 24},
		{Name: "__BTF_ID__func__bpf_task_acquire__1", Value: advAddr + 8, Size: 4},
		{Name: "__BTF_ID__func__bpf_gone__2", Value: advAddr + 16, Size: 4},
	}
	tests := []struct {
		name, flags string
		ids         []byte
	}{
		// Never resolved: source order, the labels are right.
		{"unresolved set", "KF_ACQUIRE", set(0, 1, 0, 2)},
		// Resolved and sorted: bpf_gone's 0 came first, so the label
		// bpf_task_acquire sits on it.
		{"resolved set", "KF_RELEASE", set(0, 1, fn, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := LoadFromReader(bytes.NewReader(advELF(0, raw, tt.ids, slices.Clone(labels))), "zero.elf", "")
			if err != nil {
				t.Fatal(err)
			}
			if kf := k.Kfunc("bpf_task_acquire"); kf == nil || strings.Join(kf.Flags, " ") != tt.flags {
				t.Errorf("bpf_task_acquire: %+v, want %s", kf, tt.flags)
			}
			if !slices.Equal(k.Unresolved, []string{"s: bpf_gone"}) {
				t.Errorf("unresolved %q", k.Unresolved)
			}
		})
	}
}
