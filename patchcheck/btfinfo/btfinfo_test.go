// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck/cscan"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

func load(t testing.TB, name string) *Kernel {
	t.Helper()
	k, err := Load("testdata/"+name, "")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestFixtures(t *testing.T) {
	old := load(t, "old.btf")
	if old.HasFlags {
		t.Error("raw BTF cannot carry flags")
	}
	want := map[string]string{
		"bpf_task_acquire":     "struct task_struct *bpf_task_acquire(struct task_struct *p)",
		"bpf_task_release":     "void bpf_task_release(struct task_struct *p)",
		"bpf_dynptr_slice":     "void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt, u32 buffer__szk)",
		"bpf_cast_to_kern_ctx": "void *bpf_cast_to_kern_ctx(void *obj)",
		"bpf_old_thing":        "int bpf_old_thing(struct task_struct *p)",
		"bpf_len":              "u32 bpf_len(u32 n)",
	}
	if len(old.Kfuncs) != len(want) {
		t.Fatalf("%d kfuncs, want %d", len(old.Kfuncs), len(want))
	}
	for _, kf := range old.Kfuncs {
		if kf.Prototype != want[kf.Name] {
			t.Errorf("%s: %q, want %q", kf.Name, kf.Prototype, want[kf.Name])
		}
	}
	if tags := old.Kfunc("bpf_cast_to_kern_ctx").Tags; !slices.Equal(tags, []string{"bpf_kfunc", "bpf_fastcall"}) {
		t.Errorf("fastcall tags %v", tags)
	}
	// Both byte orders of the ELF give the same kfuncs and flags.
	le, be := load(t, "new-le.elf"), load(t, "new-be.elf")
	if !le.HasFlags || !be.HasFlags || len(le.Kfuncs) != 7 || len(be.Kfuncs) != 7 {
		t.Fatalf("ELF kfuncs: %d/%d, flags %v/%v", len(le.Kfuncs), len(be.Kfuncs), le.HasFlags, be.HasFlags)
	}
	for i := range le.Kfuncs {
		a, b := le.Kfuncs[i], be.Kfuncs[i]
		if a.Name != b.Name || a.Prototype != b.Prototype || !slices.Equal(a.Flags, b.Flags) || a.FlagsBySet() != b.FlagsBySet() {
			t.Errorf("byte orders differ: %+v vs %+v", a, b)
		}
	}
	if u := le.Kfunc("bpf_untagged"); u == nil || len(u.Tags) != 0 {
		t.Errorf("a kfunc known only from .BTF_ids: %+v", u)
	}
	if !slices.Equal(le.Unresolved, []string{"common_btf_ids: bpf_compiled_out"}) {
		t.Errorf("unresolved %q", le.Unresolved)
	}
}

// TestFixtureFlags: genfixtures sorts each set by id as resolve_btfids
// does, against source order, so that labels name the wrong pairs; flags
// must still be each kfunc's own, per set.
func TestFixtureFlags(t *testing.T) {
	tests := []struct {
		file, kfunc string
		flags       []string // nil: the sets disagree
		bySet       string
	}{
		{"new-le.elf", "bpf_task_acquire", []string{"KF_ACQUIRE", "KF_RCU", "KF_RET_NULL", "KF_SLEEPABLE"}, "generic_btf_ids: KF_ACQUIRE | KF_RCU | KF_RET_NULL | KF_SLEEPABLE"},
		{"new-le.elf", "bpf_task_release", []string{"KF_RELEASE"}, "generic_btf_ids: KF_RELEASE"},
		{"new-le.elf", "bpf_dynptr_slice", []string{"KF_RET_NULL"}, "common_btf_ids: KF_RET_NULL"},
		{"new-le.elf", "bpf_len", []string{}, "common_btf_ids: 0"},
		{"new-le.elf", "bpf_cast_to_kern_ctx", nil, "common_btf_ids: 0; tracing_btf_ids: KF_RCU"},
		{"new-be.elf", "bpf_cast_to_kern_ctx", nil, "common_btf_ids: 0; tracing_btf_ids: KF_RCU"},
		{"new-be.elf", "bpf_task_release", []string{"KF_RELEASE"}, "generic_btf_ids: KF_RELEASE"},
		// A set never resolved (all ids 0) keeps source order: its labels
		// name its pairs.
		{"old-le.elf", "bpf_old_thing", []string{"KF_DESTRUCTIVE"}, "early_btf_ids: KF_DESTRUCTIVE"},
		{"old-be.elf", "bpf_task_acquire", []string{"KF_ACQUIRE", "KF_RCU", "KF_RET_NULL"}, "generic_btf_ids: KF_ACQUIRE | KF_RCU | KF_RET_NULL"},
		{"module.ko", "bpf_mod_kfunc", []string{"KF_SLEEPABLE"}, "mod_kfunc_ids: KF_SLEEPABLE"},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.kfunc, func(t *testing.T) {
			base := ""
			if tt.file == "module.ko" {
				base = "testdata/new.btf"
			}
			k, err := Load("testdata/"+tt.file, base)
			if err != nil {
				t.Fatal(err)
			}
			kf := k.Kfunc(tt.kfunc)
			if kf == nil {
				t.Fatal("missing")
			}
			if !slices.Equal(kf.Flags, tt.flags) || (kf.Flags == nil) != (tt.flags == nil) || kf.FlagsBySet() != tt.bySet {
				t.Errorf("flags %#v by set %q, want %#v, %q", kf.Flags, kf.FlagsBySet(), tt.flags, tt.bySet)
			}
		})
	}
}

func TestFlagList(t *testing.T) {
	if got := FlagList(1<<0 | 1<<7 | 1<<2 | 1<<25); !slices.Equal(got, []string{"KF_ACQUIRE", "KF_BIT_25", "KF_RCU", "KF_RET_NULL"}) {
		t.Errorf("FlagList = %v", got)
	}
}

func TestDiff(t *testing.T) {
	changes := Diff(load(t, "old-le.elf"), load(t, "new-be.elf"), cscan.CompareOptions{EquivalentSuffixes: []string{"__opt=__nullable"}})
	got := map[string]*model.Change{}
	for _, c := range changes {
		key := c.Kfunc + " " + string(c.Kind)
		if _, dup := got[key]; dup {
			t.Errorf("duplicate change %s", key)
		}
		got[key] = c
	}
	// want maps each change to its detail, or to the flags added and
	// removed for a flags change.
	want := map[string]string{
		"bpf_dynptr_slice signature": "",
		"bpf_old_thing removed":      "not in testdata/new-be.elf",
		"bpf_task_acquire flags":     "+[KF_SLEEPABLE] -[] in set generic_btf_ids",
		"bpf_task_release signature": "",
		"bpf_new_thing added":        "new in testdata/new-be.elf",
		"bpf_untagged added":         "new in testdata/new-be.elf",
		"bpf_cast_to_kern_ctx moved": "joined tracing_btf_ids",
	}
	for key, detail := range want {
		c, ok := got[key]
		if !ok {
			t.Errorf("missing change %q", key)
			continue
		}
		d := c.Detail
		if c.Kind == model.KindFlags {
			d = fmt.Sprintf("+%v -%v %s", c.FlagsAdded, c.FlagsRemoved, c.Detail)
		}
		if c.Kind != model.KindSignature && d != detail {
			t.Errorf("%s: %q, want %q", key, d, detail)
		}
	}
	if len(changes) != len(want) {
		t.Errorf("%d changes, want %d (bpf_len's typedef-only change is none): %v", len(changes), len(want), slices.Sorted(maps.Keys(got)))
	}
	for _, c := range changes {
		if c.Kfunc == "bpf_task_release" && c.Breaking() {
			t.Errorf("a renamed parameter is not breaking: %+v", c.SigDiffs)
		}
		if c.Kfunc == "bpf_dynptr_slice" && !c.Breaking() {
			t.Errorf("u32 to u64 is breaking: %+v", c.SigDiffs)
		}
	}
}

// TestPairSets: a kfunc's sets pair by name, a lone set on each side
// pairs as a rename, and what is left joined or left.
func TestPairSets(t *testing.T) {
	sf := func(set string, w uint32) SetFlags { return SetFlags{Set: set, word: w} }
	tests := []struct {
		name                string
		old, new            []SetFlags
		pairs, left, joined int
	}{
		{"same", []SetFlags{sf("a", 1)}, []SetFlags{sf("a", 2)}, 1, 0, 0},
		{"renamed", []SetFlags{sf("a", 1)}, []SetFlags{sf("b", 1)}, 1, 0, 0},
		{"joined", []SetFlags{sf("a", 1)}, []SetFlags{sf("a", 1), sf("b", 1)}, 1, 0, 1},
		{"left", []SetFlags{sf("a", 1), sf("b", 1)}, []SetFlags{sf("b", 1)}, 1, 1, 0},
		{"twice in one set", []SetFlags{sf("a", 1), sf("a", 2)}, []SetFlags{sf("a", 1)}, 1, 1, 0},
		{"two renamed", []SetFlags{sf("a", 1), sf("b", 1)}, []SetFlags{sf("c", 1), sf("d", 1)}, 0, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, l, j := pairSets(tt.old, tt.new)
			if len(p) != tt.pairs || len(l) != tt.left || len(j) != tt.joined {
				t.Errorf("pairs %v left %v joined %v", p, l, j)
			}
		})
	}
}

func TestUsesAndCompat(t *testing.T) {
	uses, err := Uses("testdata/prog.bpf.o")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range uses {
		names = append(names, u.Name)
	}
	if !slices.Equal(names, []string{"bpf_cast_to_kern_ctx", "bpf_dynptr_slice", "bpf_gone_for_good", "bpf_old_thing", "bpf_task_acquire", "bpf_task_release"}) {
		t.Fatalf("uses %v", names)
	}
	status := map[string]string{}
	for _, v := range Compat(uses, load(t, "new-le.elf"), nil) {
		status[v.Use.Name] = v.Status
	}
	// libbpf takes any integer for any integer: u32 for u64 resolves.
	want := map[string]string{"bpf_cast_to_kern_ctx": "ok", "bpf_dynptr_slice": "compatible", "bpf_gone_for_good": "missing",
		"bpf_old_thing": "missing", "bpf_task_acquire": "ok", "bpf_task_release": "ok"}
	for n, s := range want {
		if status[n] != s {
			t.Errorf("%s: %s, want %s", n, status[n], s)
		}
	}
	if _, err := Uses("testdata/new-le.elf"); err == nil {
		t.Error("a vmlinux is not a BPF program")
	}
}

// countKfuncTags counts the FUNC types a raw BTF blob tags bpf_kfunc,
// walking the type section itself rather than through cilium/ebpf.
func countKfuncTags(t *testing.T, data []byte) int {
	t.Helper()
	bo := binary.ByteOrder(binary.LittleEndian)
	if binary.BigEndian.Uint16(data) == 0xeb9f {
		bo = binary.BigEndian
	}
	hdrLen := bo.Uint32(data[4:])
	typeOff, typeLen := bo.Uint32(data[8:]), bo.Uint32(data[12:])
	strOff := bo.Uint32(data[16:])
	types := data[hdrLen+typeOff : hdrLen+typeOff+typeLen]
	strs := data[hdrLen+strOff:]
	str := func(off uint32) string {
		end := bytes.IndexByte(strs[off:], 0)
		return string(strs[off : off+uint32(end)])
	}
	targets := map[uint32]bool{}
	for off := 0; off < len(types); {
		nameOff, info, typ := bo.Uint32(types[off:]), bo.Uint32(types[off+4:]), bo.Uint32(types[off+8:])
		kind, vlen := (info>>24)&0x1f, int(info&0xffff)
		off += 12
		switch kind {
		case 1, 14, 17: // INT, VAR, DECL_TAG
			if kind == 17 && str(nameOff) == "bpf_kfunc" && int32(bo.Uint32(types[off:])) == -1 {
				targets[typ] = true
			}
			off += 4
		case 3: // ARRAY
			off += 12
		case 4, 5, 15, 19: // STRUCT, UNION, DATASEC, ENUM64
			off += 12 * vlen
		case 6, 13: // ENUM, FUNC_PROTO
			off += 8 * vlen
		case 2, 7, 8, 9, 10, 11, 12, 16, 18: // no extra data
		default:
			t.Fatalf("unknown BTF kind %d", kind)
		}
	}
	return len(targets)
}

// TestRunningKernel checks the running kernel's BTF when it is readable:
// the kfunc count matches an independent count of bpf_kfunc decl tags,
// and well-known prototypes render exactly.
func TestRunningKernel(t *testing.T) {
	data, err := os.ReadFile(DefaultKernel)
	if err != nil {
		t.Skipf("no running kernel BTF: %v", err)
	}
	start := time.Now()
	k, err := Load(DefaultKernel, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d kfuncs in %v", len(k.Kfuncs), time.Since(start))
	tagged := 0
	for _, kf := range k.Kfuncs {
		if slices.Contains(kf.Tags, "bpf_kfunc") {
			tagged++
		}
	}
	if n := countKfuncTags(t, data); n == 0 || n != tagged {
		t.Errorf("cilium/ebpf finds %d tagged kfuncs, the raw walk %d", tagged, n)
	}
	for name, want := range map[string]string{
		"bpf_task_acquire":  "struct task_struct *bpf_task_acquire(struct task_struct *p)",
		"bpf_task_release":  "void bpf_task_release(struct task_struct *p)",
		"bpf_rcu_read_lock": "void bpf_rcu_read_lock(void)",
	} {
		if kf := k.Kfunc(name); kf == nil || kf.Prototype != want {
			t.Errorf("%s: %v, want %q", name, kf, want)
		}
	}
}

func BenchmarkListRunningKernel(b *testing.B) {
	data, err := os.ReadFile(DefaultKernel)
	if err != nil {
		b.Skipf("no running kernel BTF: %v", err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		k, err := LoadFromReader(bytes.NewReader(data), DefaultKernel, "")
		if err != nil || len(k.Kfuncs) == 0 {
			b.Fatal(err)
		}
	}
}

func FuzzLoad(f *testing.F) {
	for _, n := range []string{"old.btf", "new-le.elf", "new-be.elf", "prog.bpf.o"} {
		if b, err := os.ReadFile("testdata/" + n); err == nil {
			f.Add(b)
		}
	}
	// The adversarial shapes of .BTF_ids, small: mutations of them reach
	// the set and label arithmetic.
	for _, in := range adversarialInputs(f, 4<<10) {
		f.Add(in.data)
	}
	// Types that loop: mutations of them reach every writer's bound.
	for _, raw := range loopShapes() {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("slow input: %v", d)
			}
		}()
		k, err := LoadFromReader(bytes.NewReader(data), "fuzz", "")
		if err == nil {
			for _, kf := range k.Kfuncs {
				_ = fmt.Sprint(kf.Prototype, kf.Flags)
			}
		}
		if uses, _, err := usesFromReader(bytes.NewReader(data), "fuzz"); err == nil && k != nil {
			// The compat rule over whatever was read: bounded, never
			// a panic.
			_ = Compat(uses, k, []string{"BPF_PROG_TYPE_TRACING"})
		}
		_, _ = declTagTargets(data, "bpf_kfunc")
	})
}

// TestModuleSplitBTF reads a module whose .BTF is split over its kernel's.
func TestModuleSplitBTF(t *testing.T) {
	k, err := Load("testdata/module.ko", "testdata/new.btf")
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Kfuncs) != 1 || k.Kfuncs[0].Prototype != "int bpf_mod_kfunc(struct task_struct *p)" ||
		!slices.Equal(k.Kfuncs[0].Flags, []string{"KF_SLEEPABLE"}) {
		t.Errorf("module kfuncs %+v", k.Kfuncs)
	}
	if _, err := Load("testdata/module.ko", ""); err == nil || !strings.Contains(err.Error(), "--base") {
		t.Errorf("split BTF without a base: %v", err)
	}
}
